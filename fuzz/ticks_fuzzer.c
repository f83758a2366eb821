/* Fuzz target: tick values (UNIT-01..03), cwp_ticks_parse and
 * cwp_ticks_from_json.
 *
 * The input is used four ways: as the raw text of a tick string; as JSON text
 * whose value (and, for an object or array, every member) is a tick node; as
 * the value of a JSON string node; and its first 8 bytes as the double of a
 * JSON number node (NaN, infinities, -0, 2^53 + 1, huge values: the range
 * checks before the int64 conversion). Each result is checked against the
 * contract of cwp/parse.h and an independent reference of UNIT-02. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/parse.h"
#include "fuzz_util.h"

#define SENTINEL   INT64_C(-777)
#define TWO_POW_53 9007199254740992.0

/* UNIT-02 for strings: one or more ASCII digits, nothing else, fits int64. */
static int ref_ticks(int64_t *out, const char *s, size_t len)
{
	int64_t v = 0;
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		int d;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

static void check_string(const char *s, size_t len)
{
	int64_t got = SENTINEL, want = 0;
	int rc = cwp_ticks_parse(&got, s, len);
	int ok = ref_ticks(&want, s, len);

	FUZZ_CHECK(rc <= 0, "cwp_ticks_parse returned %d", rc);
	if (rc == CWP_OK) {
		FUZZ_CHECK(ok,
			   "cwp_ticks_parse accepted an invalid tick string (%zu bytes) as %lld",
			   len, (long long)got);
		FUZZ_CHECK(got == want, "cwp_ticks_parse gave %lld, expected %lld", (long long)got,
			   (long long)want);
	} else {
		FUZZ_CHECK(!ok, "cwp_ticks_parse rejected the valid tick string %.*s (rc %d)",
			   (int)len, s, rc);
		FUZZ_CHECK(got == SENTINEL, "cwp_ticks_parse wrote %lld on failure (rc %d)",
			   (long long)got, rc);
	}
}

/* UNIT-01: ms = floor(ticks / 10000); writes send ms * 10000. */
static void check_units(int64_t ticks)
{
	int64_t ms, back = SENTINEL;
	int rc;

	if (ticks < 0)
		return;
	ms = cwp_ticks_to_ms(ticks);
	FUZZ_CHECK(ms == ticks / CWP_TICKS_PER_MS, "cwp_ticks_to_ms(%lld) = %lld", (long long)ticks,
		   (long long)ms);
	rc = cwp_ms_to_ticks(&back, ms);
	FUZZ_CHECK(rc == CWP_OK, "cwp_ms_to_ticks(%lld) failed (%d)", (long long)ms, rc);
	FUZZ_CHECK(back <= ticks && ticks - back < CWP_TICKS_PER_MS,
		   "ticks %lld -> ms %lld -> ticks %lld", (long long)ticks, (long long)ms,
		   (long long)back);
}

static void check_node(const cJSON *node)
{
	int64_t got = SENTINEL;
	int rc = cwp_ticks_from_json(&got, node);

	FUZZ_CHECK(rc <= 0, "cwp_ticks_from_json returned %d", rc);
	if (rc != CWP_OK) {
		FUZZ_CHECK(got == SENTINEL, "cwp_ticks_from_json wrote %lld on failure (rc %d)",
			   (long long)got, rc);
	} else {
		FUZZ_CHECK(got >= 0, "cwp_ticks_from_json gave a negative value %lld",
			   (long long)got);
		check_units(got);
	}
	if (!node || cJSON_IsNull(node)) {
		FUZZ_CHECK(rc == CWP_EABSENT, "NULL or null tick node gave %d, not CWP_EABSENT",
			   rc);
	} else if (cJSON_IsNumber(node)) {
		double d = node->valuedouble;
		int valid = isfinite(d) && d >= 0 && d <= TWO_POW_53 && floor(d) == d;
		if (rc == CWP_OK) {
			FUZZ_CHECK(valid, "tick number %.17g accepted as %lld", d, (long long)got);
			FUZZ_CHECK((double)got == d, "tick number %.17g became %lld", d,
				   (long long)got);
		} else if (!(d == 0 && signbit(d)) && d != TWO_POW_53) {
			/* -0 and 2^53 itself are left to the parser: 2^53 is "not above
			 * 2^53" (parse.h) but is also what 2^53 + 1 reads as. */
			FUZZ_CHECK(!valid, "valid tick number %.17g rejected (rc %d)", d, rc);
		}
	} else if (cJSON_IsString(node)) {
		int64_t want = SENTINEL;
		int rc2 = cwp_ticks_parse(&want, node->valuestring, strlen(node->valuestring));
		FUZZ_CHECK((rc == CWP_OK) == (rc2 == CWP_OK) && got == want,
			   "string tick node: from_json %d/%lld, parse %d/%lld", rc, (long long)got,
			   rc2, (long long)want);
	} else {
		FUZZ_CHECK(rc != CWP_OK, "a tick node of type %d was accepted as %lld", node->type,
			   (long long)got);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	cJSON *root, *node, *child;
	char *cstr;

	/* 1. Raw tick string, exactly size bytes (no terminator to lean on). */
	check_string(text, size);
	{
		int64_t v = SENTINEL;
		if (cwp_ticks_parse(&v, text, size) == CWP_OK)
			check_units(v);
	}

	/* 2. JSON text: the value itself and its direct members. */
	root = cwp_json_parse(text, size);
	check_node(root);
	if (root && (cJSON_IsObject(root) || cJSON_IsArray(root))) {
		cJSON_ArrayForEach(child, root)
		{
			check_node(child);
		}
	}
	cJSON_Delete(root);

	/* 3. A JSON string node holding the input (up to its first NUL). */
	cstr = fuzz_cstr(data, size);
	node = cJSON_CreateString(cstr);
	if (node)
		check_node(node);
	cJSON_Delete(node);
	free(cstr);

	/* 4. A JSON number node with the first 8 bytes as a double. */
	if (size >= sizeof(double)) {
		double d;
		memcpy(&d, data, sizeof(d));
		node = fuzz_number_node(d);
		check_node(node);
		cJSON_Delete(node);
	}

	check_node(NULL);
	return 0;
}
