/* cwp_sync internals shared by the engine's files (not installed). */
#ifndef CWP_SYNC_INTERNAL_H
#define CWP_SYNC_INTERNAL_H

#include <stdio.h>

#include "cwp/sync.h"

struct cwp_sync_result {
	cwp_sync_summary sum;
	cwp_sync_row *rows;
	size_t n_rows, cap_rows;
	char *labels[2], *urls[2];
	char *journal_path;
	char error[1024];
};

/* A new row (zeroed) at the end of r's rows; NULL when out of memory. */
cwp_sync_row *cwp__sync_row_add(cwp_sync_result *r);
/* Count the rows into the summary. */
void cwp__sync_summarize(cwp_sync_result *r);

/* The journal (APPLY-09): JSON lines, flushed and fsync'ed on request; the
 * directory is fsync'ed when the file is created, so that the file itself
 * survives a crash. Every line passes through redact first. */
typedef struct cwp__sync_journal cwp__sync_journal;
struct cJSON;
int cwp__sync_journal_open(cwp__sync_journal **out, const char *path, const struct cJSON *header,
			   void (*redact)(void *, char *), void *ud, char *err, size_t errsz);
int cwp__sync_journal_append(cwp__sync_journal *j, const struct cJSON *line);
int cwp__sync_journal_sync(cwp__sync_journal *j);
int cwp__sync_journal_close(cwp__sync_journal *j);

/* One run's state, passed through the phases (engine*.c). */
struct cwp__sync_slot {
	const cwp_decision *d;
	int target;
	const char *const *ids; /* borrowed: the index's or the resolution's */
	size_t n_ids;
	const char *unresolved;
	bool pending;  /* needs the provider's resolve */
	bool versions; /* a planner skip re-checked per version (APPLY-06) */
	bool excluded; /* outside opts->only */
};

typedef struct cwp__sync_run {
	const cwp_sync_options *o;
	const cwp_sync_provider *p[2];
	cwp_sync_result *r;
	cwp_warnings w;
	cwp_config cfg;
	cwp_index *idx[2];
	cwp_plan *plan;
	void *res_handle[2];
	struct cwp__sync_slot *slots;
	size_t n_dec;
	size_t *pw; /* rows to write, in row order */
	char (*bodies)[160];
	size_t n_pw;
	cwp__sync_journal *journal;
	char run_id[64];
	int64_t lap;
	bool cancelled;
} cwp__sync_run;

/* Record why the run stopped (redacted) and its outcome; returns -1. */
int cwp__sync_fail(cwp__sync_run *x, cwp_sync_outcome outcome, const char *phase, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
/* The phase callback: false (and x->cancelled) when the caller cancels. */
bool cwp__sync_continue(cwp__sync_run *x, cwp_sync_phase ph, size_t done, size_t total);
void cwp__sync_lap(cwp__sync_run *x, cwp_sync_phase ph);
char *cwp__sync_strdup(const char *s);

/* The phases after planning (engine_rows.c, engine_write.c). */
int cwp__sync_resolve(cwp__sync_run *x);
int cwp__sync_rows(cwp__sync_run *x);
int cwp__sync_decide(cwp__sync_run *x);
int cwp__sync_journal_writes(cwp__sync_run *x);
int cwp__sync_send(cwp__sync_run *x);
void cwp__sync_journal_end(cwp__sync_run *x);

#endif
