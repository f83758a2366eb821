/* The Emby routes of the mock (../shared/EMBY_API.md): listing and filtering
 * items, per-user UserData reads and writes, sessions, system info and
 * authentication. Called by server.c with the request already decoded;
 * answers into rs. Items are immutable; user data and sessions are read and
 * written under m->mu. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"

void mock_emby__resp_text(mock_emby__resp *r, int status, const char *text)
{
	r->status = status;
	r->ctype = CT_TEXT;
	r->body.len = 0;
	mock_emby__buf_puts(&r->body, text);
}

static void resp_json(mock_emby__resp *r)
{
	r->status = 200;
	r->ctype = CT_JSON;
}

/* ---- comma lists ---- */

typedef struct list {
	char *buf;
	char **v;
	size_t n;
} list;

static int list_parse(list *l, const char *s)
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

static void list_free(list *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static bool list_has(const list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (mock_emby__ieq(l->v[i], s))
			return true;
	return false;
}

/* ---- user data (callers hold m->mu) ---- */

static const mock_emby__udc no_userdata; /* an item the user never touched */

static const mock_emby__udc *udc_of(const mock_emby__user *u, const mock_emby__item *it)
{
	return u ? &u->cache[it->index] : &no_userdata;
}

static const cJSON *ud_of(const mock_emby__user *u, const mock_emby__item *it)
{
	return udc_of(u, it)->ud;
}

static int64_t ud_pos(const cJSON *ud)
{
	int64_t v = 0;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	if (!p || !mock_emby__json_int(p, 0, INT64_MAX, &v))
		return 0;
	return v;
}

enum { UD_ON = 1, UD_LAST_PLAYED = 2, UD_PLAY_COUNT = 4, UD_ALL = 7 };

/* UserData as Emby shows it: the stored object (mock annotations removed,
 * gated fields left out unless asked for) plus the fields Emby always sends. */
static void render_userdata(mock_emby__buf *b, const cJSON *ud, unsigned flags)
{
	bool first = true, pos = false, count = false, fav = false, played = false;
	mock_emby__buf_puts(b, "{");
	for (const cJSON *c = ud ? ud->child : NULL; c; c = c->next) {
		if (strncmp(c->string, "cwp", 3) == 0)
			continue;
		if (strcmp(c->string, "LastPlayedDate") == 0 &&
		    (!(flags & UD_LAST_PLAYED) || cJSON_IsNull(c)))
			continue;
		if (strcmp(c->string, "PlayCount") == 0) {
			count = true;
			if (!(flags & UD_PLAY_COUNT))
				continue;
		}
		if (strcmp(c->string, "PlayedPercentage") == 0 && cJSON_IsNull(c))
			continue;
		pos = pos || strcmp(c->string, "PlaybackPositionTicks") == 0;
		fav = fav || strcmp(c->string, "IsFavorite") == 0;
		played = played || strcmp(c->string, "Played") == 0;
		if (!first)
			mock_emby__buf_puts(b, ",");
		first = false;
		mock_emby__buf_json_str(b, c->string);
		mock_emby__buf_puts(b, ":");
		mock_emby__buf_json(b, c);
	}
	if (!pos)
		mock_emby__buf_puts(b, first ? "\"PlaybackPositionTicks\":0"
					     : ",\"PlaybackPositionTicks\":0"),
		    first = false;
	if (!count && (flags & UD_PLAY_COUNT))
		mock_emby__buf_puts(b, first ? "\"PlayCount\":0" : ",\"PlayCount\":0"),
		    first = false;
	if (!fav)
		mock_emby__buf_puts(b, first ? "\"IsFavorite\":false" : ",\"IsFavorite\":false"),
		    first = false;
	if (!played)
		mock_emby__buf_puts(b, first ? "\"Played\":false" : ",\"Played\":false");
	mock_emby__buf_puts(b, "}");
}

static void render_item(mock_emby__buf *b, const mock_emby__item *it, const mock_emby__user *u,
			unsigned flags)
{
	mock_emby__buf_put(b, it->json, it->json_len);
	if (u && (flags & UD_ON)) {
		mock_emby__buf_puts(b, it->json_has_keys ? ",\"UserData\":" : "\"UserData\":");
		render_userdata(b, ud_of(u, it), flags);
	}
	mock_emby__buf_puts(b, "}");
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

static int param_long(const mock_emby__req *rq, mock_emby__resp *rs, const char *name, long dflt,
		      long *out)
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

static bool guid_form(const char *s)
{
	size_t hex = 0;
	for (; *s; s++) {
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F'))
			hex++;
		else if (*s != '-')
			return false;
	}
	return hex == 32;
}

/* The user named in the path (or a UserId parameter). Emby answers a
 * malformed id with 500 "Unrecognized Guid format."; the mock answers an
 * unknown well-formed one with 404. */
static mock_emby__user *want_user(mock_emby *m, const char *id, mock_emby__resp *rs)
{
	if (!guid_form(id)) {
		mock_emby__resp_text(rs, 500, "Unrecognized Guid format.");
		return NULL;
	}
	mock_emby__user *u = mock_emby__find_user(m, id);
	if (!u)
		mock_emby__resp_text(rs, 404, "User not found.");
	return u;
}

/* ---- the item query ---- */

enum sort_key {
	SK_DATE_PLAYED,
	SK_NAME,
	SK_DATE_CREATED,
	SK_PREMIERE,
	SK_YEAR,
	SK_RUNTIME,
	SK_PLAY_COUNT,
	SK_EPISODE
};

typedef struct sort_spec {
	enum sort_key key[4];
	bool desc[4];
	size_t n;
} sort_spec;

typedef struct entry {
	size_t idx;
	const sort_spec *spec;
	int64_t ik[4];
	bool has[4];
	const char *sk[4];
} entry;

static int cmp_entry(const void *pa, const void *pb)
{
	const entry *a = pa, *b = pb;
	for (size_t k = 0; k < a->spec->n; k++) {
		int c = 0;
		if (a->spec->key[k] == SK_NAME) {
			const char *x = a->sk[k], *y = b->sk[k];
			c = !x || !y ? (x != NULL) - (y != NULL) : strcasecmp(x, y);
		} else if (a->has[k] != b->has[k]) {
			c = a->has[k] ? 1 : -1; /* unknown first when ascending */
		} else if (a->has[k]) {
			c = a->ik[k] < b->ik[k] ? -1 : a->ik[k] > b->ik[k];
		}
		if (c)
			return a->spec->desc[k] ? -c : c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void fill_keys(entry *e, const mock_emby__item *it, const mock_emby__user *u)
{
	const mock_emby__udc *c = udc_of(u, it);
	for (size_t k = 0; k < e->spec->n; k++) {
		switch (e->spec->key[k]) {
		case SK_DATE_PLAYED:
			e->has[k] = c->has_last_played, e->ik[k] = c->last_played;
			break;
		case SK_NAME:
			e->sk[k] = it->sort_name;
			break;
		case SK_DATE_CREATED:
			e->has[k] = it->has_date_created, e->ik[k] = it->date_created;
			break;
		case SK_PREMIERE:
			e->has[k] = it->has_premiere_date, e->ik[k] = it->premiere_date;
			break;
		case SK_YEAR:
			e->has[k] = it->has_year, e->ik[k] = it->year;
			break;
		case SK_RUNTIME:
			e->has[k] = it->has_runtime, e->ik[k] = it->runtime;
			break;
		case SK_PLAY_COUNT:
			e->has[k] = true, e->ik[k] = c->play_count;
			break;
		case SK_EPISODE:
			/* season, then episode; a missing number sorts last */
			e->has[k] = true;
			e->ik[k] = (it->has_season_no ? (int64_t)it->season_no : INT64_C(1) << 31) *
				       (INT64_C(1) << 32) +
				   (it->has_episode_no ? it->episode_no : INT64_C(1) << 31);
			break;
		}
	}
}

static void sort_parse(sort_spec *s, const list *by, const list *order)
{
	static const struct {
		const char *name;
		enum sort_key key;
	} names[] = {{"DatePlayed", SK_DATE_PLAYED},
		     {"SortName", SK_NAME},
		     {"Name", SK_NAME},
		     {"DateCreated", SK_DATE_CREATED},
		     {"PremiereDate", SK_PREMIERE},
		     {"ProductionYear", SK_YEAR},
		     {"Runtime", SK_RUNTIME},
		     {"PlayCount", SK_PLAY_COUNT},
		     {"DateLastContentAdded", SK_DATE_CREATED}};
	for (size_t i = 0; i < by->n && s->n < 4; i++) {
		for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
			if (!mock_emby__ieq(by->v[i], names[j].name))
				continue;
			const char *o = order->n ? order->v[i < order->n ? i : order->n - 1] : NULL;
			s->key[s->n] = names[j].key;
			s->desc[s->n] = o && mock_emby__ieq(o, "Descending");
			s->n++;
			break;
		}
	}
}

typedef struct iq {
	long start, limit; /* limit -1 = none */
	int recursive, enable_ud, enable_total;
	int is_played, is_favorite, has_tmdb, has_imdb, has_tvdb; /* -1 = not asked */
	const char *parent;
	const char *series; /* /Shows/{id}/Episodes */
	long season_no;     /* -1 = any */
	const char *season_id;
	list incl, excl, filters, ids, any_pid, fields, sort_by, sort_order, media;
	unsigned incl_mask, excl_mask; /* bits of enum mock_emby__type */
	unsigned filter;               /* F_* below */
	unsigned ud_flags;
	bool resume; /* Items/Resume */
} iq;

enum {
	F_RESUMABLE = 1,
	F_PLAYED = 2,
	F_UNPLAYED = 4,
	F_FAVORITE = 8,
	F_FOLDER = 16,
	F_NOT_FOLDER = 32
};

static unsigned type_mask(const list *l)
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
	list_free(&q->incl);
	list_free(&q->excl);
	list_free(&q->filters);
	list_free(&q->ids);
	list_free(&q->any_pid);
	list_free(&q->fields);
	list_free(&q->sort_by);
	list_free(&q->sort_order);
	list_free(&q->media);
}

static int iq_parse(iq *q, const mock_emby__req *rq, mock_emby__resp *rs)
{
	memset(q, 0, sizeof *q);
	q->season_no = -1;
	if (param_long(rq, rs, "StartIndex", 0, &q->start) ||
	    param_long(rq, rs, "Limit", -1, &q->limit) ||
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
		list *l;
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
		if (list_parse(lists[i].l, mock_emby__query_get(&rq->q, lists[i].name)) != 0) {
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
	q->ud_flags = q->enable_ud ? UD_ON : 0;
	if (list_has(&q->fields, "UserDataLastPlayedDate"))
		q->ud_flags |= UD_LAST_PLAYED;
	if (list_has(&q->fields, "UserDataPlayCount"))
		q->ud_flags |= UD_PLAY_COUNT;
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
static bool any_pid_match(const mock_emby__item *it, const list *pairs)
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

static bool type_in(unsigned mask, const list *names, const mock_emby__item *it)
{
	if (it->type_code != MOCK_EMBY__T_OTHER)
		return mask & (1u << it->type_code);
	return (mask & 1u) && list_has(names, it->type);
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
		if (!(video && list_has(&q->media, "Video")))
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
static void render_views(mock_emby *m, mock_emby__buf *b, long start, long limit, bool envelope)
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

typedef struct idxv {
	size_t *v;
	size_t n, cap;
} idxv;

static bool idxv_push(idxv *x, size_t i)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 512;
		size_t *v = realloc(x->v, cap * sizeof *v);
		if (!v)
			return false;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = i;
	return true;
}

/* Run an item query and render its answer: the {"Items", "TotalRecordCount"}
 * envelope, or a bare array (Items/Latest). Without SortBy only the page's
 * items are kept while counting, so a page of a large library costs one pass
 * over the items and nothing per item but the tests. */
static void run_query(mock_emby *m, iq *q, const mock_emby__user *u, mock_emby__resp *rs,
		      bool envelope)
{
	idxv hits = {0};
	entry *ents = NULL;
	bool ok = true;
	sort_spec spec = {0};
	sort_parse(&spec, &q->sort_by, &q->sort_order);
	if (q->resume && spec.n == 0) {
		spec.key[0] = SK_DATE_PLAYED;
		spec.desc[0] = true;
		spec.n = 1;
	}
	if (q->series && spec.n == 0) {
		spec.key[0] = SK_EPISODE;
		spec.n = 1;
	}
	resp_json(rs);
	if (!q->ids.n && !q->series && !q->resume && !q->recursive && !q->parent) {
		/* Emby's root: the user's views (libraries). */
		render_views(m, &rs->body, q->start, q->limit, envelope);
		return;
	}
	bool sorting = spec.n > 0;
	size_t from = (size_t)q->start;
	size_t to = q->limit < 0 ? SIZE_MAX : from + (size_t)q->limit;
	size_t total = 0;
	pthread_mutex_lock(&m->mu);
	if (q->ids.n) {
		for (size_t i = 0; i < q->ids.n && ok; i++) {
			const mock_emby__item *it = mock_emby__find_item(m, q->ids.v[i]);
			bool dup = false;
			for (size_t j = 0; it && j < i && !dup; j++)
				dup = strcmp(q->ids.v[j], it->id) == 0;
			if (!it || dup || !keep(q, it, udc_of(u, it)))
				continue;
			if (sorting || (total >= from && total < to))
				ok = idxv_push(&hits, it->index);
			total++;
		}
	} else {
		for (size_t i = 0; i < m->n_items && ok; i++) {
			const mock_emby__item *it = &m->items[i];
			if (!in_scope(q, it) || !keep(q, it, udc_of(u, it)))
				continue;
			if (sorting || (total >= from && total < to))
				ok = idxv_push(&hits, i);
			total++;
		}
	}
	size_t first = 0, last = hits.n; /* the page within hits */
	if (ok && sorting) {
		ents = calloc(hits.n ? hits.n : 1, sizeof *ents);
		ok = ents != NULL;
		for (size_t i = 0; ok && i < hits.n; i++) {
			ents[i].idx = hits.v[i];
			ents[i].spec = &spec;
			fill_keys(&ents[i], &m->items[hits.v[i]], u);
		}
		if (ok) {
			qsort(ents, hits.n, sizeof *ents, cmp_entry);
			for (size_t i = 0; i < hits.n; i++)
				hits.v[i] = ents[i].idx;
		}
		first = from < hits.n ? from : hits.n;
		last = to < hits.n ? to : hits.n;
	}
	mock_emby__buf *b = &rs->body;
	mock_emby__buf_puts(b, envelope ? "{\"Items\":[" : "[");
	for (size_t i = first; ok && i < last; i++) {
		if (i > first)
			mock_emby__buf_puts(b, ",");
		render_item(b, &m->items[hits.v[i]], u, q->ud_flags);
	}
	pthread_mutex_unlock(&m->mu);
	free(ents);
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

static void get_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = NULL;
	if (uid && !(u = want_user(m, uid, rs)))
		return;
	if (iq_parse(&q, rq, rs) == 0)
		run_query(m, &q, u, rs, true);
	iq_free(&q);
}

static void get_resume(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = want_user(m, uid, rs);
	if (!u)
		return;
	if (iq_parse(&q, rq, rs) == 0) {
		q.resume = true;
		run_query(m, &q, u, rs, true);
	}
	iq_free(&q);
}

static void get_latest(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid)
{
	iq q;
	mock_emby__user *u = want_user(m, uid, rs);
	if (!u)
		return;
	if (iq_parse(&q, rq, rs) == 0) {
		q.recursive = 1;
		if (q.limit < 0)
			q.limit = 20;
		if (!q.incl.n && list_parse(&q.incl, "Movie,Episode") != 0) {
			mock_emby__resp_text(rs, 500, "Out of memory.");
			iq_free(&q);
			return;
		}
		q.incl_mask = type_mask(&q.incl);
		if (q.is_played < 0)
			q.is_played = 0;
		if (!q.sort_by.n) {
			list_free(&q.sort_by);
			list_free(&q.sort_order);
			if (list_parse(&q.sort_by, "DateCreated") != 0 ||
			    list_parse(&q.sort_order, "Descending") != 0) {
				mock_emby__resp_text(rs, 500, "Out of memory.");
				iq_free(&q);
				return;
			}
		}
		run_query(m, &q, u, rs, false);
	}
	iq_free(&q);
}

static void get_episodes(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *sid)
{
	iq q;
	mock_emby__user *u = NULL;
	const mock_emby__item *series = mock_emby__find_item(m, sid);
	if (!series || !is_type(series, "Series")) {
		mock_emby__resp_text(rs, 404, "Series not found.");
		return;
	}
	const char *uid = mock_emby__query_get(&rq->q, "UserId");
	if (uid && *uid && !(u = want_user(m, uid, rs)))
		return;
	if (iq_parse(&q, rq, rs) == 0 && param_long(rq, rs, "Season", -1, &q.season_no) == 0) {
		q.series = series->id;
		q.season_id = mock_emby__query_get(&rq->q, "SeasonId");
		if (q.season_id && !*q.season_id)
			q.season_id = NULL;
		run_query(m, &q, u, rs, true);
	}
	iq_free(&q);
}

static void get_item(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
		     const char *id, bool only_userdata)
{
	(void)rq;
	mock_emby__user *u = want_user(m, uid, rs);
	if (!u)
		return;
	const mock_emby__item *it = mock_emby__find_item(m, id);
	if (!it) {
		mock_emby__resp_text(rs, 404, "Item not found.");
		return;
	}
	resp_json(rs);
	pthread_mutex_lock(&m->mu);
	if (only_userdata)
		render_userdata(&rs->body, ud_of(u, it), UD_ALL);
	else
		render_item(&rs->body, it, u, UD_ALL);
	pthread_mutex_unlock(&m->mu);
}

/* ---- writes ---- */

static cJSON *ud_for_write(mock_emby__user *u, const char *item_id)
{
	cJSON *ud = mock_emby__map_get(&u->idx, item_id);
	if (ud)
		return ud;
	ud = cJSON_CreateObject();
	if (!ud)
		return NULL;
	if (!cJSON_AddItemToObject(u->live, item_id, ud)) {
		cJSON_Delete(ud);
		return NULL;
	}
	if (mock_emby__map_put(&u->idx, ud->string, ud) != 0) {
		cJSON_Delete(cJSON_DetachItemViaPointer(u->live, ud));
		return NULL;
	}
	return ud;
}

static bool set_value(cJSON *obj, const char *key, cJSON *v)
{
	if (!v)
		return false;
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, v) != 0;
	return cJSON_AddItemToObject(obj, key, v) != 0;
}

/* Emby sends PlayedPercentage only when there is a position; the mock
 * recomputes it from the position and the runtime after every write. */
static void recompute_percentage(cJSON *ud, const mock_emby__item *it)
{
	int64_t pos = ud_pos(ud);
	if (pos > 0 && it->has_runtime)
		set_value(ud, "PlayedPercentage",
			  cJSON_CreateNumber((double)pos * 100.0 / (double)it->runtime));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(ud, "PlayedPercentage");
}

/* After every write: the percentage, and the query cache of the item. */
static void finish_write(mock_emby__user *u, const mock_emby__item *it, cJSON *ud)
{
	recompute_percentage(ud, it);
	mock_emby__udc_refresh(&u->cache[it->index], ud);
}

/* A tick value as Emby accepts it: a non-negative integer, as a JSON number
 * or a decimal string. The mock keeps ticks as JSON numbers: above 2^53 is
 * refused rather than rounded. */
static bool body_ticks(const cJSON *v, int64_t *out)
{
	if (cJSON_IsString(v)) {
		long long t = 0;
		const char *s = v->valuestring;
		if (!*s)
			return false;
		for (; *s; s++) {
			if (*s < '0' || *s > '9' || t > (INT64_C(9007199254740992) - 9) / 10)
				return false;
			t = t * 10 + (*s - '0');
		}
		*out = t;
		return true;
	}
	return mock_emby__json_int(v, 0, INT64_C(9007199254740992), out);
}

/* On success ud is consumed (it becomes, or is merged into, the user's
 * entry); on failure the caller still owns it. */
int mock_emby__set_userdata_locked(mock_emby *m, mock_emby__user *u, const char *item_id, cJSON *ud)
{
	const mock_emby__item *it = mock_emby__find_item(m, item_id);
	if (!it || !cJSON_IsObject(ud))
		return -1;
	cJSON *old = mock_emby__map_get(&u->idx, it->id);
	if (old) {
		/* Keep the indexed node; swap its members for the new ones. */
		cJSON *tmp = old->child;
		old->child = ud->child;
		ud->child = tmp;
		cJSON_Delete(ud);
		mock_emby__udc_refresh(&u->cache[it->index], old);
		return 0;
	}
	if (!cJSON_AddItemToObject(u->live, it->id, ud))
		return -1;
	if (mock_emby__map_put(&u->idx, ud->string, ud) != 0) {
		cJSON_DetachItemViaPointer(u->live, ud);
		return -1;
	}
	mock_emby__udc_refresh(&u->cache[it->index], ud);
	return 0;
}

static void post_userdata(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			  const char *id)
{
	mock_emby__user *u = want_user(m, uid, rs);
	if (!u)
		return;
	const mock_emby__item *it = mock_emby__find_item(m, id);
	if (!it) {
		mock_emby__resp_text(rs, 404, "Item not found.");
		return;
	}
	cJSON *body = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	const char *bad = NULL;
	int64_t ticks = 0, count = 0, date = 0;
	const cJSON *pos = NULL, *lpd = NULL, *played = NULL, *pc = NULL, *fav = NULL;
	if (!body) {
		bad = rq->body_len ? "The request body is not valid JSON."
				   : "Value cannot be null. (Parameter 'UserData')";
	} else if (!cJSON_IsObject(body)) {
		bad = "The request body must be a UserData JSON object.";
	} else {
		pos = cJSON_GetObjectItemCaseSensitive(body, "PlaybackPositionTicks");
		lpd = cJSON_GetObjectItemCaseSensitive(body, "LastPlayedDate");
		played = cJSON_GetObjectItemCaseSensitive(body, "Played");
		pc = cJSON_GetObjectItemCaseSensitive(body, "PlayCount");
		fav = cJSON_GetObjectItemCaseSensitive(body, "IsFavorite");
		if (pos && !body_ticks(pos, &ticks))
			bad = "PlaybackPositionTicks must be a non-negative integer (number or "
			      "string).";
		else if (lpd && !cJSON_IsNull(lpd) &&
			 !(cJSON_IsString(lpd) && mock_emby__date_parse(lpd->valuestring, &date)))
			bad = "LastPlayedDate must be a date such as 2024-03-01T20:15:00.0000000Z.";
		else if (played && !cJSON_IsBool(played))
			bad = "Played must be true or false.";
		else if (pc && !mock_emby__json_int(pc, 0, INT32_MAX, &count))
			bad = "PlayCount must be a non-negative integer.";
		else if (fav && !cJSON_IsBool(fav))
			bad = "IsFavorite must be true or false.";
	}
	if (bad) {
		mock_emby__resp_text(rs, 400, bad);
		cJSON_Delete(body);
		return;
	}
	bool ok = true;
	pthread_mutex_lock(&m->mu);
	cJSON *ud = ud_for_write(u, it->id);
	if (!ud) {
		ok = false;
	} else {
		if (pos)
			ok = ok && set_value(ud, "PlaybackPositionTicks",
					     cJSON_CreateNumber((double)ticks));
		if (lpd && cJSON_IsNull(lpd)) {
			cJSON_DeleteItemFromObjectCaseSensitive(ud, "LastPlayedDate");
		} else if (lpd) {
			char d[40];
			mock_emby__date_format(d, sizeof d, date);
			ok = ok && set_value(ud, "LastPlayedDate", cJSON_CreateString(d));
		}
		if (played)
			ok = ok && set_value(ud, "Played", cJSON_CreateBool(cJSON_IsTrue(played)));
		if (pc)
			ok = ok && set_value(ud, "PlayCount", cJSON_CreateNumber((double)count));
		if (fav)
			ok = ok && set_value(ud, "IsFavorite", cJSON_CreateBool(cJSON_IsTrue(fav)));
		finish_write(u, it, ud);
	}
	pthread_mutex_unlock(&m->mu);
	cJSON_Delete(body);
	if (!ok) {
		mock_emby__resp_text(rs, 500, "Out of memory.");
		return;
	}
	rs->status = 204;
	rs->no_content_type = true;
}

/* DatePlayed=yyyyMMddHHmmss (POST PlayedItems). */
static bool parse_date_played(const char *s, int64_t *out)
{
	char iso[32];
	if (strlen(s) != 14 || strspn(s, "0123456789") != 14)
		return false;
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6, s + 8, s + 10,
		 s + 12);
	return mock_emby__date_parse(iso, out);
}

static void played_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			 const char *id, bool mark)
{
	mock_emby__user *u = want_user(m, uid, rs);
	if (!u)
		return;
	const mock_emby__item *it = mock_emby__find_item(m, id);
	if (!it) {
		mock_emby__resp_text(rs, 404, "Item not found.");
		return;
	}
	int64_t when = mock_emby__now_100ns();
	const char *dp = mock_emby__query_get(&rq->q, "DatePlayed");
	if (mark && dp && *dp && !parse_date_played(dp, &when)) {
		mock_emby__resp_text(rs, 400, "DatePlayed must be yyyyMMddHHmmss.");
		return;
	}
	bool ok = true;
	pthread_mutex_lock(&m->mu);
	cJSON *ud = ud_for_write(u, it->id);
	if (!ud) {
		ok = false;
	} else if (mark) {
		char d[40];
		mock_emby__date_format(d, sizeof d, when);
		ok = set_value(ud, "Played", cJSON_CreateBool(1)) &&
		     set_value(ud, "PlayCount",
			       cJSON_CreateNumber((double)(u->cache[it->index].play_count + 1))) &&
		     set_value(ud, "PlaybackPositionTicks", cJSON_CreateNumber(0)) &&
		     set_value(ud, "LastPlayedDate", cJSON_CreateString(d));
	} else {
		/* Unplaying resets position, play count and LastPlayedDate. */
		ok = set_value(ud, "Played", cJSON_CreateBool(0)) &&
		     set_value(ud, "PlayCount", cJSON_CreateNumber(0)) &&
		     set_value(ud, "PlaybackPositionTicks", cJSON_CreateNumber(0));
		cJSON_DeleteItemFromObjectCaseSensitive(ud, "LastPlayedDate");
	}
	if (ud) {
		finish_write(u, it, ud);
		resp_json(rs);
		render_userdata(&rs->body, ud, UD_ALL);
	}
	pthread_mutex_unlock(&m->mu);
	if (!ok)
		mock_emby__resp_text(rs, 500, "Out of memory.");
}

/* ---- sessions, system, users ---- */

static void get_sessions(mock_emby *m, mock_emby__resp *rs)
{
	mock_emby__buf *b = &rs->body;
	resp_json(rs);
	bool first = true;
	mock_emby__buf_puts(b, "[");
	pthread_mutex_lock(&m->mu);
	for (const cJSON *s = m->sessions->child; s; s = s->next) {
		mock_emby__buf_puts(b, first ? "" : ",");
		mock_emby__buf_json(b, s);
		first = false;
	}
	for (size_t i = 0; i < m->n_users; i++) {
		const mock_emby__user *u = &m->users[i];
		const mock_emby__item *it = u->playing ? mock_emby__find_item(m, u->playing) : NULL;
		if (!it)
			continue;
		mock_emby__buf_puts(b, first ? "{\"Id\":" : ",{\"Id\":");
		first = false;
		mock_emby__buf_printf(b, "\"mock-session-%.8s\",\"ServerId\":", u->id);
		mock_emby__buf_json_str(b, m->server_id);
		mock_emby__buf_puts(b, ",\"UserId\":");
		mock_emby__buf_json_str(b, u->id);
		mock_emby__buf_puts(b, ",\"UserName\":");
		mock_emby__buf_json_str(b, u->name);
		mock_emby__buf_puts(b, ",\"Client\":\"Emby Web\",\"DeviceName\":\"mock-emby\","
				       "\"DeviceId\":\"mock-emby-device\",\"ApplicationVersion\":");
		mock_emby__buf_json_str(b, m->version);
		mock_emby__buf_puts(b, ",\"SupportsRemoteControl\":true,\"NowPlayingItem\":");
		render_item(b, it, NULL, 0);
		mock_emby__buf_printf(b,
				      ",\"PlayState\":{\"PositionTicks\":%lld,\"CanSeek\":true,"
				      "\"IsPaused\":false,\"IsMuted\":false}}",
				      (long long)udc_of(u, it)->pos);
	}
	pthread_mutex_unlock(&m->mu);
	mock_emby__buf_puts(b, "]");
}

static cJSON *public_info(mock_emby *m)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "LocalAddress", m->local_address ? m->local_address : m->url);
	cJSON_AddStringToObject(o, "ServerName", m->server_name);
	cJSON_AddStringToObject(o, "Version", m->version);
	cJSON_AddStringToObject(o, "ProductName", "Emby Server");
	cJSON_AddStringToObject(o, "OperatingSystem", m->os);
	cJSON_AddStringToObject(o, "Id", m->server_id);
	cJSON_AddBoolToObject(o, "StartupWizardCompleted", 1);
	return o;
}

static void send_cjson(mock_emby__resp *rs, cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	if (!s) {
		mock_emby__resp_text(rs, 500, "Out of memory.");
	} else {
		resp_json(rs);
		mock_emby__buf_puts(&rs->body, s);
	}
	cJSON_free(s);
	cJSON_Delete(o);
}

static void get_system_info(mock_emby *m, mock_emby__resp *rs, bool full)
{
	cJSON *o = public_info(m);
	if (o && full) {
		cJSON_AddStringToObject(o, "OperatingSystemDisplayName", m->os);
		cJSON_AddBoolToObject(o, "HasPendingRestart", 0);
		cJSON_AddBoolToObject(o, "IsShuttingDown", 0);
		cJSON_AddBoolToObject(o, "SupportsLibraryMonitor", 1);
		cJSON_AddNumberToObject(o, "WebSocketPortNumber", m->port);
		cJSON_AddBoolToObject(o, "CanSelfRestart", 0);
		cJSON_AddBoolToObject(o, "CanSelfUpdate", 0);
		cJSON_AddBoolToObject(o, "CanLaunchWebBrowser", 0);
		cJSON_AddBoolToObject(o, "HasUpdateAvailable", 0);
		cJSON_AddNumberToObject(o, "HttpServerPortNumber", m->tls ? 0 : m->port);
		cJSON_AddNumberToObject(o, "HttpsPortNumber", m->tls ? m->port : 0);
		cJSON_AddBoolToObject(o, "SupportsHttps", m->tls);
		for (const cJSON *c = m->system_info_extra ? m->system_info_extra->child : NULL; c;
		     c = c->next) {
			cJSON *dup = cJSON_Duplicate(c, 1);
			if (dup && cJSON_GetObjectItemCaseSensitive(o, c->string))
				cJSON_ReplaceItemInObjectCaseSensitive(o, c->string, dup);
			else if (dup)
				cJSON_AddItemToObject(o, c->string, dup);
		}
	}
	send_cjson(rs, o);
}

static cJSON *user_object(mock_emby *m, const mock_emby__user *u)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "Name", u->name);
	cJSON_AddStringToObject(o, "ServerId", m->server_id);
	cJSON_AddStringToObject(o, "Id", u->id);
	cJSON_AddBoolToObject(o, "HasPassword", u->password[0] != '\0');
	cJSON_AddBoolToObject(o, "HasConfiguredPassword", u->password[0] != '\0');
	cJSON_AddBoolToObject(o, "HasConfiguredEasyPassword", 0);
	cJSON *pol = cJSON_AddObjectToObject(o, "Policy");
	if (pol) {
		cJSON_AddBoolToObject(pol, "IsAdministrator", u == &m->users[0]);
		cJSON_AddBoolToObject(pol, "IsHidden", 0);
		cJSON_AddBoolToObject(pol, "IsDisabled", 0);
		cJSON_AddBoolToObject(pol, "EnableAllFolders", 1);
	}
	return o;
}

static void get_user(mock_emby *m, mock_emby__resp *rs, const char *uid)
{
	mock_emby__user *u = want_user(m, uid, rs);
	if (u)
		send_cjson(rs, user_object(m, u));
}

static void get_users(mock_emby *m, mock_emby__resp *rs)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < m->n_users; i++)
		cJSON_AddItemToArray(arr, user_object(m, &m->users[i]));
	send_cjson(rs, arr);
}

static void get_virtual_folders(mock_emby *m, mock_emby__resp *rs)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < m->n_libs; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o)
			continue;
		cJSON_AddStringToObject(o, "Name", m->libs[i].name);
		cJSON_AddItemToObject(o, "Locations", cJSON_CreateArray());
		if (m->libs[i].collection_type)
			cJSON_AddStringToObject(o, "CollectionType", m->libs[i].collection_type);
		cJSON_AddStringToObject(o, "ItemId", m->libs[i].id);
		cJSON_AddStringToObject(o, "Id", m->libs[i].id);
		cJSON_AddItemToArray(arr, o);
	}
	send_cjson(rs, arr);
}

/* The value of key="value" in an Emby authorization header, or "" */
static void auth_field(const char *hdr, const char *key, char *out, size_t n)
{
	out[0] = '\0';
	size_t kl = strlen(key);
	for (const char *p = hdr; p && *p; p++) {
		if ((p == hdr || p[-1] == ' ' || p[-1] == ',') && mock_emby__ieqn(p, key, kl) &&
		    p[kl] == '=') {
			const char *v = p + kl + 1;
			bool quoted = *v == '"';
			v += quoted;
			size_t len = strcspn(v, quoted ? "\"" : ", ");
			snprintf(out, n, "%.*s", (int)len, v);
			return;
		}
	}
}

static void authenticate(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	cJSON *body = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "Username");
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(body, "Pw");
	if (!pw)
		pw = cJSON_GetObjectItemCaseSensitive(body, "Password");
	if (!cJSON_IsObject(body) || !cJSON_IsString(name)) {
		mock_emby__resp_text(rs, 400, "Value cannot be null. (Parameter 'username')");
		cJSON_Delete(body);
		return;
	}
	mock_emby__user *u = NULL;
	for (size_t i = 0; i < m->n_users && !u; i++)
		if (mock_emby__ieq(m->users[i].name, name->valuestring))
			u = &m->users[i];
	const char *given = cJSON_IsString(pw) ? pw->valuestring : "";
	if (!u || strcmp(u->password, given) != 0) {
		mock_emby__resp_text(rs, 401, "Invalid username or password entered.");
		cJSON_Delete(body);
		return;
	}
	cJSON_Delete(body);
	char client[128], device[128], device_id[128], version[64];
	auth_field(rq->emby_auth, "Client", client, sizeof client);
	auth_field(rq->emby_auth, "Device", device, sizeof device);
	auth_field(rq->emby_auth, "DeviceId", device_id, sizeof device_id);
	auth_field(rq->emby_auth, "Version", version, sizeof version);
	cJSON *o = cJSON_CreateObject();
	cJSON *si = cJSON_CreateObject();
	if (o && si) {
		cJSON_AddItemToObject(o, "User", user_object(m, u));
		char sid[64];
		snprintf(sid, sizeof sid, "mock-session-%.8s", u->id);
		cJSON_AddStringToObject(si, "Id", sid);
		cJSON_AddStringToObject(si, "ServerId", m->server_id);
		cJSON_AddStringToObject(si, "UserId", u->id);
		cJSON_AddStringToObject(si, "UserName", u->name);
		cJSON_AddStringToObject(si, "Client", client);
		cJSON_AddStringToObject(si, "DeviceName", device);
		cJSON_AddStringToObject(si, "DeviceId", device_id);
		cJSON_AddStringToObject(si, "ApplicationVersion", version);
		cJSON_AddItemToObject(o, "SessionInfo", si);
		si = NULL;
		cJSON_AddStringToObject(o, "AccessToken", u->token);
		cJSON_AddStringToObject(o, "ServerId", m->server_id);
	}
	cJSON_Delete(si);
	send_cjson(rs, o);
}

/* ---- recordings ---- */

static bool replay(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	for (size_t i = 0; i < m->n_recs; i++) {
		const mock_emby__recording *r = &m->recs[i];
		if ((r->method && !mock_emby__ieq(r->method, rq->method)) ||
		    !mock_emby__route_match(r->path, rq->route))
			continue;
		bool ok = true;
		for (size_t j = 0; j < r->query.n && ok; j++) {
			const char *v = mock_emby__query_get(&rq->q, r->query.p[j].name);
			ok = v && strcmp(v, r->query.p[j].value) == 0;
		}
		if (!ok)
			continue;
		rs->status = r->status;
		rs->ctype = r->ctype;
		rs->no_content_type = !r->ctype;
		mock_emby__buf_put(&rs->body, r->body, r->body_len);
		mock_emby__buf_puts(&rs->headers, r->headers);
		return true;
	}
	return false;
}

/* ---- dispatch ---- */

static bool is(const mock_emby__req *rq, const char *method, const char *pattern)
{
	bool head_as_get = strcmp(method, "GET") == 0 && mock_emby__ieq(rq->method, "HEAD");
	return (head_as_get || mock_emby__ieq(rq->method, method)) &&
	       mock_emby__route_match(pattern, rq->route);
}

void mock_emby__route(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	const char *const *s = (const char *const *)rq->seg;
	/* Routes that need no token. */
	if (is(rq, "GET", "/System/Info/Public")) {
		get_system_info(m, rs, false);
		return;
	}
	if (is(rq, "GET", "/System/Ping") || is(rq, "POST", "/System/Ping")) {
		mock_emby__resp_text(rs, 200, "Emby Server");
		return;
	}
	if (is(rq, "POST", "/Users/AuthenticateByName")) {
		authenticate(m, rq, rs);
		return;
	}
	if (!rq->authed) {
		mock_emby__resp_text(rs, 401, "Access token is invalid or expired.");
		return;
	}
	if (replay(m, rq, rs))
		return;
	if (is(rq, "GET", "/System/Info"))
		get_system_info(m, rs, true);
	else if (is(rq, "GET", "/Users"))
		get_users(m, rs);
	else if (is(rq, "GET", "/Users/*"))
		get_user(m, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Views")) {
		if (want_user(m, s[1], rs)) {
			resp_json(rs);
			render_views(m, &rs->body, 0, -1, true);
		}
	} else if (is(rq, "GET", "/Users/*/Items"))
		get_items(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/Resume"))
		get_resume(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/Latest"))
		get_latest(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/*"))
		get_item(m, rq, rs, s[1], s[3], false);
	else if (is(rq, "GET", "/Users/*/Items/*/UserData"))
		get_item(m, rq, rs, s[1], s[3], true);
	else if (is(rq, "POST", "/Users/*/Items/*/UserData"))
		post_userdata(m, rq, rs, s[1], s[3]);
	else if (is(rq, "POST", "/Users/*/PlayedItems/*"))
		played_items(m, rq, rs, s[1], s[3], true);
	else if (is(rq, "DELETE", "/Users/*/PlayedItems/*"))
		played_items(m, rq, rs, s[1], s[3], false);
	else if (is(rq, "GET", "/Items")) {
		const char *uid = mock_emby__query_get(&rq->q, "UserId");
		get_items(m, rq, rs, uid && *uid ? uid : NULL);
	} else if (is(rq, "GET", "/Shows/*/Episodes"))
		get_episodes(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Sessions"))
		get_sessions(m, rs);
	else if (is(rq, "GET", "/Library/VirtualFolders"))
		get_virtual_folders(m, rs);
	else
		mock_emby__resp_text(rs, 404, "Not Found");
}
