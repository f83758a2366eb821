/* The service's webhook listener (cli/serve_webhook.c, SVC-03) against a
 * recording sync callback: what is queued, coalesced, ignored and refused.
 * The callback runs on the listener's worker thread: it only records, under
 * a mutex; every assert is in the test thread, which waits for the record
 * with a deadline (no sleeps). */
#include "cwp_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"
#include <curl/curl.h>

#include "serve_webhook.h"

#define SECRET "wh-test-secret-0123456789abcdef"
#define ALICE  "3f6c2b1a9d8e4f70a1b2c3d4e5f60718"
#define MATRIX "242837"

typedef struct rec {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int syncs;
	char last_user[80], last_item[80];
	int running, max_running;
	char log[16384];
} rec;

static bool wanted(void *ud, const char *user)
{
	(void)ud;
	return strcmp(user, ALICE) == 0;
}

static int on_sync(void *ud, const char *user, const char *item)
{
	rec *r = ud;
	pthread_mutex_lock(&r->mu);
	r->running++;
	if (r->running > r->max_running)
		r->max_running = r->running;
	pthread_mutex_unlock(&r->mu);
	pthread_mutex_lock(&r->mu);
	r->syncs++;
	snprintf(r->last_user, sizeof r->last_user, "%s", user);
	snprintf(r->last_item, sizeof r->last_item, "%s", item);
	r->running--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static void on_log(void *ud, const char *line)
{
	rec *r = ud;
	pthread_mutex_lock(&r->mu);
	size_t n = strlen(r->log);
	snprintf(r->log + n, sizeof r->log - n, "%s\n", line);
	pthread_mutex_unlock(&r->mu);
}

static cwp__hook *start(rec *r, int coalesce_ms)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	cwp__hook_options o = {.listen = "127.0.0.1:0",
			       .secret = SECRET,
			       .coalesce_ms = coalesce_ms,
			       .wanted = wanted,
			       .sync = on_sync,
			       .log = on_log,
			       .ud = r};
	cwp__hook *h = NULL;
	char err[256];
	if (cwp__hook_start(&h, &o, err, sizeof err) != 0)
		fail_msg("listener did not start: %s", err);
	return h;
}

static void finish(cwp__hook *h, rec *r)
{
	cwp__hook_stop(h);
	assert_null(strstr(r->log, SECRET)); /* never in a log line */
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

/* Wait until r->syncs >= n or 5 s pass; the count then. */
static int wait_syncs(rec *r, int n)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	pthread_mutex_lock(&r->mu);
	while (r->syncs < n && pthread_cond_timedwait(&r->cv, &r->mu, &dl) == 0)
		;
	int got = r->syncs;
	pthread_mutex_unlock(&r->mu);
	return got;
}

typedef struct resp {
	long status;
	char body[4096];
	size_t len;
} resp;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	resp *r = ud;
	size_t k = sz * n, room = sizeof r->body - 1 - r->len;
	memcpy(r->body + r->len, p, k < room ? k : room);
	r->len += k < room ? k : room;
	r->body[r->len] = '\0';
	return k;
}

/* One request to the listener; ctype NULL = GET. */
static resp req(cwp__hook *h, const char *path, const char *ctype, const char *body, size_t len)
{
	resp r = {0};
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cwp__hook_port(h), path);
	CURL *c = curl_easy_init();
	struct curl_slist *hd = NULL;
	char ct[256];
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	if (ctype) {
		snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
		hd = curl_slist_append(hd, ct);
		hd = curl_slist_append(hd, "Expect:");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fail_msg("%s: %s", path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
	return r;
}

static resp post_json(cwp__hook *h, const char *path, const char *json)
{
	return req(h, path, "application/json", json, strlen(json));
}

static char *fixture(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/emby_client/tests/fixtures/webhooks/%s", CWP_SOURCE_DIR,
		 name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#define HOOK "/webhook/" SECRET

static void listener_healthz_and_status(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 0);
	resp x = req(h, "/healthz", NULL, NULL, 0);
	assert_int_equal_dec(x.status, 200);
	assert_string_equal(x.body, "ok\n");
	x = req(h, "/status", NULL, NULL, 0);
	assert_int_equal_dec(x.status, 200);
	cJSON *j = cwp_json_parse_str(x.body);
	assert_non_null(j);
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "webhooks");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(w, "syncs")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(w, "last_error")));
	cJSON_Delete(j);
	assert_null(strstr(x.body, SECRET));
	x = req(h, "/nothing-here", NULL, NULL, 0);
	assert_int_equal_dec(x.status, 404);
	finish(h, &r);
}

static void listener_without_the_secret_401_no_sync(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 10);
	char *ev = fixture("playback-stop-movie.json");
	static const char *paths[] = {"/webhook",
				      "/webhook/",
				      "/webhook/wrong-secret-0123456789",
				      "/webhook/" SECRET "x",
				      "/webhook/wh-test-secret",
				      "/webhook/" SECRET "/more"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		resp x = post_json(h, paths[i], ev);
		if (x.status != 401)
			fail_msg("%s: %ld", paths[i], x.status);
		assert_null(strstr(x.body, SECRET));
	}
	resp x = req(h, HOOK, NULL, NULL, 0); /* GET with the secret */
	assert_int_equal_dec(x.status, 405);
	cwp__hook_counts k;
	cwp__hook_counts_get(h, &k);
	assert_int_equal_dec(k.queued, 0);
	x = req(h, "/status", NULL, NULL, 0);
	assert_non_null(strstr(x.body, "\"refused\":7"));
	free(ev);
	finish(h, &r);
	assert_int_equal_dec(r.syncs, 0);
	assert_non_null(strstr(r.log, "401"));
}

static void listener_json_event_syncs_that_item(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 10);
	char *ev = fixture("playback-stop-movie.json");
	resp x = post_json(h, HOOK, ev);
	assert_int_equal_dec(x.status, 202);
	assert_int_equal_dec(wait_syncs(&r, 1), 1);
	assert_string_equal(r.last_user, ALICE);
	assert_string_equal(r.last_item, MATRIX);
	free(ev);
	finish(h, &r);
	assert_non_null(strstr(r.log, "playback.stop user alice item 242837"));
}

static void listener_multipart_data_part(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 10);
	char *ev = fixture("item-markplayed.json");
	size_t cap = strlen(ev) + 512;
	char *body = malloc(cap);
	snprintf(body, cap,
		 "--cwpBoundaryXyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n"
		 "--cwpBoundaryXyZ\r\nContent-Disposition: form-data; name=\"data\"\r\n"
		 "Content-Type: application/json\r\n\r\n%s\r\n--cwpBoundaryXyZ--\r\n",
		 ev);
	resp x = req(h, HOOK, "multipart/form-data; boundary=cwpBoundaryXyZ", body, strlen(body));
	if (x.status != 202)
		fail_msg("%ld %s", x.status, x.body);
	assert_int_equal_dec(wait_syncs(&r, 1), 1);
	assert_string_equal(r.last_item, MATRIX);
	/* A form without a data part: 400, nothing queued. */
	const char *nodata =
	    "--cwpBoundaryXyZ\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n"
	    "{}\r\n--cwpBoundaryXyZ--\r\n";
	x = req(h, HOOK, "multipart/form-data; boundary=cwpBoundaryXyZ", nodata, strlen(nodata));
	assert_int_equal_dec(x.status, 400);
	assert_non_null(strstr(x.body, "data part"));
	cwp__hook_counts k;
	cwp__hook_counts_get(h, &k);
	assert_int_equal_dec(k.queued, 1);
	free(body);
	free(ev);
	finish(h, &r);
	assert_int_equal_dec(r.syncs, 1);
}

static void listener_malformed_and_oversized_4xx_no_sync(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 10);
	resp x = post_json(h, HOOK, "{\"Event\": \"playback.stop\"");
	assert_int_equal_dec(x.status, 400);
	assert_non_null(strstr(x.body, "not a JSON object"));
	x = post_json(h, HOOK, "{\"Event\": \"playback.stop\", \"Item\": {\"Id\": \"1\"}}");
	assert_int_equal_dec(x.status, 400);
	x = post_json(h, HOOK, "");
	assert_int_equal_dec(x.status, 400);
	size_t big = 10u * 1024 * 1024;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	memcpy(huge, "{\"Event\":", 9);
	x = req(h, HOOK, "application/json", huge, big);
	assert_int_equal_dec(x.status, 413);
	x = req(h, HOOK, "multipart/form-data; boundary=cwpBoundaryXyZ", huge, big);
	assert_int_equal_dec(x.status, 413);
	free(huge);
	cwp__hook_counts k;
	cwp__hook_counts_get(h, &k);
	assert_int_equal_dec(k.queued, 0);
	assert_int_equal_dec(k.refused, 5);
	finish(h, &r);
	assert_int_equal_dec(r.syncs, 0);
	assert_non_null(strstr(r.log, "413"));
}

static void listener_unknown_or_foreign_events_acknowledged(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 10);
	static const char *files[] = {"playback-start-episode.json", "system-notificationtest.json",
				      "jellyfin-playbackstop.json",
				      "playback-stop-episode.json"}; /* bob: not synced */
	for (size_t i = 0; i < 4; i++) {
		char *ev = fixture(files[i]);
		resp x = post_json(h, HOOK, ev);
		if (x.status != 200 || !strstr(x.body, "ignored"))
			fail_msg("%s: %ld %s", files[i], x.status, x.body);
		free(ev);
	}
	resp x = post_json(h, HOOK,
			   "{\"Event\": \"item.markplayed\", \"User\": {\"Id\": \"" ALICE
			   "\"}, \"Item\": {\"Id\": \"77\", \"Type\": \"Audio\"}}");
	assert_int_equal_dec(x.status, 200);
	assert_non_null(strstr(x.body, "item type"));
	cwp__hook_counts k;
	cwp__hook_counts_get(h, &k);
	assert_int_equal_dec(k.ignored, 5);
	assert_int_equal_dec(k.queued, 0);
	finish(h, &r);
	assert_int_equal_dec(r.syncs, 0);
}

static void listener_burst_for_one_item_coalesced(void **state)
{
	(void)state;
	rec r;
	cwp__hook *h = start(&r, 250);
	char *ev = fixture("playback-pause.json");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100; i++) {
		resp x = post_json(h, HOOK, ev);
		assert_int_equal_dec(x.status, 202);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(wait_syncs(&r, 1) >= 1);
	/* Wait until the queue is empty (the last window has passed). */
	cwp__hook_counts k;
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	for (;;) {
		cwp__hook_counts_get(h, &k);
		if (k.syncs == k.queued)
			break;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - dl.tv_sec > 5)
			fail_msg("queue not drained: %zu queued, %zu synced", k.queued, k.syncs);
		wait_syncs(&r, (int)k.syncs + 1);
	}
	/* One sync per 250 ms window at most, plus the one that was running. */
	size_t bound = (size_t)(secs / 0.25) + 2;
	if (k.syncs > bound || k.syncs + k.coalesced != 100)
		fail_msg("100 events in %.2f s: %zu syncs (bound %zu), %zu coalesced", secs,
			 k.syncs, bound, k.coalesced);
	free(ev);
	finish(h, &r);
	assert_int_equal_dec(r.max_running, 1);
}

static void listener_bad_options_refused(void **state)
{
	(void)state;
	cwp__hook *h = NULL;
	char err[256];
	cwp__hook_options o = {.listen = "127.0.0.1:0", .secret = "short", .sync = on_sync};
	assert_int_equal(cwp__hook_start(&h, &o, err, sizeof err), -1);
	assert_non_null(strstr(err, "secret"));
	o.secret = "has/slash-in-it-0123456789";
	assert_int_equal(cwp__hook_start(&h, &o, err, sizeof err), -1);
	o.secret = SECRET;
	static const char *bad[] = {"nonsense",       "127.0.0.1",    "127.0.0.1:99999",
				    "example.com:80", "127.0.0.1:-1", ":80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.listen = bad[i];
		if (cwp__hook_start(&h, &o, err, sizeof err) != -1)
			fail_msg("--listen %s accepted", bad[i]);
		assert_non_null(strstr(err, "--listen"));
		assert_null(h);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(listener_healthz_and_status),
    cmocka_unit_test(listener_without_the_secret_401_no_sync),
    cmocka_unit_test(listener_json_event_syncs_that_item),
    cmocka_unit_test(listener_multipart_data_part),
    cmocka_unit_test(listener_malformed_and_oversized_4xx_no_sync),
    cmocka_unit_test(listener_unknown_or_foreign_events_acknowledged),
    cmocka_unit_test(listener_burst_for_one_item_coalesced),
    cmocka_unit_test(listener_bad_options_refused),
};
CWP_TEST_MAIN(tests)
