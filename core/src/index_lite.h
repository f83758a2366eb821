/* An allocation-free JSON reader for index records. Private to cwp_core.
 *
 * Loading a million records through cJSON_Parse costs tens of millions of
 * malloc/free pairs. The records of an index are small objects of strings,
 * numbers, booleans and nulls, so this reader builds the same cJSON tree in a
 * reusable node pool and string buffer instead. It handles a strict subset
 * of JSON on which it agrees with cJSON exactly (strings without escapes,
 * numbers of RFC 8259 grammar up to 63 characters, nesting up to 32 levels,
 * up to 512 values); on anything else it declines and the caller parses the
 * slice with cJSON, so results never depend on which reader ran. */
#ifndef CWP_INDEX_LITE_H
#define CWP_INDEX_LITE_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct cwp__lite {
	cJSON *nodes;
	size_t nnodes;
	char *str;
	size_t str_len, str_cap;
} cwp__lite;

#define CWP__LITE_INIT              \
	{                           \
		NULL, 0, NULL, 0, 0 \
	}

/* Parse exactly s[0..len) (one JSON value, no surrounding whitespace).
 * 1: *out is the tree, owned by l and valid until the next call (never pass
 * it to cJSON_Delete); 0: declined (use cJSON); CWP_ENOMEM. */
int cwp__lite_parse(cwp__lite *l, const char *s, size_t len, const cJSON **out);

void cwp__lite_free(cwp__lite *l);

#endif
