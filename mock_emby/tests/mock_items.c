/* GET /Users/{uid}/Items as Emby answers it: paging and TotalRecordCount,
 * every filter, IncludeItemTypes, ParentId/Recursive, Ids,
 * AnyProviderIdEquals, SortBy=DatePlayed, Fields gating of UserData, items
 * served exactly as recorded. */
#include "mock_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

#define ITEMS "/Users/" A_ALICE "/Items"

static cJSON *query(mock_emby *m, const char *path_query)
{
	mt_resp r = mt_get(m, path_query, A_TOKEN);
	if (r.status != 200)
		fail_msg("%s: status %ld: %s", path_query, r.status, r.body);
	cJSON *j = mt_json(&r);
	mt_free(&r);
	return j;
}

static const cJSON *items_of(const cJSON *env)
{
	return cJSON_GetObjectItemCaseSensitive(env, "Items");
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void items_paging_walks_every_item_once(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *all = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie");
	long total = mt_total(all);
	assert_int_equal_dec(total, 46);
	assert_int_equal_dec(mt_count_items(all), 46);
	/* pages of 10 in order: the same items, once each */
	int seen = 0;
	for (long start = 0; start < total + 10; start += 10) {
		char q[256];
		snprintf(q, sizeof q,
			 ITEMS "?Recursive=true&IncludeItemTypes=Movie&StartIndex=%ld&Limit=10",
			 start);
		cJSON *page = query(m, q);
		assert_int_equal_dec(mt_total(page), total);
		long expect = start >= total ? 0 : (total - start < 10 ? total - start : 10);
		assert_int_equal_dec(mt_count_items(page), expect);
		const cJSON *it;
		cJSON_ArrayForEach(it, items_of(page))
		{
			const cJSON *want = cJSON_GetArrayItem(items_of(all), seen++);
			assert_string_equal(mt_item_id(it), mt_item_id(want));
		}
		cJSON_Delete(page);
	}
	assert_int_equal_dec(seen, total);
	cJSON *beyond =
	    query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&StartIndex=5000&Limit=5");
	assert_int_equal_dec(mt_count_items(beyond), 0);
	assert_int_equal_dec(mt_total(beyond), total);
	cJSON_Delete(beyond);
	cJSON_Delete(all);
	mock_emby_stop(m);
}

static void items_limit_zero_returns_only_the_true_count(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Limit=0");
	assert_int_equal_dec(mt_count_items(j), 0);
	assert_int_equal_dec(mt_total(j), 46 + 18);
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_total_without_enable_total_record_count_is_page_length(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = query(
	    m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&Limit=7&EnableTotalRecordCount=false");
	assert_int_equal_dec(mt_count_items(j), 7);
	assert_int_equal_dec(mt_total(j), 7);
	cJSON_Delete(j);
	j = query(m, ITEMS
		  "?Recursive=true&IncludeItemTypes=Movie&Limit=7&EnableTotalRecordCount=true");
	assert_int_equal_dec(mt_total(j), 46);
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_bad_parameter_values_are_400(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *bad[] = {ITEMS "?Recursive=true&StartIndex=-1",
			     ITEMS "?Recursive=true&Limit=abc",
			     ITEMS "?Recursive=maybe",
			     ITEMS "?Recursive=true&Limit=1.5",
			     ITEMS "?Recursive=true&AnyProviderIdEquals=tmdb603",
			     ITEMS "?Recursive=true&EnableUserData=yes"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mt_resp r = mt_get(m, bad[i], A_TOKEN);
		if (r.status != 400)
			fail_msg("%s: status %ld", bad[i], r.status);
		assert_null(strchr(r.body, '{'));
		mt_free(&r);
	}
	mock_emby_stop(m);
}

static void items_query_parameter_names_are_case_insensitive(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *a =
	    query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&Filters=IsResumable&Limit=0");
	cJSON *b =
	    query(m, ITEMS "?recursive=TRUE&includeitemtypes=movie&FILTERS=isresumable&limit=0");
	assert_int_equal_dec(mt_total(a), mt_total(b));
	assert_true(mt_total(a) > 0);
	cJSON_Delete(a);
	cJSON_Delete(b);
	mock_emby_stop(m);
}

/* Resumable by the mock's rule, computed here from the user data. */
static bool resumable(const cJSON *ud)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(ud, "cwpResumable");
	if (cJSON_IsBool(o))
		return cJSON_IsTrue(o);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	return cJSON_IsNumber(p) && p->valuedouble > 0; /* played or not */
}

static void items_filter_is_resumable_is_position_played_or_not(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j =
	    query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsResumable");
	char *uds = mock_emby_userdata_json(m, A_ALICE);
	cJSON *ud = cwp_json_parse_str(uds);
	mock_emby_free(uds);
	int expect = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, ud)
	{
		bool r = resumable(e);
		expect += r;
		if (r != mt_has_item(j, e->string))
			fail_msg("item %s: resumable %d, listed %d", e->string, r, !r);
	}
	assert_int_equal_dec(mt_total(j), expect);
	assert_true(mt_has_item(j, A_INCEPTION));
	assert_false(mt_has_item(j, A_FIGHT_CLUB)); /* played, position 0 */
	assert_false(mt_has_item(j, A_SPIDERMAN));  /* pinned out: cwpResumable false */
	assert_true(mt_has_item(j, A_BB_S02E02));   /* next-up at 0: cwpResumable */
	assert_true(mt_has_item(j, A_STAR_WARS));   /* rewatch */
	assert_true(mt_has_item(j, A_DARK_KNIGHT)); /* 96 %: still resumable */
	cJSON_Delete(ud);
	cJSON_Delete(j);
	/* a rewatch without any pin: played with a position is resumable */
	assert_int_equal(mock_emby_set_userdata(m, A_ALICE, A_INCEPTION,
						"{\"PlaybackPositionTicks\": 6000000000, "
						"\"Played\": true, \"PlayCount\": 1}"),
			 0);
	j = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&Filters=IsResumable");
	assert_true(mt_has_item(j, A_INCEPTION));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_filter_is_played_and_is_unplayed_partition(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *all = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Limit=0");
	cJSON *played =
	    query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsPlayed");
	cJSON *unplayed = query(
	    m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsUnplayed&Limit=0");
	assert_int_equal_dec(mt_total(played) + mt_total(unplayed), mt_total(all));
	assert_true(mt_has_item(played, A_FIGHT_CLUB));
	assert_true(mt_has_item(played, A_SPIDERMAN));
	assert_false(mt_has_item(played, A_INCEPTION));
	const cJSON *it;
	cJSON_ArrayForEach(it, items_of(played))
	{
		assert_true(
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mt_userdata(it), "Played")));
	}
	cJSON *param =
	    query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&IsPlayed=true&Limit=0");
	assert_int_equal_dec(mt_total(param), mt_total(played));
	cJSON_Delete(param);
	cJSON_Delete(all);
	cJSON_Delete(played);
	cJSON_Delete(unplayed);
	mock_emby_stop(m);
}

static void items_filter_is_favorite_is_per_user(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *a = query(m, ITEMS "?Recursive=true&Filters=IsFavorite");
	assert_int_equal_dec(mt_total(a), 0);
	mt_resp r =
	    mt_get(m, "/Users/" A_BOB "/Items?Recursive=true&Filters=IsFavorite", A_BOB_TOKEN);
	cJSON *b = mt_json(&r);
	assert_int_equal_dec(mt_total(b), 1);
	assert_true(mt_has_item(b, A_UP));
	cJSON_Delete(a);
	cJSON_Delete(b);
	mt_free(&r);
	mock_emby_stop(m);
}

static void items_include_and_exclude_item_types(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *types[] = {"Movie", "Episode", "Series", "Season"};
	long counts[] = {46, 18, 3, 7};
	long sum = 0;
	for (size_t i = 0; i < 4; i++) {
		char q[256];
		snprintf(q, sizeof q, ITEMS "?Recursive=true&IncludeItemTypes=%s", types[i]);
		cJSON *j = query(m, q);
		assert_int_equal_dec(mt_total(j), counts[i]);
		const cJSON *it;
		cJSON_ArrayForEach(it, items_of(j))
		{
			assert_string_equal(str(it, "Type"), types[i]);
		}
		sum += counts[i];
		cJSON_Delete(j);
	}
	cJSON *all = query(m, ITEMS "?Recursive=true&Limit=0");
	assert_int_equal_dec(mt_total(all), sum);
	cJSON *lower = query(m, ITEMS "?Recursive=true&IncludeItemTypes=movie,%20episode&Limit=0");
	assert_int_equal_dec(mt_total(lower), 64);
	cJSON *excl = query(m, ITEMS "?Recursive=true&ExcludeItemTypes=Movie,Season&Limit=0");
	assert_int_equal_dec(mt_total(excl), 21);
	cJSON_Delete(all);
	cJSON_Delete(lower);
	cJSON_Delete(excl);
	mock_emby_stop(m);
}

static void items_parent_id_scopes_to_a_library_or_series(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *lib3 = query(m, ITEMS "?Recursive=true&ParentId=3&IncludeItemTypes=Movie");
	cJSON *lib7 = query(m, ITEMS "?Recursive=true&ParentId=7");
	assert_int_equal_dec(mt_total(lib3), 45);
	assert_int_equal_dec(mt_total(lib7), 1);
	assert_true(mt_has_item(lib7, A_MATRIX_4K));
	assert_true(mt_has_item(lib3, A_MATRIX_1080));
	assert_false(mt_has_item(lib3, A_MATRIX_4K));
	cJSON *tv = query(m, ITEMS "?Recursive=true&ParentId=5");
	assert_int_equal_dec(mt_total(tv), 3 + 7 + 18);
	cJSON *tv_top = query(m, ITEMS "?ParentId=5");
	assert_int_equal_dec(mt_total(tv_top), 3);
	cJSON *series =
	    query(m, ITEMS "?Recursive=true&ParentId=" A_BREAKING_BAD "&IncludeItemTypes=Episode");
	assert_int_equal_dec(mt_total(series), 9);
	cJSON *none = query(m, ITEMS "?Recursive=true&ParentId=424242");
	assert_int_equal_dec(mt_total(none), 0);
	cJSON_Delete(lib3);
	cJSON_Delete(lib7);
	cJSON_Delete(tv);
	cJSON_Delete(tv_top);
	cJSON_Delete(series);
	cJSON_Delete(none);
	mock_emby_stop(m);
}

static void items_ids_returns_exactly_those_items(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = query(m, ITEMS "?Ids=" A_INCEPTION "," A_BREAKING_BAD ",999999," A_INCEPTION);
	assert_int_equal_dec(mt_total(j), 2);
	assert_string_equal(mt_item_id(cJSON_GetArrayItem(items_of(j), 0)), A_INCEPTION);
	assert_string_equal(mt_item_id(cJSON_GetArrayItem(items_of(j), 1)), A_BREAKING_BAD);
	cJSON_Delete(j);
	j = query(m, ITEMS "?Ids=" A_INCEPTION "," A_BREAKING_BAD "&IncludeItemTypes=Series");
	assert_int_equal_dec(mt_total(j), 1);
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_any_provider_id_equals_is_any_match_case_insensitive(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = query(m, ITEMS "?Recursive=true&AnyProviderIdEquals=imdb.tt0133093");
	assert_int_equal_dec(mt_total(j), 2); /* both versions of The Matrix */
	assert_true(mt_has_item(j, A_MATRIX_1080));
	assert_true(mt_has_item(j, A_MATRIX_4K));
	cJSON_Delete(j);
	j = query(m, ITEMS "?Recursive=true&AnyProviderIdEquals=TMDB.27205,imdb.tt0816692,tvdb.1");
	assert_int_equal_dec(mt_total(j), 2);
	assert_true(mt_has_item(j, A_INCEPTION));
	cJSON_Delete(j);
	/* a tmdb number that is another item's tvdb number: names matter */
	j = query(m, ITEMS "?Recursive=true&AnyProviderIdEquals=tmdb.78874");
	assert_int_equal_dec(mt_total(j), 1);
	assert_true(mt_has_item(j, A_COLLISION));
	cJSON_Delete(j);
	j = query(m, ITEMS "?Recursive=true&AnyProviderIdEquals=Tvdb.78874");
	assert_int_equal_dec(mt_total(j), 1);
	assert_true(mt_has_item(j, A_FIREFLY));
	cJSON_Delete(j);
	j = query(m, ITEMS "?Recursive=true&AnyProviderIdEquals=tmdb.1");
	assert_int_equal_dec(mt_total(j), 0);
	cJSON_Delete(j);
	mock_emby_stop(m);

	/* demo-b spells provider names TMDB / tmdb / Tmdb */
	m = mt_start("demo-b");
	mt_resp r = mt_get(m,
			   "/Users/" B_ALICE
			   "/Items?Recursive=true&IncludeItemTypes=Movie&AnyProviderIdEquals=tmdb."
			   "603,tmdb.27205,tmdb.155,imdb.tt0137523",
			   B_TOKEN);
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 5); /* two Matrix versions + 3 */
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
}

static void items_has_provider_id_filters(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *j = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&HasTmdbId=false");
	assert_int_equal_dec(mt_total(j), 1);
	assert_true(mt_has_item(j, A_FAMILY_VACATION));
	cJSON_Delete(j);
	j = query(m, ITEMS "?Recursive=true&IncludeItemTypes=Movie&HasImdbId=false&Limit=0");
	assert_int_equal_dec(mt_total(j), 2); /* the home video and the collision item */
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_sort_by_date_played_both_orders(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *orders[] = {"Descending", "Ascending"};
	for (size_t o = 0; o < 2; o++) {
		char q[512];
		snprintf(q, sizeof q,
			 ITEMS "?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsPlayed"
			       "&SortBy=DatePlayed&SortOrder=%s&Fields=UserDataLastPlayedDate",
			 orders[o]);
		cJSON *j = query(m, q);
		assert_true(mt_count_items(j) >= 5);
		const char *prev = NULL;
		const cJSON *it;
		cJSON_ArrayForEach(it, items_of(j))
		{
			const char *d = str(mt_userdata(it), "LastPlayedDate");
			assert_non_null(d);
			if (prev) {
				int c = strcmp(prev, d);
				if (o == 0 ? c < 0 : c > 0)
					fail_msg("%s: %s before %s", orders[o], prev, d);
			}
			prev = d;
		}
		cJSON_Delete(j);
	}
	mock_emby_stop(m);
}

static void items_fields_gate_last_played_date_and_play_count(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *base = ITEMS "?Ids=" A_FIGHT_CLUB;
	struct {
		const char *fields;
		bool date, count;
	} cases[] = {
	    {"", false, false},
	    {"&Fields=ProviderIds,RunTimeTicks", false, false},
	    {"&Fields=ProviderIds,UserDataLastPlayedDate", true, false},
	    {"&Fields=UserDataPlayCount", false, true},
	    {"&fields=userdataplaycount,UserDataLastPlayedDate", true, true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char q[512];
		snprintf(q, sizeof q, "%s%s", base, cases[i].fields);
		cJSON *j = query(m, q);
		const cJSON *ud = mt_userdata(cJSON_GetArrayItem(items_of(j), 0));
		assert_non_null(ud);
		bool date = cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate") != NULL;
		/* PlayCount is always there: the true count when asked, else 0 */
		bool count = mt_num(ud, "PlayCount") != 0;
		if (date != cases[i].date || count != cases[i].count)
			fail_msg("Fields '%s': LastPlayedDate %d PlayCount %d", cases[i].fields,
				 date, count);
		/* always there */
		assert_true(
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks")));
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
		assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(ud, "IsFavorite")));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ud, "PlayCount")));
		cJSON_Delete(j);
	}
	cJSON *j = query(m, ITEMS "?Ids=" A_FIGHT_CLUB "&EnableUserData=false");
	assert_null(mt_userdata(cJSON_GetArrayItem(items_of(j), 0)));
	cJSON_Delete(j);
	/* an item without user data still gets Emby's defaults */
	j = query(m, ITEMS "?Ids=" A_TOY_STORY "," A_DOCTOR_WHO);
	const cJSON *ud = mt_userdata(cJSON_GetArrayItem(items_of(j), 1));
	assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 0);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ud, "Played")));
	assert_null(cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage"));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static cJSON *fixture_item(const char *id)
{
	char path[4096], *text = NULL;
	snprintf(path, sizeof path, "%s/items.json", mt_fixture("demo-a"));
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal_dec(fread(text, 1, (size_t)n, f), n);
	fclose(f);
	cJSON *arr = cwp_json_parse(text, (size_t)n);
	free(text);
	assert_non_null(arr);
	cJSON *found = NULL;
	cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (strcmp(str(it, "Id"), id) == 0)
			found = cJSON_DetachItemViaPointer(arr, it);
		if (found)
			break;
	}
	cJSON_Delete(arr);
	assert_non_null(found);
	return found;
}

/* Every member the demo items hold that Emby sends only when asked */
#define ALL_FIELDS                                                                     \
	"ProviderIds,ProductionYear,DateCreated,PremiereDate,PrimaryImageAspectRatio," \
	"MediaSources,Path,Overview,SortName,Status"

static void items_are_served_exactly_as_recorded(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	const char *ids[] = {A_MATRIX_4K, A_NOSFERATU, A_BB_S02E02, A_BREAKING_BAD,
			     A_FAMILY_VACATION};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		char q[256];
		snprintf(q, sizeof q, ITEMS "?Recursive=true&Ids=%s&Fields=" ALL_FIELDS, ids[i]);
		cJSON *j = query(m, q);
		const cJSON *served = cJSON_GetArrayItem(items_of(j), 0);
		cJSON *rec = fixture_item(ids[i]);
		const cJSON *c;
		cJSON_ArrayForEach(c, rec)
		{
			if (strncmp(c->string, "cwp", 3) == 0) {
				assert_null(cJSON_GetObjectItemCaseSensitive(served, c->string));
				continue;
			}
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(served, c->string);
			if (!s || !cJSON_Compare(s, c, 1))
				fail_msg("item %s: %s differs from the fixture", ids[i], c->string);
		}
		/* served = recorded + UserData */
		assert_int_equal_dec(
		    cJSON_GetArraySize(served),
		    cJSON_GetArraySize(rec) -
			(cJSON_GetObjectItemCaseSensitive(rec, "cwpLibraryId") ? 1 : 0) + 1);
		cJSON_Delete(rec);
		cJSON_Delete(j);
	}
	/* the null RunTimeTicks stays null */
	cJSON *j = query(m, ITEMS "?Ids=" A_NOSFERATU);
	assert_true(cJSON_IsNull(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items_of(j), 0), "RunTimeTicks")));
	cJSON_Delete(j);
	mock_emby_stop(m);
}

static void items_user_data_is_per_user(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cJSON *a = query(m, ITEMS "?Ids=" A_INCEPTION);
	mt_resp r = mt_get(m, "/Users/" A_BOB "/Items?Ids=" A_INCEPTION, A_BOB_TOKEN);
	cJSON *b = mt_json(&r);
	assert_int_equal_dec(
	    mt_num(mt_userdata(cJSON_GetArrayItem(items_of(a), 0)), "PlaybackPositionTicks"),
	    27000000000LL);
	assert_int_equal_dec(
	    mt_num(mt_userdata(cJSON_GetArrayItem(items_of(b), 0)), "PlaybackPositionTicks"),
	    6000000000LL);
	cJSON_Delete(a);
	cJSON_Delete(b);
	mt_free(&r);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(items_paging_walks_every_item_once),
    cmocka_unit_test(items_limit_zero_returns_only_the_true_count),
    cmocka_unit_test(items_total_without_enable_total_record_count_is_page_length),
    cmocka_unit_test(items_bad_parameter_values_are_400),
    cmocka_unit_test(items_query_parameter_names_are_case_insensitive),
    cmocka_unit_test(items_filter_is_resumable_is_position_played_or_not),
    cmocka_unit_test(items_filter_is_played_and_is_unplayed_partition),
    cmocka_unit_test(items_filter_is_favorite_is_per_user),
    cmocka_unit_test(items_include_and_exclude_item_types),
    cmocka_unit_test(items_parent_id_scopes_to_a_library_or_series),
    cmocka_unit_test(items_ids_returns_exactly_those_items),
    cmocka_unit_test(items_any_provider_id_equals_is_any_match_case_insensitive),
    cmocka_unit_test(items_has_provider_id_filters),
    cmocka_unit_test(items_sort_by_date_played_both_orders),
    cmocka_unit_test(items_fields_gate_last_played_date_and_play_count),
    cmocka_unit_test(items_are_served_exactly_as_recorded),
    cmocka_unit_test(items_user_data_is_per_user),
};

CWP_TEST_MAIN(tests)
