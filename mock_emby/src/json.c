/* JSON output of the mock: string literals and any cJSON value, written into
 * a growable buffer the way Emby writes them. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mock_emby__buf_json_str(mock_emby__buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s) {
		mock_emby__buf_put(b, "null", 4);
		return;
	}
	mock_emby__buf_put(b, "\"", 1);
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[7];
		size_t elen = 0;
		switch (*p) {
		case '"':
			elen = 2, esc[0] = '\\', esc[1] = '"';
			break;
		case '\\':
			elen = 2, esc[0] = '\\', esc[1] = '\\';
			break;
		case '\n':
			elen = 2, esc[0] = '\\', esc[1] = 'n';
			break;
		case '\r':
			elen = 2, esc[0] = '\\', esc[1] = 'r';
			break;
		case '\t':
			elen = 2, esc[0] = '\\', esc[1] = 't';
			break;
		default:
			if (*p < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[*p >> 4];
				esc[5] = hex[*p & 15];
				elen = 6;
			}
		}
		if (elen) {
			mock_emby__buf_put(b, run, (size_t)((const char *)p - run));
			mock_emby__buf_put(b, esc, elen);
			run = (const char *)p + 1;
		}
	}
	mock_emby__buf_puts(b, run);
	mock_emby__buf_put(b, "\"", 1);
}

/* The shortest %.Ng that strtod reads back as d: what .NET's round-trip
 * formatting prints (68.64153992274396, not 68.641539922743959). */
void mock_emby__buf_double(mock_emby__buf *b, double d)
{
	char buf[40];
	if (!isfinite(d)) {
		mock_emby__buf_put(b, "null", 4);
		return;
	}
	if (d == floor(d) && fabs(d) < 9007199254740992.0) {
		/* integers (ticks, years, indexes) as digits, without printf */
		char dig[24];
		size_t k = sizeof dig;
		uint64_t v = (uint64_t)fabs(d);
		do {
			dig[--k] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		if (d < 0)
			dig[--k] = '-';
		mock_emby__buf_put(b, dig + k, sizeof dig - k);
		return;
	}
	int n = 0;
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	mock_emby__buf_put(b, buf, (size_t)n);
}

void mock_emby__buf_json(mock_emby__buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		mock_emby__buf_json_str(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		mock_emby__buf_double(b, v->valuedouble);
	} else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		bool obj = cJSON_IsObject(v);
		mock_emby__buf_put(b, obj ? "{" : "[", 1);
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				mock_emby__buf_put(b, ",", 1);
			if (obj) {
				mock_emby__buf_json_str(b, c->string);
				mock_emby__buf_put(b, ":", 1);
			}
			mock_emby__buf_json(b, c);
		}
		mock_emby__buf_put(b, obj ? "}" : "]", 1);
	} else if (cJSON_IsBool(v)) {
		mock_emby__buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsRaw(v) && v->valuestring) {
		mock_emby__buf_puts(b, v->valuestring);
	} else {
		mock_emby__buf_put(b, "null", 4);
	}
}
