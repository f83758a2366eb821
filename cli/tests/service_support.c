/* Support of the service's end-to-end tests (service_support.h). */
#include "service_support.h"

#include "cwp_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sync.h"

/* Slow runs (valgrind: .ci/run sets CWP_TIME_SCALE) stretch the deadlines
 * and the latency bounds. */
int scale(void)
{
	const char *v = getenv("CWP_TIME_SCALE");
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 1;
	return v && *v && (*end || n < 1 || n > 100) ? 1 : (int)n;
}

mock_emby *start_mock(const char *name)
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

void env_start(env *e, const char *users_json, bool webhook)
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

char *slurp(const char *path)
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

void env_stop(env *e)
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
int run_sync(env *e, const char *a1, const char *a2)
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

cJSON *out_json(env *e)
{
	char *s = slurp(e->out);
	cJSON *j = cwp_json_parse_str(s);
	if (!j)
		fail_msg("stdout is not JSON: %s", s);
	free(s);
	return j;
}

const cJSON *pair_at(const cJSON *doc, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "pairs"), i);
}

int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", k);
	return v->valueint;
}

const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

size_t posts_for(mock_emby *m, const char *user)
{
	char route[128];
	snprintf(route, sizeof route, "/Users/%s/Items/*/UserData", user);
	return mock_emby_count(m, "POST", route);
}

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
int svc_test_coalesce_ms = 50;

void svc_start(svc_run *r, env *e, int64_t every_ms, const char *listen)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->o.config = e->pair;
	r->o.journal = e->journal;
	r->o.every_ms = every_ms;
	r->o.listen = listen;
	r->o.coalesce_ms = svc_test_coalesce_ms;
	r->o.out = fopen(e->out, "w");
	r->o.err = fopen(e->err, "w");
	r->o.on_listen = on_listen;
	r->o.ud = r;
	assert_int_equal(pthread_create(&r->th, NULL, svc_thread, r), 0);
}

/* Wait for the service to end (5 s): its exit status. */
int svc_join(svc_run *r)
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

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Wait (up to ms) until the log holds `n` copies of needle; the count. */
int wait_log(env *e, const char *needle, int n, int ms)
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

/* POST a player action to mock a (its admin token). */
long player(mock_emby *m, const char *item, const char *action, const char *body)
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

int64_t dst_ticks(env *e)
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

/* Start a webhook service on alice's pair; its listener port. */
int webhook_service(svc_run *r, env *e)
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

void add_target(env *e, int port, const char *secret, const char *format)
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
