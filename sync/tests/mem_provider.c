/* The in-memory provider (mem_provider.h). */
#include "mem_provider.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

mem_item *mem_add(mem_server *s, const char *id, const char *tmdb, int64_t pos_ms,
		  int64_t last_played)
{
	if (s->n >= MEM_MAX_ITEMS)
		return NULL;
	mem_item *it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", id);
	it->idp = it->id;
	snprintf(it->tmdb, sizeof(it->tmdb), "%s", tmdb);
	snprintf(it->title, sizeof(it->title), "Movie %s", tmdb);
	it->pos_ms = pos_ms;
	it->dur_ms = 7200000;
	it->last_played = last_played;
	return it;
}

mem_item *mem_find(mem_server *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].id, id))
			return &s->items[i];
	return NULL;
}

static void to_record(cwp_record *r, const mem_item *it)
{
	memset(r, 0, sizeof(*r));
	r->type = CWP_TYPE_MOVIE;
	r->title = it->title;
	r->item_id = it->id;
	r->ids[CWP_ID_TMDB] = it->tmdb;
	r->progress_ms = it->pos_ms;
	r->has_progress_ms = true;
	r->duration_ms = it->dur_ms;
	r->has_duration_ms = true;
	r->progress_at = it->last_played;
	r->has_progress_at = it->last_played != 0;
	r->played = it->played;
	r->has_played = true;
}

static int m_index(void *payload, cwp_index **out, cwp_warnings *w)
{
	mem_server *s = payload;
	(void)w;
	if (s->fail_index) {
		snprintf(s->err, sizeof(s->err), "mem: index failed (HTTP 500)");
		return CWP_EHTTP;
	}
	int rc = cwp_index_new(out);
	for (size_t i = 0; !rc && i < s->n; i++) {
		if (s->items[i].pos_ms <= 0)
			continue; /* READ-02: only resumable rows */
		cwp_record r;
		to_record(&r, &s->items[i]);
		rc = cwp_index_put(*out, &r);
	}
	return rc;
}

static int m_confirm(void *payload, const cwp_record *const *cands, size_t n, cwp_index *into,
		     cwp_warnings *w)
{
	mem_server *s = payload;
	(void)w;
	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; i < s->n; i++) {
			const char *t = cands[c]->ids[CWP_ID_TMDB];
			if (t && !strcmp(t, s->items[i].tmdb) && s->items[i].pos_ms == 0) {
				cwp_record r;
				to_record(&r, &s->items[i]);
				int rc = cwp_index_put(into, &r);
				if (rc)
					return rc;
			}
		}
	return 0;
}

static int m_resolve(void *payload, const cwp_record *const *recs, size_t n, cwp_sync_resolved *out,
		     void **handle)
{
	mem_server *s = payload;
	*handle = NULL;
	for (size_t k = 0; k < n; k++) {
		out[k].status = CWP_SYNC_NOT_FOUND;
		out[k].ids = NULL;
		out[k].n_ids = 0;
		const char *t = recs[k]->ids[CWP_ID_TMDB];
		for (size_t i = 0; t && i < s->n; i++)
			if (!strcmp(t, s->items[i].tmdb)) {
				out[k].status = CWP_SYNC_RESOLVED;
				out[k].ids = &s->items[i].idp;
				out[k].n_ids = 1;
				break;
			}
	}
	return 0;
}

static void m_resolve_free(void *payload, void *handle)
{
	(void)payload;
	(void)handle;
}

static int m_read_states(void *payload, const char *const *ids, size_t n, cwp_target_state *states,
			 bool *found)
{
	mem_server *s = payload;
	for (size_t k = 0; k < n; k++) {
		const mem_item *it = mem_find(s, ids[k]);
		found[k] = it != NULL;
		memset(&states[k], 0, sizeof(states[k]));
		if (!it)
			continue;
		states[k].position_ms = it->pos_ms;
		states[k].has_position = true;
		states[k].position_ticks = it->pos_ms * CWP_TICKS_PER_MS;
		states[k].duration_ms = it->dur_ms;
		states[k].has_duration = true;
		states[k].last_played_at = it->last_played;
		states[k].has_last_played = it->last_played != 0;
		states[k].played = it->played;
	}
	return 0;
}

static int m_playing(void *payload, const char *const *ids, size_t n, bool *playing)
{
	mem_server *s = payload;
	for (size_t k = 0; k < n; k++) {
		const mem_item *it = mem_find(s, ids[k]);
		playing[k] = it && it->playing;
	}
	return 0;
}

/* Apply a UserData body as Emby does: the fields it names. */
static void apply_body(mem_item *it, const char *body)
{
	cJSON *o = cwp_json_parse_str(body);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "PlaybackPositionTicks");
	int64_t ticks;
	if (t && cwp_ticks_from_json(&ticks, t) == 0)
		it->pos_ms = ticks / CWP_TICKS_PER_MS;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "LastPlayedDate");
	int64_t at;
	if (cJSON_IsString(d) && cwp_time_parse(&at, d->valuestring, strlen(d->valuestring)) == 0)
		it->last_played = at;
	else if (cJSON_IsNull(d))
		it->last_played = 0;
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "Played");
	if (cJSON_IsBool(p))
		it->played = cJSON_IsTrue(p);
	cJSON_Delete(o);
}

static void write_one(mem_server *s, cwp_sync_write *w)
{
	mem_item *it = mem_find(s, w->item_id);
	w->started = true;
	if (!it) {
		w->result = CWP_ENOTFOUND;
		w->http_status = 404;
		snprintf(w->error, sizeof(w->error), "mem: no item %s", w->item_id);
		return;
	}
	if (w->unwatch_first) {
		/* Emby's unplay resets position, play count and LastPlayedDate */
		it->played = false;
		it->pos_ms = 0;
		it->last_played = 0;
		w->unwatched = true;
		s->unwatches++;
	}
	if (it->refuse_status) {
		w->result = CWP_EHTTP;
		w->http_status = it->refuse_status;
		snprintf(w->error, sizeof(w->error), "mem: HTTP %d", it->refuse_status);
		return;
	}
	apply_body(it, w->body);
	s->writes++;
	if (it->write_timeout) {
		w->result = CWP_ETIMEOUT;
		snprintf(w->error, sizeof(w->error), "mem: timed out");
		return;
	}
	w->result = 0;
	w->http_status = 204;
}

static int m_write(void *payload, cwp_sync_write *writes, size_t n, cwp_sync_cancel_cb cancel,
		   void *cancel_ud)
{
	mem_server *s = payload;
	int rc = 0;
	for (size_t k = 0; k < n; k++) {
		writes[k].result = CWP_ERROR;
		snprintf(writes[k].error, sizeof(writes[k].error), "not sent");
		if (cancel && cancel(cancel_ud) < 0) {
			rc = CWP_ERROR;
			continue;
		}
		write_one(s, &writes[k]);
		if (writes[k].result)
			rc = CWP_ERROR;
	}
	return rc;
}

static const char *m_error(void *payload)
{
	return ((mem_server *)payload)->err;
}

void mem_provider_init(cwp_sync_provider *out, mem_server *s)
{
	memset(out, 0, sizeof(*out));
	out->version = CWP_SYNC_PROVIDER_VERSION;
	out->payload = s;
	out->index = m_index;
	out->confirm_zeros = m_confirm;
	out->resolve = m_resolve;
	out->resolve_free = m_resolve_free;
	out->read_states = m_read_states;
	out->playing = m_playing;
	out->write = m_write;
	out->error = m_error;
}
