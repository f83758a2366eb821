/* `cwprogress sync` for households and as a service (SVC-01..03):
 * every user pair of a pair file, once (reports grouped by pair, exit status
 * the worst), or again and again with --every (one log line per run, runs
 * never overlap, a failed run does not stop the service, SIGINT/SIGTERM
 * between runs exits 0 at once and during a run follows APPLY-11), and/or
 * from Emby's webhooks with --listen (serve_webhook.h: one item of one user,
 * by the same engine and rules, journal first). */
#ifndef CWP_CLI_SERVICE_H
#define CWP_CLI_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct cwp__service_opts {
	const char *config;
	bool dry_run, json, explain, insecure, two_way;
	int verbosity; /* -1 quiet, 0, 1 verbose */
	int max_in_flight;
	long lock_timeout_ms; /* APPLY-12: wait for another run of a destination user */
	const char *ca_file, *journal, *plan_out;
	int64_t every_ms;   /* 0: no schedule */
	const char *listen; /* NULL: no webhooks */
	int coalesce_ms;    /* 0: the listener's default */
	FILE *out, *err;
	/* Tests: told the webhook port once listening; stop after max_runs
	 * scheduled runs (0: no limit). */
	void (*on_listen)(void *ud, int port);
	void *ud;
	long max_runs;
} cwp__service_opts;

/* Run it; the exit status (CLI-03; 130 after an interrupted run). */
int cwp__service_main(const cwp__service_opts *o);

/* Ask a running service to stop as SIGTERM would (tests, in-process). */
void cwp__service_stop(void);

/* "90s", "15m", "2h", "500ms", "1d": 0 and ms, or -1 (at least 1 s, at
 * most 30 days). */
int cwp__duration_parse(int64_t *ms, const char *s);

#endif
