/* UNIT-01..04: tick values. A parse error is never zero (UNIT-03). */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "cwp/parse.h"

#define SENTINEL INT64_C(-777)

/* Parse s with an explicit length (inputs are not NUL-terminated). */
static int parse_str(int64_t *out, const char *s)
{
	return cwp_ticks_parse(out, s, strlen(s));
}

static void expect_ok(const char *s, int64_t want)
{
	int64_t v = SENTINEL;
	int rc = parse_str(&v, s);
	if (rc != CWP_OK)
		fail_msg("\"%s\": rc %d, expected CWP_OK", s, rc);
	assert_int_equal_dec(v, want);
}

static void expect_invalid(const char *s)
{
	int64_t v = SENTINEL;
	int rc = parse_str(&v, s);
	if (rc != CWP_EINVAL)
		fail_msg("\"%s\": rc %d, expected CWP_EINVAL", s, rc);
	/* UNIT-03: the output is untouched, never 0 */
	assert_int_equal_dec(v, SENTINEL);
}

static void ticks_string_digits_accepted(void **state)
{
	(void)state;
	expect_ok("0", 0);
	expect_ok("61021779859", INT64_C(61021779859));
	expect_ok("007", 7);
	expect_ok("9223372036854775807", INT64_MAX);
	expect_ok("9007199254740993", INT64_C(9007199254740993)); /* strings are exact */
}

static void ticks_string_invalid_never_zero(void **state)
{
	(void)state;
	expect_invalid("");
	expect_invalid("-1");
	expect_invalid("-0");
	expect_invalid("+5");
	expect_invalid("1.5");
	expect_invalid("10.0");
	expect_invalid("1e3");
	expect_invalid("1E3");
	expect_invalid(" 12");
	expect_invalid("12 ");
	expect_invalid("\t12");
	expect_invalid("12\n");
	expect_invalid("12a");
	expect_invalid("0x10");
	expect_invalid("9223372036854775808");  /* INT64_MAX + 1 */
	expect_invalid("18446744073709551616"); /* 2^64 */
	expect_invalid("99999999999999999999999999");
}

static void ticks_string_not_nul_terminated(void **state)
{
	(void)state;
	/* The parser must stop at len: "12" of "123", and never read past it. */
	char buf[3] = {'1', '2', '3'};
	int64_t v = SENTINEL;
	assert_int_equal(cwp_ticks_parse(&v, buf, 2), CWP_OK);
	assert_int_equal_dec(v, 12);
	v = SENTINEL;
	assert_int_equal(cwp_ticks_parse(&v, buf, 0), CWP_EINVAL);
	assert_int_equal_dec(v, SENTINEL);
	assert_int_equal(cwp_ticks_parse(&v, NULL, 0), CWP_EINVAL);
	assert_int_equal_dec(v, SENTINEL);
}

/* JSON node helper: parse `text` and return the value of member "t". */
static int from_json(int64_t *out, const char *text)
{
	cJSON *root = cwp_json_parse(text, strlen(text));
	if (!root)
		fail_msg("test JSON does not parse: %s", text);
	int rc = cwp_ticks_from_json(out, cJSON_GetObjectItemCaseSensitive(root, "t"));
	cJSON_Delete(root);
	return rc;
}

static void expect_json(const char *text, int want_rc, int64_t want)
{
	int64_t v = SENTINEL;
	int rc = from_json(&v, text);
	if (rc != want_rc)
		fail_msg("%s: rc %d, expected %d", text, rc, want_rc);
	assert_int_equal_dec(v, want_rc == CWP_OK ? want : SENTINEL);
}

static void ticks_json_integer_and_string(void **state)
{
	(void)state;
	expect_json("{\"t\": 61021779859}", CWP_OK, INT64_C(61021779859));
	expect_json("{\"t\": 0}", CWP_OK, 0);
	expect_json("{\"t\": \"61021779859\"}", CWP_OK, INT64_C(61021779859));
	expect_json("{\"t\": \"0\"}", CWP_OK, 0);
	/* 2^53 - 1: the largest integer a JSON number carries exactly */
	expect_json("{\"t\": 9007199254740991}", CWP_OK, INT64_C(9007199254740991));
	expect_json("{\"t\": \"9223372036854775807\"}", CWP_OK, INT64_MAX);
	/* cJSON keeps no lexeme: an integral number with an exponent is its value
	 * (documented in parse.h); as a string it is invalid (below) */
	expect_json("{\"t\": 1e3}", CWP_OK, 1000);
}

static void ticks_json_invalid_never_zero(void **state)
{
	(void)state;
	expect_json("{\"t\": -1}", CWP_EINVAL, 0);
	expect_json("{\"t\": -0}", CWP_EINVAL, 0);
	expect_json("{\"t\": 1.5}", CWP_EINVAL, 0);
	expect_json("{\"t\": 0.5}", CWP_EINVAL, 0);
	expect_json("{\"t\": 1.5e0}", CWP_EINVAL, 0);
	expect_json("{\"t\": 1e-3}", CWP_EINVAL, 0);
	/* above 2^53: a double cannot tell 2^53 from 2^53+1, so both are refused */
	expect_json("{\"t\": 9007199254740993}", CWP_EINVAL, 0);
	expect_json("{\"t\": 9007199254740992}", CWP_EINVAL, 0);
	expect_json("{\"t\": 1e300}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"1e3\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"-5\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \" 5\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": \"9223372036854775808\"}", CWP_EINVAL, 0);
	expect_json("{\"t\": true}", CWP_EINVAL, 0);
	expect_json("{\"t\": false}", CWP_EINVAL, 0);
	expect_json("{\"t\": []}", CWP_EINVAL, 0);
	expect_json("{\"t\": {}}", CWP_EINVAL, 0);
}

static void ticks_json_null_or_missing_is_absent(void **state)
{
	(void)state;
	expect_json("{\"t\": null}", CWP_EABSENT, 0);
	expect_json("{\"u\": 5}", CWP_EABSENT, 0); /* missing member: NULL node */
	int64_t v = SENTINEL;
	assert_int_equal(cwp_ticks_from_json(&v, NULL), CWP_EABSENT);
	assert_int_equal_dec(v, SENTINEL);
}

static void ticks_to_ms_floors(void **state)
{
	(void)state;
	assert_int_equal_dec(cwp_ticks_to_ms(0), 0);
	assert_int_equal_dec(cwp_ticks_to_ms(9999), 0);
	assert_int_equal_dec(cwp_ticks_to_ms(10000), 1);
	assert_int_equal_dec(cwp_ticks_to_ms(19999), 1);
	assert_int_equal_dec(cwp_ticks_to_ms(INT64_C(61021779859)), INT64_C(6102177));
	assert_int_equal_dec(cwp_ticks_to_ms(INT64_MAX), INT64_MAX / 10000);
}

static void ms_to_ticks_multiplies_and_checks_range(void **state)
{
	(void)state;
	int64_t t = SENTINEL;
	assert_int_equal(cwp_ms_to_ticks(&t, 0), CWP_OK);
	assert_int_equal_dec(t, 0);
	assert_int_equal(cwp_ms_to_ticks(&t, 720000), CWP_OK);
	assert_int_equal_dec(t, INT64_C(7200000000));
	assert_int_equal(cwp_ms_to_ticks(&t, INT64_MAX / 10000), CWP_OK);
	assert_int_equal_dec(t, (INT64_MAX / 10000) * 10000);
	t = SENTINEL;
	assert_int_equal(cwp_ms_to_ticks(&t, INT64_MAX / 10000 + 1), CWP_ERANGE);
	assert_int_equal(cwp_ms_to_ticks(&t, -1), CWP_ERANGE);
	assert_int_equal(cwp_ms_to_ticks(&t, INT64_MIN), CWP_ERANGE);
	assert_int_equal_dec(t, SENTINEL);
}

static void ticks_round_trip_through_ms(void **state)
{
	(void)state;
	/* UNIT-01: a written position reads back as the same ms */
	int64_t ms_values[] = {0, 1, 999, 61000, INT64_C(6102177), INT64_C(900719925474)};
	for (size_t i = 0; i < sizeof(ms_values) / sizeof(ms_values[0]); i++) {
		int64_t t;
		assert_int_equal(cwp_ms_to_ticks(&t, ms_values[i]), CWP_OK);
		assert_int_equal_dec(cwp_ticks_to_ms(t), ms_values[i]);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(ticks_string_digits_accepted),
    cmocka_unit_test(ticks_string_invalid_never_zero),
    cmocka_unit_test(ticks_string_not_nul_terminated),
    cmocka_unit_test(ticks_json_integer_and_string),
    cmocka_unit_test(ticks_json_invalid_never_zero),
    cmocka_unit_test(ticks_json_null_or_missing_is_absent),
    cmocka_unit_test(ticks_to_ms_floors),
    cmocka_unit_test(ms_to_ticks_multiplies_and_checks_range),
    cmocka_unit_test(ticks_round_trip_through_ms),
};

CWP_TEST_MAIN(tests)
