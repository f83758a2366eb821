/* JSON output of the mock: string literals and any cJSON value, written into
 * a growable buffer the way Emby writes them. */
#include "internal.h"

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

void mock_emby__buf_json(mock_emby__buf *b, const cJSON *v)
{
	char small[128];
	if (cJSON_IsString(v)) {
		mock_emby__buf_json_str(b, v->valuestring);
		return;
	}
	if (cJSON_PrintPreallocated((cJSON *)v, small, (int)sizeof small, 0)) {
		mock_emby__buf_puts(b, small);
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	if (!s) {
		b->oom = true;
		return;
	}
	mock_emby__buf_puts(b, s);
	cJSON_free(s);
}
