/* cwp_sync: the sync engine as a library (SPEC §5-§8).
 *
 *   probe → index both sides → confirm-before-clear → plan → resolve →
 *   fresh state + who is playing → write policy → journal → write
 *
 * The engine speaks to each side through a provider (cwp_sync_provider): a
 * versioned table of calls with a payload pointer. emby_client implements it
 * for Emby (emby/provider.h); the tests have an in-memory one. The engine
 * depends on cwp_core only: it never includes a server's header, reads no
 * argv, environment or terminal, and keeps no process-wide state, so that
 * several syncs (of different pairs) can run at once in one process.
 *
 * Error convention (the whole API): a fallible function returns 0 or a
 * negative CWP_E* code (cwp/common.h); the message of the failure is the
 * thread's cwp_error_last(). cwp_sync_run returns 0 whenever a run took
 * place, whatever its outcome: the outcome, its message and every row are in
 * the result object (cwp_sync_result_summary). A provider call returns 0 or a
 * negative CWP_E* code too, and its message is the provider's `error` call. */
#ifndef CWP_SYNC_H
#define CWP_SYNC_H

#include "cwp/cwp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CWP_SYNC_SOURCE = 0, CWP_SYNC_DESTINATION = 1 };

/* ---- the provider interface (one side of a sync) ---------------------- */

typedef struct cwp_sync_server_info {
	char name[128];
	char version[32];
	char user_name[128];
} cwp_sync_server_info;

/* The item ids one record resolved to (RES-02..04). */
typedef enum cwp_sync_resolve_status {
	CWP_SYNC_RESOLVED = 0,
	CWP_SYNC_NOT_FOUND = 1,
	CWP_SYNC_AMBIGUOUS = 2,
} cwp_sync_resolve_status;

typedef struct cwp_sync_resolved {
	cwp_sync_resolve_status status;
	const char *const *ids; /* owned by the provider until resolve_free */
	size_t n_ids;
} cwp_sync_resolved;

/* One write of a batch: the body is the UserData JSON (APPLY-05). */
typedef struct cwp_sync_write {
	const char *item_id;
	const char *body;
	bool unwatch_first; /* mark unplayed first; skip the write when that fails */
	/* results, set by the provider */
	int result;          /* 0 success, else CWP_E* */
	int http_status;     /* of the last request made for this write, 0 if none */
	bool started;        /* a request of this write was sent */
	bool unwatched;      /* the unwatch step reached the server and succeeded */
	bool unwatch_failed; /* the unwatch failed: the write was not sent */
	char error[256];     /* message when result != 0 */
} cwp_sync_write;

/* Returns < 0 to stop: a batch starts no new write once it does. */
typedef int (*cwp_sync_cancel_cb)(void *ud);

#define CWP_SYNC_PROVIDER_VERSION 1

typedef struct cwp_sync_provider {
	unsigned int version; /* CWP_SYNC_PROVIDER_VERSION */
	void *payload;        /* passed to every call */
	/* Reachable, and who the user is. Optional (NULL: nothing to probe). */
	int (*probe)(void *payload, cwp_sync_server_info *out);
	/* READ-01..05: the user's progress index; any failed read fails. */
	int (*index)(void *payload, cwp_index **out, cwp_warnings *w);
	/* READ-06: look candidates up; explicit zeros found go into `into`. */
	int (*confirm_zeros)(void *payload, const cwp_record *const *cands, size_t n,
			     cwp_index *into, cwp_warnings *w);
	/* RES-02..04: out[i] for recs[i]; *handle keeps the ids alive until
	 * resolve_free(payload, *handle). */
	int (*resolve)(void *payload, const cwp_record *const *recs, size_t n,
		       cwp_sync_resolved *out, void **handle);
	void (*resolve_free)(void *payload, void *handle);
	/* §5: fresh state of items; found[i] false when the item is gone. */
	int (*read_states)(void *payload, const char *const *ids, size_t n,
			   cwp_target_state *states, bool *found);
	/* APPLY-01: playing[i] true when ids[i] is being played now. */
	int (*playing)(void *payload, const char *const *ids, size_t n, bool *playing);
	/* Send a batch; check cancel(cancel_ud) before starting each write. */
	int (*write)(void *payload, cwp_sync_write *writes, size_t n, cwp_sync_cancel_cb cancel,
		     void *cancel_ud);
	/* The last failure's message (names the server, never a secret). */
	const char *(*error)(void *payload);
	/* Requests, retries, bytes so far. Optional. */
	void (*stats)(void *payload, size_t *requests, size_t *retries, size_t *bytes);
} cwp_sync_provider;

/* ---- options ------------------------------------------------------------ */

typedef enum cwp_sync_phase {
	CWP_SYNC_PH_PROBE = 0,
	CWP_SYNC_PH_INDEX,
	CWP_SYNC_PH_CONFIRM,
	CWP_SYNC_PH_PLAN,
	CWP_SYNC_PH_RESOLVE,
	CWP_SYNC_PH_STATE,
	CWP_SYNC_PH_WRITE,
	CWP_SYNC_PH_COUNT
} cwp_sync_phase;

const char *cwp_sync_phase_name(int phase); /* "probe", "index", … */

typedef struct cwp_sync_progress {
	cwp_sync_phase phase;
	size_t done, total; /* writes started / to send in the write phase */
} cwp_sync_progress;

#define CWP_SYNC_OPTIONS_VERSION 1

typedef struct cwp_sync_options {
	unsigned int version; /* CWP_SYNC_OPTIONS_VERSION */
	cwp_config config;    /* SPEC §3; CWP_CONFIG_INIT by default */
	bool dry_run;         /* APPLY-08: read and decide, write nothing */
	/* APPLY-09: the journal (JSON lines). Required when something is to
	 * be written; NULL then fails every write ("not sent"). */
	const char *journal_path;
	const char *command;      /* names the run in the journal ("sync") */
	const char *journal_meta; /* JSON object text put in the header as
				     "servers" (how to reach them, no secret) */
	const char *plan_out;     /* also write the plan JSON here; optional */
	const char *labels[2];    /* how messages name the sides */
	const char *urls[2];      /* reported only */
	/* Restrict the run to these source keys or source item ids (a
	 * webhook's one item): other keys get no row and no write. */
	const char *const *only;
	size_t n_only;
	/* Called at each phase and before each write; < 0 cancels: no new
	 * write starts, writes in flight finish (APPLY-11). */
	int (*progress)(void *payload, const cwp_sync_progress *p);
	/* Non-fatal warnings (UNIT-03, READ-05, READ-06). */
	void (*warning)(void *payload, const char *msg);
	/* Scrubs secrets from a message in place before it is kept or
	 * journaled (defence in depth). Optional. */
	void (*redact)(void *payload, char *msg);
	void *payload;
} cwp_sync_options;

#define CWP_SYNC_OPTIONS_INIT                                                             \
	{                                                                                 \
		CWP_SYNC_OPTIONS_VERSION, CWP_CONFIG_INIT, false, NULL, NULL, NULL, NULL, \
		    {NULL, NULL}, {NULL, NULL}, NULL, 0, NULL, NULL, NULL, NULL           \
	}

/* CWP_EINVAL for an unknown version. */
int cwp_sync_options_init(cwp_sync_options *opts, unsigned int version);

/* ---- the result ----------------------------------------------------------- */

/* What happened to one planned key, or one destination item of it. */
typedef enum cwp_sync_status {
	CWP_SYNC_ROW_PLAN_SKIP = 0, /* skipped by the planner (§4) */
	CWP_SYNC_ROW_UNRESOLVED,    /* no target item (RES-04) */
	CWP_SYNC_ROW_POLICY_SKIP,   /* skipped on the fresh target state (§5) */
	CWP_SYNC_ROW_WOULD_WRITE,   /* dry run: would be written (APPLY-08) */
	CWP_SYNC_ROW_WRITTEN,
	CWP_SYNC_ROW_FAILED,
	CWP_SYNC_ROW_NOT_SENT, /* cancelled before it was sent (APPLY-11) */
} cwp_sync_status;

/* "skipped", "unresolved", "would_write", "written", "failed", "not_sent" */
const char *cwp_sync_status_name(cwp_sync_status s);

typedef struct cwp_sync_row {
	const char *key;
	const char *title; /* NULL when unknown */
	cwp_media_type type;
	int32_t season, episode;
	bool has_se;
	cwp_direction dir;
	int target;          /* CWP_SYNC_SOURCE / _DESTINATION: the side written */
	const char *item_id; /* NULL for planner skips and unresolved keys */
	cwp_action plan_action;
	cwp_reason plan_reason;
	cwp_action action; /* final: the write policy's, when it ran */
	cwp_reason reason;
	const char *unresolved; /* "not_found", "ambiguous" */
	cwp_sync_status status;
	int64_t src_ms, dst_ms, write_ms;
	bool has_src_ms, has_dst_ms;
	int64_t src_at;
	bool has_src_at;
	bool unwatch_first;
	cwp_target_state prev; /* the fresh state (when has_prev) */
	bool has_prev;
	const char *error; /* of a failed write (redacted) */
	int http_status;
	size_t decision; /* index of the plan decision behind the row */
} cwp_sync_row;

/* How a run ended; the numbers are the command line's exit codes (CLI-03). */
typedef enum cwp_sync_outcome {
	CWP_SYNC_DONE = 0,
	CWP_SYNC_WRITES_FAILED = 1,
	CWP_SYNC_UNUSABLE = 2,    /* a setup or configuration problem */
	CWP_SYNC_READ_FAILED = 3, /* a side could not be read: nothing written */
	CWP_SYNC_INTERRUPTED = 130,
} cwp_sync_outcome;

typedef struct cwp_sync_side_info {
	const char *label, *url;
	cwp_sync_server_info server;
	size_t indexed;         /* records in its progress index */
	size_t confirmed_zeros; /* READ-06 explicit zeros found here */
	size_t requests, retries, bytes;
	bool probed, read;
} cwp_sync_side_info;

typedef struct cwp_sync_summary {
	cwp_sync_outcome outcome;
	const char *error;        /* why the run stopped ("" when it did not) */
	const char *failed_phase; /* "probe", "index", … when it stopped */
	bool dry_run, disabled, interrupted;
	cwp_mode mode;
	cwp_sync_side_info side[2];
	size_t keys, upserts, clears, skips, unresolved, failed, written, not_sent;
	size_t by_reason[CWP_REASON__COUNT];
	size_t warnings;
	const char *journal_path; /* NULL when nothing was journaled */
	int64_t elapsed_ms;
	int64_t phase_ms[CWP_SYNC_PH_COUNT];
} cwp_sync_summary;

typedef struct cwp_sync_result cwp_sync_result;

/* Run one sync of src → dst (and back, two-way). *out is set whenever 0 is
 * returned; a negative code (invalid options or providers, out of memory
 * before anything started) leaves *out NULL. */
int cwp_sync_run(cwp_sync_result **out, const cwp_sync_provider *src, const cwp_sync_provider *dst,
		 const cwp_sync_options *opts);
void cwp_sync_result_free(cwp_sync_result *r);

size_t cwp_sync_result_rows(const cwp_sync_result *r);
const cwp_sync_row *cwp_sync_result_row(const cwp_sync_result *r, size_t i);
const cwp_sync_summary *cwp_sync_result_summary(const cwp_sync_result *r);
/* Add warnings counted outside the run (configuration) to the summary. */
void cwp_sync_result_add_warnings(cwp_sync_result *r, size_t n);

/* APPLY-08: whether a dry run's result plans exactly what a real run's did:
 * the same rows (key, direction, target, item, plan and final action and
 * reason, unresolved, values, the target state read) with "would write"
 * standing for "written", "failed" or "not sent", and the same summary but
 * for written/failed (mode, counts, skips by reason, warnings). */
bool cwp_sync_result_same_plan(const cwp_sync_result *dry, const cwp_sync_result *real);

/* ---- undo (APPLY-09, APPLY-10) ------------------------------------------ */

/* What undo did with one journaled item. */
typedef enum cwp_undo_status {
	CWP_UNDO_PENDING = 0,
	CWP_UNDO_RESTORED,
	CWP_UNDO_FAILED,
	CWP_UNDO_UNCHANGED,     /* it already holds the state to restore */
	CWP_UNDO_NOT_FOUND,     /* the server no longer has the item */
	CWP_UNDO_WOULD_RESTORE, /* dry run */
	CWP_UNDO_CHANGED_SINCE, /* changed after the run, or playing now: left alone */
	CWP_UNDO_NOT_SENT,      /* the run was interrupted before this restore */
} cwp_undo_status;

/* "pending", "restored", "failed", "unchanged", "not_found",
 * "would_restore", "changed_since", "not_sent" */
const char *cwp_undo_status_name(cwp_undo_status s);

typedef struct cwp_undo_item {
	int side; /* CWP_SYNC_SOURCE / _DESTINATION */
	const char *item_id, *key, *title;
	/* the state to restore: the oldest journaled previous state */
	int64_t ticks;
	bool has_date;
	const char *date; /* as journaled, when has_date */
	bool played;
	/* what undo found and did */
	cwp_undo_status status;
	const char *why; /* for changed_since: "changed since the run", "playing now" */
	bool found;
	cwp_target_state now;
	const char *error; /* of a failed restore (redacted) */
	int http_status;
} cwp_undo_item;

typedef struct cwp_undo cwp_undo;

/* Read a journal: the items that a run's steps may have changed (a write
 * answered ok, a write whose answer never came, an unwatch that landed
 * before a refused write), each with the oldest state to restore and the
 * state the newest run left. CWP_EPARSE (message: cwp_error_last) for a
 * file that is not a cwprogress journal, or that mixes servers. */
int cwp_undo_load(cwp_undo **out, const char *path);
void cwp_undo_free(cwp_undo *u);
/* The journal header's description of a side's server (JSON object text,
 * owned by u), or NULL. */
const char *cwp_undo_server(const cwp_undo *u, int side);
/* Whether some item of the journal lives on that side. */
bool cwp_undo_needs(const cwp_undo *u, int side);
size_t cwp_undo_count(const cwp_undo *u);
const cwp_undo_item *cwp_undo_at(const cwp_undo *u, size_t i);
/* "journal" or "read" after cwp_undo_run failed; NULL otherwise. */
const char *cwp_undo_failed_phase(const cwp_undo *u);

#define CWP_UNDO_OPTIONS_VERSION 1

typedef struct cwp_undo_options {
	unsigned int version; /* CWP_UNDO_OPTIONS_VERSION */
	bool dry_run;
	const char *journal_path; /* this undo's own journal (required to write) */
	const char *undoes;       /* the journal being undone (named in the header) */
	const char *journal_meta; /* as cwp_sync_options */
	int (*progress)(void *payload, const cwp_sync_progress *p); /* < 0 cancels */
	void (*redact)(void *payload, char *msg);
	void *payload;
} cwp_undo_options;

#define CWP_UNDO_OPTIONS_INIT                                                       \
	{                                                                           \
		CWP_UNDO_OPTIONS_VERSION, false, NULL, NULL, NULL, NULL, NULL, NULL \
	}

int cwp_undo_options_init(cwp_undo_options *opts, unsigned int version);

/* APPLY-10: read every item's state and who plays it now, restore only the
 * items that still hold what the run left (the others: changed_since),
 * journaling each current state first. prov[side] may be NULL for a side
 * that cwp_undo_needs not. 0 when it ran (the items say how it went); a
 * negative code when a side could not be read or the journal not written
 * (nothing was sent then; cwp_undo_failed_phase, cwp_error_last). */
int cwp_undo_run(cwp_undo *u, const cwp_sync_provider *const prov[2], const cwp_undo_options *opts);

#ifdef __cplusplus
}
#endif
#endif
