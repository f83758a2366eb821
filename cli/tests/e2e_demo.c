/* End-to-end: `cwprogress demo` over the bundled fixtures
 * (mock_emby/fixtures/demo-a → demo-b). Asserts the exact writes through the
 * destination's request journal and the final user data (--save DIR keeps
 * both), the plan → sync → converged sequence, and that no token shows. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cwp_test.h"
#include "e2e_support.h"
#include "sync.h"
#include "cwp/json.h"

#define DEMO_B_USER "d4c3b2a1f0e94d8c8b7a695847362514"

struct write {
	const char *item;
	long long ticks;
	const char *date; /* NULL: a clear ({"PlaybackPositionTicks":0}) */
};

/* What the demo writes to demo-b, one-way, remove on (see the dry run's
 * table in `cwprogress demo --explain`). */
static const struct write expected[] = {
    {"51810", 12000000000LL, "2024-03-03T22:00:00.0000000Z"},
    {"51853", 18000000000LL, "2024-03-04T22:30:00.0000000Z"},
    {"51343", 24000000000LL, "2024-03-07T19:00:00.0000000Z"},
    {"51073", 72000000000LL, "2024-03-01T22:00:00.0000000Z"},
    {"51060", 27000000000LL, "2024-03-04T19:30:00.0000000Z"},
    {"51180", 24000000000LL, "2024-03-05T20:45:00.0000000Z"},
    {"51240", 42000000000LL, "2024-02-11T21:00:00.0000000Z"},
    {"52033", 24000000000LL, "2024-01-02T20:00:00.0000000Z"},
    {"51030", 31500000000LL, "2024-03-03T21:10:00.0000000Z"}, /* two versions */
    {"51013", 31500000000LL, "2024-03-03T21:10:00.0000000Z"}, /* of one movie */
    {"51103", 0, NULL},                                       /* confirmed finished */
    {"51630", 15000000000LL, "2024-02-25T22:00:00.0000000Z"},
    {"51643", 9000000000LL, "2024-02-28T20:00:00.0000000Z"},
    {"51510", 0, NULL},
    {"51960", 30000000000LL, "2024-02-02T21:00:00.0000000Z"},
};
#define N_EXPECTED (sizeof(expected) / sizeof(expected[0]))

static const struct write *find_expected(const char *item)
{
	for (size_t i = 0; i < N_EXPECTED; i++)
		if (!strcmp(expected[i].item, item))
			return &expected[i];
	return NULL;
}

static cJSON *load(const char *path)
{
	char *s = e2e_slurp(path);
	cJSON *o = cwp_json_parse_str(s);
	free(s);
	if (!o)
		fail_msg("%s is not JSON", path);
	return o;
}

static long long ticks_of(const cJSON *ud)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	return cJSON_IsNumber(t) ? (long long)t->valuedouble : 0;
}

static void demo_writes_exactly_the_expected_items(void **state)
{
	(void)state;
	char dir[] = "/tmp/cwp-e2e-demo-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char fixtures[PATH_MAX], save[PATH_MAX], path[PATH_MAX + 64];
	snprintf(fixtures, sizeof(fixtures), "%s/mock_emby/fixtures", CWP_SOURCE_DIR);
	snprintf(save, sizeof(save), "%s/save", dir);
	e2e_env e;
	memset(&e, 0, sizeof(e));
	e2e_run(&e, cwp__cmd_demo, "demo", "--fixtures", fixtures, "--save", save, (char *)NULL);
	if (e.rc != 0)
		fail_msg("demo exit %d\n%s\n%s", e.rc, e.out, e.err);
	assert_non_null(strstr(e.out, "the second run found nothing to write"));
	assert_non_null(strstr(e.out, "the dry run planned exactly what the sync then did"));

	/* the writes, as the destination received them */
	snprintf(path, sizeof(path), "%s/demo-b.requests.json", save);
	cJSON *reqs = load(path);
	size_t posts = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, reqs)
	{
		const char *method = e2e_str(r, "method"), *p = e2e_str(r, "path");
		if (!strcmp(method, "DELETE"))
			fail_msg("unexpected DELETE %s", p);
		if (strcmp(method, "POST"))
			continue;
		const char *items = strstr(p, "/Items/");
		assert_non_null(items);
		char item[32];
		snprintf(item, sizeof(item), "%.*s", (int)strcspn(items + 7, "/"), items + 7);
		const struct write *w = find_expected(item);
		if (!w)
			fail_msg("unexpected write to item %s: %s", item, e2e_str(r, "body"));
		char body[160];
		if (w->date)
			snprintf(body, sizeof(body),
				 "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":\"%s\"}",
				 w->ticks, w->date);
		else
			snprintf(body, sizeof(body), "{\"PlaybackPositionTicks\":0}");
		assert_string_equal(e2e_str(r, "body"), body);
		posts++;
	}
	assert_int_equal_dec(posts, N_EXPECTED);
	cJSON_Delete(reqs);
	snprintf(path, sizeof(path), "%s/demo-a.requests.json", save);
	reqs = load(path);
	cJSON_ArrayForEach(r, reqs) assert_string_equal(e2e_str(r, "method"), "GET");
	cJSON_Delete(reqs);

	/* the final user data: written items hold what was written, every
	 * other item of the fixture is as it was */
	snprintf(path, sizeof(path), "%s/demo-b.state.json", save);
	cJSON *st = load(path);
	const cJSON *final = cJSON_GetObjectItemCaseSensitive(st, DEMO_B_USER);
	snprintf(path, sizeof(path), "%s/demo-b/userdata/%s.json", fixtures, DEMO_B_USER);
	cJSON *before = load(path);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const cJSON *ud = cJSON_GetObjectItemCaseSensitive(final, expected[i].item);
		assert_non_null(ud);
		assert_int_equal_dec(ticks_of(ud), expected[i].ticks);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(before, expected[i].item);
		if (expected[i].date)
			assert_string_equal(e2e_str(ud, "LastPlayedDate"), expected[i].date);
		else /* APPLY-05: a clear never touches Played */
			assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")) ==
				    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "Played")));
	}
	const cJSON *b;
	cJSON_ArrayForEach(b, before)
	{
		if (find_expected(b->string))
			continue;
		const cJSON *ud = cJSON_GetObjectItemCaseSensitive(final, b->string);
		assert_non_null(ud);
		if (ticks_of(ud) != ticks_of(b))
			fail_msg("item %s changed: %lld, was %lld", b->string, ticks_of(ud),
				 ticks_of(b));
		assert_string_equal(e2e_str(ud, "LastPlayedDate"), e2e_str(b, "LastPlayedDate"));
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")) ==
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "Played")));
	}
	cJSON_Delete(before);
	cJSON_Delete(st);

	/* CLI-04: the fixtures' tokens appear in no output or journal */
	const char *servers[] = {"demo-a", "demo-b"};
	snprintf(path, sizeof(path), "%s/journal.jsonl", save);
	char *journal = e2e_slurp(path);
	for (int s = 0; s < 2; s++) {
		snprintf(path, sizeof(path), "%s/%s/server.json", fixtures, servers[s]);
		cJSON *srv = load(path);
		const cJSON *u;
		cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(srv, "Users"))
		{
			const char *tok = e2e_str(u, "Token");
			if (!*tok)
				continue;
			assert_null(strstr(e.out, tok));
			assert_null(strstr(e.err, tok));
			assert_null(strstr(journal, tok));
		}
		cJSON_Delete(srv);
	}
	free(journal);
	free(e.out);
	free(e.err);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* TWO-02 on the bundled fixtures: the two-way demo converges too (its
 * source holds two versions of a movie at different positions). */
static void demo_twoway_converges(void **state)
{
	(void)state;
	char fixtures[PATH_MAX];
	snprintf(fixtures, sizeof(fixtures), "%s/mock_emby/fixtures", CWP_SOURCE_DIR);
	e2e_env e;
	memset(&e, 0, sizeof(e));
	e2e_run(&e, cwp__cmd_demo, "demo", "--fixtures", fixtures, "--two-way", (char *)NULL);
	if (e.rc != 0)
		fail_msg("demo --two-way exit %d\n%s\n%s", e.rc, e.out, e.err);
	assert_non_null(strstr(e.out, "ok  the second run found nothing to write"));
	free(e.out);
	free(e.err);
}

/* Without fixtures the demo says where it looked and how to point it. */
static void demo_without_fixtures_exits_2_with_a_hint(void **state)
{
	(void)state;
	e2e_env e;
	memset(&e, 0, sizeof(e));
	e2e_run(&e, cwp__cmd_demo, "demo", "--fixtures", "/nonexistent-cwp-fixtures", (char *)NULL);
	assert_int_equal(e.rc, 2);
	assert_non_null(strstr(e.err, "--fixtures"));
	free(e.out);
	free(e.err);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(demo_writes_exactly_the_expected_items),
	    cmocka_unit_test(demo_twoway_converges),
	    cmocka_unit_test(demo_without_fixtures_exits_2_with_a_hint),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
