/* KEY-01..05 and KEY-07's comparison: id normalization, canonical keys, alias
 * tokens, and which duplicate is kept. */
#include <string.h>

#include "cwp_test.h"
#include "cwp/record.h"

static void expect_kind(const char *name, int want)
{
	int got = cwp_id_kind_from_name(name, strlen(name));
	if (got != want)
		fail_msg("kind of \"%s\": %d, expected %d", name, got, want);
}

static void id_names_case_insensitive(void **state)
{
	(void)state;
	expect_kind("tmdb", CWP_ID_TMDB);
	expect_kind("Tmdb", CWP_ID_TMDB);
	expect_kind("TMDB", CWP_ID_TMDB);
	expect_kind("IMDb", CWP_ID_IMDB);
	expect_kind("Tvdb", CWP_ID_TVDB);
	expect_kind("Trakt", CWP_ID_TRAKT);
	expect_kind("MAL", CWP_ID_MAL);
	expect_kind("AniList", CWP_ID_ANILIST);
	expect_kind("Kitsu", CWP_ID_KITSU);
	expect_kind("AniDb", CWP_ID_ANIDB);
	expect_kind("Simkl", CWP_ID_SIMKL);
	expect_kind("Tvmaze", -1);
	expect_kind("tmdbx", -1);
	expect_kind("tmd", -1);
	expect_kind("", -1);
	/* length-bounded: "tmdb" out of "tmdbcollection" */
	assert_int_equal(cwp_id_kind_from_name("tmdbcollection", 4), CWP_ID_TMDB);
	assert_int_equal(cwp_id_kind_from_name(NULL, 0), -1);
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		const char *n = cwp_id_name((cwp_id_kind)k);
		assert_int_equal(cwp_id_kind_from_name(n, strlen(n)), k);
	}
	assert_string_equal(cwp_id_name(CWP_ID_TMDB), "tmdb");
	assert_string_equal(cwp_id_name(CWP_ID_SIMKL), "simkl");
}

static void expect_norm(cwp_id_kind k, const char *value, const char *want)
{
	char out[CWP_ID_MAX];
	size_t n = cwp_id_normalize(k, value, strlen(value), out);
	if (n != strlen(want) || strcmp(out, want) != 0)
		fail_msg("%s \"%s\" → \"%s\" (%zu), expected \"%s\"", cwp_id_name(k), value, out, n,
			 want);
}

static void id_values_absent_spellings(void **state)
{
	(void)state;
	const char *absent[] = {"",          "   ",     "0",      "None", "none",
				"NULL",      "null",    "NaN",    "nan",  "undefined",
				"Undefined", "UNKNOWN", " null ", "\t0\n"};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		expect_norm(CWP_ID_TMDB, absent[i], "");
		expect_norm(CWP_ID_IMDB, absent[i], "");
	}
	char out[CWP_ID_MAX] = "x";
	assert_int_equal(cwp_id_normalize(CWP_ID_TMDB, NULL, 0, out), 0);
	assert_string_equal(out, "");
}

static void id_values_numeric_digits_only(void **state)
{
	(void)state;
	expect_norm(CWP_ID_TMDB, "603", "603");
	expect_norm(CWP_ID_TMDB, " 603 ", "603");
	expect_norm(CWP_ID_TMDB, "000603", "603");
	expect_norm(CWP_ID_TMDB, "tmdb-603", "603");
	expect_norm(CWP_ID_TVDB, "81189", "81189");
	expect_norm(CWP_ID_TVDB, "1000", "1000"); /* inner zeros stay */
	expect_norm(CWP_ID_TMDB, "000", "");      /* all zeros: absent */
	expect_norm(CWP_ID_TMDB, "abc", "");      /* no digits: absent */
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (k != CWP_ID_IMDB)
			expect_norm((cwp_id_kind)k, "0042", "42");
	}
	/* 31 digits fit (with the NUL), 32 do not: absent, never truncated */
	expect_norm(CWP_ID_TMDB, "1234567890123456789012345678901",
		    "1234567890123456789012345678901");
	expect_norm(CWP_ID_TMDB, "12345678901234567890123456789012", "");
}

static void id_values_imdb_tt_digits(void **state)
{
	(void)state;
	expect_norm(CWP_ID_IMDB, "tt0133093", "tt0133093");
	expect_norm(CWP_ID_IMDB, "TT0133093", "tt0133093");
	expect_norm(CWP_ID_IMDB, " tt0133093 ", "tt0133093");
	expect_norm(CWP_ID_IMDB, "0133093", "tt0133093"); /* bare number gets tt */
	expect_norm(CWP_ID_IMDB, "133093", "tt133093");
	expect_norm(CWP_ID_IMDB, "tt", "");
	expect_norm(CWP_ID_IMDB, "ttabc", "");
	expect_norm(CWP_ID_IMDB, "tt12345678901234567890123456789",
		    "tt12345678901234567890123456789");
	expect_norm(CWP_ID_IMDB, "tt123456789012345678901234567890", "");
}

static void expect_key(const cwp_record *r, const char *want)
{
	char key[CWP_KEY_MAX];
	int rc = cwp_record_key(key, sizeof(key), r);
	if (rc != CWP_OK)
		fail_msg("key: rc %d, expected \"%s\"", rc, want);
	if (strcmp(key, want) != 0)
		fail_msg("key \"%s\", expected \"%s\"", key, want);
}

static void key_movie_best_id_by_priority(void **state)
{
	(void)state;
	const char *vals[CWP_ID_COUNT] = {"603", "tt0133093", "169", "481", "12",
					  "34",  "56",        "78",  "90"};
	const char *want[CWP_ID_COUNT] = {"tmdb:603",  "imdb:tt0133093", "tvdb:169",
					  "trakt:481", "mal:12",         "anilist:34",
					  "kitsu:56",  "anidb:78",       "simkl:90"};
	cwp_record r = {0};
	r.type = CWP_TYPE_MOVIE;
	r.title = "The Matrix";
	r.item_id = "242837";
	/* KEY-03: drop the best id one by one; the next in priority takes over */
	for (int first = 0; first < CWP_ID_COUNT; first++) {
		for (int k = 0; k < CWP_ID_COUNT; k++)
			r.ids[k] = k >= first ? vals[k] : NULL;
		expect_key(&r, want[first]);
	}
	/* show ids never key a movie */
	cwp_record s = {0};
	s.type = CWP_TYPE_MOVIE;
	s.title = "X";
	s.show_ids[CWP_ID_TVDB] = "5";
	expect_key(&s, "movie|title:x|year:");
}

static void key_movie_without_ids_uses_title_year(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_MOVIE;
	r.title = "The Matrix";
	r.year = 1999;
	r.has_year = true;
	r.item_id = "242837"; /* KEY-03: the server's item id is never part of a key */
	expect_key(&r, "movie|title:the matrix|year:1999");
	r.has_year = false;
	expect_key(&r, "movie|title:the matrix|year:");
	r.title = "AMÉLIE";
	expect_key(&r, "movie|title:amÉlie|year:"); /* ASCII letters only are folded */
	r.title = NULL;
	r.has_year = true;
	expect_key(&r, "movie|title:|year:1999");
	r.ids[CWP_ID_TMDB] = ""; /* an empty value is no id */
	expect_key(&r, "movie|title:|year:1999");
}

static void key_episode_show_id_season_episode(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_EPISODE;
	r.title = "Breaking Bad";
	r.show_ids[CWP_ID_TVDB] = "81189";
	r.show_ids[CWP_ID_IMDB] = "tt0903747";
	r.ids[CWP_ID_TVDB] = "349232";
	r.season = 1;
	r.episode = 2;
	r.has_season = r.has_episode = true;
	/* best show id: imdb outranks tvdb */
	expect_key(&r, "imdb:tt0903747#s01e02");
	r.show_ids[CWP_ID_IMDB] = NULL;
	expect_key(&r, "tvdb:81189#s01e02");
	r.season = 12;
	r.episode = 100;
	expect_key(&r, "tvdb:81189#s12e100");
	/* no show ids: the best own id carries the season/episode */
	r.show_ids[CWP_ID_TVDB] = NULL;
	r.season = 3;
	r.episode = 4;
	expect_key(&r, "tvdb:349232#s03e04");
}

static void key_episode_season_zero_is_real(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_EPISODE;
	r.show_ids[CWP_ID_TVDB] = "81189";
	r.season = 0;
	r.episode = 3;
	r.has_season = r.has_episode = true;
	expect_key(&r, "tvdb:81189#s00e03");
	r.episode = 0;
	expect_key(&r, "tvdb:81189#s00e00");
	r.show_ids[CWP_ID_TVDB] = NULL;
	r.title = "Show";
	r.episode = 3;
	expect_key(&r, "episode|show:show|s:0|e:3");
}

static void key_episode_without_numbers_or_ids(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_EPISODE;
	r.title = "Breaking Bad";
	r.show_ids[CWP_ID_TVDB] = "81189";
	r.ids[CWP_ID_TMDB] = "62085";
	r.ids[CWP_ID_IMDB] = "tt0959621";
	/* no season/episode: the best own id alone */
	expect_key(&r, "tmdb:62085");
	r.has_season = true;
	r.season = 1;
	expect_key(&r, "tmdb:62085"); /* season without episode is not enough */
	/* a show id alone would name the whole show: the title form */
	r.ids[CWP_ID_TMDB] = r.ids[CWP_ID_IMDB] = NULL;
	expect_key(&r, "episode|show:breaking bad|s:1|e:");
	r.has_episode = true;
	r.episode = 2;
	expect_key(&r, "tvdb:81189#s01e02");
	r.show_ids[CWP_ID_TVDB] = NULL;
	r.item_id = "999"; /* never part of a key */
	expect_key(&r, "episode|show:breaking bad|s:1|e:2");
	r.has_season = r.has_episode = false;
	r.title = NULL;
	expect_key(&r, "episode|show:|s:|e:");
}

static void key_errors(void **state)
{
	(void)state;
	char key[CWP_KEY_MAX];
	cwp_record r = {0};
	assert_int_equal(cwp_record_key(key, sizeof(key), &r), CWP_EINVAL); /* unknown type */
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_TMDB] = "603";
	assert_int_equal(cwp_record_key(key, 8, &r), CWP_ERANGE); /* "tmdb:603" needs 9 */
	assert_int_equal(cwp_record_key(key, 9, &r), CWP_OK);
	assert_string_equal(key, "tmdb:603");
	char title[600];
	memset(title, 'a', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	r.ids[CWP_ID_TMDB] = NULL;
	r.title = title;
	assert_int_equal(cwp_record_key(key, sizeof(key), &r), CWP_ERANGE);
	assert_int_equal(cwp_record_key(NULL, 10, &r), CWP_EINVAL);
}

/* Collect tokens into one '\n'-joined string. */
typedef struct toks {
	char buf[2048];
	size_t len;
	int stop_after;
	int seen;
} toks;

static int collect(void *ud, const char *token, size_t len)
{
	toks *t = ud;
	assert_int_equal(strlen(token), len);
	assert_true(t->len + len + 2 < sizeof(t->buf));
	memcpy(t->buf + t->len, token, len);
	t->len += len;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
	if (++t->seen == t->stop_after)
		return 42;
	return 0;
}

static void tokens_movie_every_id(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_IMDB] = "tt0133093";
	r.ids[CWP_ID_TMDB] = "603";
	r.ids[CWP_ID_TRAKT] = "481";
	r.show_ids[CWP_ID_TVDB] = "1"; /* not a movie's id */
	toks t = {.len = 0};
	assert_int_equal(cwp_record_tokens(&r, collect, &t), 0);
	assert_string_equal(t.buf, "tmdb:603\nimdb:tt0133093\ntrakt:481\n");
	/* a non-zero return stops the walk and is returned */
	toks s = {.stop_after = 2};
	assert_int_equal(cwp_record_tokens(&r, collect, &s), 42);
	assert_string_equal(s.buf, "tmdb:603\nimdb:tt0133093\n");
	cwp_record none = {0};
	none.type = CWP_TYPE_MOVIE;
	none.title = "x";
	toks n = {.len = 0};
	assert_int_equal(cwp_record_tokens(&none, collect, &n), 0);
	assert_int_equal(n.len, 0);
}

static void tokens_episode_show_and_own_ids(void **state)
{
	(void)state;
	cwp_record r = {0};
	r.type = CWP_TYPE_EPISODE;
	r.show_ids[CWP_ID_TVDB] = "81189";
	r.show_ids[CWP_ID_TMDB] = "1396";
	r.ids[CWP_ID_TVDB] = "349232";
	r.ids[CWP_ID_IMDB] = "tt0959621";
	r.season = 0;
	r.episode = 3;
	r.has_season = r.has_episode = true;
	toks t = {.len = 0};
	assert_int_equal(cwp_record_tokens(&r, collect, &t), 0);
	assert_string_equal(t.buf, "tmdb:1396#s00e03\ntvdb:81189#s00e03\n"
				   "imdb:tt0959621#s00e03\ntvdb:349232#s00e03\n"
				   "imdb:tt0959621\ntvdb:349232\n");
	/* without season/episode: the bare own ids only */
	r.has_episode = false;
	toks u = {.len = 0};
	assert_int_equal(cwp_record_tokens(&r, collect, &u), 0);
	assert_string_equal(u.buf, "imdb:tt0959621\ntvdb:349232\n");
}

static cwp_record rec(const char *item, bool has_at, int64_t at, int64_t ms, int64_t dur)
{
	cwp_record r = {0};
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_TMDB] = "603";
	r.item_id = item;
	r.has_progress_at = has_at;
	r.progress_at = at;
	r.progress_ms = ms;
	r.has_progress_ms = ms >= 0;
	r.duration_ms = dur;
	r.has_duration_ms = dur > 0;
	return r;
}

static void expect_prefer(const cwp_record *a, const cwp_record *b, int want_sign, const char *why)
{
	int ab = cwp_record_prefer(a, b), ba = cwp_record_prefer(b, a);
	int sab = (ab > 0) - (ab < 0), sba = (ba > 0) - (ba < 0);
	if (sab != want_sign || sba != -want_sign)
		fail_msg("%s: prefer(a,b)=%d prefer(b,a)=%d, expected sign %d", why, ab, ba,
			 want_sign);
}

static void prefer_newer_timestamp_then_ratio_then_ms_then_item_id(void **state)
{
	(void)state;
	cwp_record a, b;
	a = rec("2", true, 2000, 10, 100);
	b = rec("1", true, 1000, 90, 100);
	expect_prefer(&a, &b, 1, "newer progress_at wins over more progress");
	a = rec("2", true, 1000, 10, 100);
	b = rec("1", false, 0, 90, 100);
	expect_prefer(&a, &b, 1, "known progress_at beats unknown");
	a = rec("2", true, 1000, 60, 100);
	b = rec("1", true, 1000, 90, 200);
	expect_prefer(&a, &b, 1, "equal time: higher ratio (60% > 45%) wins over more ms");
	a = rec("2", true, 1000, 50, 100);
	b = rec("1", true, 1000, 100, 200);
	expect_prefer(&b, &a, 1, "equal time and ratio: higher progress_ms wins");
	a = rec("2", true, 1000, 50, 100);
	b = rec("10", true, 1000, 50, 100);
	expect_prefer(&b, &a, 1, "all equal: smaller item_id (strcmp: \"10\" < \"2\") wins");
	b.item_id = NULL;
	expect_prefer(&a, &b, 1, "a NULL item_id sorts last");
	b = a;
	assert_int_equal(cwp_record_prefer(&a, &b), 0);
	b.title = "different";
	expect_prefer(&a, &b, -1, "a total order beyond the rule (NULL title after a title)");
}

static void prefer_percent_only_records(void **state)
{
	(void)state;
	cwp_record a = rec("1", false, 0, -1, 0), b = rec("2", false, 0, -1, 0);
	a.has_progress_percent = true;
	a.progress_percent = 40;
	expect_prefer(&a, &b, 1, "a known percent beats none");
	b.has_progress_percent = true;
	b.progress_percent = 41;
	expect_prefer(&b, &a, 1, "higher percent wins");
	double p = -1;
	assert_true(cwp_record_percent(&b, &p));
	assert_true(p == 41.0);
	cwp_record c = rec("3", false, 0, 250, 1000);
	c.has_progress_percent = true;
	c.progress_percent = 99; /* ms/duration wins over the stored percent */
	assert_true(cwp_record_percent(&c, &p));
	assert_true(p == 25.0);
	cwp_record d = rec("4", false, 0, 250, 0);
	assert_false(cwp_record_percent(&d, &p)); /* no duration, no percent */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(id_names_case_insensitive),
    cmocka_unit_test(id_values_absent_spellings),
    cmocka_unit_test(id_values_numeric_digits_only),
    cmocka_unit_test(id_values_imdb_tt_digits),
    cmocka_unit_test(key_movie_best_id_by_priority),
    cmocka_unit_test(key_movie_without_ids_uses_title_year),
    cmocka_unit_test(key_episode_show_id_season_episode),
    cmocka_unit_test(key_episode_season_zero_is_real),
    cmocka_unit_test(key_episode_without_numbers_or_ids),
    cmocka_unit_test(key_errors),
    cmocka_unit_test(tokens_movie_every_id),
    cmocka_unit_test(tokens_episode_show_and_own_ids),
    cmocka_unit_test(prefer_newer_timestamp_then_ratio_then_ms_then_item_id),
    cmocka_unit_test(prefer_percent_only_records),
};

CWP_TEST_MAIN(tests)
