/* emby_client behind the sync engine's provider interface (emby/provider.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emby/provider.h"

static int p_probe(void *payload, cwp_sync_server_info *out)
{
	emby_server_info info;
	memset(&info, 0, sizeof(info));
	int rc = emby_probe(payload, &info);
	if (rc != 0)
		return rc;
	snprintf(out->name, sizeof(out->name), "%s", info.name);
	snprintf(out->version, sizeof(out->version), "%s", info.version);
	snprintf(out->user_name, sizeof(out->user_name), "%s", info.user_name);
	return 0;
}

static int p_index(void *payload, cwp_index **out, cwp_warnings *w)
{
	return emby_index(payload, out, w);
}

static int p_confirm(void *payload, const cwp_record *const *cands, size_t n, cwp_index *into,
		     cwp_warnings *w)
{
	return emby_confirm_zeros(payload, cands, n, into, w);
}

static int p_resolve(void *payload, const cwp_record *const *recs, size_t n, cwp_sync_resolved *out,
		     void **handle)
{
	emby_resolution *res = NULL;
	int rc = emby_resolve(payload, recs, n, &res);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		emby_resolve_status st = emby_resolution_status(res, i);
		out[i].status = st == EMBY_RESOLVED    ? CWP_SYNC_RESOLVED
				: st == EMBY_AMBIGUOUS ? CWP_SYNC_AMBIGUOUS
						       : CWP_SYNC_NOT_FOUND;
		out[i].ids = NULL;
		out[i].n_ids = st == EMBY_RESOLVED ? emby_resolution_items(res, i, &out[i].ids) : 0;
	}
	*handle = res;
	return 0;
}

static void p_resolve_free(void *payload, void *handle)
{
	(void)payload;
	emby_resolution_free(handle);
}

static int p_read_states(void *payload, const char *const *ids, size_t n, cwp_target_state *states,
			 bool *found)
{
	return emby_read_states(payload, ids, n, states, found);
}

/* One GET /Sessions for the whole batch. */
static int p_playing(void *payload, const char *const *ids, size_t n, bool *playing)
{
	char **now = NULL;
	size_t n_now = 0;
	int rc = emby_playing(payload, &now, &n_now);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		playing[i] = false;
		for (size_t p = 0; p < n_now && !playing[i]; p++)
			playing[i] = now[p] && ids[i] && !strcmp(now[p], ids[i]);
	}
	emby_strv_free(now, n_now);
	return 0;
}

static int p_write(void *payload, cwp_sync_write *writes, size_t n, cwp_sync_cancel_cb cancel,
		   void *cancel_ud)
{
	emby_write *ew = calloc(n ? n : 1, sizeof(*ew));
	if (!ew)
		return CWP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ew[i].item_id = writes[i].item_id;
		ew[i].body = writes[i].body;
		ew[i].unwatch_first = writes[i].unwatch_first;
	}
	int rc = emby_write_batch_cancel(payload, ew, n, cancel, cancel_ud);
	for (size_t i = 0; i < n; i++) {
		cwp_sync_write *w = &writes[i];
		w->result = ew[i].result;
		w->http_status = ew[i].http_status;
		w->started = ew[i].started;
		w->unwatched = ew[i].unwatched;
		w->unwatch_failed = ew[i].unwatch_failed;
		snprintf(w->error, sizeof(w->error), "%s", ew[i].error);
	}
	free(ew);
	return rc;
}

static const char *p_error(void *payload)
{
	return emby_client_error(payload);
}

static void p_stats(void *payload, size_t *requests, size_t *retries, size_t *bytes)
{
	emby_stats st;
	emby_client_stats(payload, &st);
	*requests = st.requests;
	*retries = st.retries;
	*bytes = st.bytes_received;
}

int emby_provider_init(cwp_sync_provider *out, emby_client *client)
{
	if (!out || !client)
		return cwp_error_set(CWP_EINVAL, "emby_provider_init: no client");
	memset(out, 0, sizeof(*out));
	out->version = CWP_SYNC_PROVIDER_VERSION;
	out->payload = client;
	out->probe = p_probe;
	out->index = p_index;
	out->confirm_zeros = p_confirm;
	out->resolve = p_resolve;
	out->resolve_free = p_resolve_free;
	out->read_states = p_read_states;
	out->playing = p_playing;
	out->write = p_write;
	out->error = p_error;
	out->stats = p_stats;
	return 0;
}
