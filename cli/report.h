/* Printing a sync report (CLI-06): a summary table for people, or the full
 * machine-readable JSON report (--json). Shared by sync and demo. */
#ifndef CWP_CLI_REPORT_H
#define CWP_CLI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "sync.h"
#include "term.h"

struct cJSON;

enum {
	CWP__SHOW_SUMMARY = 0, /* summary + writes, failures and unresolved keys */
	CWP__SHOW_EXPLAIN = 1, /* every key with its decision and reason */
	CWP__SHOW_QUIET = 2,   /* failures and the closing line only */
};
/* Or'ed into `show`: leave out the two server lines (the demo prints them
 * once for all its runs). */
#define CWP__SHOW_NO_SERVERS 0x100
/* Or'ed into `show`: leave out the journal line (the demo's is temporary). */
#define CWP__SHOW_NO_JOURNAL 0x200

/* "The Matrix (1999)", "Show S01E02", or the key. */
const char *cwp__row_name(const cwp_sync_row *w, char *buf, size_t bufsz);

/* The human report on t->out. */
void cwp__report_print(const cwp_sync_result *r, cwp__term *t, int show);

/* {"cwprogress": version, "command": "sync", "dry_run", "mode", "disabled",
 *  "exit_code", "error", "servers": {"source": {...}, "destination": {...}},
 *  "summary": {...}, "items": [...], "journal", "warnings", "elapsed_ms"}.
 * Caller owns the result. */
struct cJSON *cwp__report_to_json(const cwp_sync_result *r);
int cwp__report_print_json(const cwp_sync_result *r, FILE *f);

#endif
