/* Decoding Emby JSON into core records: pure, no I/O, callable on a buffer
 * (the fuzz targets drive these). */
#ifndef EMBY_DECODE_H
#define EMBY_DECODE_H

#include "cwp/cwp.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* A decoded Items page. items is the cJSON array inside root (owned by
 * root); total is TotalRecordCount or -1 when absent. */
typedef struct emby_page {
	struct cJSON *root;
	const struct cJSON *items;
	int64_t total;
	size_t count;
} emby_page;

/* Parse an `{"Items": [...], "TotalRecordCount": N}` envelope. Not JSON, no
 * Items array, or a wrong TotalRecordCount type → CWP_EDECODE with a
 * message. Free with emby_page_free. */
int emby_decode_page(emby_page *out, const char *buf, size_t len);
void emby_page_free(emby_page *p);

/* Series provider ids for episodes: looked up by SeriesId. */
typedef const char *const *(*emby_series_lookup)(void *ud, const char *series_id);

/* One item object → a progress record (READ-02). Returns CWP_OK and fills
 * *rec with strings borrowed from item (and from series_ids), CWP_EABSENT
 * when the row is not progress (not Movie/Episode, or position not > 0; a
 * next-up episode at 0), CWP_EINVAL for a bad row (warned). series_ids, when
 * not NULL, are the normalized show ids (CWP_ID_COUNT entries, NULL = none)
 * of the item's series. require_position: false to decode rows at 0 too
 * (confirm-before-clear, resolution). Normalized id strings are written to
 * idbuf (2*CWP_ID_COUNT entries), which must outlive *rec. */
int emby_decode_item(cwp_record *rec, const struct cJSON *item, const char *const *series_ids,
                     bool require_position, char (*idbuf)[CWP_ID_MAX], cwp_warnings *w);

/* An item's UserData → a target state (§5). CWP_EINVAL when UserData is not
 * an object. */
int emby_decode_state(cwp_target_state *out, const struct cJSON *item, cwp_warnings *w);

/* Provider ids of an item object: normalized into ids (CWP_ID_COUNT pointers
 * into idbuf, NULL = absent). Returns how many were found. */
size_t emby_decode_provider_ids(const char **ids, char (*idbuf)[CWP_ID_MAX],
                                const struct cJSON *item);

#ifdef __cplusplus
}
#endif
#endif
