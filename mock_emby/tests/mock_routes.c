/* Every route of EMBY_API.md as a client sees it: both prefixes, every token
 * form, 401/404 answers, system and user routes, single items, episodes,
 * resume, latest, sessions, views, TLS. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNAUTHORIZED "Access token is invalid or expired."

static bool has_header(const mt_resp *r, const char *needle)
{
	/* case-insensitive search in the raw header block */
	size_t n = strlen(needle);
	for (const char *p = r->headers; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static void routes_system_info_public_needs_no_token(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/System/Info/Public", NULL);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "ServerName")->valuestring,
			    "Living Room Emby");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "Id")->valuestring, A_SERVER_ID);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "Version")->valuestring,
			    "4.8.11.0");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "LocalAddress")->valuestring,
			    mock_emby_url(m));
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_system_info_needs_a_token(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/System/Info", NULL);
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_get(m, "/System/Info", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "OperatingSystem")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "HasPendingRestart")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "Id")->valuestring, A_SERVER_ID);
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/System/Ping", NULL);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_answer_under_both_prefixes(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp a = mt_get(m, "/Users/" A_ALICE "/Items/" A_INCEPTION, A_TOKEN);
	mt_resp b = mt_get(m, "/emby/Users/" A_ALICE "/Items/" A_INCEPTION, A_TOKEN);
	mt_resp c = mt_get(m, "/Emby/users/" A_ALICE "/items/" A_INCEPTION, A_TOKEN);
	assert_int_equal_dec(a.status, 200);
	assert_int_equal_dec(b.status, 200);
	assert_int_equal_dec(c.status, 200);
	assert_string_equal(a.body, b.body);
	assert_string_equal(a.body, c.body);
	/* the journal counts routes without the prefix */
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Users/*/Items/*"), 3);
	mt_free(&a);
	mt_free(&b);
	mt_free(&c);
	a = mt_get(m, "/emby/System/Info/Public", NULL);
	assert_int_equal_dec(a.status, 200);
	mt_free(&a);
	mock_emby_stop(m);
}

static void routes_accept_every_token_form(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *path = "/Users/" A_ALICE "/Items/" A_INCEPTION;
	const char *forms[][2] = {
	    {"X-Emby-Token: " A_TOKEN, NULL},
	    {"X-MediaBrowser-Token: " A_TOKEN, NULL},
	    {"x-emby-token: " A_TOKEN, NULL},
	    {"Authorization: Emby UserId=\"" A_ALICE "\", Client=\"t\", Token=\"" A_TOKEN "\"",
	     NULL},
	    {"Authorization: MediaBrowser Client=\"cwprogress\", Device=\"host\", DeviceId=\"x\", "
	     "Version=\"0.1.0\", Token=\"" A_TOKEN "\"",
	     NULL},
	    {"X-Emby-Authorization: MediaBrowser Client=\"cwprogress\", Token=\"" A_TOKEN "\"",
	     NULL},
	    {"X-Emby-Authorization: Emby Token=\"" A_APIKEY "\", Client=\"x\"", NULL},
	    {"X-Emby-Token: " A_BOB_TOKEN, NULL},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		mt_resp r = mt_req(m, "GET", path, forms[i], NULL);
		if (r.status != 200)
			fail_msg("token form %zu: status %ld", i,
				 r.status); /* no token in output */
		mt_free(&r);
	}
	const char *queries[] = {"?api_key=" A_TOKEN, "?API_KEY=" A_APIKEY,
				 "?Fields=ProviderIds&api_key=" A_TOKEN};
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s%s", path, queries[i]);
		mt_resp r = mt_req(m, "GET", p, NULL, NULL);
		if (r.status != 200)
			fail_msg("query form %zu: status %ld", i, r.status);
		mt_free(&r);
	}
	mock_emby_stop(m);
}

static void routes_missing_or_wrong_token_is_401_plain_text(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *path = "/Users/" A_ALICE "/Items?Recursive=true";
	const char *forms[][2] = {
	    {NULL, NULL},
	    {"X-Emby-Token: wrong", NULL},
	    {"X-Emby-Token: " B_TOKEN, NULL}, /* another server's token */
	    {"Authorization: Bearer Token=\"" A_TOKEN "\"", NULL},
	    {"Authorization: MediaBrowser Client=\"x\", Token=\"nope\"", NULL},
	    {"X-Emby-Token: " A_ADMIN, NULL}, /* the admin token is not an Emby token */
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		mt_resp r = mt_req(m, "GET", path, forms[i][0] ? forms[i] : NULL, NULL);
		if (r.status != 401)
			fail_msg("form %zu: status %ld", i, r.status);
		assert_string_equal(r.body, UNAUTHORIZED);
		assert_true(has_header(&r, "Content-Type: text/plain"));
		mt_free(&r);
	}
	mt_resp r = mt_req(m, "GET", "/Users/" A_ALICE "/Items?api_key=wrong", NULL, NULL);
	assert_int_equal_dec(r.status, 401);
	assert_string_equal(r.body, UNAUTHORIZED);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_authenticate_by_name_returns_user_and_token(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *h[] = {
	    "X-Emby-Authorization: MediaBrowser Client=\"cwprogress\", Device=\"box\", "
	    "DeviceId=\"dev-1\", Version=\"0.1.0\"",
	    NULL};
	mt_resp r = mt_req(m, "POST", "/Users/AuthenticateByName", h,
			   "{\"Username\": \"Alice\", \"Pw\": \"alice-demo-password\"}");
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(j, "User");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(user, "Id")->valuestring, A_ALICE);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "AccessToken")->valuestring,
			    A_TOKEN);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "ServerId")->valuestring,
			    A_SERVER_ID);
	const cJSON *si = cJSON_GetObjectItemCaseSensitive(j, "SessionInfo");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(si, "Client")->valuestring,
			    "cwprogress");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(si, "DeviceId")->valuestring, "dev-1");
	cJSON_Delete(j);
	mt_free(&r);

	r = mt_req(m, "POST", "/emby/Users/AuthenticateByName", h,
		   "{\"Username\": \"alice\", \"Pw\": \"wrong\"}");
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_req(m, "POST", "/Users/AuthenticateByName", h,
		   "{\"Username\": \"nobody\", \"Pw\": \"\"}");
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	r = mt_req(m, "POST", "/Users/AuthenticateByName", h, "{\"Pw\": \"x\"}");
	assert_int_equal_dec(r.status, 400);
	mt_free(&r);
	/* bob has an empty password */
	r = mt_req(m, "POST", "/Users/AuthenticateByName", h,
		   "{\"Username\": \"bob\", \"Pw\": \"\"}");
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_user_by_id_accepts_guid_forms(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *ok[] = {"/Users/" A_ALICE, "/Users/0A1B2C3D4E5F40718293A4B5C6D7E8F9",
			    "/Users/0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9"};
	for (size_t i = 0; i < 3; i++) {
		mt_resp r = mt_get(m, ok[i], A_TOKEN);
		assert_int_equal_dec(r.status, 200);
		cJSON *j = mt_json(&r);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "Name")->valuestring,
				    "alice");
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "Id")->valuestring,
				    A_ALICE);
		cJSON_Delete(j);
		mt_free(&r);
	}
	mt_resp r = mt_get(m, "/Users/ffffffffffffffffffffffffffffffff", A_TOKEN);
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	r = mt_get(m, "/Users/not-a-guid/Items?Recursive=true", A_TOKEN);
	assert_int_equal_dec(r.status, 500);
	assert_string_equal(r.body, "Unrecognized Guid format.");
	mt_free(&r);
	r = mt_get(m, "/Users", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_item_by_id_and_unknown_item_is_404(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Users/" A_ALICE "/Items/" A_MATRIX_1080, A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_string_equal(mt_item_id(j), A_MATRIX_1080);
	const cJSON *ud = mt_userdata(j);
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 30000000000LL);
	/* a single item carries the whole UserData */
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ud, "PlayCount")));
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/999999999", A_TOKEN);
	assert_int_equal_dec(r.status, 404);
	assert_true(has_header(&r, "Content-Type: text/plain"));
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/" A_INCEPTION "/UserData", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	j = mt_json(&r);
	assert_int_equal_dec(mt_num(j, "PlaybackPositionTicks"), 27000000000LL);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_show_episodes_include_specials_in_order(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(
	    m, "/Shows/" A_BREAKING_BAD "/Episodes?UserId=" A_ALICE "&Fields=ProviderIds", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 9);
	assert_int_equal_dec(mt_count_items(j), 9);
	long prev = -1;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "Items"))
	{
		long key =
		    (long)(mt_num(it, "ParentIndexNumber") * 100 + mt_num(it, "IndexNumber"));
		assert_true(key > prev);
		prev = key;
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "SeriesId")->valuestring,
				    A_BREAKING_BAD);
		assert_non_null(mt_userdata(it));
	}
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 0);
	assert_int_equal_dec(mt_num(first, "ParentIndexNumber"), 0);
	cJSON_Delete(j);
	mt_free(&r);

	r = mt_get(m, "/Shows/" A_BREAKING_BAD "/Episodes?Season=0", A_TOKEN);
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 2);
	/* without UserId there is no user data */
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 0);
	assert_null(mt_userdata(first));
	cJSON_Delete(j);
	mt_free(&r);

	r = mt_get(m, "/emby/Shows/" A_BREAKING_BAD "/Episodes?StartIndex=8&Limit=5", A_TOKEN);
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 9);
	assert_int_equal_dec(mt_count_items(j), 1);
	cJSON_Delete(j);
	mt_free(&r);

	r = mt_get(m, "/Shows/" A_INCEPTION "/Episodes", A_TOKEN);
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_resume_lists_next_up_at_zero_newest_first(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r =
	    mt_get(m, "/Users/" A_ALICE "/Items/Resume?Fields=UserDataLastPlayedDate", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	/* the next-up episode at position 0 is listed, as Emby's Resume view does */
	assert_true(mt_has_item(j, A_BB_S02E02));
	/* played, position 0: not listed */
	assert_false(mt_has_item(j, A_FIGHT_CLUB));
	const char *prev = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "Items"))
	{
		const cJSON *d =
		    cJSON_GetObjectItemCaseSensitive(mt_userdata(it), "LastPlayedDate");
		if (!cJSON_IsString(d))
			continue;
		if (prev)
			assert_true(strcmp(prev, d->valuestring) >= 0);
		prev = d->valuestring;
	}
	assert_int_equal_dec(mt_total(j), mt_count_items(j));
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_latest_is_a_bare_array(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Users/" A_ALICE "/Items/Latest?Limit=5", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_true(cJSON_IsArray(j));
	assert_int_equal_dec(cJSON_GetArraySize(j), 5);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static const cJSON *session_of(const cJSON *arr, const char *uid)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, arr)
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(s, "UserId");
		if (cJSON_IsString(u) && strcmp(u->valuestring, uid) == 0 &&
		    cJSON_GetObjectItemCaseSensitive(s, "NowPlayingItem"))
			return s;
	}
	return NULL;
}

static void routes_sessions_show_fixture_and_playing_items(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Sessions", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	cJSON *j = mt_json(&r);
	assert_true(cJSON_IsArray(j));
	assert_int_equal_dec(cJSON_GetArraySize(j), 2); /* bob's idle phone, a DLNA device */
	assert_null(session_of(j, A_ALICE));
	cJSON_Delete(j);
	mt_free(&r);

	assert_int_equal(mock_emby_set_playing(m, A_ALICE, A_INCEPTION), 0);
	r = mt_get(m, "/emby/Sessions", A_TOKEN);
	j = mt_json(&r);
	const cJSON *s = session_of(j, A_ALICE);
	assert_non_null(s);
	const cJSON *npi = cJSON_GetObjectItemCaseSensitive(s, "NowPlayingItem");
	assert_string_equal(mt_item_id(npi), A_INCEPTION);
	assert_int_equal_dec(
	    mt_num(cJSON_GetObjectItemCaseSensitive(s, "PlayState"), "PositionTicks"),
	    27000000000LL);
	cJSON_Delete(j);
	mt_free(&r);

	assert_int_equal(mock_emby_set_playing(m, A_ALICE, NULL), 0);
	r = mt_get(m, "/Sessions", A_TOKEN);
	j = mt_json(&r);
	assert_null(session_of(j, A_ALICE));
	cJSON_Delete(j);
	mt_free(&r);
	assert_int_not_equal(mock_emby_set_playing(m, A_ALICE, "999999999"), 0);
	assert_int_not_equal(mock_emby_set_playing(m, "ffffffffffffffffffffffffffffffff", NULL), 0);
	mock_emby_stop(m);
}

static void routes_views_and_virtual_folders_list_libraries(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Users/" A_ALICE "/Views", A_TOKEN);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 3);
	assert_true(mt_has_item(j, "3"));
	assert_true(mt_has_item(j, "5"));
	assert_true(mt_has_item(j, "7"));
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/Library/VirtualFolders", A_TOKEN);
	j = mt_json(&r);
	assert_int_equal_dec(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	mt_free(&r);
	/* Items without Recursive and without ParentId: the views */
	r = mt_get(m, "/Users/" A_ALICE "/Items", A_TOKEN);
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 3);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_unknown_routes_are_404(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *paths[] = {"/Nope", "/emby/Nope/Deeper",
			       "/Users/" A_ALICE "/Items/" A_INCEPTION "/Bogus",
			       "/Users/" A_ALICE "/Something"};
	for (size_t i = 0; i < 4; i++) {
		mt_resp r = mt_get(m, paths[i], A_TOKEN);
		if (r.status != 404)
			fail_msg("%s: status %ld", paths[i], r.status);
		mt_free(&r);
	}
	const char *h[] = {"X-Emby-Token: " A_TOKEN, NULL};
	mt_resp r = mt_req(m, "PUT", "/Users/" A_ALICE "/Items", h, "{}");
	assert_int_equal_dec(r.status, 404);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_items_route_takes_user_id_parameter(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	mt_resp r = mt_get(m, "/Items?Ids=" A_INCEPTION "&UserId=" A_ALICE, A_TOKEN);
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_count_items(j), 1);
	const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 0);
	assert_int_equal_dec(mt_num(mt_userdata(it), "PlaybackPositionTicks"), 27000000000LL);
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/emby/Items?Ids=" A_INCEPTION, A_TOKEN);
	j = mt_json(&r);
	it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 0);
	assert_null(mt_userdata(it));
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void routes_tls_serves_https_with_the_certificate(void **state)
{
	(void)state;
	char cert[4096];
	const char *src = getenv("CWP_SOURCE_DIR");
	snprintf(cert, sizeof cert, "%s/mock_emby/tests/data/localhost.pem",
		 src && *src ? src : CWP_SOURCE_DIR);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture("demo-a");
	o.tls_cert = cert;
	mock_emby *m = mt_start_opts(&o);
	assert_memory_equal(mock_emby_url(m), "https://127.0.0.1:", 18);

	/* verified against the test certificate itself: real TLS */
	char url[256];
	snprintf(url, sizeof url, "%s/System/Info/Public", mock_emby_url(m));
	curl_global_init(CURL_GLOBAL_ALL);
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cert);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	if (rc != CURLE_OK)
		fail_msg("https request failed: %s", curl_easy_strerror(rc));
	assert_int_equal_dec(status, 200);

	mt_resp r = mt_get(m, "/Users/" A_ALICE "/Items/" A_INCEPTION, A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	mt_free(&r);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(routes_system_info_public_needs_no_token),
    cmocka_unit_test(routes_system_info_needs_a_token),
    cmocka_unit_test(routes_answer_under_both_prefixes),
    cmocka_unit_test(routes_accept_every_token_form),
    cmocka_unit_test(routes_missing_or_wrong_token_is_401_plain_text),
    cmocka_unit_test(routes_authenticate_by_name_returns_user_and_token),
    cmocka_unit_test(routes_user_by_id_accepts_guid_forms),
    cmocka_unit_test(routes_item_by_id_and_unknown_item_is_404),
    cmocka_unit_test(routes_show_episodes_include_specials_in_order),
    cmocka_unit_test(routes_resume_lists_next_up_at_zero_newest_first),
    cmocka_unit_test(routes_latest_is_a_bare_array),
    cmocka_unit_test(routes_sessions_show_fixture_and_playing_items),
    cmocka_unit_test(routes_views_and_virtual_folders_list_libraries),
    cmocka_unit_test(routes_unknown_routes_are_404),
    cmocka_unit_test(routes_items_route_takes_user_id_parameter),
    cmocka_unit_test(routes_tls_serves_https_with_the_certificate),
};

CWP_TEST_MAIN(tests)
