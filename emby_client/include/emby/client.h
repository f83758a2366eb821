/* emby_client: the libcurl + cJSON client of the Emby API (SPEC §7, §8,
 * APPLY-05/06). Transport lives here; decoding is in emby/decode.h, pure and
 * callable on a buffer (fuzzed).
 *
 * Every function returns 0 or a negative CWP_E* code (cwp/common.h); the
 * message of the last failure is emby_client_error(), naming the server's
 * label, the route and the status, never the token. */
#ifndef EMBY_CLIENT_H
#define EMBY_CLIENT_H

#include "cwp/cwp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Answers that the clients of one run share (SVC-01). A household's pairs
 * talk to the same two servers with the same credentials, so the server part
 * of emby_probe (GET /System/Info/Public) and the list of sessions behind
 * emby_playing (GET /Sessions) are read once, by the first client that needs
 * them, and served from here to every client created with the same object.
 * Each client still asks for its own user (GET /Users/{uid}) and keeps only
 * its own user's sessions.
 *
 * Give one object only to clients of one server (base_url) with one set of
 * credentials: what /Sessions lists depends on the token. A client with
 * another base_url than the first one reads for itself. The answers are never
 * refreshed: /Sessions says who plays what now (APPLY-01), so an object
 * serves one run and the next run makes a new one. A failed read is not kept
 * (the next client reads again). Thread-safe (reads are made under its
 * mutex, so concurrent clients wait for one read). Owned by the caller, who
 * frees it after the last client that uses it. */
typedef struct emby_shared emby_shared;
int emby_shared_new(emby_shared **out);
void emby_shared_free(emby_shared *s);

typedef struct emby_options {
	const char *base_url; /* http(s)://host[:port][/prefix]; "/emby" or a proxy prefix kept */
	const char *user_id;  /* required unless username is set */
	const char *token;    /* API key or access token; copied, never printed */
	const char *username; /* with password: AuthenticateByName when there is no token */
	const char *password;
	const char *label;            /* how messages name this server ("source"); default: host */
	const char *device_id;        /* default "cwprogress-<hostname>" */
	long connect_timeout_ms;      /* default 10000 */
	long total_timeout_ms;        /* default 60000, per request */
	bool insecure;                /* skip TLS verification (CLI-05: only by name) */
	const char *ca_file;          /* extra CA bundle (PEM) */
	int page_size;                /* READ-01 Limit; default 500 */
	int max_attempts;             /* READ-07; default 3 */
	long backoff_ms;              /* first retry delay, doubled each time; default 500 */
	long max_retry_after_ms;      /* cap on an honoured Retry-After; default 30000 */
	int max_in_flight;            /* concurrent writes; default 4 */
	size_t max_body;              /* READ-08 response cap; default 64 MiB */
	const char *const *libraries; /* ParentId per selected library (READ-01) */
	size_t n_libraries;
	/* Called as work advances (progress bars): phase is "index", "resolve",
	 * "state" or "write". Optional. */
	void (*progress)(void *ud, const char *phase, size_t done, size_t total);
	void *progress_ud;
	/* Called with every HTTP answer the client receives (retried attempts
	 * and error statuses included), before it is judged: the method, the
	 * request's path and query below base_url (tokens travel in headers,
	 * never here), the status and the body. `record` captures what a sync
	 * reads through it. Optional; must not call the client. */
	void (*on_response)(void *ud, const char *method, const char *path_query, long status,
			    const char *body, size_t len);
	void *on_response_ud;
	/* Borrowed: probe and /Sessions answers shared with the other clients
	 * of this run (emby_shared above). NULL: this client reads its own. */
	emby_shared *shared;
} emby_options;

#define EMBY_OPTIONS_INIT                                                                         \
	{                                                                                         \
		NULL, NULL, NULL, NULL, NULL, NULL, NULL, 10000, 60000, false, NULL, 500, 3, 500, \
		    30000, 4, (size_t)64 << 20, NULL, 0, NULL, NULL, NULL, NULL, NULL             \
	}

typedef struct emby_client emby_client;

/* Copies every string of opts. Sends nothing. */
int emby_client_new(emby_client **out, const emby_options *opts);
void emby_client_free(emby_client *c);

/* The last failure's message (owned by c; "" when none). */
const char *emby_client_error(const emby_client *c);

/* The user id in use (configured, or found by AuthenticateByName). */
const char *emby_client_user_id(const emby_client *c);

typedef struct emby_stats {
	size_t requests; /* HTTP requests sent, retries included */
	size_t retries;
	size_t bytes_received;
	size_t connections; /* new connections opened (the rest were reused) */
} emby_stats;
void emby_client_stats(const emby_client *c, emby_stats *out);

typedef struct emby_server_info {
	char name[128];
	char version[32];
	char id[64];
	char user_name[128];
} emby_server_info;

/* /System/Info/Public (once per emby_shared), then AuthenticateByName when a
 * username is set and no token, then /Users/{uid}. CWP_EAUTH for a wrong
 * token or user. */
int emby_probe(emby_client *c, emby_server_info *out);

/* READ-01..05: the user's resumable Movie/Episode items (per library when
 * libraries are set), paged, series ids batched (<= 100 per request), as an
 * index (duplicates merged by KEY-07, every item id kept). Any failed read
 * fails the whole call (*out stays NULL): no plan from a broken index. Bad
 * single rows are dropped with a warning. */
int emby_index(emby_client *c, cwp_index **out, cwp_warnings *w);

/* READ-06: candidates are destination records with progress whose keys are
 * absent from this (source) server's index. Each is looked up here by its
 * provider ids (batched AnyProviderIdEquals, verified by ProviderIds and Type;
 * episodes also by season/episode). An item found with
 * PlaybackPositionTicks == 0 is put into `into` as an explicit zero record
 * (progress_ms 0, with its LastPlayedDate). Not found, position > 0 or an
 * ambiguous match adds nothing. A failed request fails the call (nothing is
 * added then). */
int emby_confirm_zeros(emby_client *c, const cwp_record *const *candidates, size_t n,
		       cwp_index *into, cwp_warnings *w);

/* RES-02..04: find this server's item(s) for records that are not in its
 * resumable index. Many records per AnyProviderIdEquals request (URL <=
 * 4 KiB), results verified by ProviderIds and Type; episodes by own ids, else
 * via the series and /Shows/{id}/Episodes (season 0 included). */
typedef enum emby_resolve_status {
	EMBY_RESOLVED = 0,
	EMBY_NOT_FOUND = 1, /* reason "not_found" */
	EMBY_AMBIGUOUS = 2, /* reason "ambiguous" */
} emby_resolve_status;

typedef struct emby_resolution emby_resolution;

int emby_resolve(emby_client *c, const cwp_record *const *recs, size_t n, emby_resolution **out);
void emby_resolution_free(emby_resolution *r);
emby_resolve_status emby_resolution_status(const emby_resolution *r, size_t i);
/* Item ids of recs[i] (several for multi-version items), sorted; owned by r. */
size_t emby_resolution_items(const emby_resolution *r, size_t i, const char *const **ids);
const char *
emby_resolve_status_name(emby_resolve_status s); /* "resolved", "not_found", "ambiguous" */

/* §5: the fresh state of items, batched (Ids=, <= 100 per request).
 * found[i] false when the server does not return item_ids[i]. `playing` is
 * not set here: see emby_playing. */
int emby_read_states(emby_client *c, const char *const *item_ids, size_t n,
		     cwp_target_state *states, bool *found);

/* APPLY-01: item ids this user is playing now (one GET /Sessions, or the
 * answer held by the client's emby_shared). *ids is an array of *n strings;
 * free with emby_strv_free. */
int emby_playing(emby_client *c, char ***ids, size_t *n);
void emby_strv_free(char **v, size_t n);

/* One write. body is the UserData JSON (cwp_write_body, or undo's body);
 * unwatch_first sends DELETE /Users/{uid}/PlayedItems/{id} first, and when
 * that fails the UserData write is not sent (APPLY-03). Results are filled in
 * by emby_write_batch. */
typedef struct emby_write {
	const char *item_id;
	const char *body;
	bool unwatch_first;
	/* results */
	int result;          /* 0 success (200/204), else CWP_E* */
	int http_status;     /* of the last request made for this write */
	bool unwatch_failed; /* the write was not sent: replay_unwatch_failed */
	char error[256];     /* message when result != 0 */
	bool started;        /* a request of this write was sent */
	bool unwatched;      /* the DELETE PlayedItems step succeeded (APPLY-10) */
} emby_write;

/* Send the writes through curl multi, at most max_in_flight at once,
 * connections reused, each retried per READ-07. Returns 0 when every write
 * succeeded, CWP_ERROR when some failed (see each write's result). */
int emby_write_batch(emby_client *c, emby_write *writes, size_t n);

/* The same, asking cancel(ud) before starting each write: once it returns
 * < 0, no new write starts (started stays false, "not sent"); writes in
 * flight finish, retries included (APPLY-11). cancel may be NULL. */
int emby_write_batch_cancel(emby_client *c, emby_write *writes, size_t n, int (*cancel)(void *ud),
			    void *ud);

#ifdef __cplusplus
}
#endif
#endif
