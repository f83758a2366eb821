/* The mock as strict as a real Emby (issue 15, docs/FIXTURES.md "Where the
 * mock follows real servers"): Fields gating of item members, PlayCount
 * always present, 4.7 vs 4.8+ UserData, PlayedPercentage computed at load
 * and printed as the shortest round-trip double, realistic sessions, marks
 * that do not count as plays, MediaSources with Id and Path. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS     "/Users/" A_ALICE "/Items"
#define OLD_ALICE "7a6b5c4d3e2f41a0b9c8d7e6f5a4b3c2"
#define OLD_TOKEN "emby47-token-not-secret"

static cJSON *get_json(mock_emby *m, const char *path, const char *token)
{
	mt_resp r = mt_get(m, path, token);
	if (r.status != 200)
		fail_msg("%s: status %ld: %s", path, r.status, r.body);
	cJSON *j = mt_json(&r);
	mt_free(&r);
	return j;
}

static const cJSON *first_item(const cJSON *env)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(env, "Items"), 0);
}

static bool has(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k) != NULL;
}

static void strict_fields_gate_item_members(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	static const char *const gated[] = {"ProviderIds", "ProductionYear", "DateCreated",
					    "PremiereDate", "PrimaryImageAspectRatio"};
	static const char *const always[] = {"Name",      "ServerId", "Id",        "RunTimeTicks",
					     "IsFolder",  "Type",     "MediaType", "ImageTags",
					     "Container", "UserData"};
	cJSON *j = get_json(m, ITEMS "?Ids=" A_MATRIX_1080, A_TOKEN);
	const cJSON *it = first_item(j);
	for (size_t i = 0; i < sizeof gated / sizeof gated[0]; i++)
		if (has(it, gated[i]))
			fail_msg("%s served without Fields asking for it", gated[i]);
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
		if (!has(it, always[i]))
			fail_msg("%s missing: Emby always sends it", always[i]);
	cJSON_Delete(j);
	/* each one when named, names case-insensitive */
	j = get_json(m, ITEMS "?Ids=" A_MATRIX_1080 "&Fields=providerids,ProductionYear", A_TOKEN);
	it = first_item(j);
	assert_true(has(it, "ProviderIds") && has(it, "ProductionYear"));
	assert_false(has(it, "DateCreated") || has(it, "PremiereDate"));
	cJSON_Delete(j);
	/* a single-item GET answers every member, as Emby's does */
	j = get_json(m, ITEMS "/" A_MATRIX_1080, A_TOKEN);
	for (size_t i = 0; i < sizeof gated / sizeof gated[0]; i++)
		assert_true(has(j, gated[i]));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

/* A lookup that forgets ProviderIds in Fields gets rows without them: a
 * client that maps results back by ProviderIds finds nothing. */
static void strict_lookup_without_provider_ids_field_has_no_ids(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j =
	    get_json(m,
		     ITEMS "?Recursive=true&IncludeItemTypes=Movie&AnyProviderIdEquals=tmdb.603"
			   "&Fields=RunTimeTicks,UserDataLastPlayedDate",
		     A_TOKEN);
	assert_int_equal_dec(mt_total(j), 2);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "Items"))
	    assert_false(has(it, "ProviderIds"));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void strict_play_count_always_present(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	/* Fight Club: played once. 4.8+: PlayCount 0 unless asked */
	cJSON *j = get_json(m, ITEMS "?Ids=" A_FIGHT_CLUB, A_TOKEN);
	const cJSON *ud = mt_userdata(first_item(j));
	assert_true(has(ud, "PlayCount"));
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 0);
	assert_false(has(ud, "LastPlayedDate"));
	cJSON_Delete(j);
	j = get_json(m, ITEMS "?Ids=" A_FIGHT_CLUB "&Fields=UserDataPlayCount", A_TOKEN);
	assert_int_equal_dec(mt_num(mt_userdata(first_item(j)), "PlayCount"), 1);
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void strict_emby_4_7_sends_user_data_unasked(void **state)
{
	(void)state;
	mock_emby *m = mt_start("emby-4.7");
	cJSON *j = get_json(m, "/Users/" OLD_ALICE "/Items?Ids=5003", OLD_TOKEN);
	const cJSON *ud = mt_userdata(first_item(j));
	assert_int_equal_dec(mt_num(ud, "PlayCount"), 4);
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate")));
	cJSON_Delete(j);
	mt_resp r = mt_get(m, "/System/Info/Public", NULL);
	assert_non_null(strstr(r.body, "\"Version\":\"4.7.14.0\""));
	mt_free(&r);
	mock_emby_stop(m);
}

static void strict_played_percentage_computed_at_load_shortest(void **state)
{
	(void)state;
	/* The 4.7 fixture's Matrix has a position and no PlayedPercentage:
	 * 30000000000 / 81770000000 = 36.68827198238963 (shortest form). */
	mock_emby *m = mt_start("emby-4.7");
	mt_resp r = mt_get(m, "/Users/" OLD_ALICE "/Items?Ids=5001,5003", OLD_TOKEN);
	assert_int_equal_dec(r.status, 200);
	if (!strstr(r.body, "\"PlaybackPositionTicks\":30000000000,"
			    "\"PlayedPercentage\":36.68827198238963,"))
		fail_msg("no shortest PlayedPercentage after the position: %s", r.body);
	cJSON *j = mt_json(&r);
	/* no position, no percentage */
	const cJSON *fc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Items"), 1);
	assert_false(has(mt_userdata(fc), "PlayedPercentage"));
	cJSON_Delete(j);
	mt_free(&r);
	/* the same printing in /Sessions */
	assert_int_equal(mock_emby_set_playing(m, OLD_ALICE, "5001"), 0);
	r = mt_get(m, "/Sessions", OLD_TOKEN);
	assert_non_null(strstr(r.body, "\"PositionTicks\":30000000000"));
	mt_free(&r);
	mock_emby_stop(m);
	/* demo-a's Spider-Man: the EMBY_API example, 17 digits never */
	m = mt_start("demo-a");
	r = mt_get(m, ITEMS "?Ids=" A_SPIDERMAN "," A_MATRIX_1080, A_TOKEN);
	assert_non_null(strstr(r.body, "\"PlayedPercentage\":68.64153992274396,"));
	assert_non_null(strstr(r.body, "\"PlayedPercentage\":36.68827198238963,"));
	assert_null(strstr(r.body, "36.688271982389629"));
	mt_free(&r);
	mock_emby_stop(m);
}

static bool hex32(const char *s)
{
	if (!s || strlen(s) != 32)
		return false;
	return strspn(s, "0123456789abcdef") == 32;
}

static void strict_sessions_look_real(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	assert_int_equal(mock_emby_set_playing(m, A_ALICE, A_INCEPTION), 0);
	cJSON *j = get_json(m, "/Sessions", A_TOKEN);
	int playing = 0, without_user = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, j)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "Id");
		assert_true(hex32(cJSON_IsString(id) ? id->valuestring : NULL));
		assert_true(has(s, "LastActivityDate") && has(s, "RemoteEndPoint"));
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(s, "PlayState");
		assert_true(has(ps, "CanSeek") && has(ps, "IsPaused") && has(ps, "IsMuted"));
		without_user += !has(s, "UserId");
		if (has(s, "NowPlayingItem")) {
			playing++;
			assert_true(has(ps, "PositionTicks"));
		}
	}
	assert_int_equal_dec(playing, 1);
	assert_true(without_user >= 1); /* e.g. a DLNA device */
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void strict_media_sources_have_id_and_path(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = get_json(m, ITEMS "?Ids=" A_MATRIX_1080 "," A_MATRIX_4K "&Fields=MediaSources",
			    A_TOKEN);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "Items"))
	{
		const cJSON *ms =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "MediaSources"), 0);
		assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ms, "Id")));
		assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ms, "Path")));
	}
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void strict_next_up_at_zero_is_not_in_is_resumable_without_a_pin(void **state)
{
	(void)state;
	mock_emby *m = mt_start("emby-4.7");
	cJSON *j =
	    get_json(m,
		     "/Users/" OLD_ALICE "/Items?Recursive=true&IncludeItemTypes=Movie,Episode"
		     "&Filters=IsResumable",
		     OLD_TOKEN);
	/* Matrix, Inception (a rewatch: played with a position), S01E02, and
	 * S01E03 pinned as a next-up at 0 */
	assert_int_equal_dec(mt_total(j), 4);
	assert_true(mt_has_item(j, "5002") && mt_has_item(j, "5103"));
	assert_false(mt_has_item(j, "5003"));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(strict_fields_gate_item_members),
    cmocka_unit_test(strict_lookup_without_provider_ids_field_has_no_ids),
    cmocka_unit_test(strict_play_count_always_present),
    cmocka_unit_test(strict_emby_4_7_sends_user_data_unasked),
    cmocka_unit_test(strict_played_percentage_computed_at_load_shortest),
    cmocka_unit_test(strict_sessions_look_real),
    cmocka_unit_test(strict_media_sources_have_id_and_path),
    cmocka_unit_test(strict_next_up_at_zero_is_not_in_is_resumable_without_a_pin),
};

CWP_TEST_MAIN(tests)
