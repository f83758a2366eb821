/* Decoding Emby JSON into core records: pure, no I/O, callable on a buffer
 * (the fuzz targets drive these). Every parser of a value (ticks, dates,
 * provider ids, keys) is the core's; nothing here re-implements one. */
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

/* Parse an `{"Items": [...], "TotalRecordCount": N}` envelope. Not JSON, not
 * an object, no Items array, or a TotalRecordCount that is not a non-negative
 * integer → CWP_EDECODE with a message (cwp_error_last) naming what is wrong;
 * *out is then zeroed and owns nothing. Free with emby_page_free (a zeroed
 * page is accepted). */
int emby_decode_page(emby_page *out, const char *buf, size_t len);
void emby_page_free(emby_page *p);

/* One decoded item: the record and what the client needs beside it.
 * rec's strings are borrowed from the cJSON item it was decoded from, and its
 * ids/show_ids point into idbuf: the emby_item must not be copied or moved
 * while rec is in use, and the cJSON item must outlive it. */
typedef struct emby_item {
	cwp_record rec;
	const char *series_id; /* an episode's SeriesId, else NULL */
	char idbuf[2 * CWP_ID_COUNT][CWP_ID_MAX];
} emby_item;

/* Decode rows whose position is 0 or absent too (confirm-before-clear,
 * resolution); without it such rows are not progress (READ-02). */
#define EMBY_DECODE_ANY_POSITION 0x1u

/* One item object → a progress record (READ-02): Type Movie/Episode,
 * Id → item_id, Name (movies) or SeriesName (episodes) → title,
 * ProductionYear → year, ParentIndexNumber/IndexNumber → season/episode,
 * ProviderIds → ids (names case-insensitive, values normalized by the core),
 * RunTimeTicks → duration_ms (UNIT-04), UserData.PlaybackPositionTicks →
 * progress_ms, UserData.PlayedPercentage → progress_percent,
 * UserData.LastPlayedDate → progress_at, UserData.Played → played.
 * series_ids, when not NULL, are the normalized show ids (CWP_ID_COUNT
 * entries, NULL = none) of the item's series; they are copied into idbuf.
 *
 * Returns CWP_OK; CWP_EABSENT when the row is not progress (another Type, or
 * a position that is not > 0 without EMBY_DECODE_ANY_POSITION: the Resume
 * views list next-up episodes at 0); CWP_EINVAL for a bad row, with a warning
 * naming the item (not an object, no string Id, no UserData object, invalid
 * PlaybackPositionTicks). An invalid optional field (RunTimeTicks, dates,
 * numbers) becomes absent with a warning (UNIT-03) and the row is kept. */
int emby_decode_item(emby_item *out, const struct cJSON *item, const char *const *series_ids,
		     unsigned flags, cwp_warnings *w);

/* A UserData object (of an item, or as DELETE PlayedItems returns it) → a
 * target state (§5): position, LastPlayedDate (the only timestamp that
 * counts, APPLY-02), Played. duration and playing are left unset.
 * CWP_EINVAL when userdata is not an object. */
int emby_decode_userdata(cwp_target_state *out, const struct cJSON *userdata, cwp_warnings *w);

/* An item object with its UserData → a target state: emby_decode_userdata
 * plus RunTimeTicks → duration. CWP_EINVAL when the item or its UserData is
 * not an object. */
int emby_decode_state(cwp_target_state *out, const struct cJSON *item, cwp_warnings *w);

/* Provider ids of an item object: normalized into ids (CWP_ID_COUNT pointers
 * into idbuf, which has CWP_ID_COUNT entries; NULL = absent). Names are
 * case-insensitive (KEY-01); the first usable value of a kind wins. Returns
 * how many kinds were found. */
size_t emby_decode_provider_ids(const char **ids, char (*idbuf)[CWP_ID_MAX],
				const struct cJSON *item);

/* A whole Items page from a buffer into an index: emby_decode_page, then
 * emby_decode_item on every row (no series ids), each record put into idx
 * (KEY-07 merges duplicates). Bad rows are warned and skipped. *n_put (may be
 * NULL) receives the number of rows put. Errors as emby_decode_page. */
int emby_decode_index_page(cwp_index *idx, const char *buf, size_t len, size_t *n_put,
			   cwp_warnings *w);

#ifdef __cplusplus
}
#endif
#endif
