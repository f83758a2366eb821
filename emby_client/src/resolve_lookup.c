/* RES-02's candidates and batched lookups (resolve_internal.h): every
 * returned item is decoded once and verified later by its ProviderIds and
 * Type, since Emby matches any of the ids and tmdb/tvdb numbers collide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "resolve_internal.h"

void emby__cand_list_free(cand_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]->id);
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

char *emby__dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Decode the rows of a lookup answer into l (Movie, Episode, Series). */
int emby__add_cands(emby_client *c, cand_list *l, const emby_page *page)
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
		if (!(k->id = emby__dup_str(id->valuestring)))
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
void emby__relate(const char *const *a, const char *const *b, int *shared, int *conflicts)
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

bool emby__verified(const char *const *rec_ids, const cand *k)
{
	int shared, conflicts;
	emby__relate(rec_ids, k->ids, &shared, &conflicts);
	return shared > 0 && conflicts == 0;
}

bool emby__have_ids(const char *const *ids)
{
	for (int k = 0; k < CWP_ID_COUNT; k++)
		if (ids[k])
			return true;
	return false;
}

/* ---- batched AnyProviderIdEquals lookups --------------------------------- */

int emby__lookup_init(lookup *L, emby_client *c)
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

void emby__lookup_free(lookup *L)
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
int emby__lookup_flush(lookup *L, cand_list *out)
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
	return emby__add_cands(c, out, &L->page);
}

/* Add one record's ids to the batch, flushing first when the URL would pass
 * 4 KiB. Returns whether the record fitted in a batch at all. */
int emby__lookup_add(lookup *L, const char *const *ids, cand_kind kind, cand_list *out)
{
	char toks[CWP_ID_COUNT][CWP_ID_MAX + 16];
	size_t n_toks;
	size_t add = new_tokens(L, ids, toks, &n_toks);
	if (L->n_in > 0 && L->fixed + L->q.len + add > EMBY__URL_MAX) {
		int rc = emby__lookup_flush(L, out);
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

/* ---- candidates by provider id ------------------------------------------- */

static int cmp_ref(const void *a, const void *b)
{
	const cand_ref *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp(x->value, y->value);
	if (c)
		return c;
	return x->cand < y->cand ? -1 : x->cand > y->cand;
}

int emby__cand_index_build(cand_index *x, const cand_list *l)
{
	memset(x, 0, sizeof(*x));
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		for (int k = 0; k < CWP_ID_COUNT; k++)
			n += l->v[i]->ids[k] != NULL;
	x->v = malloc((n ? n : 1) * sizeof(*x->v));
	x->stamp = calloc(l->n ? l->n : 1, sizeof(*x->stamp));
	if (!x->v || !x->stamp) {
		emby__cand_index_free(x);
		return CWP_ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++)
		for (int k = 0; k < CWP_ID_COUNT; k++)
			if (l->v[i]->ids[k])
				x->v[x->n++] = (cand_ref){k, l->v[i]->ids[k], i};
	qsort(x->v, x->n, sizeof(*x->v), cmp_ref);
	return CWP_OK;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

size_t emby__cand_index_find(cand_index *x, const char *const *ids, size_t *out)
{
	size_t n = 0;
	x->now++;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!ids[k])
			continue;
		/* The first ref of (k, ids[k]): a lower bound by binary search. */
		size_t lo = 0, hi = x->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const cand_ref *r = &x->v[mid];
			if (r->kind < k || (r->kind == k && strcmp(r->value, ids[k]) < 0))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < x->n && x->v[lo].kind == k && !strcmp(x->v[lo].value, ids[k]); lo++) {
			size_t c = x->v[lo].cand;
			if (x->stamp[c] != x->now) {
				x->stamp[c] = x->now;
				out[n++] = c;
			}
		}
	}
	qsort(out, n, sizeof(*out), cmp_size);
	return n;
}

void emby__cand_index_free(cand_index *x)
{
	free(x->v);
	free(x->stamp);
	memset(x, 0, sizeof(*x));
}
