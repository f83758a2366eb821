/* The demo's live part (SVC-03): the service's webhook listener on
 * 127.0.0.1:0, the source mock told to send its webhooks there, and its
 * simulated player stopping one item a few minutes further on: the listener
 * hears Emby's notification and syncs that one item through the engine
 * (fresh state, journal first), and the demo shows how long it took from
 * the player's stop to the write on the destination. */
#include "demo_live.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "serve_webhook.h"
#include "sync.h"

#if defined(CWP_HAVE_LISTENER)

typedef struct live {
	const cwp__demo_live_opts *o;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int rc;
	int64_t done_ms;
	int64_t written_ms; /* the position written, or -1 */
} live;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool live_wanted(void *ud, const char *user)
{
	live *l = ud;
	return strcmp(user, l->o->side[0]->user_id) == 0;
}

static int live_sync(void *ud, const char *user, const char *item)
{
	(void)user;
	live *l = ud;
	cwp__sync_opts so;
	memset(&so, 0, sizeof(so));
	for (int s = 0; s < 2; s++) {
		so.side[s] = l->o->side[s];
		so.creds[s] = l->o->creds[s];
	}
	so.cfg = l->o->cfg;
	so.journal_path = l->o->journal;
	so.command = "demo";
	so.no_lock = true;
	so.only = &item;
	so.n_only = 1;
	cwp_sync_result *rep = NULL;
	char err[512];
	int rc = cwp__sync_pair(&rep, &so, err, sizeof err);
	int64_t written = -1;
	for (size_t i = 0; rep && i < cwp_sync_result_rows(rep); i++) {
		const cwp_sync_row *r = cwp_sync_result_row(rep, i);
		if (r->status == CWP_SYNC_ROW_WRITTEN)
			written = r->write_ms;
	}
	if (rc == 0)
		rc = (int)cwp_sync_result_summary(rep)->outcome;
	cwp_sync_result_free(rep);
	pthread_mutex_lock(&l->mu);
	l->done = true;
	l->rc = rc;
	l->done_ms = mono_ms();
	l->written_ms = written;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static void quiet_log(void *ud, const char *line)
{
	(void)ud, (void)line;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
	(void)p, (void)ud;
	return sz * n;
}

/* POST body to the source mock's control API; the HTTP status. */
static long control_post(const cwp__demo_live_opts *o, const char *path, const char *body)
{
	char url[512], auth[256];
	snprintf(url, sizeof url, "%s%s", o->src_url, path);
	snprintf(auth, sizeof auth, "X-Emby-Token: %s", o->src_admin_token);
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	long st = 0;
	if (c && h) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return st;
}

static void random_secret(char out[33])
{
	unsigned char b[16];
	FILE *f = fopen("/dev/urandom", "rb");
	size_t n = f ? fread(b, 1, sizeof b, f) : 0;
	if (f)
		fclose(f);
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", i < n ? b[i] : (unsigned)(i * 37 + 11) & 0xff);
}

/* Wait for the webhook's sync (5 s at most). */
static bool wait_done(live *l)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&l->mu);
	while (!l->done && pthread_cond_timedwait(&l->cv, &l->mu, &dl) == 0)
		;
	bool done = l->done;
	pthread_mutex_unlock(&l->mu);
	return done;
}

int cwp__demo_live(cwp__demo_live_result *out, const cwp__demo_live_opts *o, char *err,
		   size_t errsz)
{
	memset(out, 0, sizeof(*out));
	live l = {.o = o, .written_ms = -1};
	pthread_mutex_init(&l.mu, NULL);
	pthread_cond_init(&l.cv, NULL);
	char secret[33], body[512];
	random_secret(secret);
	cwp__hook_options ho = {.listen = "127.0.0.1:0",
				.secret = secret,
				.wanted = live_wanted,
				.sync = live_sync,
				.log = quiet_log,
				.ud = &l};
	cwp__hook *h = NULL;
	int rc = -1;
	if (cwp__hook_start(&h, &ho, err, errsz) != 0)
		goto done;
	snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d/webhook/%s\"}",
		 cwp__hook_port(h), secret);
	if (control_post(o, "/__mock/webhooks", body) != 204) {
		snprintf(err, errsz, "the source mock did not take the webhook target");
		goto done;
	}
	char path[256];
	snprintf(path, sizeof path, "/__mock/player/%s/%s/stop", o->side[0]->user_id, o->item_id);
	snprintf(body, sizeof body, "{\"position_ticks\": %lld}", (long long)o->stop_at_ms * 10000);
	int64_t t0 = mono_ms();
	if (control_post(o, path, body) != 200) {
		snprintf(err, errsz, "the source mock's player did not stop the item");
		goto done;
	}
	if (!wait_done(&l)) {
		snprintf(err, errsz, "no webhook-driven sync within 5 s");
		goto done;
	}
	out->latency_ms = l.done_ms - t0;
	out->written_ms = l.written_ms;
	out->exit_code = l.rc;
	rc = 0;
done:
	cwp__hook_stop(h);
	pthread_cond_destroy(&l.cv);
	pthread_mutex_destroy(&l.mu);
	return rc;
}

#else
int cwp__demo_live(cwp__demo_live_result *out, const cwp__demo_live_opts *o, char *err,
		   size_t errsz)
{
	(void)o;
	memset(out, 0, sizeof(*out));
	snprintf(err, errsz, "built without the webhook listener");
	return -1;
}
#endif
