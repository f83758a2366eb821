/* Colours and progress bars (CLI-06). */
#include "term.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const sgr[CWP__STYLE_COUNT] = {
    "\033[0m",  "\033[1m",  "\033[2m",  "\033[31m", "\033[32m",
    "\033[33m", "\033[34m", "\033[35m", "\033[36m",
};

static bool wants_color(FILE *f)
{
	const char *force = getenv("CWPROGRESS_FORCE_COLOR");
	const char *no = getenv("NO_COLOR");
	/* NO_COLOR (no-color.org): any non-empty value disables colour,
	 * even when forced. */
	if (no && *no)
		return false;
	if (force && !strcmp(force, "1"))
		return true;
	const char *term = getenv("TERM");
	if (term && !strcmp(term, "dumb"))
		return false;
	return f && isatty(fileno(f));
}

void cwp__term_init(cwp__term *t, FILE *out, FILE *err, int verbosity)
{
	memset(t, 0, sizeof(*t));
	t->out = out;
	t->err = err;
	t->verbosity = verbosity;
	t->color_out = wants_color(out);
	t->color_err = wants_color(err);
	t->bar = verbosity >= 0 && err && isatty(fileno(err));
}

const char *cwp__so(const cwp__term *t, enum cwp__style s)
{
	return t && t->color_out && s < CWP__STYLE_COUNT ? sgr[s] : "";
}

const char *cwp__se(const cwp__term *t, enum cwp__style s)
{
	return t && t->color_err && s < CWP__STYLE_COUNT ? sgr[s] : "";
}

static long elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

void cwp__bar_progress(void *ud, const char *phase, size_t done, size_t total)
{
	cwp__bar *b = ud;
	if (!b || !b->term || !b->term->bar)
		return;
	cwp__term *t = b->term;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	bool end = total && done >= total;
	if (t->bar_drawn && !end && elapsed_ms(&t->bar_last, &now) < 100)
		return;
	t->bar_last = now;
	enum { WIDTH = 30 };
	char bar[WIDTH + 1];
	size_t fill = total ? (done >= total ? WIDTH : done * WIDTH / total) : 0;
	for (size_t i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[WIDTH] = 0;
	if (total)
		fprintf(t->err, "\r\033[K%s%-11s %-7s%s [%s] %zu/%zu", cwp__se(t, CWP__DIM),
			b->label ? b->label : "", phase ? phase : "", cwp__se(t, CWP__RESET), bar,
			done, total);
	else
		fprintf(t->err, "\r\033[K%s%-11s %-7s%s %zu", cwp__se(t, CWP__DIM),
			b->label ? b->label : "", phase ? phase : "", cwp__se(t, CWP__RESET), done);
	fflush(t->err);
	t->bar_drawn = true;
}

void cwp__bar_clear(cwp__term *t)
{
	if (t && t->bar && t->bar_drawn) {
		fputs("\r\033[K", t->err);
		fflush(t->err);
		t->bar_drawn = false;
	}
}

const char *cwp__fmt_ms(char *buf, size_t bufsz, int64_t ms)
{
	if (ms < 0) {
		snprintf(buf, bufsz, "-");
		return buf;
	}
	int64_t s = ms / 1000;
	int64_t h = s / 3600, m = (s / 60) % 60, sec = s % 60;
	if (h)
		snprintf(buf, bufsz, "%lld:%02lld:%02lld", (long long)h, (long long)m,
			 (long long)sec);
	else
		snprintf(buf, bufsz, "%lld:%02lld", (long long)m, (long long)sec);
	return buf;
}
