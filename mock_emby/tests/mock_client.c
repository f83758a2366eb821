/* The project's Emby client against the stricter mock (issue 15): it indexes
 * an Emby 4.7 and a 4.8+ server alike, handles rewatches and next-up rows,
 * and a query that forgets a field in Fields visibly loses what it forgot
 * (so the mock can no longer hide such a regression). */
#include "mock_test.h"

#include <stdio.h>
#include <string.h>

#include "emby/client.h"
#include "emby/decode.h"

#define OLD_ALICE "7a6b5c4d3e2f41a0b9c8d7e6f5a4b3c2"
#define OLD_TOKEN "emby47-token-not-secret"

static cwp_index *index_of(mock_emby *m, const char *user, const char *token, cwp_warnings *w)
{
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = mock_emby_url(m);
	o.user_id = user;
	o.token = token;
	o.label = "source";
	o.backoff_ms = 1;
	emby_client *c = NULL;
	if (emby_client_new(&c, &o) != CWP_OK)
		fail_msg("emby_client_new: %s", cwp_error_last());
	cwp_index *idx = NULL;
	if (emby_index(c, &idx, w) != CWP_OK)
		fail_msg("emby_index: %s", emby_client_error(c));
	emby_client_free(c);
	return idx;
}

static void client_indexes_emby_4_7(void **state)
{
	(void)state;
	mock_emby *m = mt_start("emby-4.7");
	cwp_warnings w = {0};
	cwp_index *idx = index_of(m, OLD_ALICE, OLD_TOKEN, &w);
	/* The Matrix, Inception (a rewatch) and S01E02; not the played Fight
	 * Club at 0, not the next-up S01E03 at 0 (READ-02) */
	assert_int_equal_dec(cwp_index_size(idx), 3);
	const cwp_record *r = cwp_index_get(idx, "tmdb:603");
	assert_non_null(r);
	assert_int_equal_dec(r->progress_ms, 3000000);
	assert_int_equal_dec(r->duration_ms, 8177000);
	assert_true(r->has_progress_at && r->has_progress_percent);
	assert_int_equal_dec(r->year, 1999);
	r = cwp_index_get(idx, "tmdb:27205");
	assert_non_null(r);
	assert_true(r->has_played && r->played);
	assert_int_equal_dec(r->progress_ms, 2400000);
	r = cwp_index_get(idx, "tmdb:1396#s01e02");
	assert_non_null(r);
	assert_string_equal(r->show_ids[CWP_ID_TVDB], "81189");
	assert_string_equal(r->ids[CWP_ID_TVDB], "349232");
	assert_int_equal_dec(w.count, 0);
	cwp_index_free(idx);
	mock_emby_stop(m);
}

static void client_indexes_emby_4_8_with_dates_and_ids(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	cwp_warnings w = {0};
	cwp_index *idx = index_of(m, A_ALICE, A_TOKEN, &w);
	/* Emby 4.8+ hides LastPlayedDate unless asked: the client asks */
	const cwp_record *r = cwp_index_get(idx, "tmdb:27205");
	assert_non_null(r);
	assert_true(r->has_progress_at);
	assert_int_equal_dec(r->year, 2010);
	assert_non_null(cwp_index_get(idx, "tmdb:11")); /* Star Wars: a rewatch */
	assert_null(cwp_index_get(idx, "tmdb:634649")); /* Spider-Man: pinned out */
	assert_null(cwp_index_get(idx, "tmdb:550"));    /* Fight Club: played at 0 */
	cwp_index_free(idx);
	mock_emby_stop(m);
}

/* One page as the client decodes it, from a raw query. */
static cwp_index *decode_raw(mock_emby *m, const char *path, const char *token)
{
	mt_resp r = mt_get(m, path, token);
	if (r.status != 200)
		fail_msg("%s: %ld", path, r.status);
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	size_t n = 0;
	assert_int_equal(emby_decode_index_page(idx, r.body, r.len, &n, NULL), CWP_OK);
	mt_free(&r);
	return idx;
}

#define OLD_LISTING                                                                            \
	"/Users/" OLD_ALICE "/Items?Recursive=true&IncludeItemTypes=Movie&Filters=IsResumable" \
	"&EnableUserData=true"

static void client_that_forgets_a_field_loses_it(void **state)
{
	(void)state;
	mock_emby *m = mt_start("emby-4.7");
	/* with ProviderIds: keyed by tmdb */
	cwp_index *idx = decode_raw(m, OLD_LISTING "&Fields=ProviderIds,ProductionYear", OLD_TOKEN);
	assert_non_null(cwp_index_get(idx, "tmdb:603"));
	cwp_index_free(idx);
	/* without it: no ids at all, only title keys, which match nothing on
	 * another server that has ids */
	idx = decode_raw(m, OLD_LISTING "&Fields=ProductionYear", OLD_TOKEN);
	assert_null(cwp_index_get(idx, "tmdb:603"));
	const cwp_record *r = cwp_index_get(idx, "movie|title:the matrix|year:1999");
	assert_non_null(r);
	assert_null(r->ids[CWP_ID_TMDB]);
	cwp_index_free(idx);
	/* without ProductionYear the id-less key loses its year too */
	idx = decode_raw(m, OLD_LISTING, OLD_TOKEN);
	assert_non_null(cwp_index_get(idx, "movie|title:the matrix|year:"));
	cwp_index_free(idx);
	mock_emby_stop(m);
	/* Emby 4.8+: forgetting UserDataLastPlayedDate loses the timestamp */
	m = mt_start("demo-a");
	idx = decode_raw(m, "/Users/" A_ALICE "/Items?Ids=" A_INCEPTION "&Fields=ProviderIds",
			 A_TOKEN);
	r = cwp_index_get(idx, "tmdb:27205");
	assert_non_null(r);
	assert_false(r->has_progress_at);
	cwp_index_free(idx);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(client_indexes_emby_4_7),
    cmocka_unit_test(client_indexes_emby_4_8_with_dates_and_ids),
    cmocka_unit_test(client_that_forgets_a_field_loses_it),
};

CWP_TEST_MAIN(tests)
