/* The index (KEY-07 duplicates, APPLY-06 item ids, key order) and matching
 * (KEY-06). */
#include <stdio.h>
#include <string.h>

#include "cwp_test.h"
#include "cwp/index.h"

static cwp_index *new_index(void)
{
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	assert_non_null(idx);
	return idx;
}

static cwp_record movie(const char *tmdb, const char *imdb, const char *item)
{
	cwp_record r = {0};
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_TMDB] = tmdb;
	r.ids[CWP_ID_IMDB] = imdb;
	r.item_id = item;
	return r;
}

static cwp_record episode(const char *show_tvdb, int season, int ep, const char *item)
{
	cwp_record r = {0};
	r.type = CWP_TYPE_EPISODE;
	r.show_ids[CWP_ID_TVDB] = show_tvdb;
	r.season = season;
	r.episode = ep;
	r.has_season = r.has_episode = true;
	r.item_id = item;
	return r;
}

static void index_put_computes_key_and_copies(void **state)
{
	(void)state;
	cwp_index *idx = new_index();
	char title[] = "The Matrix";
	cwp_record r = movie("603", "tt0133093", "242837");
	r.title = title;
	r.progress_ms = 6102177;
	r.has_progress_ms = true;
	assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
	title[0] = 'X'; /* the index holds its own copies */
	const cwp_record *got = cwp_index_get(idx, "tmdb:603");
	assert_non_null(got);
	assert_string_equal(got->key, "tmdb:603");
	assert_string_equal(got->title, "The Matrix");
	assert_string_equal(got->ids[CWP_ID_IMDB], "tt0133093");
	assert_true(got->has_progress_ms);
	assert_int_equal_dec(got->progress_ms, 6102177);
	assert_false(got->has_duration_ms);
	assert_int_equal(cwp_index_size(idx), 1);
	assert_null(cwp_index_get(idx, "imdb:tt0133093")); /* one key per record */
	assert_null(cwp_index_get(idx, "tmdb:60"));
	assert_null(cwp_index_get(idx, "242837")); /* item ids are not keys */
	cwp_index_free(idx);
}

static void index_put_given_key_is_used_as_is(void **state)
{
	(void)state;
	cwp_index *idx = new_index();
	cwp_record r = movie("603", NULL, "1");
	r.key = "writer:key";
	assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
	assert_non_null(cwp_index_get(idx, "writer:key"));
	assert_null(cwp_index_get(idx, "tmdb:603"));
	cwp_index_free(idx);
}

static void index_rejects_untyped_record(void **state)
{
	(void)state;
	cwp_index *idx = new_index();
	cwp_record r = movie("603", NULL, "1");
	r.type = CWP_TYPE_UNKNOWN;
	assert_int_equal(cwp_index_put(idx, &r), CWP_EINVAL);
	assert_true(strstr(cwp_error_last(), "movie or an episode") != NULL);
	assert_int_equal(cwp_index_put(idx, NULL), CWP_EINVAL);
	assert_int_equal(cwp_index_size(idx), 0);
	assert_null(cwp_index_at(idx, 0));
	cwp_index_free(idx);
}

static void index_at_is_key_order_after_any_input_order(void **state)
{
	(void)state;
	const char *keys[] = {"tvdb:9#s01e01",
			      "imdb:tt1",
			      "tmdb:603",
			      "tmdb:60",
			      "tmdb:6030",
			      "a",
			      "ab",
			      "abcdefgh",
			      "abcdefghi",
			      "abcdefgg",
			      "movie|title:x|year:"};
	const char *sorted[] = {"a",
				"ab",
				"abcdefgg",
				"abcdefgh",
				"abcdefghi",
				"imdb:tt1",
				"movie|title:x|year:",
				"tmdb:60",
				"tmdb:603",
				"tmdb:6030",
				"tvdb:9#s01e01"};
	size_t n = sizeof(keys) / sizeof(keys[0]);
	cwp_index *idx = new_index();
	for (size_t i = 0; i < n; i++) {
		cwp_record r = movie(NULL, NULL, NULL);
		r.key = keys[i];
		assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
	}
	assert_int_equal(cwp_index_size(idx), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(cwp_index_at(idx, i)->key, sorted[i]);
	assert_null(cwp_index_at(idx, n));
	/* a put after ordered access invalidates the order */
	cwp_record r = movie(NULL, NULL, NULL);
	r.key = "0";
	assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
	assert_string_equal(cwp_index_at(idx, 0)->key, "0");
	assert_string_equal(cwp_index_at(idx, n)->key, "tvdb:9#s01e01");
	cwp_index_free(idx);
}

/* KEY-07 candidates for one key. The expected winner is D: the newest
 * progress_at (B ties it but has a lower ratio). */
static cwp_record dup(int which)
{
	cwp_record r = movie("603", NULL, NULL);
	switch (which) {
	case 0: /* A: unknown timestamp, lots of progress */
		r.item_id = "500";
		r.progress_ms = 900000;
		r.has_progress_ms = true;
		break;
	case 1: /* B: newest timestamp, ratio 10% */
		r.item_id = "300";
		r.has_progress_at = true;
		r.progress_at = 2000;
		r.progress_ms = 10000;
		r.has_progress_ms = true;
		r.duration_ms = 100000;
		r.has_duration_ms = true;
		break;
	case 2: /* C: older timestamp */
		r.item_id = "100";
		r.has_progress_at = true;
		r.progress_at = 1000;
		r.progress_ms = 90000;
		r.has_progress_ms = true;
		break;
	case 3: /* D: newest timestamp, ratio 50% */
		r.item_id = "400";
		r.has_progress_at = true;
		r.progress_at = 2000;
		r.progress_ms = 50000;
		r.has_progress_ms = true;
		r.duration_ms = 100000;
		r.has_duration_ms = true;
		break;
	case 4: /* E: D's twin from another library, same item id */
		r = dup(3);
		r.title = "other library";
		r.has_progress_at = true;
		r.progress_at = 1999;
		break;
	default: /* F: no item id at all */
		r.has_progress_at = true;
		r.progress_at = 1;
		break;
	}
	return r;
}

static bool next_permutation(int *a, int n)
{
	int i = n - 2;
	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0)
		return false;
	int j = n - 1;
	while (a[j] <= a[i])
		j--;
	int t = a[i];
	a[i] = a[j];
	a[j] = t;
	for (int l = i + 1, r = n - 1; l < r; l++, r--) {
		t = a[l];
		a[l] = a[r];
		a[r] = t;
	}
	return true;
}

static void index_duplicates_same_winner_in_every_order(void **state)
{
	(void)state;
	int perm[6] = {0, 1, 2, 3, 4, 5};
	size_t runs = 0;
	do {
		cwp_index *idx = new_index();
		for (int i = 0; i < 6; i++) {
			cwp_record r = dup(perm[i]);
			assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
		}
		assert_int_equal(cwp_index_size(idx), 1);
		const cwp_record *w = cwp_index_get(idx, "tmdb:603");
		assert_non_null(w);
		if (strcmp(w->item_id, "400") != 0 || w->title != NULL || w->progress_ms != 50000)
			fail_msg("order %d%d%d%d%d%d kept item %s (%s)", perm[0], perm[1], perm[2],
				 perm[3], perm[4], perm[5], w->item_id, w->title ? w->title : "-");
		/* APPLY-06: every distinct item id, sorted */
		const char *const *ids = NULL;
		size_t n = cwp_index_item_ids(idx, "tmdb:603", &ids);
		assert_int_equal(n, 4);
		assert_string_equal(ids[0], "100");
		assert_string_equal(ids[1], "300");
		assert_string_equal(ids[2], "400");
		assert_string_equal(ids[3], "500");
		cwp_index_free(idx);
		runs++;
	} while (next_permutation(perm, 6));
	assert_int_equal(runs, 720);
}

static void index_duplicate_tie_smallest_item_id_wins(void **state)
{
	(void)state;
	const char *items[] = {"9", "10", "242837"};
	int perm[3] = {0, 1, 2};
	do {
		cwp_index *idx = new_index();
		for (int i = 0; i < 3; i++) {
			cwp_record r = movie("603", NULL, items[perm[i]]);
			assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
		}
		assert_string_equal(cwp_index_get(idx, "tmdb:603")->item_id, "10"); /* strcmp */
		cwp_index_free(idx);
	} while (next_permutation(perm, 3));
}

static void index_item_ids_single_none_and_kept(void **state)
{
	(void)state;
	cwp_index *idx = new_index();
	const char *const *ids = NULL;
	cwp_record a = movie("1", NULL, "77");
	assert_int_equal(cwp_index_put(idx, &a), CWP_OK);
	assert_int_equal(cwp_index_item_ids(idx, "tmdb:1", &ids), 1);
	assert_string_equal(ids[0], "77");
	/* a preferred record without an item id does not lose the known one */
	cwp_record b = movie("1", NULL, NULL);
	b.has_progress_at = true;
	b.progress_at = 5;
	assert_int_equal(cwp_index_put(idx, &b), CWP_OK);
	assert_null(cwp_index_get(idx, "tmdb:1")->item_id);
	assert_int_equal(cwp_index_item_ids(idx, "tmdb:1", &ids), 1);
	assert_string_equal(ids[0], "77");
	cwp_record c = movie("2", NULL, NULL);
	assert_int_equal(cwp_index_put(idx, &c), CWP_OK);
	assert_int_equal(cwp_index_item_ids(idx, "tmdb:2", &ids), 0);
	assert_null(ids);
	assert_int_equal(cwp_index_item_ids(idx, "tmdb:3", &ids), 0);
	cwp_index_free(idx);
}

static void index_pointers_stable_and_many_records(void **state)
{
	(void)state;
	cwp_index *idx = new_index();
	cwp_record first = movie("1", NULL, "i1");
	assert_int_equal(cwp_index_put(idx, &first), CWP_OK);
	const cwp_record *p = cwp_index_get(idx, "tmdb:1");
	/* 50,000 records in an order that is not key order, each twice */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < 50000; i++) {
			char tmdb[16], item[16];
			snprintf(tmdb, sizeof(tmdb), "%u", (i * 7919u) % 50000u + 2u);
			snprintf(item, sizeof(item), "v%d", pass);
			cwp_record r = movie(tmdb, NULL, item);
			assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
		}
	}
	assert_int_equal(cwp_index_size(idx), 50001);
	assert_ptr_equal(cwp_index_get(idx, "tmdb:1"), p);
	assert_string_equal(p->item_id, "i1");
	const char *const *ids;
	assert_int_equal(cwp_index_item_ids(idx, "tmdb:777", &ids), 2);
	for (size_t i = 1; i < cwp_index_size(idx); i++)
		assert_true(strcmp(cwp_index_at(idx, i - 1)->key, cwp_index_at(idx, i)->key) < 0);
	cwp_index_free(idx);
}

/* ---- Matching ---- */

static void put(cwp_index *idx, cwp_record r)
{
	assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
}

/* The matched destination key of the source record with key src_key, or NULL. */
static const char *matched(const cwp_match *m, const cwp_index *src, const char *src_key)
{
	for (size_t i = 0; i < cwp_index_size(src); i++) {
		if (strcmp(cwp_index_at(src, i)->key, src_key) == 0) {
			const cwp_record *d = cwp_match_dst(m, i);
			return d ? d->key : NULL;
		}
	}
	fail_msg("no source key %s", src_key);
	return NULL;
}

static bool dst_used(const cwp_match *m, const cwp_index *dst, const char *dst_key)
{
	for (size_t i = 0; i < cwp_index_size(dst); i++) {
		if (strcmp(cwp_index_at(dst, i)->key, dst_key) == 0)
			return cwp_match_dst_used(m, i);
	}
	fail_msg("no destination key %s", dst_key);
	return false;
}

static void match_exact_key_then_alias_token(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	put(src, movie("603", "tt0133093", "s1")); /* tmdb:603 */
	put(src, movie("604", "tt0234215", "s2")); /* tmdb:604 */
	put(src, movie("605", NULL, "s3"));        /* tmdb:605, not in dst */
	put(dst, movie("603", NULL, "d1"));        /* exact */
	put(dst, movie(NULL, "tt0234215", "d2"));  /* imdb:tt0234215, alias */
	put(dst, movie("999", NULL, "d3"));        /* unrelated */
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_string_equal(matched(m, src, "tmdb:603"), "tmdb:603");
	assert_string_equal(matched(m, src, "tmdb:604"), "imdb:tt0234215");
	assert_null(matched(m, src, "tmdb:605"));
	assert_true(dst_used(m, dst, "tmdb:603"));
	assert_true(dst_used(m, dst, "imdb:tt0234215"));
	assert_false(dst_used(m, dst, "tmdb:999"));
	assert_null(cwp_match_dst(m, 3));
	assert_false(cwp_match_dst_used(m, 3));
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_ambiguous_token_not_used(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	cwp_record s = movie("1", "tt5", "s");
	put(src, s); /* tmdb:1, tokens tmdb:1, imdb:tt5 */
	cwp_record a = movie(NULL, "tt5", "a"), b = movie(NULL, "tt5", "b");
	a.ids[CWP_ID_TRAKT] = "7";
	b.ids[CWP_ID_TRAKT] = "8";
	a.key = "imdb:tt5|a"; /* two destination records claim imdb:tt5 */
	b.key = "imdb:tt5|b";
	put(dst, a);
	put(dst, b);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_null(matched(m, src, "tmdb:1"));
	assert_false(dst_used(m, dst, "imdb:tt5|a"));
	assert_false(dst_used(m, dst, "imdb:tt5|b"));
	cwp_match_free(m);
	/* a further, unambiguous token still matches */
	cwp_index_free(src);
	src = new_index();
	s.ids[CWP_ID_TRAKT] = "8";
	put(src, s);
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_string_equal(matched(m, src, "tmdb:1"), "imdb:tt5|b");
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_same_record_naming_token_twice_is_not_ambiguous(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	cwp_record s = episode("81189", 1, 2, "s"); /* tvdb:81189#s01e02 */
	put(src, s);
	cwp_record d = episode("81189", 1, 2, "d"); /* show id == own id: one token twice */
	d.ids[CWP_ID_TVDB] = "81189";
	d.key = "elsewhere";
	put(dst, d);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_string_equal(matched(m, src, "tvdb:81189#s01e02"), "elsewhere");
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_tmdb_never_matches_tvdb(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	put(src, movie("65", NULL, "s")); /* tmdb:65 */
	cwp_record d = movie(NULL, NULL, "d");
	d.ids[CWP_ID_TVDB] = "65"; /* tvdb:65 */
	put(dst, d);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_null(matched(m, src, "tmdb:65"));
	assert_false(dst_used(m, dst, "tvdb:65"));
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_movie_never_matches_episode(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	put(src, movie("65", "tt9", "s")); /* movie, key tmdb:65 */
	cwp_record d = episode(NULL, 0, 0, "d");
	d.has_season = d.has_episode = false;
	d.ids[CWP_ID_TMDB] = "65"; /* episode, key tmdb:65 too */
	d.ids[CWP_ID_IMDB] = "tt9";
	put(dst, d);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_null(matched(m, src, "tmdb:65")); /* same key, same tokens, other type */
	assert_false(dst_used(m, dst, "tmdb:65"));
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_episode_tokens_season_zero(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	put(src, episode("81189", 0, 3, "s")); /* tvdb:81189#s00e03 */
	put(src, episode("81189", 1, 3, "t")); /* tvdb:81189#s01e03 */
	cwp_record d0 = episode("81189", 0, 3, "d0"), d1 = episode("81189", 0, 4, "d1");
	d0.show_ids[CWP_ID_TMDB] = "1396"; /* keyed tmdb:1396#s00e03 */
	d1.show_ids[CWP_ID_TMDB] = "1396";
	put(dst, d0);
	put(dst, d1);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_string_equal(matched(m, src, "tvdb:81189#s00e03"), "tmdb:1396#s00e03");
	assert_null(matched(m, src, "tvdb:81189#s01e03")); /* s01 is not s00 */
	assert_false(dst_used(m, dst, "tmdb:1396#s00e04"));
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_token_priority_is_deterministic(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	cwp_record s = movie("1", "tt1", "s");
	s.key = "src-only";
	put(src, s);
	put(dst, movie(NULL, "tt1", "by-imdb")); /* imdb:tt1 */
	cwp_record b = movie("1", NULL, "by-tmdb");
	b.key = "other";
	put(dst, b);
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	/* tmdb outranks imdb among the source's tokens */
	assert_string_equal(matched(m, src, "src-only"), "other");
	assert_false(dst_used(m, dst, "imdb:tt1"));
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_empty_indexes(void **state)
{
	(void)state;
	cwp_index *src = new_index(), *dst = new_index();
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	assert_null(cwp_match_dst(m, 0));
	assert_false(cwp_match_dst_used(m, 0));
	cwp_match_free(m);
	assert_int_equal(cwp_match_new(&m, NULL, dst), CWP_EINVAL);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void match_many_records_by_key_and_token(void **state)
{
	(void)state;
	/* 20,000 source movies; the destination has half under the same key and
	 * a quarter under another key sharing the imdb id. */
	cwp_index *src = new_index(), *dst = new_index();
	for (unsigned i = 0; i < 20000; i++) {
		char tmdb[16], imdb[16];
		snprintf(tmdb, sizeof(tmdb), "%u", i + 1);
		snprintf(imdb, sizeof(imdb), "tt%07u", i + 1);
		put(src, movie(tmdb, imdb, "s"));
		if (i % 4 < 2)
			put(dst, movie(tmdb, imdb, "d"));
		else if (i % 4 == 2)
			put(dst, movie(NULL, imdb, "d"));
	}
	cwp_match *m = NULL;
	assert_int_equal(cwp_match_new(&m, src, dst), CWP_OK);
	size_t hits = 0, used = 0;
	for (size_t i = 0; i < cwp_index_size(src); i++) {
		const cwp_record *d = cwp_match_dst(m, i);
		if (d) {
			hits++;
			assert_string_equal(d->ids[CWP_ID_IMDB],
					    cwp_index_at(src, i)->ids[CWP_ID_IMDB]);
		}
	}
	for (size_t i = 0; i < cwp_index_size(dst); i++)
		used += cwp_match_dst_used(m, i);
	assert_int_equal_dec(hits, 15000);
	assert_int_equal_dec(used, 15000);
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(index_put_computes_key_and_copies),
    cmocka_unit_test(index_put_given_key_is_used_as_is),
    cmocka_unit_test(index_rejects_untyped_record),
    cmocka_unit_test(index_at_is_key_order_after_any_input_order),
    cmocka_unit_test(index_duplicates_same_winner_in_every_order),
    cmocka_unit_test(index_duplicate_tie_smallest_item_id_wins),
    cmocka_unit_test(index_item_ids_single_none_and_kept),
    cmocka_unit_test(index_pointers_stable_and_many_records),
    cmocka_unit_test(match_exact_key_then_alias_token),
    cmocka_unit_test(match_ambiguous_token_not_used),
    cmocka_unit_test(match_same_record_naming_token_twice_is_not_ambiguous),
    cmocka_unit_test(match_tmdb_never_matches_tvdb),
    cmocka_unit_test(match_movie_never_matches_episode),
    cmocka_unit_test(match_episode_tokens_season_zero),
    cmocka_unit_test(match_token_priority_is_deterministic),
    cmocka_unit_test(match_empty_indexes),
    cmocka_unit_test(match_many_records_by_key_and_token),
};

CWP_TEST_MAIN(tests)
