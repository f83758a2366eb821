/* The planner (SPEC §4, §6) and the write policy (SPEC §5): pure functions,
 * no I/O. Same inputs, same plan, byte for byte (PLAN-05). */
#ifndef CWP_PLAN_H
#define CWP_PLAN_H

#include <stdio.h>

#include "cwp/config.h"
#include "cwp/index.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cwp_action {
	CWP_ACTION_SKIP = 0,
	CWP_ACTION_UPSERT = 1,
	CWP_ACTION_CLEAR = 2,
} cwp_action;

/* Reason codes. The snake_case name (cwp_reason_name) is what reports, plan
 * JSON and conformance vectors use. */
typedef enum cwp_reason {
	CWP_REASON_NONE = 0,
	/* upsert */
	CWP_REASON_DESTINATION_MISSING, /* destination_missing */
	CWP_REASON_SOURCE_AHEAD,        /* source_ahead */
	CWP_REASON_SOURCE_NEWER,        /* source_newer */
	CWP_REASON_PERCENT_DIFFERS,     /* percent_differs (PLAN-04 step 4) */
	/* clear */
	CWP_REASON_EXPLICIT_ZERO, /* explicit_zero (PLAN-03) */
	/* skip, planner */
	CWP_REASON_REMOVE_DISABLED,   /* remove_disabled */
	CWP_REASON_NOTHING_TO_CLEAR,  /* nothing_to_clear */
	CWP_REASON_DESTINATION_NEWER, /* destination_newer */
	CWP_REASON_NO_PROGRESS,       /* no_progress */
	CWP_REASON_BELOW_MIN,         /* below_min */
	CWP_REASON_NEAR_COMPLETE,     /* near_complete */
	CWP_REASON_WITHIN_DELTA,      /* within_delta */
	CWP_REASON_UNCHANGED,         /* unchanged */
	CWP_REASON_WOULD_REGRESS,     /* would_regress */
	CWP_REASON_ADD_DISABLED,      /* add_disabled */
	CWP_REASON_CONFLICT_LOST,     /* conflict_lost (TWO-01: the other side wins) */
	/* skip, write policy (§5) */
	CWP_REASON_ACTIVE_SESSION,        /* active_session */
	CWP_REASON_TARGET_NEWER,          /* target_newer */
	CWP_REASON_ALREADY_WATCHED,       /* already_watched */
	CWP_REASON_PROGRESS_UNCHANGED,    /* progress_unchanged */
	CWP_REASON_REPLAY_UNWATCH_FAILED, /* replay_unwatch_failed */
	CWP_REASON_NO_POSITION,           /* no_position: percent-only source, no target duration */
	CWP_REASON__COUNT
} cwp_reason;

const char *cwp_reason_name(cwp_reason reason);
/* The reason of a name, or -1. */
int cwp_reason_from_name(const char *name);
const char *cwp_action_name(cwp_action action);
int cwp_action_from_name(const char *name);

typedef enum cwp_direction {
	CWP_DIR_FORWARD = 0,  /* source → destination */
	CWP_DIR_BACKWARD = 1, /* destination → source (two-way only) */
} cwp_direction;

const char *cwp_direction_name(cwp_direction dir); /* "forward" / "backward" */

/* One decision. src is the record whose key is planned (from the side that
 * would be written from), dst the matched record of the other side or NULL;
 * both borrowed from the indexes the plan was built from. */
typedef struct cwp_decision {
	const cwp_record *src;
	const cwp_record *dst;
	cwp_action action;
	cwp_reason reason;
	cwp_direction direction;
	bool unwatch_first; /* write policy: replay_enabled on a played target (APPLY-03) */
	int64_t write_ms;   /* write policy: the position to write (upsert), else 0 */
} cwp_decision;

/* PLAN-03/PLAN-04 for one key: src → dst (dst NULL = absent). */
cwp_decision cwp_decide(const cwp_record *src, const cwp_record *dst, const cwp_config *cfg);

typedef struct cwp_plan cwp_plan;

/* Plan src → dst (and dst → src when cfg->mode is two-way, merged by TWO-01).
 * Decisions come in key order per direction, forward first. The plan
 * borrows the indexes: they must outlive it. enable:false gives an empty plan
 * marked disabled (PLAN-01). */
int cwp_plan_new(cwp_plan **out, const cwp_index *src, const cwp_index *dst, const cwp_config *cfg);
void cwp_plan_free(cwp_plan *plan);

bool cwp_plan_disabled(const cwp_plan *plan);
size_t cwp_plan_size(const cwp_plan *plan);
const cwp_decision *cwp_plan_at(const cwp_plan *plan, size_t i);

typedef struct cwp_plan_summary {
	size_t decisions, upserts, clears, skips;
	size_t by_reason[CWP_REASON__COUNT];
} cwp_plan_summary;

void cwp_plan_summarize(const cwp_plan *plan, cwp_plan_summary *out);

/* Plan JSON (CLI-02): {"mode": "one-way", "disabled": false, "summary":
 * {"decisions", "upserts", "clears", "skips", "by_reason": {<reason>: n}},
 * "decisions": [{"key", "destination_key" (only with a destination),
 * "direction", "action", "reason", "source": {record}|null,
 * "destination": {record}|null}, …]}. Deterministic bytes (PLAN-05).
 * cwp_plan_write_json streams the same members with one decision per line. */
struct cJSON *cwp_plan_to_json(const cwp_plan *plan);
int cwp_plan_write_json(const cwp_plan *plan, FILE *f);

/* Parse plan JSON into a plan that owns its records (for ports, the
 * conformance runner and the round-trip fuzzer). "summary" is not read
 * (cwp_plan_summarize recomputes it). */
int cwp_plan_parse(cwp_plan **out, const char *buf, size_t len, cwp_warnings *w);

/* An index from the JSON of a planner input (conformance vectors, the
 * planner protocol): an index JSON object (key → record, CLI-02), or an
 * array of record objects (the JSON-lines form in one array) each with an
 * optional "key" member; a record without one gets its canonical key
 * (KEY-04/05), and records sharing a key are merged by KEY-07. Records go
 * through cwp_index_put_json (a bad field warns, UNIT-03). Anything else →
 * CWP_EPARSE naming `what` ("source"). */
int cwp_plan_input_index(cwp_index **out, const struct cJSON *node, const char *what,
			 cwp_warnings *w);

/* ---- Write policy (SPEC §5) -------------------------------------------- */

/* The destination item's fresh state, read just before writing. */
typedef struct cwp_target_state {
	int64_t position_ms;
	int64_t duration_ms;
	int64_t last_played_at; /* UserData.LastPlayedDate only (APPLY-02) */
	bool has_position, has_duration, has_last_played;
	bool played;
	bool playing; /* APPLY-01: in /Sessions for that user now */
	/* The position exactly as the server sent it, in ticks (0 when unknown
	 * or not set by whoever filled the state): journals keep the exact
	 * value so that undo restores it to the tick (APPLY-09). */
	int64_t position_ticks;
} cwp_target_state;

/* The ticks to journal for a state: position_ticks when it agrees with
 * position_ms, else position_ms * 10000; 0 when no position is known. */
int64_t cwp_target_ticks(const cwp_target_state *t);

/* Re-decide src against the fresh target state with the rules of §4, then
 * APPLY-01..04 in order. For an upsert, write_ms is the position to send
 * (src progress_ms, or progress_percent × the target's duration for a
 * percent-only source; skip no_position when neither works) and
 * unwatch_first is set when the target is played and replay is enabled.
 * dst of the result is NULL; the caller knows the item. */
cwp_decision cwp_policy_decide(const cwp_record *src, const cwp_target_state *target,
			       const cwp_config *cfg);

/* APPLY-05: the UserData body of an upsert or clear decided by
 * cwp_policy_decide: {"PlaybackPositionTicks": write_ms*10000,
 * "LastPlayedDate": "<UNIT-07>"} (no LastPlayedDate when the source's
 * progress_at is unknown) or {"PlaybackPositionTicks": 0}. NUL-terminated in
 * buf. CWP_EINVAL for a skip; CWP_ERANGE if buf is too small (128 is enough). */
int cwp_write_body(char *buf, size_t bufsz, const cwp_decision *d);

#ifdef __cplusplus
}
#endif
#endif
