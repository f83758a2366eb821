/* Fuzz target: timestamps (UNIT-05..08), cwp_time_parse, cwp_time_from_json
 * and cwp_time_format.
 *
 * Checks, for the input as raw text: the result equals an independent
 * reference of the UNIT-05 grammar (both ways: nothing outside the grammar is
 * accepted, nothing inside it is refused, and the value is the same); the
 * output is untouched on failure; and format(parse(x)) parses back to the
 * same millisecond. The first 8 bytes also go through cwp_time_format as an
 * arbitrary instant and as the double of a JSON number node. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/parse.h"
#include "fuzz_util.h"

#define SENTINEL   INT64_C(-777)
#define MS_PER_DAY INT64_C(86400000)

enum { REF_INVALID, REF_ABSENT, REF_OK, REF_ZERO_DATE_TAIL };

/* Days since 1970-01-01 of a proleptic Gregorian date (any year >= 1). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* UNIT-05, written from SPEC.md independently of core/src/parse.c. */
static int ref_time(int64_t *out, const char *s, size_t len)
{
	int y, mo, d, h, mi, se, zh = 0, zm = 0, sign = 0;
	int64_t ms = 0;
	size_t i = 19;
	int zero_date;

	if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return REF_INVALID;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return REF_INVALID;
	zero_date = y == 1 && mo == 1 && d == 1 && h == 0 && mi == 0 && se == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    se > 59)
		return REF_INVALID;
	if (i < len && s[i] == '.') {
		size_t start = ++i;
		int scale = 100;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (i - start < 3) {
				ms += (s[i] - '0') * scale;
				scale /= 10;
			}
			i++;
		}
		if (i == start || i - start > 7)
			return zero_date ? REF_ZERO_DATE_TAIL : REF_INVALID;
	}
	if (i < len) {
		if (s[i] == 'Z' && i + 1 == len) {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			sign = s[i] == '-' ? -1 : 1;
			if (len - i == 6 && s[i + 3] == ':' && digits(s + i + 1, 2, &zh) &&
			    digits(s + i + 4, 2, &zm))
				i += 6;
			else if (len - i == 5 && digits(s + i + 1, 2, &zh) &&
				 digits(s + i + 3, 2, &zm))
				i += 5;
			else
				return zero_date ? REF_ZERO_DATE_TAIL : REF_INVALID;
			if (zh > 23 || zm > 59)
				return zero_date ? REF_ZERO_DATE_TAIL : REF_INVALID;
		} else {
			return zero_date ? REF_ZERO_DATE_TAIL : REF_INVALID;
		}
	}
	if (i != len)
		return zero_date ? REF_ZERO_DATE_TAIL : REF_INVALID;
	if (zero_date)
		return REF_ABSENT;
	ms += days_from_civil(y, mo, d) * MS_PER_DAY + (int64_t)(h * 3600 + mi * 60 + se) * 1000;
	ms -= (int64_t)sign * (zh * 3600 + zm * 60) * 1000;
	*out = ms;
	return REF_OK;
}

static void check_format(int64_t ms)
{
	char buf[CWP_TIME_BUFSZ];
	int64_t back = SENTINEL;
	int64_t lo = days_from_civil(1, 1, 1) * MS_PER_DAY;
	int64_t hi = days_from_civil(10000, 1, 1) * MS_PER_DAY - 1;
	int rc, rc2;
	size_t n, i;

	memset(buf, 'x', sizeof(buf));
	rc = cwp_time_format(buf, sizeof(buf), ms);
	if (ms >= lo && ms <= hi)
		FUZZ_CHECK(rc == CWP_OK, "cwp_time_format(%lld) failed (%d) inside years 1-9999",
			   (long long)ms, rc);
	else
		FUZZ_CHECK(rc != CWP_OK, "cwp_time_format(%lld) succeeded outside years 1-9999",
			   (long long)ms);
	if (rc != CWP_OK)
		return;
	n = strnlen(buf, sizeof(buf));
	FUZZ_CHECK(n == 28, "cwp_time_format(%lld) wrote %zu chars, not 28", (long long)ms, n);
	for (i = 0; i < 28; i++) {
		const char *shape = "dddd-dd-ddTdd:dd:dd.dddddddZ";
		if (shape[i] == 'd')
			FUZZ_CHECK(buf[i] >= '0' && buf[i] <= '9', "format %s: char %zu", buf, i);
		else
			FUZZ_CHECK(buf[i] == shape[i], "format %s: char %zu", buf, i);
	}
	FUZZ_CHECK(memcmp(buf + 23, "0000", 4) == 0, "format %s: sub-ms digits", buf);
	rc2 = cwp_time_parse(&back, buf, n);
	if (ms - lo < 1000) /* 0001-01-01T00:00:00, any fraction: Emby's zero date */
		FUZZ_CHECK(rc2 == CWP_EABSENT, "zero date %s parsed as %d", buf, rc2);
	else
		FUZZ_CHECK(rc2 == CWP_OK && back == ms, "%lld -> %s -> %d/%lld", (long long)ms, buf,
			   rc2, (long long)back);
}

static void check_text(const char *s, size_t len)
{
	int64_t got = SENTINEL, want = SENTINEL;
	int rc = cwp_time_parse(&got, s, len);
	int ref = ref_time(&want, s, len);

	FUZZ_CHECK(rc <= 0, "cwp_time_parse returned %d", rc);
	if (rc != CWP_OK)
		FUZZ_CHECK(got == SENTINEL, "cwp_time_parse wrote %lld on failure (%d)",
			   (long long)got, rc);
	switch (ref) {
	case REF_OK:
		FUZZ_CHECK(rc == CWP_OK && got == want,
			   "'%.*s': cwp_time_parse %d/%lld, expected %lld", (int)len, s, rc,
			   (long long)got, (long long)want);
		check_format(got);
		break;
	case REF_ABSENT:
		FUZZ_CHECK(rc == CWP_EABSENT, "zero date '%.*s' gave %d, not CWP_EABSENT", (int)len,
			   s, rc);
		break;
	case REF_ZERO_DATE_TAIL:
		FUZZ_CHECK(rc != CWP_OK, "'%.*s' accepted as %lld", (int)len, s, (long long)got);
		break;
	default:
		FUZZ_CHECK(rc != CWP_OK, "invalid timestamp (%zu bytes) accepted as %lld", len,
			   (long long)got);
	}
}

static void check_node(const cJSON *node)
{
	int64_t got = SENTINEL;
	int rc = cwp_time_from_json(&got, node);

	FUZZ_CHECK(rc <= 0, "cwp_time_from_json returned %d", rc);
	if (rc != CWP_OK)
		FUZZ_CHECK(got == SENTINEL, "cwp_time_from_json wrote %lld on failure (%d)",
			   (long long)got, rc);
	if (!node || cJSON_IsNull(node)) {
		FUZZ_CHECK(rc == CWP_EABSENT, "NULL/null timestamp gave %d", rc);
	} else if (cJSON_IsNumber(node)) {
		double d = node->valuedouble;
		if (rc == CWP_OK) {
			FUZZ_CHECK(isfinite(d) && d > 0 && floor(d) == d,
				   "timestamp number %.17g accepted as %lld", d, (long long)got);
			if (d >= 1e11)
				FUZZ_CHECK((double)got == d, "epoch ms %.17g became %lld", d,
					   (long long)got);
			else
				FUZZ_CHECK((double)got == d * 1000, "epoch s %.17g became %lld", d,
					   (long long)got);
		}
	} else if (cJSON_IsString(node)) {
		int64_t want = SENTINEL;
		int rc2 = cwp_time_parse(&want, node->valuestring, strlen(node->valuestring));
		FUZZ_CHECK(rc == rc2 && got == want,
			   "string node: from_json %d/%lld, parse %d/%lld", rc, (long long)got, rc2,
			   (long long)want);
	} else {
		FUZZ_CHECK(rc != CWP_OK, "timestamp node of type %d accepted", node->type);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	cJSON *root, *node, *child;
	char *cstr;

	check_text(text, size);

	root = cwp_json_parse(text, size);
	check_node(root);
	if (root && (cJSON_IsObject(root) || cJSON_IsArray(root))) {
		cJSON_ArrayForEach(child, root)
		{
			check_node(child);
		}
	}
	cJSON_Delete(root);

	cstr = fuzz_cstr(data, size);
	node = cJSON_CreateString(cstr);
	if (node)
		check_node(node);
	cJSON_Delete(node);
	free(cstr);

	if (size >= 8) {
		int64_t ms;
		double d;
		memcpy(&ms, data, sizeof(ms));
		check_format(ms);
		/* Instants near the valid range are the interesting ones. */
		check_format(ms % (INT64_C(400) * 366 * MS_PER_DAY));
		memcpy(&d, data, sizeof(d));
		node = fuzz_number_node(d);
		check_node(node);
		cJSON_Delete(node);
	}
	check_node(NULL);
	return 0;
}
