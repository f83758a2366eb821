/* The engine's rules over in-memory providers (no HTTP): rows, the
 * restriction to some keys, cancellation (APPLY-11), the journal's lines,
 * and two runs at once in one process (reentrancy, checked under TSan). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cwp_test.h"
#include "mem_provider.h"

#define T0 1709324100000LL /* 2024-03-01T20:15:00Z */

struct pair {
	mem_server src, dst;
	cwp_sync_provider p[2];
	cwp_sync_options o;
	char dir[64], journal[128];
	cwp_sync_result *res;
};

/* Source: three films in progress; destination: the same films, not
 * started (so they are resolved, then written). */
static void pair_setup(struct pair *x)
{
	memset(x, 0, sizeof(*x));
	for (int i = 0; i < 3; i++) {
		char id[16], tmdb[16];
		snprintf(id, sizeof(id), "s%d", i + 1);
		snprintf(tmdb, sizeof(tmdb), "%d", 100 + i);
		mem_add(&x->src, id, tmdb, 600000 + 60000 * i, T0 + i * 1000);
		snprintf(id, sizeof(id), "d%d", i + 1);
		mem_add(&x->dst, id, tmdb, 0, 0);
	}
	mem_provider_init(&x->p[0], &x->src);
	mem_provider_init(&x->p[1], &x->dst);
	assert_int_equal(cwp_sync_options_init(&x->o, CWP_SYNC_OPTIONS_VERSION), 0);
	snprintf(x->dir, sizeof(x->dir), "/tmp/cwp-sync-test-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->journal, sizeof(x->journal), "%s/journal.jsonl", x->dir);
	x->o.journal_path = x->journal;
	x->o.journal_meta = "{\"destination\":{\"url\":\"mem:\"}}";
}

static void pair_teardown(struct pair *x)
{
	cwp_sync_result_free(x->res);
	unlink(x->journal);
	rmdir(x->dir);
}

static size_t count_status(const cwp_sync_result *r, cwp_sync_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < cwp_sync_result_rows(r); i++)
		n += cwp_sync_result_row(r, i)->status == st;
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void sync_writes_every_resolved_item_and_journals_first(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	const cwp_sync_summary *s = cwp_sync_result_summary(x.res);
	assert_int_equal_dec(s->outcome, CWP_SYNC_DONE);
	assert_int_equal_dec(s->written, 3);
	assert_int_equal_dec(count_status(x.res, CWP_SYNC_ROW_WRITTEN), 3);
	assert_int_equal_dec(x.dst.items[1].pos_ms, 660000);
	assert_int_equal_dec(x.dst.items[1].last_played, T0 + 1000);
	const char *j = slurp(x.journal);
	assert_non_null(j);
	assert_int_equal_dec(occurrences(j, "\"entry\":\"previous\""), 3);
	assert_int_equal_dec(occurrences(j, "\"outcome\":\"ok\""), 3);
	assert_non_null(strstr(j, "\"entry\":\"end\""));
	assert_non_null(strstr(j, "\"servers\":{\"destination\":{\"url\":\"mem:\"}}"));
	pair_teardown(&x);
}

static void sync_second_run_writes_nothing(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	cwp_sync_result_free(x.res);
	x.res = NULL;
	size_t writes = x.dst.writes;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	assert_int_equal_dec(x.dst.writes, writes);
	assert_int_equal_dec(cwp_sync_result_summary(x.res)->upserts, 0);
	pair_teardown(&x);
}

static void sync_dry_run_sends_nothing_same_plan(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.o.dry_run = true;
	cwp_sync_result *dry = NULL;
	assert_int_equal(cwp_sync_run(&dry, &x.p[0], &x.p[1], &x.o), 0);
	assert_int_equal_dec(x.dst.writes, 0);
	assert_int_equal_dec(count_status(dry, CWP_SYNC_ROW_WOULD_WRITE), 3);
	assert_null(cwp_sync_result_summary(dry)->journal_path);
	x.o.dry_run = false;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	assert_true(cwp_sync_result_same_plan(dry, x.res));
	cwp_sync_result_free(dry);
	pair_teardown(&x);
}

static void sync_only_restricts_the_run_to_given_keys(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	const char *only[] = {"tmdb:101", "s3"}; /* a key and a source item id */
	x.o.only = only;
	x.o.n_only = 2;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	assert_int_equal_dec(cwp_sync_result_rows(x.res), 2);
	assert_int_equal_dec(x.dst.writes, 2);
	assert_int_equal_dec(x.dst.items[0].pos_ms, 0); /* tmdb:100 left alone */
	assert_string_equal(cwp_sync_result_row(x.res, 0)->key, "tmdb:101");
	assert_string_equal(cwp_sync_result_row(x.res, 1)->key, "tmdb:102");
	pair_teardown(&x);
}

struct cancel_after {
	size_t writes_allowed;
	size_t calls;
};

static int cancel_in_write_phase(void *payload, const cwp_sync_progress *p)
{
	struct cancel_after *c = payload;
	c->calls++;
	if (p->phase != CWP_SYNC_PH_WRITE)
		return 0;
	return p->done < c->writes_allowed ? 0 : -1;
}

static void sync_cancel_mid_batch_starts_no_new_write(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	struct cancel_after c = {1, 0};
	x.o.progress = cancel_in_write_phase;
	x.o.payload = &c;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	const cwp_sync_summary *s = cwp_sync_result_summary(x.res);
	assert_int_equal_dec(s->outcome, CWP_SYNC_INTERRUPTED);
	assert_true(s->interrupted);
	assert_int_equal_dec(x.dst.writes, 1);
	assert_int_equal_dec(s->written, 1);
	assert_int_equal_dec(s->not_sent, 2);
	const char *j = slurp(x.journal);
	assert_int_equal_dec(occurrences(j, "\"outcome\":\"ok\""), 1);
	assert_int_equal_dec(occurrences(j, "\"outcome\":\"not_sent\""), 2);
	assert_non_null(strstr(j, "\"entry\":\"end\",\"run\""));
	assert_non_null(strstr(j, "\"interrupted\":true"));
	pair_teardown(&x);
}

static int cancel_at_once(void *payload, const cwp_sync_progress *p)
{
	(void)payload;
	return p->phase == CWP_SYNC_PH_STATE ? -1 : 0;
}

static void sync_cancel_before_writes_sends_nothing(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.o.progress = cancel_at_once;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	assert_int_equal_dec(cwp_sync_result_summary(x.res)->outcome, CWP_SYNC_INTERRUPTED);
	assert_int_equal_dec(x.dst.writes, 0);
	assert_int_equal_dec(access(x.journal, F_OK), -1);
	pair_teardown(&x);
}

static void sync_failed_index_writes_nothing(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.dst.fail_index = true;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), 0);
	const cwp_sync_summary *s = cwp_sync_result_summary(x.res);
	assert_int_equal_dec(s->outcome, CWP_SYNC_READ_FAILED);
	assert_string_equal(s->failed_phase, "index");
	assert_non_null(strstr(s->error, "index failed"));
	assert_int_equal_dec(x.dst.writes, 0);
	pair_teardown(&x);
}

static void sync_options_and_providers_are_versioned(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	cwp_sync_options bad;
	assert_int_equal(cwp_sync_options_init(&bad, 99), CWP_EINVAL);
	x.o.version = 99;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), CWP_EINVAL);
	assert_null(x.res);
	assert_non_null(strstr(cwp_error_last(), "version"));
	x.o.version = CWP_SYNC_OPTIONS_VERSION;
	x.p[1].write = NULL;
	assert_int_equal(cwp_sync_run(&x.res, &x.p[0], &x.p[1], &x.o), CWP_EINVAL);
	pair_teardown(&x);
}

static void *run_thread(void *arg)
{
	struct pair *x = arg;
	cwp_sync_run(&x->res, &x->p[0], &x->p[1], &x->o);
	return NULL;
}

/* Reentrancy: two syncs of different pairs at once in one process. */
static void sync_two_pairs_at_once_in_threads(void **state)
{
	(void)state;
	struct pair *x = calloc(2, sizeof(*x));
	assert_non_null(x);
	pthread_t th[2];
	for (int k = 0; k < 2; k++) {
		pair_setup(&x[k]);
		x[k].o.labels[1] = k ? "second" : "first";
	}
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&th[k], NULL, run_thread, &x[k]), 0);
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	for (int k = 0; k < 2; k++) {
		assert_non_null(x[k].res);
		const cwp_sync_summary *s = cwp_sync_result_summary(x[k].res);
		assert_int_equal_dec(s->outcome, CWP_SYNC_DONE);
		assert_int_equal_dec(s->written, 3);
		assert_string_equal(s->side[1].label, k ? "second" : "first");
		pair_teardown(&x[k]);
	}
	free(x);
}

static void run_sync(struct pair *x)
{
	cwp_sync_result_free(x->res);
	x->res = NULL;
	assert_int_equal(cwp_sync_run(&x->res, &x->p[0], &x->p[1], &x->o), 0);
}

/* READ-06 + PLAN-03: a destination position whose source item is at an
 * explicit zero is cleared only with remove; absence never clears. */
static void sync_confirmed_zero_clears_only_with_remove(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	mem_add(&x.src, "s9", "900", 0, T0 + 5000); /* finished on the source */
	mem_add(&x.dst, "d9", "900", 1200000, T0);  /* still in progress here */
	mem_add(&x.dst, "d8", "800", 1200000, T0);  /* absent from the source */
	run_sync(&x);
	assert_int_equal_dec(x.dst.items[3].pos_ms, 1200000); /* remove: false */
	x.o.config.remove = true;
	run_sync(&x);
	assert_int_equal_dec(x.dst.items[3].pos_ms, 0);
	assert_int_equal_dec(x.dst.items[4].pos_ms, 1200000); /* PLAN-02 */
	assert_int_equal_dec(cwp_sync_result_summary(x.res)->clears, 1);
	assert_int_equal_dec(cwp_sync_result_summary(x.res)->side[0].confirmed_zeros, 1);
	pair_teardown(&x);
}

/* TWO-01/02: the newer side wins in both directions, then nothing moves. */
static void sync_two_way_writes_both_sides_then_converges(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.o.config.mode = CWP_MODE_TWO_WAY;
	x.dst.items[0].pos_ms = 3000000; /* newer progress on the destination */
	x.dst.items[0].last_played = T0 + 3600000;
	run_sync(&x);
	assert_int_equal_dec(x.src.items[0].pos_ms, 3000000); /* backward */
	assert_int_equal_dec(x.dst.items[1].pos_ms, 660000);  /* forward */
	size_t writes = x.src.writes + x.dst.writes;
	run_sync(&x);
	assert_int_equal_dec(x.src.writes + x.dst.writes, writes);
	pair_teardown(&x);
}

/* ---- undo (APPLY-10) ---- */

/* Undo x's journal with its own journal beside it. */
static cwp_undo *run_undo(struct pair *x, bool dry)
{
	cwp_undo *u = NULL;
	assert_int_equal(cwp_undo_load(&u, x->journal), 0);
	cwp_undo_options uo;
	assert_int_equal(cwp_undo_options_init(&uo, CWP_UNDO_OPTIONS_VERSION), 0);
	char path[160];
	snprintf(path, sizeof(path), "%s/undo.jsonl", x->dir);
	uo.journal_path = path;
	uo.dry_run = dry;
	uo.undoes = x->journal;
	const cwp_sync_provider *prov[2] = {&x->p[0], &x->p[1]};
	assert_int_equal(cwp_undo_run(u, prov, &uo), 0);
	unlink(path);
	return u;
}

static const cwp_undo_item *undo_item(const cwp_undo *u, const char *id)
{
	for (size_t i = 0; i < cwp_undo_count(u); i++)
		if (!strcmp(cwp_undo_at(u, i)->item_id, id))
			return cwp_undo_at(u, i);
	fail_msg("no undo item %s", id);
	return NULL;
}

static void undo_restores_items_that_still_hold_the_write(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.dst.items[0].last_played = T0 - 86400000;
	run_sync(&x);
	assert_int_equal_dec(x.dst.items[0].pos_ms, 600000);
	cwp_undo *u = run_undo(&x, false);
	assert_int_equal_dec(undo_item(u, "d1")->status, CWP_UNDO_RESTORED);
	assert_int_equal_dec(x.dst.items[0].pos_ms, 0);
	assert_int_equal_dec(x.dst.items[0].last_played, T0 - 86400000);
	cwp_undo_free(u);
	pair_teardown(&x);
}

/* Defect 2: the user watched on after the sync; undo must not take it. */
static void undo_leaves_progress_made_since_the_run(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	run_sync(&x);
	x.dst.items[1].pos_ms = 3000000; /* watched on, later */
	x.dst.items[1].last_played = T0 + 3600000;
	cwp_undo *u = run_undo(&x, false);
	const cwp_undo_item *it = undo_item(u, "d2");
	assert_int_equal_dec(it->status, CWP_UNDO_CHANGED_SINCE);
	assert_string_equal(it->why, "changed since the run");
	assert_int_equal_dec(x.dst.items[1].pos_ms, 3000000);
	assert_int_equal_dec(x.dst.items[1].last_played, T0 + 3600000);
	assert_int_equal_dec(undo_item(u, "d1")->status, CWP_UNDO_RESTORED);
	cwp_undo_free(u);
	pair_teardown(&x);
}

static void undo_leaves_an_item_playing_now(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	run_sync(&x);
	x.dst.items[2].playing = true;
	cwp_undo *u = run_undo(&x, false);
	assert_int_equal_dec(undo_item(u, "d3")->status, CWP_UNDO_CHANGED_SINCE);
	assert_string_equal(undo_item(u, "d3")->why, "playing now");
	assert_int_equal_dec(x.dst.items[2].pos_ms, 720000);
	cwp_undo_free(u);
	pair_teardown(&x);
}

/* Defect 1: with replay, the unwatch landed, then the write was refused:
 * undo gives Played and LastPlayedDate back. */
static void undo_gives_back_an_unwatch_before_a_refused_write(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.o.config.replay_enabled = true;
	mem_item *d = &x.dst.items[0];
	d->played = true;
	d->last_played = T0 - 86400000;
	d->refuse_status = 400;
	run_sync(&x);
	assert_int_equal_dec(cwp_sync_result_summary(x.res)->failed, 1);
	assert_false(d->played); /* the unwatch landed */
	d->refuse_status = 0;
	cwp_undo *u = run_undo(&x, false);
	assert_int_equal_dec(undo_item(u, "d1")->status, CWP_UNDO_RESTORED);
	assert_true(d->played);
	assert_int_equal_dec(d->last_played, T0 - 86400000);
	cwp_undo_free(u);
	pair_teardown(&x);
}

/* A write whose answer never came may have landed: undo treats it so. */
static void undo_counts_a_timed_out_write_as_applied(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.dst.items[0].write_timeout = true;
	run_sync(&x);
	assert_int_equal_dec(x.dst.items[0].pos_ms, 600000);
	x.dst.items[0].write_timeout = false;
	cwp_undo *u = run_undo(&x, false);
	assert_int_equal_dec(undo_item(u, "d1")->status, CWP_UNDO_RESTORED);
	assert_int_equal_dec(x.dst.items[0].pos_ms, 0);
	cwp_undo_free(u);
	pair_teardown(&x);
}

static void undo_skips_writes_that_never_reached_the_server(void **state)
{
	(void)state;
	struct pair x;
	pair_setup(&x);
	x.dst.items[0].refuse_status = 400;
	struct cancel_after c = {2, 0};
	x.o.progress = cancel_in_write_phase;
	x.o.payload = &c;
	run_sync(&x); /* d1 refused, d2 written, d3 not sent */
	x.dst.items[0].refuse_status = 0;
	cwp_undo *u = run_undo(&x, true);
	assert_int_equal_dec(cwp_undo_count(u), 1);
	assert_int_equal_dec(undo_item(u, "d2")->status, CWP_UNDO_WOULD_RESTORE);
	assert_int_equal_dec(x.dst.items[1].pos_ms, 660000); /* dry run */
	cwp_undo_free(u);
	pair_teardown(&x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sync_writes_every_resolved_item_and_journals_first),
	    cmocka_unit_test(sync_second_run_writes_nothing),
	    cmocka_unit_test(sync_dry_run_sends_nothing_same_plan),
	    cmocka_unit_test(sync_only_restricts_the_run_to_given_keys),
	    cmocka_unit_test(sync_cancel_mid_batch_starts_no_new_write),
	    cmocka_unit_test(sync_cancel_before_writes_sends_nothing),
	    cmocka_unit_test(sync_failed_index_writes_nothing),
	    cmocka_unit_test(sync_options_and_providers_are_versioned),
	    cmocka_unit_test(sync_two_pairs_at_once_in_threads),
	    cmocka_unit_test(sync_confirmed_zero_clears_only_with_remove),
	    cmocka_unit_test(sync_two_way_writes_both_sides_then_converges),
	    cmocka_unit_test(undo_restores_items_that_still_hold_the_write),
	    cmocka_unit_test(undo_leaves_progress_made_since_the_run),
	    cmocka_unit_test(undo_leaves_an_item_playing_now),
	    cmocka_unit_test(undo_gives_back_an_unwatch_before_a_refused_write),
	    cmocka_unit_test(undo_counts_a_timed_out_write_as_applied),
	    cmocka_unit_test(undo_skips_writes_that_never_reached_the_server),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
