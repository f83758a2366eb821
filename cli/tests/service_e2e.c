/* Households, the schedule and webhooks end to end (SVC-01..03): two
 * in-process mocks from the demo fixtures (alice and bob on both), pair
 * files with "users" and "webhook", `cwprogress sync` run in-process, the
 * service on a thread of this process (stopped as SIGTERM would), and the
 * mock's simulated player posting Emby's notifications to the listener.
 * Waits are on conditions with deadlines (the log file, a mock's state). */
#include "cwp_test.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "mock_emby/mock_emby.h"
#include "service.h"
#include "sync.h"

#define A_ALICE   "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#define A_BOB     "1b2c3d4e5f60718293a4b5c6d7e8f90a"
#define B_ALICE   "d4c3b2a1f0e94d8c8b7a695847362514"
#define B_BOB     "e5d4c3b2a1f04e9d8c7b6a5948372615"
#define A_ADMIN   "demo-a-admin-token-not-secret"
#define A_INTER   "240073" /* Interstellar on demo-a … */
#define B_INTER   "51073"  /* … and on demo-b */
#define WH_SECRET "svc-e2e-webhook-secret-7f3a9c"

typedef struct env {
	mock_emby *a, *b;
	char dir[PATH_MAX - 64];
	char pair[PATH_MAX], journal[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
} env;

/* Slow runs (valgrind: .ci/run sets CWP_TIME_SCALE) stretch the deadlines
 * and the latency bounds. */
static int scale(void)
{
	const char *v = getenv("CWP_TIME_SCALE");
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 1;
	return v && *v && (*end || n < 1 || n > 100) ? 1 : (int)n;
}

static mock_emby *start_mock(const char *name)
{
	char dir[PATH_MAX], err[512];
	snprintf(dir, sizeof dir, "%s/mock_emby/fixtures/%s", CWP_SOURCE_DIR, name);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	mock_emby *m = NULL;
	if (mock_emby_start(&m, &o, err, sizeof err) != 0)
		fail_msg("mock %s: %s", name, err);
	return m;
}

static void env_start(env *e, const char *users_json, bool webhook)
{
	memset(e, 0, sizeof(*e));
	e->a = start_mock("demo-a");
	e->b = start_mock("demo-b");
	snprintf(e->dir, sizeof e->dir, "%s/svc-e2e-XXXXXX", CWP_BINARY_DIR);
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->pair, sizeof e->pair, "%s/pair.json", e->dir);
	snprintf(e->journal, sizeof e->journal, "%s/journal.jsonl", e->dir);
	snprintf(e->out, sizeof e->out, "%s/out.txt", e->dir);
	snprintf(e->err, sizeof e->err, "%s/err.txt", e->dir);
	setenv("CWP_SVC_SRC_KEY", "demo-a-apikey-not-secret", 1);
	setenv("CWP_SVC_DST_KEY", "demo-b-apikey-not-secret", 1);
	setenv("CWP_SVC_WH_SECRET", WH_SECRET, 1);
	FILE *f = fopen(e->pair, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"source\": {\"label\": \"a\", \"url\": \"%s\", \"token_env\": "
		"\"CWP_SVC_SRC_KEY\", \"max_attempts\": 1},\n"
		" \"destination\": {\"label\": \"b\", \"url\": \"%s\", \"token_env\": "
		"\"CWP_SVC_DST_KEY\", \"max_attempts\": 1},\n"
		" \"users\": %s,%s\n"
		" \"features\": {\"progress\": {\"min_seconds\": 60}}}\n",
		mock_emby_url(e->a), mock_emby_url(e->b), users_json,
		webhook ? " \"webhook\": {\"secret_env\": \"CWP_SVC_WH_SECRET\"}," : "");
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = calloc(1, (size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

static void env_stop(env *e)
{
	/* CLI-04: no key and no webhook secret in anything printed. */
	char *out = slurp(e->out), *err = slurp(e->err), *jr = slurp(e->journal);
	static const char *const secrets[] = {"demo-a-apikey-not-secret",
					      "demo-b-apikey-not-secret", WH_SECRET};
	for (int i = 0; i < 3; i++)
		if (strstr(out, secrets[i]) || strstr(err, secrets[i]) || strstr(jr, secrets[i]))
			fail_msg("a secret was printed or journaled");
	free(out);
	free(err);
	free(jr);
	mock_emby_stop(e->a);
	mock_emby_stop(e->b);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	assert_int_equal(system(cmd), 0);
}

/* `cwprogress sync` with extra arguments (NULL-terminated). */
static int run_sync(env *e, const char *a1, const char *a2)
{
	FILE *out = fopen(e->out, "w"), *err = fopen(e->err, "w");
	char *argv[] = {"sync",     "--config", e->pair,    "--journal",
			e->journal, (char *)a1, (char *)a2, NULL};
	int argc = 5 + (a1 != NULL) + (a2 != NULL);
	int rc = cwp__cmd_sync(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static cJSON *out_json(env *e)
{
	char *s = slurp(e->out);
	cJSON *j = cwp_json_parse_str(s);
	if (!j)
		fail_msg("stdout is not JSON: %s", s);
	free(s);
	return j;
}

static const cJSON *pair_at(const cJSON *doc, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "pairs"), i);
}

static int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", k);
	return v->valueint;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static size_t posts_for(mock_emby *m, const char *user)
{
	char route[128];
	snprintf(route, sizeof route, "/Users/%s/Items/*/UserData", user);
	return mock_emby_count(m, "POST", route);
}

static void household_names_resolved_each_pair_its_own_report(void **state)
{
	(void)state;
	env e;
	env_start(&e,
		  "[{\"source\": \"alice\", \"destination\": \"ALICE\"}, "
		  "{\"source\": \"" A_BOB "\", \"destination\": \"bob\"}]",
		  false);
	int rc = run_sync(&e, "--json", NULL);
	cJSON *doc = out_json(&e);
	assert_int_equal_dec(num(doc, "exit_code"), rc);
	assert_int_equal_dec(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "pairs")), 2);
	assert_string_equal(str(pair_at(doc, 0), "source_user"), A_ALICE);
	assert_string_equal(str(pair_at(doc, 0), "destination_user"), B_ALICE);
	assert_string_equal(str(pair_at(doc, 1), "source_user"), A_BOB);
	assert_string_equal(str(pair_at(doc, 1), "destination_user"), B_BOB);
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(pair_at(doc, 0), "report");
	assert_true(cJSON_IsObject(rep));
	assert_int_equal_dec(num(rep, "exit_code"), 0);
	cJSON_Delete(doc);
	/* Each pair wrote only its own destination user. */
	assert_true(posts_for(e.b, B_ALICE) > 0);
	assert_int_equal_dec(mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData"),
			     posts_for(e.b, B_ALICE) + posts_for(e.b, B_BOB));
	/* Human output groups by pair. */
	rc = run_sync(&e, NULL, NULL);
	char *out = slurp(e.out);
	assert_non_null(strstr(out, "== alice -> ALICE =="));
	assert_non_null(strstr(out, "== " A_BOB " -> bob =="));
	free(out);
	env_stop(&e);
}

static void household_unreadable_pair_never_stops_the_other(void **state)
{
	(void)state;
	env e;
	env_start(&e,
		  "[{\"source\": \"bob\", \"destination\": \"bob\"}, "
		  "{\"source\": \"alice\", \"destination\": \"alice\"}]",
		  false);
	/* bob's index cannot be read on the source (READ-05). */
	assert_int_equal(mock_emby_add_faults(e.a, "[{\"route\": \"/Users/" A_BOB
						   "/Items\", \"kind\": \"status\", "
						   "\"status\": 500}]"),
			 0);
	int rc = run_sync(&e, "--json", NULL);
	cJSON *doc = out_json(&e);
	assert_int_equal_dec(rc, 3); /* the worst of the pairs */
	assert_int_equal_dec(num(pair_at(doc, 0), "exit_code"), 3);
	assert_int_equal_dec(num(pair_at(doc, 1), "exit_code"), 0);
	cJSON_Delete(doc);
	assert_int_equal_dec(posts_for(e.b, B_BOB), 0);
	assert_true(posts_for(e.b, B_ALICE) > 0);
	env_stop(&e);
}

static void household_bad_users_refused_before_any_write(void **state)
{
	(void)state;
	static const struct {
		const char *users, *needle;
	} cases[] = {
	    {"[{\"source\": \"alice\", \"destination\": \"alice\"}, {\"source\": \"bob\", "
	     "\"destination\": \"" B_ALICE "\"}]",
	     "same destination user"},
	    {"[{\"source\": \"carol\", \"destination\": \"alice\"}]", "\"carol\" matches no user"},
	    {"[{\"source\": \"alice\"}]", "users[0].destination"},
	    {"[]", "users must be an array"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env e;
		env_start(&e, cases[i].users, false);
		int rc = run_sync(&e, NULL, NULL);
		char *err = slurp(e.err);
		if (rc != 2 || !strstr(err, cases[i].needle))
			fail_msg("%s: exit %d, %s", cases[i].users, rc, err);
		free(err);
		assert_int_equal_dec(mock_emby_count(e.b, "POST", NULL), 0);
		env_stop(&e);
	}
}

/* ---- the service on a thread ---- */

typedef struct svc_run {
	cwp__service_opts o;
	pthread_t th;
	int rc;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int port;
	bool done;
} svc_run;

static void on_listen(void *ud, int port)
{
	svc_run *r = ud;
	pthread_mutex_lock(&r->mu);
	r->port = port;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void *svc_thread(void *arg)
{
	svc_run *r = arg;
	int rc = cwp__service_main(&r->o);
	pthread_mutex_lock(&r->mu);
	r->rc = rc;
	r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* The coalescing window of the services the tests start (ms). */
static int test_coalesce_ms = 50;

static void svc_start(svc_run *r, env *e, int64_t every_ms, const char *listen)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->o.config = e->pair;
	r->o.journal = e->journal;
	r->o.every_ms = every_ms;
	r->o.listen = listen;
	r->o.coalesce_ms = test_coalesce_ms;
	r->o.out = fopen(e->out, "w");
	r->o.err = fopen(e->err, "w");
	r->o.on_listen = on_listen;
	r->o.ud = r;
	assert_int_equal(pthread_create(&r->th, NULL, svc_thread, r), 0);
}

/* Wait for the service to end (5 s): its exit status. */
static int svc_join(svc_run *r)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5 * scale();
	pthread_mutex_lock(&r->mu);
	while (!r->done && pthread_cond_timedwait(&r->cv, &r->mu, &dl) == 0)
		;
	bool done = r->done;
	pthread_mutex_unlock(&r->mu);
	if (!done)
		fail_msg("the service did not stop within 5 s");
	pthread_join(r->th, NULL);
	fclose(r->o.out);
	fclose(r->o.err);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	return r->rc;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Wait (up to ms) until the log holds `n` copies of needle; the count. */
static int wait_log(env *e, const char *needle, int n, int ms)
{
	int64_t end = now_ms() + (int64_t)ms * scale();
	int got = 0;
	for (;;) {
		char *s = slurp(e->err);
		got = count_of(s, needle);
		free(s);
		if (got >= n || now_ms() > end)
			return got;
		struct timespec ts = {0, 5 * 1000000L}; /* polling the log, with a deadline */
		nanosleep(&ts, NULL);
	}
}

static void every_stop_between_runs_exits_0_at_once(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	svc_run r;
	svc_start(&r, &e, 60000, NULL);
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 1, 10000), 1);
	int64_t t0 = now_ms();
	cwp__service_stop(); /* as SIGTERM */
	assert_int_equal_dec(svc_join(&r), 0);
	int64_t took = now_ms() - t0;
	if (took > 1000 * scale())
		fail_msg("stopping between runs took %lld ms", (long long)took);
	char *err = slurp(e.err);
	assert_non_null(strstr(err, "exit 0"));
	assert_non_null(strstr(err, "stopped (exit 0)"));
	free(err);
	env_stop(&e);
}

static void every_failed_run_then_a_good_one(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	/* The first run cannot read the source; the next one can. */
	assert_int_equal(mock_emby_add_faults(e.a, "[{\"route\": \"/Users/*/Items\", \"kind\": "
						   "\"status\", \"status\": 500, \"times\": 1}]"),
			 0);
	svc_run r;
	svc_start(&r, &e, 1000, NULL);
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 2, 10000), 2);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *err = slurp(e.err);
	const char *first = strstr(err, "cwprogress: run:");
	assert_non_null(strstr(first, "exit 3"));
	const char *second = strstr(first + 1, "cwprogress: run:");
	assert_non_null(second);
	assert_non_null(strstr(second, "exit 0"));
	assert_true(strstr(first, "exit 3") < second);
	free(err);
	assert_true(posts_for(e.b, B_ALICE) > 0);
	env_stop(&e);
}

/* POST a player action to mock a (its admin token). */
static long player(mock_emby *m, const char *item, const char *action, const char *body)
{
	char url[512];
	snprintf(url, sizeof url, "%s/__mock/player/" A_ALICE "/%s/%s", mock_emby_url(m), item,
		 action);
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_ADMIN);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fwrite);
	FILE *null = fopen("/dev/null", "w");
	curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
	long st = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	fclose(null);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return st;
}

static int64_t dst_ticks(env *e)
{
	char *j = mock_emby_userdata_json(e->b, B_ALICE);
	cJSON *all = cwp_json_parse_str(j);
	mock_emby_free(j);
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(all, B_INTER);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	int64_t v = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : -1;
	cJSON_Delete(all);
	return v;
}

static void webhook_stop_syncs_that_one_item(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	svc_start(&r, &e, 0, "127.0.0.1:0");
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10 * scale();
	pthread_mutex_lock(&r.mu);
	while (!r.port && pthread_cond_timedwait(&r.cv, &r.mu, &dl) == 0)
		;
	int port = r.port;
	pthread_mutex_unlock(&r.mu);
	assert_true(port > 0);
	/* The first full run is done before webhooks are served. */
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 1, 10000), 1);
	mock_emby_journal_clear(e.b);
	char body[256];
	snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d/webhook/" WH_SECRET "\"}",
		 port);
	char url[512];
	snprintf(url, sizeof url, "%s/__mock/webhooks", mock_emby_url(e.a));
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_ADMIN);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);

	/* Another item changes on the source without a notification: a full
	 * run would write it too; the webhook's sync is of its one item. */
	assert_int_equal(
	    mock_emby_set_userdata(e.a, A_ALICE, "240060",
				   "{\"PlaybackPositionTicks\": 50000000000, "
				   "\"LastPlayedDate\": \"2030-01-01T00:00:00.0000000Z\", "
				   "\"Played\": false}"),
	    0);
	int64_t t0 = now_ms();
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 42000000000}"),
			     200);
	while (dst_ticks(&e) != 42000000000LL && now_ms() - t0 < 5000 * scale()) {
		struct timespec ts = {0, 1000000L}; /* polling the mock, with a deadline */
		nanosleep(&ts, NULL);
	}
	int64_t latency = now_ms() - t0;
	assert_int_equal_dec(dst_ticks(&e), 42000000000LL);
	fprintf(stderr, "webhook-to-write latency: %lld ms\n", (long long)latency);
	assert_true(latency < 1000 * scale());
	/* That one item, written once, journaled first. */
	assert_int_equal_dec(mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData"), 1);
	assert_int_equal_dec(
	    mock_emby_count(e.b, "POST", "/Users/" B_ALICE "/Items/" B_INTER "/UserData"), 1);
	char *jr = slurp(e.journal);
	assert_non_null(strstr(jr, B_INTER));
	free(jr);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	env_stop(&e);
}

/* Start a webhook service on alice's pair; its listener port. */
static int webhook_service(svc_run *r, env *e)
{
	svc_start(r, e, 0, "127.0.0.1:0");
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10 * scale();
	pthread_mutex_lock(&r->mu);
	while (!r->port && pthread_cond_timedwait(&r->cv, &r->mu, &dl) == 0)
		;
	int port = r->port;
	pthread_mutex_unlock(&r->mu);
	assert_true(port > 0);
	assert_int_equal_dec(wait_log(e, "cwprogress: run:", 1, 10000), 1);
	return port;
}

static void add_target(env *e, int port, const char *secret, const char *format)
{
	char body[256], url[512];
	snprintf(body, sizeof body,
		 "{\"url\": \"http://127.0.0.1:%d/webhook/%s\", \"format\": \"%s\"}", port, secret,
		 format);
	snprintf(url, sizeof url, "%s/__mock/webhooks", mock_emby_url(e->a));
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_ADMIN);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	long st = 0;
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	assert_int_equal_dec(st, 204);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void webhook_every_event_kind_syncs_its_item(void **state)
{
	(void)state;
	static const struct {
		const char *action, *body;
	} acts[] = {
	    {"pause", "{\"position_ticks\": 30000000000}"},
	    {"markplayed", NULL},
	    {"markunplayed", NULL},
	    {"userdata", "{\"IsFavorite\": true}"},
	    {"stop", "{\"position_ticks\": 36000000000}"},
	};
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	add_target(&e, port, WH_SECRET, "form"); /* the multipart `data` form */
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		assert_int_equal_dec(player(e.a, A_INTER, acts[i].action, acts[i].body), 200);
		int got =
		    wait_log(&e, "webhook sync alice -> alice item " A_INTER ":", (int)i + 1, 5000);
		if (got != (int)i + 1)
			fail_msg("%s: %d item syncs", acts[i].action, got);
		if (i == 0)
			assert_int_equal_dec(dst_ticks(&e), 30000000000LL);
	}
	assert_int_equal_dec(dst_ticks(&e), 36000000000LL);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *err = slurp(e.err);
	assert_null(strstr(err, "exit 1"));
	free(err);
	env_stop(&e);
}

static void webhook_wrong_secret_401_nothing_written(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	mock_emby_journal_clear(e.b);
	add_target(&e, port, "not-the-secret-0123456789", "json");
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 42000000000}"),
			     200);
	assert_int_equal_dec(wait_log(&e, "webhook: 401", 1, 5000), 1);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	assert_int_equal_dec(mock_emby_count(e.b, NULL, NULL), 0); /* not even a read */
	env_stop(&e);
}

static void webhook_burst_for_one_item_a_handful_of_syncs(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	test_coalesce_ms = 0; /* the listener's default window: 250 ms */
	int port = webhook_service(&r, &e);
	test_coalesce_ms = 50;
	add_target(&e, port, WH_SECRET, "json");
	int64_t t0 = now_ms();
	for (int i = 0; i < 100; i++) {
		char body[64];
		snprintf(body, sizeof body, "{\"position_ticks\": %lld}",
			 30000000000LL + (long long)i * 10000000);
		assert_int_equal_dec(player(e.a, A_INTER, "pause", body), 200);
	}
	int64_t took = now_ms() - t0;
	/* The last pause's position arrives on the destination. */
	int64_t last = 30000000000LL + 99LL * 10000000;
	while (dst_ticks(&e) != last && now_ms() - t0 < 5000 * scale()) {
		struct timespec ts = {0, 2 * 1000000L}; /* polling the mock, with a deadline */
		nanosleep(&ts, NULL);
	}
	assert_int_equal_dec(dst_ticks(&e), last);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *err = slurp(e.err);
	int syncs = count_of(err, "webhook sync alice -> alice item " A_INTER ":");
	free(err);
	fprintf(stderr, "100 events in %lld ms: %d syncs\n", (long long)took, syncs);
	if (syncs < 1 || syncs > (int)(took / 250) + 3)
		fail_msg("100 events in %lld ms caused %d syncs", (long long)took, syncs);
	env_stop(&e);
}

/* The fault matrix's rule for webhook-driven writes: a refused write changes
 * nothing and loses nothing (the previous state is journaled first), and the
 * next notification writes it. */
static void webhook_failed_write_loses_nothing_next_event_writes(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	add_target(&e, port, WH_SECRET, "json");
	int64_t before = dst_ticks(&e);
	assert_int_equal(mock_emby_add_faults(e.b, "[{\"method\": \"POST\", \"route\": "
						   "\"/Users/*/Items/*/UserData\", \"kind\": "
						   "\"status\", \"status\": 500, \"times\": 1}]"),
			 0);
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 43000000000}"),
			     200);
	assert_int_equal_dec(wait_log(&e, "exit 1", 1, 5000), 1);
	assert_int_equal_dec(dst_ticks(&e), before); /* unchanged */
	char *jr = slurp(e.journal);
	assert_non_null(strstr(jr, B_INTER)); /* its previous state, journaled first */
	free(jr);
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 44000000000}"),
			     200);
	int64_t t0 = now_ms();
	while (dst_ticks(&e) != 44000000000LL && now_ms() - t0 < 5000 * scale()) {
		struct timespec ts = {0, 2 * 1000000L}; /* polling the mock, with a deadline */
		nanosleep(&ts, NULL);
	}
	assert_int_equal_dec(dst_ticks(&e), 44000000000LL);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	env_stop(&e);
}

static void every_sigterm_during_a_run_exits_130(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	assert_int_equal(mock_emby_add_faults(e.b, "[{\"method\": \"POST\", \"route\": "
						   "\"/Users/*/Items/*/UserData\", \"kind\": "
						   "\"delay\", \"delay_ms\": 700}]"),
			 0);
	svc_run r;
	svc_start(&r, &e, 60000, NULL);
	/* Journal first (APPLY-09): once the previous states are journaled the
	 * writes start, at most 4 at once, each answered after 700 ms. */
	int64_t end = now_ms() + 10000 * scale();
	for (;;) {
		char *jr = slurp(e.journal);
		int lines = count_of(jr, "\n");
		free(jr);
		if (lines >= 2 || now_ms() > end)
			break;
		struct timespec ts = {0, 2 * 1000000L}; /* polling the journal, with a deadline */
		nanosleep(&ts, NULL);
	}
	kill(getpid(), SIGTERM); /* during the run: APPLY-11 */
	assert_int_equal_dec(svc_join(&r), 130);
	size_t sent = mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData");
	char *jr = slurp(e.journal);
	/* No write started after the signal: at most the ones in flight. */
	if (sent > 4)
		fail_msg("%zu writes after SIGTERM (max_in_flight 4)", sent);
	assert_true(strlen(jr) > 0);
	free(jr);
	env_stop(&e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(household_names_resolved_each_pair_its_own_report),
    cmocka_unit_test(household_unreadable_pair_never_stops_the_other),
    cmocka_unit_test(household_bad_users_refused_before_any_write),
    cmocka_unit_test(every_stop_between_runs_exits_0_at_once),
    cmocka_unit_test(every_failed_run_then_a_good_one),
    cmocka_unit_test(webhook_stop_syncs_that_one_item),
    cmocka_unit_test(webhook_every_event_kind_syncs_its_item),
    cmocka_unit_test(webhook_wrong_secret_401_nothing_written),
    cmocka_unit_test(webhook_burst_for_one_item_a_handful_of_syncs),
    cmocka_unit_test(webhook_failed_write_loses_nothing_next_event_writes),
    cmocka_unit_test(every_sigterm_during_a_run_exits_130),
};
CWP_TEST_MAIN(tests)
