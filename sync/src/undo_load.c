/* Reading a journal for undo (APPLY-09, APPLY-10): which items a run's steps
 * may have changed, the oldest state to give back and what the newest run
 * left there. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp/json.h"

#include "undo_internal.h"

static const char *const side_names[2] = {"source", "destination"};

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int side_of(const char *s)
{
	if (!s)
		return -1;
	return !strcmp(s, "source") ? 0 : !strcmp(s, "destination") ? 1 : -1;
}

struct lines {
	cJSON **v;
	size_t n, cap;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->v[i]);
	free(l->v);
}

static int read_lines(struct lines *l, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return cwp_error_set(CWP_EIO, "cannot read %s", path);
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		bool last = len == 0 || line[len - 1] != '\n';
		if (len <= 1 && !last)
			continue;
		cJSON *o = cwp_json_parse(line, (size_t)len);
		if (!o || !cJSON_IsObject(o)) {
			cJSON_Delete(o);
			/* A torn last line (a crash mid-append) is expected. */
			if (last)
				break;
			rc = cwp_error_set(CWP_EPARSE, "%s:%zu: not a journal line (JSON object)",
					   path, lineno);
			break;
		}
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 64;
			cJSON **nv = realloc(l->v, ncap * sizeof(*nv));
			if (!nv) {
				cJSON_Delete(o);
				rc = cwp_error_set(CWP_ENOMEM, "out of memory");
				break;
			}
			l->v = nv;
			l->cap = ncap;
		}
		l->v[l->n++] = o;
	}
	free(line);
	fclose(f);
	if (!rc && (!l->n || !cJSON_GetObjectItemCaseSensitive(l->v[0], "cwprogress_journal")))
		rc = cwp_error_set(CWP_EPARSE, "%s is not a cwprogress journal", path);
	return rc;
}

/* Every run of one journal must address the same servers. */
static int read_servers(cwp_undo *u, const struct lines *l, const char *path)
{
	const cJSON *first[2] = {NULL, NULL};
	for (size_t i = 0; i < l->n; i++) {
		const cJSON *h = l->v[i];
		if (!cJSON_GetObjectItemCaseSensitive(h, "cwprogress_journal"))
			continue;
		const cJSON *servers = cJSON_GetObjectItemCaseSensitive(h, "servers");
		for (int s = 0; s < 2; s++) {
			const cJSON *ep = cJSON_GetObjectItemCaseSensitive(servers, side_names[s]);
			if (!cJSON_IsObject(ep))
				continue;
			if (!first[s]) {
				first[s] = ep;
				continue;
			}
			const char *u0 = jstr(first[s], "url"), *u1 = jstr(ep, "url");
			const char *i0 = jstr(first[s], "user_id"), *i1 = jstr(ep, "user_id");
			if ((u0 && u1 && strcmp(u0, u1)) || (i0 && i1 && strcmp(i0, i1)))
				return cwp_error_set(CWP_EPARSE,
						     "%s holds runs against different %s servers; "
						     "undo them from separate journals",
						     path, side_names[s]);
		}
	}
	for (int s = 0; s < 2; s++)
		if (first[s] && !(u->server[s] = cJSON_PrintUnformatted(first[s])))
			return cwp_error_set(CWP_ENOMEM, "out of memory");
	return 0;
}

/* {"PlaybackPositionTicks", "LastPlayedDate", "Played"} → state; fields
 * the object lacks keep what *st holds. */
static int state_from(cwp__undo_state *st, const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "PlaybackPositionTicks");
	int64_t ticks;
	if (t) {
		if (cwp_ticks_from_json(&ticks, t) != 0)
			return CWP_EPARSE;
		st->ms = ticks / CWP_TICKS_PER_MS;
	}
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "LastPlayedDate");
	if (cJSON_IsNull(d))
		st->has_date = false;
	else if (cJSON_IsString(d))
		st->has_date =
		    cwp_time_parse(&st->date, d->valuestring, strlen(d->valuestring)) == 0;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "Played");
	if (cJSON_IsBool(p))
		st->played = cJSON_IsTrue(p);
	return 0;
}

/* The outcome line of entry i (same run, side, item), or NULL. */
static const cJSON *outcome_of(const struct lines *l, size_t i)
{
	const cJSON *e = l->v[i];
	const char *run = jstr(e, "run"), *side = jstr(e, "side"), *item = jstr(e, "item_id");
	for (size_t k = i + 1; k < l->n; k++) {
		const cJSON *x = l->v[k];
		const char *xk = jstr(x, "entry"), *xr = jstr(x, "run"), *xs = jstr(x, "side"),
			   *xi = jstr(x, "item_id");
		if (xk && !strcmp(xk, "outcome") && xr && run && !strcmp(xr, run) && xs && side &&
		    !strcmp(xs, side) && xi && !strcmp(xi, item))
			return x;
	}
	return NULL;
}

/* APPLY-10: what entry e's steps left on the server. false when nothing
 * of it reached the server (refused, not sent). */
static bool steps_left(cwp__undo_state *after, bool *uncertain, const cJSON *e,
		       const cJSON *outcome, const cwp__undo_state *before)
{
	const char *o = outcome ? jstr(outcome, "outcome") : NULL;
	bool unwatch = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "unwatch_first"));
	bool unwatched =
	    outcome && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(outcome, "unwatched"));
	*uncertain = !o || !strcmp(o, "unknown");
	if (o && (!strcmp(o, "failed") || !strcmp(o, "not_sent"))) {
		if (!unwatched)
			return false;
		/* The unwatch landed, the write did not: Emby's unplay resets
		 * position, play count and LastPlayedDate. */
		*after = (cwp__undo_state){0, false, 0, false};
		return true;
	}
	*after = *before;
	if (unwatch) {
		after->played = false;
		after->has_date = false;
	}
	return state_from(after, cJSON_GetObjectItemCaseSensitive(e, "body")) == 0;
}

static void restore_body(cwp__undo_expect *x, const cwp_undo_item *it)
{
	if (it->has_date)
		snprintf(x->body, sizeof(x->body),
			 "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":\"%s\",\"Played\":%s}",
			 (long long)it->ticks, it->date, it->played ? "true" : "false");
	else
		snprintf(x->body, sizeof(x->body),
			 "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":null,\"Played\":%s}",
			 (long long)it->ticks, it->played ? "true" : "false");
}

static cwp_undo_item *find_item(cwp_undo *u, int side, const char *id)
{
	for (size_t k = 0; k < u->n; k++)
		if (u->items[k].side == side && !strcmp(u->items[k].item_id, id))
			return &u->items[k];
	return NULL;
}

/* A new item from its oldest applied entry: that previous state is what
 * undo gives back. */
static int new_item(cwp_undo *u, const cJSON *e, int side, const cJSON *prev)
{
	cwp_undo_item *it = &u->items[u->n];
	memset(it, 0, sizeof(*it));
	it->side = side;
	int64_t ticks = 0;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(prev, "PlaybackPositionTicks");
	if (t && cwp_ticks_from_json(&ticks, t) != 0)
		return cwp_error_set(CWP_EPARSE, "invalid PlaybackPositionTicks");
	it->ticks = ticks;
	const char *date = jstr(prev, "LastPlayedDate");
	int64_t ms;
	if (date && cwp_time_parse(&ms, date, strlen(date)) == 0) {
		it->has_date = true;
		it->date = strdup(date);
	}
	it->played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prev, "Played"));
	it->item_id = strdup(jstr(e, "item_id"));
	it->key = strdup(jstr(e, "key") ? jstr(e, "key") : it->item_id ? it->item_id : "");
	it->title = jstr(e, "title") ? strdup(jstr(e, "title")) : NULL;
	u->n++;
	if (!it->item_id || !it->key || (it->has_date && !it->date))
		return cwp_error_set(CWP_ENOMEM, "out of memory");
	restore_body(&u->exp[u->n - 1], it);
	return 0;
}

static int read_entry(cwp_undo *u, const struct lines *l, size_t i, const char *path)
{
	const cJSON *e = l->v[i];
	const char *kind = jstr(e, "entry");
	if (!kind || strcmp(kind, "previous"))
		return 0;
	int side = side_of(jstr(e, "side"));
	const char *item = jstr(e, "item_id");
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(e, "previous");
	if (side < 0 || !item || !cJSON_IsObject(prev))
		return cwp_error_set(CWP_EPARSE, "%s: entry %zu lacks side, item_id or previous",
				     path, i + 1);
	cwp__undo_state before = {0, false, 0, false}, after;
	bool uncertain;
	if (state_from(&before, prev) != 0)
		return cwp_error_set(CWP_EPARSE, "%s: entry %zu: invalid PlaybackPositionTicks",
				     path, i + 1);
	if (!steps_left(&after, &uncertain, e, outcome_of(l, i), &before))
		return 0; /* nothing of it reached the server */
	cwp_undo_item *it = find_item(u, side, item);
	if (!it) {
		int rc = new_item(u, e, side, prev);
		if (rc)
			return rc;
		it = &u->items[u->n - 1];
	}
	cwp__undo_expect *x = &u->exp[it - u->items];
	x->after = after; /* the newest run's steps win */
	x->before = before;
	x->uncertain = uncertain;
	return 0;
}

int cwp_undo_load(cwp_undo **out, const char *path)
{
	*out = NULL;
	struct lines l = {NULL, 0, 0};
	cwp_undo *u = calloc(1, sizeof(*u));
	if (!u)
		return cwp_error_set(CWP_ENOMEM, "out of memory");
	int rc = read_lines(&l, path);
	if (!rc)
		rc = read_servers(u, &l, path);
	if (!rc) {
		u->items = calloc(l.n, sizeof(*u->items));
		u->exp = calloc(l.n, sizeof(*u->exp));
		if (!u->items || !u->exp)
			rc = cwp_error_set(CWP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = read_entry(u, &l, i, path);
	lines_free(&l);
	if (rc) {
		cwp_undo_free(u);
		return rc;
	}
	*out = u;
	return 0;
}

void cwp_undo_free(cwp_undo *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free((char *)u->items[i].item_id);
		free((char *)u->items[i].key);
		free((char *)u->items[i].title);
		free((char *)u->items[i].date);
		free((char *)u->items[i].error);
	}
	free(u->items);
	free(u->exp);
	for (int s = 0; s < 2; s++)
		cJSON_free(u->server[s]);
	free(u);
}

const char *cwp_undo_server(const cwp_undo *u, int side)
{
	return u && (side == 0 || side == 1) ? u->server[side] : NULL;
}

bool cwp_undo_needs(const cwp_undo *u, int side)
{
	for (size_t i = 0; u && i < u->n; i++)
		if (u->items[i].side == side)
			return true;
	return false;
}

size_t cwp_undo_count(const cwp_undo *u)
{
	return u ? u->n : 0;
}

const cwp_undo_item *cwp_undo_at(const cwp_undo *u, size_t i)
{
	return u && i < u->n ? &u->items[i] : NULL;
}

const char *cwp_undo_failed_phase(const cwp_undo *u)
{
	return u ? u->failed_phase : NULL;
}
