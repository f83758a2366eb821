/* Private index functions shared by index.c and index_json.c. */
#ifndef CWP_INDEX_INTERNAL_H
#define CWP_INDEX_INTERNAL_H

#include "cwp/index.h"

/* cwp_index_put, also returning the key the record was stored under (owned
 * by the index). */
int cwp__index_put(cwp_index *idx, const cwp_record *rec, const char **stored_key);

/* Start loading the table slot of key into the cache: a caller that knows a
 * key well before it puts the record hides the one cache miss of the put. */
void cwp__index_prefetch(const cwp_index *idx, const char *key);

/* Remember one more item id under an existing key (APPLY-06) without
 * changing which record is kept. CWP_ENOTFOUND when the key is unknown. */
int cwp__index_add_item_id(cwp_index *idx, const char *key, const char *item_id);

#endif
