/* APPLY-10 end to end, as a user meets it: undo gives back, never takes.
 * Two defects reproduced: (1) with replay, the unwatch of a played item
 * lands, then its write is refused: undo must give Played and
 * LastPlayedDate back; (2) the user watches on after a sync: undo must not
 * overwrite the newer progress. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cwp_test.h"
#include "e2e_support.h"
#include "lock.h"
#include "sync.h"

#define SYNC(e, ...) \
	e2e_run((e), cwp__cmd_sync, "sync", "--config", (e)->pair, __VA_ARGS__, (char *)NULL)
#define UNDO(e, ...) e2e_run((e), cwp__cmd_undo, "undo", (e)->journal, __VA_ARGS__, (char *)NULL)
#define DST          E2E_DST_USER

extern char **environ;

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

static size_t count_in(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

/* Wait (bounded) until path holds `what`: a condition, not a fixed time. */
static void wait_for_file_text(const char *path, const char *what)
{
	for (int i = 0; i < 2000; i++) {
		char *t = e2e_slurp(path);
		bool seen = strstr(t, what) != NULL;
		free(t);
		if (seen)
			return;
		struct timespec pause = {0, 5 * 1000000L};
		nanosleep(&pause, NULL);
	}
	fail_msg("%s never held %s", path, what);
}

/* Wait (bounded) until the mock has answered n UserData writes. */
static void wait_for_posts(mock_emby *m, size_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (mock_emby_count(m, "POST", "/Users/*/Items/*/UserData") >= n)
			return;
		struct timespec pause = {0, 5 * 1000000L};
		nanosleep(&pause, NULL);
	}
	fail_msg("the mock never saw %zu writes", n);
}

/* The mock holds the nth UserData write for ms (then answers it). */
static void hold_write(e2e_env *e, int nth, int ms)
{
	char fault[256];
	snprintf(fault, sizeof(fault),
		 "{\"method\": \"POST\", \"route\": \"/Users/*/Items/*/UserData\", \"nth\": "
		 "%d, \"kind\": \"delay\", \"delay_ms\": %d}",
		 nth, ms);
	assert_int_equal(mock_emby_add_faults(e->dst, fault), 0);
}

/* Run the cwprogress binary with argv; its stderr in *text (caller
 * frees); returns its exit status. */
static int spawn_cli(e2e_env *e, char **argv, char **text)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/child.err", e->dir);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int rc = posix_spawn(&pid, CWP_BINARY_DIR "/bin/cwprogress", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	assert_int_equal(rc, 0);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*text = e2e_slurp(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A sync run in a thread of this process, with its own output files. */
struct bg_sync {
	char *argv[16];
	int argc, rc;
	FILE *out, *err;
	pthread_t th;
};

static void *bg_main(void *arg)
{
	struct bg_sync *b = arg;
	b->rc = cwp__cmd_sync(b->argc, b->argv, b->out, b->err);
	return NULL;
}

static void bg_start(struct bg_sync *b, e2e_env *e, const char *journal)
{
	memset(b, 0, sizeof(*b));
	const char *args[] = {"sync",  "--config",        e->pair, "--journal",
			      journal, "--max-in-flight", "1",     NULL};
	for (b->argc = 0; args[b->argc]; b->argc++)
		b->argv[b->argc] = (char *)args[b->argc];
	b->out = tmpfile();
	b->err = tmpfile();
	assert_int_equal(pthread_create(&b->th, NULL, bg_main, b), 0);
}

static char *bg_finish(struct bg_sync *b)
{
	pthread_join(b->th, NULL);
	fflush(b->out);
	long n = ftell(b->out);
	char *text = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	rewind(b->out);
	if (n > 0 && fread(text, 1, (size_t)n, b->out) != (size_t)n)
		text[0] = 0;
	fclose(b->out);
	fclose(b->err);
	return text;
}

/* APPLY-11: SIGINT during the writes (the second one held by a slow mock):
 * no new write starts, the one in flight finishes, every outcome and an end
 * line are journaled, the report is printed, exit 130; undo then gives
 * back exactly what landed. */
static void sync_sigint_mid_write_then_undo(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	hold_write(&e, 2, 800);
	struct bg_sync b;
	bg_start(&b, &e, e.journal);
	/* the first write has landed; the second is held 800 ms by the mock,
	 * or about to start */
	wait_for_posts(e.dst, 1);
	kill(getpid(), SIGINT);
	char *out = bg_finish(&b);
	if (b.rc != 130)
		fail_msg("exit %d, expected 130\n%s", b.rc, out);
	assert_non_null(strstr(out, "interrupted"));
	free(out);
	char *j = e2e_slurp(e.journal);
	size_t ok = count_in(j, "\"outcome\":\"ok\""),
	       not_sent = count_in(j, "\"outcome\":\"not_sent\"");
	assert_int_equal_dec(count_in(j, "\"entry\":\"previous\""), 8);
	assert_int_equal_dec(ok + not_sent, 8);
	assert_true(ok >= 1);
	assert_true(not_sent >= 1);
	assert_non_null(strstr(j, "\"interrupted\":true"));
	free(j);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/*/UserData"), ok);

	mock_emby_clear_faults(e.dst);
	mock_emby_journal_clear(e.dst);
	char uj[PATH_MAX + 16];
	snprintf(uj, sizeof(uj), "%s/undo.jsonl", e.dir);
	UNDO(&e, "--journal", uj, "--json");
	expect_rc(&e, 0);
	cJSON *rep = e2e_json_out(&e);
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(sum, "restored")->valuedouble, ok);
	cJSON_Delete(rep);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/*/UserData"), ok);
	e2e_stop(&e);
}

/* APPLY-12: while a run holds the destination user, a second one waits up
 * to --lock-timeout, then exits 2 naming the other run; with time to wait
 * it runs after the first. */
static void sync_second_run_waits_then_names_the_other(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	hold_write(&e, 1, 3000);
	char j2[PATH_MAX + 16];
	snprintf(j2, sizeof(j2), "%s/second.jsonl", e.dir);
	struct bg_sync b;
	bg_start(&b, &e, e.journal);
	wait_for_file_text(e.journal, "\"entry\":\"previous\"");
	/* the others are other processes (the cwprogress binary), as a user's
	 * second terminal or a timer would be */
	char *second[] = {"cwprogress", "sync",           "--config", e.pair, "--journal",
			  j2,           "--lock-timeout", "0",        NULL};
	char *text = NULL;
	int rc = spawn_cli(&e, second, &text);
	if (rc != 2)
		fail_msg("second sync exited %d, expected 2:\n%s", rc, text);
	char who[64];
	snprintf(who, sizeof(who), "pid %ld, cwprogress sync", (long)getpid());
	assert_non_null(strstr(text, "another run"));
	assert_non_null(strstr(text, who));
	free(text);
	/* an undo of the same user waits as well */
	char *undo[] = {"cwprogress", "undo", e.journal, "--lock-timeout", "0", NULL};
	assert_int_equal(spawn_cli(&e, undo, &text), 2);
	free(text);
	/* with time to wait, the second run starts once the first is done */
	second[7] = "60";
	rc = spawn_cli(&e, second, &text);
	if (rc != 0)
		fail_msg("waiting sync exited %d:\n%s", rc, text);
	free(text);
	free(bg_finish(&b));
	assert_int_equal_dec(b.rc, 0);
	e2e_stop(&e);
}

/* APPLY-12: a lock whose process is gone is taken over. */
static void sync_takes_over_a_stale_lock(void **state)
{
	(void)state;
	e2e_env e;
	e2e_start(&e, "e2e-src", "e2e-dst", NULL);
	char lock[PATH_MAX + 64], err[256];
	assert_int_equal(cwp__lock_path(lock, sizeof(lock), mock_emby_url(e.dst), E2E_DST_USER, err,
					sizeof(err)),
			 0);
	/* what a run killed with SIGKILL leaves: the file, its line, no lock */
	FILE *f = fopen(lock, "w");
	assert_non_null(f);
	fputs("pid 2147483646, cwprogress sync, started 2024-01-01T00:00:00Z\n", f);
	fclose(f);
	SYNC(&e, "--journal", e.journal, "--lock-timeout", "0");
	expect_rc(&e, 0);
	assert_int_equal_dec(mock_emby_count(e.dst, "POST", "/Users/*/Items/*/UserData"), 8);
	e2e_stop(&e);
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
	    cmocka_unit_test(sync_sigint_mid_write_then_undo),
	    cmocka_unit_test(sync_second_run_waits_then_names_the_other),
	    cmocka_unit_test(sync_takes_over_a_stale_lock),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
