/* Configuration (SPEC §3): defaults, aliases, honoured zeros (CFG-01), errors
 * that name the key, the value and the range (CFG-02), unknown-key warnings. */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp_test.h"
#include "cwp/config.h"

struct wlog {
	char last[512];
};

static void sink(void *ud, const char *msg)
{
	struct wlog *l = ud;
	size_t n = strlen(msg);
	if (n >= sizeof(l->last))
		n = sizeof(l->last) - 1;
	memcpy(l->last, msg, n);
	l->last[n] = '\0';
}

static int parse(cwp_config *out, const char *text, cwp_warnings *w)
{
	return cwp_config_parse(out, text, strlen(text), w);
}

/* A config that differs from the defaults in every field, to show that a
 * failing parse leaves *out untouched. */
static cwp_config sentinel(void)
{
	cwp_config c = {false,
			false,
			true,
			7,
			8,
			9.5,
			10,
			11,
			true,
			true,
			CWP_MODE_TWO_WAY,
			CWP_TRUTH_DESTINATION};
	return c;
}

/* Field by field: padding bytes are not part of a config. */
static void assert_config_equal(const cwp_config *a, const cwp_config *b)
{
	if (a->enable != b->enable || a->add != b->add || a->remove != b->remove ||
	    a->min_seconds != b->min_seconds || a->delta_seconds != b->delta_seconds ||
	    a->max_percent != b->max_percent ||
	    a->max_percent_min_duration_seconds != b->max_percent_min_duration_seconds ||
	    a->timestamp_tolerance_seconds != b->timestamp_tolerance_seconds ||
	    a->replay_enabled != b->replay_enabled ||
	    a->propagate_timestamp_updates != b->propagate_timestamp_updates ||
	    a->mode != b->mode || a->source_of_truth != b->source_of_truth)
		fail_msg("configs differ (min_seconds %lld/%lld, max_percent %g/%g)",
			 (long long)a->min_seconds, (long long)b->min_seconds, a->max_percent,
			 b->max_percent);
}

static void assert_sentinel(const cwp_config *c)
{
	cwp_config s = sentinel();
	assert_config_equal(c, &s);
}

static void assert_error_names(const char *text, const char *needle1, const char *needle2,
			       const char *needle3)
{
	cwp_config c = sentinel();
	int rc = parse(&c, text, NULL);
	if (rc != CWP_ECONFIG)
		fail_msg("%s: rc %d, expected CWP_ECONFIG", text, rc);
	assert_sentinel(&c);
	const char *msg = cwp_error_last();
	if (needle1 && !strstr(msg, needle1))
		fail_msg("message '%s' does not name '%s'", msg, needle1);
	if (needle2 && !strstr(msg, needle2))
		fail_msg("message '%s' does not name '%s'", msg, needle2);
	if (needle3 && !strstr(msg, needle3))
		fail_msg("message '%s' does not name '%s'", msg, needle3);
}

static void config_defaults_without_progress_section(void **state)
{
	(void)state;
	cwp_config c = sentinel(), d = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{}", NULL), 0);
	assert_config_equal(&c, &d);
	c = sentinel();
	assert_int_equal(parse(&c, "{\"features\": {\"watchlist\": {}}}", NULL), 0);
	assert_config_equal(&c, &d);
	assert_true(d.enable && d.add && !d.remove);
	assert_int_equal_dec(d.min_seconds, 60);
	assert_int_equal_dec(d.delta_seconds, 30);
	assert_true(d.max_percent == 95.0);
	assert_int_equal_dec(d.max_percent_min_duration_seconds, 0);
	assert_int_equal_dec(d.timestamp_tolerance_seconds, 30);
	assert_false(d.replay_enabled);
	assert_false(d.propagate_timestamp_updates);
	assert_int_equal(d.mode, CWP_MODE_ONE_WAY);
	assert_int_equal(d.source_of_truth, CWP_TRUTH_SOURCE);
}

static void config_reads_features_progress(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(
	    parse(
		&c,
		"{\"features\": {\"progress\": {\"enable\": true, \"add\": false, \"remove\": true,"
		" \"min_seconds\": 120, \"delta_seconds\": 15, \"max_percent\": 90.5,"
		" \"max_percent_min_duration_seconds\": 600, \"timestamp_tolerance_seconds\": 300,"
		" \"replay_enabled\": true, \"propagate_timestamp_updates\": true,"
		" \"mode\": \"two-way\", \"source_of_truth\": \"destination\"}}}",
		NULL),
	    0);
	assert_false(c.add);
	assert_true(c.remove);
	assert_int_equal_dec(c.min_seconds, 120);
	assert_int_equal_dec(c.delta_seconds, 15);
	assert_true(c.max_percent == 90.5);
	assert_int_equal_dec(c.max_percent_min_duration_seconds, 600);
	assert_int_equal_dec(c.timestamp_tolerance_seconds, 300);
	assert_true(c.replay_enabled);
	assert_true(c.propagate_timestamp_updates);
	assert_int_equal(c.mode, CWP_MODE_TWO_WAY);
	assert_int_equal(c.source_of_truth, CWP_TRUTH_DESTINATION);
}

static void config_reads_bare_progress(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{\"progress\": {\"min_seconds\": 5}}", NULL), 0);
	assert_int_equal_dec(c.min_seconds, 5);
}

static void config_camel_case_aliases(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(
	    parse(&c,
		  "{\"progress\": {\"minSeconds\": 1, \"deltaSeconds\": 2, \"maxPercent\": 3,"
		  " \"maxPercentMinDurationSeconds\": 4, \"timestampToleranceSeconds\": 5,"
		  " \"replayEnabled\": true, \"propagateTimestampUpdates\": true,"
		  " \"sourceOfTruth\": \"destination\"}}",
		  NULL),
	    0);
	assert_int_equal_dec(c.min_seconds, 1);
	assert_int_equal_dec(c.delta_seconds, 2);
	assert_true(c.max_percent == 3.0);
	assert_int_equal_dec(c.max_percent_min_duration_seconds, 4);
	assert_int_equal_dec(c.timestamp_tolerance_seconds, 5);
	assert_true(c.replay_enabled);
	assert_true(c.propagate_timestamp_updates);
	assert_int_equal(c.source_of_truth, CWP_TRUTH_DESTINATION);
}

/* Decided: max_percent is kept to 6 decimals, so it survives to_json → parse. */
static void config_max_percent_kept_to_six_decimals(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{\"progress\": {\"max_percent\": 12.3456789}}", NULL), 0);
	assert_true(c.max_percent == 12.345679);
	assert_int_equal(parse(&c, "{\"progress\": {\"max_percent\": 99.9999999}}", NULL), 0);
	assert_true(c.max_percent == 100.0);
}

/* CFG-01: upstream replaces 0 by the default; here 0 is 0. */
static void config_zero_is_zero(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c,
			       "{\"progress\": {\"min_seconds\": 0, \"delta_seconds\": 0,"
			       " \"max_percent\": 0, \"timestamp_tolerance_seconds\": 0}}",
			       NULL),
			 0);
	assert_int_equal_dec(c.min_seconds, 0);
	assert_int_equal_dec(c.delta_seconds, 0);
	assert_true(c.max_percent == 0.0);
	assert_int_equal_dec(c.timestamp_tolerance_seconds, 0);
}

/* CFG-02: the message names the key, the value and the allowed range. */
static void config_negative_integer_is_error_naming_key_value_range(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"min_seconds\": -1}}", "min_seconds", "-1",
			   "0 to 2147483647");
	assert_error_names("{\"progress\": {\"deltaSeconds\": -5}}", "deltaSeconds", "-5",
			   "0 to 2147483647");
}

static void config_max_percent_out_of_range_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"max_percent\": 100.5}}", "max_percent", "100.5",
			   "0 to 100");
	assert_error_names("{\"progress\": {\"max_percent\": -0.1}}", "max_percent", "-0.1",
			   "0 to 100");
}

static void config_tolerance_above_300_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"timestamp_tolerance_seconds\": 301}}",
			   "timestamp_tolerance_seconds", "301", "0 to 300");
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{\"progress\": {\"timestamp_tolerance_seconds\": 300}}", NULL),
			 0);
	assert_int_equal_dec(c.timestamp_tolerance_seconds, 300);
}

static void config_wrong_type_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"min_seconds\": \"60\"}}", "min_seconds", "\"60\"",
			   "integer");
	assert_error_names("{\"progress\": {\"max_percent\": \"95\"}}", "max_percent", "\"95\"",
			   "0 to 100");
	assert_error_names("{\"progress\": {\"mode\": 2}}", "mode", "2", "one-way");
	assert_error_names("{\"progress\": {\"mode\": \"both\"}}", "mode", "both", "two-way");
	assert_error_names("{\"progress\": {\"source_of_truth\": \"left\"}}", "source_of_truth",
			   "left", "destination");
	assert_error_names("{\"progress\": {\"min_seconds\": [60]}}", "min_seconds", "[60]", NULL);
}

/* Decided (docs/CONFIG.md): booleans are JSON true/false only. */
static void config_boolean_as_string_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"remove\": \"true\"}}", "remove", "\"true\"",
			   "true or false");
	assert_error_names("{\"progress\": {\"add\": 1}}", "add", "1", "true or false");
	assert_error_names("{\"progress\": {\"enable\": 0}}", "enable", "0", "true or false");
}

/* Decided: 60.0 is the integer 60 (JSON has one number type), 60.5 is not. */
static void config_integral_double_is_integer_fraction_is_error(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{\"progress\": {\"min_seconds\": 60.0}}", NULL), 0);
	assert_int_equal_dec(c.min_seconds, 60);
	assert_int_equal(parse(&c, "{\"progress\": {\"min_seconds\": 6e1}}", NULL), 0);
	assert_int_equal_dec(c.min_seconds, 60);
	assert_error_names("{\"progress\": {\"min_seconds\": 60.5}}", "min_seconds", "60.5",
			   "integer");
	assert_error_names("{\"progress\": {\"delta_seconds\": 1e300}}", "delta_seconds", "1e+300",
			   "integer");
	assert_error_names("{\"progress\": {\"min_seconds\": 2147483648}}", "min_seconds",
			   "2147483648", "0 to 2147483647");
}

/* Decided: both spellings may be given only with equal values. */
static void config_both_spellings_must_agree(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(
	    parse(&c, "{\"progress\": {\"min_seconds\": 10, \"minSeconds\": 10.0}}", NULL), 0);
	assert_int_equal_dec(c.min_seconds, 10);
	assert_error_names("{\"progress\": {\"min_seconds\": 10, \"minSeconds\": 20}}",
			   "min_seconds", "minSeconds", NULL);
	assert_error_names("{\"progress\": {\"replay_enabled\": true, \"replayEnabled\": false}}",
			   "replay_enabled", "replayEnabled", NULL);
}

static void config_duplicate_member_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": {\"min_seconds\": 10, \"min_seconds\": 20}}",
			   "min_seconds", "twice", NULL);
}

/* Decided: null means "not set" (the default), as in CrossWatch. */
static void config_null_means_default(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	c.min_seconds = 1;
	assert_int_equal(parse(&c, "{\"progress\": {\"min_seconds\": null}}", NULL), 0);
	assert_int_equal_dec(c.min_seconds, 60);
}

static void config_unknown_key_warns(void **state)
{
	(void)state;
	struct wlog l = {{0}};
	cwp_warnings w = {0, sink, &l};
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(parse(&c, "{\"progress\": {\"min_secs\": 10, \"add\": false}}", &w), 0);
	assert_int_equal_dec(w.count, 1);
	assert_non_null(strstr(l.last, "min_secs"));
	assert_false(c.add);
	assert_int_equal_dec(c.min_seconds, 60);
	/* NULL warnings are accepted everywhere */
	assert_int_equal(parse(&c, "{\"progress\": {\"min_secs\": 10}}", NULL), 0);
}

static void config_not_json_or_not_object_is_error(void **state)
{
	(void)state;
	assert_error_names("{\"progress\": ", "JSON", NULL, NULL);
	assert_error_names("[1, 2]", "object", NULL, NULL);
	assert_error_names("{\"progress\": 5}", "progress", "object", NULL);
	assert_error_names("{\"features\": []}", "features", "object", NULL);
	assert_error_names("{\"features\": {\"progress\": true}}", "features.progress", "object",
			   NULL);
	cwp_config c = sentinel();
	assert_int_equal(cwp_config_from_json(&c, NULL, NULL), CWP_ECONFIG);
	assert_sentinel(&c);
}

/* The pair's top-level mode (CrossWatch shape) is read too; both must agree. */
static void config_pair_mode_is_read(void **state)
{
	(void)state;
	cwp_config c = CWP_CONFIG_INIT;
	assert_int_equal(
	    parse(&c, "{\"mode\": \"two-way\", \"features\": {\"progress\": {}}}", NULL), 0);
	assert_int_equal(c.mode, CWP_MODE_TWO_WAY);
	assert_error_names(
	    "{\"mode\": \"two-way\", \"features\": {\"progress\": {\"mode\": \"one-way\"}}}",
	    "mode", "two-way", "one-way");
}

static void config_to_json_roundtrips(void **state)
{
	(void)state;
	cwp_config a = sentinel(), b = CWP_CONFIG_INIT;
	a.max_percent = 12.25;
	cJSON *j0 = cwp_config_to_json(&a);
	cwp_config_from_json(&b, j0, NULL);
	cJSON_Delete(j0);
	assert_config_equal(&a, &b);
	/* values that 15 digits do not carry exactly, and the largest integers */
	a.max_percent = 12.345679;
	a.min_seconds = 2147483647;
	a.delta_seconds = 2147483647;
	a.max_percent_min_duration_seconds = 2147483647;
	cJSON *j = cwp_config_to_json(&a);
	assert_non_null(j);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "features"), "progress");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(p, "min_seconds"));
	assert_null(cJSON_GetObjectItemCaseSensitive(p, "minSeconds"));
	assert_int_equal(cwp_config_from_json(&b, j, NULL), 0);
	assert_config_equal(&a, &b);
	cJSON_Delete(j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(config_defaults_without_progress_section),
    cmocka_unit_test(config_reads_features_progress),
    cmocka_unit_test(config_reads_bare_progress),
    cmocka_unit_test(config_camel_case_aliases),
    cmocka_unit_test(config_max_percent_kept_to_six_decimals),
    cmocka_unit_test(config_zero_is_zero),
    cmocka_unit_test(config_negative_integer_is_error_naming_key_value_range),
    cmocka_unit_test(config_max_percent_out_of_range_is_error),
    cmocka_unit_test(config_tolerance_above_300_is_error),
    cmocka_unit_test(config_wrong_type_is_error),
    cmocka_unit_test(config_boolean_as_string_is_error),
    cmocka_unit_test(config_integral_double_is_integer_fraction_is_error),
    cmocka_unit_test(config_both_spellings_must_agree),
    cmocka_unit_test(config_duplicate_member_is_error),
    cmocka_unit_test(config_null_means_default),
    cmocka_unit_test(config_unknown_key_warns),
    cmocka_unit_test(config_not_json_or_not_object_is_error),
    cmocka_unit_test(config_pair_mode_is_read),
    cmocka_unit_test(config_to_json_roundtrips),
};

CWP_TEST_MAIN(tests)
