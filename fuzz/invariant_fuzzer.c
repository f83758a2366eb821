/* Fuzz target: the planner's safety rules as invariants (SPEC §4, §5).
 *
 * From the input bytes: a configuration (every field, boundaries likely) and
 * two small indexes whose records share a small id space, so that keys match,
 * collide and duplicate. Then cwp_plan_new, and abort() when a decision breaks
 *   PLAN-01  enable:false → an empty plan marked disabled;
 *   PLAN-02  a decision only for a key of the side it writes from (never for a
 *            destination-only key in one-way mode, so no clear of a key absent
 *            from the source), one per key, in key order (PLAN-05);
 *   PLAN-03  a clear only from an explicit zero, with remove on, of a
 *            destination that has progress;
 *   PLAN-04  an upsert only with add on, from positive progress, not below
 *            min_seconds, below max_percent (unless the max_percent duration
 *            floor exempts it), never to an equal position or within delta, and
 *            never to a smaller position without a strictly newer source
 *            timestamp (or an equal one with propagate_timestamp_updates);
 *   PLAN-05  the same inputs give the same plan.
 * The same checks run on cwp_decide for arbitrary pairs, and the write policy
 * (cwp_policy_decide, APPLY-01..04) and cwp_write_body are checked against a
 * target state built from the input. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cwp/plan.h"
#include "fuzz_util.h"

#define MAX_RECS  8
#define BASE_TIME INT64_C(1700000000000)

typedef struct side {
	cwp_index *idx;
	cwp_record recs[MAX_RECS];
	size_t n;
} side;

static const char *const pool_tmdb[] = {"1", "2", "3"};
static const char *const pool_imdb[] = {"tt1", "tt2", "tt0000003"};
static const char *const pool_tvdb[] = {"1", "2", "65"};
static const char *const pool_title[] = {"a", "B", "the matrix"};

static int64_t pick_ms(fuzz_reader *r)
{
	static const int64_t table[] = {0,     1,     999,   1000,  1001,   29999,  30000,
					30001, 59999, 60000, 60001, 120000, 3600000};
	uint8_t how = fuzz_u8(r);
	if (how < 128)
		return table[how % (sizeof(table) / sizeof(table[0]))];
	return (int64_t)(fuzz_u32(r) % 20000000u);
}

static double pick_percent(fuzz_reader *r)
{
	static const double table[] = {0,    0.05,  0.1, 1,     50,  50.05,
				       50.1, 94.99, 95,  95.01, 100, 120};
	uint8_t how = fuzz_u8(r);
	if (how < 128)
		return table[how % (sizeof(table) / sizeof(table[0]))];
	return (double)(fuzz_u32(r) % 12001) / 100.0;
}

static int64_t pick_time(fuzz_reader *r)
{
	/* seconds apart around the tolerance, or far apart */
	static const int64_t table[] = {0, 1, 999, 1000, 29999, 30000, 30001, 300000, 300001};
	uint8_t how = fuzz_u8(r);
	int64_t off = (how & 0x80) ? (int64_t)(fuzz_u32(r) % 100000000u)
				   : table[how % (sizeof(table) / sizeof(table[0]))];
	return (how & 0x40) ? BASE_TIME - off : BASE_TIME + off;
}

static void pick_record(cwp_record *rec, fuzz_reader *r)
{
	uint8_t f = fuzz_u8(r), g = fuzz_u8(r);

	memset(rec, 0, sizeof(*rec));
	rec->type = (f & 1) ? CWP_TYPE_EPISODE : CWP_TYPE_MOVIE;
	rec->title = pool_title[fuzz_below(r, 3)];
	if (f & 2)
		rec->ids[CWP_ID_TMDB] = pool_tmdb[fuzz_below(r, 3)];
	if (f & 4)
		rec->ids[CWP_ID_IMDB] = pool_imdb[fuzz_below(r, 3)];
	if (f & 8)
		rec->ids[CWP_ID_TVDB] = pool_tvdb[fuzz_below(r, 3)];
	if (rec->type == CWP_TYPE_EPISODE) {
		if (f & 16)
			rec->show_ids[CWP_ID_TVDB] = pool_tvdb[fuzz_below(r, 3)];
		if (f & 32)
			rec->show_ids[CWP_ID_TMDB] = pool_tmdb[fuzz_below(r, 3)];
		rec->has_season = (g & 1) != 0;
		rec->season = (int32_t)fuzz_below(r, 3);
		rec->has_episode = (g & 2) != 0;
		rec->episode = (int32_t)fuzz_below(r, 3);
	} else {
		rec->has_year = (g & 1) != 0;
		rec->year = 1999 + (int32_t)fuzz_below(r, 2);
	}
	rec->has_progress_ms = (g & 4) != 0;
	if (rec->has_progress_ms)
		rec->progress_ms = pick_ms(r);
	rec->has_duration_ms = (g & 8) != 0;
	if (rec->has_duration_ms)
		rec->duration_ms = 1 + pick_ms(r) * (1 + fuzz_below(r, 4));
	rec->has_progress_percent = (g & 16) != 0;
	if (rec->has_progress_percent)
		rec->progress_percent = pick_percent(r);
	rec->has_progress_at = (g & 32) != 0;
	if (rec->has_progress_at)
		rec->progress_at = pick_time(r);
	rec->has_played = (g & 64) != 0;
	rec->played = (g & 128) != 0;
	rec->item_id = (f & 64) ? "100" : "200";
}

static void pick_config(cwp_config *c, fuzz_reader *r)
{
	static const int64_t secs[] = {0, 1, 30, 60, 61, 300};
	uint8_t f = fuzz_u8(r);
	cwp_config def = CWP_CONFIG_INIT;

	*c = def;
	c->enable = (f & 7) != 0; /* mostly on */
	c->add = (f & 8) == 0 || (f & 16) != 0;
	c->remove = (f & 32) != 0;
	c->replay_enabled = (f & 64) != 0;
	c->propagate_timestamp_updates = (f & 128) != 0;
	f = fuzz_u8(r);
	c->mode = (f & 1) ? CWP_MODE_TWO_WAY : CWP_MODE_ONE_WAY;
	c->source_of_truth = (f & 2) ? CWP_TRUTH_DESTINATION : CWP_TRUTH_SOURCE;
	c->min_seconds = secs[fuzz_below(r, 6)];
	c->delta_seconds = secs[fuzz_below(r, 6)];
	c->max_percent = (f & 4) ? pick_percent(r) : (double)fuzz_below(r, 101);
	if (c->max_percent > 100)
		c->max_percent = 100;
	c->max_percent_min_duration_seconds = (f & 8) ? secs[fuzz_below(r, 6)] * 10 : 0;
	c->timestamp_tolerance_seconds = secs[fuzz_below(r, 6)];
}

/* Progress by the SPEC's words, written independently of plan.c. */
static int ms_known(const cwp_record *r)
{
	return r && r->has_progress_ms && r->progress_ms >= 0;
}

static int pct_known(const cwp_record *r)
{
	return r && r->has_progress_percent && r->progress_percent >= 0;
}

static int explicit_zero(const cwp_record *r)
{
	return ms_known(r) ? r->progress_ms == 0 : (pct_known(r) && r->progress_percent == 0);
}

static int positive(const cwp_record *r)
{
	return ms_known(r) ? r->progress_ms > 0 : (pct_known(r) && r->progress_percent > 0);
}

static int percent_of(const cwp_record *r, double *out)
{
	if (ms_known(r) && r->has_duration_ms && r->duration_ms > 0)
		*out = (double)r->progress_ms / (double)r->duration_ms * 100.0;
	else if (pct_known(r))
		*out = r->progress_percent;
	else
		return 0;
	return 1;
}

/* PLAN-03 and PLAN-04 on one decision of src against dst (NULL = absent). */
static void check_decision(const cwp_decision *d, const cwp_record *src, const cwp_record *dst,
			   const cwp_config *cfg, const char *what)
{
	double p;

	FUZZ_CHECK(d->action == CWP_ACTION_SKIP || d->action == CWP_ACTION_UPSERT ||
		       d->action == CWP_ACTION_CLEAR,
		   "%s: action %d", what, (int)d->action);
	FUZZ_CHECK((int)d->reason >= 0 && d->reason < CWP_REASON__COUNT, "%s: reason %d", what,
		   (int)d->reason);
	if (d->action == CWP_ACTION_CLEAR) {
		FUZZ_CHECK(cfg->remove, "PLAN-03 %s: a clear with remove off", what);
		FUZZ_CHECK(explicit_zero(src),
			   "PLAN-03 %s: a clear from a source that is not an "
			   "explicit zero (ms %d/%lld, pct %d/%g)",
			   what, src->has_progress_ms, (long long)src->progress_ms,
			   src->has_progress_percent, src->progress_percent);
		FUZZ_CHECK(dst && positive(dst),
			   "PLAN-03 %s: a clear of a destination with no progress", what);
		if (src->has_progress_at && dst->has_progress_at)
			FUZZ_CHECK(dst->progress_at - src->progress_at <=
				       cfg->timestamp_tolerance_seconds * 1000,
				   "PLAN-03 %s: a clear erases newer destination progress", what);
	}
	if (d->action != CWP_ACTION_UPSERT)
		return;
	FUZZ_CHECK(cfg->add, "PLAN-04 %s: an upsert with add off", what);
	FUZZ_CHECK(positive(src), "PLAN-04 %s: an upsert from a source without positive progress",
		   what);
	if (ms_known(src))
		FUZZ_CHECK(src->progress_ms >= cfg->min_seconds * 1000,
			   "PLAN-04 %s: upsert of %lld ms below min_seconds %lld", what,
			   (long long)src->progress_ms, (long long)cfg->min_seconds);
	if (percent_of(src, &p)) {
		int exempt = cfg->max_percent_min_duration_seconds > 0 && src->has_duration_ms &&
			     src->duration_ms < cfg->max_percent_min_duration_seconds * 1000;
		FUZZ_CHECK(exempt || p < cfg->max_percent,
			   "PLAN-04 %s: upsert at %.17g%% with max_percent %.17g", what, p,
			   cfg->max_percent);
	}
	if (ms_known(src) && ms_known(dst)) {
		int64_t s = src->progress_ms, t = dst->progress_ms;
		FUZZ_CHECK(s != t, "PLAN-04 %s: upsert of an unchanged position", what);
		FUZZ_CHECK((s > t ? s - t : t - s) >= cfg->delta_seconds * 1000,
			   "PLAN-04 %s: upsert within delta (%lld vs %lld)", what, (long long)s,
			   (long long)t);
		if (s < t)
			FUZZ_CHECK(src->has_progress_at && dst->has_progress_at &&
				       (src->progress_at > dst->progress_at ||
					(src->progress_at == dst->progress_at &&
					 cfg->propagate_timestamp_updates)),
				   "PLAN-04 %s: regression %lld -> %lld ms without a newer source "
				   "timestamp (%d/%lld vs %d/%lld)",
				   what, (long long)t, (long long)s, src->has_progress_at,
				   (long long)src->progress_at, dst->has_progress_at,
				   (long long)dst->progress_at);
	}
}

static void check_plan(const cwp_plan *plan, const side *src, const side *dst,
		       const cwp_config *cfg)
{
	size_t ns = cwp_index_size(src->idx), nd = cwp_index_size(dst->idx);
	size_t n = cwp_plan_size(plan), i;
	size_t want = cfg->mode == CWP_MODE_TWO_WAY ? ns + nd : ns;

	if (!cfg->enable) {
		FUZZ_CHECK(cwp_plan_disabled(plan) && n == 0, "PLAN-01: disabled plan has %zu", n);
		return;
	}
	FUZZ_CHECK(!cwp_plan_disabled(plan), "an enabled plan is marked disabled");
	FUZZ_CHECK(n == want, "PLAN-02: %zu decisions for %zu source and %zu destination keys (%s)",
		   n, ns, nd, cfg->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way");
	for (i = 0; i < n; i++) {
		const cwp_decision *d = cwp_plan_at(plan, i);
		int fwd = i < ns;
		const cwp_index *from = fwd ? src->idx : dst->idx, *to = fwd ? dst->idx : src->idx;
		size_t pos = fwd ? i : i - ns;

		FUZZ_CHECK(d != NULL && d->src != NULL, "decision %zu has no source record", i);
		FUZZ_CHECK(d->direction == (fwd ? CWP_DIR_FORWARD : CWP_DIR_BACKWARD),
			   "decision %zu in the wrong direction", i);
		/* PLAN-02/05: the i-th key of the side written from, nothing else */
		FUZZ_CHECK(d->src == cwp_index_at(from, pos),
			   "PLAN-02: decision %zu is not for the %zu-th key of its source side", i,
			   pos);
		if (d->dst)
			FUZZ_CHECK(cwp_index_get(to, d->dst->key) == d->dst,
				   "decision %zu: destination record not from the other index", i);
		check_decision(d, d->src, d->dst, cfg, fwd ? "forward" : "backward");
	}
}

static void check_policy(const cwp_record *src, fuzz_reader *r, const cwp_config *cfg)
{
	cwp_target_state t;
	cwp_record trec;
	cwp_decision d;
	uint8_t f = fuzz_u8(r);
	double sp, tp;
	size_t bodysz;
	char *body;
	int rc;

	memset(&t, 0, sizeof(t));
	t.has_position = (f & 1) != 0;
	t.position_ms = pick_ms(r);
	t.has_duration = (f & 2) != 0;
	t.duration_ms = 1 + pick_ms(r) * (1 + fuzz_below(r, 4));
	t.has_last_played = (f & 4) != 0;
	t.last_played_at = pick_time(r);
	t.played = (f & 8) != 0;
	t.playing = (f & 16) != 0;

	memset(&trec, 0, sizeof(trec));
	trec.type = src->type;
	trec.has_progress_ms = t.has_position;
	trec.progress_ms = t.position_ms;
	trec.has_duration_ms = t.has_duration;
	trec.duration_ms = t.duration_ms;
	trec.has_progress_at = t.has_last_played;
	trec.progress_at = t.last_played_at;

	d = cwp_policy_decide(src, &t, cfg);
	check_decision(&d, src, &trec, cfg, "policy");
	if (d.action != CWP_ACTION_SKIP) {
		FUZZ_CHECK(!t.playing, "APPLY-01: a write to an item playing now");
		FUZZ_CHECK(!t.played || cfg->replay_enabled,
			   "APPLY-03: a write to a played item without replay_enabled");
		if (src->has_progress_at && t.has_last_played && !(t.played && cfg->replay_enabled))
			FUZZ_CHECK(t.last_played_at - src->progress_at <=
				       cfg->timestamp_tolerance_seconds * 1000,
				   "APPLY-02: a write over a newer target");
	}
	if (d.action == CWP_ACTION_UPSERT) {
		FUZZ_CHECK(d.write_ms > 0, "APPLY-05: upsert of %lld ms", (long long)d.write_ms);
		if (ms_known(src))
			FUZZ_CHECK(d.write_ms == src->progress_ms,
				   "upsert writes %lld, source has %lld", (long long)d.write_ms,
				   (long long)src->progress_ms);
		/* APPLY-04 names src_ms: a percent-only source (whose write_ms is
		 * computed from the target's duration) is held to the ratio rule. */
		if (t.has_position && ms_known(src))
			FUZZ_CHECK(llabs(d.write_ms - t.position_ms) > 1000,
				   "APPLY-04: upsert %lld over %lld", (long long)d.write_ms,
				   (long long)t.position_ms);
		if (percent_of(src, &sp) && percent_of(&trec, &tp))
			FUZZ_CHECK(fabs(sp - tp) > 0.1 - 1e-9,
				   "APPLY-04: upsert at %.17g%% over %.17g%%", sp, tp);
		FUZZ_CHECK(d.unwatch_first == (t.played && cfg->replay_enabled),
			   "APPLY-03: unwatch_first %d", d.unwatch_first);
	}

	/* The body: never written for a skip, never past the buffer. */
	bodysz = fuzz_below(r, 2) ? 128 : fuzz_below(r, 100);
	body = malloc(bodysz ? bodysz : 1);
	if (!body)
		abort();
	d.src = src;
	rc = cwp_write_body(body, bodysz, &d);
	if (d.action == CWP_ACTION_SKIP)
		FUZZ_CHECK(rc != CWP_OK, "APPLY-05: a body for a skip");
	else if (bodysz == 128)
		FUZZ_CHECK(rc == CWP_OK, "APPLY-05: no body in 128 bytes (%d)", rc);
	if (rc == CWP_OK) {
		FUZZ_CHECK(strlen(body) < bodysz, "body overflows");
		FUZZ_CHECK(strstr(body, "\"PlaybackPositionTicks\":") != NULL, "body %s", body);
		if (d.action == CWP_ACTION_CLEAR)
			FUZZ_CHECK(strcmp(body, "{\"PlaybackPositionTicks\":0}") == 0,
				   "clear body %s", body);
		if (!src->has_progress_at)
			FUZZ_CHECK(strstr(body, "LastPlayedDate") == NULL,
				   "APPLY-05: a LastPlayedDate for an unknown source time: %s",
				   body);
	}
	free(body);
}

static void build_side(side *s, fuzz_reader *r)
{
	size_t i;
	int rc = cwp_index_new(&s->idx);

	FUZZ_CHECK(rc == CWP_OK, "cwp_index_new gave %d", rc);
	s->n = fuzz_below(r, MAX_RECS + 1);
	for (i = 0; i < s->n; i++) {
		pick_record(&s->recs[i], r);
		rc = cwp_index_put(s->idx, &s->recs[i]);
		FUZZ_CHECK(rc == CWP_OK, "cwp_index_put gave %d (%s)", rc, cwp_error_last());
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reader r = {data, size};
	cwp_config cfg;
	side src, dst;
	cwp_plan *plan = NULL, *again = NULL;
	size_t i;
	int rc;

	pick_config(&cfg, &r);
	build_side(&src, &r);
	build_side(&dst, &r);

	rc = cwp_plan_new(&plan, src.idx, dst.idx, &cfg);
	FUZZ_CHECK(rc == CWP_OK, "cwp_plan_new gave %d (%s)", rc, cwp_error_last());
	check_plan(plan, &src, &dst, &cfg);

	/* PLAN-05: the same inputs, the same plan. */
	rc = cwp_plan_new(&again, src.idx, dst.idx, &cfg);
	FUZZ_CHECK(rc == CWP_OK && cwp_plan_size(again) == cwp_plan_size(plan),
		   "PLAN-05: a second plan differs in size");
	for (i = 0; i < cwp_plan_size(plan); i++) {
		const cwp_decision *a = cwp_plan_at(plan, i), *b = cwp_plan_at(again, i);
		FUZZ_CHECK(a->src == b->src && a->dst == b->dst && a->action == b->action &&
			       a->reason == b->reason && a->direction == b->direction,
			   "PLAN-05: decision %zu differs between two plans", i);
	}
	cwp_plan_free(again);
	cwp_plan_free(plan);

	/* cwp_decide on every pair, and the write policy on each source. */
	for (i = 0; i < src.n; i++) {
		size_t j;
		cwp_decision d = cwp_decide(&src.recs[i], NULL, &cfg);
		check_decision(&d, &src.recs[i], NULL, &cfg, "decide(src, absent)");
		for (j = 0; j < dst.n; j++) {
			d = cwp_decide(&src.recs[i], &dst.recs[j], &cfg);
			check_decision(&d, &src.recs[i], &dst.recs[j], &cfg, "decide");
		}
		check_policy(&src.recs[i], &r, &cfg);
	}

	cwp_index_free(src.idx);
	cwp_index_free(dst.idx);
	return 0;
}
