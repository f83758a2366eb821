/* End-to-end test support: two in-process mock Emby servers on ephemeral
 * ports, a pair file in a private temporary folder, and the cwprogress verbs
 * run in-process with their output captured. */
#ifndef CWP_E2E_SUPPORT_H
#define CWP_E2E_SUPPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "mock_emby/mock_emby.h"

#define E2E_SRC_USER "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
#define E2E_DST_USER "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
/* The fixtures' tokens: tests assert they appear nowhere (CLI-04). */
#define E2E_SRC_TOKEN "e2e-src-secret-TOKEN-5f1d2a"
#define E2E_DST_TOKEN "e2e-dst-secret-TOKEN-9c8b7e"
#define E2E_MIN_TICKS INT64_C(600000000)

#define E2E_USERDATA_ROUTE "/Users/*/Items/*/UserData"
#define E2E_PLAYED_ROUTE   "/Users/*/PlayedItems/*"

typedef int (*e2e_verb)(int argc, char **argv, FILE *out, FILE *err);

typedef struct e2e_env {
	mock_emby *src, *dst;
	char dir[PATH_MAX - 64]; /* private temporary folder */
	char pair[PATH_MAX];     /* dir/pair.json */
	char journal[PATH_MAX];  /* dir/journal.jsonl */
	char *out, *err;         /* the last run's stdout and stderr */
	int rc;                  /* the last run's exit status */
} e2e_env;

/* Start both mocks from cli/tests/fixtures/<name> (or an absolute path),
 * create the folder, export the token variables, write a pair file with the
 * given features.progress object text (NULL = {"remove": true}). */
void e2e_start(e2e_env *e, const char *src_fixture, const char *dst_fixture,
	       const char *progress_json);
void e2e_stop(e2e_env *e);
/* Rewrite the pair file (progress_json as above; extra_src/extra_dst are
 * extra members for the endpoints, e.g. "\"token_file\": \"...\"", or NULL;
 * when given they replace token_env). */
void e2e_write_pair(e2e_env *e, const char *progress_json, const char *src_auth,
		    const char *dst_auth);

/* Run a verb with NULL-terminated arguments (argv[0] is the verb name). */
int e2e_run(e2e_env *e, e2e_verb verb, const char *name, ...);

/* Current user data of one item on a mock ({} → NULL values). */
int64_t e2e_ticks(mock_emby *m, const char *user, const char *item); /* -1 absent */
bool e2e_played(mock_emby *m, const char *user, const char *item);
/* LastPlayedDate or "" when absent; buf of 64. */
const char *e2e_date(mock_emby *m, const char *user, const char *item, char *buf);

size_t e2e_posts(mock_emby *m);   /* POST …/UserData */
size_t e2e_deletes(mock_emby *m); /* DELETE …/PlayedItems/… */

/* Parse the last run's stdout as JSON (the test owns the result). */
cJSON *e2e_json_out(e2e_env *e);
/* The report item of key (and item id when not NULL), or NULL. */
const cJSON *e2e_report_item(const cJSON *report, const char *key, const char *item_id);
const char *e2e_str(const cJSON *o, const char *k);

/* Whole file as a string ("" when missing); caller frees. */
char *e2e_slurp(const char *path);

#endif
