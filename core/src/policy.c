/* The write policy (SPEC §5, APPLY-01..05): pure, the client only feeds it.
 *
 * The fresh target state becomes a record so that the very same §4 rules
 * (cwp_decide) run again on it; only then do the write rules apply. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cwp/parse.h"
#include "cwp/plan.h"
#include "plan_internal.h"

static cwp_record target_record(const cwp_record *src, const cwp_target_state *t)
{
	cwp_record r;
	memset(&r, 0, sizeof(r));
	r.key = src->key;
	r.type = src->type;
	if (t->has_position && t->position_ms >= 0) {
		r.progress_ms = t->position_ms;
		r.has_progress_ms = true;
	}
	if (t->has_duration && t->duration_ms > 0) {
		r.duration_ms = t->duration_ms;
		r.has_duration_ms = true;
	}
	/* APPLY-02: UserData.LastPlayedDate is the target's only timestamp */
	if (t->has_last_played) {
		r.progress_at = t->last_played_at;
		r.has_progress_at = true;
	}
	r.played = t->played;
	r.has_played = true;
	return r;
}

static cwp_decision skip(cwp_decision d, cwp_reason why)
{
	d.action = CWP_ACTION_SKIP;
	d.reason = why;
	d.write_ms = 0;
	d.unwatch_first = false;
	return d;
}

cwp_decision cwp_policy_decide(const cwp_record *src, const cwp_target_state *target,
			       const cwp_config *cfg)
{
	cwp_decision d;
	cwp_record t;
	double sp = 0, tp = 0;
	bool sp_known;
	int64_t want_ms = 0;
	bool want_known;

	if (!src || !target || !cfg) {
		d = cwp_decide(src, NULL, cfg);
		d.dst = NULL;
		return skip(d, CWP_REASON_NO_PROGRESS);
	}
	t = target_record(src, target);
	d = cwp_decide(src, &t, cfg);
	d.dst = NULL; /* t lives on this stack frame */
	d.write_ms = 0;
	d.unwatch_first = false;
	if (d.action == CWP_ACTION_SKIP)
		return d;

	if (target->playing) /* APPLY-01 */
		return skip(d, CWP_REASON_ACTIVE_SESSION);
	if (src->has_progress_at && target->has_last_played &&
	    cwp__newer_by_more_than(target->last_played_at, src->progress_at,
				    cwp__sec_to_ms(cfg->timestamp_tolerance_seconds)) &&
	    !(target->played && cfg->replay_enabled)) /* APPLY-02 */
		return skip(d, CWP_REASON_TARGET_NEWER);
	if (target->played && !cfg->replay_enabled) /* APPLY-03 */
		return skip(d, CWP_REASON_ALREADY_WATCHED);

	/* APPLY-04, on the position this decision would leave */
	if (d.action == CWP_ACTION_CLEAR) {
		want_known = sp_known = true;
	} else {
		want_known = cwp__ms_known(src);
		want_ms = want_known ? src->progress_ms : 0;
		sp_known = cwp__percent(src, &sp);
	}
	if (want_known && cwp__ms_known(&t) &&
	    (want_ms > t.progress_ms ? want_ms - t.progress_ms : t.progress_ms - want_ms) <= 1000)
		return skip(d, CWP_REASON_PROGRESS_UNCHANGED);
	if (sp_known && cwp__percent(&t, &tp) && fabs(sp - tp) <= 0.1 + CWP__PCT_EPS)
		return skip(d, CWP_REASON_PROGRESS_UNCHANGED);

	if (d.action == CWP_ACTION_UPSERT) {
		if (want_known) {
			d.write_ms = want_ms;
		} else if (cwp__pct_known(src) && t.has_duration_ms) {
			double ms = floor(src->progress_percent * (double)t.duration_ms / 100.0);
			if (!(ms >= 1 && ms <= (double)t.duration_ms))
				return skip(d, CWP_REASON_NO_POSITION);
			d.write_ms = (int64_t)ms;
		} else {
			return skip(d, CWP_REASON_NO_POSITION);
		}
		d.unwatch_first = target->played && cfg->replay_enabled;
	}
	return d;
}

int cwp_write_body(char *buf, size_t bufsz, const cwp_decision *d)
{
	char when[CWP_TIME_BUFSZ];
	int64_t ticks;
	int n;

	if (!buf || !bufsz || !d)
		return cwp_error_set(CWP_EINVAL, "write body: no decision or buffer");
	if (d->action == CWP_ACTION_CLEAR) {
		/* a clear never touches Played or PlayCount */
		n = snprintf(buf, bufsz, "{\"PlaybackPositionTicks\":0}");
	} else if (d->action == CWP_ACTION_UPSERT) {
		/* 0 ticks would be a clear in disguise (UNIT-03) */
		if (d->write_ms <= 0)
			return cwp_error_set(CWP_EINVAL, "write body: an upsert without a position "
							 "(decide it with cwp_policy_decide)");
		if (cwp_ms_to_ticks(&ticks, d->write_ms) != 0)
			return cwp_error_set(CWP_ERANGE,
					     "write body: position %lld ms out of range",
					     (long long)d->write_ms);
		/* APPLY-05: an unknown (or unprintable) source time is omitted, never "now" */
		if (d->src && d->src->has_progress_at &&
		    cwp_time_format(when, sizeof(when), d->src->progress_at) == 0)
			n = snprintf(buf, bufsz,
				     "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":\"%s\"}",
				     (long long)ticks, when);
		else
			n = snprintf(buf, bufsz, "{\"PlaybackPositionTicks\":%lld}",
				     (long long)ticks);
	} else {
		return cwp_error_set(CWP_EINVAL, "write body: a skip is never written");
	}
	if (n < 0 || (size_t)n >= bufsz)
		return cwp_error_set(CWP_ERANGE, "write body: buffer of %zu bytes too small",
				     bufsz);
	return 0;
}

int64_t cwp_target_ticks(const cwp_target_state *t)
{
	int64_t ticks = 0;

	if (!t || !t->has_position)
		return 0;
	if (t->position_ticks > 0 && cwp_ticks_to_ms(t->position_ticks) == t->position_ms)
		return t->position_ticks;
	if (cwp_ms_to_ticks(&ticks, t->position_ms) != CWP_OK)
		return 0;
	return ticks;
}
