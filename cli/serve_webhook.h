/* The webhook listener of the service (SVC-03, docs/WEBHOOKS.md): a civetweb
 * server that accepts Emby's notifications on POST /webhook/<secret> (JSON,
 * or a multipart/urlencoded form with a `data` part), decodes them
 * (emby/webhook.h), and asks the service to sync one item of one user
 * through a callback, on one worker thread, never two at once. Events for
 * the same user and item that arrive within the coalescing window become one
 * sync; an event that arrives while that item's sync runs queues one more.
 * GET /healthz answers "ok"; GET /status a JSON document for operators.
 *
 * Answers: 202 queued; 200 acknowledged and ignored (an event kind not acted
 * on, a user that is not synced, an item type that is not Movie/Episode);
 * 401 without the secret; 400 malformed; 413 over max_body; 404 elsewhere.
 * Every refusal logs one line; nothing logged or answered holds the secret
 * (it is only in the path, which is never printed). */
#ifndef CWP_CLI_SERVE_WEBHOOK_H
#define CWP_CLI_SERVE_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* civetweb comes with the mock (CWP_WITH_MOCK), which the CLI links. */
#if defined(CWP_HAVE_MOCK)
#define CWP_HAVE_LISTENER 1
#endif

typedef struct cwp__hook cwp__hook;

typedef struct cwp__hook_options {
	const char *listen; /* "ADDR:PORT" (port 0: any free one) */
	const char *secret; /* the path secret: 16+ characters of [A-Za-z0-9._~-] */
	size_t max_body;    /* 0: 1 MiB */
	int coalesce_ms;    /* 0: 250 */
	int threads;        /* civetweb workers; 0: 4 */
	/* Does the service sync this user (a pair's source user id)? */
	bool (*wanted)(void *ud, const char *user_id);
	/* Sync one item (one at a time, on the worker thread); an exit code
	 * (CLI-03). */
	int (*sync)(void *ud, const char *user_id, const char *item_id);
	/* Add the service's members to the /status object. Optional. */
	void (*status)(void *ud, struct cJSON *obj);
	/* One log line (no newline). Optional (then stderr). */
	void (*log)(void *ud, const char *line);
	void *ud;
} cwp__hook_options;

/* Start listening; 0, or -1 with a message in err. */
int cwp__hook_start(cwp__hook **out, const cwp__hook_options *o, char *err, size_t errsz);
/* The bound port. */
int cwp__hook_port(const cwp__hook *h);
/* Counters for tests and /status. */
typedef struct cwp__hook_counts {
	size_t received, queued, coalesced, ignored, refused, syncs, sync_failures;
} cwp__hook_counts;
void cwp__hook_counts_get(cwp__hook *h, cwp__hook_counts *out);
/* Stop accepting, drop events not yet started, wait for a running sync to
 * return, free. NULL is accepted. */
void cwp__hook_stop(cwp__hook *h);

#endif
