/* UNIT-05..08: timestamps. Absent or invalid is "unknown", never now, never 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "cwp/parse.h"

#define SENTINEL INT64_C(-777)
#define T2022    INT64_C(1655913445000) /* 2022-06-22T15:57:25Z */

static void expect_time(const char *s, int want_rc, int64_t want)
{
	int64_t v = SENTINEL;
	int rc = cwp_time_parse(&v, s, strlen(s));
	if (rc != want_rc)
		fail_msg("\"%s\": rc %d, expected %d", s, rc, want_rc);
	if (want_rc == CWP_OK && v != want)
		fail_msg("\"%s\": %lld ms, expected %lld", s, (long long)v, (long long)want);
	if (want_rc != CWP_OK && v != SENTINEL)
		fail_msg("\"%s\": output touched on error (%lld)", s, (long long)v);
}

static void time_fraction_digits_zero_to_seven(void **state)
{
	(void)state;
	expect_time("2022-06-22T15:57:25Z", CWP_OK, T2022);
	expect_time("2022-06-22T15:57:25.1Z", CWP_OK, T2022 + 100);
	expect_time("2022-06-22T15:57:25.12Z", CWP_OK, T2022 + 120);
	expect_time("2022-06-22T15:57:25.123Z", CWP_OK, T2022 + 123);
	expect_time("2022-06-22T15:57:25.1234Z", CWP_OK, T2022 + 123);
	expect_time("2022-06-22T15:57:25.12345Z", CWP_OK, T2022 + 123);
	expect_time("2022-06-22T15:57:25.123456Z", CWP_OK, T2022 + 123);
	expect_time("2022-06-22T15:57:25.1239999Z", CWP_OK, T2022 + 123); /* truncated */
	expect_time("2022-06-22T15:57:25.0000000Z", CWP_OK, T2022);
	expect_time("2022-06-22T15:57:25.12345678Z", CWP_EINVAL, 0); /* 8 digits */
	expect_time("2022-06-22T15:57:25.Z", CWP_EINVAL, 0);         /* 0 digits after '.' */
	expect_time("2022-06-22T15:57:25.", CWP_EINVAL, 0);
}

static void time_zones(void **state)
{
	(void)state;
	expect_time("2022-06-22T15:57:25", CWP_OK, T2022); /* no zone = UTC */
	expect_time("2022-06-22T15:57:25.5", CWP_OK, T2022 + 500);
	expect_time("2022-06-22T15:57:25+00:00", CWP_OK, T2022);
	expect_time("2022-06-22T15:57:25-00:00", CWP_OK, T2022);
	expect_time("2022-06-22T17:27:25+01:30", CWP_OK, T2022);
	expect_time("2022-06-22T17:27:25+0130", CWP_OK, T2022);
	expect_time("2022-06-22T10:57:25-05:00", CWP_OK, T2022);
	expect_time("2022-06-22T10:57:25-0500", CWP_OK, T2022);
	expect_time("2022-06-23T15:56:25+23:59", CWP_OK, T2022);
	expect_time("2022-06-22T17:27:25.123+01:30", CWP_OK, T2022 + 123);
	expect_time("2022-06-22T15:57:25+24:00", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25+01:60", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25+01", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25+1:00", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25+01:0", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25+01:000", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25ZZ", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25 Z", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25z", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:25Z ", CWP_EINVAL, 0);
}

static void time_calendar_and_epoch_edges(void **state)
{
	(void)state;
	expect_time("1970-01-01T00:00:00Z", CWP_OK, 0); /* a real instant, not absent */
	expect_time("1969-12-31T23:59:59Z", CWP_OK, -1000);
	expect_time("2024-02-29T23:59:59.999Z", CWP_OK, INT64_C(1709251199999));
	expect_time("2000-03-01T00:00:00Z", CWP_OK, INT64_C(951868800000));
	expect_time("1900-03-01T00:00:00Z", CWP_OK, INT64_C(-2203891200000));
	expect_time("9999-12-31T23:59:59.999Z", CWP_OK, INT64_C(253402300799999));
	expect_time("0001-01-01T00:00:01Z", CWP_OK, INT64_C(-62135596799000));
}

static void time_invalid_dates(void **state)
{
	(void)state;
	expect_time("2022-02-30T00:00:00Z", CWP_EINVAL, 0); /* Feb 30 */
	expect_time("2023-02-29T00:00:00Z", CWP_EINVAL, 0); /* not a leap year */
	expect_time("1900-02-29T00:00:00Z", CWP_EINVAL, 0); /* century, not leap */
	expect_time("2022-04-31T00:00:00Z", CWP_EINVAL, 0);
	expect_time("2022-13-01T00:00:00Z", CWP_EINVAL, 0); /* month 13 */
	expect_time("2022-00-01T00:00:00Z", CWP_EINVAL, 0);
	expect_time("2022-01-00T00:00:00Z", CWP_EINVAL, 0);
	expect_time("2022-01-32T00:00:00Z", CWP_EINVAL, 0);
	expect_time("2022-06-22T24:00:00Z", CWP_EINVAL, 0); /* hour 24 */
	expect_time("2022-06-22T23:60:00Z", CWP_EINVAL, 0);
	expect_time("2022-06-22T23:59:60Z", CWP_EINVAL, 0); /* no leap seconds */
	expect_time("0000-01-01T00:00:00Z", CWP_EINVAL, 0); /* year 0 */
	expect_time("", CWP_EINVAL, 0);
	expect_time("2022-06-22", CWP_EINVAL, 0);
	expect_time("2022-06-22 15:57:25Z", CWP_EINVAL, 0);
	expect_time("2022-06-22t15:57:25Z", CWP_EINVAL, 0);
	expect_time("22-06-22T15:57:25Z", CWP_EINVAL, 0);
	expect_time("2022-6-22T15:57:25Z", CWP_EINVAL, 0);
	expect_time("+2022-06-22T15:57:25Z", CWP_EINVAL, 0);
	expect_time("2022-06-22T15:57:2aZ", CWP_EINVAL, 0);
	expect_time("now", CWP_EINVAL, 0);
	expect_time(" 2022-06-22T15:57:25Z", CWP_EINVAL, 0);
}

static void time_zero_date_is_absent(void **state)
{
	(void)state;
	expect_time("0001-01-01T00:00:00", CWP_EABSENT, 0);
	expect_time("0001-01-01T00:00:00Z", CWP_EABSENT, 0);
	expect_time("0001-01-01T00:00:00.0000000Z", CWP_EABSENT, 0);
	expect_time("0001-01-01T00:00:00.000+00:00", CWP_EABSENT, 0);
	expect_time("0001-01-01T00:00:00-05:00", CWP_EABSENT, 0);
}

static void time_not_nul_terminated(void **state)
{
	(void)state;
	const char *s = "2022-06-22T15:57:25.123Z";
	char buf[64];
	int64_t v = SENTINEL;
	size_t n = strlen(s);
	memcpy(buf, s, n);
	memset(buf + n, '9', sizeof(buf) - n); /* digits after the end must not be read */
	assert_int_equal(cwp_time_parse(&v, buf, n), CWP_OK);
	assert_int_equal_dec(v, T2022 + 123);
	/* every proper prefix is invalid (or, cut after seconds, valid UTC) */
	for (size_t len = 0; len < n; len++) {
		v = SENTINEL;
		int rc = cwp_time_parse(&v, buf, len);
		if (len == 19 || len == 21 || len == 22 || len == 23)
			assert_int_equal(rc, CWP_OK);
		else if (rc != CWP_EINVAL)
			fail_msg("prefix of %zu bytes: rc %d", len, rc);
	}
	assert_int_equal(cwp_time_parse(&v, NULL, 0), CWP_EINVAL);
}

static int from_json(int64_t *out, const char *text)
{
	cJSON *root = cwp_json_parse(text, strlen(text));
	if (!root)
		fail_msg("test JSON does not parse: %s", text);
	int rc = cwp_time_from_json(out, cJSON_GetObjectItemCaseSensitive(root, "t"));
	cJSON_Delete(root);
	return rc;
}

static void expect_json(const char *text, int want_rc, int64_t want)
{
	int64_t v = SENTINEL;
	int rc = from_json(&v, text);
	if (rc != want_rc)
		fail_msg("%s: rc %d, expected %d", text, rc, want_rc);
	if (want_rc == CWP_OK && v != want)
		fail_msg("%s: %lld ms, expected %lld", text, (long long)v, (long long)want);
	if (want_rc != CWP_OK && v != SENTINEL)
		fail_msg("%s: output touched on error", text);
}

static void time_json_epoch_seconds_and_ms(void **state)
{
	(void)state;
	expect_json("{\"t\": \"2022-06-22T15:57:25.0000000Z\"}", CWP_OK, T2022);
	expect_json("{\"t\": 1655913445}", CWP_OK, T2022);                    /* seconds */
	expect_json("{\"t\": 1655913445000}", CWP_OK, T2022);                 /* ms */
	expect_json("{\"t\": 99999999999}", CWP_OK, INT64_C(99999999999000)); /* < 10^11: s */
	expect_json("{\"t\": 100000000000}", CWP_OK, INT64_C(100000000000));  /* 10^11: ms */
	expect_json("{\"t\": 1}", CWP_OK, 1000);
	expect_json("{\"t\": 253402300799999}", CWP_OK, INT64_C(253402300799999));
}

static void time_json_absent_and_invalid(void **state)
{
	(void)state;
	expect_json("{\"t\": null}", CWP_EABSENT, 0);
	expect_json("{\"u\": 1}", CWP_EABSENT, 0);
	expect_json("{\"t\": 0}", CWP_EABSENT, 0);
	expect_json("{\"t\": \"0001-01-01T00:00:00.0000000Z\"}", CWP_EABSENT, 0);
	expect_json("{\"t\": -1}", CWP_EINVAL, 0);
	expect_json("{\"t\": 1655913445.5}", CWP_EINVAL, 0);
	expect_json("{\"t\": 253402300800000}", CWP_EINVAL, 0); /* after year 9999 */
	expect_json("{\"t\": 1e300}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"yesterday\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"1655913445\"}", CWP_EINVAL, 0); /* epoch only as a number */
	expect_json("{\"t\": true}", CWP_EINVAL, 0);
	expect_json("{\"t\": {}}", CWP_EINVAL, 0);
	int64_t v = SENTINEL;
	assert_int_equal(cwp_time_from_json(&v, NULL), CWP_EABSENT);
	assert_int_equal_dec(v, SENTINEL);
}

static void time_format_seven_digits_utc(void **state)
{
	(void)state;
	char buf[CWP_TIME_BUFSZ];
	assert_int_equal(cwp_time_format(buf, sizeof(buf), T2022), CWP_OK);
	assert_string_equal(buf, "2022-06-22T15:57:25.0000000Z");
	assert_int_equal(cwp_time_format(buf, sizeof(buf), T2022 + 123), CWP_OK);
	assert_string_equal(buf, "2022-06-22T15:57:25.1230000Z");
	assert_int_equal(cwp_time_format(buf, sizeof(buf), 0), CWP_OK);
	assert_string_equal(buf, "1970-01-01T00:00:00.0000000Z");
	assert_int_equal(cwp_time_format(buf, sizeof(buf), -1), CWP_OK);
	assert_string_equal(buf, "1969-12-31T23:59:59.9990000Z");
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_C(253402300799999)), CWP_OK);
	assert_string_equal(buf, "9999-12-31T23:59:59.9990000Z");
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_C(-62135596800000)), CWP_OK);
	assert_string_equal(buf, "0001-01-01T00:00:00.0000000Z");
}

static void time_format_range_and_buffer(void **state)
{
	(void)state;
	char buf[CWP_TIME_BUFSZ];
	memcpy(buf, "untouched", 10);
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_C(253402300800000)), CWP_ERANGE);
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_C(-62135596800001)), CWP_ERANGE);
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_MIN), CWP_ERANGE);
	assert_int_equal(cwp_time_format(buf, sizeof(buf), INT64_MAX), CWP_ERANGE);
	assert_int_equal(cwp_time_format(buf, 28, T2022), CWP_ERANGE); /* needs 29 */
	assert_int_equal(cwp_time_format(buf, 29, T2022), CWP_OK);
	assert_string_equal(buf, "2022-06-22T15:57:25.0000000Z");
}

static void time_format_round_trip(void **state)
{
	(void)state;
	/* UNIT-07/08: format → parse gives the same ms, across the calendar */
	int64_t step = INT64_C(86400000) * 97 + 3600123 + 17;
	/* the first second of year 1 is Emby's zero date (absent): start after it */
	int64_t lo = INT64_C(-62135596800000) + 1001, hi = INT64_C(253402300799999);
	size_t n = 0;
	for (int64_t ms = lo; ms <= hi; ms += step, n++) {
		char buf[CWP_TIME_BUFSZ];
		int64_t back = SENTINEL;
		assert_int_equal(cwp_time_format(buf, sizeof(buf), ms), CWP_OK);
		assert_int_equal(strlen(buf), 28);
		int rc = cwp_time_parse(&back, buf, strlen(buf));
		if (rc != CWP_OK || back != ms)
			fail_msg("%lld → %s → rc %d, %lld", (long long)ms, buf, rc,
				 (long long)back);
	}
	assert_true(n > 30000);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(time_fraction_digits_zero_to_seven),
    cmocka_unit_test(time_zones),
    cmocka_unit_test(time_calendar_and_epoch_edges),
    cmocka_unit_test(time_invalid_dates),
    cmocka_unit_test(time_zero_date_is_absent),
    cmocka_unit_test(time_not_nul_terminated),
    cmocka_unit_test(time_json_epoch_seconds_and_ms),
    cmocka_unit_test(time_json_absent_and_invalid),
    cmocka_unit_test(time_format_seven_digits_utc),
    cmocka_unit_test(time_format_range_and_buffer),
    cmocka_unit_test(time_format_round_trip),
};

CWP_TEST_MAIN(tests)
