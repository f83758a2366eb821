/* Terminal output of the cwprogress command (CLI-06): colours only on a
 * terminal and never with NO_COLOR set, a progress bar on stderr only when
 * stderr is a terminal, and -q/-v levels. */
#ifndef CWP_CLI_TERM_H
#define CWP_CLI_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum cwp__style {
	CWP__RESET = 0,
	CWP__BOLD,
	CWP__DIM,
	CWP__RED,
	CWP__GREEN,
	CWP__YELLOW,
	CWP__BLUE,
	CWP__MAGENTA,
	CWP__CYAN,
	CWP__STYLE_COUNT
};

typedef struct cwp__term {
	FILE *out, *err;
	bool color_out, color_err;
	bool bar;      /* draw progress bars on err */
	int verbosity; /* -1 quiet, 0 normal, 1 verbose */
	/* progress bar state */
	bool bar_drawn;
	struct timespec bar_last;
} cwp__term;

/* Colours: out/err is a terminal, NO_COLOR unset or empty, TERM not "dumb".
 * CWPROGRESS_FORCE_COLOR=1 forces them on (tests, `| less -R`). */
void cwp__term_init(cwp__term *t, FILE *out, FILE *err, int verbosity);

/* The escape sequence of a style for out / err, or "" without colour. */
const char *cwp__so(const cwp__term *t, enum cwp__style s);
const char *cwp__se(const cwp__term *t, enum cwp__style s);

/* A progress callback (emby_options.progress) for one side: ud is a
 * cwp__bar. Redraws at most every 100 ms, and at the end of a phase. */
typedef struct cwp__bar {
	cwp__term *term;
	const char *label; /* "source", "destination" */
} cwp__bar;
void cwp__bar_progress(void *ud, const char *phase, size_t done, size_t total);
/* Erase the bar line (before other output goes to err). */
void cwp__bar_clear(cwp__term *t);

/* "1:02:03" / "12:34" for a position in ms; "-" when negative. */
const char *cwp__fmt_ms(char *buf, size_t bufsz, int64_t ms);

#endif
