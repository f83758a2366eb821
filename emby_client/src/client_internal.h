/* Internal to emby_client: the client object and the transport helpers
 * shared by its source files (names emby__*). */
#ifndef EMBY_CLIENT_INTERNAL_H
#define EMBY_CLIENT_INTERNAL_H

#include <curl/curl.h>

#include "emby/client.h"
#include "emby/decode.h"

/* RES-02: the longest lookup URL. */
#define EMBY__URL_MAX 4096
/* READ-03 / §5: ids per Ids= request. */
#define EMBY__IDS_BATCH 100

typedef struct emby_buf {
	char *p;
	size_t len, cap;
} emby_buf;

int emby__buf_reserve(emby_buf *b, size_t extra);
int emby__buf_add(emby_buf *b, const char *s, size_t n);
int emby__buf_str(emby_buf *b, const char *s);
int emby__buf_printf(emby_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int emby__buf_escape(emby_buf *b, const char *s);
void emby__buf_free(emby_buf *b);

struct emby_client {
	/* Copies of the options' strings (owned). token and password are
	 * wiped before they are freed. */
	char *base_url; /* without a trailing '/' */
	char *user_id;
	char *token;
	char *username;
	char *password;
	char *label;
	char *device_id;
	char *ca_file;
	char **libraries;
	size_t n_libraries;

	long connect_timeout_ms, total_timeout_ms;
	bool insecure;
	int page_size, max_attempts, max_in_flight;
	int64_t backoff_ms, max_retry_after_ms;
	size_t max_body;
	void (*progress)(void *ud, const char *phase, size_t done, size_t total);
	void *progress_ud;
	void (*on_response)(void *ud, const char *method, const char *path_query, long status,
			    const char *body, size_t len);
	void *on_response_ud;
	emby_shared *shared; /* borrowed; NULL: no sharing */

	CURL *easy;                    /* sequential reads; keeps its connection */
	CURLM *multi;                  /* writes; created on first use */
	struct curl_slist *hdr;        /* auth + Accept + Expect: */
	struct curl_slist *hdr_json;   /* hdr + Content-Type: application/json */
	struct curl_slist *hdr_noauth; /* AuthenticateByName: no token */

	emby_stats stats;
	char err[1024];
};

/* One request and its response. */
typedef struct emby_xfer {
	const char *method;    /* "GET", "POST", "DELETE" */
	const char *post_body; /* POST body (JSON), borrowed */
	bool noauth;           /* send the header set without a token */
	char *url;             /* owned */
	char route[256];       /* the path, for messages (no query) */
	emby_buf body;         /* response body (owned) */
	size_t max_body;
	bool too_big, no_memory;
	long status;
} emby_xfer;

typedef enum emby_outcome { EMBY_OUT_OK, EMBY_OUT_RETRY, EMBY_OUT_FAIL } emby_outcome;

int64_t emby__now_ms(void);
void emby__sleep_ms(int64_t ms);
int emby__fail(emby_client *c, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int emby__curl_global(void);
int emby__xfer_setup(emby_client *c, CURL *h, emby_xfer *x);
int emby__xfer_url(emby_client *c, emby_xfer *x, const char *path, const char *query);
void emby__xfer_free(emby_xfer *x);
/* Classify a finished attempt: OK, RETRY (after *delay_ms) or FAIL (*code,
 * message set). Counts the received bytes. */
emby_outcome emby__judge(emby_client *c, emby_xfer *x, CURL *h, CURLcode cc, int attempt, int *code,
			 int64_t *delay_ms);
int64_t emby__backoff(const emby_client *c, int attempt);
int emby__request(emby_client *c, emby_xfer *x);
int emby__get(emby_client *c, emby_xfer *x, const char *path, const char *query);

/* Ensure a user id (AuthenticateByName when configured so). */
int emby__ensure_user(emby_client *c);

/* Who plays what on the server (GET /Sessions): one (user, item) per
 * session with a NowPlayingItem, user ids normalised (emby__user_norm). */
typedef struct emby__sessions {
	char **user, **item;
	size_t n;
} emby__sessions;
#define EMBY__USER_NORM 80
/* A user id without dashes, in lower case (servers write both forms). */
void emby__user_norm(char out[EMBY__USER_NORM], const char *id);
int emby__sessions_read(emby_client *c, emby__sessions *out);
/* The item ids that c's user plays in s, without duplicates. */
int emby__sessions_of(emby_client *c, const emby__sessions *s, char ***ids, size_t *n);
void emby__sessions_free(emby__sessions *s);
/* This client's own read: emby__sessions_read, then emby__sessions_of. */
int emby__playing_read(emby_client *c, char ***ids, size_t *n);
/* GET /System/Info/Public: the server's name, version and id. */
int emby__server_info_read(emby_client *c, emby_server_info *out);

/* The same through c->shared (shared.c): read once per emby_shared, under
 * its mutex; a failed read is not kept. */
int emby__shared_server_info(emby_client *c, emby_server_info *out);
int emby__shared_playing(emby_client *c, char ***ids, size_t *n);

static inline void emby__progress(emby_client *c, const char *phase, size_t done, size_t total)
{
	if (c->progress)
		c->progress(c->progress_ud, phase, done, total);
}

#endif
