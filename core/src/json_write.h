/* Private to the core: JSON output of records (json_write.c). */
#ifndef CWP_JSON_WRITE_H
#define CWP_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cwp/record.h"

#define MAX_EXACT_DOUBLE 9007199254740991.0 /* 2^53 - 1 */

/* A growable output buffer; oom is sticky. */
typedef struct cwp__jbuf {
	char *p;
	size_t len, cap;
	bool oom;
} cwp__jbuf;

/* Decimal digits of v (v >= 0) into buf; returns the length. */
size_t cwp__fmt_u64(char *buf, uint64_t v);
/* Grows the buffer, then appends (sets oom instead when it cannot). */
void cwp__jb_put_slow(cwp__jbuf *b, const char *s, size_t n);

/* Inline: the writers call these for every few bytes. */
static inline void cwp__jb_put(cwp__jbuf *b, const char *s, size_t n)
{
	if (b->p && n <= b->cap - b->len) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	} else {
		cwp__jb_put_slow(b, s, n);
	}
}

static inline void cwp__jb_lit(cwp__jbuf *b, const char *s)
{
	cwp__jb_put(b, s, strlen(s));
}
/* A JSON string, escaped as cJSON escapes (UTF-8 bytes are kept as they are). */
void cwp__jb_string(cwp__jbuf *b, const char *s);
/* An integer: a JSON number while a double carries it exactly, else a string
 * of digits (which readers accept for every integer field). */
void cwp__jb_int(cwp__jbuf *b, int64_t v);
/* The shortest of %.15g / %.17g that reads back as the same double. */
void cwp__jb_double(cwp__jbuf *b, double d);
/* ,"name": */
void cwp__jb_name(cwp__jbuf *b, const char *name);
void cwp__jb_ids(cwp__jbuf *b, const char *const ids[CWP_ID_COUNT]);
/* A number exactly as cJSON 1.7's print_number writes it. */
void cwp__jb_cjson_number(cwp__jbuf *b, double d);

/* cwp__jb_record flags: numbers as cJSON prints them (the plan JSON). */
#define CWP__JB_CJSON 1u

/* Record members after the opening brace, each preceded by ','; the caller
 * writes '{' (+ "key") and the record starts with "type". item_ids are
 * written only when they are more than the record's own item id. */
void cwp__jb_record(cwp__jbuf *b, const cwp_record *r, const char *const *item_ids, size_t n_ids,
		    unsigned flags);

#endif
