/* The planner (SPEC §4, §6): cwp_decide boundaries, plan order, PLAN-01/02/05
 * and the two-way merge (TWO-01). The conformance vectors repeat most of
 * these as data; here they pin the C API. */
#include <string.h>

#include "cwp_test.h"
#include "cwp/plan.h"

#define T0 1700000000000LL /* a known instant, ms */

static cwp_record rec(const char *key, int64_t ms)
{
	cwp_record r;
	memset(&r, 0, sizeof(r));
	r.key = key;
	r.type = CWP_TYPE_MOVIE;
	r.title = "t";
	if (ms >= 0) {
		r.progress_ms = ms;
		r.has_progress_ms = true;
	}
	return r;
}

static cwp_record with_dur(cwp_record r, int64_t dur)
{
	r.duration_ms = dur;
	r.has_duration_ms = true;
	return r;
}

static cwp_record with_at(cwp_record r, int64_t at)
{
	r.progress_at = at;
	r.has_progress_at = true;
	return r;
}

static cwp_record with_pct(cwp_record r, double pct)
{
	r.progress_percent = pct;
	r.has_progress_percent = true;
	return r;
}

#define expect(d, act, why)                                                               \
	do {                                                                              \
		cwp_decision d_ = (d);                                                    \
		if (d_.action != (act) || d_.reason != (why))                             \
			fail_msg("got %s/%s, expected %s/%s", cwp_action_name(d_.action), \
				 cwp_reason_name(d_.reason), cwp_action_name(act),        \
				 cwp_reason_name(why));                                   \
	} while (0)

#define SKIP   CWP_ACTION_SKIP
#define UPSERT CWP_ACTION_UPSERT
#define CLEAR  CWP_ACTION_CLEAR

static void reason_and_action_names_roundtrip(void **state)
{
	(void)state;
	for (int r = 0; r < CWP_REASON__COUNT; r++) {
		const char *n = cwp_reason_name((cwp_reason)r);
		assert_non_null(n);
		assert_int_equal_dec(cwp_reason_from_name(n), r);
	}
	assert_string_equal(cwp_reason_name(CWP_REASON_WOULD_REGRESS), "would_regress");
	assert_string_equal(cwp_reason_name(CWP_REASON_EXPLICIT_ZERO), "explicit_zero");
	assert_int_equal_dec(cwp_reason_from_name("no_such_reason"), -1);
	assert_string_equal(cwp_action_name(UPSERT), "upsert");
	assert_int_equal_dec(cwp_action_from_name("clear"), CLEAR);
	assert_int_equal_dec(cwp_action_from_name("delete"), -1);
	assert_string_equal(cwp_direction_name(CWP_DIR_BACKWARD), "backward");
}

/* PLAN-04: neither a valid progress_ms nor a progress_percent. */
static void decide_source_without_progress_is_no_progress(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.remove = true;
	cwp_record s = rec("k", -1), d = rec("k", 600000);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_NO_PROGRESS);
	expect(cwp_decide(&s, NULL, &c), SKIP, CWP_REASON_NO_PROGRESS);
}

/* PLAN-03 in order: remove_disabled, nothing_to_clear, destination_newer, clear. */
static void decide_explicit_zero_order(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = with_at(rec("k", 0), T0), d = with_at(rec("k", 600000), T0);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_REMOVE_DISABLED);
	c.remove = true;
	expect(cwp_decide(&s, &d, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
	expect(cwp_decide(&s, NULL, &c), SKIP, CWP_REASON_NOTHING_TO_CLEAR);
	cwp_record d0 = rec("k", 0);
	expect(cwp_decide(&s, &d0, &c), SKIP, CWP_REASON_NOTHING_TO_CLEAR);
	cwp_record dn = rec("k", -1);
	expect(cwp_decide(&s, &dn, &c), SKIP, CWP_REASON_NOTHING_TO_CLEAR);
	/* newer by exactly the tolerance: still cleared; by 1 ms more: kept */
	d = with_at(rec("k", 600000), T0 + 30000);
	expect(cwp_decide(&s, &d, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
	d = with_at(rec("k", 600000), T0 + 30001);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_DESTINATION_NEWER);
	/* unknown source timestamp: never destination_newer */
	cwp_record su = rec("k", 0);
	expect(cwp_decide(&su, &d, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
	/* add:false does not touch clears */
	c.add = false;
	expect(cwp_decide(&su, &d, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
}

/* PLAN-03: a percent of 0 clears only when progress_ms is absent. */
static void decide_percent_zero_clears_only_without_ms(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.remove = true;
	cwp_record s = with_pct(rec("k", -1), 0), d = rec("k", 600000);
	expect(cwp_decide(&s, &d, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
	cwp_record s2 = with_pct(rec("k", 120000), 0);
	expect(cwp_decide(&s2, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	cwp_record dp = with_pct(rec("k", -1), 12.5);
	expect(cwp_decide(&s, &dp, &c), CLEAR, CWP_REASON_EXPLICIT_ZERO);
}

static void decide_below_min_boundary(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = rec("k", 59999);
	expect(cwp_decide(&s, NULL, &c), SKIP, CWP_REASON_BELOW_MIN);
	s = rec("k", 60000);
	expect(cwp_decide(&s, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	c.min_seconds = 0;
	s = rec("k", 1);
	expect(cwp_decide(&s, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	/* percent-only: min_seconds cannot apply */
	c.min_seconds = 60;
	cwp_record p = with_pct(rec("k", -1), 0.5);
	expect(cwp_decide(&p, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
}

static void decide_near_complete_boundary(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = with_dur(rec("k", 5700000), 6000000); /* exactly 95 % */
	expect(cwp_decide(&s, NULL, &c), SKIP, CWP_REASON_NEAR_COMPLETE);
	s = with_dur(rec("k", 5699999), 6000000);
	expect(cwp_decide(&s, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	cwp_record p = with_pct(rec("k", -1), 95.0);
	expect(cwp_decide(&p, NULL, &c), SKIP, CWP_REASON_NEAR_COMPLETE);
	/* ms and duration win over a stored percent */
	cwp_record m = with_pct(with_dur(rec("k", 600000), 6000000), 99.0);
	expect(cwp_decide(&m, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	/* no percent known: never cut off, even at max_percent 0 */
	c.max_percent = 0;
	cwp_record n = rec("k", 600000);
	expect(cwp_decide(&n, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	cwp_record z = with_dur(rec("k", 600000), 6000000);
	expect(cwp_decide(&z, NULL, &c), SKIP, CWP_REASON_NEAR_COMPLETE);
}

static void decide_near_complete_min_duration(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.max_percent_min_duration_seconds = 1200;
	cwp_record shortr = with_dur(rec("k", 1170000), 1199999);
	expect(cwp_decide(&shortr, NULL, &c), UPSERT, CWP_REASON_DESTINATION_MISSING);
	cwp_record exact = with_dur(rec("k", 1170000), 1200000);
	expect(cwp_decide(&exact, NULL, &c), SKIP, CWP_REASON_NEAR_COMPLETE);
	cwp_record unknown = with_pct(rec("k", 1170000), 97.5);
	expect(cwp_decide(&unknown, NULL, &c), SKIP, CWP_REASON_NEAR_COMPLETE);
}

/* PLAN-04 step 4: a side without progress_ms compares percents. */
static void decide_percent_comparison(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = with_pct(rec("k", -1), 40.1);
	cwp_record d = with_pct(rec("k", -1), 40.0);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_PERCENT_DIFFERS);
	d = with_pct(rec("k", -1), 40.05);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WITHIN_DELTA);
	/* destination percent from its ms and duration */
	cwp_record dm = with_dur(rec("k", 400000), 1000000);
	expect(cwp_decide(&s, &dm, &c), UPSERT, CWP_REASON_PERCENT_DIFFERS);
	cwp_record dm2 = with_dur(rec("k", 401000), 1000000);
	expect(cwp_decide(&s, &dm2, &c), SKIP, CWP_REASON_WITHIN_DELTA);
	/* destination ms without duration: no percent → upsert */
	cwp_record dx = rec("k", 401000);
	expect(cwp_decide(&s, &dx, &c), UPSERT, CWP_REASON_PERCENT_DIFFERS);
	c.add = false;
	expect(cwp_decide(&s, &dx, &c), SKIP, CWP_REASON_ADD_DISABLED);
}

/* PLAN-04 step 4: a side's percent is its stored progress_percent when it
 * has one, only else progress_ms / duration_ms (step 2 is the other way). */
static void decide_step4_stored_percent_first(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = with_pct(rec("k", -1), 50.0);
	/* destination stores 30 %, its ms / duration say 50 % */
	cwp_record d = with_pct(with_dur(rec("k", 600000), 1200000), 30.0);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_PERCENT_DIFFERS);
	/* destination stores 50 %, its ms / duration say 25 % */
	d = with_pct(with_dur(rec("k", 600000), 2400000), 50.0);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WITHIN_DELTA);
	/* the source's stored 70 % against a percent-only destination at 70 % */
	cwp_record s2 = with_pct(with_dur(rec("k", 600000), 1200000), 70.0);
	cwp_record d2 = with_pct(rec("k", -1), 70.0);
	expect(cwp_decide(&s2, &d2, &c), SKIP, CWP_REASON_WITHIN_DELTA);
	/* step 2 still uses ms / duration first: 50 %, not the stored 99 % */
	cwp_record s3 = with_pct(with_dur(rec("k", 600000), 1200000), 99.0);
	expect(cwp_decide(&s3, &d2, &c), UPSERT, CWP_REASON_PERCENT_DIFFERS);
}

static void decide_delta_boundary(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = rec("k", 629999), d = rec("k", 600000);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WITHIN_DELTA);
	s = rec("k", 630000);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_SOURCE_AHEAD);
	s = rec("k", 600000);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_UNCHANGED);
	c.delta_seconds = 0;
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_UNCHANGED);
	s = rec("k", 600001);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_SOURCE_AHEAD);
	/* a destination at an explicit 0 is compared, not missing */
	c.delta_seconds = 30;
	cwp_record d0 = rec("k", 0);
	expect(cwp_decide(&s, &d0, &c), UPSERT, CWP_REASON_SOURCE_AHEAD);
}

/* PLAN-04 step 7: behind needs a strictly newer source timestamp. */
static void decide_behind_needs_newer_timestamp(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record d = with_at(rec("k", 1200000), T0);
	cwp_record s = rec("k", 600000);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WOULD_REGRESS);
	s = with_at(rec("k", 600000), T0);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WOULD_REGRESS);
	s = with_at(rec("k", 600000), T0 + 1);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_SOURCE_NEWER);
	cwp_record du = rec("k", 1200000);
	expect(cwp_decide(&s, &du, &c), SKIP, CWP_REASON_WOULD_REGRESS);
	c.propagate_timestamp_updates = true;
	s = with_at(rec("k", 600000), T0);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_SOURCE_NEWER);
	s = with_at(rec("k", 600000), T0 - 1);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_WOULD_REGRESS);
	/* ahead: timestamps are not consulted */
	s = with_at(rec("k", 1800000), T0 - 86400000);
	expect(cwp_decide(&s, &d, &c), UPSERT, CWP_REASON_SOURCE_AHEAD);
}

static void decide_add_false_turns_every_upsert_into_add_disabled(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.add = false;
	cwp_record s = with_at(rec("k", 600000), T0 + 1);
	cwp_record d = with_at(rec("k", 1200000), T0);
	expect(cwp_decide(&s, NULL, &c), SKIP, CWP_REASON_ADD_DISABLED);
	expect(cwp_decide(&s, &d, &c), SKIP, CWP_REASON_ADD_DISABLED);
	cwp_record a = rec("k", 1800000);
	expect(cwp_decide(&a, &d, &c), SKIP, CWP_REASON_ADD_DISABLED);
	/* skips of the earlier steps keep their own reason */
	cwp_record b = rec("k", 1000);
	expect(cwp_decide(&b, &d, &c), SKIP, CWP_REASON_BELOW_MIN);
}

/* ---- plans over indexes ---------------------------------------------- */

static cwp_index *index_of(const cwp_record *rs, size_t n)
{
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cwp_index_put(idx, &rs[i]), 0);
	return idx;
}

static cwp_record movie(const char *tmdb, int64_t ms, int64_t at)
{
	cwp_record r = rec(NULL, ms);
	r.ids[CWP_ID_TMDB] = tmdb;
	if (at)
		r = with_at(r, at);
	return r;
}

static void plan_disabled_is_empty(void **state)
{
	(void)state;
	cwp_record s[] = {movie("1", 600000, 0)};
	cwp_index *src = index_of(s, 1), *dst = index_of(NULL, 0);
	cwp_config c = CWP_CONFIG_INIT;
	c.enable = false;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	assert_true(cwp_plan_disabled(p));
	assert_int_equal_dec(cwp_plan_size(p), 0);
	cwp_plan_free(p);
	c.enable = true;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	assert_false(cwp_plan_disabled(p));
	assert_int_equal_dec(cwp_plan_size(p), 1);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

/* PLAN-02: keys absent from the source get no decision, whatever the config. */
static void plan_absent_source_never_clears(void **state)
{
	(void)state;
	cwp_record s[] = {movie("1", 600000, T0)};
	cwp_record d[] = {movie("2", 600000, T0), movie("3", 0, T0), movie("1", 0, T0)};
	cwp_index *src = index_of(s, 1), *dst = index_of(d, 3);
	cwp_config c = CWP_CONFIG_INIT;
	c.remove = true;
	c.min_seconds = 0;
	c.delta_seconds = 0;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	assert_int_equal_dec(cwp_plan_size(p), 1);
	const cwp_decision *x = cwp_plan_at(p, 0);
	assert_string_equal(x->src->key, "tmdb:1");
	assert_int_equal(x->action, UPSERT);
	assert_non_null(x->dst);
	for (size_t i = 0; i < cwp_plan_size(p); i++)
		assert_int_not_equal(cwp_plan_at(p, i)->action, CLEAR);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void plan_decisions_in_key_order_forward_first(void **state)
{
	(void)state;
	cwp_record s[] = {movie("30", 600000, T0), movie("10", 600000, T0),
			  movie("20", 600000, T0)};
	cwp_record d[] = {movie("25", 900000, T0), movie("5", 900000, T0)};
	cwp_index *src = index_of(s, 3), *dst = index_of(d, 2);
	cwp_config c = CWP_CONFIG_INIT;
	c.mode = CWP_MODE_TWO_WAY;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	const char *want[] = {"tmdb:10", "tmdb:20", "tmdb:30", "tmdb:25", "tmdb:5"};
	cwp_direction dir[] = {CWP_DIR_FORWARD, CWP_DIR_FORWARD, CWP_DIR_FORWARD, CWP_DIR_BACKWARD,
			       CWP_DIR_BACKWARD};
	assert_int_equal_dec(cwp_plan_size(p), 5);
	for (size_t i = 0; i < 5; i++) {
		const cwp_decision *x = cwp_plan_at(p, i);
		if (strcmp(x->src->key, want[i]) || x->direction != dir[i])
			fail_msg("decision %zu: %s %s, expected %s %s", i, x->src->key,
				 cwp_direction_name(x->direction), want[i],
				 cwp_direction_name(dir[i]));
	}
	assert_null(cwp_plan_at(p, 5));
	cwp_plan_summary sum;
	cwp_plan_summarize(p, &sum);
	assert_int_equal_dec(sum.decisions, 5);
	assert_int_equal_dec(sum.upserts, 5);
	assert_int_equal_dec(sum.by_reason[CWP_REASON_DESTINATION_MISSING], 5);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

/* TWO-01: run one conflicting key through a two-way plan; returns the winner's
 * direction and checks that the loser got conflict_lost. */
static cwp_direction two_way_winner_p(cwp_record s, cwp_record d, cwp_truth truth, bool remove,
				      bool propagate)
{
	cwp_index *src = index_of(&s, 1), *dst = index_of(&d, 1);
	cwp_config c = CWP_CONFIG_INIT;
	c.mode = CWP_MODE_TWO_WAY;
	c.source_of_truth = truth;
	c.remove = remove;
	c.delta_seconds = 0;
	c.min_seconds = 0;
	c.propagate_timestamp_updates = propagate;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	assert_int_equal_dec(cwp_plan_size(p), 2);
	const cwp_decision *f = cwp_plan_at(p, 0), *b = cwp_plan_at(p, 1);
	assert_int_equal(f->direction, CWP_DIR_FORWARD);
	assert_int_equal(b->direction, CWP_DIR_BACKWARD);
	cwp_direction win = CWP_DIR_FORWARD;
	if (f->action != SKIP && b->action == SKIP && b->reason == CWP_REASON_CONFLICT_LOST)
		win = CWP_DIR_FORWARD;
	else if (b->action != SKIP && f->action == SKIP && f->reason == CWP_REASON_CONFLICT_LOST)
		win = CWP_DIR_BACKWARD;
	else
		fail_msg("no conflict resolution: forward %s/%s, backward %s/%s",
			 cwp_action_name(f->action), cwp_reason_name(f->reason),
			 cwp_action_name(b->action), cwp_reason_name(b->reason));
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
	return win;
}

static cwp_direction two_way_winner(cwp_record s, cwp_record d, cwp_truth truth, bool remove)
{
	return two_way_winner_p(s, d, truth, remove, false);
}

static void two_way_newer_timestamp_wins(void **state)
{
	(void)state;
	/* both want to write: percents differ, both sides percent-only */
	cwp_record s = with_at(with_pct(movie("1", -1, 0), 40), T0 + 1000);
	cwp_record d = with_at(with_pct(movie("1", -1, 0), 60), T0);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_DESTINATION, false), CWP_DIR_FORWARD);
	s = with_at(with_pct(movie("1", -1, 0), 40), T0 - 1000);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_SOURCE, false), CWP_DIR_BACKWARD);
}

/* Equal timestamps: the higher progress_ms wins, whatever source_of_truth says
 * (forward source_ahead against backward source_newer by propagation). */
static void two_way_higher_ms_wins_on_equal_timestamps(void **state)
{
	(void)state;
	cwp_record s = movie("1", 900000, T0), d = movie("1", 600000, T0);
	assert_int_equal(two_way_winner_p(s, d, CWP_TRUTH_DESTINATION, false, true),
			 CWP_DIR_FORWARD);
	s = movie("1", 300000, T0);
	assert_int_equal(two_way_winner_p(s, d, CWP_TRUTH_SOURCE, false, true), CWP_DIR_BACKWARD);
}

/* Without timestamps, without ms on one side and a percent on the other:
 * nothing orders the two, source_of_truth decides. */
static void two_way_source_of_truth_breaks_ties(void **state)
{
	(void)state;
	cwp_record s = movie("1", 900000, 0);
	cwp_record d = with_pct(movie("1", -1, 0), 50);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_DESTINATION, false), CWP_DIR_BACKWARD);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_SOURCE, false), CWP_DIR_FORWARD);
}

/* Only one side writes: no conflict, nothing is lost. */
static void two_way_one_writer_is_no_conflict(void **state)
{
	(void)state;
	cwp_record s = with_dur(movie("1", 900000, 0), 3600000);
	cwp_record d = with_dur(movie("1", 600000, 0), 3600000);
	cwp_index *src = index_of(&s, 1), *dst = index_of(&d, 1);
	cwp_config c = CWP_CONFIG_INIT;
	c.mode = CWP_MODE_TWO_WAY;
	c.source_of_truth = CWP_TRUTH_DESTINATION;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_new(&p, src, dst, &c), 0);
	expect(*cwp_plan_at(p, 0), UPSERT, CWP_REASON_SOURCE_AHEAD);
	expect(*cwp_plan_at(p, 1), SKIP, CWP_REASON_WOULD_REGRESS);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void two_way_higher_percent_then_truth(void **state)
{
	(void)state;
	cwp_record s = with_pct(movie("1", -1, T0), 40);
	cwp_record d = with_pct(movie("1", -1, T0), 60);
	/* equal timestamps, no ms: higher percent wins whatever the truth */
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_SOURCE, false), CWP_DIR_BACKWARD);
	s = with_pct(movie("1", -1, T0), 70);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_DESTINATION, false), CWP_DIR_FORWARD);
}

static void two_way_clear_against_upsert(void **state)
{
	(void)state;
	/* source explicitly cleared later than the destination's progress */
	cwp_record s = movie("1", 0, T0 + 60000);
	cwp_record d = movie("1", 600000, T0);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_DESTINATION, true), CWP_DIR_FORWARD);
	/* equal timestamps: source_of_truth */
	s = movie("1", 0, T0);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_DESTINATION, true), CWP_DIR_BACKWARD);
	assert_int_equal(two_way_winner(s, d, CWP_TRUTH_SOURCE, true), CWP_DIR_FORWARD);
}

static void plan_new_rejects_missing_arguments(void **state)
{
	(void)state;
	cwp_index *idx = index_of(NULL, 0);
	cwp_config c = CWP_CONFIG_INIT;
	cwp_plan *p = (cwp_plan *)&c;
	assert_int_equal(cwp_plan_new(&p, NULL, idx, &c), CWP_EINVAL);
	assert_int_equal(cwp_plan_new(&p, idx, idx, NULL), CWP_EINVAL);
	assert_int_equal(cwp_plan_new(NULL, idx, idx, &c), CWP_EINVAL);
	cwp_plan_free(NULL);
	cwp_index_free(idx);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(reason_and_action_names_roundtrip),
    cmocka_unit_test(decide_source_without_progress_is_no_progress),
    cmocka_unit_test(decide_explicit_zero_order),
    cmocka_unit_test(decide_percent_zero_clears_only_without_ms),
    cmocka_unit_test(decide_below_min_boundary),
    cmocka_unit_test(decide_near_complete_boundary),
    cmocka_unit_test(decide_near_complete_min_duration),
    cmocka_unit_test(decide_percent_comparison),
    cmocka_unit_test(decide_step4_stored_percent_first),
    cmocka_unit_test(decide_delta_boundary),
    cmocka_unit_test(decide_behind_needs_newer_timestamp),
    cmocka_unit_test(decide_add_false_turns_every_upsert_into_add_disabled),
    cmocka_unit_test(plan_disabled_is_empty),
    cmocka_unit_test(plan_absent_source_never_clears),
    cmocka_unit_test(plan_decisions_in_key_order_forward_first),
    cmocka_unit_test(two_way_newer_timestamp_wins),
    cmocka_unit_test(two_way_higher_ms_wins_on_equal_timestamps),
    cmocka_unit_test(two_way_source_of_truth_breaks_ties),
    cmocka_unit_test(two_way_one_writer_is_no_conflict),
    cmocka_unit_test(two_way_higher_percent_then_truth),
    cmocka_unit_test(two_way_clear_against_upsert),
    cmocka_unit_test(plan_new_rejects_missing_arguments),
};

CWP_TEST_MAIN(tests)
