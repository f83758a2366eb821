/* Fault injection: which request a fault hits (method, route, nth / every /
 * from, times) and each kind as a client sees it. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cwp/json.h"

#define LIST "/Users/" A_ALICE "/Items?Recursive=true&IncludeItemTypes=Movie&Limit=5"
#define ONE  "/Users/" A_ALICE "/Items/" A_INCEPTION

static long status_of(mock_emby *m, const char *path)
{
	mt_resp r = mt_get(m, path, A_TOKEN);
	long s = r.code == CURLE_OK ? r.status : -1;
	mt_free(&r);
	return s;
}

static void add(mock_emby *m, const char *json)
{
	if (mock_emby_add_faults(m, json) != 0)
		fail_msg("fault refused: %s", json);
}

static void faults_status_answers_with_retry_after_then_recovers(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"status\", \"status\": 503, "
	       "\"retry_after\": 2, \"nth\": 1}");
	mt_resp r = mt_get(m, LIST, A_TOKEN);
	assert_int_equal_dec(r.status, 503);
	assert_non_null(strstr(r.headers, "Retry-After: 2\r\n"));
	assert_non_null(strstr(r.headers, "text/plain"));
	mt_free(&r);
	assert_int_equal_dec(status_of(m, LIST), 200);
	char *j = mock_emby_journal_json(m);
	assert_non_null(strstr(j, "\"status\":503,\"auth\":\"X-Emby-Token\",\"fault\":\"status\""));
	mock_emby_free(j);
	mock_emby_stop(m);
}

static void faults_status_on_a_write_does_not_apply_it(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	char *before = mock_emby_userdata_json(m, A_ALICE);
	add(m, "[{\"method\": \"POST\", \"route\": \"/Users/*/Items/*/UserData\", \"kind\": "
	       "\"status\", "
	       "\"status\": 500}]");
	mt_resp r = mt_post(m, ONE "/UserData", A_TOKEN, "{\"PlaybackPositionTicks\": 1}");
	assert_int_equal_dec(r.status, 500);
	mt_free(&r);
	char *after = mock_emby_userdata_json(m, A_ALICE);
	assert_string_equal(before, after);
	mock_emby_free(before);
	mock_emby_free(after);
	mock_emby_stop(m);
}

static void faults_nth_every_from_and_times_pick_requests(void **state)
{
	(void)state;
	struct {
		const char *spec;
		const char *pattern; /* status per request: 'x' fault, '.' normal */
	} cases[] = {
	    {"{\"kind\": \"status\", \"status\": 502, \"nth\": 2}", ".x...."},
	    {"{\"kind\": \"status\", \"status\": 502, \"every\": 2}", ".x.x.x"},
	    {"{\"kind\": \"status\", \"status\": 502, \"from\": 3}", "..xxxx"},
	    {"{\"kind\": \"status\", \"status\": 502, \"from\": 3, \"times\": 2}", "..xx.."},
	    {"{\"kind\": \"status\", \"status\": 502, \"times\": 1}", "x....."},
	    {"{\"kind\": \"status\", \"status\": 502}", "xxxxxx"},
	    {"{\"kind\": \"status\", \"status\": 502, \"every\": 3, \"times\": 1}", "..x..."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mock_emby *m = mt_start("demo-a");
		add(m, cases[i].spec);
		char got[8] = {0};
		for (size_t k = 0; k < 6; k++)
			got[k] = status_of(m, ONE) == 502 ? 'x' : '.';
		if (strcmp(got, cases[i].pattern) != 0)
			fail_msg("%s: got %s, expected %s", cases[i].spec, got, cases[i].pattern);
		mock_emby_stop(m);
	}
}

static void faults_match_method_and_route_under_both_prefixes(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"kind\": \"status\", "
	       "\"status\": 429}");
	assert_int_equal_dec(status_of(m, LIST), 429);
	assert_int_equal_dec(status_of(m, "/emby" LIST), 429);
	assert_int_equal_dec(status_of(m, "/EMBY/users/" A_ALICE "/items?Recursive=true"), 429);
	assert_int_equal_dec(status_of(m, ONE), 200);         /* another route */
	assert_int_equal_dec(status_of(m, "/Sessions"), 200); /* another route */
	mt_resp r = mt_post(m, ONE "/UserData", A_TOKEN, "{\"PlaybackPositionTicks\": 1}");
	assert_int_equal_dec(r.status, 204); /* another method */
	mt_free(&r);
	mock_emby_clear_faults(m);
	assert_int_equal_dec(status_of(m, LIST), 200);
	mock_emby_stop(m);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static void faults_delay_answers_normally_after_the_delay(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items/*\", \"kind\": \"delay\", \"delay_ms\": 300, \"nth\": "
	       "1}");
	double t0 = now_ms();
	mt_resp r = mt_get(m, ONE, A_TOKEN);
	double took = now_ms() - t0;
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_string_equal(mt_item_id(j), A_INCEPTION);
	cJSON_Delete(j);
	mt_free(&r);
	if (took < 290)
		fail_msg("answered after %.0f ms, expected >= 300", took);
	mock_emby_stop(m);
}

static void faults_delay_does_not_hold_up_stop(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"kind\": \"delay\", \"delay_ms\": 600000}");
	/* a request that will be delayed for ten minutes, abandoned after 200 ms */
	char url[512];
	snprintf(url, sizeof url, "%s/System/Info/Public", mock_emby_url(m));
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 200L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	assert_int_equal(curl_easy_perform(c), CURLE_OPERATION_TIMEDOUT);
	curl_easy_cleanup(c);
	double t0 = now_ms();
	mock_emby_stop(m);
	double took = now_ms() - t0;
	if (took > 5000)
		fail_msg("stop took %.0f ms", took);
}

static void faults_truncate_closes_the_connection_mid_body(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"truncate\", \"nth\": 1}");
	mt_resp r = mt_get(m, LIST, A_TOKEN);
	assert_int_equal(r.code, CURLE_PARTIAL_FILE);
	assert_int_equal_dec(r.status, 200);
	assert_true(r.len > 0);
	assert_null(cwp_json_parse(r.body, r.len));
	mt_free(&r);
	assert_int_equal_dec(status_of(m, LIST), 200); /* the next one is fine */
	mock_emby_stop(m);
}

static void faults_drop_closes_after_the_headers(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items/*\", \"kind\": \"drop\", \"nth\": 1}");
	mt_resp r = mt_get(m, ONE, A_TOKEN);
	assert_int_not_equal(r.code, CURLE_OK);
	assert_int_equal_dec(r.len, 0);
	mt_free(&r);
	assert_int_equal_dec(status_of(m, ONE), 200);
	char *j = mock_emby_journal_json(m);
	assert_non_null(strstr(j, "\"fault\":\"drop\""));
	mock_emby_free(j);
	mock_emby_stop(m);
}

static void faults_invalid_json_is_a_complete_unparseable_answer(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"invalid_json\"}");
	mt_resp r = mt_get(m, LIST, A_TOKEN);
	assert_int_equal(r.code, CURLE_OK);
	assert_int_equal_dec(r.status, 200);
	assert_true(r.len > 10);
	assert_null(cwp_json_parse(r.body, r.len));
	assert_non_null(strstr(r.headers, "application/json"));
	mt_free(&r);
	mock_emby_stop(m);
}

static void faults_repeat_page_answers_the_previous_page_again(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"repeat_page\", \"nth\": 2}");
	mt_resp p1 = mt_get(m, LIST "&StartIndex=0", A_TOKEN);
	mt_resp p2 = mt_get(m, LIST "&StartIndex=5", A_TOKEN);
	mt_resp p3 = mt_get(m, LIST "&StartIndex=5", A_TOKEN);
	assert_int_equal_dec(p2.status, 200);
	assert_string_equal(p1.body, p2.body); /* the first page again */
	assert_string_not_equal(p1.body, p3.body);
	mt_free(&p1);
	mt_free(&p2);
	mt_free(&p3);
	mock_emby_stop(m);
}

static void faults_wrong_total_changes_only_the_count(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp good = mt_get(m, LIST, A_TOKEN);
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"wrong_total\", \"total\": 7}");
	mt_resp bad = mt_get(m, LIST, A_TOKEN);
	cJSON *g = mt_json(&good), *b = mt_json(&bad);
	assert_int_equal_dec(mt_total(b), 7);
	assert_int_equal_dec(mt_total(g), 46);
	assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(g, "Items"),
				  cJSON_GetObjectItemCaseSensitive(b, "Items"), 1));
	cJSON_Delete(g);
	cJSON_Delete(b);
	mt_free(&good);
	mt_free(&bad);
	mock_emby_stop(m);
}

static void faults_oversize_pads_a_still_valid_answer(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp good = mt_get(m, LIST, A_TOKEN);
	add(m, "{\"route\": \"/Users/*/Items\", \"kind\": \"oversize\", \"bytes\": 200000}");
	mt_resp big = mt_get(m, LIST, A_TOKEN);
	assert_int_equal(big.code, CURLE_OK);
	assert_int_equal_dec(big.len, good.len + 200000);
	cJSON *g = mt_json(&good), *b = mt_json(&big);
	assert_true(cJSON_Compare(g, b, 1));
	cJSON_Delete(g);
	cJSON_Delete(b);
	mt_free(&good);
	mt_free(&big);
	mock_emby_stop(m);
}

static void faults_bad_specs_are_refused_whole(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *bad[] = {
	    "not json",
	    "{\"kind\": \"explode\"}",
	    "{\"status\": 500}",
	    "{\"kind\": \"status\", \"nth\": 0}",
	    "{\"kind\": \"status\", \"nth\": 1, \"every\": 2}",
	    "{\"kind\": \"status\", \"nht\": 1}",
	    "{\"kind\": \"status\", \"status\": 99}",
	    "{\"kind\": \"wrong_total\"}",
	    "{\"kind\": \"status\", \"route\": \"Users/*/Items\"}",
	    "[{\"kind\": \"status\"}, {\"kind\": \"nope\"}]",
	    "42",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (mock_emby_add_faults(m, bad[i]) == 0)
			fail_msg("accepted: %s", bad[i]);
	/* nothing was added, not even the valid half of the last array */
	assert_int_equal_dec(status_of(m, ONE), 200);
	mock_emby_stop(m);
}

static void faults_file_is_loaded_at_start(void **state)
{
	(void)state;
	char *dir = mt_tmpdir();
	mt_write(
	    dir, "faults.json",
	    "[\n  {\"method\": \"GET\", \"route\": \"/Users/*/Items/*\", \"kind\": \"status\", "
	    "\"status\": 503, \"nth\": 1}\n]\n");
	mt_write(dir, "bad.json", "[{\"kind\": \"status\"}, {\"kind\": \"explode\"}]");
	char good[4096], badf[4096];
	snprintf(good, sizeof good, "%s/faults.json", dir);
	snprintf(badf, sizeof badf, "%s/bad.json", dir);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture("demo-a");
	o.faults_file = good;
	mock_emby *m = mt_start_opts(&o);
	assert_int_equal_dec(status_of(m, ONE), 503);
	assert_int_equal_dec(status_of(m, ONE), 200);
	mock_emby_stop(m);

	o.faults_file = badf;
	char err[1024] = "";
	m = NULL;
	assert_int_not_equal(mock_emby_start(&m, &o, err, sizeof err), 0);
	assert_null(m);
	if (!strstr(err, "bad.json") || !strstr(err, "$[1].kind"))
		fail_msg("message does not name the file and path: %s", err);
	mt_rmtree(dir);
	free(dir);
}

static void faults_first_firing_fault_wins(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	add(m, "[{\"kind\": \"status\", \"status\": 501, \"nth\": 2},"
	       " {\"kind\": \"status\", \"status\": 502}]");
	assert_int_equal_dec(status_of(m, ONE), 502);
	assert_int_equal_dec(status_of(m, ONE), 501);
	assert_int_equal_dec(status_of(m, ONE), 502);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(faults_status_answers_with_retry_after_then_recovers),
    cmocka_unit_test(faults_status_on_a_write_does_not_apply_it),
    cmocka_unit_test(faults_nth_every_from_and_times_pick_requests),
    cmocka_unit_test(faults_match_method_and_route_under_both_prefixes),
    cmocka_unit_test(faults_delay_answers_normally_after_the_delay),
    cmocka_unit_test(faults_delay_does_not_hold_up_stop),
    cmocka_unit_test(faults_truncate_closes_the_connection_mid_body),
    cmocka_unit_test(faults_drop_closes_after_the_headers),
    cmocka_unit_test(faults_invalid_json_is_a_complete_unparseable_answer),
    cmocka_unit_test(faults_repeat_page_answers_the_previous_page_again),
    cmocka_unit_test(faults_wrong_total_changes_only_the_count),
    cmocka_unit_test(faults_oversize_pads_a_still_valid_answer),
    cmocka_unit_test(faults_bad_specs_are_refused_whole),
    cmocka_unit_test(faults_file_is_loaded_at_start),
    cmocka_unit_test(faults_first_firing_fault_wins),
};

CWP_TEST_MAIN(tests)
