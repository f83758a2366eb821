/* The item query of the mock (GET /Users/{uid}/Items, /Items, Items/Resume,
 * Items/Latest, /Shows/{id}/Episodes): parameters, scope, filters, paging and
 * the envelope. Items are immutable; user data is read under m->mu. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- comma lists ---- */

int mock_emby__list_parse(mock_emby__list *l, const char *s)
{
	memset(l, 0, sizeof *l);
	if (!s || !*s)
		return 0;
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	l->buf = mock_emby__strdup(s);
	l->v = calloc(cap, sizeof *l->v);
	if (!l->buf || !l->v) {
		free(l->buf);
		free(l->v);
		memset(l, 0, sizeof *l);
		return -1;
	}
	char *p = l->buf;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		while (*p == ' ')
			p++;
		char *e = p + strlen(p);
		while (e > p && e[-1] == ' ')
			*--e = '\0';
		if (*p)
			l->v[l->n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

void mock_emby__list_free(mock_emby__list *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof *l);
}

bool mock_emby__list_has(const mock_emby__list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (mock_emby__ieq(l->v[i], s))
			return true;
	return false;
}
/* ---- parameters ---- */

static int param_bool(const mock_emby__req *rq, mock_emby__resp *rs, const char *name, int dflt,
		      int *out)
{
	const char *v = mock_emby__query_get(&rq->q, name);
	*out = dflt;
	if (!v || !*v)
		return 0;
	if (mock_emby__ieq(v, "true"))
		*out = 1;
	else if (mock_emby__ieq(v, "false"))
		*out = 0;
	else {
		char msg[160];
		snprintf(msg, sizeof msg, "The value '%.60s' is not valid for %s.", v, name);
		mock_emby__resp_text(rs, 400, msg);
		return -1;
	}
	return 0;
}

int mock_emby__param_long(const mock_emby__req *rq, mock_emby__resp *rs, const char *name,
			  long dflt, long *out)
{
	const char *v = mock_emby__query_get(&rq->q, name);
	*out = dflt;
	if (!v || !*v)
		return 0;
	if (!mock_emby__parse_long(v, 0, 2147483647L, out)) {
		char msg[160];
		snprintf(msg, sizeof msg, "The value '%.60s' is not valid for %s.", v, name);
		mock_emby__resp_text(rs, 400, msg);
		return -1;
	}
	return 0;
}
typedef struct iq {
	long start, limit; /* limit -1 = none */
	int recursive, enable_ud, enable_total;
	int is_played, is_favorite, has_tmdb, has_imdb, has_tvdb; /* -1 = not asked */
	const char *parent;
	const char *series; /* /Shows/{id}/Episodes */
	long season_no;     /* -1 = any */
	const char *season_id;
	mock_emby__list incl, excl, filters, ids, any_pid, fields, sort_by, sort_order, media;
	unsigned incl_mask, excl_mask; /* bits of enum mock_emby__type */
	unsigned filter;               /* F_* below */
	unsigned ud_flags;
	uint32_t field_mask; /* mock_emby__field_bit()s of Fields */
	bool resume;         /* Items/Resume */
} iq;

enum {
	F_RESUMABLE = 1,
	F_PLAYED = 2,
	F_UNPLAYED = 4,
	F_FAVORITE = 8,
	F_FOLDER = 16,
	F_NOT_FOLDER = 32
};

static unsigned type_mask(const mock_emby__list *l)
{
	static const char *const codes[] = {"", "Movie", "Episode", "Series", "Season"};
	unsigned mask = 0;
	for (size_t i = 0; i < l->n; i++) {
		unsigned bit = 1; /* OTHER: compare names */
		for (size_t k = 1; k < sizeof codes / sizeof codes[0]; k++)
			if (mock_emby__ieq(l->v[i], codes[k]))
				bit = 1u << k;
		mask |= bit;
	}
	return mask;
}

static void iq_free(iq *q)
{
	mock_emby__list_free(&q->incl);
	mock_emby__list_free(&q->excl);
	mock_emby__list_free(&q->filters);
	mock_emby__list_free(&q->ids);
	mock_emby__list_free(&q->any_pid);
	mock_emby__list_free(&q->fields);
	mock_emby__list_free(&q->sort_by);
	mock_emby__list_free(&q->sort_order);
	mock_emby__list_free(&q->media);
}

static int iq_parse(iq *q, const mock_emby__req *rq, mock_emby__resp *rs)
{
	memset(q, 0, sizeof *q);
	q->season_no = -1;
	if (mock_emby__param_long(rq, rs, "StartIndex", 0, &q->start) ||
	    mock_emby__param_long(rq, rs, "Limit", -1, &q->limit) ||
	    param_bool(rq, rs, "Recursive", 0, &q->recursive) ||
	    param_bool(rq, rs, "EnableUserData", 1, &q->enable_ud) ||
	    param_bool(rq, rs, "EnableTotalRecordCount", 1, &q->enable_total) ||
	    param_bool(rq, rs, "IsPlayed", -1, &q->is_played) ||
	    param_bool(rq, rs, "IsFavorite", -1, &q->is_favorite) ||
	    param_bool(rq, rs, "HasTmdbId", -1, &q->has_tmdb) ||
	    param_bool(rq, rs, "HasImdbId", -1, &q->has_imdb) ||
	    param_bool(rq, rs, "HasTvdbId", -1, &q->has_tvdb))
		return -1;
	q->parent = mock_emby__query_get(&rq->q, "ParentId");
	if (q->parent && !*q->parent)
		q->parent = NULL;
	const struct {
		const char *name;
		mock_emby__list *l;
	} lists[] = {{"IncludeItemTypes", &q->incl},
		     {"ExcludeItemTypes", &q->excl},
		     {"Filters", &q->filters},
		     {"Ids", &q->ids},
		     {"AnyProviderIdEquals", &q->any_pid},
		     {"Fields", &q->fields},
		     {"SortBy", &q->sort_by},
		     {"SortOrder", &q->sort_order},
		     {"MediaTypes", &q->media}};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		if (mock_emby__list_parse(lists[i].l,
					  mock_emby__query_get(&rq->q, lists[i].name)) != 0) {
			mock_emby__resp_text(rs, 500, "Out of memory.");
			return -1;
		}
	}
	for (size_t i = 0; i < q->any_pid.n; i++) {
		const char *dot = strchr(q->any_pid.v[i], '.');
		if (!dot || dot == q->any_pid.v[i] || !dot[1]) {
			mock_emby__resp_text(rs, 400,
					     "AnyProviderIdEquals expects name.value pairs.");
			return -1;
		}
	}
	q->incl_mask = type_mask(&q->incl);
	q->excl_mask = type_mask(&q->excl);
	static const struct {
		const char *name;
		unsigned bit;
	} filters[] = {{"IsResumable", F_RESUMABLE}, {"IsPlayed", F_PLAYED},
		       {"IsUnplayed", F_UNPLAYED},   {"IsFavorite", F_FAVORITE},
		       {"IsFolder", F_FOLDER},       {"IsNotFolder", F_NOT_FOLDER}};
	for (size_t i = 0; i < q->filters.n; i++)
		for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++)
			if (mock_emby__ieq(q->filters.v[i], filters[k].name))
				q->filter |= filters[k].bit;
	q->ud_flags = q->enable_ud ? MOCK_EMBY__UD_ON : 0;
	if (mock_emby__list_has(&q->fields, "UserDataLastPlayedDate"))
		q->ud_flags |= MOCK_EMBY__UD_LAST_PLAYED;
	if (mock_emby__list_has(&q->fields, "UserDataPlayCount"))
		q->ud_flags |= MOCK_EMBY__UD_PLAY_COUNT;
	for (size_t i = 0; i < q->fields.n; i++)
		q->field_mask |= mock_emby__field_bit(q->fields.v[i]);
	return 0;
}

static bool has_pid(const mock_emby__item *it, const char *name_lc)
{
	for (size_t i = 0; i < it->n_pids; i++)
		if (strcmp(it->pids[i].name_lc, name_lc) == 0 && it->pids[i].value[0])
			return true;
	return false;
}

/* AnyProviderIdEquals: any of the name.value pairs, names case-insensitive. */
static bool any_pid_match(const mock_emby__item *it, const mock_emby__list *pairs)
{
	for (size_t k = 0; k < pairs->n; k++) {
		const char *pair = pairs->v[k];
		const char *dot = strchr(pair, '.');
		size_t nl = (size_t)(dot - pair);
		for (size_t i = 0; i < it->n_pids; i++) {
			const mock_emby__pid *p = &it->pids[i];
			if (strlen(p->name_lc) == nl && mock_emby__ieqn(p->name_lc, pair, nl) &&
			    mock_emby__ieq(p->value, dot + 1))
				return true;
		}
	}
	return false;
}

static bool is_type(const mock_emby__item *it, const char *t)
{
	return mock_emby__ieq(it->type, t);
}

/* The folder an item sits in directly (Recursive=false). */
static const char *direct_parent(const mock_emby__item *it)
{
	if (is_type(it, "Episode"))
		return it->season_id ? it->season_id : it->series_id;
	if (is_type(it, "Season"))
		return it->series_id;
	return it->library_id;
}

static bool in_scope(const iq *q, const mock_emby__item *it)
{
	if (q->series)
		return it->series_id && strcmp(it->series_id, q->series) == 0 &&
		       is_type(it, "Episode") &&
		       (q->season_no < 0 || (it->has_season_no && it->season_no == q->season_no)) &&
		       (!q->season_id ||
			(it->season_id && strcmp(it->season_id, q->season_id) == 0));
	if (q->resume || q->recursive) {
		if (!q->parent)
			return true;
		return (it->library_id && strcmp(it->library_id, q->parent) == 0) ||
		       (it->series_id && strcmp(it->series_id, q->parent) == 0) ||
		       (it->season_id && strcmp(it->season_id, q->parent) == 0);
	}
	const char *dp = direct_parent(it);
	return q->parent && dp && strcmp(dp, q->parent) == 0;
}

static bool type_in(unsigned mask, const mock_emby__list *names, const mock_emby__item *it)
{
	if (it->type_code != MOCK_EMBY__T_OTHER)
		return mask & (1u << it->type_code);
	return (mask & 1u) && mock_emby__list_has(names, it->type);
}

static bool keep(const iq *q, const mock_emby__item *it, const mock_emby__udc *c)
{
	if (q->incl.n && !type_in(q->incl_mask, &q->incl, it))
		return false;
	if (q->excl.n && type_in(q->excl_mask, &q->excl, it))
		return false;
	if (q->media.n) {
		bool video = !it->is_folder && (it->type_code == MOCK_EMBY__T_MOVIE ||
						it->type_code == MOCK_EMBY__T_EPISODE ||
						is_type(it, "Video") || is_type(it, "MusicVideo"));
		if (!(video && mock_emby__list_has(&q->media, "Video")))
			return false;
	}
	unsigned f = q->filter;
	if (f && (((f & F_RESUMABLE) && !c->resumable) || ((f & F_PLAYED) && !c->played) ||
		  ((f & F_UNPLAYED) && c->played) || ((f & F_FAVORITE) && !c->favorite) ||
		  ((f & F_FOLDER) && !it->is_folder) || ((f & F_NOT_FOLDER) && it->is_folder)))
		return false;
	if (q->resume && !c->resumable)
		return false;
	if (q->is_played >= 0 && c->played != (q->is_played == 1))
		return false;
	if (q->is_favorite >= 0 && c->favorite != (q->is_favorite == 1))
		return false;
	if (q->has_tmdb >= 0 && has_pid(it, "tmdb") != (q->has_tmdb == 1))
		return false;
	if (q->has_imdb >= 0 && has_pid(it, "imdb") != (q->has_imdb == 1))
		return false;
	if (q->has_tvdb >= 0 && has_pid(it, "tvdb") != (q->has_tvdb == 1))
		return false;
	if (q->any_pid.n && !any_pid_match(it, &q->any_pid))
		return false;
	return true;
}

/* The user's library views as CollectionFolder items. */
void mock_emby__render_views(mock_emby *m, mock_emby__buf *b, long start, long limit, bool envelope)
{
	size_t total = m->n_libs;
	size_t from = (size_t)start < total ? (size_t)start : total;
	size_t to = limit < 0 || (size_t)limit > total - from ? total : from + (size_t)limit;
	if (envelope)
		mock_emby__buf_puts(b, "{\"Items\":[");
	for (size_t i = from; i < to; i++) {
		const mock_emby__library *l = &m->libs[i];
		mock_emby__buf_puts(b, i > from ? ",{\"Name\":" : "{\"Name\":");
		mock_emby__buf_json_str(b, l->name);
		mock_emby__buf_puts(b, ",\"ServerId\":");
		mock_emby__buf_json_str(b, m->server_id);
		mock_emby__buf_puts(b, ",\"Id\":");
		mock_emby__buf_json_str(b, l->id);
		mock_emby__buf_puts(b, ",\"IsFolder\":true,\"Type\":\"CollectionFolder\"");
		if (l->collection_type) {
			mock_emby__buf_puts(b, ",\"CollectionType\":");
			mock_emby__buf_json_str(b, l->collection_type);
		}
		mock_emby__buf_puts(b, "}");
	}
	if (envelope)
		mock_emby__buf_printf(b, "],\"TotalRecordCount\":%zu}", total);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* AnyProviderIdEquals without Ids: the items having any of the pairs, from
 * the provider id index, ascending and without duplicates (items.json
 * order, as a scan would find them). */
static bool pid_candidates(const mock_emby *m, const iq *q, mock_emby__idxlist *out)
{
	for (size_t k = 0; k < q->any_pid.n; k++) {
		const mock_emby__idxlist *l = mock_emby__find_pid(m, q->any_pid.v[k]);
		for (size_t i = 0; l && i < l->n; i++)
			if (!mock_emby__idxlist_push(out, l->v[i]))
				return false;
	}
	if (out->n > 1) {
		qsort(out->v, out->n, sizeof *out->v, cmp_size);
		size_t w = 1;
		for (size_t i = 1; i < out->n; i++)
			if (out->v[i] != out->v[w - 1])
				out->v[w++] = out->v[i];
		out->n = w;
	}
	return true;
}

/* The matches of q, counted in *total; those ranked in [from, to) go to
 * hits, or every match when from is SIZE_MAX (the caller sorts them first).
 * Candidates: the Ids asked, else the items of the provider ids
 * asked, else every item. */
static bool collect(mock_emby *m, const iq *q, const mock_emby__user *u, size_t from, size_t to,
		    mock_emby__idxlist *hits, size_t *total)
{
	bool all = from == SIZE_MAX, ok = true;
	mock_emby__idxlist cand = {0};
	const size_t *v = NULL;
	size_t n = m->n_items;
	if (q->ids.n) {
		for (size_t i = 0; i < q->ids.n && ok; i++) {
			const mock_emby__item *it = mock_emby__find_item(m, q->ids.v[i]);
			bool dup = false;
			for (size_t j = 0; it && j < i && !dup; j++)
				dup = strcmp(q->ids.v[j], it->id) == 0;
			if (it && !dup)
				ok = mock_emby__idxlist_push(&cand, it->index);
		}
		v = cand.v, n = cand.n;
	} else if (q->any_pid.n) {
		ok = pid_candidates(m, q, &cand);
		v = cand.v, n = cand.n;
	}
	for (size_t i = 0; i < n && ok; i++) {
		const mock_emby__item *it = &m->items[v ? v[i] : i];
		/* Ids= is answered regardless of Recursive/ParentId */
		if ((!q->ids.n && !in_scope(q, it)) || !keep(q, it, mock_emby__udc_of(u, it)))
			continue;
		if (all || (*total >= from && *total < to))
			ok = mock_emby__idxlist_push(hits, it->index);
		(*total)++;
	}
	free(cand.v);
	return ok;
}

/* Run an item query and render its answer: the {"Items", "TotalRecordCount"}
 * envelope, or a bare array (Items/Latest). Without SortBy only the page's
 * items are kept while counting, so a page of a large library costs one pass
 * over the items and nothing per item but the tests. */
static void run_query(mock_emby *m, iq *q, const mock_emby__user *u, mock_emby__resp *rs,
		      bool envelope)
{
	mock_emby__idxlist hits = {0};
	bool ok = true;
	mock_emby__sort_spec spec = {0};
	mock_emby__sort_parse(&spec, &q->sort_by, &q->sort_order);
	if (q->resume && spec.n == 0) {
		spec.key[0] = MOCK_EMBY__SK_DATE_PLAYED;
		spec.desc[0] = true;
		spec.n = 1;
	}
	if (q->series && spec.n == 0) {
		spec.key[0] = MOCK_EMBY__SK_EPISODE;
		spec.n = 1;
	}
	mock_emby__resp_json(rs);
	if (!q->ids.n && !q->series && !q->resume && !q->recursive && !q->parent) {
		/* Emby's root: the user's views (libraries). */
		mock_emby__render_views(m, &rs->body, q->start, q->limit, envelope);
		return;
	}
	bool sorting = spec.n > 0;
	size_t from = (size_t)q->start;
	size_t to = q->limit < 0 ? SIZE_MAX : from + (size_t)q->limit;
	size_t total = 0;
	pthread_mutex_lock(&m->mu);
	ok = collect(m, q, u, sorting ? SIZE_MAX : from, sorting ? SIZE_MAX : to, &hits, &total);
	size_t first = 0, last = hits.n; /* the page within hits */
	if (ok && sorting) {
		ok = mock_emby__sort_hits(m, &spec, u, hits.v, hits.n) == 0;
		first = from < hits.n ? from : hits.n;
		last = to < hits.n ? to : hits.n;
	}
	mock_emby__buf *b = &rs->body;
	unsigned ud_flags = q->ud_flags;
	if (m->ud_ungated) /* Emby 4.7 and older */
		ud_flags |= MOCK_EMBY__UD_LAST_PLAYED | MOCK_EMBY__UD_PLAY_COUNT;
	mock_emby__buf_puts(b, envelope ? "{\"Items\":[" : "[");
	for (size_t i = first; ok && i < last; i++) {
		if (i > first)
			mock_emby__buf_puts(b, ",");
		mock_emby__render_item_fields(b, &m->items[hits.v[i]], u, ud_flags, q->field_mask);
	}
	pthread_mutex_unlock(&m->mu);
	free(hits.v);
	if (!ok) {
		mock_emby__buf_free(b);
		mock_emby__resp_text(rs, 500, "Out of memory.");
		return;
	}
	/* Without EnableTotalRecordCount the count is not computed: the mock
	 * then sends the number of items returned (docs/FIXTURES.md). */
	if (envelope)
		mock_emby__buf_printf(b, "],\"TotalRecordCount\":%zu}",
				      q->enable_total ? total : last - first);
	else
		mock_emby__buf_puts(b, "]");
}

/* ---- routes ---- */

void mock_emby__get_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = NULL;
	if (uid && !(u = mock_emby__want_user(m, uid, rs)))
		return;
	if (iq_parse(&q, rq, rs) == 0)
		run_query(m, &q, u, rs, true);
	iq_free(&q);
}

void mock_emby__get_resume(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
	if (!u)
		return;
	if (iq_parse(&q, rq, rs) == 0) {
		q.resume = true;
		run_query(m, &q, u, rs, true);
	}
	iq_free(&q);
}

void mock_emby__get_latest(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
	if (!u)
		return;
	if (iq_parse(&q, rq, rs) == 0) {
		q.recursive = 1;
		if (q.limit < 0)
			q.limit = 20;
		if (!q.incl.n && mock_emby__list_parse(&q.incl, "Movie,Episode") != 0) {
			mock_emby__resp_text(rs, 500, "Out of memory.");
			iq_free(&q);
			return;
		}
		q.incl_mask = type_mask(&q.incl);
		if (q.is_played < 0)
			q.is_played = 0;
		if (!q.sort_by.n) {
			mock_emby__list_free(&q.sort_by);
			mock_emby__list_free(&q.sort_order);
			if (mock_emby__list_parse(&q.sort_by, "DateCreated") != 0 ||
			    mock_emby__list_parse(&q.sort_order, "Descending") != 0) {
				mock_emby__resp_text(rs, 500, "Out of memory.");
				iq_free(&q);
				return;
			}
		}
		run_query(m, &q, u, rs, false);
	}
	iq_free(&q);
}

void mock_emby__get_episodes(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *sid)
{
	iq q;
	mock_emby__user *u = NULL;
	const mock_emby__item *series = mock_emby__find_item(m, sid);
	if (!series || !is_type(series, "Series")) {
		mock_emby__resp_text(rs, 404, "Series not found.");
		return;
	}
	const char *uid = mock_emby__query_get(&rq->q, "UserId");
	if (uid && *uid && !(u = mock_emby__want_user(m, uid, rs)))
		return;
	if (iq_parse(&q, rq, rs) == 0 &&
	    mock_emby__param_long(rq, rs, "Season", -1, &q.season_no) == 0) {
		q.series = series->id;
		q.season_id = mock_emby__query_get(&rq->q, "SeasonId");
		if (q.season_id && !*q.season_id)
			q.season_id = NULL;
		run_query(m, &q, u, rs, true);
	}
	iq_free(&q);
}
