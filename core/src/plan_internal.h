/* Private to the planner, plan JSON and write policy (plan.c, plan_json.c,
 * policy.c): the plan's layout and the shared progress helpers. */
#ifndef CWP_PLAN_INTERNAL_H
#define CWP_PLAN_INTERNAL_H

#include "cwp/plan.h"

/* Percent comparisons (PLAN-04 steps 2 and 4, APPLY-04, TWO-01) allow for
 * binary floating point: 40.1 - 40.0 is 0.1 within this, and a percent
 * computed as exactly max_percent counts as equal. */
#define CWP__PCT_EPS 1e-9

typedef enum cwp__progress {
	CWP__P_UNKNOWN = 0, /* neither a valid progress_ms nor a progress_percent */
	CWP__P_ZERO,        /* explicit zero: the only progress that can clear (PLAN-03) */
	CWP__P_POSITIVE,
} cwp__progress;

/* Records owned by a parsed plan (plan_json.c); NULL for a planned one. */
struct cwp__plan_owned;

struct cwp_plan {
	cwp_mode mode;
	bool disabled;
	cwp_decision *dec;
	size_t n;
	struct cwp__plan_owned *owned;
};

/* Seconds of configuration → ms, saturating (a hand-made config may hold any
 * int64; cwp_config_from_json caps at 2^53). Negative → 0. */
int64_t cwp__sec_to_ms(int64_t s);
bool cwp__ms_known(const cwp_record *r);
bool cwp__pct_known(const cwp_record *r);
/* progress_ms decides when known; progress_percent only without it (PLAN-03). */
cwp__progress cwp__progress_of(const cwp_record *r);
/* cwp_record_percent, NULL-safe, rejecting NaN and negatives. */
bool cwp__percent(const cwp_record *r, double *out);

/* a is later than b by more than tol ms (tol >= 0), without overflow. */
static inline bool cwp__newer_by_more_than(int64_t a, int64_t b, int64_t tol)
{
	return a > b && (uint64_t)a - (uint64_t)b > (uint64_t)tol;
}

void cwp__plan_owned_free(cwp_plan *plan);

#endif
