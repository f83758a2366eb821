/* RES-02..04 (resolve), READ-06 (confirm-before-clear) and the batched state
 * reads of §5. Lookups carry many records per request (AnyProviderIdEquals,
 * URL <= 4 KiB); every returned item is verified by its ProviderIds and Type,
 * since Emby matches any of the ids and tmdb/tvdb numbers collide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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

typedef struct res_entry {
	emby_resolve_status st;
	char **ids;
	size_t n_ids;
} res_entry;

/* Item states seen by the lookups (READ-06 uses them: no second read). */
typedef struct seen_state {
	char *id;
	cwp_target_state st;
	bool has_state;
} seen_state;

struct emby_resolution {
	size_t n;
	res_entry *e;
	seen_state *seen;
	size_t n_seen, cap_seen;
};

static void cand_list_free(cand_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]->id);
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Decode the rows of a lookup answer into l (Movie, Episode, Series). */
static int add_cands(emby_client *c, cand_list *l, const emby_page *page)
{
	for (const cJSON *row = page->items->child; row; row = row->next) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(row, "Type");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
		if (!cJSON_IsString(type) || !cJSON_IsString(id) || !id->valuestring[0])
			continue;
		cand_kind kind;
		if (strcmp(type->valuestring, "Movie") == 0)
			kind = CAND_MOVIE;
		else if (strcmp(type->valuestring, "Episode") == 0)
			kind = CAND_EPISODE;
		else if (strcmp(type->valuestring, "Series") == 0)
			kind = CAND_SERIES;
		else
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 64;
			cand **v = realloc(l->v, cap * sizeof(*v));
			if (!v)
				return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			l->v = v;
			l->cap = cap;
		}
		cand *k = calloc(1, sizeof(*k));
		if (!k)
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		l->v[l->n++] = k;
		k->kind = kind;
		if (!(k->id = dup_str(id->valuestring)))
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		emby_decode_provider_ids(k->ids, k->buf, row);
		if (kind == CAND_EPISODE) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(row, "ParentIndexNumber");
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(row, "IndexNumber");
			if (cJSON_IsNumber(s) && s->valuedouble >= 0 && s->valuedouble <= 100000 &&
			    s->valuedouble == (double)(int32_t)s->valuedouble) {
				k->season = (int32_t)s->valuedouble;
				k->has_season = true;
			}
			if (cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble <= 100000 &&
			    e->valuedouble == (double)(int32_t)e->valuedouble) {
				k->episode = (int32_t)e->valuedouble;
				k->has_episode = true;
			}
		}
		if (kind != CAND_SERIES)
			k->has_state = emby_decode_state(&k->st, row, NULL) == CWP_OK;
	}
	return CWP_OK;
}

/* How a record's ids relate to an item's: shared kinds and conflicting
 * kinds (both known, different values). */
static void relate(const char *const *a, const char *const *b, int *shared, int *conflicts)
{
	*shared = *conflicts = 0;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!a[k] || !b[k])
			continue;
		if (strcmp(a[k], b[k]) == 0)
			(*shared)++;
		else
			(*conflicts)++;
	}
}

static bool verified(const char *const *rec_ids, const cand *k)
{
	int shared, conflicts;
	relate(rec_ids, k->ids, &shared, &conflicts);
	return shared > 0 && conflicts == 0;
}

static bool have_ids(const char *const *ids)
{
	for (int k = 0; k < CWP_ID_COUNT; k++)
		if (ids[k])
			return true;
	return false;
}

/* ---- batched AnyProviderIdEquals lookups --------------------------------- */

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

static int lookup_init(lookup *L, emby_client *c)
{
	memset(L, 0, sizeof(*L));
	L->c = c;
	if (emby__buf_str(&L->path, "/Users/") != CWP_OK ||
	    emby__buf_escape(&L->path, c->user_id) != CWP_OK ||
	    emby__buf_str(&L->path, "/Items") != CWP_OK)
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	/* Base URL + path + "?" + the longest fixed query (the tokens follow). */
	L->fixed =
	    strlen(c->base_url) + L->path.len + 1 +
	    strlen("Recursive=true&IncludeItemTypes=Movie,Episode,Series&Fields=" LOOKUP_FIELDS
		   "&EnableUserData=true&AnyProviderIdEquals=");
	return CWP_OK;
}

static void lookup_free(lookup *L)
{
	emby__buf_free(&L->path);
	emby__buf_free(&L->q);
	emby__buf_free(&L->toks);
	emby_page_free(&L->page);
	emby__xfer_free(&L->xf);
}

/* The tokens of ids not yet in the batch ("tmdb.603"), their added length. */
static size_t new_tokens(lookup *L, const char *const *ids, char toks[][CWP_ID_MAX + 16],
			 size_t *n_toks)
{
	size_t add = 0;
	*n_toks = 0;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!ids[k])
			continue;
		char t[CWP_ID_MAX + 16];
		char probe[CWP_ID_MAX + 20];
		snprintf(t, sizeof(t), "%s.%s", cwp_id_name((cwp_id_kind)k), ids[k]);
		snprintf(probe, sizeof(probe), ",%s,", t);
		if (L->toks.p && strstr(L->toks.p, probe))
			continue;
		bool dup = false;
		for (size_t i = 0; i < *n_toks && !dup; i++)
			dup = strcmp(toks[i], t) == 0;
		if (dup)
			continue;
		memcpy(toks[*n_toks], t, sizeof(t));
		(*n_toks)++;
		add += strlen(t) + 1; /* + separator (ids are URL-safe: no escaping) */
	}
	return add;
}

/* Send the batch built so far; candidates are appended to out. */
static int lookup_flush(lookup *L, cand_list *out)
{
	emby_client *c = L->c;
	int rc;
	if (L->n_in == 0)
		return CWP_OK;
	emby_buf q = {0};
	const char *types = L->has_series                    ? "Series"
			    : L->has_movie && L->has_episode ? "Movie,Episode"
			    : L->has_movie                   ? "Movie"
							     : "Episode";
	if (emby__buf_printf(&q,
			     "Recursive=true&IncludeItemTypes=%s&Fields=" LOOKUP_FIELDS
			     "&EnableUserData=true&AnyProviderIdEquals=%s",
			     types, L->q.p ? L->q.p : "") != CWP_OK) {
		emby__buf_free(&q);
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	}
	rc = emby__get(c, &L->xf, L->path.p, q.p);
	emby__buf_free(&q);
	L->requests++;
	L->q.len = 0;
	L->toks.len = 0;
	if (L->q.p)
		L->q.p[0] = '\0';
	if (L->toks.p)
		L->toks.p[0] = '\0';
	L->n_in = 0;
	L->has_movie = L->has_episode = L->has_series = false;
	if (rc != CWP_OK)
		return rc;
	emby_page_free(&L->page);
	rc = emby_decode_page(&L->page, L->xf.body.p, L->xf.body.len);
	if (rc != CWP_OK)
		return emby__fail(c, CWP_EDECODE, "%s: GET %s (AnyProviderIdEquals): HTTP %ld: %s",
				  c->label, L->xf.route, L->xf.status, cwp_error_last());
	return add_cands(c, out, &L->page);
}

/* Add one record's ids to the batch, flushing first when the URL would pass
 * 4 KiB. Returns whether the record fitted in a batch at all. */
static int lookup_add(lookup *L, const char *const *ids, cand_kind kind, cand_list *out)
{
	char toks[CWP_ID_COUNT][CWP_ID_MAX + 16];
	size_t n_toks;
	size_t add = new_tokens(L, ids, toks, &n_toks);
	if (L->n_in > 0 && L->fixed + L->q.len + add > EMBY__URL_MAX) {
		int rc = lookup_flush(L, out);
		if (rc != CWP_OK)
			return rc;
		add = new_tokens(L, ids, toks, &n_toks);
	}
	if (L->toks.len == 0 && emby__buf_add(&L->toks, ",", 1) != CWP_OK)
		return emby__fail(L->c, CWP_ENOMEM, "%s: out of memory", L->c->label);
	for (size_t i = 0; i < n_toks; i++) {
		if ((L->q.len > 0 && emby__buf_add(&L->q, ",", 1) != CWP_OK) ||
		    emby__buf_str(&L->q, toks[i]) != CWP_OK || emby__buf_str(&L->toks, toks[i]) ||
		    emby__buf_add(&L->toks, ",", 1) != CWP_OK)
			return emby__fail(L->c, CWP_ENOMEM, "%s: out of memory", L->c->label);
	}
	L->n_in++;
	if (kind == CAND_MOVIE)
		L->has_movie = true;
	else if (kind == CAND_EPISODE)
		L->has_episode = true;
	else
		L->has_series = true;
	return CWP_OK;
}

/* ---- resolution ------------------------------------------------------------ */

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Set entry e to the matched candidates: resolved (ids sorted, unique) or
 * ambiguous when two of them disagree on an id. */
static int settle(emby_client *c, res_entry *e, const cand *const *m, size_t n)
{
	if (n == 0) {
		e->st = EMBY_NOT_FOUND;
		return CWP_OK;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			int shared, conflicts;
			relate(m[i]->ids, m[j]->ids, &shared, &conflicts);
			if (conflicts > 0) {
				e->st = EMBY_AMBIGUOUS;
				return CWP_OK;
			}
		}
	e->ids = calloc(n, sizeof(char *));
	if (!e->ids)
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < e->n_ids && !dup; j++)
			dup = strcmp(e->ids[j], m[i]->id) == 0;
		if (dup)
			continue;
		if (!(e->ids[e->n_ids] = dup_str(m[i]->id)))
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		e->n_ids++;
	}
	qsort(e->ids, e->n_ids, sizeof(char *), cmp_strp);
	e->st = EMBY_RESOLVED;
	return CWP_OK;
}

static int remember_states(emby_client *c, emby_resolution *r, const cand_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const cand *k = l->v[i];
		if (k->kind == CAND_SERIES)
			continue;
		if (r->n_seen == r->cap_seen) {
			size_t cap = r->cap_seen ? r->cap_seen * 2 : 64;
			seen_state *v = realloc(r->seen, cap * sizeof(*v));
			if (!v)
				return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			r->seen = v;
			r->cap_seen = cap;
		}
		seen_state *s = &r->seen[r->n_seen];
		if (!(s->id = dup_str(k->id)))
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		s->st = k->st;
		s->has_state = k->has_state;
		r->n_seen++;
	}
	return CWP_OK;
}

/* Stage 1: every record by its own ids. */
static int resolve_own(emby_client *c, const cwp_record *const *recs, size_t n, emby_resolution *r,
		       size_t *n_lookups)
{
	lookup L;
	cand_list cl = {0};
	const cand **m = NULL;
	int rc = lookup_init(&L, c);
	if (rc != CWP_OK)
		goto done;
	/* Movies first, then episodes: batches stay of one type mostly, so
	 * IncludeItemTypes narrows what collides. */
	for (int pass = 0; pass < 2; pass++) {
		cwp_media_type want = pass == 0 ? CWP_TYPE_MOVIE : CWP_TYPE_EPISODE;
		for (size_t i = 0; i < n; i++) {
			if (recs[i]->type != want || !have_ids(recs[i]->ids))
				continue;
			rc = lookup_add(&L, recs[i]->ids,
					want == CWP_TYPE_MOVIE ? CAND_MOVIE : CAND_EPISODE, &cl);
			if (rc != CWP_OK)
				goto done;
		}
	}
	rc = lookup_flush(&L, &cl);
	if (rc != CWP_OK)
		goto done;
	*n_lookups += L.requests;
	rc = remember_states(c, r, &cl);
	if (rc != CWP_OK)
		goto done;
	m = malloc((cl.n ? cl.n : 1) * sizeof(*m));
	if (!m) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if ((rec->type != CWP_TYPE_MOVIE && rec->type != CWP_TYPE_EPISODE) ||
		    !have_ids(rec->ids))
			continue;
		cand_kind want = rec->type == CWP_TYPE_MOVIE ? CAND_MOVIE : CAND_EPISODE;
		size_t nm = 0;
		for (size_t j = 0; j < cl.n; j++)
			if (cl.v[j]->kind == want && verified(rec->ids, cl.v[j]))
				m[nm++] = cl.v[j];
		/* RES-03: several episodes share an own id → season/episode decide. */
		if (want == CAND_EPISODE && nm > 1 && rec->has_season && rec->has_episode) {
			size_t keep = 0;
			for (size_t j = 0; j < nm; j++)
				if (m[j]->has_season && m[j]->has_episode &&
				    m[j]->season == rec->season && m[j]->episode == rec->episode)
					m[keep++] = m[j];
			if (keep > 0)
				nm = keep;
		}
		rc = settle(c, &r->e[i], m, nm);
		if (rc != CWP_OK)
			goto done;
	}
	rc = CWP_OK;
done:
	free(m);
	cand_list_free(&cl);
	lookup_free(&L);
	return rc;
}

/* Stage 2 (RES-03): episodes not found by their own ids, through their
 * series: series looked up by show ids (batched), then one
 * /Shows/{id}/Episodes listing per series, matched on season/episode. */
static int resolve_via_series(emby_client *c, const cwp_record *const *recs, size_t n,
			      emby_resolution *r, size_t *n_lookups)
{
	lookup L;
	cand_list series = {0}, eps = {0};
	size_t *ep_series = NULL; /* eps.v[i] came from series.v[ep_series[i]] */
	const cand **m = NULL;
	emby_buf path = {0}, q = {0};
	emby_page page = {0};
	emby_xfer xf = {0};
	bool *listed = NULL;
	int rc = lookup_init(&L, c);
	if (rc != CWP_OK)
		goto done;

	size_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !have_ids(rec->show_ids))
			continue;
		todo++;
		rc = lookup_add(&L, rec->show_ids, CAND_SERIES, &series);
		if (rc != CWP_OK)
			goto done;
	}
	if (todo == 0)
		goto done;
	rc = lookup_flush(&L, &series);
	if (rc != CWP_OK)
		goto done;
	*n_lookups += L.requests;

	/* Which series are needed: those verified for some record. */
	listed = calloc(series.n ? series.n : 1, sizeof(*listed));
	m = malloc((series.n ? series.n : 1) * sizeof(*m));
	if (!listed || !m) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !have_ids(rec->show_ids))
			continue;
		/* Series that disagree with each other: which show is meant is
		 * unknown (ambiguous), and none of them is listed for it. */
		size_t ns = 0;
		for (size_t j = 0; j < series.n; j++)
			if (series.v[j]->kind == CAND_SERIES &&
			    verified(rec->show_ids, series.v[j]))
				m[ns++] = series.v[j];
		bool ambiguous = false;
		for (size_t a = 0; a < ns && !ambiguous; a++)
			for (size_t b = a + 1; b < ns && !ambiguous; b++) {
				int shared, conflicts;
				relate(m[a]->ids, m[b]->ids, &shared, &conflicts);
				ambiguous = conflicts > 0;
			}
		if (ambiguous) {
			r->e[i].st = EMBY_AMBIGUOUS;
			continue;
		}
		for (size_t j = 0; j < series.n; j++)
			if (series.v[j]->kind == CAND_SERIES &&
			    verified(rec->show_ids, series.v[j]))
				listed[j] = true;
	}
	/* One listing per distinct series id (a series returned twice is listed
	 * once). */
	for (size_t j = 0; j < series.n; j++) {
		if (!listed[j])
			continue;
		bool dup = false;
		for (size_t k = 0; k < j && !dup; k++)
			dup = listed[k] && strcmp(series.v[k]->id, series.v[j]->id) == 0;
		if (dup)
			continue;
		path.len = 0;
		q.len = 0;
		if (emby__buf_str(&path, "/Shows/") != CWP_OK ||
		    emby__buf_escape(&path, series.v[j]->id) != CWP_OK ||
		    emby__buf_str(&path, "/Episodes") != CWP_OK ||
		    emby__buf_str(&q, "UserId=") != CWP_OK ||
		    emby__buf_escape(&q, c->user_id) != CWP_OK ||
		    emby__buf_str(&q, "&Fields=" LOOKUP_FIELDS "&EnableUserData=true") != CWP_OK) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
		rc = emby__get(c, &xf, path.p, q.p);
		if (rc != CWP_OK)
			goto done;
		emby_page_free(&page);
		rc = emby_decode_page(&page, xf.body.p, xf.body.len);
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_EDECODE, "%s: GET %s: HTTP %ld: %s", c->label,
					xf.route, xf.status, cwp_error_last());
			goto done;
		}
		size_t before = eps.n;
		rc = add_cands(c, &eps, &page);
		if (rc != CWP_OK)
			goto done;
		size_t *v = realloc(ep_series, (eps.n ? eps.n : 1) * sizeof(*v));
		if (!v) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
		ep_series = v;
		for (size_t e = before; e < eps.n; e++)
			ep_series[e] = j;
	}
	rc = remember_states(c, r, &eps);
	if (rc != CWP_OK)
		goto done;
	free(m);
	m = malloc((eps.n + series.n + 1) * sizeof(*m));
	if (!m) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !have_ids(rec->show_ids))
			continue;
		size_t nm = 0;
		for (size_t e = 0; e < eps.n; e++) {
			const cand *k = eps.v[e];
			const cand *sv = series.v[ep_series[e]];
			if (k->kind != CAND_EPISODE || !k->has_season || !k->has_episode ||
			    k->season != rec->season || k->episode != rec->episode ||
			    !verified(rec->show_ids, sv))
				continue;
			/* An own id that contradicts the record means another
			 * numbering: not this episode. */
			int shared, conflicts;
			relate(rec->ids, k->ids, &shared, &conflicts);
			if (conflicts > 0)
				continue;
			m[nm++] = k;
		}
		rc = settle(c, &r->e[i], m, nm);
		if (rc != CWP_OK)
			goto done;
	}
	rc = CWP_OK;
done:
	free(listed);
	free(m);
	free(ep_series);
	cand_list_free(&series);
	cand_list_free(&eps);
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	lookup_free(&L);
	return rc;
}

void emby_resolution_free(emby_resolution *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->e[i].n_ids; j++)
			free(r->e[i].ids[j]);
		free(r->e[i].ids);
	}
	for (size_t i = 0; i < r->n_seen; i++)
		free(r->seen[i].id);
	free(r->seen);
	free(r->e);
	free(r);
}

int emby_resolve(emby_client *c, const cwp_record *const *recs, size_t n, emby_resolution **out)
{
	int rc;
	emby_resolution *r = NULL;
	size_t lookups = 0;

	*out = NULL;
	c->err[0] = '\0';
	rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		goto done;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->e = calloc(n ? n : 1, sizeof(*r->e)))) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	r->n = n;
	for (size_t i = 0; i < n; i++)
		r->e[i].st = EMBY_NOT_FOUND;
	emby__progress(c, "resolve", 0, n);
	rc = resolve_own(c, recs, n, r, &lookups);
	if (rc == CWP_OK)
		rc = resolve_via_series(c, recs, n, r, &lookups);
	if (rc != CWP_OK)
		goto done;
	emby__progress(c, "resolve", n, n);
	*out = r;
	r = NULL;
done:
	emby_resolution_free(r);
	return rc;
}

emby_resolve_status emby_resolution_status(const emby_resolution *r, size_t i)
{
	return i < r->n ? r->e[i].st : EMBY_NOT_FOUND;
}

size_t emby_resolution_items(const emby_resolution *r, size_t i, const char *const **ids)
{
	if (i >= r->n || r->e[i].st != EMBY_RESOLVED) {
		*ids = NULL;
		return 0;
	}
	*ids = (const char *const *)r->e[i].ids;
	return r->e[i].n_ids;
}

static const seen_state *find_seen(const emby_resolution *r, const char *id)
{
	for (size_t i = 0; i < r->n_seen; i++)
		if (strcmp(r->seen[i].id, id) == 0)
			return &r->seen[i];
	return NULL;
}

int emby_confirm_zeros(emby_client *c, const cwp_record *const *cands, size_t n, cwp_index *into,
		       cwp_warnings *w)
{
	emby_resolution *r = NULL;
	int rc = emby_resolve(c, cands, n, &r);
	if (rc != CWP_OK)
		return rc;
	/* Decide every candidate before adding anything. */
	for (size_t i = 0; i < n; i++) {
		const char *const *ids;
		size_t k = emby_resolution_items(r, i, &ids);
		bool zero = k > 0;
		for (size_t j = 0; j < k && zero; j++) {
			const seen_state *s = find_seen(r, ids[j]);
			/* PlaybackPositionTicks == 0 exactly: 1-9999 ticks is 0 ms
			 * after UNIT-01's floor, but it is not an explicit zero. */
			zero = s && s->has_state && s->st.has_position &&
			       cwp_target_ticks(&s->st) == 0;
		}
		if (!zero) {
			if (emby_resolution_status(r, i) == EMBY_AMBIGUOUS)
				cwp_warn(w,
					 "%s: confirm-before-clear: %s is ambiguous here: no clear",
					 c->label, cands[i]->key ? cands[i]->key : "a record");
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			const seen_state *s = find_seen(r, ids[j]);
			cwp_record z = *cands[i];
			z.item_id = ids[j];
			z.progress_ms = 0;
			z.has_progress_ms = true;
			z.progress_percent = 0;
			z.has_progress_percent = false;
			z.has_progress_at = s->st.has_last_played;
			z.progress_at = s->st.has_last_played ? s->st.last_played_at : 0;
			z.played = s->st.played;
			z.has_played = true;
			z.has_duration_ms = s->st.has_duration || cands[i]->has_duration_ms;
			if (s->st.has_duration)
				z.duration_ms = s->st.duration_ms;
			rc = cwp_index_put(into, &z);
			if (rc == CWP_ENOMEM) {
				rc = emby__fail(c, rc, "%s: out of memory", c->label);
				goto done;
			}
			if (rc != CWP_OK)
				cwp_warn(w, "%s: confirm-before-clear: item %s has no usable key",
					 c->label, ids[j]);
		}
	}
	rc = CWP_OK;
done:
	emby_resolution_free(r);
	return rc;
}

/* §5: a fresh state decides a write and is journaled as the value to
 * restore, so a row whose UserData holds a position, a LastPlayedDate or a
 * Played that cannot be read is no state at all: the item counts as not
 * returned (never written on made-up values). Absent fields are fine. */
static bool state_row_readable(const cJSON *row, const cwp_target_state *st, size_t warned)
{
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(row, "UserData");
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	const cJSON *played = cJSON_GetObjectItemCaseSensitive(ud, "Played");
	if (warned)
		return false;
	if (pos && !cJSON_IsNull(pos) && !st->has_position)
		return false;
	return !played || cJSON_IsNull(played) || cJSON_IsBool(played);
}

int emby_read_states(emby_client *c, const char *const *item_ids, size_t n,
		     cwp_target_state *states, bool *found)
{
	int rc;
	emby_xfer xf = {0};
	emby_buf path = {0}, q = {0};
	emby_page page = {0};

	c->err[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		found[i] = false;
		memset(&states[i], 0, sizeof(states[i]));
	}
	rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		goto done;
	if (emby__buf_str(&path, "/Users/") != CWP_OK ||
	    emby__buf_escape(&path, c->user_id) != CWP_OK ||
	    emby__buf_str(&path, "/Items") != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	/* Batches of <= 100 distinct ids (a repeated id rides along free). */
	size_t b = 0;
	while (b < n) {
		size_t e = b, distinct = 0;
		q.len = 0;
		rc = emby__buf_str(&q, "Ids=");
		while (e < n && rc == CWP_OK) {
			bool dup = false;
			for (size_t k = b; k < e && !dup; k++)
				dup = strcmp(item_ids[k], item_ids[e]) == 0;
			if (!dup) {
				if (distinct == EMBY__IDS_BATCH)
					break;
				if (distinct > 0)
					rc = emby__buf_add(&q, ",", 1);
				if (rc == CWP_OK)
					rc = emby__buf_escape(&q, item_ids[e]);
				distinct++;
			}
			e++;
		}
		if (rc == CWP_OK)
			rc = emby__buf_str(&q, "&EnableUserData=true&Fields=RunTimeTicks,"
					       "UserDataLastPlayedDate,UserDataPlayCount");
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
		rc = emby__get(c, &xf, path.p, q.p);
		if (rc != CWP_OK)
			goto done;
		emby_page_free(&page);
		rc = emby_decode_page(&page, xf.body.p, xf.body.len);
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_EDECODE, "%s: GET %s (state Ids): HTTP %ld: %s",
					c->label, xf.route, xf.status, cwp_error_last());
			goto done;
		}
		for (const cJSON *row = page.items->child; row; row = row->next) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
			if (!cJSON_IsString(id))
				continue;
			cwp_target_state st;
			cwp_warnings bad = CWP_WARNINGS_INIT;
			if (emby_decode_state(&st, row, &bad) != CWP_OK ||
			    !state_row_readable(row, &st, bad.count))
				continue;
			for (size_t k = b; k < e; k++)
				if (!found[k] && strcmp(item_ids[k], id->valuestring) == 0) {
					states[k] = st;
					found[k] = true;
				}
		}
		emby__progress(c, "state", e, n);
		b = e;
	}
	rc = CWP_OK;
done:
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	return rc;
}
