/* Per-user UserData of the mock: how it is rendered inside items, the
 * single-item reads, and the writes (POST .../UserData, PlayedItems). Callers
 * hold m->mu where noted; the routes take it themselves. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

/* ---- user data (callers hold m->mu) ---- */

static const mock_emby__udc no_userdata; /* an item the user never touched */

const mock_emby__udc *mock_emby__udc_of(const mock_emby__user *u, const mock_emby__item *it)
{
	return u ? &u->cache[it->index] : &no_userdata;
}

static const cJSON *ud_of(const mock_emby__user *u, const mock_emby__item *it)
{
	return mock_emby__udc_of(u, it)->ud;
}

static int64_t ud_pos(const cJSON *ud)
{
	int64_t v = 0;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	if (!p || !mock_emby__json_int(p, 0, INT64_MAX, &v))
		return 0;
	return v;
}

static bool known_member(const char *k)
{
	static const char *const names[] = {"PlaybackPositionTicks",
					    "PlayedPercentage",
					    "PlayCount",
					    "IsFavorite",
					    "LastPlayedDate",
					    "Played"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(k, names[i]) == 0)
			return true;
	return strncmp(k, "cwp", 3) == 0; /* mock annotations: never served */
}

/* UserData as Emby shows it, in its order: PlaybackPositionTicks,
 * PlayedPercentage (when there is a position), PlayCount (always: the true
 * count only with UD_PLAY_COUNT, else 0, as Emby 4.8+ without
 * Fields=UserDataPlayCount), IsFavorite, LastPlayedDate (with
 * UD_LAST_PLAYED, when set), Played; then any other stored member. */
void mock_emby__render_userdata(mock_emby__buf *b, const cJSON *ud, unsigned flags)
{
	int64_t count = 0;
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(ud, "PlayCount");
	if (!pc || !mock_emby__json_int(pc, 0, INT64_MAX, &count) ||
	    !(flags & MOCK_EMBY__UD_PLAY_COUNT))
		count = 0;
	bool played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	bool fav = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "IsFavorite"));
	const cJSON *pct = cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage");
	const cJSON *lpd = cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate");
	mock_emby__buf_printf(b, "{\"PlaybackPositionTicks\":%lld", (long long)ud_pos(ud));
	if (cJSON_IsNumber(pct)) {
		mock_emby__buf_puts(b, ",\"PlayedPercentage\":");
		mock_emby__buf_double(b, pct->valuedouble);
	}
	mock_emby__buf_printf(b, ",\"PlayCount\":%lld,\"IsFavorite\":%s", (long long)count,
			      fav ? "true" : "false");
	if ((flags & MOCK_EMBY__UD_LAST_PLAYED) && cJSON_IsString(lpd)) {
		mock_emby__buf_puts(b, ",\"LastPlayedDate\":");
		mock_emby__buf_json_str(b, lpd->valuestring);
	}
	mock_emby__buf_puts(b, played ? ",\"Played\":true" : ",\"Played\":false");
	for (const cJSON *x = ud ? ud->child : NULL; x; x = x->next) {
		if (known_member(x->string))
			continue;
		mock_emby__buf_put(b, ",", 1);
		mock_emby__buf_json_str(b, x->string);
		mock_emby__buf_put(b, ":", 1);
		mock_emby__buf_json(b, x);
	}
	mock_emby__buf_puts(b, "}");
}

void mock_emby__render_item_fields(mock_emby__buf *b, const mock_emby__item *it,
				   const mock_emby__user *u, unsigned flags, uint32_t fields)
{
	bool first = true;
	mock_emby__buf_put(b, "{", 1);
	for (size_t i = 0; i < it->n_segs; i++) {
		const mock_emby__seg *sg = &it->segs[i];
		if (sg->field && !(sg->field & fields))
			continue;
		if (!first)
			mock_emby__buf_put(b, ",", 1);
		first = false;
		mock_emby__buf_put(b, it->json + sg->off, sg->len);
	}
	if (u && (flags & MOCK_EMBY__UD_ON)) {
		mock_emby__buf_puts(b, first ? "\"UserData\":" : ",\"UserData\":");
		mock_emby__render_userdata(b, ud_of(u, it), flags);
	}
	mock_emby__buf_puts(b, "}");
}

void mock_emby__render_item(mock_emby__buf *b, const mock_emby__item *it, const mock_emby__user *u,
			    unsigned flags)
{
	mock_emby__render_item_fields(b, it, u, flags, MOCK_EMBY__FIELDS_ALL);
}

void mock_emby__get_item(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			 const char *id, bool only_userdata)
{
	(void)rq;
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
	if (!u)
		return;
	const mock_emby__item *it = mock_emby__find_item(m, id);
	if (!it) {
		mock_emby__resp_text(rs, 404, "Item not found.");
		return;
	}
	mock_emby__resp_json(rs);
	pthread_mutex_lock(&m->mu);
	if (only_userdata)
		mock_emby__render_userdata(&rs->body, ud_of(u, it), MOCK_EMBY__UD_ALL);
	else
		mock_emby__render_item(&rs->body, it, u, MOCK_EMBY__UD_ALL);
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

void mock_emby__ud_percentage(cJSON *ud, const mock_emby__item *it)
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
	mock_emby__ud_percentage(ud, it);
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

void mock_emby__post_userdata(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs,
			      const char *uid, const char *id)
{
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
	if (!u)
		return;
	const mock_emby__item *it = mock_emby__find_item(m, id);
	if (!it) {
		mock_emby__resp_text(rs, 404, "Item not found.");
		return;
	}
	cJSON *body = rq->body_len ? cwp_json_parse(rq->body, rq->body_len) : NULL;
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

void mock_emby__played_items(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			     const char *id, bool mark)
{
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
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
		/* PlayCount is left as it is: Emby counts plays, not marks
		 * (docs/FIXTURES.md). */
		ok = set_value(ud, "Played", cJSON_CreateBool(1)) &&
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
		mock_emby__resp_json(rs);
		mock_emby__render_userdata(&rs->body, ud, MOCK_EMBY__UD_ALL);
	}
	pthread_mutex_unlock(&m->mu);
	if (!ok)
		mock_emby__resp_text(rs, 500, "Out of memory.");
}
