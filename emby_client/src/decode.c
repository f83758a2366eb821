/* Emby JSON → core records (READ-02): pure, no I/O. Every value parser is
 * the core's (cwp/parse.h, cwp/record.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "emby/decode.h"

int emby_decode_page(emby_page *out, const char *buf, size_t len)
{
	int rc = CWP_EDECODE;
	cJSON *root = NULL;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if (!buf || len == 0) {
		rc = cwp_error_set(CWP_EDECODE, "empty response where an Items page was expected");
		goto done;
	}
	root = cwp_json_parse(buf, len);
	if (!root) {
		rc = cwp_error_set(CWP_EDECODE, "response is not JSON (%zu bytes)", len);
		goto done;
	}
	if (!cJSON_IsObject(root)) {
		rc = cwp_error_set(CWP_EDECODE, "response is not a JSON object with Items");
		goto done;
	}
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "Items");
	if (!cJSON_IsArray(items)) {
		rc = cwp_error_set(CWP_EDECODE, "response has no Items array");
		goto done;
	}
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(root, "TotalRecordCount");
	int64_t t = -1;
	if (total && !cJSON_IsNull(total)) {
		double d = total->valuedouble;
		if (!cJSON_IsNumber(total) || !(d >= 0 && d <= 9007199254740992.0) ||
		    d != floor(d)) {
			rc = cwp_error_set(CWP_EDECODE,
					   "TotalRecordCount is not a non-negative integer");
			goto done;
		}
		t = (int64_t)d;
	}
	size_t count = 0;
	for (const cJSON *it = items->child; it; it = it->next)
		count++;
	out->root = root;
	out->items = items;
	out->total = t;
	out->count = count;
	root = NULL;
	rc = CWP_OK;
done:
	cJSON_Delete(root);
	return rc;
}

void emby_page_free(emby_page *p)
{
	if (!p)
		return;
	cJSON_Delete(p->root);
	memset(p, 0, sizeof(*p));
	p->total = -1;
}

/* An integral JSON number within [lo, hi]. */
static int get_int(int64_t *out, const cJSON *node, int64_t lo, int64_t hi)
{
	if (!node || cJSON_IsNull(node))
		return CWP_EABSENT;
	if (!cJSON_IsNumber(node))
		return CWP_EINVAL;
	double d = node->valuedouble;
	if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
		return CWP_EINVAL;
	*out = (int64_t)d;
	return CWP_OK;
}

static const char *item_label(const cJSON *id)
{
	return cJSON_IsString(id) && id->valuestring ? id->valuestring : "?";
}

/* One provider id value: a string, or (leniently) an integral number. */
static size_t normalize_value(cwp_id_kind kind, const cJSON *v, char out[CWP_ID_MAX])
{
	if (cJSON_IsString(v) && v->valuestring)
		return cwp_id_normalize(kind, v->valuestring, strlen(v->valuestring), out);
	if (cJSON_IsNumber(v)) {
		int64_t n;
		char digits[24];
		if (get_int(&n, v, 0, INT64_C(9007199254740992)) != CWP_OK)
			return 0;
		size_t len = 0;
		char rev[24];
		do {
			rev[len++] = (char)('0' + n % 10);
			n /= 10;
		} while (n > 0 && len < sizeof(rev));
		for (size_t i = 0; i < len; i++)
			digits[i] = rev[len - 1 - i];
		return cwp_id_normalize(kind, digits, len, out);
	}
	return 0;
}

size_t emby_decode_provider_ids(const char **ids, char (*idbuf)[CWP_ID_MAX], const cJSON *item)
{
	size_t found = 0;

	for (int k = 0; k < CWP_ID_COUNT; k++)
		ids[k] = NULL;
	const cJSON *pids =
	    cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "ProviderIds") : NULL;
	if (!cJSON_IsObject(pids))
		return 0;
	for (const cJSON *p = pids->child; p; p = p->next) {
		if (!p->string)
			continue;
		int kind = cwp_id_kind_from_name(p->string, strlen(p->string));
		if (kind < 0 || kind >= CWP_ID_COUNT || ids[kind])
			continue;
		if (normalize_value((cwp_id_kind)kind, p, idbuf[kind]) == 0)
			continue;
		ids[kind] = idbuf[kind];
		found++;
	}
	return found;
}

int emby_decode_userdata(cwp_target_state *out, const cJSON *ud, cwp_warnings *w)
{
	cwp_target_state st;

	memset(&st, 0, sizeof(st));
	if (!cJSON_IsObject(ud))
		return CWP_EINVAL;
	const cJSON *pos = NULL, *last = NULL, *played = NULL;
	for (const cJSON *f = ud->child; f; f = f->next) {
		if (!f->string)
			continue;
		if (strcmp(f->string, "PlaybackPositionTicks") == 0)
			pos = f;
		else if (strcmp(f->string, "LastPlayedDate") == 0)
			last = f;
		else if (strcmp(f->string, "Played") == 0)
			played = f;
	}
	int64_t ticks;
	int rc = cwp_ticks_from_json(&ticks, pos);
	if (rc == CWP_OK) {
		st.position_ms = cwp_ticks_to_ms(ticks);
		st.position_ticks = ticks;
		st.has_position = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "UserData: invalid PlaybackPositionTicks");
	}
	int64_t at;
	rc = cwp_time_from_json(&at, last);
	if (rc == CWP_OK) {
		st.last_played_at = at;
		st.has_last_played = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "UserData: invalid LastPlayedDate");
	}
	if (cJSON_IsBool(played))
		st.played = cJSON_IsTrue(played);
	*out = st;
	return CWP_OK;
}

int emby_decode_state(cwp_target_state *out, const cJSON *item, cwp_warnings *w)
{
	if (!cJSON_IsObject(item))
		return CWP_EINVAL;
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(item, "UserData");
	cwp_target_state st;
	int rc = emby_decode_userdata(&st, ud, w);
	if (rc != CWP_OK)
		return rc;
	int64_t ticks;
	rc = cwp_ticks_from_json(&ticks, cJSON_GetObjectItemCaseSensitive(item, "RunTimeTicks"));
	if (rc == CWP_OK && cwp_ticks_to_ms(ticks) > 0) {
		/* UNIT-04: under 1 ms is no duration, never a duration of 0. */
		st.duration_ms = cwp_ticks_to_ms(ticks);
		st.has_duration = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "item %s: invalid RunTimeTicks",
			 item_label(cJSON_GetObjectItemCaseSensitive(item, "Id")));
	}
	*out = st;
	return CWP_OK;
}

/* The members of an item that READ-02 uses, found in one pass (an item has
 * dozens of members; a lookup per field would walk them again each time). */
typedef struct item_fields {
	const cJSON *id, *type, *name, *series_name, *series_id, *year, *season, *episode, *runtime,
	    *userdata;
} item_fields;

static void collect_fields(item_fields *f, const cJSON *item)
{
	memset(f, 0, sizeof(*f));
	for (const cJSON *m = item->child; m; m = m->next) {
		const char *s = m->string;
		if (!s)
			continue;
		switch (s[0]) {
		case 'I':
			if (strcmp(s, "Id") == 0)
				f->id = m;
			else if (strcmp(s, "IndexNumber") == 0)
				f->episode = m;
			break;
		case 'N':
			if (strcmp(s, "Name") == 0)
				f->name = m;
			break;
		case 'P':
			if (strcmp(s, "ProductionYear") == 0)
				f->year = m;
			else if (strcmp(s, "ParentIndexNumber") == 0)
				f->season = m;
			break;
		case 'R':
			if (strcmp(s, "RunTimeTicks") == 0)
				f->runtime = m;
			break;
		case 'S':
			if (strcmp(s, "SeriesName") == 0)
				f->series_name = m;
			else if (strcmp(s, "SeriesId") == 0)
				f->series_id = m;
			break;
		case 'T':
			if (strcmp(s, "Type") == 0)
				f->type = m;
			break;
		case 'U':
			if (strcmp(s, "UserData") == 0)
				f->userdata = m;
			break;
		default:
			break;
		}
	}
}

static void decode_int32(int32_t *out, bool *has, const cJSON *node, int64_t lo, int64_t hi,
			 const char *what, const char *id, cwp_warnings *w)
{
	int64_t v;
	int rc = get_int(&v, node, lo, hi);
	if (rc == CWP_OK) {
		*out = (int32_t)v;
		*has = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "item %s: invalid %s", id, what);
	}
}

int emby_decode_item(emby_item *out, const cJSON *item, const char *const *series_ids,
		     unsigned flags, cwp_warnings *w)
{
	item_fields f;
	cwp_record *r = &out->rec;

	memset(&out->rec, 0, sizeof(out->rec));
	out->series_id = NULL;
	if (!cJSON_IsObject(item)) {
		cwp_warn(w, "an Items row is not an object: dropped");
		return CWP_EINVAL;
	}
	collect_fields(&f, item);
	if (!cJSON_IsString(f.type) || !f.type->valuestring)
		return CWP_EABSENT;
	if (strcmp(f.type->valuestring, "Movie") == 0)
		r->type = CWP_TYPE_MOVIE;
	else if (strcmp(f.type->valuestring, "Episode") == 0)
		r->type = CWP_TYPE_EPISODE;
	else
		return CWP_EABSENT;
	if (!cJSON_IsString(f.id) || !f.id->valuestring || !f.id->valuestring[0]) {
		cwp_warn(w, "a %s row has no string Id: dropped", f.type->valuestring);
		r->type = CWP_TYPE_UNKNOWN;
		return CWP_EINVAL;
	}
	const char *id = f.id->valuestring;
	r->item_id = id;
	if (!cJSON_IsObject(f.userdata)) {
		cwp_warn(w, "item %s: no UserData object: dropped", id);
		return CWP_EINVAL;
	}

	/* UserData first: a row that is not progress costs nothing more. */
	const cJSON *pos = NULL, *pct = NULL, *last = NULL, *played = NULL;
	for (const cJSON *m = f.userdata->child; m; m = m->next) {
		if (!m->string)
			continue;
		if (strcmp(m->string, "PlaybackPositionTicks") == 0)
			pos = m;
		else if (strcmp(m->string, "PlayedPercentage") == 0)
			pct = m;
		else if (strcmp(m->string, "LastPlayedDate") == 0)
			last = m;
		else if (strcmp(m->string, "Played") == 0)
			played = m;
	}
	int64_t ticks;
	int rc = cwp_ticks_from_json(&ticks, pos);
	if (rc == CWP_EINVAL) {
		cwp_warn(w, "item %s: invalid PlaybackPositionTicks: dropped", id);
		return CWP_EINVAL;
	}
	if (rc == CWP_OK) {
		r->progress_ms = cwp_ticks_to_ms(ticks);
		r->has_progress_ms = true;
	}
	if (!(flags & EMBY_DECODE_ANY_POSITION) && !(r->has_progress_ms && r->progress_ms > 0))
		return CWP_EABSENT;

	rc = cwp_ticks_from_json(&ticks, f.runtime);
	if (rc == CWP_OK && ticks > 0) {
		r->duration_ms = cwp_ticks_to_ms(ticks);
		r->has_duration_ms = r->duration_ms > 0;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "item %s: invalid RunTimeTicks", id);
	}
	if (pct && !cJSON_IsNull(pct)) {
		double d = pct->valuedouble;
		if (cJSON_IsNumber(pct) && d >= 0.0 && d <= 100.0) {
			r->progress_percent = d;
			r->has_progress_percent = true;
		} else {
			cwp_warn(w, "item %s: invalid PlayedPercentage", id);
		}
	}
	int64_t at;
	rc = cwp_time_from_json(&at, last);
	if (rc == CWP_OK) {
		r->progress_at = at;
		r->has_progress_at = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "item %s: invalid LastPlayedDate", id);
	}
	if (played && !cJSON_IsNull(played)) {
		if (cJSON_IsBool(played)) {
			r->played = cJSON_IsTrue(played);
			r->has_played = true;
		} else {
			cwp_warn(w, "item %s: invalid Played", id);
		}
	}

	const cJSON *title = r->type == CWP_TYPE_EPISODE ? f.series_name : f.name;
	if (cJSON_IsString(title) && title->valuestring && title->valuestring[0])
		r->title = title->valuestring;
	decode_int32(&r->year, &r->has_year, f.year, 1, 9999, "ProductionYear", id, w);
	if (r->type == CWP_TYPE_EPISODE) {
		decode_int32(&r->season, &r->has_season, f.season, 0, 100000, "ParentIndexNumber",
			     id, w);
		decode_int32(&r->episode, &r->has_episode, f.episode, 0, 100000, "IndexNumber", id,
			     w);
		if (cJSON_IsString(f.series_id) && f.series_id->valuestring &&
		    f.series_id->valuestring[0])
			out->series_id = f.series_id->valuestring;
		if (series_ids) {
			for (int k = 0; k < CWP_ID_COUNT; k++) {
				if (!series_ids[k])
					continue;
				size_t n = strlen(series_ids[k]);
				if (n >= CWP_ID_MAX)
					continue;
				memcpy(out->idbuf[CWP_ID_COUNT + k], series_ids[k], n + 1);
				r->show_ids[k] = out->idbuf[CWP_ID_COUNT + k];
			}
		}
	}
	emby_decode_provider_ids(r->ids, out->idbuf, item);
	return CWP_OK;
}

int emby_decode_index_page(cwp_index *idx, const char *buf, size_t len, size_t *n_put,
			   cwp_warnings *w)
{
	emby_page page;
	emby_item *it = NULL;
	size_t put = 0;

	int rc = emby_decode_page(&page, buf, len);
	if (rc != CWP_OK)
		goto done;
	it = malloc(sizeof(*it));
	if (!it) {
		rc = cwp_error_set(CWP_ENOMEM, "out of memory decoding an Items page");
		goto done;
	}
	for (const cJSON *row = page.items->child; row; row = row->next) {
		if (emby_decode_item(it, row, NULL, 0, w) != CWP_OK)
			continue;
		rc = cwp_index_put(idx, &it->rec);
		if (rc == CWP_EINVAL || rc == CWP_ERANGE) {
			cwp_warn(w, "item %s: no usable key: dropped", it->rec.item_id);
			continue;
		}
		if (rc != CWP_OK)
			goto done;
		put++;
	}
	rc = CWP_OK;
done:
	free(it);
	emby_page_free(&page);
	if (n_put)
		*n_put = put;
	return rc;
}
