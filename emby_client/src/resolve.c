/* RES-02..04 (resolve), READ-06 (confirm-before-clear) and the batched state
 * reads of §5. Lookups carry many records per request (AnyProviderIdEquals,
 * URL <= 4 KiB); every returned item is verified by its ProviderIds and Type,
 * since Emby matches any of the ids and tmdb/tvdb numbers collide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "resolve_internal.h"

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
			emby__relate(m[i]->ids, m[j]->ids, &shared, &conflicts);
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
		if (!(e->ids[e->n_ids] = emby__dup_str(m[i]->id)))
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
		if (!(s->id = emby__dup_str(k->id)))
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		s->st = k->st;
		s->has_state = k->has_state;
		r->n_seen++;
	}
	return CWP_OK;
}

/* The candidates of cl verified for rec by its own ids, into m; several
 * episodes sharing an own id are told apart by season/episode (RES-03). */
static size_t own_matches(const cwp_record *rec, const cand_list *cl, cand_index *by_id,
			  size_t *hits, const cand **m)
{
	cand_kind want = rec->type == CWP_TYPE_MOVIE ? CAND_MOVIE : CAND_EPISODE;
	size_t nm = 0, nh = emby__cand_index_find(by_id, rec->ids, hits);
	for (size_t h = 0; h < nh; h++)
		if (cl->v[hits[h]]->kind == want && emby__verified(rec->ids, cl->v[hits[h]]))
			m[nm++] = cl->v[hits[h]];
	if (want != CAND_EPISODE || nm < 2 || !rec->has_season || !rec->has_episode)
		return nm;
	size_t keep = 0;
	for (size_t j = 0; j < nm; j++)
		if (m[j]->has_season && m[j]->has_episode && m[j]->season == rec->season &&
		    m[j]->episode == rec->episode)
			m[keep++] = m[j];
	return keep > 0 ? keep : nm;
}

/* Stage 1: every record by its own ids. */
static int resolve_own(emby_client *c, const cwp_record *const *recs, size_t n, emby_resolution *r,
		       size_t *n_lookups)
{
	lookup L;
	cand_list cl = {0};
	const cand **m = NULL;
	size_t *hits = NULL;
	cand_index by_id = {0};
	int rc = emby__lookup_init(&L, c);
	if (rc != CWP_OK)
		goto done;
	/* Movies first, then episodes: batches stay of one type mostly, so
	 * IncludeItemTypes narrows what collides. */
	for (int pass = 0; pass < 2; pass++) {
		cwp_media_type want = pass == 0 ? CWP_TYPE_MOVIE : CWP_TYPE_EPISODE;
		for (size_t i = 0; i < n; i++) {
			if (recs[i]->type != want || !emby__have_ids(recs[i]->ids))
				continue;
			rc = emby__lookup_add(&L, recs[i]->ids,
					      want == CWP_TYPE_MOVIE ? CAND_MOVIE : CAND_EPISODE,
					      &cl);
			if (rc != CWP_OK)
				goto done;
		}
	}
	rc = emby__lookup_flush(&L, &cl);
	if (rc != CWP_OK)
		goto done;
	*n_lookups += L.requests;
	rc = remember_states(c, r, &cl);
	if (rc != CWP_OK)
		goto done;
	m = malloc((cl.n ? cl.n : 1) * sizeof(*m));
	hits = malloc((cl.n ? cl.n : 1) * sizeof(*hits));
	if (!m || !hits || emby__cand_index_build(&by_id, &cl) != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if ((rec->type != CWP_TYPE_MOVIE && rec->type != CWP_TYPE_EPISODE) ||
		    !emby__have_ids(rec->ids))
			continue;
		rc = settle(c, &r->e[i], m, own_matches(rec, &cl, &by_id, hits, m));
		if (rc != CWP_OK)
			goto done;
	}
	rc = CWP_OK;
done:
	free(m);
	free(hits);
	emby__cand_index_free(&by_id);
	emby__cand_list_free(&cl);
	emby__lookup_free(&L);
	return rc;
}

/* Mark in listed[] the series of `series` verified for rec by its show ids.
 * Series that disagree with each other: which show is meant is unknown, so
 * none is listed and the result is CWP_EINVAL (ambiguous). */
static int mark_series(const cwp_record *rec, const cand_list *series, cand_index *by_id,
		       size_t *hits, bool *listed)
{
	size_t nh = emby__cand_index_find(by_id, rec->show_ids, hits), ns = 0;
	for (size_t h = 0; h < nh; h++)
		if (series->v[hits[h]]->kind == CAND_SERIES &&
		    emby__verified(rec->show_ids, series->v[hits[h]]))
			hits[ns++] = hits[h];
	for (size_t a = 0; a < ns; a++)
		for (size_t b = a + 1; b < ns; b++) {
			int shared, conflicts;
			emby__relate(series->v[hits[a]]->ids, series->v[hits[b]]->ids, &shared,
				     &conflicts);
			if (conflicts > 0)
				return CWP_EINVAL;
		}
	for (size_t a = 0; a < ns; a++)
		listed[hits[a]] = true;
	return CWP_OK;
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
	size_t *hits = NULL;
	cand_index by_id = {0};
	int rc = emby__lookup_init(&L, c);
	if (rc != CWP_OK)
		goto done;

	size_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !emby__have_ids(rec->show_ids))
			continue;
		todo++;
		rc = emby__lookup_add(&L, rec->show_ids, CAND_SERIES, &series);
		if (rc != CWP_OK)
			goto done;
	}
	if (todo == 0)
		goto done;
	rc = emby__lookup_flush(&L, &series);
	if (rc != CWP_OK)
		goto done;
	*n_lookups += L.requests;

	/* Which series are needed: those verified for some record. */
	listed = calloc(series.n ? series.n : 1, sizeof(*listed));
	hits = malloc((series.n ? series.n : 1) * sizeof(*hits));
	if (!listed || !hits || emby__cand_index_build(&by_id, &series) != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !emby__have_ids(rec->show_ids))
			continue;
		if (mark_series(rec, &series, &by_id, hits, listed) != CWP_OK)
			r->e[i].st = EMBY_AMBIGUOUS;
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
		rc = emby__add_cands(c, &eps, &page);
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
	m = malloc((eps.n + series.n + 1) * sizeof(*m));
	if (!m) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_record *rec = recs[i];
		if (rec->type != CWP_TYPE_EPISODE || r->e[i].st != EMBY_NOT_FOUND ||
		    !rec->has_season || !rec->has_episode || !emby__have_ids(rec->show_ids))
			continue;
		size_t nm = 0;
		for (size_t e = 0; e < eps.n; e++) {
			const cand *k = eps.v[e];
			const cand *sv = series.v[ep_series[e]];
			if (k->kind != CAND_EPISODE || !k->has_season || !k->has_episode ||
			    k->season != rec->season || k->episode != rec->episode ||
			    !emby__verified(rec->show_ids, sv))
				continue;
			/* An own id that contradicts the record means another
			 * numbering: not this episode. */
			int shared, conflicts;
			emby__relate(rec->ids, k->ids, &shared, &conflicts);
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
	free(hits);
	emby__cand_index_free(&by_id);
	free(ep_series);
	emby__cand_list_free(&series);
	emby__cand_list_free(&eps);
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	emby__lookup_free(&L);
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

/* The query of one state batch from ids[b]: as many distinct ids as the URL
 * holds (<= 4 KiB, as RES-02's lookups; `fixed` is the rest of the URL); a
 * repeated id rides along free. *end is where the next batch starts. */
static int state_batch(emby_buf *q, const char *const *ids, size_t b, size_t n, size_t fixed,
		       size_t *end)
{
	size_t e = b, distinct = 0;
	int rc;
	q->len = 0;
	rc = emby__buf_str(q, "Ids=");
	while (e < n && rc == CWP_OK) {
		bool dup = false;
		for (size_t k = b; k < e && !dup; k++)
			dup = strcmp(ids[k], ids[e]) == 0;
		if (!dup) {
			size_t before = q->len;
			if (distinct > 0)
				rc = emby__buf_add(q, ",", 1);
			if (rc == CWP_OK)
				rc = emby__buf_escape(q, ids[e]);
			if (rc == CWP_OK && distinct > 0 && fixed + q->len > EMBY__URL_MAX) {
				q->len = before; /* the id opens the next batch */
				q->p[before] = '\0';
				break;
			}
			distinct++;
		}
		e++;
	}
	*end = e;
	return rc;
}

/* The readable rows of a state answer into states[b..e) (found[] set). */
static void state_rows(const emby_page *page, const char *const *ids, size_t b, size_t e,
		       cwp_target_state *states, bool *found)
{
	for (const cJSON *row = page->items->child; row; row = row->next) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
		if (!cJSON_IsString(id))
			continue;
		cwp_target_state st;
		cwp_warnings bad = CWP_WARNINGS_INIT;
		if (emby_decode_state(&st, row, &bad) != CWP_OK ||
		    !state_row_readable(row, &st, bad.count))
			continue;
		for (size_t k = b; k < e; k++)
			if (!found[k] && strcmp(ids[k], id->valuestring) == 0) {
				states[k] = st;
				found[k] = true;
			}
	}
}

int emby_read_states(emby_client *c, const char *const *item_ids, size_t n,
		     cwp_target_state *states, bool *found)
{
	static const char suffix[] = "&EnableUserData=true&Fields=RunTimeTicks,"
				     "UserDataLastPlayedDate,UserDataPlayCount";
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
	const size_t fixed = strlen(c->base_url) + path.len + 1 + sizeof(suffix) - 1;
	for (size_t b = 0, e; b < n; b = e) {
		if (state_batch(&q, item_ids, b, n, fixed, &e) != CWP_OK ||
		    emby__buf_str(&q, suffix) != CWP_OK) {
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
		state_rows(&page, item_ids, b, e, states, found);
		emby__progress(c, "state", e, n);
	}
	rc = CWP_OK;
done:
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	return rc;
}
