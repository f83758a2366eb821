/* Ticks and timestamps (SPEC §1, UNIT-01..08).
 *
 * Hand-written, bounds-checked parsers: every input is (pointer, length) and
 * is never read past its length (no NUL terminator is assumed), because these
 * functions read untrusted server text and are fuzz targets. On any result but
 * CWP_OK the output is left untouched, so an error can never become a 0
 * (UNIT-03). Calendar arithmetic is done by hand (proleptic Gregorian, the
 * algorithms of H. Hinnant's "chrono-compatible low-level date algorithms")
 * so that no timegm/gmtime and no local time zone is involved (UNIT-05). */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp/parse.h"

/* 2^53 - 1: the largest integer a double carries exactly. A JSON number above
 * it cannot be told apart from its neighbours once cJSON made it a double
 * (9007199254740993 reads as 2^53), so it is refused (UNIT-02). */
#define MAX_EXACT_DOUBLE 9007199254740991.0

#define MS_PER_DAY INT64_C(86400000)
/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z */
#define MIN_TIME_MS INT64_C(-62135596800000)
#define MAX_TIME_MS INT64_C(253402300799999)
/* UNIT-05: epoch integers at or above this are milliseconds, below seconds. */
#define EPOCH_MS_THRESHOLD 100000000000.0

int cwp_ticks_parse(int64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;

	if (!out || !s || len == 0)
		return CWP_EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)((unsigned char)s[i]) - (unsigned)'0';
		if (d > 9)
			return CWP_EINVAL;
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return CWP_EINVAL;
		v = v * 10 + d;
	}
	*out = (int64_t)v;
	return CWP_OK;
}

/* An integral, non-negative double that a JSON integer carried exactly. */
static bool exact_nonneg_integer(double d)
{
	return isfinite(d) && !signbit(d) && d <= MAX_EXACT_DOUBLE && d == floor(d);
}

int cwp_ticks_from_json(int64_t *out, const cJSON *node)
{
	if (!out)
		return CWP_EINVAL;
	if (!node || cJSON_IsNull(node))
		return CWP_EABSENT;
	if (cJSON_IsNumber(node)) {
		double d = node->valuedouble;
		if (!exact_nonneg_integer(d))
			return CWP_EINVAL;
		*out = (int64_t)d;
		return CWP_OK;
	}
	if (cJSON_IsString(node) && node->valuestring)
		return cwp_ticks_parse(out, node->valuestring, strlen(node->valuestring));
	return CWP_EINVAL;
}

int64_t cwp_ticks_to_ms(int64_t ticks)
{
	/* floor for ticks >= 0 (UNIT-01); negative ticks never pass the parsers,
	 * but keep floor semantics for them too rather than C's truncation. */
	if (ticks >= 0)
		return ticks / CWP_TICKS_PER_MS;
	return -((-(ticks + 1)) / CWP_TICKS_PER_MS) - 1;
}

int cwp_ms_to_ticks(int64_t *out, int64_t ms)
{
	if (!out || ms < 0 || ms > INT64_MAX / CWP_TICKS_PER_MS)
		return CWP_ERANGE;
	*out = ms * CWP_TICKS_PER_MS;
	return CWP_OK;
}

/* ---- Calendar --------------------------------------------------------- */

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Exactly n ASCII digits at s[0..n) (the caller checked the length). */
static bool fixed_digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)((unsigned char)s[i]) - (unsigned)'0';
		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int cwp_time_parse(int64_t *out_ms, const char *s, size_t len)
{
	unsigned year, mon, day, hour, min, sec, frac_ms = 0;
	int64_t offset_min = 0;
	size_t pos;

	if (!out_ms || !s || len < 19)
		return CWP_EINVAL;
	if (!fixed_digits(s, 4, &year) || s[4] != '-' || !fixed_digits(s + 5, 2, &mon) ||
	    s[7] != '-' || !fixed_digits(s + 8, 2, &day) || s[10] != 'T' ||
	    !fixed_digits(s + 11, 2, &hour) || s[13] != ':' || !fixed_digits(s + 14, 2, &min) ||
	    s[16] != ':' || !fixed_digits(s + 17, 2, &sec))
		return CWP_EINVAL;
	pos = 19;

	if (pos < len && s[pos] == '.') {
		size_t start = ++pos;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		size_t ndig = pos - start;
		if (ndig < 1 || ndig > 7)
			return CWP_EINVAL;
		/* truncate to ms (UNIT-08): the first three digits, zero-padded */
		for (size_t i = 0; i < 3; i++)
			frac_ms = frac_ms * 10 + (i < ndig ? (unsigned)(s[start + i] - '0') : 0);
	}

	if (pos < len) {
		char c = s[pos];
		unsigned zh, zm;
		if (c == 'Z') {
			if (pos + 1 != len)
				return CWP_EINVAL;
		} else if (c == '+' || c == '-') {
			size_t rest = len - pos - 1;
			const char *z = s + pos + 1;
			if (rest == 5 && z[2] == ':') {
				if (!fixed_digits(z, 2, &zh) || !fixed_digits(z + 3, 2, &zm))
					return CWP_EINVAL;
			} else if (rest == 4) {
				if (!fixed_digits(z, 2, &zh) || !fixed_digits(z + 2, 2, &zm))
					return CWP_EINVAL;
			} else {
				return CWP_EINVAL;
			}
			if (zh > 23 || zm > 59)
				return CWP_EINVAL;
			offset_min = (int64_t)(zh * 60 + zm);
			if (c == '-')
				offset_min = -offset_min;
		} else {
			return CWP_EINVAL;
		}
	}

	if (year < 1 || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) ||
	    hour > 23 || min > 59 || sec > 59)
		return CWP_EINVAL;

	/* Emby's "never": 0001-01-01T00:00:00 with any fraction or zone */
	if (year == 1 && mon == 1 && day == 1 && hour == 0 && min == 0 && sec == 0)
		return CWP_EABSENT;

	int64_t days = days_from_civil(year, mon, day);
	int64_t secs = days * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
	*out_ms = (secs - offset_min * 60) * 1000 + frac_ms;
	return CWP_OK;
}

int cwp_time_from_json(int64_t *out_ms, const cJSON *node)
{
	if (!out_ms)
		return CWP_EINVAL;
	if (!node || cJSON_IsNull(node))
		return CWP_EABSENT;
	if (cJSON_IsString(node) && node->valuestring)
		return cwp_time_parse(out_ms, node->valuestring, strlen(node->valuestring));
	if (cJSON_IsNumber(node)) {
		double d = node->valuedouble;
		if (d == 0.0)
			return CWP_EABSENT; /* epoch 0: the numeric "never" */
		if (!exact_nonneg_integer(d))
			return CWP_EINVAL;
		int64_t v = (int64_t)d;
		int64_t ms = d >= EPOCH_MS_THRESHOLD ? v : v * 1000;
		if (ms > MAX_TIME_MS)
			return CWP_EINVAL;
		*out_ms = ms;
		return CWP_OK;
	}
	return CWP_EINVAL;
}

static void put_digits(char *p, unsigned v, size_t n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int cwp_time_format(char *buf, size_t bufsz, int64_t ms)
{
	static const size_t need = 29; /* YYYY-MM-DDTHH:MM:SS.fffffffZ + NUL */
	int64_t y;
	unsigned m, d;

	if (!buf || bufsz < need || ms < MIN_TIME_MS || ms > MAX_TIME_MS)
		return CWP_ERANGE;
	int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	unsigned msec = (unsigned)(rem % 1000), s = (unsigned)(rem / 1000);
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, s / 3600, 2);
	buf[13] = ':';
	put_digits(buf + 14, s / 60 % 60, 2);
	buf[16] = ':';
	put_digits(buf + 17, s % 60, 2);
	buf[19] = '.';
	put_digits(buf + 20, msec, 3);
	memcpy(buf + 23, "0000Z", 6); /* the NUL included */
	return CWP_OK;
}
