/* mock_emby internals shared between the library's source files.
 *
 * Ownership: everything hangs off struct mock_emby. The fixture part (server,
 * users' identities, libraries, items, recordings) is immutable once
 * mock_emby_start has loaded it, so request threads read it without a lock;
 * the mutable part (users' live user data, sessions, journal, faults) is
 * guarded by the one mutex m->mu. */
#ifndef MOCK_EMBY_INTERNAL_H
#define MOCK_EMBY_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mock_emby/mock_emby.h"

/* ---- growable byte buffer (util.c) ---- */

/* A string under construction; p is NUL-terminated whenever len > 0. On an
 * allocation failure `oom` is set and further writes are ignored, so callers
 * check once at the end. Owner: whoever declared it; free with _buf_free. */
typedef struct mock_emby__buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
} mock_emby__buf;

void mock_emby__buf_put(mock_emby__buf *b, const char *s, size_t n);
void mock_emby__buf_puts(mock_emby__buf *b, const char *s);
void mock_emby__buf_printf(mock_emby__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quotes included) of s; NULL gives null. */
void mock_emby__buf_json_str(mock_emby__buf *b, const char *s);
/* An unformatted rendering of any cJSON value; numbers as Emby (.NET)
 * prints them: integers as digits, others as the shortest decimal that
 * reads back as the same double. */
void mock_emby__buf_json(mock_emby__buf *b, const cJSON *v);
void mock_emby__buf_double(mock_emby__buf *b, double d);
/* Take the string out of b (never NULL unless oom): the caller owns it. */
char *mock_emby__buf_take(mock_emby__buf *b);
void mock_emby__buf_free(mock_emby__buf *b);

/* ---- small helpers (util.c) ---- */

char *mock_emby__strdup(const char *s);
char *mock_emby__strndup(const char *s, size_t n);
bool mock_emby__ieq(const char *a, const char *b);
bool mock_emby__ieqn(const char *a, const char *b, size_t n);
/* Parse a whole string as a decimal integer in [min, max]. */
bool mock_emby__parse_long(const char *s, long min, long max, long *out);
/* Read a whole file; the caller frees *out. 0 or -1 (errno kept). */
int mock_emby__read_file(const char *path, char **out, size_t *len);
/* A JSON number that is an integer in [min, max] (no fraction, finite). */
bool mock_emby__json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out);
/* Extend a JSON path: "$" + key → "$.Key" (or "$[\"12\"]" for keys that are
 * not identifiers), "$" + index → "$[3]". */
void mock_emby__path_key(char *dst, size_t n, const char *base, const char *key);
void mock_emby__path_idx(char *dst, size_t n, const char *base, size_t idx);
/* 16 random bytes as 32 hex characters (+ NUL), from /dev/urandom. */
void mock_emby__random_hex(char out[33]);

/* Emby dates (UNIT-05 shape, 0-7 fraction digits, optional zone) as
 * 100-nanosecond units since the Unix epoch. */
bool mock_emby__date_parse(const char *s, int64_t *out_100ns);
/* `YYYY-MM-DDTHH:MM:SS.fffffffZ`; buf of at least 32 bytes. */
void mock_emby__date_format(char *buf, size_t n, int64_t t100ns);
int64_t mock_emby__now_100ns(void);

/* ---- insertion-ordered string map (util.c) ---- */

/* Keys are borrowed (they must outlive the map); values are opaque. */
typedef struct mock_emby__map_entry {
	const char *key;
	void *val;
} mock_emby__map_entry;

typedef struct mock_emby__map {
	mock_emby__map_entry *e;
	size_t n, cap;
	uint32_t *slots; /* index+1 into e; 0 = empty */
	size_t nslots;
} mock_emby__map;

int mock_emby__map_put(mock_emby__map *m, const char *key, void *val);
void *mock_emby__map_get(const mock_emby__map *m, const char *key);
void mock_emby__map_free(mock_emby__map *m);

/* ---- query strings and paths (util.c) ---- */

typedef struct mock_emby__param {
	char *name;
	char *value;
} mock_emby__param;

typedef struct mock_emby__query {
	mock_emby__param *p;
	size_t n;
} mock_emby__query;

/* Split a raw query string into decoded name/value pairs. */
int mock_emby__query_parse(mock_emby__query *q, const char *raw);
/* The first value whose name equals name case-insensitively, or NULL. */
const char *mock_emby__query_get(const mock_emby__query *q, const char *name);
void mock_emby__query_free(mock_emby__query *q);

/* Does path (no prefix, no query) match pattern, segment by segment, case-
 * insensitively, `*` matching one segment? NULL pattern matches anything. */
bool mock_emby__route_match(const char *pattern, const char *path);

/* ---- fixtures (fixtures.c) ---- */

typedef struct mock_emby__pid {
	char *name_lc; /* provider name, lower-cased */
	char *value;
	char *key; /* "name.value", both lower-cased: m->pid_idx's key */
} mock_emby__pid;

/* The items (indexes into m->items, ascending) that share one provider id. */
typedef struct mock_emby__idxlist {
	size_t *v;
	size_t n, cap;
} mock_emby__idxlist;

/* Item types the queries test often, as codes (anything else: OTHER). */
enum mock_emby__type {
	MOCK_EMBY__T_OTHER,
	MOCK_EMBY__T_MOVIE,
	MOCK_EMBY__T_EPISODE,
	MOCK_EMBY__T_SERIES,
	MOCK_EMBY__T_SEASON,
};

typedef struct mock_emby__item {
	char *id;
	char *type;
	enum mock_emby__type type_code;
	size_t index; /* position in m->items (and in each user's cache) */
	char *name;
	char *sort_name; /* SortName, else Name; compared case-insensitively */
	char *series_id;
	char *season_id;
	char *library_id; /* cwpLibraryId, else the series' (episodes, seasons) */
	int64_t date_created;
	bool has_date_created;
	int64_t premiere_date;
	bool has_premiere_date;
	int64_t runtime;
	bool has_runtime;
	long year, season_no, episode_no;
	bool has_year, has_season_no, has_episode_no;
	bool is_folder;
	mock_emby__pid *pids;
	size_t n_pids;
	/* The item as recorded, minus UserData and cwp* keys: its members
	 * rendered one after the other ("Name":value, no separators); segs
	 * says where each starts and which Fields value it needs (0 = none:
	 * always served). */
	char *json;
	size_t json_len;
	struct mock_emby__seg *segs;
	size_t n_segs;
} mock_emby__item;

typedef struct mock_emby__seg {
	uint32_t off, len;
	uint32_t field; /* one MOCK_EMBY__FIELD bit, or 0 */
} mock_emby__seg;

/* The Fields bit of an item member Emby sends only when Fields names it
 * (ProviderIds, ProductionYear, …), or 0 for a member it always sends. */
uint32_t mock_emby__field_bit(const char *name);
#define MOCK_EMBY__FIELDS_ALL UINT32_MAX

typedef struct mock_emby__library {
	char *id;
	char *name;
	char *collection_type; /* may be NULL */
} mock_emby__library;

/* What the queries need from one item's UserData, derived once per write so
 * that a page of a 100k-item library filters without touching JSON. */
typedef struct mock_emby__udc {
	const cJSON *ud; /* the user's entry (child of live), or NULL */
	int64_t pos;
	int64_t last_played; /* 100 ns since the epoch, when has_last_played */
	int64_t play_count;
	bool has_last_played, played, favorite, resumable;
} mock_emby__udc;

typedef struct mock_emby__user {
	char *id;
	char *name;
	char *password;
	char *token;           /* from server.json, else random (returned by AuthenticateByName) */
	cJSON *pristine;       /* userdata/<id>.json: item id → UserData */
	cJSON *live;           /* current state (under m->mu) */
	mock_emby__map idx;    /* item id → child of live (under m->mu) */
	mock_emby__udc *cache; /* per item index (under m->mu) */
	char *playing;         /* item id playing now (under m->mu), or NULL */
} mock_emby__user;

typedef struct mock_emby__recording {
	char *file;
	char *method;           /* NULL = any */
	char *path;             /* route pattern */
	mock_emby__query query; /* each must be present with this value */
	int status;
	char *headers; /* extra header lines "Name: value\r\n" */
	char *ctype;
	char *body;
	size_t body_len;
} mock_emby__recording;

/* ---- faults (faults.c) ---- */

enum mock_emby__fault_kind {
	MOCK_EMBY__F_STATUS,
	MOCK_EMBY__F_DELAY,
	MOCK_EMBY__F_TRUNCATE,
	MOCK_EMBY__F_INVALID_JSON,
	MOCK_EMBY__F_DROP,
	MOCK_EMBY__F_REPEAT_PAGE,
	MOCK_EMBY__F_WRONG_TOTAL,
	MOCK_EMBY__F_OVERSIZE,
};

enum mock_emby__fault_when {
	MOCK_EMBY__W_ALL,
	MOCK_EMBY__W_NTH,
	MOCK_EMBY__W_EVERY,
	MOCK_EMBY__W_FROM
};

typedef struct mock_emby__fault {
	char *spec; /* the fault as given, for GET /__mock/faults */
	char *method;
	char *route;
	enum mock_emby__fault_when when;
	long n;
	long times; /* 0 = no limit */
	long seen;  /* matching requests so far */
	long fired;
	enum mock_emby__fault_kind kind;
	long status, retry_after, delay_ms, total, bytes;
	char *last_body; /* repeat_page: the last page served on this route */
	size_t last_len;
} mock_emby__fault;

/* A fault chosen for one request: a copy of what the request needs, taken
 * under the lock so the fault list may change meanwhile. */
typedef struct mock_emby__fired {
	bool on;
	size_t index; /* position in m->faults when chosen (repeat_page) */
	enum mock_emby__fault_kind kind;
	long status, retry_after, delay_ms, total, bytes;
	char *repeat_body; /* owned copy, or NULL */
	size_t repeat_len;
} mock_emby__fired;

/* ---- the server ---- */

typedef struct mock_emby__journal_entry {
	char *method;
	char *route; /* path without /emby and without the query */
	char *json;  /* the entry as rendered by journal_json */
} mock_emby__journal_entry;

struct mock_emby {
	/* fixtures, immutable after start */
	char *dir;
	char *server_name, *server_id, *version, *local_address, *os;
	/* Emby before 4.8 sends UserData.LastPlayedDate and the true PlayCount
	 * whatever Fields says; 4.8+ only when asked (docs/FIXTURES.md). */
	bool ud_ungated;
	cJSON *system_info_extra; /* server.json SystemInfo: merged into /System/Info */
	char **api_keys;
	size_t n_api_keys;
	mock_emby__library *libs;
	size_t n_libs;
	mock_emby__item *items;
	size_t n_items;
	mock_emby__map item_idx; /* id → item */
	/* "name.value" (lower-cased) → 1 + index into pid_lists, so that
	 * AnyProviderIdEquals costs O(ids asked), not O(items) */
	mock_emby__map pid_idx;
	mock_emby__idxlist *pid_lists;
	size_t n_pid_lists, cap_pid_lists;
	mock_emby__user *users;
	size_t n_users;
	cJSON *sessions_pristine; /* array */
	mock_emby__recording *recs;
	size_t n_recs;

	/* configuration */
	char *admin_token;
	size_t max_body;
	bool tls;
	char url[192];
	int port;

	/* mutable state, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled on stop: wakes delay faults */
	bool stopping;
	mock_emby__journal_entry *journal;
	size_t n_journal, cap_journal;
	mock_emby__fault *faults;
	size_t n_faults, cap_faults;
	cJSON *sessions;                /* live copy of sessions_pristine */
	struct mock_emby__hooks *hooks; /* webhooks.c: webhook targets (under mu) */

	struct mg_context *ctx;
};

/* Fixture loading helpers (fixtures.c), shared by fixtures_items.c and
 * fixtures_user.c. Each fails with "<file>: <jsonpath>: <problem>" in err. */
#define MOCK_EMBY__PATHSZ  4096
#define MOCK_EMBY__JPATHSZ 512
int mock_emby__fx_fail(char *err, size_t errsz, const char *file, const char *jpath,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int mock_emby__fx_join(char *out, const char *dir, const char *name, char *err, size_t errsz);
bool mock_emby__fx_file_exists(const char *path);
int mock_emby__fx_load_json(const char *path, cJSON **out, char *err, size_t errsz);
bool mock_emby__fx_is_hex32(const char *s);
int mock_emby__fx_opt_string(const cJSON *obj, const char *key, char **out, bool nonempty,
			     bool required, const char *file, const char *jp, char *err,
			     size_t errsz);
int mock_emby__fx_opt_int(const cJSON *obj, const char *key, long *out, bool *has, int64_t min,
			  int64_t max, const char *file, const char *jp, char *err, size_t errsz);
int mock_emby__fx_opt_date(const cJSON *obj, const char *key, int64_t *out, bool *has,
			   const char *file, const char *jp, char *err, size_t errsz);
int mock_emby__fx_check_keys(const cJSON *obj, const char *const *allowed, const char *file,
			     const char *jp, char *err, size_t errsz);
/* The *.json names of a folder, sorted; free with _free_list. */
int mock_emby__fx_list_json(const char *dir, char ***out, size_t *n, char *err, size_t errsz);
void mock_emby__fx_free_list(char **l, size_t n);
/* fixtures_items.c */
int mock_emby__fx_load_server(mock_emby *m, const char *dir, char *err, size_t errsz);
int mock_emby__fx_load_items(mock_emby *m, const char *dir, char *err, size_t errsz);
/* fixtures_user.c */
int mock_emby__fx_load_userdata(mock_emby *m, const char *dir, char *err, size_t errsz);
int mock_emby__fx_load_sessions(mock_emby *m, const char *dir, char *err, size_t errsz);
int mock_emby__fx_load_recordings(mock_emby *m, const char *dir, char *err, size_t errsz);

/* fixtures.c */
int mock_emby__load(mock_emby *m, const char *dir, char *err, size_t errsz);
void mock_emby__unload(mock_emby *m);
mock_emby__user *mock_emby__find_user(mock_emby *m, const char *id);
const mock_emby__item *mock_emby__find_item(const mock_emby *m, const char *id);
const mock_emby__library *mock_emby__find_library(const mock_emby *m, const char *id);
/* The items having provider id "name.value" (any case), or NULL. */
const mock_emby__idxlist *mock_emby__find_pid(const mock_emby *m, const char *name_dot_value);
bool mock_emby__idxlist_push(mock_emby__idxlist *x, size_t i);
/* Rebuild u->live, u->idx and u->cache from u->pristine (caller holds mu or
 * is alone). */
int mock_emby__user_reset(mock_emby *m, mock_emby__user *u);
/* Recompute the cache entry of one item from its UserData (NULL = none). */
void mock_emby__udc_refresh(mock_emby__udc *c, const cJSON *ud);
/* Check a UserData object from a fixture or the control API. */
int mock_emby__check_userdata(const cJSON *ud, const char *file, const char *jpath, char *err,
			      size_t errsz);

/* faults.c (callers hold mu except for parse) */
int mock_emby__faults_add(mock_emby *m, const char *json, size_t len, const char *what, char *err,
			  size_t errsz);
void mock_emby__faults_clear(mock_emby *m);
void mock_emby__fault_pick(mock_emby *m, const char *method, const char *route,
			   mock_emby__fired *out);
void mock_emby__fault_remember(mock_emby *m, const char *method, const char *route,
			       const char *body, size_t len);
char *mock_emby__faults_json(mock_emby *m);

/* The response being built for one request. */
typedef struct mock_emby__resp {
	int status;
	const char *ctype; /* static string */
	mock_emby__buf body;
	mock_emby__buf headers; /* extra header lines, each ending in \r\n */
	bool no_content_type;   /* 204 */
} mock_emby__resp;

void mock_emby__resp_text(mock_emby__resp *r, int status, const char *text);

/* The request as the routes see it. */
typedef struct mock_emby__req {
	const char *method;
	char *route;   /* decoded path, /emby prefix removed, no trailing slash */
	char *seg[12]; /* path segments, pointing into segbuf */
	size_t nseg;
	char *segbuf;
	mock_emby__query q;
	const char *body;
	size_t body_len;
	const char *emby_auth; /* X-Emby-Authorization or Authorization, or NULL */
	bool authed;           /* a valid Emby token came with the request */
	bool admin;            /* the control API's admin token came with it */
} mock_emby__req;

/* routes.c */
void mock_emby__route(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs);
void mock_emby__resp_json(mock_emby__resp *r);
/* The user named in the path (or a UserId parameter), or an Emby error in rs. */
mock_emby__user *mock_emby__want_user(mock_emby *m, const char *id, mock_emby__resp *rs);

/* query.c: comma lists of query parameters, and the item routes */
typedef struct mock_emby__list {
	char *buf;
	char **v;
	size_t n;
} mock_emby__list;

int mock_emby__list_parse(mock_emby__list *l, const char *s);
void mock_emby__list_free(mock_emby__list *l);
bool mock_emby__list_has(const mock_emby__list *l, const char *s);
int mock_emby__param_long(const mock_emby__req *rq, mock_emby__resp *rs, const char *name,
			  long dflt, long *out);
void mock_emby__render_views(mock_emby *m, mock_emby__buf *b, long start, long limit,
			     bool envelope);
void mock_emby__get_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid);
void mock_emby__get_resume(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid);
void mock_emby__get_latest(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid);
void mock_emby__get_episodes(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs,
			     const char *sid);

/* sort.c: SortBy/SortOrder (callers hold m->mu) */
enum mock_emby__sort_key {
	MOCK_EMBY__SK_DATE_PLAYED,
	MOCK_EMBY__SK_NAME,
	MOCK_EMBY__SK_DATE_CREATED,
	MOCK_EMBY__SK_PREMIERE,
	MOCK_EMBY__SK_YEAR,
	MOCK_EMBY__SK_RUNTIME,
	MOCK_EMBY__SK_PLAY_COUNT,
	MOCK_EMBY__SK_EPISODE
};

typedef struct mock_emby__sort_spec {
	enum mock_emby__sort_key key[4];
	bool desc[4];
	size_t n;
} mock_emby__sort_spec;

void mock_emby__sort_parse(mock_emby__sort_spec *s, const mock_emby__list *by,
			   const mock_emby__list *order);
/* Sort item indexes v[0..n) by spec, ties in items.json order; -1 on OOM. */
int mock_emby__sort_hits(const mock_emby *m, const mock_emby__sort_spec *spec,
			 const mock_emby__user *u, size_t *v, size_t n);

/* userdata.c (render functions: callers hold m->mu) */
enum {
	MOCK_EMBY__UD_ON = 1,
	MOCK_EMBY__UD_LAST_PLAYED = 2,
	MOCK_EMBY__UD_PLAY_COUNT = 4,
	MOCK_EMBY__UD_ALL = 7
};
const mock_emby__udc *mock_emby__udc_of(const mock_emby__user *u, const mock_emby__item *it);
void mock_emby__render_userdata(mock_emby__buf *b, const cJSON *ud, unsigned flags);
/* Every member of the item (as a single-item GET answers). */
void mock_emby__render_item(mock_emby__buf *b, const mock_emby__item *it, const mock_emby__user *u,
			    unsigned flags);
/* Only the members a query's Fields asked for (a mock_emby__field_bit mask). */
void mock_emby__render_item_fields(mock_emby__buf *b, const mock_emby__item *it,
				   const mock_emby__user *u, unsigned flags, uint32_t fields);
/* PlayedPercentage = position / RunTimeTicks x 100 while both are > 0,
 * else removed: at load and after every write. */
void mock_emby__ud_percentage(cJSON *ud, const mock_emby__item *it);
void mock_emby__get_item(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			 const char *id, bool only_userdata);
void mock_emby__post_userdata(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs,
			      const char *uid, const char *id);
void mock_emby__played_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			     const char *id, bool mark);

/* control.c */
void mock_emby__control(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs);

/* webhooks.c: /__mock/webhooks and /__mock/player/…; false when the route is
 * not one of them. */
bool mock_emby__webhooks_control(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs);
void mock_emby__hooks_free(mock_emby *m);

/* server.c helpers used by control.c (mu taken inside) */
int mock_emby__set_userdata_locked(mock_emby *m, mock_emby__user *u, const char *item_id,
				   cJSON *ud);
char *mock_emby__state_json(mock_emby *m, bool pretty);

#endif
