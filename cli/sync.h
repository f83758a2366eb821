/* The sync engine behind `cwprogress sync` and `cwprogress demo` (SPEC §5,
 * §6, §7, §8): probe → index both sides → confirm-before-clear → plan →
 * resolve → fresh state + /Sessions → write policy → journal → write.
 *
 * The engine never prints except progress bars (through the term): it fills
 * a report that report.c prints as a table or as JSON. */
#ifndef CWP_CLI_SYNC_H
#define CWP_CLI_SYNC_H

#include <stdio.h>

#include "cwp/cwp.h"
#include "pair.h"
#include "term.h"

/* What happened to one planned key, or to one destination item of it
 * (APPLY-06: several rows for a multi-version item). */
typedef enum cwp__status {
	CWP__ST_PLAN_SKIP = 0, /* skipped by the planner (§4) */
	CWP__ST_UNRESOLVED,    /* no target item (RES-04), reason in `unresolved` */
	CWP__ST_POLICY_SKIP,   /* skipped on the fresh target state (§5) */
	CWP__ST_WOULD_WRITE,   /* dry run: would be written (APPLY-08) */
	CWP__ST_WRITTEN,
	CWP__ST_FAILED,
} cwp__status;

const char *cwp__status_name(cwp__status s);

typedef struct cwp__row {
	char *key;
	char *title;
	cwp_media_type type;
	int32_t season, episode;
	bool has_se;
	cwp_direction dir;
	int target;    /* CWP__SRC / CWP__DST: the side that is (or would be) written */
	char *item_id; /* NULL for planner skips and unresolved keys */
	cwp_action plan_action;
	cwp_reason plan_reason;
	cwp_action action; /* final: the write policy's, when it ran */
	cwp_reason reason;
	const char *unresolved; /* "not_found", "ambiguous", "vanished" (static) */
	cwp__status status;
	/* the values behind the decision */
	int64_t src_ms, dst_ms, write_ms;
	bool has_src_ms, has_dst_ms;
	int64_t src_at;
	bool has_src_at;
	bool unwatch_first;
	cwp_target_state prev; /* the fresh state (when has_prev) */
	bool has_prev;
	char *error; /* of a failed write (redacted) */
	int http_status;
	size_t decision; /* index of the plan decision behind the row */
} cwp__row;

typedef struct cwp__side_report {
	char *label, *url;
	char server_name[128], version[32], user_name[128];
	size_t indexed;         /* records in its progress index */
	size_t confirmed_zeros; /* READ-06 explicit zeros found here */
	size_t requests, retries, bytes;
	bool probed, read;
} cwp__side_report;

enum cwp__phase {
	CWP__PH_PROBE = 0,
	CWP__PH_INDEX,
	CWP__PH_CONFIRM,
	CWP__PH_PLAN,
	CWP__PH_RESOLVE,
	CWP__PH_STATE,
	CWP__PH_WRITE,
	CWP__PH_COUNT
};
const char *cwp__phase_name(int phase);

typedef struct cwp__report {
	bool dry_run;
	cwp_mode mode;
	bool disabled;
	cwp__side_report side[2];
	cwp__row *rows;
	size_t n_rows, cap_rows;
	/* summary over rows */
	size_t keys, upserts, clears, skips, unresolved, failed, written;
	size_t by_reason[CWP_REASON__COUNT];
	size_t warnings;
	char *journal_path;
	int64_t elapsed_ms;
	int64_t phase_ms[CWP__PH_COUNT]; /* wall time per phase */
	int exit_code;                   /* CLI-03 */
	char error[1024];                /* why the run stopped (exit 2/3), redacted */
	const char *failed_phase;        /* "probe", "index", … when exit_code is 3 */
} cwp__report;

void cwp__report_free(cwp__report *r);

typedef struct cwp__sync_opts {
	const cwp__endpoint *side[2];
	const cwp__creds *creds[2]; /* read by the caller: never printed */
	cwp_config cfg;
	bool dry_run;
	bool insecure;
	const char *ca_file;      /* overrides the endpoints' ca_file */
	const char *journal_path; /* NULL: default path (cwp__journal_default_path) */
	const char *plan_out;     /* write plan JSON here, when set */
	const char *command;      /* "sync" or "demo": names the default journal */
	cwp__term *term;          /* progress bars; may be NULL */
	cwp_warnings *warnings;   /* may be NULL */
	int max_in_flight;        /* 0: the endpoints' or the client's default */
} cwp__sync_opts;

/* Run one sync. Always returns a report (NULL only when out of memory);
 * report->exit_code says how it went (CLI-03). */
cwp__report *cwp__sync_run(const cwp__sync_opts *o);

/* APPLY-08: whether a dry run's report plans exactly what a real run's did
 * (same rows: key, direction, item, action, reason; "would write" against
 * "written" or "failed"). */
bool cwp__report_same_plan(const cwp__report *dry, const cwp__report *real);

/* Count the rows into the summary fields. */
void cwp__report_summarize(cwp__report *r);

/* The verbs with their output streams, so that tests run them in-process
 * (cmd_<verb> calls these with stdout and stderr). */
int cwp__cmd_sync(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_demo(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_undo(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_index(int argc, char **argv, FILE *out, FILE *err);

/* A warnings sink that prints "warning: …" (redacted) on a stream when
 * `print`, and counts always. */
typedef struct cwp__warn_sink {
	cwp__term *term;
	bool print;
} cwp__warn_sink;
void cwp__warn_print(void *ud, const char *msg);

#endif
