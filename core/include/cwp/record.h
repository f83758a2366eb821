/* Progress records, provider ids and canonical keys (SPEC §1, §2). */
#ifndef CWP_RECORD_H
#define CWP_RECORD_H

#include "cwp/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cwp_media_type {
	CWP_TYPE_UNKNOWN = 0,
	CWP_TYPE_MOVIE = 1,
	CWP_TYPE_EPISODE = 2,
} cwp_media_type;

/* Provider-id kinds in key priority order (KEY-03). */
typedef enum cwp_id_kind {
	CWP_ID_TMDB = 0,
	CWP_ID_IMDB,
	CWP_ID_TVDB,
	CWP_ID_TRAKT,
	CWP_ID_MAL,
	CWP_ID_ANILIST,
	CWP_ID_KITSU,
	CWP_ID_ANIDB,
	CWP_ID_SIMKL,
	CWP_ID_COUNT
} cwp_id_kind;

/* Lower-case name of a kind ("tmdb"). */
const char *cwp_id_name(cwp_id_kind kind);

/* KEY-01: the kind of a provider-id name, case-insensitive ("Tmdb", "TMDB");
 * -1 for names this project does not key on (Tvmaze, …). */
int cwp_id_kind_from_name(const char *name, size_t len);

/* Longest normalized id value, NUL included. */
#define CWP_ID_MAX 32

/* KEY-01/02: normalize one id value. Trims ASCII space; "", "0", none, null,
 * nan, undefined, unknown (any case) are absent. Numeric kinds keep their
 * digits only, leading zeros stripped (all zeros = absent). imdb becomes
 * "tt" + digits (a bare number gets "tt"; no digits = absent).
 * Returns the length written to out (NUL-terminated), or 0 when the value is
 * absent or does not fit in CWP_ID_MAX. */
size_t cwp_id_normalize(cwp_id_kind kind, const char *value, size_t len, char out[CWP_ID_MAX]);

/* A progress record (SPEC §1). Every numeric field has a has_ flag: absent is
 * not zero. Strings are borrowed: whoever fills the record owns them (an
 * index owns the copies it stores; see cwp_index_put). ids[] and show_ids[]
 * hold normalized values (cwp_id_normalize) or NULL.
 *
 * For an episode, `title` is the show's title (Emby's SeriesName), which is
 * what KEY-05's id-less key uses. */
typedef struct cwp_record {
	const char *key; /* canonical key; NULL = compute it (cwp_record_key) */
	cwp_media_type type;
	const char *title;
	const char *item_id; /* the server's own id: addresses writes, never an identity */
	const char *ids[CWP_ID_COUNT];
	const char *show_ids[CWP_ID_COUNT];

	int32_t year, season, episode;
	bool has_year, has_season, has_episode;

	int64_t progress_ms;
	int64_t duration_ms;
	double progress_percent; /* 0-100 */
	int64_t progress_at;     /* ms since the Unix epoch, UTC */
	bool has_progress_ms, has_duration_ms, has_progress_percent, has_progress_at;

	bool played, has_played;
} cwp_record;

/* Longest canonical key or alias token, NUL included. */
#define CWP_KEY_MAX 512

/* KEY-04/05: the canonical key of r (r->key is ignored). Titles are
 * lower-cased (ASCII letters only; other bytes kept as they are).
 * CWP_ERANGE when the key does not fit in keysz; CWP_EINVAL when r->type is
 * neither movie nor episode. */
int cwp_record_key(char *key, size_t keysz, const cwp_record *r);

/* KEY-06: call fn once per alias token of r (movies: `<name>:<value>` per id;
 * episodes: `<name>:<value>#sSSeEE` per show id and own id when season and
 * episode are known, then a bare `<name>:<value>` per own id), in priority
 * order. A non-zero return from fn stops the walk and is returned. */
typedef int (*cwp_token_cb)(void *ud, const char *token, size_t len);
int cwp_record_tokens(const cwp_record *r, cwp_token_cb fn, void *ud);

/* KEY-07: which of two records with one key to keep: > 0 keep a, < 0 keep b.
 * Newer progress_at (known beats unknown), then higher progress ratio, then
 * higher progress_ms, then the smaller item_id (strcmp; NULL sorts last), then
 * a total order over the remaining fields, so the result never depends on
 * input order; 0 only when the records are equal in every field. */
int cwp_record_prefer(const cwp_record *a, const cwp_record *b);

/* The progress ratio used by KEY-07 and PLAN-04: progress_ms / duration_ms * 100
 * when both are known and duration > 0, else progress_percent when known.
 * Returns false when no percent is known. */
bool cwp_record_percent(const cwp_record *r, double *out);

#ifdef __cplusplus
}
#endif
#endif
