/* The planner (SPEC §4) and the two-way merge (SPEC §6, TWO-01).
 *
 * Pure: no I/O, no clock, no randomness. A plan is a flat array of decisions
 * in key order per direction, forward first, so the same inputs give the same
 * plan byte for byte (PLAN-05). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/plan.h"
#include "plan_internal.h"

static const char *const reason_names[CWP_REASON__COUNT] = {
    [CWP_REASON_NONE] = "none",
    [CWP_REASON_DESTINATION_MISSING] = "destination_missing",
    [CWP_REASON_SOURCE_AHEAD] = "source_ahead",
    [CWP_REASON_SOURCE_NEWER] = "source_newer",
    [CWP_REASON_PERCENT_DIFFERS] = "percent_differs",
    [CWP_REASON_EXPLICIT_ZERO] = "explicit_zero",
    [CWP_REASON_REMOVE_DISABLED] = "remove_disabled",
    [CWP_REASON_NOTHING_TO_CLEAR] = "nothing_to_clear",
    [CWP_REASON_DESTINATION_NEWER] = "destination_newer",
    [CWP_REASON_NO_PROGRESS] = "no_progress",
    [CWP_REASON_BELOW_MIN] = "below_min",
    [CWP_REASON_NEAR_COMPLETE] = "near_complete",
    [CWP_REASON_WITHIN_DELTA] = "within_delta",
    [CWP_REASON_UNCHANGED] = "unchanged",
    [CWP_REASON_WOULD_REGRESS] = "would_regress",
    [CWP_REASON_ADD_DISABLED] = "add_disabled",
    [CWP_REASON_CONFLICT_LOST] = "conflict_lost",
    [CWP_REASON_ACTIVE_SESSION] = "active_session",
    [CWP_REASON_TARGET_NEWER] = "target_newer",
    [CWP_REASON_ALREADY_WATCHED] = "already_watched",
    [CWP_REASON_PROGRESS_UNCHANGED] = "progress_unchanged",
    [CWP_REASON_REPLAY_UNWATCH_FAILED] = "replay_unwatch_failed",
    [CWP_REASON_NO_POSITION] = "no_position",
};

const char *cwp_reason_name(cwp_reason reason)
{
	if ((int)reason < 0 || reason >= CWP_REASON__COUNT || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

int cwp_reason_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < CWP_REASON__COUNT; i++)
		if (reason_names[i] && !strcmp(reason_names[i], name))
			return i;
	return -1;
}

const char *cwp_action_name(cwp_action action)
{
	switch (action) {
	case CWP_ACTION_SKIP:
		return "skip";
	case CWP_ACTION_UPSERT:
		return "upsert";
	case CWP_ACTION_CLEAR:
		return "clear";
	}
	return "unknown";
}

int cwp_action_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "skip"))
		return CWP_ACTION_SKIP;
	if (!strcmp(name, "upsert"))
		return CWP_ACTION_UPSERT;
	if (!strcmp(name, "clear"))
		return CWP_ACTION_CLEAR;
	return -1;
}

const char *cwp_direction_name(cwp_direction dir)
{
	return dir == CWP_DIR_BACKWARD ? "backward" : "forward";
}

/* ---- one key ----------------------------------------------------------- */

int64_t cwp__sec_to_ms(int64_t s)
{
	if (s <= 0)
		return 0;
	if (s > INT64_MAX / 1000)
		return INT64_MAX;
	return s * 1000;
}

bool cwp__ms_known(const cwp_record *r)
{
	return r && r->has_progress_ms && r->progress_ms >= 0;
}

bool cwp__pct_known(const cwp_record *r)
{
	/* NaN and negatives are not percents; !(x >= 0) catches both */
	return r && r->has_progress_percent && r->progress_percent >= 0;
}

cwp__progress cwp__progress_of(const cwp_record *r)
{
	if (cwp__ms_known(r))
		return r->progress_ms > 0 ? CWP__P_POSITIVE : CWP__P_ZERO;
	if (cwp__pct_known(r))
		return r->progress_percent > 0 ? CWP__P_POSITIVE : CWP__P_ZERO;
	return CWP__P_UNKNOWN;
}

bool cwp__percent(const cwp_record *r, double *out)
{
	double p;
	if (!r || !cwp_record_percent(r, &p) || !(p >= 0))
		return false;
	*out = p;
	return true;
}

/* PLAN-04 step 4: the stored progress_percent when the record has one, only
 * else progress_ms / duration_ms (step 2 and KEY-07 prefer ms / duration). */
static bool step4_percent(const cwp_record *r, double *out)
{
	if (cwp__pct_known(r) && isfinite(r->progress_percent)) {
		*out = r->progress_percent;
		return true;
	}
	return cwp__percent(r, out);
}

static cwp_decision decision(const cwp_record *src, const cwp_record *dst, cwp_action a,
			     cwp_reason why)
{
	cwp_decision d;
	memset(&d, 0, sizeof(d));
	d.src = src;
	d.dst = dst;
	d.action = a;
	d.reason = why;
	d.direction = CWP_DIR_FORWARD;
	return d;
}

/* PLAN-03: an explicit zero. */
static cwp_decision decide_zero(const cwp_record *src, const cwp_record *dst, const cwp_config *cfg)
{
	if (!cfg->remove)
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_REMOVE_DISABLED);
	if (cwp__progress_of(dst) != CWP__P_POSITIVE)
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_NOTHING_TO_CLEAR);
	if (src->has_progress_at && dst->has_progress_at &&
	    cwp__newer_by_more_than(dst->progress_at, src->progress_at,
				    cwp__sec_to_ms(cfg->timestamp_tolerance_seconds)))
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_DESTINATION_NEWER);
	return decision(src, dst, CWP_ACTION_CLEAR, CWP_REASON_EXPLICIT_ZERO);
}

/* PLAN-04 steps 1-7 for a source with positive progress. */
static cwp_decision decide_positive(const cwp_record *src, const cwp_record *dst,
				    const cwp_config *cfg)
{
	double sp = 0, dp = 0;
	bool sp_known = cwp__percent(src, &sp);

	if (cwp__ms_known(src) && src->progress_ms < cwp__sec_to_ms(cfg->min_seconds))
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_BELOW_MIN);
	if (sp_known && sp >= cfg->max_percent - CWP__PCT_EPS) {
		int64_t min_dur = cwp__sec_to_ms(cfg->max_percent_min_duration_seconds);
		/* unknown duration: the cutoff applies */
		bool applies = cfg->max_percent_min_duration_seconds <= 0 ||
			       !src->has_duration_ms || src->duration_ms >= min_dur;
		if (applies)
			return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_NEAR_COMPLETE);
	}
	if (cwp__progress_of(dst) == CWP__P_UNKNOWN)
		return decision(src, dst, CWP_ACTION_UPSERT, CWP_REASON_DESTINATION_MISSING);
	if (!cwp__ms_known(src) || !cwp__ms_known(dst)) {
		/* a side's percent that cannot be known cannot be shown equal */
		if (!step4_percent(src, &sp) || !step4_percent(dst, &dp) ||
		    fabs(sp - dp) >= 0.1 - CWP__PCT_EPS)
			return decision(src, dst, CWP_ACTION_UPSERT, CWP_REASON_PERCENT_DIFFERS);
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_WITHIN_DELTA);
	}
	int64_t s = src->progress_ms, d = dst->progress_ms; /* both >= 0: no overflow */
	int64_t diff = s > d ? s - d : d - s;
	if (s == d)
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_UNCHANGED);
	if (diff < cwp__sec_to_ms(cfg->delta_seconds))
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_WITHIN_DELTA);
	if (s > d)
		return decision(src, dst, CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	if (src->has_progress_at && dst->has_progress_at &&
	    (src->progress_at > dst->progress_at ||
	     (src->progress_at == dst->progress_at && cfg->propagate_timestamp_updates)))
		return decision(src, dst, CWP_ACTION_UPSERT, CWP_REASON_SOURCE_NEWER);
	return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_WOULD_REGRESS);
}

cwp_decision cwp_decide(const cwp_record *src, const cwp_record *dst, const cwp_config *cfg)
{
	cwp_decision d;

	if (!src || !cfg)
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_NO_PROGRESS);
	switch (cwp__progress_of(src)) {
	case CWP__P_UNKNOWN:
		return decision(src, dst, CWP_ACTION_SKIP, CWP_REASON_NO_PROGRESS);
	case CWP__P_ZERO:
		return decide_zero(src, dst, cfg);
	case CWP__P_POSITIVE:
		break;
	}
	d = decide_positive(src, dst, cfg);
	if (d.action == CWP_ACTION_UPSERT && !cfg->add) {
		d.action = CWP_ACTION_SKIP;
		d.reason = CWP_REASON_ADD_DISABLED;
	}
	return d;
}

/* ---- plans ------------------------------------------------------------- */

void cwp_plan_free(cwp_plan *plan)
{
	if (!plan)
		return;
	free(plan->dec);
	cwp__plan_owned_free(plan);
	free(plan);
}

bool cwp_plan_disabled(const cwp_plan *plan)
{
	return plan && plan->disabled;
}

size_t cwp_plan_size(const cwp_plan *plan)
{
	return plan ? plan->n : 0;
}

const cwp_decision *cwp_plan_at(const cwp_plan *plan, size_t i)
{
	return plan && i < plan->n ? &plan->dec[i] : NULL;
}

/* The position of a record in an index, by binary search over key order. */
static bool index_pos(const cwp_index *idx, const char *key, size_t *out)
{
	size_t lo = 0, hi = cwp_index_size(idx);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cwp_index_at(idx, mid)->key, key);
		if (c == 0) {
			*out = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool is_write(const cwp_decision *d)
{
	return d->action == CWP_ACTION_UPSERT || d->action == CWP_ACTION_CLEAR;
}

/* TWO-01: does the forward write (s → d) beat the backward one (d → s)? */
static bool forward_wins(const cwp_decision *f, const cwp_decision *b, const cwp_config *cfg)
{
	const cwp_record *s = f->src, *d = b->src;
	bool truth = cfg->source_of_truth == CWP_TRUTH_SOURCE;

	if (s->has_progress_at && d->has_progress_at && s->progress_at != d->progress_at)
		return s->progress_at > d->progress_at;
	if (f->action == CWP_ACTION_CLEAR || b->action == CWP_ACTION_CLEAR)
		return truth; /* a clear against an upsert: timestamps only */
	if (cwp__ms_known(s) && cwp__ms_known(d) && s->progress_ms > 0 && d->progress_ms > 0 &&
	    s->progress_ms != d->progress_ms)
		return s->progress_ms > d->progress_ms;
	double sp, dp;
	if (cwp__percent(s, &sp) && cwp__percent(d, &dp) && fabs(sp - dp) > 0.1 + CWP__PCT_EPS)
		return sp > dp;
	return truth;
}

static void lose(cwp_decision *d)
{
	d->action = CWP_ACTION_SKIP;
	d->reason = CWP_REASON_CONFLICT_LOST;
}

/* Decide every key of `from` against its match in `to`. */
static int plan_direction(cwp_decision *out, const cwp_index *from, const cwp_index *to,
			  const cwp_config *cfg, cwp_direction dir)
{
	cwp_match *m = NULL;
	size_t n = cwp_index_size(from);
	int rc = cwp_match_new(&m, from, to);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		out[i] = cwp_decide(cwp_index_at(from, i), cwp_match_dst(m, i), cfg);
		out[i].direction = dir;
	}
	cwp_match_free(m);
	return 0;
}

int cwp_plan_new(cwp_plan **out, const cwp_index *src, const cwp_index *dst, const cwp_config *cfg)
{
	cwp_plan *p = NULL;
	size_t ns, nd, n;
	int rc = 0;

	if (!out || !src || !dst || !cfg)
		return cwp_error_set(CWP_EINVAL, "plan: missing index or configuration");
	p = calloc(1, sizeof(*p));
	if (!p)
		return cwp_error_set(CWP_ENOMEM, "plan: out of memory");
	p->mode = cfg->mode;
	if (!cfg->enable) {
		p->disabled = true; /* PLAN-01 */
		goto done;
	}
	ns = cwp_index_size(src);
	nd = cfg->mode == CWP_MODE_TWO_WAY ? cwp_index_size(dst) : 0;
	n = ns + nd;
	if (n) {
		p->dec = calloc(n, sizeof(*p->dec));
		if (!p->dec) {
			rc = cwp_error_set(CWP_ENOMEM, "plan: out of memory for %zu decisions", n);
			goto done;
		}
	}
	if ((rc = plan_direction(p->dec, src, dst, cfg, CWP_DIR_FORWARD)) != 0)
		goto done;
	p->n = ns;
	if (cfg->mode == CWP_MODE_TWO_WAY) {
		/* p->dec is NULL when both sides are empty: NULL + 0 is undefined */
		cwp_decision *bwd = p->dec ? p->dec + ns : NULL;
		if ((rc = plan_direction(bwd, dst, src, cfg, CWP_DIR_BACKWARD)) != 0)
			goto done;
		p->n = n;
		/* TWO-01: a pair of records that both want to write each other */
		for (size_t i = 0; i < ns; i++) {
			cwp_decision *f = &p->dec[i];
			size_t j;
			if (!is_write(f) || !f->dst || !index_pos(dst, f->dst->key, &j))
				continue;
			cwp_decision *b = &bwd[j];
			if (!is_write(b) || !b->dst || strcmp(b->dst->key, f->src->key))
				continue;
			if (forward_wins(f, b, cfg))
				lose(b);
			else
				lose(f);
		}
	}
done:
	if (rc) {
		cwp_plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void cwp_plan_summarize(const cwp_plan *plan, cwp_plan_summary *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cwp_plan_size(plan); i++) {
		const cwp_decision *d = &plan->dec[i];
		out->decisions++;
		if (d->action == CWP_ACTION_UPSERT)
			out->upserts++;
		else if (d->action == CWP_ACTION_CLEAR)
			out->clears++;
		else
			out->skips++;
		if ((int)d->reason >= 0 && d->reason < CWP_REASON__COUNT)
			out->by_reason[d->reason]++;
	}
}
