/* The write policy (SPEC §5, APPLY-01..05): re-decision on fresh target state,
 * then active_session, target_newer, already_watched / unwatch_first,
 * progress_unchanged, and the UserData body. */
#include <string.h>

#include "cwp_test.h"
#include "cwp/plan.h"

#define T0 1700000000000LL /* 2023-11-14T22:13:20Z */

static cwp_record src_at(int64_t ms, int64_t at)
{
	cwp_record r;
	memset(&r, 0, sizeof(r));
	r.key = "tmdb:1";
	r.type = CWP_TYPE_MOVIE;
	if (ms >= 0) {
		r.progress_ms = ms;
		r.has_progress_ms = true;
	}
	if (at) {
		r.progress_at = at;
		r.has_progress_at = true;
	}
	return r;
}

static cwp_target_state target(int64_t pos, int64_t dur, int64_t last)
{
	cwp_target_state t;
	memset(&t, 0, sizeof(t));
	if (pos >= 0) {
		t.position_ms = pos;
		t.has_position = true;
	}
	if (dur > 0) {
		t.duration_ms = dur;
		t.has_duration = true;
	}
	if (last) {
		t.last_played_at = last;
		t.has_last_played = true;
	}
	return t;
}

#define expect(d, act, why)                                                               \
	do {                                                                              \
		cwp_decision d_ = (d);                                                    \
		if (d_.action != (act) || d_.reason != (why))                             \
			fail_msg("got %s/%s, expected %s/%s", cwp_action_name(d_.action), \
				 cwp_reason_name(d_.reason), cwp_action_name(act),        \
				 cwp_reason_name(why));                                   \
	} while (0)

/* §5: the §4 rules run again on what the target holds now. */
static void policy_redecides_on_fresh_target_state(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(0, 3600000, 0);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	expect(d, CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	assert_int_equal_dec(d.write_ms, 600000);
	assert_false(d.unwatch_first);
	assert_null(d.dst);
	assert_ptr_equal(d.src, &s);
	/* meanwhile someone watched further on the target (within the
	 * tolerance of the source's time): no regression */
	t = target(1200000, 3600000, T0 + 1000);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_WOULD_REGRESS);
	/* the target has no position at all */
	t = target(-1, 0, 0);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_UPSERT, CWP_REASON_DESTINATION_MISSING);
	t = target(610000, 0, 0);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_WITHIN_DELTA);
}

static void policy_active_session_skips(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(0, 3600000, 0);
	t.playing = true;
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_ACTIVE_SESSION);
}

/* APPLY-02: only LastPlayedDate counts, beyond the tolerance, both known. */
static void policy_target_newer_beyond_tolerance(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(0, 3600000, T0 + 30000);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	t = target(0, 3600000, T0 + 30001);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_TARGET_NEWER);
	/* unknown source timestamp never loses */
	cwp_record su = src_at(600000, 0);
	expect(cwp_policy_decide(&su, &t, &c), CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	/* played + replay: a newer play is the finished watch being replayed */
	t.played = true;
	c.replay_enabled = true;
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	expect(d, CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	assert_true(d.unwatch_first);
	/* played without replay: target_newer comes first */
	c.replay_enabled = false;
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_TARGET_NEWER);
	c.timestamp_tolerance_seconds = 0;
	t = target(0, 3600000, T0 + 1);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_TARGET_NEWER);
}

static void policy_played_target_needs_replay(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(0, 3600000, T0 - 86400000);
	t.played = true;
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_ALREADY_WATCHED);
	c.replay_enabled = true;
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	expect(d, CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	assert_true(d.unwatch_first);
	assert_int_equal_dec(d.write_ms, 600000);
}

/* APPLY-04: within 1000 ms, or ratios within 0.1 points. */
static void policy_progress_unchanged(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.delta_seconds = 0;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(599000, 0, 0);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_PROGRESS_UNCHANGED);
	t = target(598999, 0, 0);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
	/* 30 s apart in a 10 h item: 0.083 points */
	cwp_record l = src_at(6000000, T0);
	l.duration_ms = 36000000;
	l.has_duration_ms = true;
	t = target(5970000, 36000000, 0);
	expect(cwp_policy_decide(&l, &t, &c), CWP_ACTION_SKIP, CWP_REASON_PROGRESS_UNCHANGED);
	t = target(5960000, 36000000, 0);
	expect(cwp_policy_decide(&l, &t, &c), CWP_ACTION_UPSERT, CWP_REASON_SOURCE_AHEAD);
}

/* A percent-only source writes percent × the target's duration. */
static void policy_percent_only_source_needs_target_duration(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(-1, T0);
	s.progress_percent = 25.0;
	s.has_progress_percent = true;
	cwp_target_state t = target(-1, 3600000, 0);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	expect(d, CWP_ACTION_UPSERT, CWP_REASON_DESTINATION_MISSING);
	assert_int_equal_dec(d.write_ms, 900000);
	t = target(-1, 0, 0);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_NO_POSITION);
}

static void policy_clear_on_fresh_state(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.remove = true;
	cwp_record s = src_at(0, T0);
	cwp_target_state t = target(600000, 3600000, T0 - 1000);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	expect(d, CWP_ACTION_CLEAR, CWP_REASON_EXPLICIT_ZERO);
	assert_int_equal_dec(d.write_ms, 0);
	assert_false(d.unwatch_first);
	/* the target was cleared meanwhile */
	t = target(0, 3600000, T0 - 1000);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_NOTHING_TO_CLEAR);
	/* the target played on after the source cleared */
	t = target(600000, 3600000, T0 + 60000);
	expect(cwp_policy_decide(&s, &t, &c), CWP_ACTION_SKIP, CWP_REASON_DESTINATION_NEWER);
}

/* APPLY-05 */
static void write_body_upsert_has_ticks_and_unit07_date(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0 + 123);
	cwp_target_state t = target(0, 3600000, 0);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	char buf[128];
	assert_int_equal(cwp_write_body(buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "{\"PlaybackPositionTicks\":6000000000,"
				 "\"LastPlayedDate\":\"2023-11-14T22:13:20.1230000Z\"}");
}

static void write_body_omits_unknown_timestamp(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, 0);
	cwp_target_state t = target(0, 3600000, 0);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	char buf[128];
	assert_int_equal(cwp_write_body(buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "{\"PlaybackPositionTicks\":6000000000}");
}

static void write_body_clear_is_ticks_zero_only(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.remove = true;
	cwp_record s = src_at(0, T0);
	cwp_target_state t = target(600000, 3600000, T0 - 1000);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	char buf[128];
	assert_int_equal(cwp_write_body(buf, sizeof(buf), &d), 0);
	assert_string_equal(buf, "{\"PlaybackPositionTicks\":0}");
}

/* An upsert without a position is refused, never sent as 0 (a clear). */
static void write_body_refuses_skips_zero_upserts_small_buffers(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	cwp_record s = src_at(600000, T0);
	cwp_target_state t = target(0, 3600000, 0);
	cwp_decision d = cwp_policy_decide(&s, &t, &c);
	char buf[128];
	assert_int_equal(cwp_write_body(buf, 20, &d), CWP_ERANGE);
	cwp_decision bad = d;
	bad.write_ms = 0;
	assert_int_equal(cwp_write_body(buf, sizeof(buf), &bad), CWP_EINVAL);
	bad.action = CWP_ACTION_SKIP;
	bad.write_ms = 600000;
	assert_int_equal(cwp_write_body(buf, sizeof(buf), &bad), CWP_EINVAL);
	assert_int_equal(cwp_write_body(buf, sizeof(buf), NULL), CWP_EINVAL);
}

/* APPLY-09: journals keep the exact ticks the server sent; a state without
 * them (or with ticks that disagree with position_ms) falls back to ms. */
static void target_ticks_exact_when_known_else_from_ms(void **state)
{
	(void)state;
	cwp_target_state t;
	memset(&t, 0, sizeof(t));
	assert_int_equal_dec(cwp_target_ticks(&t), 0);
	t.has_position = true;
	t.position_ms = 600000;
	assert_int_equal_dec(cwp_target_ticks(&t), 6000000000LL);
	t.position_ticks = 6000001234LL;
	assert_int_equal_dec(cwp_target_ticks(&t), 6000001234LL);
	t.position_ticks = 7000000000LL; /* disagrees with position_ms */
	assert_int_equal_dec(cwp_target_ticks(&t), 6000000000LL);
	t.has_position = false;
	assert_int_equal_dec(cwp_target_ticks(&t), 0);
	assert_int_equal_dec(cwp_target_ticks(NULL), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(policy_redecides_on_fresh_target_state),
    cmocka_unit_test(policy_active_session_skips),
    cmocka_unit_test(policy_target_newer_beyond_tolerance),
    cmocka_unit_test(policy_played_target_needs_replay),
    cmocka_unit_test(policy_progress_unchanged),
    cmocka_unit_test(policy_percent_only_source_needs_target_duration),
    cmocka_unit_test(policy_clear_on_fresh_state),
    cmocka_unit_test(write_body_upsert_has_ticks_and_unit07_date),
    cmocka_unit_test(write_body_omits_unknown_timestamp),
    cmocka_unit_test(write_body_clear_is_ticks_zero_only),
    cmocka_unit_test(write_body_refuses_skips_zero_upserts_small_buffers),
    cmocka_unit_test(target_ticks_exact_when_known_else_from_ms),
};

CWP_TEST_MAIN(tests)
