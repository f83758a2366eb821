/* Progress indexes: records by canonical key, duplicate selection (KEY-07),
 * matching (KEY-06), and index JSON in CrossWatch's shape (CLI-02). */
#ifndef CWP_INDEX_H
#define CWP_INDEX_H

#include <stdio.h>

#include "cwp/record.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* An index owns copies of every record and string put into it (an arena);
 * pointers it returns are valid until cwp_index_free. Not thread-safe. */
typedef struct cwp_index cwp_index;

int cwp_index_new(cwp_index **out);
void cwp_index_free(cwp_index *idx);

/* Copy rec into the index. rec->key NULL: the canonical key is computed
 * (cwp_record_key); otherwise rec->key is used as given (index JSON keys are
 * the writer's keys, CLI-02). A record with a key already present is merged
 * by KEY-07 (cwp_record_prefer): one record is kept, and the item_id of every
 * record seen under that key is remembered (APPLY-06, multi-version items). */
int cwp_index_put(cwp_index *idx, const cwp_record *rec);

size_t cwp_index_size(const cwp_index *idx);

/* The record with this key, or NULL. */
const cwp_record *cwp_index_get(const cwp_index *idx, const char *key);

/* The i-th record in canonical key order (strcmp). The index sorts itself on
 * the first call after a put (so the first call is O(n log n)). */
const cwp_record *cwp_index_at(const cwp_index *idx, size_t i);

/* Every distinct item_id seen under key, sorted (strcmp); *out is owned by the
 * index. Returns the count (0 when the key is unknown or has no item id). */
size_t cwp_index_item_ids(const cwp_index *idx, const char *key, const char *const **out);

/* KEY-06: destination records matched into the source's keys. */
typedef struct cwp_match cwp_match;

int cwp_match_new(cwp_match **out, const cwp_index *src, const cwp_index *dst);
void cwp_match_free(cwp_match *m);

/* The destination record matched to cwp_index_at(src, src_i), or NULL. */
const cwp_record *cwp_match_dst(const cwp_match *m, size_t src_i);

/* Whether cwp_index_at(dst, dst_i) was matched by some source record. The
 * unmatched destination records with progress are the candidates of READ-06. */
bool cwp_match_dst_used(const cwp_match *m, size_t dst_i);

/* ---- Index JSON (CLI-02) ------------------------------------------------
 *
 * Object form: {"<key>": {type, title, year, ids, show_ids, season, episode,
 * progress_ms, duration_ms, progress_percent, progress_at, played, item_id}}.
 * JSON-lines form: one such record object per line with its "key" member.
 * A record with an invalid field keeps going without that field and counts a
 * warning (UNIT-03); a record that is not an object, or has no usable type, is
 * dropped with a warning. Text that is not JSON, or not an index, is an error
 * (CWP_EPARSE) whose message names what is wrong and where. */

/* Parse an index from a buffer (either form, detected). */
int cwp_index_parse(cwp_index **out, const char *buf, size_t len, cwp_warnings *w);

/* Load an index file (either form). The object form is streamed member by
 * member, so memory stays near the size of the index, not of a JSON tree.
 * Messages name the path. */
int cwp_index_load(cwp_index **out, const char *path, cwp_warnings *w);

/* A record from one JSON record object (the value of an index member).
 * key may be NULL (JSON lines: the object's "key" member, else the computed
 * canonical key). Strings are put into idx. Used by the loaders and the
 * plan JSON parser. Returns CWP_OK when the record was put (bad fields made
 * absent, each with a warning), CWP_EINVAL when it was dropped with a warning
 * (not an object, no usable type, no computable key), CWP_ENOMEM. */
int cwp_index_put_json(cwp_index *idx, const char *key, const struct cJSON *obj, cwp_warnings *w);

/* The JSON object of one record (no key member); caller owns the result. */
struct cJSON *cwp_record_to_json(const cwp_record *r);

#define CWP_INDEX_JSONL 0x1u /* write JSON lines instead of one object */
/* Write the index in key order, every field of every record (null when
 * absent), deterministic bytes (docs/FORMATS.md). A key with several item ids
 * also gets "item_ids" (all of them, sorted), so a reload keeps them. */
int cwp_index_write(const cwp_index *idx, FILE *f, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
