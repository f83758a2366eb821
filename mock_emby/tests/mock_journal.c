/* The request journal (order, fields, tokens redacted, counts) and the
 * control API under /__mock/ (admin token, journal, count, user data,
 * faults, playing, reset). */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

#define ADMIN_H "X-Emby-Token: " A_ADMIN

static cJSON *journal(mock_emby *m)
{
	char *s = mock_emby_journal_json(m);
	cJSON *j = cwp_json_parse_str(s);
	mock_emby_free(s);
	assert_true(cJSON_IsArray(j));
	return j;
}

static const char *field(const cJSON *e, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void journal_records_every_request_in_order(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/emby/Users/" A_ALICE "/Items?Recursive=true&Limit=1", A_TOKEN);
	mt_free(&r);
	r = mt_post(m, "/Users/" A_ALICE "/Items/" A_INCEPTION "/UserData", A_TOKEN,
		    "{\"PlaybackPositionTicks\": 5}");
	mt_free(&r);
	r = mt_get(m, "/Nope", A_TOKEN);
	mt_free(&r);
	const char *h[] = {ADMIN_H, NULL};
	r = mt_req(m, "GET", "/__mock/journal", h, NULL); /* not journaled */
	mt_free(&r);
	cJSON *j = journal(m);
	assert_int_equal_dec(cJSON_GetArraySize(j), 3);
	const cJSON *e0 = cJSON_GetArrayItem(j, 0), *e1 = cJSON_GetArrayItem(j, 1),
		    *e2 = cJSON_GetArrayItem(j, 2);
	assert_string_equal(field(e0, "method"), "GET");
	assert_string_equal(field(e0, "path"), "/emby/Users/" A_ALICE "/Items");
	assert_string_equal(field(e0, "query"), "Recursive=true&Limit=1");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e0, "body")));
	assert_int_equal_dec(mt_num(e0, "status"), 200);
	assert_string_equal(field(e1, "method"), "POST");
	assert_string_equal(field(e1, "body"), "{\"PlaybackPositionTicks\": 5}");
	assert_int_equal_dec(mt_num(e1, "status"), 204);
	assert_string_equal(field(e1, "query"), "");
	assert_int_equal_dec(mt_num(e2, "status"), 404);
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void journal_redacts_every_token_and_password(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *path = "/Users/" A_ALICE "/Items/" A_INCEPTION;
	const char *forms[][2] = {
	    {"X-Emby-Token: " A_TOKEN, NULL},
	    {"X-MediaBrowser-Token: " A_TOKEN, NULL},
	    {"Authorization: MediaBrowser Client=\"c\", Token=\"" A_TOKEN "\", Version=\"1\"",
	     NULL},
	    {"X-Emby-Authorization: Emby Token=" A_APIKEY ", Client=\"c\"", NULL},
	    {"X-Emby-Token: wrong-secret-token", NULL},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		mt_resp r = mt_req(m, "GET", path, forms[i], NULL);
		mt_free(&r);
	}
	char q[512];
	snprintf(q, sizeof q, "%s?Fields=ProviderIds&api_key=%s&X-Emby-Token=%s", path, A_TOKEN,
		 A_TOKEN);
	mt_resp r = mt_req(m, "GET", q, NULL, NULL);
	mt_free(&r);
	r = mt_req(m, "POST", "/Users/AuthenticateByName", NULL,
		   "{\"Username\": \"alice\", \"Pw\": \"alice-demo-password\"}");
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	char *s = mock_emby_journal_json(m);
	const char *secrets[] = {A_TOKEN, A_APIKEY, "wrong-secret-token", "alice-demo-password"};
	for (size_t i = 0; i < 4; i++)
		if (strstr(s, secrets[i]))
			fail_msg("the journal holds secret number %zu", i); /* never print it */
	assert_non_null(strstr(s, "<redacted>"));
	cJSON *j = cwp_json_parse_str(s);
	mock_emby_free(s);
	const char *auth[] = {"X-Emby-Token",         "X-MediaBrowser-Token", "Authorization",
			      "X-Emby-Authorization", "X-Emby-Token",         "api_key"};
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(field(cJSON_GetArrayItem(j, (int)i), "auth"), auth[i]);
	const cJSON *e2 = cJSON_GetArrayItem(j, 2);
	assert_string_equal(field(cJSON_GetObjectItemCaseSensitive(e2, "headers"), "Authorization"),
			    "MediaBrowser Client=\"c\", Token=\"<redacted>\", Version=\"1\"");
	assert_string_equal(field(cJSON_GetArrayItem(j, 5), "query"),
			    "Fields=ProviderIds&api_key=<redacted>&X-Emby-Token=<redacted>");
	assert_int_equal_dec(mt_num(cJSON_GetArrayItem(j, 4), "status"), 401);
	assert_true(
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 6), "auth")));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void journal_count_matches_method_and_pattern(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *gets[] = {
	    "/Users/" A_ALICE "/Items?Recursive=true", "/emby/Users/" A_ALICE "/Items",
	    "/Users/" A_ALICE "/Items/" A_INCEPTION, "/Sessions", "/System/Info/Public"};
	for (size_t i = 0; i < 5; i++) {
		mt_resp r = mt_get(m, gets[i], A_TOKEN);
		mt_free(&r);
	}
	mt_resp r = mt_post(m, "/Users/" A_ALICE "/Items/" A_INCEPTION "/UserData", A_TOKEN,
			    "{\"PlaybackPositionTicks\": 5}");
	mt_free(&r);
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*/Items"), 2);
	assert_int_equal_dec(mock_emby_count(m, "get", "/users/*/items"), 2);
	assert_int_equal_dec(mock_emby_count(m, NULL, "/Users/*/Items/*"), 1);
	assert_int_equal_dec(mock_emby_count(m, "POST", "/Users/*/Items/*/UserData"), 1);
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*/Items/*/UserData"), 0);
	assert_int_equal_dec(mock_emby_count(m, NULL, "/Sessions"), 1);
	assert_int_equal_dec(mock_emby_count(m, NULL, NULL), 6);
	mock_emby_journal_clear(m);
	assert_int_equal_dec(mock_emby_count(m, NULL, NULL), 0);
	char *s = mock_emby_journal_json(m);
	assert_string_equal(s, "[]");
	mock_emby_free(s);
	mock_emby_stop(m);
}

static void control_api_needs_the_admin_token(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	assert_string_equal(mock_emby_admin_token(m), A_ADMIN);
	mt_resp r = mt_req(m, "GET", "/__mock/journal", NULL, NULL);
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_get(m, "/__mock/journal", A_TOKEN); /* an Emby token is not enough */
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_get(m, "/__mock/journal", A_ADMIN);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	r = mt_req(m, "GET", "/__mock/journal?api_key=" A_ADMIN, NULL, NULL);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	const char *h[] = {"Authorization: Emby Token=\"" A_ADMIN "\"", NULL};
	r = mt_req(m, "GET", "/__mock/journal", h, NULL);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);

	/* a configured admin token wins over the fixture's */
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture("demo-a");
	o.admin_token = "test-admin-not-secret";
	m = mt_start_opts(&o);
	assert_string_equal(mock_emby_admin_token(m), "test-admin-not-secret");
	r = mt_get(m, "/__mock/journal", A_ADMIN);
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_get(m, "/__mock/journal", "test-admin-not-secret");
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);
}

static void control_api_journal_count_and_clear(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Users/" A_ALICE "/Items?Recursive=true&Limit=1", A_TOKEN);
	mt_free(&r);
	r = mt_get(m, "/__mock/journal", A_ADMIN);
	char *s = mock_emby_journal_json(m);
	assert_string_equal(r.body, s);
	mock_emby_free(s);
	mt_free(&r);
	r = mt_get(m, "/__mock/count?method=GET&route=/Users/*/Items", A_ADMIN);
	assert_string_equal(r.body, "{\"count\":1}");
	mt_free(&r);
	r = mt_get(m, "/__mock/count", A_ADMIN);
	assert_string_equal(r.body, "{\"count\":1}");
	mt_free(&r);
	const char *h[] = {ADMIN_H, NULL};
	r = mt_req(m, "DELETE", "/__mock/journal", h, NULL);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	assert_int_equal_dec(mock_emby_count(m, NULL, NULL), 0);
	mock_emby_stop(m);
}

static void control_api_reads_and_sets_user_data(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/__mock/userdata/" A_ALICE, A_ADMIN);
	char *s = mock_emby_userdata_json(m, A_ALICE);
	assert_int_equal_dec(r.status, 200);
	assert_string_equal(r.body, s);
	mock_emby_free(s);
	mt_free(&r);
	const char *h[] = {ADMIN_H, NULL};
	r = mt_req(m, "PUT", "/__mock/userdata/" A_ALICE "/" A_TOY_STORY, h,
		   "{\"PlaybackPositionTicks\": 900000000, \"LastPlayedDate\": "
		   "\"2024-05-01T10:00:00.0000000Z\"}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/" A_TOY_STORY, A_TOKEN);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_num(mt_userdata(j), "PlaybackPositionTicks"), 900000000LL);
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_req(m, "PUT", "/__mock/userdata/" A_ALICE "/" A_TOY_STORY, h, "{\"Played\": 3}");
	assert_int_equal_dec(r.status, 400);
	assert_non_null(strstr(r.body, "$.Played"));
	mt_free(&r);
	r = mt_req(m, "PUT", "/__mock/userdata/ffffffffffffffffffffffffffffffff/" A_TOY_STORY, h,
		   "{}");
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	r = mt_get(m, "/__mock/userdata", A_ADMIN);
	j = mt_json(&r);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, A_ALICE));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, A_BOB));
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void control_api_adds_lists_and_clears_faults(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *h[] = {ADMIN_H, NULL};
	mt_resp r = mt_req(m, "POST", "/__mock/faults", h,
			   "{\"route\": \"/Sessions\", \"kind\": \"status\", \"status\": 503}");
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	r = mt_get(m, "/Sessions", A_TOKEN);
	assert_int_equal_dec(r.status, 503);
	mt_free(&r);
	r = mt_get(m, "/__mock/faults", A_ADMIN);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(cJSON_GetArraySize(j), 1);
	assert_int_equal_dec(mt_num(cJSON_GetArrayItem(j, 0), "fired"), 1);
	assert_int_equal_dec(mt_num(cJSON_GetArrayItem(j, 0), "seen"), 1);
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_req(m, "POST", "/__mock/faults", h, "{\"kind\": \"explode\"}");
	assert_int_equal_dec(r.status, 400);
	assert_non_null(strstr(r.body, "$.kind"));
	mt_free(&r);
	r = mt_req(m, "DELETE", "/__mock/faults", h, NULL);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	r = mt_get(m, "/Sessions", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);
}

static void control_api_playing_and_reset(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *h[] = {ADMIN_H, NULL};
	mt_resp r = mt_req(m, "POST", "/__mock/playing/" A_ALICE "/" A_INCEPTION, h, NULL);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	r = mt_get(m, "/Sessions", A_TOKEN);
	assert_non_null(strstr(r.body, "\"UserId\":\"" A_ALICE "\""));
	mt_free(&r);
	r = mt_req(m, "DELETE", "/__mock/playing/" A_ALICE, h, NULL);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	r = mt_get(m, "/Sessions", A_TOKEN);
	assert_null(strstr(r.body, "\"UserId\":\"" A_ALICE "\""));
	mt_free(&r);
	r = mt_req(m, "POST", "/__mock/playing/" A_ALICE "/999999", h, NULL);
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);

	char *before = mock_emby_userdata_json(m, A_ALICE);
	r = mt_post(m, "/Users/" A_ALICE "/Items/" A_INCEPTION "/UserData", A_TOKEN,
		    "{\"PlaybackPositionTicks\": 1}");
	mt_free(&r);
	r = mt_req(m, "POST", "/__mock/reset", h, NULL);
	assert_int_equal_dec(r.status, 204);
	mt_free(&r);
	char *after = mock_emby_userdata_json(m, A_ALICE);
	assert_string_equal(before, after);
	mock_emby_free(before);
	mock_emby_free(after);
	r = mt_get(m, "/__mock/nothing-here", A_ADMIN);
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(journal_records_every_request_in_order),
    cmocka_unit_test(journal_redacts_every_token_and_password),
    cmocka_unit_test(journal_count_matches_method_and_pattern),
    cmocka_unit_test(control_api_needs_the_admin_token),
    cmocka_unit_test(control_api_journal_count_and_clear),
    cmocka_unit_test(control_api_reads_and_sets_user_data),
    cmocka_unit_test(control_api_adds_lists_and_clears_faults),
    cmocka_unit_test(control_api_playing_and_reset),
};

CWP_TEST_MAIN(tests)
