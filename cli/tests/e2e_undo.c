/* APPLY-10 end to end, as a user meets it: undo gives back, never takes.
 * Two defects reproduced: (1) with replay, the unwatch of a played item
 * lands, then its write is refused: undo must give Played and
 * LastPlayedDate back; (2) the user watches on after a sync: undo must not
 * overwrite the newer progress. */
#include <stdlib.h>
#include <string.h>

#include "cwp_test.h"
#include "e2e_support.h"
#include "sync.h"

#define SYNC(e, ...) e2e_run((e), cwp__cmd_sync, "sync", "--config", (e)->pair, __VA_ARGS__, NULL)
#define UNDO(e, ...) e2e_run((e), cwp__cmd_undo, "undo", (e)->journal, __VA_ARGS__, NULL)
#define DST          E2E_DST_USER

static void expect_rc(const e2e_env *e, int want)
{
	if (e->rc != want)
		fail_msg("exit %d, expected %d\nstdout:\n%s\nstderr:\n%s", e->rc, want, e->out,
			 e->err);
}

static const char *undo_status(const cJSON *rep, const char *item)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rep, "items"))
	{
		const char *id = e2e_str(it, "item_id");
		if (id && !strcmp(id, item))
			return e2e_str(it, "status");
	}
	return "(absent)";
}

/* Defect 1: "restored 0, failed 0", exit 0, and the item stayed unplayed
 * with its LastPlayedDate gone. */
static void undo_gives_back_an_unwatch_before_a_refused_write(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", "{\"remove\": true, \"replay_enabled\": true}");
	char date[64];
	e2e_date(e.dst, DST, "2109", date);
	assert_true(e2e_played(e.dst, DST, "2109"));
	assert_int_equal(mock_emby_add_faults(e.dst, "{\"method\": \"POST\", \"route\": "
						     "\"/Users/*/Items/2109/UserData\", "
						     "\"kind\": \"status\", \"status\": 400}"),
			 0);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 1);
	assert_false(e2e_played(e.dst, DST, "2109")); /* the unwatch landed */
	mock_emby_clear_faults(e.dst);

	char uj[PATH_MAX + 16];
	snprintf(uj, sizeof(uj), "%s/undo.jsonl", e.dir);
	UNDO(&e, "--journal", uj, "--json");
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(undo_status(rep, "2109"), "restored");
	cJSON_Delete(rep);
	char now[64];
	assert_true(e2e_played(e.dst, DST, "2109"));
	assert_string_equal(e2e_date(e.dst, DST, "2109", now), date);
	e2e_stop(&e);
}

/* Defect 2: undo overwrote progress made after the sync. */
static void undo_leaves_progress_made_since_the_run(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	SYNC(&e, "--journal", e.journal);
	expect_rc(&e, 0);
	const char *later = "{\"PlaybackPositionTicks\": 55555550000, "
			    "\"LastPlayedDate\": \"2030-01-01T20:00:00.0000000Z\", "
			    "\"Played\": false, \"PlayCount\": 0}";
	assert_int_equal(mock_emby_set_userdata(e.dst, DST, "2101", later), 0);
	assert_int_equal(mock_emby_set_playing(e.dst, DST, "2102"), 0);
	int64_t playing_ticks = e2e_ticks(e.dst, DST, "2102");

	char uj[PATH_MAX + 16];
	snprintf(uj, sizeof(uj), "%s/undo.jsonl", e.dir);
	UNDO(&e, "--journal", uj, "--json");
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	assert_string_equal(undo_status(rep, "2101"), "changed_since");
	assert_string_equal(undo_status(rep, "2102"), "changed_since");
	assert_string_equal(undo_status(rep, "2103"), "restored");
	cJSON_Delete(rep);
	char d[64];
	assert_int_equal(e2e_ticks(e.dst, DST, "2101"), 55555550000LL);
	assert_string_equal(e2e_date(e.dst, DST, "2101", d), "2030-01-01T20:00:00.0000000Z");
	assert_int_equal(e2e_ticks(e.dst, DST, "2102"), playing_ticks);
	/* and the human report says so */
	UNDO(&e, "--dry-run");
	assert_non_null(strstr(e.out, "changed since"));
	e2e_stop(&e);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(undo_gives_back_an_unwatch_before_a_refused_write),
	    cmocka_unit_test(undo_leaves_progress_made_since_the_run),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
