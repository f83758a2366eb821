/* Harness for the sync-level conformance layers (issue 6): two in-process
 * mock Emby servers, a pair file filled in with their URLs and tokens, and
 * `cwprogress sync` run in-process (cwp_cli). Shared by the scenario runner
 * (conformance/scenarios) and the seeded sync properties
 * (conformance/sync_properties).
 *
 * Functions here never call a cmocka assert: they return 0 or -1 with a
 * message in the caller's buffer, so that a runner can collect every problem
 * of a case before failing it. */
#ifndef CWP_SYNC_HARNESS_H
#define CWP_SYNC_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "scenario.h" /* the conformance kit: one copy of the shared helpers */

#include "mock_emby/mock_emby.h"

enum { CH_SRC = 0, CH_DST = 1 };

extern const char *const ch_side_name[2]; /* "source", "destination" */

typedef struct ch_side {
	mock_emby *m;
	char user[64];   /* the pair's user id on this server */
	char token[128]; /* that user's token (from the fixture's server.json) */
	char env[32];    /* the environment variable the pair file names */
} ch_side;

typedef struct ch_env {
	ch_side side[2];
	char dir[PATH_MAX / 2]; /* private temporary folder (removed by ch_stop) */
	char pair[PATH_MAX];    /* dir/pair.json */
	char journal[PATH_MAX]; /* dir/journal.jsonl */
	bool err_tty;           /* run with stderr on a pseudo-terminal */
	int rc;                 /* the last run's exit status */
	char *out, *err;        /* the last run's stdout and stderr */
} ch_env;

/* A private temporary folder below $TMPDIR (or /tmp); 0 or -1. */
int ch_mkdtemp(char *out, size_t sz, const char *prefix);
/* Remove a folder made by ch_mkdtemp and everything below it. */
void ch_rmtree(const char *dir);

/* Create the folder and start both mocks from fixture directories. user_id
 * of a side: the pair's user on that server, or NULL for the first user of
 * its server.json. The token variables are exported. */
int ch_start(ch_env *e, const char *src_fixture, const char *dst_fixture, const char *src_user,
	     const char *dst_user, char *err, size_t errsz);
/* Stop both mocks, free the outputs, remove the folder. */
void ch_stop(ch_env *e);

/* Write dir/pair.json: `pair` is a pair object (may be NULL: features
 * default) whose source/destination objects get url, user_id (when absent)
 * and token_env filled in. The object itself is not changed. */
int ch_write_pair(ch_env *e, const cJSON *pair, char *err, size_t errsz);

/* Run `cwprogress sync --config dir/pair.json --journal dir/journal.jsonl
 * ARGS…` in-process; keeps rc/out/err in e. */
int ch_sync(ch_env *e, const char *const *args, size_t nargs);

/* Run the engine itself (cwp_sync_run with two Emby providers on the mocks,
 * journal dir/journal.jsonl) with the pair's features.progress (`pair` may
 * be NULL: the defaults), as `cwprogress sync` does without its printing.
 * *out is the result (the caller frees it); 0, or -1 with a message. */
struct cwp_sync_result;
int ch_sync_engine(ch_env *e, const cJSON *pair, bool dry_run, struct cwp_sync_result **out,
		   char *err, size_t errsz);

/* A mock's request journal as JSON (the caller deletes it), or NULL. */
#define ch_journal cwp_scenario_journal
/* The path of a journal entry without any /emby prefix. */
#define ch_entry_path cwp_scenario_entry_path
/* Whether a journal entry is a write: any method but GET and HEAD. */
#define ch_is_write cwp_scenario_is_write
/* How many entries of a journal are writes. */
size_t ch_count_writes(const cJSON *journal);
/* Whether a path (no query, no /emby prefix) matches a pattern where `*`
 * matches one segment; segments compare case-insensitively (the mock's
 * rule, mock_emby_count). */
#define ch_route_match cwp_scenario_route_match

/* Parse the last run's stdout as the --json report (caller deletes). */
cJSON *ch_report(const ch_env *e);

/* APPLY-08: a dry run's --json report against a real run's: the same items
 * (key, direction, target, item, stages, actions, reasons, values, state
 * read) with "would_write" standing for "written" or "failed", the same
 * summary but for written/failed, the same mode and warnings. On a
 * difference returns false and says where in why. */
bool ch_same_plan(const cJSON *dry, const cJSON *real, char *why, size_t whysz);

/* Whether either token appears in text (CLI-04). */
bool ch_has_token(const ch_env *e, const char *text);

/* Whole file as a string ("" when missing); caller frees. NULL only when
 * out of memory. */
char *ch_slurp(const char *path);

/* Append printf-style text to a growing message (*buf may be NULL). */
#define ch_appendf cwp_scenario_appendf

#endif
