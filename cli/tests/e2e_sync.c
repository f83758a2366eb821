/* End-to-end: `cwprogress sync` between two in-process mock Emby servers
 * (SPEC §5, §6, §7 READ-05/06, §9). Fixtures: cli/tests/fixtures/e2e-src and
 * e2e-dst (docs/USAGE.md describes the scenario). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwp_pty.h"
#include "cwp_test.h"
#include "e2e_support.h"
#include "sync.h"
#include "cwp/json.h"

#define SYNC(e, ...) \
	e2e_run((e), cwp__cmd_sync, "sync", "--config", (e)->pair, __VA_ARGS__, (char *)NULL)
#define DST E2E_DST_USER
#define SRC E2E_SRC_USER

static void expect_rc(const e2e_env *e, int want)
{
	if (e->rc != want)
		fail_msg("exit %d, expected %d\nstdout:\n%s\nstderr:\n%s", e->rc, want, e->out,
			 e->err);
}

static void expect_ticks(mock_emby *m, const char *user, const char *item, int64_t want)
{
	int64_t got = e2e_ticks(m, user, item);
	if (got != want)
		fail_msg("item %s: PlaybackPositionTicks %lld, expected %lld", item, (long long)got,
			 (long long)want);
}

static const char *reason_of(const cJSON *rep, const char *key, const char *item)
{
	const cJSON *it = e2e_report_item(rep, key, item);
	if (!it)
		fail_msg("no report item for %s/%s", key, item ? item : "-");
	return e2e_str(it, "reason");
}

/* The base scenario, one-way, remove on: exactly these writes happen. */
static void sync_oneway_writes_exactly_the_planned_items(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	/* 2101 2102 2103 (upserts), 2106 (clear), 2111 + 2211 (two versions),
	 * 2501, 2502 (episodes via the series, season 0 included). */
	assert_int_equal_dec(e2e_posts(e.dst), 8);
	assert_int_equal_dec(e2e_posts(e.src), 0);
	assert_int_equal_dec(e2e_deletes(e.dst), 0);
	char d[64];
	expect_ticks(e.dst, DST, "2101", 30 * E2E_MIN_TICKS);
	assert_string_equal(e2e_date(e.dst, DST, "2101", d), "2024-03-01T20:00:00.0000000Z");
	expect_ticks(e.dst, DST, "2102", 40 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2103", 20 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2111", 50 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2211", 50 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2501", 25 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2502", 5 * E2E_MIN_TICKS);
	/* untouched: would_regress, absent from the source, played, newer */
	expect_ticks(e.dst, DST, "2104", 60 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2107", 20 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2109", 0);
	assert_true(e2e_played(e.dst, DST, "2109"));
	assert_string_equal(e2e_date(e.dst, DST, "2110", d), "2024-03-10T20:00:00.0000000Z");
	assert_non_null(strstr(e.out, "8 writes applied"));
	e2e_stop(&e);
}

/* APPLY-07: an immediate second run plans and writes nothing. */
static void sync_oneway_second_run_writes_nothing(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	mock_emby_journal_clear(e.dst);
	mock_emby_journal_clear(e.src);
	SYNC(&e, "--journal", e.journal, "--json");
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	assert_int_equal_dec(e2e_deletes(e.dst) + e2e_deletes(e.src), 0);
	cJSON *rep = e2e_json_out(&e);
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(sum, "upserts")->valueint, 0);
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(sum, "clears")->valueint, 0);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* APPLY-08: the dry run's report equals the real run's, and sends no write. */
static void sync_dry_run_equals_real_run_and_sends_no_write(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	SYNC(&e, "--dry-run", "--json");
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	assert_int_equal_dec(e2e_deletes(e.dst) + e2e_deletes(e.src), 0);
	assert_int_equal_dec(
	    mock_emby_count(e.dst, "POST", NULL) + mock_emby_count(e.dst, "DELETE", NULL), 0);
	cJSON *dry = e2e_json_out(&e);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dry, "dry_run")));
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *real = e2e_json_out(&e);
	const cJSON *di = cJSON_GetObjectItemCaseSensitive(dry, "items");
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(real, "items");
	assert_int_equal_dec(cJSON_GetArraySize(di), cJSON_GetArraySize(ri));
	size_t writes = 0;
	for (int i = 0; i < cJSON_GetArraySize(di); i++) {
		const cJSON *a = cJSON_GetArrayItem(di, i), *b = cJSON_GetArrayItem(ri, i);
		static const char *const same[] = {"key",    "item_id", "direction", "action",
						   "reason", "stage",   NULL};
		for (int k = 0; same[k]; k++)
			if (strcmp(e2e_str(a, same[k]), e2e_str(b, same[k])))
				fail_msg("item %d %s: dry '%s', real '%s'", i, same[k],
					 e2e_str(a, same[k]), e2e_str(b, same[k]));
		const cJSON *wa = cJSON_GetObjectItemCaseSensitive(a, "write_ms");
		const cJSON *wb = cJSON_GetObjectItemCaseSensitive(b, "write_ms");
		assert_true(cJSON_Compare(wa, wb, true));
		if (!strcmp(e2e_str(a, "status"), "would_write")) {
			assert_string_equal(e2e_str(b, "status"), "written");
			writes++;
		} else {
			assert_string_equal(e2e_str(a, "status"), e2e_str(b, "status"));
		}
	}
	/* the 8 writes of the base scenario + the replayed played item */
	assert_int_equal_dec(writes, 9);
	assert_int_equal_dec(e2e_posts(e.dst), 9);
	cJSON_Delete(dry);
	cJSON_Delete(real);
	e2e_stop(&e);
}

/* APPLY-01: an item the user is watching right now is not written. */
static void sync_active_session_not_written(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	assert_int_equal(mock_emby_set_playing(e.dst, DST, "2102"), 0);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(reason_of(rep, "tmdb:102", "2102"), "active_session");
	expect_ticks(e.dst, DST, "2102", 10 * E2E_MIN_TICKS);
	assert_int_equal_dec(e2e_posts(e.dst), 7);
	assert_int_equal_dec(mock_emby_count(e.dst, "GET", "/Sessions"), 1);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* APPLY-02: a target played more recently than the source is not written. */
static void sync_target_newer_not_written(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(reason_of(rep, "tmdb:110", "2110"), "target_newer");
	expect_ticks(e.dst, DST, "2110", 0);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/2110/UserData"), 0);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* APPLY-03: a played target is left alone without replay_enabled. */
static void sync_played_target_not_written_without_replay(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(reason_of(rep, "tmdb:109", "2109"), "already_watched");
	assert_int_equal_dec(e2e_deletes(e.dst), 0);
	assert_true(e2e_played(e.dst, DST, "2109"));
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* APPLY-03 with replay: DELETE PlayedItems first, then the write. */
static void sync_played_target_replay_unwatches_then_writes(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(mock_emby_count(e.dst, "DELETE", "/Users/*/PlayedItems/2109"), 1);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/2109/UserData"), 1);
	expect_ticks(e.dst, DST, "2109", 45 * E2E_MIN_TICKS);
	assert_false(e2e_played(e.dst, DST, "2109"));
	/* order: the unwatch came first */
	char *j = mock_emby_journal_json(e.dst);
	const char *del = strstr(j, "PlayedItems/2109");
	const char *post = strstr(j, "Items/2109/UserData");
	assert_non_null(del);
	assert_non_null(post);
	assert_true(del < post);
	mock_emby_free(j);
	/* and it converges */
	mock_emby_journal_clear(e.dst);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_deletes(e.dst), 0);
	e2e_stop(&e);
}

/* APPLY-06: every version of a multi-version item is written. */
static void sync_multiversion_each_item_written(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(e2e_str(e2e_report_item(rep, "tmdb:111", "2111"), "status"), "written");
	assert_string_equal(e2e_str(e2e_report_item(rep, "tmdb:111", "2211"), "status"), "written");
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/2111/UserData"), 1);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/2211/UserData"), 1);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* Snapshot of an item's user data fields undo must restore. */
struct snap {
	const char *item;
	int64_t ticks;
	char date[64];
	bool played;
};

/* APPLY-09 + undo: the previous user data of every touched item is back. */
static void sync_journal_then_undo_restores_previous_userdata(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	struct snap s[] = {{.item = "2101"}, {.item = "2102"}, {.item = "2103"},
			   {.item = "2106"}, {.item = "2109"}, {.item = "2111"},
			   {.item = "2211"}, {.item = "2501"}, {.item = "2502"}};
	size_t n = sizeof(s) / sizeof(s[0]);
	/* a position that is not a whole millisecond: undo restores it to the tick */
	assert_int_equal(
	    mock_emby_set_userdata(e.dst, DST, "2102",
				   "{\"PlaybackPositionTicks\": 6000001234, "
				   "\"LastPlayedDate\": \"2024-02-01T20:00:00.0000000Z\", "
				   "\"Played\": false, \"PlayCount\": 0}"),
	    0);
	for (size_t i = 0; i < n; i++) {
		s[i].ticks = e2e_ticks(e.dst, DST, s[i].item);
		e2e_date(e.dst, DST, s[i].item, s[i].date);
		s[i].played = e2e_played(e.dst, DST, s[i].item);
	}
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst), 9);
	/* one "previous" line per written item, each before its write */
	char *j = e2e_slurp(e.journal);
	size_t prev = 0;
	for (const char *p = j; (p = strstr(p, "\"entry\":\"previous\"")) != NULL; p++)
		prev++;
	assert_int_equal_dec(prev, 9);
	free(j);

	/* a dry undo reads, shows, and sends nothing */
	mock_emby_journal_clear(e.dst);
	e2e_run(&e, cwp__cmd_undo, "undo", e.journal, "--dry-run", (char *)NULL);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_deletes(e.dst), 0);
	assert_non_null(strstr(e.out, "9 would be restored"));

	char undo_journal[PATH_MAX + 16];
	snprintf(undo_journal, sizeof(undo_journal), "%s/undo.jsonl", e.dir);
	e2e_run(&e, cwp__cmd_undo, "undo", e.journal, "--journal", undo_journal, (char *)NULL);
	expect_rc(&e, 0);
	for (size_t i = 0; i < n; i++) {
		char d[64];
		int64_t t = e2e_ticks(e.dst, DST, s[i].item);
		if (t < 0)
			t = 0; /* absent user data reads as position 0 */
		if (s[i].ticks < 0)
			s[i].ticks = 0;
		if (t != s[i].ticks)
			fail_msg("item %s: ticks %lld after undo, %lld before", s[i].item,
				 (long long)t, (long long)s[i].ticks);
		assert_string_equal(e2e_date(e.dst, DST, s[i].item, d), s[i].date);
		assert_true(e2e_played(e.dst, DST, s[i].item) == s[i].played);
	}
	/* the undo journaled what it overwrote */
	j = e2e_slurp(undo_journal);
	assert_non_null(strstr(j, "\"command\":\"undo\""));
	prev = 0;
	for (const char *p = j; (p = strstr(p, "\"entry\":\"previous\"")) != NULL; p++)
		prev++;
	assert_int_equal_dec(prev, 9);
	free(j);
	e2e_stop(&e);
}

/* APPLY-09: the journal holds the previous values even when every write
 * fails, because it is written (and synced) before the writes are sent. */
static void sync_journal_written_before_failing_writes(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	assert_int_equal(mock_emby_add_faults(e.dst, "{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/*/UserData\", \"kind\": "
						     "\"status\", \"status\": 400}"),
			 0);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 1);
	char *j = e2e_slurp(e.journal);
	size_t prev = 0, failed = 0;
	for (const char *p = j; (p = strstr(p, "\"entry\":\"previous\"")) != NULL; p++)
		prev++;
	for (const char *p = j; (p = strstr(p, "\"outcome\":\"failed\"")) != NULL; p++)
		failed++;
	assert_int_equal_dec(prev, 8);
	assert_int_equal_dec(failed, 8);
	free(j);
	/* each failure is listed */
	assert_non_null(strstr(e.out, "8 of 8 writes failed"));
	e2e_stop(&e);
}

/* CLI-03 + APPLY-07: a run interrupted by failures exits 1, the rerun
 * completes, the one after that writes nothing. */
static void sync_interrupted_run_completes_then_converges(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	assert_int_equal(mock_emby_add_faults(e.dst, "[{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/*/UserData\", \"nth\": 2, "
						     "\"kind\": \"status\", \"status\": 400}, "
						     "{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/*/UserData\", \"nth\": 5, "
						     "\"kind\": \"status\", \"status\": 404}]"),
			 0);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 1);
	cJSON *rep = e2e_json_out(&e);
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, 2);
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(sum, "written")->valueint, 6);
	cJSON_Delete(rep);
	mock_emby_clear_faults(e.dst);
	mock_emby_journal_clear(e.dst);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst), 2);
	mock_emby_journal_clear(e.dst);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	e2e_stop(&e);
}

/* TWO-02: two-way runs converge: the second run writes nothing on either
 * side; unresolved keys are listed, never an error (RES-04). */
static void sync_twoway_converges(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--two-way", "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	/* backward: Delta's newer destination position goes to the source */
	assert_string_equal(e2e_str(e2e_report_item(rep, "tmdb:104", "104"), "status"), "written");
	expect_ticks(e.src, SRC, "104", 60 * E2E_MIN_TICKS);
	/* Golf exists only on the destination server: unresolved on the source */
	assert_string_equal(e2e_str(e2e_report_item(rep, "tmdb:107", NULL), "unresolved"),
			    "not_found");
	/* Charlie: both want to write; the newer source wins (TWO-01) */
	expect_ticks(e.dst, DST, "2103", 20 * E2E_MIN_TICKS);
	expect_ticks(e.src, SRC, "103", 20 * E2E_MIN_TICKS);
	cJSON_Delete(rep);
	mock_emby_journal_clear(e.dst);
	mock_emby_journal_clear(e.src);
	SYNC(&e, "--two-way", "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	e2e_stop(&e);
}

/* TWO-02 after failures on the source side's writes. */
static void sync_twoway_interrupted_converges(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	assert_int_equal(mock_emby_add_faults(e.src, "{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/*/UserData\", \"kind\": "
						     "\"status\", \"status\": 400}"),
			 0);
	SYNC(&e, "--two-way", "--journal", e.journal);
	expect_rc(&e, 1);
	mock_emby_clear_faults(e.src);
	SYNC(&e, "--two-way", "--journal", e.journal);
	expect_rc(&e, 0);
	mock_emby_journal_clear(e.dst);
	mock_emby_journal_clear(e.src);
	SYNC(&e, "--two-way", "--journal", e.journal);
	expect_rc(&e, 0);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	e2e_stop(&e);
}

/* READ-06 + PLAN-03: an explicit zero on the source (finished there) clears
 * the destination's position; the clear leaves Played and PlayCount alone. */
static void sync_confirmed_zero_clears_destination(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	const cJSON *it = e2e_report_item(rep, "tmdb:106", "2106");
	assert_non_null(it);
	assert_string_equal(e2e_str(it, "action"), "clear");
	assert_string_equal(e2e_str(it, "status"), "written");
	expect_ticks(e.dst, DST, "2106", 0);
	assert_false(e2e_played(e.dst, DST, "2106"));
	char *j = mock_emby_journal_json(e.dst);
	assert_non_null(strstr(j, "{\\\"PlaybackPositionTicks\\\":0}"));
	mock_emby_free(j);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* PLAN-02/READ-06: with remove off nothing is cleared, and an item that is
 * absent from the source server is never cleared even with remove on. */
static void sync_remove_off_never_clears(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": false}");
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	expect_ticks(e.dst, DST, "2106", 15 * E2E_MIN_TICKS);
	expect_ticks(e.dst, DST, "2107", 20 * E2E_MIN_TICKS);
	assert_int_equal_dec(e2e_posts(e.dst), 7);
	e2e_stop(&e);
}

static void sync_absent_from_source_never_cleared(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_null(e2e_report_item(rep, "tmdb:107", NULL));
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/2107/UserData"), 0);
	expect_ticks(e.dst, DST, "2107", 20 * E2E_MIN_TICKS);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* READ-06: when the confirm lookups fail, nothing is cleared (and the run
 * goes on with everything else). */
static void sync_failed_confirm_lookup_never_clears(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	/* How many item listings indexing the source takes: measured, so that
	 * the fault hits exactly the lookups after it. */
	setenv("CWPROGRESS_TOKEN", E2E_SRC_TOKEN, 1);
	e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user", SRC,
		(char *)NULL);
	unsetenv("CWPROGRESS_TOKEN");
	expect_rc(&e, 0);
	size_t listings = mock_emby_count(e.src, "GET", "/Users/*/Items");
	mock_emby_journal_clear(e.src);
	char fault[256];
	snprintf(fault, sizeof(fault),
		 "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"from\": %zu, \"kind\": "
		 "\"status\", \"status\": 500}",
		 listings + 1);
	assert_int_equal(mock_emby_add_faults(e.src, fault), 0);
	SYNC(&e, "--json", "--journal", e.journal);
	expect_rc(&e, 0);
	expect_ticks(e.dst, DST, "2106", 15 * E2E_MIN_TICKS);
	assert_int_equal_dec(e2e_posts(e.dst), 7);
	cJSON *rep = e2e_json_out(&e);
	assert_true(cJSON_GetObjectItemCaseSensitive(rep, "warnings")->valueint > 0);
	cJSON_Delete(rep);
	e2e_stop(&e);
}

/* READ-05 + CLI-03: a side that cannot be read → exit 3, nothing written. */
static void sync_unreadable_side_exits_3_nothing_written(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	assert_int_equal(mock_emby_add_faults(e.dst, "{\"method\": \"GET\", \"route\": "
						     "\"/Users/*/Items\", \"kind\": \"status\", "
						     "\"status\": 500}"),
			 0);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 3);
	assert_int_equal_dec(e2e_posts(e.dst) + e2e_posts(e.src), 0);
	assert_int_equal_dec(e2e_deletes(e.dst) + e2e_deletes(e.src), 0);
	assert_non_null(strstr(e.out, "nothing was written"));
	e2e_stop(&e);
}

/* CLI-03: configuration errors are exit 2 and send nothing. */
static void sync_config_errors_exit_2(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"min_seconds\": -1}");
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 2);
	assert_non_null(strstr(e.err, "min_seconds"));
	e2e_write_pair(&e, NULL, "\"token_env\": \"E2E_NOT_SET_ANYWHERE\"", NULL);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 2);
	assert_non_null(strstr(e.err, "E2E_NOT_SET_ANYWHERE"));
	e2e_write_pair(&e, NULL, "\"token\": \"" E2E_SRC_TOKEN "\"", NULL);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 2);
	assert_null(strstr(e.err, E2E_SRC_TOKEN));
	e2e_run(&e, cwp__cmd_sync, "sync", (char *)NULL);
	expect_rc(&e, 2);
	assert_int_equal_dec(
	    mock_emby_count(e.src, NULL, "/*") + mock_emby_count(e.dst, NULL, "/*"), 0);
	e2e_stop(&e);
}

/* CLI-04: a token file readable by group or others is refused. */
static void sync_token_file_group_readable_refused(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char tf[PATH_MAX + 16], auth[PATH_MAX + 64];
	snprintf(tf, sizeof(tf), "%s/src.token", e.dir);
	FILE *f = fopen(tf, "w");
	assert_non_null(f);
	fputs(E2E_SRC_TOKEN "\n", f);
	fclose(f);
	assert_int_equal(chmod(tf, 0640), 0);
	snprintf(auth, sizeof(auth), "\"token_file\": \"%s\"", tf);
	e2e_write_pair(&e, NULL, auth, NULL);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 2);
	assert_non_null(strstr(e.err, "chmod 600"));
	assert_int_equal_dec(mock_emby_count(e.src, NULL, "/System/Info/Public"), 0);
	assert_int_equal(chmod(tf, 0600), 0);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 0);
	e2e_stop(&e);
}

/* CLI-05: --insecure only by its full name, and with a warning. */
static void sync_insecure_only_by_full_name(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--insec", "--dry-run");
	expect_rc(&e, 2);
	assert_int_equal_dec(mock_emby_count(e.src, NULL, "/System/Info/Public"), 0);
	SYNC(&e, "--insecure", "--dry-run");
	expect_rc(&e, 0);
	assert_non_null(strstr(e.err, "NOT verified"));
	e2e_stop(&e);
}

static void assert_no_token(const char *what, const char *text)
{
	if (strstr(text, E2E_SRC_TOKEN) || strstr(text, E2E_DST_TOKEN))
		fail_msg("a token appears in %s", what);
}

/* CLI-04: run every command with known tokens; they appear in no output,
 * journal, report, plan, or request journal. */
static void tokens_appear_nowhere(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	char plan[PATH_MAX + 16], undo_j[PATH_MAX + 16];
	snprintf(plan, sizeof(plan), "%s/plan.json", e.dir);
	snprintf(undo_j, sizeof(undo_j), "%s/undo.jsonl", e.dir);
	/* with a fault, so that error messages are printed too */
	mock_emby_add_faults(e.dst, "{\"method\": \"POST\", \"route\": "
				    "\"/Users/*/Items/*/UserData\", \"nth\": 1, \"kind\": "
				    "\"status\", \"status\": 401}");
	const char *runs[][4] = {{"--dry-run", "--explain", "-v", NULL},
				 {"--json", "--plan-out", plan, NULL},
				 {"--explain", "-v", NULL, NULL},
				 {"--two-way", "--json", NULL, NULL}};
	for (size_t r = 0; r < 4; r++) {
		e2e_run(&e, cwp__cmd_sync, "sync", "--config", e.pair, "--journal", e.journal,
			runs[r][0], runs[r][1], runs[r][2], (char *)NULL);
		assert_no_token("sync stdout", e.out);
		assert_no_token("sync stderr", e.err);
	}
	e2e_run(&e, cwp__cmd_undo, "undo", e.journal, "--journal", undo_j, "-v", (char *)NULL);
	assert_no_token("undo stdout", e.out);
	assert_no_token("undo stderr", e.err);
	e2e_run(&e, cwp__cmd_undo, "undo", e.journal, "--dry-run", "--json", (char *)NULL);
	assert_no_token("undo --json", e.out);
	setenv("CWPROGRESS_TOKEN", E2E_SRC_TOKEN, 1);
	e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user", SRC, "-v",
		(char *)NULL);
	expect_rc(&e, 0);
	assert_no_token("index stdout", e.out);
	assert_no_token("index stderr", e.err);
	/* a wrong token: the error names the server, not the token */
	setenv("CWPROGRESS_TOKEN", "e2e-wrong-TOKEN-000", 1);
	e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user", SRC,
		(char *)NULL);
	expect_rc(&e, 3);
	assert_null(strstr(e.err, "e2e-wrong-TOKEN-000"));
	unsetenv("CWPROGRESS_TOKEN");
	char *files[] = {e2e_slurp(e.journal), e2e_slurp(plan), e2e_slurp(undo_j),
			 mock_emby_journal_json(e.src), mock_emby_journal_json(e.dst)};
	const char *names[] = {"journal", "plan", "undo journal", "source requests",
			       "destination requests"};
	assert_true(strlen(files[0]) > 0);
	cJSON *planj = cwp_json_parse_str(files[1]); /* --plan-out: plan JSON (CLI-02) */
	assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(planj, "decisions")));
	cJSON_Delete(planj);
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(files[i]);
		assert_no_token(names[i], files[i]);
		if (i < 3)
			free(files[i]);
		else
			mock_emby_free(files[i]);
	}
	e2e_stop(&e);
}

/* CLI-02 through the client: `cwprogress index` prints the index JSON. */
static void index_prints_progress_index(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	setenv("CWPROGRESS_TOKEN", E2E_SRC_TOKEN, 1);
	e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user", SRC,
		(char *)NULL);
	unsetenv("CWPROGRESS_TOKEN");
	expect_rc(&e, 0);
	cJSON *idx = e2e_json_out(&e);
	/* 11 resumable items (Foxtrot is finished: position 0) */
	assert_int_equal_dec(cJSON_GetArraySize(idx), 11);
	const cJSON *alpha = cJSON_GetObjectItemCaseSensitive(idx, "tmdb:101");
	assert_non_null(alpha);
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(alpha, "progress_ms")->valuedouble,
			     1800000);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(idx, "tmdb:9001#s00e01"));
	cJSON_Delete(idx);
	/* no token → usage error, nothing sent */
	mock_emby_journal_clear(e.src);
	e2e_run(&e, cwp__cmd_index, "index", "--server", mock_emby_url(e.src), "--user", SRC,
		(char *)NULL);
	expect_rc(&e, 2);
	assert_int_equal_dec(mock_emby_count(e.src, NULL, "/*"), 0);
	e2e_stop(&e);
}

/* CLI-06: colours only when asked for or on a terminal, never with NO_COLOR;
 * no progress bar when stderr is not a terminal. */
static void sync_no_color_honoured(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 0);
	assert_null(strchr(e.out, '\033'));
	assert_null(strchr(e.err, '\033'));
	setenv("CWPROGRESS_FORCE_COLOR", "1", 1);
	SYNC(&e, "--dry-run");
	assert_non_null(strchr(e.out, '\033'));
	setenv("NO_COLOR", "1", 1);
	SYNC(&e, "--dry-run");
	expect_rc(&e, 0);
	assert_null(strchr(e.out, '\033'));
	assert_null(strchr(e.err, '\033'));
	unsetenv("NO_COLOR");
	unsetenv("CWPROGRESS_FORCE_COLOR");
	e2e_stop(&e);
}

/* CLI-06: the progress bar is drawn on stderr when it is a terminal (a
 * pseudo-terminal here), and never into a file or a pipe. Without a terminal
 * on the machine the test skips, saying why. Everything is released before
 * the first assert, so a failing check leaks nothing (memcheck). */
static void sync_progress_bar_only_on_a_terminal(void **state)
{
	(void)state;
	int master, slave;
	char why[256];
	if (!cwp_test_openpty(&master, &slave, why, sizeof(why))) {
		print_message("sync_progress_bar_only_on_a_terminal %s\n", why);
		skip();
	}
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--journal", e.journal);
	int rc_file = e.rc;
	bool cr_in_file = e.err && strchr(e.err, '\r');
	mock_emby_reset(e.dst);

	FILE *err = fdopen(slave, "w");
	FILE *out = tmpfile();
	int rc = -1;
	if (err && out) {
		char *argv[] = {"sync", "--config", e.pair, "--journal", e.journal, NULL};
		rc = cwp__cmd_sync(5, argv, out, err);
	}
	if (err)
		fclose(err);
	else
		close(slave);
	if (out)
		fclose(out);
	char buf[16384];
	int flags = fcntl(master, F_GETFL);
	fcntl(master, F_SETFL, flags | O_NONBLOCK);
	ssize_t n, total = 0;
	while (total < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(master, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	close(master);
	buf[total > 0 ? total : 0] = 0;
	e2e_stop(&e);

	assert_int_equal(rc_file, 0);
	assert_false(cr_in_file);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(buf, "\033[K"));
	assert_non_null(strstr(buf, "index"));
	assert_non_null(strstr(buf, "write"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sync_oneway_writes_exactly_the_planned_items),
	    cmocka_unit_test(sync_oneway_second_run_writes_nothing),
	    cmocka_unit_test(sync_dry_run_equals_real_run_and_sends_no_write),
	    cmocka_unit_test(sync_active_session_not_written),
	    cmocka_unit_test(sync_target_newer_not_written),
	    cmocka_unit_test(sync_played_target_not_written_without_replay),
	    cmocka_unit_test(sync_played_target_replay_unwatches_then_writes),
	    cmocka_unit_test(sync_multiversion_each_item_written),
	    cmocka_unit_test(sync_journal_then_undo_restores_previous_userdata),
	    cmocka_unit_test(sync_journal_written_before_failing_writes),
	    cmocka_unit_test(sync_interrupted_run_completes_then_converges),
	    cmocka_unit_test(sync_twoway_converges),
	    cmocka_unit_test(sync_twoway_interrupted_converges),
	    cmocka_unit_test(sync_confirmed_zero_clears_destination),
	    cmocka_unit_test(sync_remove_off_never_clears),
	    cmocka_unit_test(sync_absent_from_source_never_cleared),
	    cmocka_unit_test(sync_failed_confirm_lookup_never_clears),
	    cmocka_unit_test(sync_unreadable_side_exits_3_nothing_written),
	    cmocka_unit_test(sync_config_errors_exit_2),
	    cmocka_unit_test(sync_token_file_group_readable_refused),
	    cmocka_unit_test(sync_insecure_only_by_full_name),
	    cmocka_unit_test(tokens_appear_nowhere),
	    cmocka_unit_test(index_prints_progress_index),
	    cmocka_unit_test(sync_no_color_honoured),
	    cmocka_unit_test(sync_progress_bar_only_on_a_terminal),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
