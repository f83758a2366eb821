/* The candidates of a resolve: the items Emby's lookups return, decoded once,
 * and the batched AnyProviderIdEquals lookups that fetch them (RES-02, URL <=
 * 4 KiB). Private to resolve.c and resolve_lookup.c. */
#ifndef EMBY_RESOLVE_INTERNAL_H
#define EMBY_RESOLVE_INTERNAL_H

#include "client_internal.h"

#define LOOKUP_FIELDS                                                      \
	"ProviderIds,RunTimeTicks,ParentIndexNumber,IndexNumber,SeriesId," \
	"UserDataLastPlayedDate,UserDataPlayCount"

typedef enum cand_kind { CAND_MOVIE, CAND_EPISODE, CAND_SERIES } cand_kind;

/* An item a lookup returned, decoded once. */
typedef struct cand {
	char *id;
	cand_kind kind;
	char buf[CWP_ID_COUNT][CWP_ID_MAX];
	const char *ids[CWP_ID_COUNT];
	int32_t season, episode;
	bool has_season, has_episode;
	cwp_target_state st;
	bool has_state;
} cand;

/* Candidates are allocated one by one: their ids point into their own buf,
 * so they must never move. */
typedef struct cand_list {
	cand **v;
	size_t n, cap;
} cand_list;

typedef struct lookup {
	emby_client *c;
	emby_buf path; /* /Users/{uid}/Items */
	emby_buf q;    /* query being built */
	emby_buf toks; /* ",tok,tok," for dedup inside a batch */
	size_t fixed;  /* URL length without the tokens */
	size_t n_in;   /* records in the current batch */
	cand_kind kinds_mask;
	bool has_movie, has_episode, has_series;
	emby_xfer xf;
	emby_page page;
	size_t requests;
} lookup;

void emby__cand_list_free(cand_list *l);
char *emby__dup_str(const char *s);
/* Decode the rows of a lookup answer into l (Movie, Episode, Series). */
int emby__add_cands(emby_client *c, cand_list *l, const emby_page *page);
/* How a record's ids relate to an item's: shared kinds and conflicting
 * kinds (both known, different values). */
void emby__relate(const char *const *a, const char *const *b, int *shared, int *conflicts);
/* At least one shared id and none that contradicts. */
bool emby__verified(const char *const *rec_ids, const cand *k);
bool emby__have_ids(const char *const *ids);
int emby__lookup_init(lookup *L, emby_client *c);
void emby__lookup_free(lookup *L);
/* Send the batch built so far; candidates are appended to out. */
int emby__lookup_flush(lookup *L, cand_list *out);
/* Add one record's ids to the batch, flushing first when the URL would
 * pass 4 KiB. */
int emby__lookup_add(lookup *L, const char *const *ids, cand_kind kind, cand_list *out);

/* The candidates of a list by provider id, so that matching n records
 * costs their ids rather than n times the candidates (bench_sync's resolve
 * phase compared 10k records with 10k candidates). */
typedef struct cand_ref {
	int kind;
	const char *value; /* points into the candidate's ids */
	size_t cand;       /* index into the list */
} cand_ref;
typedef struct cand_index {
	cand_ref *v; /* sorted by kind, value, candidate */
	size_t n;
	unsigned *stamp; /* per candidate: the query that last found it */
	unsigned now;
} cand_index;

/* CWP_ENOMEM when out of memory (x is then empty). l must outlive x. */
int emby__cand_index_build(cand_index *x, const cand_list *l);
/* The candidates sharing at least one id with ids, ascending and each once,
 * into out (room for every candidate of the list); returns their number.
 * Whether they are verified (no conflicting id) is the caller's check. */
size_t emby__cand_index_find(cand_index *x, const char *const *ids, size_t *out);
void emby__cand_index_free(cand_index *x);

#endif
