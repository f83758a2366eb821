/* Writes: POST …/UserData (204, visible to later reads, PlayedPercentage
 * recomputed, omitted fields untouched), PlayedItems POST/DELETE, bad bodies
 * (400), the body cap (413), the C API's user data functions, reset,
 * save_state, and many threads writing and reading at once. */
#include "mock_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

#define USERDATA(id) "/Users/" A_ALICE "/Items/" id "/UserData"
#define A_DUNE       "240240"
#define DUNE_RUNTIME 93310000000LL

static cJSON *item(mock_emby *m, const char *uid, const char *token, const char *id)
{
	char q[256];
	snprintf(q, sizeof q, "/Users/%s/Items/%s", uid, id);
	mt_resp r = mt_get(m, q, token);
	if (r.status != 200)
		fail_msg("%s: status %ld", q, r.status);
	cJSON *j = mt_json(&r);
	mt_free(&r);
	return j;
}

static const char *ud_str(const cJSON *it, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(mt_userdata(it), k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void writes_post_userdata_is_204_and_later_reads_see_it(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, USERDATA(A_DUNE), A_TOKEN,
			    "{\"PlaybackPositionTicks\": 7200000000, "
			    "\"LastPlayedDate\": \"2024-03-01T20:15:00.0000000Z\"}");
	assert_int_equal_dec(r.status, 204);
	assert_int_equal_dec(r.len, 0);
	mt_free(&r);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_DUNE);
	const cJSON *ud = mt_userdata(it);
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 7200000000LL);
	assert_string_equal(ud_str(it, "LastPlayedDate"), "2024-03-01T20:15:00.0000000Z");
	double pct = cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage")->valuedouble;
	double want = 7200000000.0 * 100.0 / (double)DUNE_RUNTIME;
	if (pct < want - 1e-9 || pct > want + 1e-9)
		fail_msg("PlayedPercentage %.12f, expected %.12f", pct, want);
	cJSON_Delete(it);
	/* and the listing sees it too, under the /emby prefix */
	r = mt_get(m, "/emby/Users/" A_ALICE "/Items?Ids=" A_DUNE, A_TOKEN);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(
	    mt_num(mt_userdata(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 0)),
		   "PlaybackPositionTicks"),
	    7200000000LL);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void writes_ticks_as_a_string_are_accepted(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, "/emby" USERDATA(A_DUNE), A_TOKEN,
			    "{\"PlaybackPositionTicks\": \"123450000\"}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_DUNE);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(mt_userdata(it), "PlaybackPositionTicks");
	assert_true(cJSON_IsNumber(p));
	assert_int_equal_dec((long long)p->valuedouble, 123450000LL);
	cJSON_Delete(it);
	mock_emby_stop(m);
}

static void writes_clear_keeps_played_count_and_date(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	/* Spider-Man: played, PlayCount 3, position (a rewatch) */
	mt_resp r = mt_post(m, USERDATA(A_SPIDERMAN), A_TOKEN, "{\"PlaybackPositionTicks\": 0}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_SPIDERMAN);
	const cJSON *ud = mt_userdata(it);
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 3);
	assert_string_equal(ud_str(it, "LastPlayedDate"), "2022-06-22T15:57:25.0000000Z");
	cJSON_Delete(it);
	mock_emby_stop(m);
}

static void writes_played_play_count_and_null_date_for_undo(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN,
			    "{\"Played\": true, \"PlayCount\": 4, \"LastPlayedDate\": null, "
			    "\"IsFavorite\": true, \"Unknown\": 1}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_INCEPTION);
	const cJSON *ud = mt_userdata(it);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "IsFavorite")));
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 4);
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate"));
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "Unknown"));
	/* the position was not in the body: unchanged */
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 27000000000LL);
	cJSON_Delete(it);
	mock_emby_stop(m);
}

static void writes_dates_are_stored_with_seven_digits_in_utc(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *in[] = {"2024-03-01T20:15:00Z", "2024-03-01T21:15:00+01:00",
			    "2024-03-01T20:15:00.123Z", "2024-03-01T20:15:00"};
	const char *out[] = {"2024-03-01T20:15:00.0000000Z", "2024-03-01T20:15:00.0000000Z",
			     "2024-03-01T20:15:00.1230000Z", "2024-03-01T20:15:00.0000000Z"};
	for (size_t i = 0; i < 4; i++) {
		char body[128];
		snprintf(body, sizeof body, "{\"LastPlayedDate\": \"%s\"}", in[i]);
		mt_resp r = mt_post(m, USERDATA(A_DUNE), A_TOKEN, body);
		assert_int_equal_dec(r.status, 204);
		mt_free(&r);
		cJSON *it = item(m, A_ALICE, A_TOKEN, A_DUNE);
		assert_string_equal(ud_str(it, "LastPlayedDate"), out[i]);
		cJSON_Delete(it);
	}
	mock_emby_stop(m);
}

static void writes_are_per_user(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN, "{\"PlaybackPositionTicks\": 1000}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	cJSON *bob = item(m, A_BOB, A_BOB_TOKEN, A_INCEPTION);
	assert_int_equal_dec(mt_num(mt_userdata(bob), "PlaybackPositionTicks"), 6000000000LL);
	cJSON_Delete(bob);
	mock_emby_stop(m);
}

static void writes_bad_bodies_are_400_and_change_nothing(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	char *before = mock_emby_userdata_json(m, A_ALICE);
	const char *bad[] = {
	    "not json",
	    "[1, 2]",
	    "\"PlaybackPositionTicks\"",
	    "{\"PlaybackPositionTicks\": -1}",
	    "{\"PlaybackPositionTicks\": 1.5}",
	    "{\"PlaybackPositionTicks\": \"12a\"}",
	    "{\"PlaybackPositionTicks\": \"-5\"}",
	    "{\"PlaybackPositionTicks\": \"\"}",
	    "{\"PlaybackPositionTicks\": null}",
	    "{\"PlaybackPositionTicks\": true}",
	    "{\"PlaybackPositionTicks\": 99999999999999999999}",
	    "{\"PlaybackPositionTicks\": 5, \"LastPlayedDate\": \"yesterday\"}",
	    "{\"LastPlayedDate\": \"2024-02-30T10:00:00Z\"}",
	    "{\"LastPlayedDate\": 20240301}",
	    "{\"Played\": \"yes\"}",
	    "{\"PlayCount\": -1}",
	    "{\"IsFavorite\": 1}",
	    "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mt_resp r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN, bad[i]);
		if (r.status != 400)
			fail_msg("body '%s': status %ld", bad[i], r.status);
		if (!strstr(r.headers, "text/plain") || r.len == 0 || r.body[0] == '{')
			fail_msg("body '%s': 400 answer is not plain text", bad[i]);
		mt_free(&r);
	}
	char *after = mock_emby_userdata_json(m, A_ALICE);
	assert_string_equal(before, after);
	mock_emby_free(before);
	mock_emby_free(after);
	mock_emby_stop(m);
}

static void writes_unknown_item_or_user_is_404(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, USERDATA("999999"), A_TOKEN, "{\"PlaybackPositionTicks\": 1}");
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	r = mt_post(m, "/Users/ffffffffffffffffffffffffffffffff/Items/" A_INCEPTION "/UserData",
		    A_TOKEN, "{\"PlaybackPositionTicks\": 1}");
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	r = mt_post(m, "/Users/" A_ALICE "/PlayedItems/999999", A_TOKEN, NULL);
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	mock_emby_stop(m);
}

static void writes_body_over_the_cap_is_413(void **state)
{
	(void)state;
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture("demo-a");
	o.max_body = 1024;
	mock_emby *m = mt_start_opts(&o);
	char *big = malloc(4096);
	assert_non_null(big);
	memset(big, ' ', 4095);
	big[4095] = '\0';
	memcpy(big, "{\"PlaybackPositionTicks\": 1}", 28);
	mt_resp r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN, big);
	assert_int_equal_dec(r.status, 413);
	mt_free(&r);
	/* exactly at the cap is fine */
	big[1024] = '\0';
	r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN, big);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	free(big);
	/* still serving */
	r = mt_get(m, "/System/Info/Public", NULL);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	assert_int_equal_dec(mock_emby_count(m, "POST", "/Users/*/Items/*/UserData"), 2);
	mock_emby_stop(m);
}

static void writes_delete_played_items_resets_and_answers_userdata(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *h[] = {"X-Emby-Token: " A_TOKEN, NULL};
	mt_resp r = mt_req(m, "DELETE", "/Users/" A_ALICE "/PlayedItems/" A_SPIDERMAN, h, NULL);
	assert_int_equal_dec(r.status, 200);
	cJSON *ud = mt_json(&r);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 0);
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate"));
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage"));
	cJSON_Delete(ud);
	mt_free(&r);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_SPIDERMAN);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(mt_userdata(it), "Played")));
	assert_null(ud_str(it, "LastPlayedDate"));
	cJSON_Delete(it);
	mock_emby_stop(m);
}

static void writes_post_played_items_marks_played(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(
	    m, "/emby/Users/" A_ALICE "/PlayedItems/" A_INCEPTION "?DatePlayed=20240305203000",
	    A_TOKEN, NULL);
	assert_int_equal_dec(r.status, 200);
	cJSON *ud = mt_json(&r);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	/* a mark is not a play: PlayCount stays (Emby 4.9.5, docs/FIXTURES.md) */
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 0);
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate")->valuestring,
			    "2024-03-05T20:30:00.0000000Z");
	cJSON_Delete(ud);
	mt_free(&r);
	r = mt_post(m, "/Users/" A_ALICE "/PlayedItems/" A_INCEPTION "?DatePlayed=yesterday",
		    A_TOKEN, NULL);
	assert_int_equal_dec(r.status, 400);
	mt_free(&r);
	/* without DatePlayed: now, and the count still stays */
	r = mt_post(m, "/Users/" A_ALICE "/PlayedItems/" A_INCEPTION, A_TOKEN, NULL);
	assert_int_equal_dec(r.status, 200);
	ud = mt_json(&r);
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 0);
	assert_true(strcmp(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate")->valuestring,
			   "2024-03-05T20:30:00.0000000Z") > 0);
	cJSON_Delete(ud);
	mt_free(&r);
	mock_emby_stop(m);
}

static void writes_c_api_sets_and_reads_user_data(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	assert_int_equal(
	    mock_emby_set_userdata(m, A_ALICE, A_TOY_STORY,
				   "{\"PlaybackPositionTicks\": 600000000, \"Played\": false, "
				   "\"LastPlayedDate\": \"2024-01-01T00:00:00.0000000Z\"}"),
	    0);
	cJSON *it = item(m, A_ALICE, A_TOKEN, A_TOY_STORY);
	assert_int_equal_dec(mt_num(mt_userdata(it), "PlaybackPositionTicks"), 600000000LL);
	cJSON_Delete(it);
	char *s = mock_emby_userdata_json(m, A_ALICE);
	cJSON *all = cwp_json_parse_str(s);
	mock_emby_free(s);
	assert_int_equal_dec(
	    mt_num(cJSON_GetObjectItemCaseSensitive(all, A_TOY_STORY), "PlaybackPositionTicks"),
	    600000000LL);
	cJSON_Delete(all);
	/* replacing an existing entry */
	assert_int_equal(
	    mock_emby_set_userdata(m, A_ALICE, A_INCEPTION, "{\"PlaybackPositionTicks\": 5}"), 0);
	it = item(m, A_ALICE, A_TOKEN, A_INCEPTION);
	assert_int_equal_dec(mt_num(mt_userdata(it), "PlaybackPositionTicks"), 5);
	assert_null(ud_str(it, "LastPlayedDate"));
	cJSON_Delete(it);
	assert_int_not_equal(mock_emby_set_userdata(m, A_ALICE, A_INCEPTION, "{oops"), 0);
	assert_int_not_equal(
	    mock_emby_set_userdata(m, A_ALICE, A_INCEPTION, "{\"PlaybackPositionTicks\": -3}"), 0);
	assert_int_not_equal(mock_emby_set_userdata(m, A_ALICE, "999999", "{}"), 0);
	assert_int_not_equal(
	    mock_emby_set_userdata(m, "ffffffffffffffffffffffffffffffff", A_INCEPTION, "{}"), 0);
	assert_null(mock_emby_userdata_json(m, "ffffffffffffffffffffffffffffffff"));
	mock_emby_stop(m);
}

static void writes_reset_restores_the_fixture_state(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	char *before = mock_emby_userdata_json(m, A_ALICE);
	mt_resp r = mt_post(m, USERDATA(A_INCEPTION), A_TOKEN, "{\"PlaybackPositionTicks\": 1}");
	mt_free(&r);
	assert_int_equal(mock_emby_set_playing(m, A_ALICE, A_INCEPTION), 0);
	assert_int_equal(mock_emby_add_faults(m, "{\"kind\": \"status\", \"status\": 500}"), 0);
	mock_emby_reset(m);
	char *after = mock_emby_userdata_json(m, A_ALICE);
	assert_string_equal(before, after);
	assert_int_equal_dec(mock_emby_count(m, NULL, NULL), 0);
	r = mt_get(m, "/Sessions", A_TOKEN); /* no fault any more, nobody playing */
	assert_int_equal_dec(r.status, 200);
	assert_null(strstr(r.body, A_ALICE));
	mt_free(&r);
	mock_emby_free(before);
	mock_emby_free(after);
	mock_emby_stop(m);
}

static void writes_save_state_writes_every_users_data(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_post(m, USERDATA(A_DUNE), A_TOKEN, "{\"PlaybackPositionTicks\": 42}");
	mt_free(&r);
	char *dir = mt_tmpdir();
	char path[4096];
	snprintf(path, sizeof path, "%s/state.json", dir);
	assert_int_equal(mock_emby_save_state(m, path), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	cJSON *j = cwp_json_parse_str(buf);
	assert_non_null(j);
	const cJSON *alice = cJSON_GetObjectItemCaseSensitive(j, A_ALICE);
	assert_int_equal_dec(
	    mt_num(cJSON_GetObjectItemCaseSensitive(alice, A_DUNE), "PlaybackPositionTicks"), 42);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, A_BOB));
	cJSON_Delete(j);
	assert_int_not_equal(mock_emby_save_state(m, "/nonexistent-dir/x/state.json"), 0);
	mt_rmtree(dir);
	free(dir);
	mock_emby_stop(m);
}

/* ---- concurrency ---- */

#define WRITERS 6
#define READERS 2
#define ROUNDS  40

typedef struct worker {
	mock_emby *m;
	int index;
	const char *item;
	int errors; /* recorded here, asserted in the test thread */
	char first_error[256];
} worker;

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

typedef struct grow {
	char *p;
	size_t n;
} grow;

static size_t keep(char *p, size_t s, size_t n, void *ud)
{
	grow *g = ud;
	char *q = realloc(g->p, g->n + s * n + 1);
	if (!q)
		return 0;
	memcpy(q + g->n, p, s * n);
	g->p = q;
	g->n += s * n;
	g->p[g->n] = '\0';
	return s * n;
}

static void note(worker *w, const char *what, long status)
{
	if (w->errors++ == 0)
		snprintf(w->first_error, sizeof w->first_error, "%s (status %ld)", what, status);
}

static void *writer(void *arg)
{
	worker *w = arg;
	CURL *c = curl_easy_init(); /* one keep-alive connection per thread */
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_TOKEN);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	char url[512], get[512], body[128];
	snprintf(url, sizeof url, "%s/Users/%s/Items/%s/UserData", mock_emby_url(w->m), A_ALICE,
		 w->item);
	snprintf(get, sizeof get, "%s/Users/%s/Items/%s", mock_emby_url(w->m), A_ALICE, w->item);
	for (int k = 1; k <= ROUNDS; k++) {
		long long ticks = (long long)k * 10000000 + w->index;
		snprintf(body, sizeof body, "{\"PlaybackPositionTicks\": %lld}", ticks);
		long status = 0;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		if (curl_easy_perform(c) != CURLE_OK)
			note(w, "POST failed", 0);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status != 204)
			note(w, "POST status", status);
		grow g = {0};
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, get);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		if (curl_easy_perform(c) != CURLE_OK)
			note(w, "GET failed", 0);
		cJSON *j = g.p ? cwp_json_parse_str(g.p) : NULL;
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "UserData"), "PlaybackPositionTicks");
		if (!cJSON_IsNumber(p) || (long long)p->valuedouble != ticks)
			note(w, "read did not see own write", 0);
		cJSON_Delete(j);
		free(g.p);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static void *reader(void *arg)
{
	worker *w = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_TOKEN);
	char url[512];
	snprintf(
	    url, sizeof url,
	    "%s/Users/%s/Items?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsResumable"
	    "&Fields=UserDataLastPlayedDate",
	    mock_emby_url(w->m), A_ALICE);
	for (int k = 0; k < ROUNDS * 2; k++) {
		grow g = {0};
		long status = 0;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
		if (curl_easy_perform(c) != CURLE_OK)
			note(w, "list failed", 0);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		cJSON *j = g.p ? cwp_json_parse_str(g.p) : NULL;
		if (status != 200 || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "Items")))
			note(w, "list answer", status);
		cJSON_Delete(j);
		free(g.p);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static void writes_concurrent_writers_and_readers_end_consistent(void **state)
{
	(void)state;
	static const char *items[WRITERS] = {A_INCEPTION, A_DUNE,      A_TOY_STORY,
					     A_UP,        A_NOSFERATU, A_BB_S02E02};
	curl_global_init(CURL_GLOBAL_ALL);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture("demo-a");
	o.threads = WRITERS + READERS + 2;
	mock_emby *m = mt_start_opts(&o);
	worker w[WRITERS + READERS];
	pthread_t th[WRITERS + READERS];
	memset(w, 0, sizeof w);
	for (int i = 0; i < WRITERS + READERS; i++) {
		w[i].m = m;
		w[i].index = i;
		w[i].item = i < WRITERS ? items[i] : NULL;
		assert_int_equal(pthread_create(&th[i], NULL, i < WRITERS ? writer : reader, &w[i]),
				 0);
	}
	for (int i = 0; i < WRITERS + READERS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < WRITERS + READERS; i++)
		if (w[i].errors)
			fail_msg("worker %d: %d errors, first: %s", i, w[i].errors,
				 w[i].first_error);
	char *s = mock_emby_userdata_json(m, A_ALICE);
	cJSON *ud = cwp_json_parse_str(s);
	mock_emby_free(s);
	for (int i = 0; i < WRITERS; i++) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(ud, items[i]);
		assert_int_equal_dec(mt_num(e, "PlaybackPositionTicks"),
				     (long long)ROUNDS * 10000000 + i);
	}
	cJSON_Delete(ud);
	assert_int_equal_dec(mock_emby_count(m, "POST", "/Users/*/Items/*/UserData"),
			     WRITERS * ROUNDS);
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*/Items"), READERS * ROUNDS * 2);
	assert_int_equal_dec(mock_emby_count(m, NULL, NULL),
			     WRITERS * ROUNDS * 2 + READERS * ROUNDS * 2);
	mock_emby_stop(m);
	curl_global_cleanup();
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(writes_post_userdata_is_204_and_later_reads_see_it),
    cmocka_unit_test(writes_ticks_as_a_string_are_accepted),
    cmocka_unit_test(writes_clear_keeps_played_count_and_date),
    cmocka_unit_test(writes_played_play_count_and_null_date_for_undo),
    cmocka_unit_test(writes_dates_are_stored_with_seven_digits_in_utc),
    cmocka_unit_test(writes_are_per_user),
    cmocka_unit_test(writes_bad_bodies_are_400_and_change_nothing),
    cmocka_unit_test(writes_unknown_item_or_user_is_404),
    cmocka_unit_test(writes_body_over_the_cap_is_413),
    cmocka_unit_test(writes_delete_played_items_resets_and_answers_userdata),
    cmocka_unit_test(writes_post_played_items_marks_played),
    cmocka_unit_test(writes_c_api_sets_and_reads_user_data),
    cmocka_unit_test(writes_reset_restores_the_fixture_state),
    cmocka_unit_test(writes_save_state_writes_every_users_data),
    cmocka_unit_test(writes_concurrent_writers_and_readers_end_consistent),
};

CWP_TEST_MAIN(tests)
