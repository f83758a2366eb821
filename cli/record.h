/* `cwprogress record` (issue 9): capture what a sync reads from one Emby
 * server into a fixture directory that mock_emby replays (docs/FIXTURES.md,
 * "Recording a server").
 *
 *   cmd_record.c     options, the client, write-then-rename, the summary
 *   record_read.c    the reads: the client's own entry points
 *   record_capture.c the client's response hook: every answer kept
 *   record_out.c     the output directory, the token check, the fixture token
 *   record_fixture.c server.json, sessions.json, recordings/, manifest.json
 *   record_store.c   the items read, merged by id, checked against what the
 *                    mock's loader accepts, and the fixture's files
 *   record_redact.c  --redact placeholders and the token scrub
 *   record_strmap.c  a string → index map
 */
#ifndef CWP_CLI_RECORD_H
#define CWP_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>

#include "cwp/cwp.h"

struct cJSON;

/* The verb with its output streams (tests run it in-process). */
int cwp__cmd_record(int argc, char **argv, FILE *out, FILE *err);

/* ---- a string → index map (record_strmap.c) ---- */

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

/* ---- the output directory and the token (record_out.c) ---- */

/* 32 lowercase hex characters from a GUID written with or without dashes,
 * in any case; false when it is not one. */
bool cwp__rec_guid_norm(char out[33], const char *s);

typedef struct cwp__rec_outdir {
	char out[PATH_MAX]; /* --out, without trailing slashes */
	char tmp[PATH_MAX]; /* the temporary directory beside it */
	bool out_exists;    /* an empty directory that the rename replaces */
} cwp__rec_outdir;

/* Check --out before anything is read (usage errors, exit 2). */
int cwp__rec_outdir_check(cwp__rec_outdir *o, const char *given, char *err, size_t errsz);
/* Whether any regular file below dir holds secret. */
bool cwp__rec_tree_holds(const char *dir, const char *secret, int depth);
/* A fixture token: "fixture-" and 32 random hex characters. */
void cwp__rec_fixture_token(char out[48]);

#ifdef CWP_HAVE_CLIENT
#include "term.h"

struct emby_client;

/* ---- the recorder (cmd_record.c reads, record_capture.c keeps the
 * answers, record_fixture.c writes) ---- */

/* The listing whose pages are coming in (record_capture.c). */
typedef struct cwp__rec_listing {
	const char *library; /* one of the recorder's libs, or NULL */
	bool resumable;      /* Filters=IsResumable; else the whole library */
	struct cJSON *pages; /* page entries, kept until decided; NULL: none open */
	cwp__strmap seen_ids;
	uint64_t prev_sig;
	size_t prev_count, pages_read, seen;
	int64_t total;
	bool verbatim, cut, totals_differ;
} cwp__rec_listing;

typedef struct cwp__recorder {
	struct emby_client *cl;
	cwp__term *term;
	cwp__bar bar;
	cwp_warnings *w;
	const char *server;
	const char *token; /* scrubbed from every answer; never written */
	char uid[33];      /* normalized user id */
	char *uid_esc;     /* the user id as given, escaped for paths */
	const char *const *libs;
	size_t n_libs;
	char **libs_esc; /* libs escaped as the client sends them */
	long limit;      /* -1: none */
	bool whole;
	int page_size;
	cwp__redactor red;
	cwp__rec_store store;
	struct cJSON *info;       /* /System/Info/Public */
	struct cJSON *user;       /* /Users/{uid} */
	struct cJSON *views;      /* /Users/{uid}/Views (with --library) */
	struct cJSON *sessions;   /* the user's playing sessions, minimal */
	struct cJSON *recordings; /* verbatim pages (entries of recordings/listings.json) */
	struct cJSON *why_verbatim;
	struct cJSON *dropped; /* rows the mock could not load: {id, why} */
	size_t listed, limit_cut, series, lookups, listings, whole_rows, verbatim_pages;
	int hook_rc;          /* CWP_ENOMEM once the hook ran out of memory */
	char *index_query;    /* the query of the resumable listing's first page */
	cwp__rec_listing cur; /* the listing being read */
	size_t page_count;    /* rows of the last listing page; (size_t)-1: none */
	int64_t page_total;   /* its TotalRecordCount, -1 when none */
	bool page_repeated;   /* it repeated the page before it */
	char err[1024];
} cwp__recorder;

/* The client's on_response hook: every answer into the recording (ud is the
 * recorder). Failures (out of memory) set hook_rc and err. */
void cwp__rec_on_response(void *ud, const char *method, const char *path_query, long status,
			  const char *body, size_t len);
/* Every read of a sync, through the client (record_read.c). Failures land
 * in x->err. */
int cwp__rec_read_all(cwp__recorder *x);
/* Decide the open listing: verbatim pages into recordings, counts. */
void cwp__rec_listing_end(cwp__recorder *x);

/* The string member k of o, or NULL. */
const char *cwp__rec_str(const struct cJSON *o, const char *k);

/* Write the fixture into dir (which exists), with the fixture token. */
int cwp__rec_write_fixture(cwp__recorder *x, const char *dir, const char *token, char *err,
			   size_t errsz);
#endif

#endif
