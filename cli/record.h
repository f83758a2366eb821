/* `cwprogress record` (issue 9): capture what a sync reads from one Emby
 * server into a fixture directory that mock_emby replays (docs/FIXTURES.md,
 * "Recording a server").
 *
 *   cmd_record.c     options, the reads, the summary
 *   record_store.c   the items read, merged by id, checked against what the
 *                    mock's loader accepts, and the fixture's files
 *   record_redact.c  --redact placeholders and the token scrub
 */
#ifndef CWP_CLI_RECORD_H
#define CWP_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cJSON;

/* The verb with its output streams (tests run it in-process). */
int cwp__cmd_record(int argc, char **argv, FILE *out, FILE *err);

/* ---- a string → index map (record_store.c) ---- */

typedef struct cwp__strmap {
	char **keys; /* owned copies */
	size_t *vals;
	size_t n, cap;
	size_t *slots; /* index + 1 into keys; 0 = empty */
	size_t nslots;
} cwp__strmap;

/* Add key → val unless key is there. *had (optional) says whether it was,
 * and *val_out (optional) gets the value in the map. 0 or CWP_ENOMEM. */
int cwp__strmap_put(cwp__strmap *m, const char *key, size_t val, bool *had, size_t *val_out);
bool cwp__strmap_get(const cwp__strmap *m, const char *key, size_t *val);
void cwp__strmap_free(cwp__strmap *m);

/* ---- redaction (record_redact.c) ---- */

enum {
	CWP__REDACT_NAMES = 1u, /* user names, the server's name */
	CWP__REDACT_PATHS = 2u, /* file paths, image tags, overviews */
};

/* "names", "paths", "names,paths" or "all" → flags. CWP_EINVAL with a
 * message naming the unknown word. */
int cwp__redact_parse(unsigned *out, const char *list, char *err, size_t errsz);

typedef enum cwp__redact_kind {
	CWP__RK_USER = 0,
	CWP__RK_SERVER,
	CWP__RK_PATH,
	CWP__RK_IMAGE_TAG,
	CWP__RK_OVERVIEW,
	CWP__RK_COUNT
} cwp__redact_kind;

typedef struct cwp__redactor {
	unsigned what;
	cwp__strmap seen[CWP__RK_COUNT]; /* original value → placeholder number */
} cwp__redactor;

/* The placeholder of value (the same value always gets the same one;
 * numbered in order of first appearance). malloc'd; NULL when out of
 * memory. */
char *cwp__redact_value(cwp__redactor *r, cwp__redact_kind kind, const char *value);

/* Replace, in place, every value of a redacted kind below node (keys decide
 * the kind, see docs/FIXTURES.md). 0 or CWP_ENOMEM. */
int cwp__redact_json(cwp__redactor *r, struct cJSON *node);

/* How many distinct values of a kind were replaced. */
size_t cwp__redact_count(const cwp__redactor *r, cwp__redact_kind kind);
const char *cwp__redact_kind_name(cwp__redact_kind kind);
void cwp__redactor_free(cwp__redactor *r);

/* Replace every occurrence of secret inside any string value or member
 * name below node with "<redacted>". Returns how many strings changed, or
 * (size_t)-1 when out of memory. */
size_t cwp__scrub_secret(struct cJSON *node, const char *secret);

/* ---- what the mock's fixture loader accepts (record_store.c) ---- */

/* NULL when the mock can load this item object as an items.json entry
 * (without its UserData), else what is wrong, naming the field. */
const char *cwp__rec_item_problem(const struct cJSON *item);
/* The same for a UserData object: NULL when userdata/<user>.json can hold
 * it; else the first bad member (*bad_key names it). */
const char *cwp__rec_userdata_problem(const struct cJSON *ud, const char **bad_key);

/* ---- the items of a recording (record_store.c) ---- */

typedef struct cwp__rec_item {
	struct cJSON *obj; /* the item without UserData (owned) */
	struct cJSON *ud;  /* its UserData (owned), or NULL */
	char *library;     /* cwpLibraryId, or NULL */
	bool listed;       /* returned by the resumable listing */
} cwp__rec_item;

typedef struct cwp__rec_store {
	cwp__rec_item *v;
	size_t n, cap;
	cwp__strmap ids;
	size_t dropped_userdata; /* UserData members the mock cannot hold */
} cwp__rec_store;

/* What cwp__rec_store_add did with a row. */
typedef enum cwp__rec_added {
	CWP__REC_ADDED = 0,   /* a new item */
	CWP__REC_MERGED,      /* an item already there: missing fields added */
	CWP__REC_REJECTED,    /* the mock could not load it: not kept (*why) */
	CWP__REC_UD_TRIMMED,  /* kept, but UserData members were dropped (*why) */
	CWP__REC_LIB_CONFLICT /* listed from two different libraries */
} cwp__rec_added;

/* Add one row of an Items answer (copied; row is not changed). library: the
 * ParentId it was listed under, or NULL. *idx (optional) gets its index. */
int cwp__rec_store_add(cwp__rec_store *s, const struct cJSON *row, const char *library, bool listed,
		       cwp__rec_added *what, const char **why, size_t *idx);
bool cwp__rec_store_find(const cwp__rec_store *s, const char *id, size_t *idx);
void cwp__rec_store_free(cwp__rec_store *s);

/* Mark, with the mock annotation cwpResumable, every item whose listing the
 * mock's rule (position > 0 and not played) would get wrong: listed items
 * it would leave out, unlisted ones it would list. Returns how many. */
size_t cwp__rec_store_pin_resumable(cwp__rec_store *s);

/* Write items.json (one item per line, cwpLibraryId added) and
 * userdata/<user_id>.json into dir (which exists). 0, or CWP_EIO /
 * CWP_ENOMEM with err naming the file. */
int cwp__rec_store_write(const cwp__rec_store *s, const char *dir, const char *user_id, char *err,
			 size_t errsz);

/* Write a cJSON document to dir/name (pretty when `pretty`), refusing to
 * write it when it holds `secret` (CWP_EPERM). */
int cwp__rec_write_json(const char *dir, const char *name, const struct cJSON *doc, bool pretty,
			const char *secret, char *err, size_t errsz);

/* Remove a directory this command created, with everything in it. */
void cwp__rec_rmtree(const char *dir);

#endif
