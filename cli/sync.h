/* The command line's side of a sync: from pair-file endpoints to two Emby
 * providers and one run of the engine (cwp/sync.h), with the terminal's
 * progress bars, printed warnings, redaction of secrets and SIGINT/SIGTERM
 * (APPLY-11). The engine itself is the cwp_sync library. */
#ifndef CWP_CLI_SYNC_H
#define CWP_CLI_SYNC_H

#include <stdio.h>

#include "cwp/cwp.h"
#include "cwp/sync.h"
#include "pair.h"
#include "term.h"

/* A warnings sink that prints "warning: …" (redacted) on a stream when
 * `print`, and counts always. */
typedef struct cwp__warn_sink {
	cwp__term *term;
	bool print;
} cwp__warn_sink;
void cwp__warn_print(void *ud, const char *msg);

typedef struct cwp__sync_opts {
	const cwp__endpoint *side[2];
	const cwp__creds *creds[2]; /* read by the caller: never printed */
	cwp_config cfg;
	bool dry_run;
	bool insecure;
	const char *ca_file;      /* overrides the endpoints' ca_file */
	const char *journal_path; /* NULL: default path (cwp__journal_default_path) */
	const char *plan_out;     /* write plan JSON here, when set */
	const char *command;      /* "sync" or "demo": names the default journal */
	cwp__term *term;          /* progress bars; may be NULL */
	cwp__warn_sink *warn;     /* prints warnings; may be NULL */
	int max_in_flight;        /* 0: the endpoints' or the client's default */
	bool catch_signals;       /* SIGINT/SIGTERM stop the run (APPLY-11) */
	const char *const *only;  /* restrict to these source item ids (a webhook's) */
	size_t n_only;
	/* APPLY-12: the run holds the destination user's run lock, waiting
	 * up to lock_timeout_ms for another run (0: no wait); no_lock for
	 * runs that cannot meet another (the demo's private mocks). */
	long lock_timeout_ms;
	bool no_lock;
	/* Per side: the answers the pairs of one household run share (SVC-01,
	 * cwp__sync_shared_new); NULL: the clients read their own. */
	struct emby_shared *shared[2];
} cwp__sync_opts;

/* Zero *o, then point it at the pair's two endpoints, their credentials
 * and its configuration, for a "sync" run. */
void cwp__sync_opts_for_pair(cwp__sync_opts *o, const cwp__pair *pair, const cwp__creds creds[2]);

/* One run's shared answers, one object per side (emby_shared in
 * emby/client.h): each server is probed once and its /Sessions read once for
 * all the pairs of the run. Made at the start of a run and freed at its end,
 * never kept for the next: /Sessions says who plays what now (APPLY-01).
 * Both NULL (no sharing) when out of memory or built without emby_client. */
void cwp__sync_shared_new(struct emby_shared *out[2]);
void cwp__sync_shared_free(struct emby_shared *sh[2]);

/* Run one sync between the two endpoints. 0 with *out set, or
 * CWP_EXIT_USAGE with a (redacted) message in err when the clients cannot
 * be set up or another run holds the destination user (APPLY-12). */
int cwp__sync_pair(cwp_sync_result **out, const cwp__sync_opts *o, char *err, size_t errsz);

/* The verbs with their output streams, so that tests run them in-process
 * (cmd_<verb> calls these with stdout and stderr). */
int cwp__cmd_sync(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_demo(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_undo(int argc, char **argv, FILE *out, FILE *err);
int cwp__cmd_index(int argc, char **argv, FILE *out, FILE *err);

#endif
