/* What the clients of one run share (emby/client.h, emby_shared): the server
 * part of the probe and the /Sessions list, each read once under a mutex by
 * the first client that needs it. Nothing here is process-wide: the caller
 * makes one object per server and run. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

struct emby_shared {
	pthread_mutex_t mu;
	char *base_url; /* of the first client served; others read for themselves */
	bool has_info;
	emby_server_info info; /* user_name stays "": each client asks for its user */
	bool has_sessions;
	emby__sessions sessions;
};

int emby_shared_new(emby_shared **out)
{
	*out = NULL;
	emby_shared *s = calloc(1, sizeof(*s));
	if (!s)
		return cwp_error_set(CWP_ENOMEM, "emby_shared_new: out of memory");
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return cwp_error_set(CWP_ERROR, "emby_shared_new: cannot create a mutex");
	}
	*out = s;
	return CWP_OK;
}

void emby_shared_free(emby_shared *s)
{
	if (!s)
		return;
	emby__sessions_free(&s->sessions);
	free(s->base_url);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Lock s when it serves c: the first client claims it for its server. false
 * (not locked) for a client of another server, or when out of memory. */
static bool lock_for(emby_shared *s, const emby_client *c)
{
	pthread_mutex_lock(&s->mu);
	if (!s->base_url)
		s->base_url = strdup(c->base_url);
	if (s->base_url && strcmp(s->base_url, c->base_url) == 0)
		return true;
	pthread_mutex_unlock(&s->mu);
	return false;
}

int emby__shared_server_info(emby_client *c, emby_server_info *out)
{
	emby_shared *s = c->shared;
	if (!lock_for(s, c))
		return emby__server_info_read(c, out);
	int rc = CWP_OK;
	if (!s->has_info) {
		rc = emby__server_info_read(c, &s->info);
		s->has_info = rc == CWP_OK;
	}
	if (rc == CWP_OK)
		*out = s->info;
	else
		memset(out, 0, sizeof(*out));
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int emby__shared_playing(emby_client *c, char ***ids, size_t *n)
{
	emby_shared *s = c->shared;
	if (!lock_for(s, c))
		return emby__playing_read(c, ids, n);
	int rc = CWP_OK;
	if (!s->has_sessions) {
		rc = emby__sessions_read(c, &s->sessions);
		s->has_sessions = rc == CWP_OK;
	}
	if (rc == CWP_OK)
		rc = emby__sessions_of(c, &s->sessions, ids, n);
	pthread_mutex_unlock(&s->mu);
	return rc;
}
