/* Pure decoders (emby/decode.h) on buffers: READ-02, READ-05 (bad pages),
 * UNIT-03 (invalid is absent, never 0), KEY-01 (provider names any case). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "emby/decode.h"

static cJSON *parse(const char *s)
{
	cJSON *j = cwp_json_parse_str(s);
	assert_non_null(j);
	return j;
}

static void decode_page_envelope_counts_items_and_total(void **state)
{
	(void)state;
	const char *s = "{\"Items\":[{\"Id\":\"1\"},{\"Id\":\"2\"}],\"TotalRecordCount\":7}";
	emby_page p;
	assert_int_equal(emby_decode_page(&p, s, strlen(s)), CWP_OK);
	assert_int_equal_dec(p.count, 2);
	assert_int_equal_dec(p.total, 7);
	emby_page_free(&p);

	s = "{\"Items\":[]}";
	assert_int_equal(emby_decode_page(&p, s, strlen(s)), CWP_OK);
	assert_int_equal_dec(p.count, 0);
	assert_int_equal_dec(p.total, -1);
	emby_page_free(&p);
}

static void decode_page_broken_answers_are_errors(void **state)
{
	(void)state;
	const char *bad[] = {
	    "",
	    "not json",
	    "{\"Items\":[{\"Id\":\"1\"},{\"Id\":",   /* truncated */
	    "[]",                                    /* not the envelope */
	    "{\"TotalRecordCount\":1}",              /* no Items */
	    "{\"Items\":{},\"TotalRecordCount\":1}", /* Items not an array */
	    "{\"Items\":[],\"TotalRecordCount\":\"3\"}",
	    "{\"Items\":[],\"TotalRecordCount\":-1}",
	    "{\"Items\":[],\"TotalRecordCount\":1.5}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		emby_page p;
		int rc = emby_decode_page(&p, bad[i], strlen(bad[i]));
		if (rc != CWP_EDECODE)
			fail_msg("case %zu (%s): rc %d, expected CWP_EDECODE", i, bad[i], rc);
		assert_null(p.root);
		assert_true(cwp_error_last()[0] != '\0');
		emby_page_free(&p);
	}
}

static void decode_item_movie_read02_fields(void **state)
{
	(void)state;
	cJSON *j =
	    parse("{\"Name\":\"Spider-Man: No Way Home\",\"Id\":\"242837\",\"Type\":\"Movie\","
		  "\"RunTimeTicks\":88899200000,\"ProductionYear\":2021,"
		  "\"DateLastSaved\":\"2030-01-01T00:00:00.0000000Z\","
		  "\"ProviderIds\":{\"Tmdb\":\"634649\",\"Imdb\":\"tt10872600\"},"
		  "\"UserData\":{\"PlaybackPositionTicks\":61021779859,"
		  "\"PlayedPercentage\":68.64153992274396,\"PlayCount\":3,"
		  "\"Played\":true,\"LastPlayedDate\":\"2022-06-22T15:57:25.0000000Z\"}}");
	emby_item *it = malloc(sizeof(*it));
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(emby_decode_item(it, j, NULL, 0, &w), CWP_OK);
	const cwp_record *r = &it->rec;
	assert_int_equal(r->type, CWP_TYPE_MOVIE);
	assert_string_equal(r->item_id, "242837");
	assert_string_equal(r->title, "Spider-Man: No Way Home");
	assert_true(r->has_year);
	assert_int_equal_dec(r->year, 2021);
	assert_true(r->has_progress_ms);
	assert_int_equal_dec(r->progress_ms, 6102177); /* floor(ticks / 10000) */
	assert_true(r->has_duration_ms);
	assert_int_equal_dec(r->duration_ms, 8889920);
	assert_true(r->has_progress_at);
	assert_int_equal_dec(r->progress_at, INT64_C(1655913445000));
	assert_true(r->has_played && r->played);
	assert_string_equal(r->ids[CWP_ID_TMDB], "634649");
	assert_string_equal(r->ids[CWP_ID_IMDB], "tt10872600");
	assert_null(r->ids[CWP_ID_TVDB]);
	assert_int_equal_dec(w.count, 0);
	char key[CWP_KEY_MAX];
	assert_int_equal(cwp_record_key(key, sizeof(key), r), CWP_OK);
	assert_string_equal(key, "tmdb:634649");
	free(it);
	cJSON_Delete(j);
}

static void decode_item_episode_season0_and_series_ids(void **state)
{
	(void)state;
	cJSON *j = parse("{\"Name\":\"Pilot special\",\"Id\":\"77\",\"Type\":\"Episode\","
			 "\"SeriesName\":\"The Office\",\"SeriesId\":\"70\","
			 "\"ParentIndexNumber\":0,\"IndexNumber\":3,"
			 "\"ProviderIds\":{\"tvdb\":\"123\"},"
			 "\"UserData\":{\"PlaybackPositionTicks\":\"6000000000\"}}");
	const char *show[CWP_ID_COUNT] = {0};
	show[CWP_ID_TVDB] = "73244";
	emby_item *it = malloc(sizeof(*it));
	assert_int_equal(emby_decode_item(it, j, show, 0, NULL), CWP_OK);
	const cwp_record *r = &it->rec;
	assert_int_equal(r->type, CWP_TYPE_EPISODE);
	assert_string_equal(r->title, "The Office"); /* the show's title */
	assert_string_equal(it->series_id, "70");
	assert_true(r->has_season && r->has_episode);
	assert_int_equal_dec(r->season, 0);
	assert_int_equal_dec(r->episode, 3);
	assert_int_equal_dec(r->progress_ms, 600000); /* string ticks (UNIT-02) */
	assert_false(r->has_duration_ms);
	assert_false(r->has_progress_at);
	assert_string_equal(r->show_ids[CWP_ID_TVDB], "73244");
	char key[CWP_KEY_MAX];
	assert_int_equal(cwp_record_key(key, sizeof(key), r), CWP_OK);
	assert_string_equal(key, "tvdb:73244#s00e03");
	free(it);
	cJSON_Delete(j);
}

static void decode_item_not_progress_rows_are_absent(void **state)
{
	(void)state;
	const char *rows[] = {
	    /* next-up episode at 0 (READ-02) */
	    "{\"Id\":\"1\",\"Type\":\"Episode\",\"UserData\":{\"PlaybackPositionTicks\":0}}",
	    /* not a Movie or Episode */
	    "{\"Id\":\"2\",\"Type\":\"Series\",\"UserData\":{\"PlaybackPositionTicks\":5}}",
	    "{\"Id\":\"3\",\"Type\":\"Audio\",\"UserData\":{\"PlaybackPositionTicks\":50000}}",
	    /* no position at all */
	    "{\"Id\":\"4\",\"Type\":\"Movie\",\"UserData\":{\"Played\":false}}",
	};
	emby_item *it = malloc(sizeof(*it));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cJSON *j = parse(rows[i]);
		cwp_warnings w = CWP_WARNINGS_INIT;
		int rc = emby_decode_item(it, j, NULL, 0, &w);
		if (rc != CWP_EABSENT)
			fail_msg("row %zu: rc %d, expected CWP_EABSENT", i, rc);
		assert_int_equal_dec(w.count, 0);
		cJSON_Delete(j);
	}
	/* With ANY_POSITION a zero row decodes, as an explicit 0. */
	cJSON *j = parse(rows[0]);
	assert_int_equal(emby_decode_item(it, j, NULL, EMBY_DECODE_ANY_POSITION, NULL), CWP_OK);
	assert_true(it->rec.has_progress_ms);
	assert_int_equal_dec(it->rec.progress_ms, 0);
	cJSON_Delete(j);
	free(it);
}

static void decode_item_bad_rows_dropped_with_warning(void **state)
{
	(void)state;
	const char *rows[] = {
	    "[1,2]",
	    "{\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":50000}}",
	    "{\"Id\":5,\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":50000}}",
	    "{\"Id\":\"6\",\"Type\":\"Movie\"}",
	    "{\"Id\":\"7\",\"Type\":\"Movie\",\"UserData\":[]}",
	    "{\"Id\":\"8\",\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":-10}}",
	    "{\"Id\":\"9\",\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":1.5}}",
	    "{\"Id\":\"10\",\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":\"12a\"}}",
	    "{\"Id\":\"11\",\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":true}}",
	};
	emby_item *it = malloc(sizeof(*it));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		cJSON *j = parse(rows[i]);
		cwp_warnings w = CWP_WARNINGS_INIT;
		int rc = emby_decode_item(it, j, NULL, 0, &w);
		if (rc != CWP_EINVAL)
			fail_msg("row %zu: rc %d, expected CWP_EINVAL", i, rc);
		if (w.count != 1)
			fail_msg("row %zu: %zu warnings, expected 1", i, w.count);
		cJSON_Delete(j);
	}
	free(it);
}

static void decode_item_invalid_optional_fields_absent_never_zero(void **state)
{
	(void)state;
	cJSON *j = parse("{\"Id\":\"12\",\"Type\":\"Movie\",\"Name\":\"X\",\"RunTimeTicks\":\"-5\","
			 "\"ProductionYear\":\"1999\",\"ProviderIds\":{\"Tmdb\":\"603\"},"
			 "\"UserData\":{\"PlaybackPositionTicks\":100000,"
			 "\"LastPlayedDate\":\"yesterday\",\"PlayedPercentage\":\"5\","
			 "\"Played\":\"no\"}}");
	emby_item *it = malloc(sizeof(*it));
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(emby_decode_item(it, j, NULL, 0, &w), CWP_OK);
	assert_false(it->rec.has_duration_ms);
	assert_false(it->rec.has_year);
	assert_false(it->rec.has_progress_at);
	assert_false(it->rec.has_progress_percent);
	assert_false(it->rec.has_played);
	assert_int_equal_dec(it->rec.progress_ms, 10);
	assert_int_equal_dec(w.count, 5);
	cJSON_Delete(j);

	/* RunTimeTicks 0 and null: no duration (UNIT-04), no warning. Emby's
	 * zero date: absent. */
	j = parse("{\"Id\":\"13\",\"Type\":\"Movie\",\"RunTimeTicks\":0,"
		  "\"UserData\":{\"PlaybackPositionTicks\":100000,"
		  "\"LastPlayedDate\":\"0001-01-01T00:00:00.0000000Z\"}}");
	w.count = 0;
	assert_int_equal(emby_decode_item(it, j, NULL, 0, &w), CWP_OK);
	assert_false(it->rec.has_duration_ms);
	assert_false(it->rec.has_progress_at);
	assert_int_equal_dec(w.count, 0);
	cJSON_Delete(j);
	free(it);
}

static void decode_provider_ids_mixed_case_names(void **state)
{
	(void)state;
	cJSON *j = parse("{\"ProviderIds\":{\"TMDB\":\" 0603 \",\"imdb\":\"0133093\","
			 "\"TvDb\":\"none\",\"Tvmaze\":\"1\",\"Tmdb\":\"999\","
			 "\"Trakt\":481}}");
	const char *ids[CWP_ID_COUNT];
	char buf[CWP_ID_COUNT][CWP_ID_MAX];
	assert_int_equal_dec(emby_decode_provider_ids(ids, buf, j), 3);
	assert_string_equal(ids[CWP_ID_TMDB], "603"); /* first value of a kind wins */
	assert_string_equal(ids[CWP_ID_IMDB], "tt0133093");
	assert_null(ids[CWP_ID_TVDB]); /* "none" is absent (KEY-01) */
	assert_string_equal(ids[CWP_ID_TRAKT], "481");
	cJSON_Delete(j);
}

static void decode_state_uses_only_userdata_last_played(void **state)
{
	(void)state;
	cJSON *j = parse("{\"Id\":\"5\",\"RunTimeTicks\":72000000000,"
			 "\"DateLastSaved\":\"2030-01-01T00:00:00Z\","
			 "\"DateCreated\":\"2030-01-01T00:00:00Z\","
			 "\"UserData\":{\"PlaybackPositionTicks\":36000000000,\"Played\":true}}");
	cwp_target_state st;
	assert_int_equal(emby_decode_state(&st, j, NULL), CWP_OK);
	assert_true(st.has_position);
	assert_int_equal_dec(st.position_ms, 3600000);
	assert_true(st.has_duration);
	assert_int_equal_dec(st.duration_ms, 7200000);
	assert_false(st.has_last_played); /* APPLY-02: metadata dates never count */
	assert_true(st.played);
	assert_false(st.playing);
	cJSON_Delete(j);

	j = parse("{\"PlaybackPositionTicks\":0,\"LastPlayedDate\":\"2024-03-01T20:15:00Z\"}");
	assert_int_equal(emby_decode_userdata(&st, j, NULL), CWP_OK);
	assert_true(st.has_position);
	assert_int_equal_dec(st.position_ms, 0);
	assert_true(st.has_last_played);
	cJSON_Delete(j);

	/* UNIT-04: RunTimeTicks under one ms is no duration, never 0. */
	j = parse("{\"Id\":\"5\",\"RunTimeTicks\":9999,\"UserData\":{}}");
	assert_int_equal(emby_decode_state(&st, j, NULL), CWP_OK);
	assert_false(st.has_duration);
	assert_false(st.has_position);
	cJSON_Delete(j);

	j = parse("{\"Id\":\"5\"}");
	assert_int_equal(emby_decode_state(&st, j, NULL), CWP_EINVAL);
	cJSON_Delete(j);
}

static void decode_index_page_merges_versions_keeps_item_ids(void **state)
{
	(void)state;
	/* Two versions of one movie (KEY-07 keeps the newer; APPLY-06 keeps
	 * both item ids), a next-up episode at 0, a bad row. */
	const char *s =
	    "{\"Items\":["
	    "{\"Id\":\"101\",\"Type\":\"Movie\",\"Name\":\"M\",\"ProviderIds\":{\"Tmdb\":\"603\"},"
	    "\"UserData\":{\"PlaybackPositionTicks\":600000000,"
	    "\"LastPlayedDate\":\"2024-01-01T00:00:00Z\"}},"
	    "{\"Id\":\"102\",\"Type\":\"Movie\",\"Name\":\"M\",\"ProviderIds\":{\"tmdb\":\"603\"},"
	    "\"UserData\":{\"PlaybackPositionTicks\":900000000,"
	    "\"LastPlayedDate\":\"2024-02-01T00:00:00Z\"}},"
	    "{\"Id\":\"103\",\"Type\":\"Episode\",\"UserData\":{\"PlaybackPositionTicks\":0}},"
	    "{\"Id\":\"104\",\"Type\":\"Movie\",\"UserData\":{\"PlaybackPositionTicks\":\"x\"}}"
	    "],\"TotalRecordCount\":4}";
	cwp_index *idx;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	size_t put = 0;
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(emby_decode_index_page(idx, s, strlen(s), &put, &w), CWP_OK);
	assert_int_equal_dec(put, 2);
	assert_int_equal_dec(w.count, 1);
	assert_int_equal_dec(cwp_index_size(idx), 1);
	const cwp_record *r = cwp_index_get(idx, "tmdb:603");
	assert_non_null(r);
	assert_int_equal_dec(r->progress_ms, 90000);
	const char *const *ids;
	assert_int_equal_dec(cwp_index_item_ids(idx, "tmdb:603", &ids), 2);
	assert_string_equal(ids[0], "101");
	assert_string_equal(ids[1], "102");
	cwp_index_free(idx);

	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	assert_int_equal(emby_decode_index_page(idx, "{\"Items\":", 9, &put, NULL), CWP_EDECODE);
	assert_int_equal_dec(put, 0);
	cwp_index_free(idx);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(decode_page_envelope_counts_items_and_total),
    cmocka_unit_test(decode_page_broken_answers_are_errors),
    cmocka_unit_test(decode_item_movie_read02_fields),
    cmocka_unit_test(decode_item_episode_season0_and_series_ids),
    cmocka_unit_test(decode_item_not_progress_rows_are_absent),
    cmocka_unit_test(decode_item_bad_rows_dropped_with_warning),
    cmocka_unit_test(decode_item_invalid_optional_fields_absent_never_zero),
    cmocka_unit_test(decode_provider_ids_mixed_case_names),
    cmocka_unit_test(decode_state_uses_only_userdata_last_played),
    cmocka_unit_test(decode_index_page_merges_versions_keeps_item_ids),
};
CWP_TEST_MAIN(tests)
