/* mock_emby: a civetweb mock Emby server that replays recorded fixtures
 * (docs/FIXTURES.md) and behaves as ../shared/EMBY_API.md describes.
 *
 * Embeddable: tests start one per process on 127.0.0.1:0 (an ephemeral port)
 * and stop it at the end. Thread-safe: the server's threads and the test
 * thread may call every function here at once. Never assert inside a server
 * thread: record, then assert in the test thread (STYLE.md). */
#ifndef MOCK_EMBY_H
#define MOCK_EMBY_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mock_emby mock_emby;

typedef struct mock_emby_options {
	const char *fixtures_dir; /* required: a server directory (server.json, items.json, …) */
	const char *listen;       /* "127.0.0.1:0" when NULL (port 0 = ephemeral) */
	const char *admin_token;  /* token of the /__mock/ control API; NULL = server.json's
				     AdminToken, else random */
	const char *faults_file;  /* optional JSON array of faults (mock_emby_add_faults) */
	const char *tls_cert;     /* optional PEM file (certificate + key): serve HTTPS */
	int threads; /* worker threads; 0 = 8 (a client keeps 4 write connections + 1 read open) */
	size_t max_body; /* request body cap in bytes, 413 above; 0 = 1 MiB */
} mock_emby_options;

#define MOCK_EMBY_OPTIONS_INIT                     \
	{                                          \
		NULL, NULL, NULL, NULL, NULL, 0, 0 \
	}

/* Load the fixtures and start serving. On failure returns non-zero and
 * writes a message into err (naming the file and the JSON path for a
 * malformed fixture). */
int mock_emby_start(mock_emby **out, const mock_emby_options *opts, char *err, size_t errsz);

/* Stop serving and free everything. NULL is accepted. */
void mock_emby_stop(mock_emby *m);

int mock_emby_port(const mock_emby *m);
/* "http://127.0.0.1:PORT" (or https); owned by m. */
const char *mock_emby_url(const mock_emby *m);
/* The admin token of the control API; owned by m. */
const char *mock_emby_admin_token(const mock_emby *m);

/* Strings returned below are malloc'd; free them with mock_emby_free. */
void mock_emby_free(void *p);

/* The request journal as a JSON array, in arrival order: {"method", "path",
 * "query", "body", "status"} per request, tokens redacted ("<redacted>").
 * Control API requests (/__mock/…) are not journaled. Each entry also has
 * "auth" (the form the token came in: "X-Emby-Token", "X-MediaBrowser-Token",
 * "X-Emby-Authorization", "Authorization", "api_key", or null), "fault" (the
 * kind of fault that hit the request, or null) and "headers" (the request
 * headers, token values redacted). "path" is as received (with any /emby
 * prefix); "query" is the raw query string ("" when none); "body" is the
 * body text or null. An entry is recorded before its answer is sent. */
char *mock_emby_journal_json(mock_emby *m);

// How many journaled requests have this method (NULL = any) and a path
// (without the /emby prefix and without the query) matching pattern, where
// `*` matches one path segment: "/Users/*/Items", "/Users/*/Items/*/UserData".
// Segments compare case-insensitively. (Line comments here and below, so the
// patterns can be written as they are: "/*" would open a block comment.)
size_t mock_emby_count(mock_emby *m, const char *method, const char *pattern);

/* Forget the journal. */
void mock_emby_journal_clear(mock_emby *m);

/* The current user data of a user: a JSON object item id → UserData object,
 * as userdata/<userId>.json holds it. NULL for an unknown user. */
char *mock_emby_userdata_json(mock_emby *m, const char *user_id);

/* Replace one item's UserData for a user with the given JSON object text
 * (test set-up). 0 on success. */
int mock_emby_set_userdata(mock_emby *m, const char *user_id, const char *item_id,
			   const char *userdata_json);

/* Mark an item as playing now for a user (/Sessions), or stop it (NULL item). */
int mock_emby_set_playing(mock_emby *m, const char *user_id, const char *item_id);

// Faults (docs/FIXTURES.md, "Faults"). A JSON object or array of objects:
//   {"method": "GET",                  any when absent
//    "route": "/Users/*/Items",        same pattern syntax as mock_emby_count
//    "nth": 2 | "every": 3 | "from": 4, which matching requests (1-based;
//                                      none of them = every matching request)
//    "times": 1,                       stop after firing this often (0 = no limit)
//    "kind": "status" | "delay" | "truncate" | "invalid_json" | "drop" |
//            "repeat_page" | "wrong_total" | "oversize",
//    "status": 503, "retry_after": 1,  for "status" (plain-text body)
//    "delay_ms": 2000,                 for "delay" (then answers normally)
//    "total": 7,                       for "wrong_total" (TotalRecordCount to send)
//    "bytes": 1048576}                 for "oversize" (extra bytes of padding)
// "truncate" sends a Content-Length larger than the body and closes; "drop"
// closes the connection after the headers; "repeat_page" answers with the
// previous page of that route again. Returns 0, or non-zero for bad JSON.
int mock_emby_add_faults(mock_emby *m, const char *faults_json);
void mock_emby_clear_faults(mock_emby *m);

/* Back to the fixtures' state: user data, sessions, journal and faults. */
void mock_emby_reset(mock_emby *m);

/* Write every user's current user data to path ({userId: {itemId: UserData}}). */
int mock_emby_save_state(mock_emby *m, const char *path);

/* A large generated fixture directory for benchmarks (mock_emby/tools/
 * gen-fixtures): one user, a movies and a shows library, `items` items in
 * all (movies, series, seasons, episodes), `resumable` of them with a
 * position and not played, `played` of them played; the same seed gives the
 * same files. The user's token is written to server.json: pass a test token
 * (default "bench-token-not-secret"). dir is created when missing. */
typedef struct mock_emby_gen_options {
	size_t items;       /* default (0) 100000 */
	size_t resumable;   /* default (0) 1000 */
	size_t played;      /* 0 = none */
	unsigned long seed; /* 0 = 1 */
	const char *token;  /* NULL = "bench-token-not-secret" */
} mock_emby_gen_options;

#define MOCK_EMBY_GEN_OPTIONS_INIT \
	{                          \
		0, 0, 0, 0, NULL   \
	}

int mock_emby_generate_fixtures(const char *dir, const mock_emby_gen_options *opts, char *err,
				size_t errsz);

/* The user id that mock_emby_generate_fixtures writes for a seed (33 bytes). */
void mock_emby_generated_user_id(unsigned long seed, char out[33]);

#ifdef __cplusplus
}
#endif
#endif
