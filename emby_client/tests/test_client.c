/* The client against an in-process mock_emby on 127.0.0.1:0: every route,
 * READ-01..08, RES-02..04, APPLY-03/05/06, request counts from the journal.
 * Fixture: tests/fixtures/client-a (see its server.json comment). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "emby/client.h"
#include "gen_fixture.h"
#include "mock_emby/mock_emby.h"

#define ALICE       "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ALICE_TOKEN "fake-token-client-a"

typedef struct fx {
	mock_emby *m;
	emby_client *c;
	char gen_dir[256]; /* a generated fixture, removed at the end */
} fx;

static char *fixture_dir(const char *name)
{
	const char *src = getenv("CWP_SOURCE_DIR");
	if (!src)
		src = CWP_SOURCE_DIR;
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s/emby_client/tests/fixtures/%s", src, name);
	return buf;
}

static mock_emby *start_mock_at(const char *dir, int threads)
{
	mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
	mo.fixtures_dir = dir;
	mo.threads = threads;
	mock_emby *m = NULL;
	char err[512] = "";
	if (mock_emby_start(&m, &mo, err, sizeof(err)) != 0)
		fail_msg("mock_emby_start(%s): %s", dir, err);
	return m;
}

/* Fast, deterministic options for tests: 1 ms backoff. */
static emby_options test_options(const mock_emby *m, const char *user, const char *token)
{
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = mock_emby_url(m);
	o.user_id = user;
	o.token = token;
	o.label = "source";
	o.backoff_ms = 1;
	o.max_retry_after_ms = 5000;
	o.connect_timeout_ms = 5000;
	o.total_timeout_ms = 10000;
	return o;
}

static emby_client *client_with(const emby_options *o)
{
	emby_client *c = NULL;
	int rc = emby_client_new(&c, o);
	if (rc != CWP_OK)
		fail_msg("emby_client_new: %s", cwp_error_last());
	return c;
}

static fx *setup_a(void)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->m = start_mock_at(fixture_dir("client-a"), 4);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	f->c = client_with(&o);
	return f;
}

static void teardown(fx *f)
{
	emby_client_free(f->c);
	mock_emby_stop(f->m);
	if (f->gen_dir[0])
		gen_fixture_remove(f->gen_dir);
	free(f);
}

static char progress_last_phase[16];
static size_t progress_last_done;
static size_t progress_calls;

static void on_progress(void *ud, const char *phase, size_t done, size_t total)
{
	(void)ud;
	(void)total;
	snprintf(progress_last_phase, sizeof(progress_last_phase), "%s", phase);
	progress_last_done = done;
	progress_calls++;
}

static fx *setup_generated(size_t movies, size_t series, size_t eps)
{
	fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->gen_dir, sizeof(f->gen_dir), "/tmp/cwp-client-test-XXXXXX");
	assert_non_null(mkdtemp(f->gen_dir));
	assert_int_equal(gen_fixture_write(f->gen_dir, movies, series, eps), 0);
	f->m = start_mock_at(f->gen_dir, 4);
	emby_options o = test_options(f->m, GEN_USER_ID, GEN_TOKEN);
	o.progress = on_progress;
	progress_calls = 0;
	f->c = client_with(&o);
	return f;
}

static void add_faults(fx *f, const char *json)
{
	if (mock_emby_add_faults(f->m, json) != 0)
		fail_msg("mock_emby_add_faults rejected %s", json);
}

static size_t count(fx *f, const char *method, const char *pattern)
{
	return mock_emby_count(f->m, method, pattern);
}

static size_t total_requests(fx *f)
{
	return mock_emby_count(f->m, NULL, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool journal_contains(fx *f, const char *needle)
{
	char *j = mock_emby_journal_json(f->m);
	assert_non_null(j);
	bool found = strstr(j, needle) != NULL;
	mock_emby_free(j);
	return found;
}

static void assert_message_clean(const char *msg, const char *route_part, const char *status)
{
	if (!strstr(msg, "source"))
		fail_msg("message does not name the server label: %s", msg);
	if (route_part && !strstr(msg, route_part))
		fail_msg("message does not name the route %s: %s", route_part, msg);
	if (status && !strstr(msg, status))
		fail_msg("message does not name the status %s: %s", status, msg);
	if (strstr(msg, ALICE_TOKEN) || strstr(msg, GEN_TOKEN))
		fail_msg("message leaks the token: %s", msg);
}

/* ---- probe and authentication --------------------------------------------- */

static void client_probe_names_server_and_user(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_server_info info;
	assert_int_equal(emby_probe(f->c, &info), CWP_OK);
	assert_string_equal(info.name, "client-a");
	assert_string_equal(info.version, "4.8.11.0");
	assert_string_equal(info.id, "0c1e2a3b4c5d6e7f8091a2b3c4d5e6f7");
	assert_string_equal(info.user_name, "alice");
	assert_int_equal_dec(count(f, "GET", "/System/Info/Public"), 1);
	assert_int_equal_dec(count(f, "GET", "/Users/*"), 1);
	assert_int_equal_dec(total_requests(f), 2);
	/* One MediaBrowser Authorization header plus X-Emby-Token; JSON asked. */
	assert_true(journal_contains(f, "MediaBrowser Client=\\\"cwprogress\\\""));
	assert_true(journal_contains(f, "Token=\\\"<redacted>\\\""));
	assert_true(journal_contains(f, "\"X-Emby-Token\":\"<redacted>\""));
	assert_true(journal_contains(f, "\"Accept\":\"application/json\""));
	assert_false(journal_contains(f, ALICE_TOKEN));
	teardown(f);
}

static void client_wrong_token_is_auth_error_naming_server_not_token(void **state)
{
	(void)state;
	mock_emby *m = start_mock_at(fixture_dir("client-a"), 2);
	emby_options o = test_options(m, ALICE, "wrong-token-xyz");
	emby_client *c = client_with(&o);
	emby_server_info info;
	assert_int_equal(emby_probe(c, &info), CWP_EAUTH);
	const char *msg = emby_client_error(c);
	assert_message_clean(msg, "/Users/", "401");
	assert_null(strstr(msg, "wrong-token-xyz"));
	/* 401 is not retried (READ-07). */
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*"), 1);
	cwp_index *sentinel = NULL;
	assert_int_equal(cwp_index_new(&sentinel), CWP_OK);
	cwp_index *idx = sentinel; /* a failed index leaves *out NULL */
	assert_int_equal(emby_index(c, &idx, NULL), CWP_EAUTH);
	assert_null(idx);
	cwp_index_free(sentinel);
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*/Items"), 1);
	emby_client_free(c);
	mock_emby_stop(m);
}

static void client_unknown_user_is_reported(void **state)
{
	(void)state;
	mock_emby *m = start_mock_at(fixture_dir("client-a"), 2);
	emby_options o = test_options(m, "ffffffffffffffffffffffffffffffff", ALICE_TOKEN);
	emby_client *c = client_with(&o);
	emby_server_info info;
	int rc = emby_probe(c, &info);
	assert_true(rc == CWP_EAUTH || rc == CWP_ENOTFOUND);
	assert_non_null(strstr(emby_client_error(c), "ffffffffffffffffffffffffffffffff"));
	assert_message_clean(emby_client_error(c), "/Users/", NULL);
	emby_client_free(c);
	mock_emby_stop(m);
}

static void client_authenticate_by_name_finds_user_and_token(void **state)
{
	(void)state;
	mock_emby *m = start_mock_at(fixture_dir("client-a"), 2);
	emby_options o = test_options(m, NULL, NULL);
	o.username = "bob";
	o.password = "fake-password-bob";
	emby_client *c = client_with(&o);
	emby_server_info info;
	assert_int_equal(emby_probe(c, &info), CWP_OK);
	assert_string_equal(emby_client_user_id(c), "b1b2c3d4e5f60718293a4b5c6d7e8f91");
	assert_string_equal(info.user_name, "bob");
	assert_int_equal_dec(mock_emby_count(m, "POST", "/Users/AuthenticateByName"), 1);
	/* The access token is then used: an index read succeeds. */
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 0);
	cwp_index_free(idx);
	emby_client_free(c);

	o.password = "not-the-password";
	c = client_with(&o);
	assert_int_equal(emby_probe(c, &info), CWP_EAUTH);
	assert_non_null(strstr(emby_client_error(c), "AuthenticateByName"));
	assert_null(strstr(emby_client_error(c), "not-the-password"));
	emby_client_free(c);
	mock_emby_stop(m);
}

static void client_base_url_prefix_kept(void **state)
{
	(void)state;
	mock_emby *m = start_mock_at(fixture_dir("client-a"), 2);
	char url[256];
	snprintf(url, sizeof(url), "%s/emby/", mock_emby_url(m));
	emby_options o = test_options(m, ALICE, ALICE_TOKEN);
	o.base_url = url;
	emby_client *c = client_with(&o);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	char *j = mock_emby_journal_json(m);
	assert_non_null(strstr(j, "/emby/Users/" ALICE "/Items"));
	mock_emby_free(j);
	cwp_index_free(idx);
	emby_client_free(c);
	mock_emby_stop(m);
}

static void client_tls_verified_unless_insecure(void **state)
{
	(void)state;
	char cert[1024];
	const char *src = getenv("CWP_SOURCE_DIR");
	snprintf(cert, sizeof(cert), "%s/mock_emby/tests/data/localhost.pem",
		 src && *src ? src : CWP_SOURCE_DIR);
	mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
	mo.fixtures_dir = fixture_dir("client-a");
	mo.tls_cert = cert;
	mo.threads = 2;
	mock_emby *m = NULL;
	char err[512] = "";
	if (mock_emby_start(&m, &mo, err, sizeof(err)) != 0)
		fail_msg("mock_emby_start (TLS): %s", err);
	assert_memory_equal(mock_emby_url(m), "https://", 8);
	emby_server_info info;

	/* Verified by default (CLI-05): a self-signed server is refused. */
	emby_options o = test_options(m, ALICE, ALICE_TOKEN);
	emby_client *c = client_with(&o);
	assert_int_equal(emby_probe(c, &info), CWP_ENET);
	assert_non_null(strstr(emby_client_error(c), "TLS verification failed"));
	assert_message_clean(emby_client_error(c), "/System/Info/Public", NULL);
	emby_client_free(c);

	/* Trusted through a CA file. */
	o.ca_file = cert;
	c = client_with(&o);
	assert_int_equal(emby_probe(c, &info), CWP_OK);
	assert_string_equal(info.user_name, "alice");
	emby_client_free(c);

	/* Or not verified, by name. */
	o.ca_file = NULL;
	o.insecure = true;
	c = client_with(&o);
	assert_int_equal(emby_probe(c, &info), CWP_OK);
	emby_client_free(c);
	mock_emby_stop(m);
}

/* ---- index (READ-01..05) ----------------------------------------------------- */

static void client_index_records_read02(void **state)
{
	(void)state;
	fx *f = setup_a();
	cwp_index *idx = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(emby_index(f->c, &idx, &w), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);

	const cwp_record *r = cwp_index_get(idx, "tmdb:603");
	assert_non_null(r);
	assert_int_equal(r->type, CWP_TYPE_MOVIE);
	assert_int_equal_dec(r->progress_ms, 3600000);
	assert_int_equal_dec(r->duration_ms, 8160000);
	assert_string_equal(r->item_id, "1001");
	/* LastPlayedDate is there because the client asked for it (Emby 4.8+
	 * omits it otherwise). */
	assert_true(r->has_progress_at);
	assert_int_equal_dec(r->progress_at, INT64_C(1709324100000));
	assert_true(journal_contains(f, "UserDataLastPlayedDate"));

	/* Mixed-case provider names (KEY-01). */
	r = cwp_index_get(idx, "tmdb:550");
	assert_non_null(r);
	assert_string_equal(r->ids[CWP_ID_IMDB], "tt0137523");

	/* Multi-version: KEY-07 keeps the newer; both item ids kept (APPLY-06). */
	r = cwp_index_get(idx, "tmdb:27205");
	assert_non_null(r);
	assert_int_equal_dec(r->progress_ms, 2400000);
	const char *const *ids;
	assert_int_equal_dec(cwp_index_item_ids(idx, "tmdb:27205", &ids), 2);
	assert_string_equal(ids[0], "1002");
	assert_string_equal(ids[1], "1003");

	/* Episodes keyed by their series' best id (KEY-03: tmdb first), season
	 * 0 kept; Other Show's tmdb 81189 is BB's tvdb number, two keys. */
	r = cwp_index_get(idx, "tmdb:1396#s01e01");
	assert_non_null(r);
	assert_string_equal(r->title, "Breaking Bad");
	assert_string_equal(r->show_ids[CWP_ID_TVDB], "81189");
	assert_string_equal(r->ids[CWP_ID_TVDB], "349232");
	assert_non_null(cwp_index_get(idx, "tmdb:1396#s00e03"));
	r = cwp_index_get(idx, "tmdb:81189#s01e01");
	assert_non_null(r);
	assert_string_equal(r->item_id, "2021");
	assert_int_equal_dec(w.count, 0);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_request_count_pages_plus_series_batches(void **state)
{
	(void)state;
	/* 7 resumable rows, page 2: ceil(7/2) = 4 pages + 1 series batch. */
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.page_size = 2;
	f->c = client_with(&o);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 5);
	assert_int_equal_dec(total_requests(f), 5);
	assert_true(journal_contains(f, "Filters=IsResumable"));
	assert_true(journal_contains(f, "EnableTotalRecordCount=true"));
	cwp_index_free(idx);

	/* Exactly one full page (Limit 7): StartIndex reaches the total, no
	 * extra request. */
	mock_emby_journal_clear(f->m);
	emby_client_free(f->c);
	o.page_size = 7;
	f->c = client_with(&o);
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(total_requests(f), 2);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_bulk_counts_and_series_batches_of_100(void **state)
{
	(void)state;
	/* 1000 movies + 250 series x 2 episodes = 1500 rows at page 500 =
	 * 3 pages; 250 series = 3 batches of <= 100 Ids. */
	fx *f = setup_generated(1000, 250, 2);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 1500);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 6);
	assert_int_equal_dec(total_requests(f), 6);
	const cwp_record *r = cwp_index_get(idx, "tmdb:500007#s01e02");
	assert_non_null(r);
	assert_string_equal(r->show_ids[CWP_ID_TVDB], "100007");
	emby_stats st;
	emby_client_stats(f->c, &st);
	assert_int_equal_dec(st.requests, 6);
	assert_int_equal_dec(st.retries, 0);
	assert_int_equal_dec(st.connections, 1); /* one kept-alive connection */
	assert_string_equal(progress_last_phase, "index");
	assert_int_equal_dec(progress_last_done, 1500);
	assert_int_equal_dec(progress_calls, 3); /* once per page */
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_per_library_parent_id(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	const char *libs[] = {"lib-movies"};
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.libraries = libs;
	o.n_libraries = 1;
	f->c = client_with(&o);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 3);
	assert_null(cwp_index_get(idx, "tmdb:1396#s01e01"));
	assert_true(journal_contains(f, "ParentId=lib-movies"));
	assert_int_equal_dec(total_requests(f), 1);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_429_retry_after_honoured(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"kind\":\"status\","
		      "\"status\":429,\"retry_after\":1}");
	int64_t t0 = now_ms();
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	int64_t took = now_ms() - t0;
	if (took < 1000)
		fail_msg("Retry-After: 1 not honoured: retried after %lld ms", (long long)took);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	emby_stats st;
	emby_client_stats(f->c, &st);
	assert_int_equal_dec(st.retries, 1);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 3); /* 429, page, series */
	cwp_index_free(idx);
	teardown(f);
}

static void client_retry_after_capped_by_max(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.max_retry_after_ms = 50;
	f->c = client_with(&o);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"kind\":\"status\","
		      "\"status\":503,\"retry_after\":30}");
	int64_t t0 = now_ms();
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	int64_t took = now_ms() - t0;
	if (took < 50 || took > 20000)
		fail_msg("Retry-After 30 s capped at 50 ms took %lld ms", (long long)took);
	cwp_index_free(idx);
	teardown(f);
}

static void client_backoff_doubles_without_retry_after(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.backoff_ms = 100;
	f->c = client_with(&o);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"times\":2,\"kind\":\"status\","
		      "\"status\":502}");
	int64_t t0 = now_ms();
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	int64_t took = now_ms() - t0;
	if (took < 100 + 200)
		fail_msg("two retries after 100 then 200 ms took %lld ms", (long long)took);
	emby_stats st;
	emby_client_stats(f->c, &st);
	assert_int_equal_dec(st.retries, 2);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_500_then_success(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"times\":1,\"kind\":\"status\","
		      "\"status\":500}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 3);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_500_forever_fails_whole_index(void **state)
{
	(void)state;
	fx *f = setup_a();
	/* The pages succeed; the series batch keeps failing: still no index
	 * (READ-05: no plan from a broken index). */
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"from\":2,\"kind\":\"status\","
		      "\"status\":500}");
	cwp_index *idx = NULL;
	int rc = emby_index(f->c, &idx, NULL);
	assert_int_equal(rc, CWP_EHTTP);
	assert_null(idx);
	assert_message_clean(emby_client_error(f->c), "/Users/" ALICE "/Items", "500");
	assert_non_null(strstr(emby_client_error(f->c), "after 3 attempts"));
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 4); /* 1 page + 3 attempts */
	assert_int_equal_dec(count(f, "POST", NULL), 0);
	teardown(f);
}

static void client_index_other_4xx_not_retried(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"status\",\"status\":400}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_EHTTP);
	assert_null(idx);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1);
	assert_message_clean(emby_client_error(f->c), "/Items", "400");
	mock_emby_clear_faults(f->m);
	mock_emby_journal_clear(f->m);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"status\",\"status\":401}");
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_EAUTH);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1);
	assert_message_clean(emby_client_error(f->c), "/Items", "401");
	teardown(f);
}

static void client_index_truncated_body_fails(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"truncate\"}");
	cwp_index *idx = NULL;
	int rc = emby_index(f->c, &idx, NULL);
	if (rc != CWP_ENET && rc != CWP_EDECODE)
		fail_msg("truncated body: rc %d (%s)", rc, emby_client_error(f->c));
	assert_null(idx);
	assert_message_clean(emby_client_error(f->c), "/Items", NULL);
	/* A cut connection is retried; it kept failing. */
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 3);

	/* Once only: the retry reads the whole page. */
	mock_emby_clear_faults(f->m);
	mock_emby_journal_clear(f->m);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"times\":1,\"kind\":\"truncate\"}");
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	cwp_index_free(idx);
	teardown(f);
}

static void client_index_dropped_connection_retried(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"times\":1,\"kind\":\"drop\"}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	emby_stats st;
	emby_client_stats(f->c, &st);
	assert_int_equal_dec(st.retries, 1);
	assert_int_equal_dec(st.requests, 3);
	cwp_index_free(idx);

	/* Dropped every time: a network error naming the route, no index. */
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"drop\"}");
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_ENET);
	assert_null(idx);
	assert_message_clean(emby_client_error(f->c), "/Items", NULL);
	teardown(f);
}

static void client_index_invalid_json_fails(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":1,\"kind\":\"invalid_json\"}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_EDECODE);
	assert_null(idx);
	assert_message_clean(emby_client_error(f->c), "/Items", "200");
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1);
	teardown(f);
}

static void client_index_repeated_page_is_paging_loop(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.page_size = 2;
	f->c = client_with(&o);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"nth\":2,\"kind\":\"repeat_page\"}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_EPAGING);
	assert_null(idx);
	assert_non_null(strstr(emby_client_error(f->c), "paging_loop"));
	assert_message_clean(emby_client_error(f->c), "/Items", NULL);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 2);
	teardown(f);
}

static void client_index_wrong_total_record_count(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.page_size = 2;
	f->c = client_with(&o);
	/* A total below what the pages deliver: an error, never a silently
	 * short index. */
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"wrong_total\",\"total\":3}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_EPAGING);
	assert_null(idx);
	assert_non_null(strstr(emby_client_error(f->c), "TotalRecordCount"));

	/* A total above it: paging ends on the short page, every item read. */
	mock_emby_clear_faults(f->m);
	mock_emby_journal_clear(f->m);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"wrong_total\",\"total\":1000}");
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(idx), 6);
	cwp_index_free(idx);
	teardown(f);
}

static void client_timeout_is_reported(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.total_timeout_ms = 150;
	o.max_attempts = 2;
	f->c = client_with(&o);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"delay\",\"delay_ms\":3000}");
	cwp_index *idx = NULL;
	int64_t t0 = now_ms();
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_ETIMEOUT);
	assert_true(now_ms() - t0 < 2500);
	assert_null(idx);
	assert_non_null(strstr(emby_client_error(f->c), "timed out"));
	assert_message_clean(emby_client_error(f->c), "/Items", NULL);
	teardown(f);
}

static void client_oversized_body_is_error(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_client_free(f->c);
	emby_options o = test_options(f->m, ALICE, ALICE_TOKEN);
	o.max_body = 64 * 1024;
	f->c = client_with(&o);
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"oversize\",\"bytes\":1048576}");
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(f->c, &idx, NULL), CWP_ETOOBIG);
	assert_null(idx);
	assert_message_clean(emby_client_error(f->c), "/Items", "HTTP 200");
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1); /* not retried */
	teardown(f);
}

static void client_connection_refused_is_net_error(void **state)
{
	(void)state;
	mock_emby *m = start_mock_at(fixture_dir("client-a"), 2);
	char url[128];
	snprintf(url, sizeof(url), "%s", mock_emby_url(m));
	mock_emby_stop(m); /* nothing listens on that port now */
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = url;
	o.user_id = ALICE;
	o.token = ALICE_TOKEN;
	o.label = "source";
	o.backoff_ms = 1;
	emby_client *c = client_with(&o);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(c, &idx, NULL), CWP_ENET);
	assert_null(idx);
	assert_message_clean(emby_client_error(c), "/Items", NULL);
	emby_stats st;
	emby_client_stats(c, &st);
	assert_int_equal_dec(st.requests, 3);
	emby_client_free(c);
}

/* ---- resolve (RES-02..04) and confirm-before-clear (READ-06) ----------------- */

static cwp_record movie(const char *tmdb, const char *imdb, const char *tvdb)
{
	cwp_record r;
	memset(&r, 0, sizeof(r));
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_TMDB] = tmdb;
	r.ids[CWP_ID_IMDB] = imdb;
	r.ids[CWP_ID_TVDB] = tvdb;
	return r;
}

static cwp_record episode(const char *show_tvdb, const char *own_tvdb, int s, int e)
{
	cwp_record r;
	memset(&r, 0, sizeof(r));
	r.type = CWP_TYPE_EPISODE;
	r.show_ids[CWP_ID_TVDB] = show_tvdb;
	r.ids[CWP_ID_TVDB] = own_tvdb;
	r.season = s;
	r.episode = e;
	r.has_season = r.has_episode = true;
	return r;
}

static void expect_resolved(const emby_resolution *res, size_t i, const char *a, const char *b)
{
	const char *const *ids;
	if (emby_resolution_status(res, i) != EMBY_RESOLVED)
		fail_msg("record %zu: %s, expected resolved", i,
			 emby_resolve_status_name(emby_resolution_status(res, i)));
	size_t n = emby_resolution_items(res, i, &ids);
	assert_int_equal_dec(n, b ? 2 : 1);
	assert_string_equal(ids[0], a);
	if (b)
		assert_string_equal(ids[1], b);
}

static void client_resolve_verifies_ids_and_type(void **state)
{
	(void)state;
	fx *f = setup_a();
	cwp_record recs[] = {
	    movie("603", NULL, NULL),         /* 0: The Matrix */
	    movie("81189", NULL, NULL),       /* 1: tmdb 81189 = the movie, not the shows */
	    movie(NULL, NULL, "81189"),       /* 2: tvdb 81189 is a Series here: not a movie */
	    movie("27205", NULL, NULL),       /* 3: two versions */
	    movie("550", "tt0137523", NULL),  /* 4: stored as TMDB/IMDB */
	    movie("603", "tt9999999", NULL),  /* 5: conflicting imdb: not The Matrix */
	    movie(NULL, NULL, NULL),          /* 6: no ids: never a title search */
	    movie("424242", NULL, NULL),      /* 7: not on this server */
	    episode("81189", "349232", 1, 1), /* 8: own id */
	    episode("81189", NULL, 3, 1),     /* 9: via series, BB (tvdb 81189) */
	    episode("81189", NULL, 0, 3),     /* 10: season 0 via series */
	    episode("81189", "438910", 2, 5), /* 11: own id */
	    episode("81189", NULL, 9, 9),     /* 12: series found, episode not */
	};
	recs[6].title = "The Matrix";
	size_t n = sizeof(recs) / sizeof(recs[0]);
	const cwp_record *p[sizeof(recs) / sizeof(recs[0])];
	for (size_t i = 0; i < n; i++)
		p[i] = &recs[i];
	emby_resolution *res = NULL;
	assert_int_equal(emby_resolve(f->c, p, n, &res), CWP_OK);
	expect_resolved(res, 0, "1001", NULL);
	expect_resolved(res, 1, "1008", NULL);
	assert_int_equal(emby_resolution_status(res, 2), EMBY_NOT_FOUND);
	expect_resolved(res, 3, "1002", "1003");
	expect_resolved(res, 4, "1004", NULL);
	assert_int_equal(emby_resolution_status(res, 5), EMBY_NOT_FOUND);
	assert_int_equal(emby_resolution_status(res, 6), EMBY_NOT_FOUND);
	assert_int_equal(emby_resolution_status(res, 7), EMBY_NOT_FOUND);
	expect_resolved(res, 8, "2011", NULL);
	expect_resolved(res, 9, "2014", NULL);
	expect_resolved(res, 10, "2012", NULL);
	expect_resolved(res, 11, "2013", NULL);
	assert_int_equal(emby_resolution_status(res, 12), EMBY_NOT_FOUND);
	assert_string_equal(emby_resolve_status_name(EMBY_NOT_FOUND), "not_found");
	/* Own ids in one lookup, the series in one, one listing of BB only. */
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 2);
	assert_int_equal_dec(count(f, "GET", "/Shows/*/Episodes"), 1);
	assert_int_equal_dec(count(f, "GET", "/Shows/2001/Episodes"), 1);
	assert_true(journal_contains(f, "AnyProviderIdEquals"));
	assert_false(journal_contains(f, "/Users/" ALICE "/Items/")); /* no per-item GET */
	emby_resolution_free(res);
	teardown(f);
}

static void client_resolve_ambiguous_and_show_id_collision(void **state)
{
	(void)state;
	fx *f = setup_a();
	cwp_record other = episode(NULL, NULL, 1, 1); /* show tmdb 81189 = Other Show */
	other.show_ids[CWP_ID_TMDB] = "81189";
	cwp_record dupe = movie(NULL, "tt4000000", NULL); /* two movies claim this imdb */
	cwp_record exact = movie("4000", "tt4000000", NULL);
	cwp_record twins = episode(NULL, NULL, 1, 1); /* two series claim this imdb */
	twins.show_ids[CWP_ID_IMDB] = "tt5000000";
	const cwp_record *p[] = {&other, &dupe, &exact, &twins};
	emby_resolution *res = NULL;
	assert_int_equal(emby_resolve(f->c, p, 4, &res), CWP_OK);
	/* Breaking Bad has tvdb 81189 but tmdb 1396: never taken for tmdb 81189. */
	expect_resolved(res, 0, "2021", NULL);
	assert_int_equal(emby_resolution_status(res, 1), EMBY_AMBIGUOUS);
	assert_string_equal(emby_resolve_status_name(EMBY_AMBIGUOUS), "ambiguous");
	expect_resolved(res, 2, "1009", NULL);
	assert_int_equal(emby_resolution_status(res, 3), EMBY_AMBIGUOUS);
	/* Only Other Show is listed: ambiguous series are not. */
	assert_int_equal_dec(count(f, "GET", "/Shows/*/Episodes"), 1);
	assert_int_equal_dec(count(f, "GET", "/Shows/2002/Episodes"), 1);
	emby_resolution_free(res);
	teardown(f);
}

static void client_resolve_batches_many_records_per_lookup(void **state)
{
	(void)state;
	fx *f = setup_generated(300, 0, 0);
	/* 300 movies with tmdb + imdb (+ 20 unknown): at most ceil(K/20)
	 * lookups, URLs <= 4 KiB. */
	enum { K = 320 };
	cwp_record *recs = calloc(K, sizeof(*recs));
	char(*buf)[2][32] = calloc(K, sizeof(*buf));
	const cwp_record **p = calloc(K, sizeof(*p));
	for (size_t i = 0; i < K; i++) {
		snprintf(buf[i][0], 32, "%zu", i + 1);
		snprintf(buf[i][1], 32, "tt%07zu", i + 1);
		recs[i] = movie(buf[i][0], buf[i][1], NULL);
		p[i] = &recs[i];
	}
	emby_resolution *res = NULL;
	assert_int_equal(emby_resolve(f->c, p, K, &res), CWP_OK);
	for (size_t i = 0; i < 300; i++) {
		char want[24];
		snprintf(want, sizeof(want), "1%08zu", i);
		expect_resolved(res, i, want, NULL);
	}
	for (size_t i = 300; i < K; i++)
		assert_int_equal(emby_resolution_status(res, i), EMBY_NOT_FOUND);
	size_t lookups = count(f, "GET", "/Users/*/Items");
	if (lookups > (K + 19) / 20)
		fail_msg("%zu lookups for %d records (max %d)", lookups, K, (K + 19) / 20);
	assert_int_equal_dec(total_requests(f), lookups);
	/* Every URL within 4 KiB. */
	char *j = mock_emby_journal_json(f->m);
	cJSON *arr = cwp_json_parse_str(j);
	mock_emby_free(j);
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(e, "query");
		size_t len = strlen(mock_emby_url(f->m)) + 64 +
			     (cJSON_IsString(q) ? strlen(q->valuestring) : 0);
		if (len > 4096)
			fail_msg("lookup URL of about %zu bytes", len);
	}
	cJSON_Delete(arr);
	emby_resolution_free(res);
	free(p);
	free(buf);
	free(recs);
	teardown(f);
}

static void client_confirm_zeros_only_found_at_zero(void **state)
{
	(void)state;
	fx *f = setup_a();
	cwp_record recs[] = {
	    movie("155", NULL, NULL),     /* at 0: explicit zero */
	    movie("13", NULL, NULL),      /* at 0, played, LastPlayedDate: zero with that date */
	    movie("603", NULL, NULL),     /* position > 0: no record */
	    movie("777777", NULL, NULL),  /* not found: no record */
	    episode("81189", NULL, 3, 1), /* at 0 via the series */
	};
	const char *keys[] = {"tmdb:155", "tmdb:13", "tmdb:603", "tmdb:777777",
			      "tvdb:81189#s03e01"};
	size_t n = sizeof(recs) / sizeof(recs[0]);
	const cwp_record *p[5];
	for (size_t i = 0; i < n; i++) {
		recs[i].key = keys[i];
		recs[i].progress_ms = 600000;
		recs[i].has_progress_ms = true;
		p[i] = &recs[i];
	}
	cwp_index *into;
	assert_int_equal(cwp_index_new(&into), CWP_OK);
	assert_int_equal(emby_confirm_zeros(f->c, p, n, into, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(into), 3);
	const cwp_record *z = cwp_index_get(into, "tmdb:155");
	assert_non_null(z);
	assert_true(z->has_progress_ms);
	assert_int_equal_dec(z->progress_ms, 0);
	assert_false(z->has_progress_at);
	z = cwp_index_get(into, "tmdb:13");
	assert_non_null(z);
	assert_int_equal_dec(z->progress_ms, 0);
	assert_true(z->has_progress_at);
	assert_int_equal_dec(z->progress_at, INT64_C(1701464400000));
	assert_true(z->played);
	assert_non_null(cwp_index_get(into, "tvdb:81189#s03e01"));
	assert_null(cwp_index_get(into, "tmdb:603"));
	assert_null(cwp_index_get(into, "tmdb:777777"));
	assert_false(journal_contains(f, "/Users/" ALICE "/Items/"));
	cwp_index_free(into);

	/* READ-06 asks for PlaybackPositionTicks == 0: a sub-millisecond position
	 * (1-9999 ticks, 0 ms after UNIT-01's floor) is not an explicit zero. */
	assert_int_equal(
	    mock_emby_set_userdata(f->m, ALICE, "1005",
				   "{\"PlaybackPositionTicks\": 5000, \"Played\": false}"),
	    0);
	assert_int_equal(cwp_index_new(&into), CWP_OK);
	assert_int_equal(emby_confirm_zeros(f->c, p, 1, into, NULL), CWP_OK);
	assert_int_equal_dec(cwp_index_size(into), 0);
	cwp_index_free(into);

	/* A failed lookup adds nothing and fails the call. */
	add_faults(f, "{\"route\":\"/Users/*/Items\",\"kind\":\"status\",\"status\":500}");
	assert_int_equal(cwp_index_new(&into), CWP_OK);
	assert_int_equal(emby_confirm_zeros(f->c, p, n, into, NULL), CWP_EHTTP);
	assert_int_equal_dec(cwp_index_size(into), 0);
	cwp_index_free(into);
	teardown(f);
}

/* ---- state reads, sessions, writes ------------------------------------------- */

/* State reads put as many ids in one request as a 4 KiB URL holds: 160
 * ids of 9 digits are one request, 1200 are four (~12 KB of ids, never
 * more than 4 KiB a URL). */
static void client_read_states_batched_by_url_length(void **state)
{
	(void)state;
	fx *f = setup_generated(1200, 0, 0);
	enum { BIG = 1200 };
	char(*big)[24] = calloc(BIG, sizeof(*big));
	const char **bids = calloc(BIG, sizeof(*bids));
	cwp_target_state *bst = calloc(BIG, sizeof(*bst));
	bool *bfound = calloc(BIG, sizeof(*bfound));
	for (size_t i = 0; i < BIG; i++) {
		snprintf(big[i], 24, "1%08zu", i);
		bids[i] = big[i];
	}
	assert_int_equal(emby_read_states(f->c, bids, BIG, bst, bfound), CWP_OK);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 4);
	for (size_t i = 0; i < BIG; i++)
		if (!bfound[i])
			fail_msg("id %s not found", bids[i]);
	free(bfound);
	free(bst);
	free(bids);
	free(big);
	teardown(f);

	f = setup_generated(150, 0, 0);
	enum { N = 160 };
	char(*idb)[24] = calloc(N, sizeof(*idb));
	const char **ids = calloc(N, sizeof(*ids));
	for (size_t i = 0; i < N; i++) {
		snprintf(idb[i], 24, "1%08zu", i); /* the last 10 do not exist */
		ids[i] = idb[i];
	}
	ids[5] = ids[4]; /* a repeated id rides along */
	cwp_target_state *st = calloc(N, sizeof(*st));
	bool *found = calloc(N, sizeof(*found));
	assert_int_equal(emby_read_states(f->c, ids, N, st, found), CWP_OK);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1);
	assert_int_equal_dec(total_requests(f), 1);
	assert_true(found[0] && found[4] && found[5] && found[149]);
	assert_false(found[150] || found[159]);
	assert_true(st[0].has_position);
	assert_int_equal_dec(st[0].position_ms, 60000);
	assert_true(st[0].has_last_played);
	assert_true(st[0].has_duration);
	free(found);
	free(st);
	free(ids);
	free(idb);
	teardown(f);
}

static void client_playing_reads_sessions_once(void **state)
{
	(void)state;
	fx *f = setup_a();
	assert_int_equal(mock_emby_set_playing(f->m, ALICE, "1001"), 0);
	char **ids = NULL;
	size_t n = 0;
	assert_int_equal(emby_playing(f->c, &ids, &n), CWP_OK);
	assert_int_equal_dec(n, 1);
	assert_string_equal(ids[0], "1001");
	emby_strv_free(ids, n);
	assert_int_equal_dec(count(f, "GET", "/Sessions"), 1);
	assert_int_equal(mock_emby_set_playing(f->m, ALICE, NULL), 0);
	assert_int_equal(emby_playing(f->c, &ids, &n), CWP_OK);
	assert_int_equal_dec(n, 0);
	emby_strv_free(ids, n);
	teardown(f);
}

static cJSON *userdata_of(fx *f, const char *user, const char *item)
{
	char *j = mock_emby_userdata_json(f->m, user);
	assert_non_null(j);
	cJSON *all = cwp_json_parse_str(j);
	mock_emby_free(j);
	cJSON *ud = cJSON_DetachItemFromObjectCaseSensitive(all, item);
	cJSON_Delete(all);
	assert_non_null(ud);
	return ud;
}

static double ud_num(const cJSON *ud, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ud, name);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void client_writes_upsert_clear_unwatch(void **state)
{
	(void)state;
	fx *f = setup_a();
	emby_write w[3];
	memset(w, 0, sizeof(w));
	w[0].item_id = "1005"; /* upsert (APPLY-05) */
	w[0].body = "{\"PlaybackPositionTicks\":72000000000,"
		    "\"LastPlayedDate\":\"2024-03-05T20:00:00.0000000Z\"}";
	w[1].item_id = "1001"; /* clear */
	w[1].body = "{\"PlaybackPositionTicks\":0}";
	w[2].item_id = "1006"; /* played: unwatch first, then write (APPLY-03) */
	w[2].body = "{\"PlaybackPositionTicks\":6000000000}";
	w[2].unwatch_first = true;
	assert_int_equal(emby_write_batch(f->c, w, 3), CWP_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(w[i].result, CWP_OK);
		assert_true(w[i].http_status == 200 || w[i].http_status == 204);
		assert_false(w[i].unwatch_failed);
	}
	cJSON *ud = userdata_of(f, ALICE, "1005");
	assert_true(ud_num(ud, "PlaybackPositionTicks") == 72000000000.0);
	cJSON_Delete(ud);
	ud = userdata_of(f, ALICE, "1001");
	assert_true(ud_num(ud, "PlaybackPositionTicks") == 0.0);
	cJSON_Delete(ud);
	ud = userdata_of(f, ALICE, "1006");
	assert_true(ud_num(ud, "PlaybackPositionTicks") == 6000000000.0);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	cJSON_Delete(ud);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/*/UserData"), 3);
	assert_int_equal_dec(count(f, "DELETE", "/Users/*/PlayedItems/*"), 1);
	assert_int_equal_dec(total_requests(f), 4);
	/* The empty Expect: header: no 100-continue wait (civetweb sends none). */
	assert_false(journal_contains(f, "\"Expect\""));
	assert_true(journal_contains(f, "\"Content-Type\":\"application/json\""));
	teardown(f);
}

static void client_write_unwatch_failure_skips_write(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "{\"method\":\"DELETE\",\"route\":\"/Users/*/PlayedItems/*\","
		      "\"kind\":\"status\",\"status\":500}");
	emby_write w[2];
	memset(w, 0, sizeof(w));
	w[0].item_id = "1006";
	w[0].body = "{\"PlaybackPositionTicks\":6000000000}";
	w[0].unwatch_first = true;
	w[1].item_id = "1005";
	w[1].body = "{\"PlaybackPositionTicks\":6000000000}";
	assert_int_equal(emby_write_batch(f->c, w, 2), CWP_ERROR);
	assert_int_equal(w[0].result, CWP_EHTTP);
	assert_true(w[0].unwatch_failed);
	assert_int_equal_dec(w[0].http_status, 500);
	assert_message_clean(w[0].error, "/PlayedItems/1006", "500");
	assert_int_equal(w[1].result, CWP_OK);
	assert_int_equal_dec(count(f, "DELETE", "/Users/*/PlayedItems/*"), 3);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/1006/UserData"), 0);
	cJSON *ud = userdata_of(f, ALICE, "1006");
	assert_true(ud_num(ud, "PlaybackPositionTicks") == 0.0);
	cJSON_Delete(ud);
	assert_message_clean(emby_client_error(f->c), NULL, NULL);
	teardown(f);
}

static void client_write_retried_then_each_reported(void **state)
{
	(void)state;
	fx *f = setup_a();
	add_faults(f, "[{\"method\":\"POST\",\"route\":\"/Users/*/Items/1005/UserData\","
		      "\"nth\":1,\"kind\":\"status\",\"status\":503},"
		      "{\"method\":\"POST\",\"route\":\"/Users/*/Items/1008/UserData\","
		      "\"kind\":\"status\",\"status\":404}]");
	emby_write w[4];
	memset(w, 0, sizeof(w));
	w[0].item_id = "1005";
	w[0].body = "{\"PlaybackPositionTicks\":6000000000}";
	w[1].item_id = "1008";
	w[1].body = "{\"PlaybackPositionTicks\":6000000000}";
	w[2].item_id = "1001";
	w[2].body = "{\"PlaybackPositionTicks\":0}";
	w[3].item_id = "1004"; /* no body: refused, never sent */
	assert_int_equal(emby_write_batch(f->c, w, 4), CWP_ERROR);
	assert_int_equal(w[3].result, CWP_EINVAL);
	assert_int_equal_dec(count(f, NULL, "/Users/*/Items/1004/UserData"), 0);
	assert_int_equal(w[0].result, CWP_OK);
	assert_int_not_equal(w[1].result, CWP_OK);
	assert_int_equal_dec(w[1].http_status, 404);
	assert_message_clean(w[1].error, "/Items/1008/UserData", "404");
	assert_int_equal(w[2].result, CWP_OK);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/1005/UserData"), 2);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/1008/UserData"), 1);
	assert_non_null(strstr(emby_client_error(f->c), "2 of 4 writes failed"));
	teardown(f);
}

static void client_apply_request_counts_k_writes(void **state)
{
	(void)state;
	/* K writes cost K writes + one state read (250 ids fit one URL) + 1
	 * /Sessions. */
	enum { K = 250 };
	fx *f = setup_generated(K, 0, 0);
	char(*idb)[24] = calloc(K, sizeof(*idb));
	const char **ids = calloc(K, sizeof(*ids));
	emby_write *w = calloc(K, sizeof(*w));
	cwp_target_state *st = calloc(K, sizeof(*st));
	bool *found = calloc(K, sizeof(*found));
	for (size_t i = 0; i < K; i++) {
		snprintf(idb[i], 24, "1%08zu", i);
		ids[i] = idb[i];
		w[i].item_id = idb[i];
		w[i].body = "{\"PlaybackPositionTicks\":1234560000}";
	}
	assert_int_equal(emby_read_states(f->c, ids, K, st, found), CWP_OK);
	char **playing;
	size_t n_playing;
	assert_int_equal(emby_playing(f->c, &playing, &n_playing), CWP_OK);
	emby_strv_free(playing, n_playing);
	assert_int_equal(emby_write_batch(f->c, w, K), CWP_OK);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/*/UserData"), K);
	assert_int_equal_dec(count(f, "GET", "/Users/*/Items"), 1);
	assert_int_equal_dec(count(f, "GET", "/Sessions"), 1);
	assert_int_equal_dec(total_requests(f), K + 1 + 1);
	/* Connections are reused: the reads share one, the writes at most
	 * max_in_flight (4). */
	emby_stats st_;
	emby_client_stats(f->c, &st_);
	if (st_.connections > 1 + 4)
		fail_msg("%zu connections for %zu requests: not reused", st_.connections,
			 st_.requests);
	assert_int_equal_dec(st_.requests, K + 1 + 1);
	assert_int_equal_dec(progress_last_done, K);
	assert_string_equal(progress_last_phase, "write");
	cJSON *ud = userdata_of(f, GEN_USER_ID, "100000249");
	assert_true(ud_num(ud, "PlaybackPositionTicks") == 1234560000.0);
	cJSON_Delete(ud);
	free(found);
	free(st);
	free(w);
	free(ids);
	free(idb);
	teardown(f);
}

static void client_writes_bounded_in_flight(void **state)
{
	(void)state;
	/* 8 writes, 150 ms each, at most 2 in flight: >= 4 rounds. */
	fx *f = setup_generated(8, 0, 0);
	emby_client_free(f->c);
	emby_options o = test_options(f->m, GEN_USER_ID, GEN_TOKEN);
	o.max_in_flight = 2;
	f->c = client_with(&o);
	add_faults(f, "{\"method\":\"POST\",\"kind\":\"delay\",\"delay_ms\":150}");
	emby_write w[8];
	char idb[8][24];
	memset(w, 0, sizeof(w));
	for (size_t i = 0; i < 8; i++) {
		snprintf(idb[i], 24, "1%08zu", i);
		w[i].item_id = idb[i];
		w[i].body = "{\"PlaybackPositionTicks\":0}";
	}
	int64_t t0 = now_ms();
	assert_int_equal(emby_write_batch(f->c, w, 8), CWP_OK);
	int64_t took = now_ms() - t0;
	if (took < 4 * 150 - 20)
		fail_msg("8 writes of 150 ms at 2 in flight took %lld ms: more than 2 at once",
			 (long long)took);
	assert_int_equal_dec(count(f, "POST", "/Users/*/Items/*/UserData"), 8);
	teardown(f);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(client_probe_names_server_and_user),
    cmocka_unit_test(client_wrong_token_is_auth_error_naming_server_not_token),
    cmocka_unit_test(client_unknown_user_is_reported),
    cmocka_unit_test(client_authenticate_by_name_finds_user_and_token),
    cmocka_unit_test(client_base_url_prefix_kept),
    cmocka_unit_test(client_tls_verified_unless_insecure),
    cmocka_unit_test(client_index_records_read02),
    cmocka_unit_test(client_index_request_count_pages_plus_series_batches),
    cmocka_unit_test(client_index_bulk_counts_and_series_batches_of_100),
    cmocka_unit_test(client_index_per_library_parent_id),
    cmocka_unit_test(client_index_429_retry_after_honoured),
    cmocka_unit_test(client_retry_after_capped_by_max),
    cmocka_unit_test(client_backoff_doubles_without_retry_after),
    cmocka_unit_test(client_index_500_then_success),
    cmocka_unit_test(client_index_500_forever_fails_whole_index),
    cmocka_unit_test(client_index_other_4xx_not_retried),
    cmocka_unit_test(client_index_truncated_body_fails),
    cmocka_unit_test(client_index_dropped_connection_retried),
    cmocka_unit_test(client_index_invalid_json_fails),
    cmocka_unit_test(client_index_repeated_page_is_paging_loop),
    cmocka_unit_test(client_index_wrong_total_record_count),
    cmocka_unit_test(client_timeout_is_reported),
    cmocka_unit_test(client_oversized_body_is_error),
    cmocka_unit_test(client_connection_refused_is_net_error),
    cmocka_unit_test(client_resolve_verifies_ids_and_type),
    cmocka_unit_test(client_resolve_ambiguous_and_show_id_collision),
    cmocka_unit_test(client_resolve_batches_many_records_per_lookup),
    cmocka_unit_test(client_confirm_zeros_only_found_at_zero),
    cmocka_unit_test(client_read_states_batched_by_url_length),
    cmocka_unit_test(client_playing_reads_sessions_once),
    cmocka_unit_test(client_writes_upsert_clear_unwatch),
    cmocka_unit_test(client_write_unwatch_failure_skips_write),
    cmocka_unit_test(client_write_retried_then_each_reported),
    cmocka_unit_test(client_apply_request_counts_k_writes),
    cmocka_unit_test(client_writes_bounded_in_flight),
};
CWP_TEST_MAIN(tests)
