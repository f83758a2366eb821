/* JSON output of records, shared by the index writer (index_json.c) and the
 * plan writer (plan_json.c): a growable buffer and the writers of strings,
 * numbers, id maps and whole records, byte for byte as cJSON prints them. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/cwp.h"
#include "json_write.h"

/* Decimal digits of v (v >= 0) into buf; returns the length. */
size_t cwp__fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

void cwp__jb_put_slow(cwp__jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 512;
		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return;
			}
			cap *= 2;
		}
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A JSON string, escaped as cJSON escapes (UTF-8 bytes are kept as they are). */
void cwp__jb_string(cwp__jbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	cwp__jb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		cwp__jb_put(b, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
			break;
		}
		cwp__jb_put(b, esc, n);
	}
	cwp__jb_put(b, run, (size_t)(s - run));
	cwp__jb_put(b, "\"", 1);
}

/* An integer: a JSON number while a double carries it exactly, else a string
 * of digits (which readers accept for every integer field). */
void cwp__jb_int(cwp__jbuf *b, int64_t v)
{
	char buf[24];
	size_t n;
	bool as_string = v > (int64_t)MAX_EXACT_DOUBLE;
	if (v < 0) {
		buf[0] = '-';
		n = 1 + cwp__fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		n = cwp__fmt_u64(buf, (uint64_t)v);
	}
	if (as_string)
		cwp__jb_put(b, "\"", 1);
	cwp__jb_put(b, buf, n);
	if (as_string)
		cwp__jb_put(b, "\"", 1);
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
void cwp__jb_double(cwp__jbuf *b, double d)
{
	char buf[32];
	if (!isfinite(d)) {
		cwp__jb_lit(b, "null");
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%.15g", d);
	char *end = NULL;
	if (strtod(buf, &end) != d || end != buf + n)
		n = snprintf(buf, sizeof(buf), "%.17g", d);
	cwp__jb_put(b, buf, (size_t)n);
}

void cwp__jb_name(cwp__jbuf *b, const char *name)
{
	cwp__jb_put(b, ",\"", 2);
	cwp__jb_lit(b, name);
	cwp__jb_put(b, "\":", 2);
}

void cwp__jb_ids(cwp__jbuf *b, const char *const ids[CWP_ID_COUNT])
{
	bool first = true;
	cwp__jb_put(b, "{", 1);
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!ids[k] || !ids[k][0])
			continue;
		if (!first)
			cwp__jb_put(b, ",", 1);
		first = false;
		cwp__jb_string(b, cwp_id_name((cwp_id_kind)k));
		cwp__jb_put(b, ":", 1);
		cwp__jb_string(b, ids[k]);
	}
	cwp__jb_put(b, "}", 1);
}

/* Record members after the opening brace, each preceded by ','; the caller
 * writes '{' (+ "key") and the record starts with "type". */
/* cJSON 1.7's print_number, byte for byte: a value that fits an int as %d,
 * else %1.15g unless that does not read back (within cJSON's epsilon), then
 * %1.17g. The plan JSON was printed by cJSON and keeps its bytes. */
void cwp__jb_cjson_number(cwp__jbuf *b, double d)
{
	char buf[32];
	int n;
	int vi = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	if (isnan(d) || isinf(d)) {
		cwp__jb_lit(b, "null");
		return;
	}
	if (d == (double)vi) {
		char tmp[16];
		size_t k = cwp__fmt_u64(tmp, (uint64_t)(vi < 0 ? -(int64_t)vi : vi));
		if (vi < 0)
			cwp__jb_put(b, "-", 1);
		cwp__jb_put(b, tmp, k);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%1.15g", d);
	/* cJSON reads it back with sscanf("%lg"); glibc's strtod gives the same
	 * correctly rounded double, faster */
	char *end = NULL;
	double back = strtod(buf, &end);
	if (end == buf ||
	    !(fabs(back - d) <= (fabs(back) > fabs(d) ? fabs(back) : fabs(d)) * DBL_EPSILON))
		n = snprintf(buf, sizeof(buf), "%1.17g", d);
	cwp__jb_put(b, buf, (size_t)n);
}

/* An integer field: cwp__jb_int, or in cJSON's form (CWP__JB_CJSON) for
 * the values cJSON prints otherwise (beyond int, up to 2^53). */
static void jb_int_field(cwp__jbuf *b, int64_t v, unsigned flags)
{
	if ((flags & CWP__JB_CJSON) && (v < INT_MIN || v > INT_MAX) &&
	    v <= (int64_t)MAX_EXACT_DOUBLE)
		cwp__jb_cjson_number(b, (double)v);
	else
		cwp__jb_int(b, v);
}

void cwp__jb_record(cwp__jbuf *b, const cwp_record *r, const char *const *item_ids, size_t n_ids,
		    unsigned flags)
{
	char ts[CWP_TIME_BUFSZ];

	cwp__jb_lit(b, "\"type\":");
	cwp__jb_lit(b, r->type == CWP_TYPE_EPISODE ? "\"episode\"" : "\"movie\"");
	cwp__jb_name(b, "title");
	if (r->title)
		cwp__jb_string(b, r->title);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "year");
	if (r->has_year)
		jb_int_field(b, r->year, flags);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "ids");
	cwp__jb_ids(b, r->ids);
	cwp__jb_name(b, "show_ids");
	cwp__jb_ids(b, r->show_ids);
	cwp__jb_name(b, "season");
	if (r->has_season)
		jb_int_field(b, r->season, flags);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "episode");
	if (r->has_episode)
		jb_int_field(b, r->episode, flags);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "progress_ms");
	if (r->has_progress_ms)
		jb_int_field(b, r->progress_ms, flags);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "duration_ms");
	if (r->has_duration_ms)
		jb_int_field(b, r->duration_ms, flags);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "progress_percent");
	if (r->has_progress_percent)
		if (flags & CWP__JB_CJSON)
			cwp__jb_cjson_number(b, r->progress_percent);
		else
			cwp__jb_double(b, r->progress_percent);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "progress_at");
	if (r->has_progress_at && cwp_time_format(ts, sizeof(ts), r->progress_at) == CWP_OK)
		cwp__jb_string(b, ts);
	else
		cwp__jb_lit(b, "null");
	cwp__jb_name(b, "played");
	cwp__jb_lit(b, !r->has_played ? "null" : r->played ? "true" : "false");
	cwp__jb_name(b, "item_id");
	if (r->item_id)
		cwp__jb_string(b, r->item_id);
	else
		cwp__jb_lit(b, "null");
	/* only when the versions are more than the kept record's own item id */
	if (n_ids > 1 || (n_ids == 1 && (!r->item_id || strcmp(r->item_id, item_ids[0]) != 0))) {
		cwp__jb_name(b, "item_ids");
		cwp__jb_put(b, "[", 1);
		for (size_t i = 0; i < n_ids; i++) {
			if (i)
				cwp__jb_put(b, ",", 1);
			cwp__jb_string(b, item_ids[i]);
		}
		cwp__jb_put(b, "]", 1);
	}
	cwp__jb_put(b, "}", 1);
}
