/* Households and the schedule end to end (SVC-01, SVC-02): two in-process
 * demo mocks, pair files with "users", `cwprogress sync` run in-process and
 * the service on a thread of this process, stopped as SIGTERM would
 * (service_support.h). */
#include "service_support.h"

#include "cwp/json.h"

#include "cwp_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void household_names_resolved_each_pair_its_own_report(void **state)
{
	(void)state;
	env e;
	env_start(&e,
		  "[{\"source\": \"alice\", \"destination\": \"ALICE\"}, "
		  "{\"source\": \"" A_BOB "\", \"destination\": \"bob\"}]",
		  false);
	int rc = run_sync(&e, "--json", NULL);
	cJSON *doc = out_json(&e);
	assert_int_equal_dec(num(doc, "exit_code"), rc);
	assert_int_equal_dec(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "pairs")), 2);
	assert_string_equal(str(pair_at(doc, 0), "source_user"), A_ALICE);
	assert_string_equal(str(pair_at(doc, 0), "destination_user"), B_ALICE);
	assert_string_equal(str(pair_at(doc, 1), "source_user"), A_BOB);
	assert_string_equal(str(pair_at(doc, 1), "destination_user"), B_BOB);
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(pair_at(doc, 0), "report");
	assert_true(cJSON_IsObject(rep));
	assert_int_equal_dec(num(rep, "exit_code"), 0);
	cJSON_Delete(doc);
	/* Each pair wrote only its own destination user. */
	assert_true(posts_for(e.b, B_ALICE) > 0);
	assert_int_equal_dec(mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData"),
			     posts_for(e.b, B_ALICE) + posts_for(e.b, B_BOB));
	/* Human output groups by pair. */
	rc = run_sync(&e, NULL, NULL);
	char *out = slurp(e.out);
	assert_non_null(strstr(out, "== alice -> ALICE =="));
	assert_non_null(strstr(out, "== " A_BOB " -> bob =="));
	free(out);
	env_stop(&e);
}

static void household_unreadable_pair_never_stops_the_other(void **state)
{
	(void)state;
	env e;
	env_start(&e,
		  "[{\"source\": \"bob\", \"destination\": \"bob\"}, "
		  "{\"source\": \"alice\", \"destination\": \"alice\"}]",
		  false);
	/* bob's index cannot be read on the source (READ-05). */
	assert_int_equal(mock_emby_add_faults(e.a, "[{\"route\": \"/Users/" A_BOB
						   "/Items\", \"kind\": \"status\", "
						   "\"status\": 500}]"),
			 0);
	int rc = run_sync(&e, "--json", NULL);
	cJSON *doc = out_json(&e);
	assert_int_equal_dec(rc, 3); /* the worst of the pairs */
	assert_int_equal_dec(num(pair_at(doc, 0), "exit_code"), 3);
	assert_int_equal_dec(num(pair_at(doc, 1), "exit_code"), 0);
	cJSON_Delete(doc);
	assert_int_equal_dec(posts_for(e.b, B_BOB), 0);
	assert_true(posts_for(e.b, B_ALICE) > 0);
	env_stop(&e);
}

static void household_bad_users_refused_before_any_write(void **state)
{
	(void)state;
	static const struct {
		const char *users, *needle;
	} cases[] = {
	    {"[{\"source\": \"alice\", \"destination\": \"alice\"}, {\"source\": \"bob\", "
	     "\"destination\": \"" B_ALICE "\"}]",
	     "same destination user"},
	    {"[{\"source\": \"carol\", \"destination\": \"alice\"}]", "\"carol\" matches no user"},
	    {"[{\"source\": \"alice\"}]", "users[0].destination"},
	    {"[]", "users must be an array"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env e;
		env_start(&e, cases[i].users, false);
		int rc = run_sync(&e, NULL, NULL);
		char *err = slurp(e.err);
		if (rc != 2 || !strstr(err, cases[i].needle))
			fail_msg("%s: exit %d, %s", cases[i].users, rc, err);
		free(err);
		assert_int_equal_dec(mock_emby_count(e.b, "POST", NULL), 0);
		env_stop(&e);
	}
}

#define ALICE_AND_BOB                                                                  \
	"[{\"source\": \"alice\", \"destination\": \"alice\"}, {\"source\": \"bob\", " \
	"\"destination\": \"bob\"}]"

/* The report's row of a destination item, NULL when the pair has none. */
static const cJSON *row_of(const cJSON *pair, const char *item)
{
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(pair, "report");
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rep, "items"))
	{
		if (strcmp(str(it, "item_id"), item) == 0)
			return it;
	}
	return NULL;
}

/* Fails naming both servers' counts unless each got `probes` probes and
 * the destination `sessions` /Sessions reads (the source is never asked
 * who plays what in a one-way run). */
static void requests_per_server(env *e, size_t probes, size_t sessions)
{
	size_t p[2] = {mock_emby_count(e->a, "GET", "/System/Info/Public"),
		       mock_emby_count(e->b, "GET", "/System/Info/Public")};
	size_t n[2] = {mock_emby_count(e->a, "GET", "/Sessions"),
		       mock_emby_count(e->b, "GET", "/Sessions")};
	if (p[0] != probes || p[1] != probes || n[0] != 0 || n[1] != sessions)
		fail_msg("probes a %zu, b %zu; /Sessions reads a %zu, b %zu; expected %zu "
			 "probes each and %zu /Sessions on b",
			 p[0], p[1], n[0], n[1], probes, sessions);
}

/* SVC-01: the pairs of one run share one probe and one /Sessions read per
 * server; each pair still reads the sessions of its own user (APPLY-01). */
static void household_one_probe_one_sessions_read_per_server(void **state)
{
	(void)state;
	env e;
	env_start(&e, ALICE_AND_BOB, false);
	/* The Matrix: both pairs would write it on b; bob is watching it there. */
	assert_int_equal(mock_emby_set_playing(e.b, B_BOB, "51013"), 0);
	int rc = run_sync(&e, "--json", NULL);
	cJSON *doc = out_json(&e);
	assert_int_equal_dec(rc, 0);
	requests_per_server(&e, 1, 1);
	const cJSON *alice = row_of(pair_at(doc, 0), "51013");
	const cJSON *bob = row_of(pair_at(doc, 1), "51013");
	assert_non_null(alice);
	assert_non_null(bob);
	assert_string_equal(str(bob, "reason"), "active_session");
	assert_string_equal(str(alice, "status"), "written");
	assert_int_equal_dec(mock_emby_count(e.b, "POST", "/Users/" B_BOB "/Items/51013/UserData"),
			     0);
	assert_int_equal_dec(
	    mock_emby_count(e.b, "POST", "/Users/" B_ALICE "/Items/51013/UserData"), 1);
	/* Each pair's probe still names its own user. */
	const cJSON *srv = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pair_at(doc, 1), "report"), "servers");
	assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(srv, "destination"), "user_name"),
			    "bob");
	cJSON_Delete(doc);
	env_stop(&e);
}

/* A service on a 1 s schedule, stopped after its second run (exit 0): its
 * log. */
static char *log_of_two_runs(env *e)
{
	svc_run r;
	svc_start(&r, e, 1000, NULL);
	assert_int_equal_dec(wait_log(e, "cwprogress: run:", 2, 15000), 2);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	return slurp(e->err);
}

/* The shared answers live for one run: each scheduled run reads again. */
static void every_each_run_probes_and_reads_sessions_again(void **state)
{
	(void)state;
	env e;
	env_start(&e, ALICE_AND_BOB, false);
	char *err = log_of_two_runs(&e);
	int runs = count_of(err, "cwprogress: run:");
	free(err);
	requests_per_server(&e, (size_t)runs, (size_t)runs);
	env_stop(&e);
}

static void every_stop_between_runs_exits_0_at_once(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	svc_run r;
	svc_start(&r, &e, 60000, NULL);
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 1, 10000), 1);
	int64_t t0 = now_ms();
	cwp__service_stop(); /* as SIGTERM */
	assert_int_equal_dec(svc_join(&r), 0);
	int64_t took = now_ms() - t0;
	if (took > 1000 * scale())
		fail_msg("stopping between runs took %lld ms", (long long)took);
	char *err = slurp(e.err);
	assert_non_null(strstr(err, "exit 0"));
	assert_non_null(strstr(err, "stopped (exit 0)"));
	free(err);
	env_stop(&e);
}

static void every_failed_run_then_a_good_one(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	/* The first run cannot read the source; the next one can. */
	assert_int_equal(mock_emby_add_faults(e.a, "[{\"route\": \"/Users/*/Items\", \"kind\": "
						   "\"status\", \"status\": 500, \"times\": 1}]"),
			 0);
	char *err = log_of_two_runs(&e);
	const char *first = strstr(err, "cwprogress: run:");
	assert_non_null(strstr(first, "exit 3"));
	const char *second = strstr(first + 1, "cwprogress: run:");
	assert_non_null(second);
	assert_non_null(strstr(second, "exit 0"));
	assert_true(strstr(first, "exit 3") < second);
	free(err);
	assert_true(posts_for(e.b, B_ALICE) > 0);
	env_stop(&e);
}

/* SVC-02: with an interval shorter than a (slow) run, the next run starts
 * only when the previous one has ended. The destination's journal shows it:
 * run 2's probe comes only after run 1's slow request. */
static void every_runs_never_overlap_with_a_slow_server(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	assert_int_equal(mock_emby_add_faults(e.b, "[{\"method\": \"GET\", \"route\": "
						   "\"/Users/*/Items\", \"kind\": \"delay\", "
						   "\"delay_ms\": 1500, \"times\": 1}]"),
			 0);
	svc_run r;
	svc_start(&r, &e, 1000, NULL);
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 2, 15000), 2);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *j = mock_emby_journal_json(e.b);
	cJSON *jr = cwp_json_parse_str(j);
	mock_emby_free(j);
	int n = cJSON_GetArraySize(jr), slow = -1, again = -1, probes = 0;
	for (int i = 0; i < n; i++) {
		const cJSON *it = cJSON_GetArrayItem(jr, i);
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "fault");
		if (slow < 0 && f && !cJSON_IsNull(f))
			slow = i;
		/* Each run starts with its probe. */
		if (strcmp(str(it, "path"), "/System/Info/Public") == 0 && ++probes == 2)
			again = i;
	}
	cJSON_Delete(jr);
	if (slow < 0 || again < 0 || again < slow)
		fail_msg("run 2 began at request %d, run 1's slow request is %d (of %d)", again,
			 slow, n);
	char *err = slurp(e.err);
	const char *line = strstr(err, "cwprogress: run:");
	const char *ms = line ? strstr(line, " ms") : NULL;
	long took = 0;
	while (ms && ms > line && ms[-1] >= '0' && ms[-1] <= '9')
		ms--;
	if (ms)
		took = strtol(ms, NULL, 10);
	free(err);
	if (took < 1500)
		fail_msg("run 1 took %ld ms, not the slow server's 1500", took);
	env_stop(&e);
}

static void every_sigterm_during_a_run_exits_130(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", false);
	assert_int_equal(mock_emby_add_faults(e.b, "[{\"method\": \"POST\", \"route\": "
						   "\"/Users/*/Items/*/UserData\", \"kind\": "
						   "\"delay\", \"delay_ms\": 700}]"),
			 0);
	svc_run r;
	svc_start(&r, &e, 60000, NULL);
	/* Journal first (APPLY-09): once the previous states are journaled the
	 * writes start, at most 4 at once, each answered after 700 ms. */
	int64_t end = now_ms() + 10000 * scale();
	for (;;) {
		char *jr = slurp(e.journal);
		int lines = count_of(jr, "\n");
		free(jr);
		if (lines >= 2 || now_ms() > end)
			break;
		struct timespec ts = {0, 2 * 1000000L}; /* polling the journal, with a deadline */
		nanosleep(&ts, NULL);
	}
	kill(getpid(), SIGTERM); /* during the run: APPLY-11 */
	assert_int_equal_dec(svc_join(&r), 130);
	size_t sent = mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData");
	char *jr = slurp(e.journal);
	/* No write started after the signal: at most the ones in flight. */
	if (sent > 4)
		fail_msg("%zu writes after SIGTERM (max_in_flight 4)", sent);
	assert_true(strlen(jr) > 0);
	free(jr);
	env_stop(&e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(household_names_resolved_each_pair_its_own_report),
    cmocka_unit_test(household_unreadable_pair_never_stops_the_other),
    cmocka_unit_test(household_bad_users_refused_before_any_write),
    cmocka_unit_test(household_one_probe_one_sessions_read_per_server),
    cmocka_unit_test(every_each_run_probes_and_reads_sessions_again),
    cmocka_unit_test(every_stop_between_runs_exits_0_at_once),
    cmocka_unit_test(every_failed_run_then_a_good_one),
    cmocka_unit_test(every_runs_never_overlap_with_a_slow_server),
    cmocka_unit_test(every_sigterm_during_a_run_exits_130),
};
CWP_TEST_MAIN(tests)
