/* Checks shared by the Emby decoder targets (emby_page, emby_item): what a
 * decoded record and target state must satisfy whatever the server sent
 * (READ-02, UNIT-01..04, KEY-01/02). */
#ifndef CWP_FUZZ_EMBY_CHECK_H
#define CWP_FUZZ_EMBY_CHECK_H

#include <ctype.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emby/decode.h"
#include "fuzz_util.h"

/* Show ids handed to the decoder for episodes (as READ-03 would find them). */
static const char *const emby_check_series_ids[CWP_ID_COUNT] = {
    [CWP_ID_TMDB] = "4607", [CWP_ID_TVDB] = "73739", [CWP_ID_IMDB] = "tt0411008"};

static const cJSON *emby_check_member(const cJSON *obj, const char *name)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
}

/* JSON allows a member name twice and leaves the meaning open; a decoder may
 * take either occurrence. Over every occurrence of UserData (via_userdata)
 * and of its PlaybackPositionTicks: *all counts the candidates, *valid the
 * valid tick values, *holders the UserData members (any type; 1 without
 * via_userdata); returns whether ms is floor(t/10000) of a valid one. */
static int emby_check_ticks(const cJSON *obj, int via_userdata, int64_t ms, size_t *valid,
			    size_t *all, size_t *holders)
{
	const cJSON *m, *p;
	int match = 0;

	*valid = *all = *holders = 0;
	if (!cJSON_IsObject(obj))
		return 0;
	for (m = via_userdata ? obj->child : obj; m; m = via_userdata ? m->next : NULL) {
		if (via_userdata && (!m->string || strcmp(m->string, "UserData") != 0))
			continue;
		(*holders)++;
		if (!cJSON_IsObject(m))
			continue;
		for (p = m->child; p; p = p->next) {
			int64_t t;
			if (!p->string || strcmp(p->string, "PlaybackPositionTicks") != 0)
				continue;
			(*all)++;
			if (cwp_ticks_from_json(&t, p) != CWP_OK)
				continue;
			(*valid)++;
			match |= t / CWP_TICKS_PER_MS == ms;
		}
	}
	return match;
}

static void emby_check_id(cwp_id_kind k, const char *v)
{
	char again[CWP_ID_MAX];
	size_t n, i;

	if (!v)
		return;
	n = strlen(v);
	FUZZ_CHECK(n > 0 && n < CWP_ID_MAX, "id %s of length %zu", cwp_id_name(k), n);
	for (i = k == CWP_ID_IMDB ? 2 : 0; i < n; i++)
		FUZZ_CHECK(isdigit((unsigned char)v[i]), "id %s:%s not normalized", cwp_id_name(k),
			   v);
	FUZZ_CHECK(cwp_id_normalize(k, v, n, again) == n && strcmp(again, v) == 0,
		   "id %s:%s not normalized", cwp_id_name(k), v);
}

static int emby_check_same_record(const cwp_record *a, const cwp_record *b)
{
	int k;
	for (k = 0; k < CWP_ID_COUNT; k++) {
		if ((a->ids[k] == NULL) != (b->ids[k] == NULL) ||
		    (a->ids[k] && strcmp(a->ids[k], b->ids[k]) != 0))
			return 0;
		if ((a->show_ids[k] == NULL) != (b->show_ids[k] == NULL) ||
		    (a->show_ids[k] && strcmp(a->show_ids[k], b->show_ids[k]) != 0))
			return 0;
	}
	return a->type == b->type && a->title == b->title && a->item_id == b->item_id &&
	       a->has_year == b->has_year && (!a->has_year || a->year == b->year) &&
	       a->has_season == b->has_season && (!a->has_season || a->season == b->season) &&
	       a->has_episode == b->has_episode && (!a->has_episode || a->episode == b->episode) &&
	       a->has_progress_ms == b->has_progress_ms && a->progress_ms == b->progress_ms &&
	       a->has_duration_ms == b->has_duration_ms && a->duration_ms == b->duration_ms &&
	       a->has_progress_percent == b->has_progress_percent &&
	       (!a->has_progress_percent || a->progress_percent == b->progress_percent) &&
	       a->has_progress_at == b->has_progress_at && a->progress_at == b->progress_at &&
	       a->has_played == b->has_played && a->played == b->played;
}

/* A record decoded from `item` (rc CWP_OK). */
static void emby_check_record(const cwp_record *r, const cJSON *item, int any_position,
			      int with_series)
{
	size_t valid, all, holders;
	char key[CWP_KEY_MAX];
	int k, rc;

	FUZZ_CHECK(r->type == CWP_TYPE_MOVIE || r->type == CWP_TYPE_EPISODE, "type %d",
		   (int)r->type);
	FUZZ_CHECK(r->key == NULL, "decoder set a key");
	FUZZ_CHECK(r->item_id && r->item_id[0], "a record without an item id");
	FUZZ_CHECK(!r->title || r->title[0], "an empty title instead of none");
	/* READ-02: without EMBY_DECODE_ANY_POSITION only positions > 0 */
	if (!any_position)
		FUZZ_CHECK(r->has_progress_ms && r->progress_ms > 0,
			   "READ-02: a row at %d/%lld ms decoded as progress", r->has_progress_ms,
			   (long long)r->progress_ms);
	/* UNIT-01/03: progress_ms is floor(ticks/10000) of a valid tick value;
	 * an invalid one never becomes a position (let alone 0). */
	if (r->has_progress_ms)
		FUZZ_CHECK(
		    emby_check_ticks(item, 1, r->progress_ms, &valid, &all, &holders),
		    "UNIT-03: progress_ms %lld is no valid PlaybackPositionTicks (%zu of %zu "
		    "valid)",
		    (long long)r->progress_ms, valid, all);
	/* UNIT-04: a duration is positive */
	if (r->has_duration_ms)
		FUZZ_CHECK(r->duration_ms > 0, "UNIT-04: duration %lld", (long long)r->duration_ms);
	if (r->has_progress_percent)
		FUZZ_CHECK(r->progress_percent >= 0 && r->progress_percent <= 100, "percent %.17g",
			   r->progress_percent);
	for (k = 0; k < CWP_ID_COUNT; k++) {
		emby_check_id((cwp_id_kind)k, r->ids[k]);
		emby_check_id((cwp_id_kind)k, r->show_ids[k]);
		if (r->type == CWP_TYPE_MOVIE || !with_series)
			FUZZ_CHECK(!r->show_ids[k], "show id %s on a %s", cwp_id_name(k),
				   r->type == CWP_TYPE_MOVIE ? "movie" : "episode without series");
		else if (emby_check_series_ids[k])
			FUZZ_CHECK(r->show_ids[k] &&
				       strcmp(r->show_ids[k], emby_check_series_ids[k]) == 0,
				   "show id %s lost", cwp_id_name(k));
	}
	rc = cwp_record_key(key, sizeof(key), r);
	FUZZ_CHECK(rc == CWP_OK || rc == CWP_ERANGE, "no key for a decoded record (%d)", rc);
}

/* obj: the item (via_userdata) or the UserData object itself. */
static void emby_check_state(const cwp_target_state *st, const cJSON *obj, int via_userdata)
{
	size_t valid, all, holders;
	int match = emby_check_ticks(obj, via_userdata, st->position_ms, &valid, &all, &holders);

	if (st->has_position)
		FUZZ_CHECK(match, "UNIT-03: target position %lld is no valid ticks value",
			   (long long)st->position_ms);
	else
		FUZZ_CHECK(holders != 1 || all != 1 || valid == 0,
			   "a valid PlaybackPositionTicks was dropped");
	if (st->has_duration)
		FUZZ_CHECK(st->duration_ms > 0, "UNIT-04: duration %lld",
			   (long long)st->duration_ms);
	FUZZ_CHECK(!st->playing, "the decoder cannot know that an item is playing");
}

/* Every decoder on one item object (or any JSON value). */
static void emby_check_item(const cJSON *item)
{
	emby_item *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *c = malloc(sizeof(*c));
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_target_state st;
	const char *ids[CWP_ID_COUNT];
	char idbuf[CWP_ID_COUNT][CWP_ID_MAX];
	int rc0, rc1, rc2, k;
	size_t found, n = 0;

	if (!a || !b || !c)
		abort();
	rc0 = emby_decode_item(a, item, NULL, 0, &w);
	rc1 = emby_decode_item(b, item, NULL, EMBY_DECODE_ANY_POSITION, &w);
	rc2 = emby_decode_item(c, item, emby_check_series_ids, 0, NULL);
	FUZZ_CHECK(rc0 == CWP_OK || rc0 == CWP_EABSENT || rc0 == CWP_EINVAL, "decode rc %d", rc0);
	FUZZ_CHECK(rc0 == rc2, "series ids changed the outcome (%d vs %d)", rc0, rc2);
	if (rc0 == CWP_OK) {
		emby_check_record(&a->rec, item, 0, 0);
		emby_check_record(&c->rec, item, 0, 1);
		FUZZ_CHECK(rc1 == CWP_OK && emby_check_same_record(&a->rec, &b->rec),
			   "EMBY_DECODE_ANY_POSITION changed a row with a position");
	}
	if (rc1 == CWP_OK)
		emby_check_record(&b->rec, item, 1, 0);
	if (rc0 == CWP_EINVAL)
		FUZZ_CHECK(w.count > 0, "a bad row without a warning");

	found = emby_decode_provider_ids(ids, idbuf, item);
	for (k = 0; k < CWP_ID_COUNT; k++) {
		emby_check_id((cwp_id_kind)k, ids[k]);
		n += ids[k] != NULL;
		if (ids[k])
			FUZZ_CHECK(ids[k] == idbuf[k], "id %d not in idbuf", k);
	}
	FUZZ_CHECK(found == n, "provider ids: %zu found, %zu set", found, n);
	if (rc0 == CWP_OK)
		for (k = 0; k < CWP_ID_COUNT; k++)
			FUZZ_CHECK((ids[k] == NULL) == (a->rec.ids[k] == NULL) &&
				       (!ids[k] || strcmp(ids[k], a->rec.ids[k]) == 0),
				   "provider id %d differs between decoders", k);

	memset(&st, 0, sizeof(st));
	if (emby_decode_state(&st, item, NULL) == CWP_OK) {
		emby_check_state(&st, item, 1);
	} else {
		FUZZ_CHECK(!cJSON_IsObject(item) ||
			       !cJSON_IsObject(emby_check_member(item, "UserData")),
			   "emby_decode_state refused an item with a UserData object");
	}
	memset(&st, 0, sizeof(st));
	if (emby_decode_userdata(&st, item, NULL) == CWP_OK) {
		emby_check_state(&st, item, 0);
		FUZZ_CHECK(!st.has_duration, "UserData alone has no duration");
	} else {
		FUZZ_CHECK(!cJSON_IsObject(item), "emby_decode_userdata refused an object");
	}
	free(a);
	free(b);
	free(c);
}

#endif
