/* `cwprogress demo`'s live part: a webhook-driven sync of one item
 * (SVC-03) between the demo's two mocks (demo_live.c). */
#ifndef CWP_CLI_DEMO_LIVE_H
#define CWP_CLI_DEMO_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "cwp/cwp.h"
#include "pair.h"

typedef struct cwp__demo_live_opts {
	const cwp__endpoint *side[2];
	const cwp__creds *creds[2];
	cwp_config cfg;
	const char *journal;
	const char *src_url;         /* the source mock */
	const char *src_admin_token; /* its control API's (a fixture value, not a secret) */
	const char *item_id;         /* the source item the player stops */
	int64_t stop_at_ms;          /* where */
} cwp__demo_live_opts;

typedef struct cwp__demo_live_result {
	int64_t latency_ms; /* the player's stop → the sync's write done */
	int64_t written_ms; /* the position written on the destination, -1: none */
	int exit_code;      /* of the webhook's sync */
} cwp__demo_live_result;

/* 0, or -1 with a message in err. */
int cwp__demo_live(cwp__demo_live_result *out, const cwp__demo_live_opts *o, char *err,
		   size_t errsz);

#endif
