/* Webhooks end to end (SVC-03): the mock's simulated player posts Emby's
 * notifications to the service's listener, which syncs the one item they
 * name by the engine's rules (service_support.h). */
#include "service_support.h"

#include "cwp_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

/* Poll the destination mock until alice's Interstellar holds `want` or ms
 * (stretched by CWP_TIME_SCALE) have passed since t0; the caller asserts. */
static void wait_dst_ticks(env *e, int64_t want, int64_t t0, int ms)
{
	while (dst_ticks(e) != want && now_ms() - t0 < (int64_t)ms * scale()) {
		struct timespec ts = {0, 1000000L}; /* polling the mock, with a deadline */
		nanosleep(&ts, NULL);
	}
}

static void webhook_stop_syncs_that_one_item(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	svc_start(&r, &e, 0, "127.0.0.1:0");
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10 * scale();
	pthread_mutex_lock(&r.mu);
	while (!r.port && pthread_cond_timedwait(&r.cv, &r.mu, &dl) == 0)
		;
	int port = r.port;
	pthread_mutex_unlock(&r.mu);
	assert_true(port > 0);
	/* The first full run is done before webhooks are served. */
	assert_int_equal_dec(wait_log(&e, "cwprogress: run:", 1, 10000), 1);
	mock_emby_journal_clear(e.b);
	char body[256];
	snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d/webhook/" WH_SECRET "\"}",
		 port);
	char url[512];
	snprintf(url, sizeof url, "%s/__mock/webhooks", mock_emby_url(e.a));
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_ADMIN);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);

	/* Another item changes on the source without a notification: a full
	 * run would write it too; the webhook's sync is of its one item. */
	assert_int_equal(
	    mock_emby_set_userdata(e.a, A_ALICE, "240060",
				   "{\"PlaybackPositionTicks\": 50000000000, "
				   "\"LastPlayedDate\": \"2030-01-01T00:00:00.0000000Z\", "
				   "\"Played\": false}"),
	    0);
	int64_t t0 = now_ms();
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 42000000000}"),
			     200);
	wait_dst_ticks(&e, 42000000000LL, t0, 5000);
	int64_t latency = now_ms() - t0;
	assert_int_equal_dec(dst_ticks(&e), 42000000000LL);
	fprintf(stderr, "webhook-to-write latency: %lld ms\n", (long long)latency);
	assert_true(latency < 1000 * scale());
	/* That one item, written once, journaled first. */
	assert_int_equal_dec(mock_emby_count(e.b, "POST", "/Users/*/Items/*/UserData"), 1);
	assert_int_equal_dec(
	    mock_emby_count(e.b, "POST", "/Users/" B_ALICE "/Items/" B_INTER "/UserData"), 1);
	char *jr = slurp(e.journal);
	assert_non_null(strstr(jr, B_INTER));
	free(jr);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	env_stop(&e);
}

static void webhook_every_event_kind_syncs_its_item(void **state)
{
	(void)state;
	static const struct {
		const char *action, *body;
	} acts[] = {
	    {"pause", "{\"position_ticks\": 30000000000}"},
	    {"markplayed", NULL},
	    {"markunplayed", NULL},
	    {"userdata", "{\"IsFavorite\": true}"},
	    {"stop", "{\"position_ticks\": 36000000000}"},
	};
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	add_target(&e, port, WH_SECRET, "form"); /* the multipart `data` form */
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		assert_int_equal_dec(player(e.a, A_INTER, acts[i].action, acts[i].body), 200);
		int got =
		    wait_log(&e, "webhook sync alice -> alice item " A_INTER ":", (int)i + 1, 5000);
		if (got != (int)i + 1)
			fail_msg("%s: %d item syncs", acts[i].action, got);
		if (i == 0)
			assert_int_equal_dec(dst_ticks(&e), 30000000000LL);
	}
	assert_int_equal_dec(dst_ticks(&e), 36000000000LL);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *err = slurp(e.err);
	assert_null(strstr(err, "exit 1"));
	free(err);
	env_stop(&e);
}

static void webhook_wrong_secret_401_nothing_written(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	mock_emby_journal_clear(e.b);
	add_target(&e, port, "not-the-secret-0123456789", "json");
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 42000000000}"),
			     200);
	assert_int_equal_dec(wait_log(&e, "webhook: 401", 1, 5000), 1);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	assert_int_equal_dec(mock_emby_count(e.b, NULL, NULL), 0); /* not even a read */
	env_stop(&e);
}

static void webhook_burst_for_one_item_a_handful_of_syncs(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	svc_test_coalesce_ms = 0; /* the listener's default window: 250 ms */
	int port = webhook_service(&r, &e);
	svc_test_coalesce_ms = 50;
	add_target(&e, port, WH_SECRET, "json");
	int64_t t0 = now_ms();
	for (int i = 0; i < 100; i++) {
		char body[64];
		snprintf(body, sizeof body, "{\"position_ticks\": %lld}",
			 30000000000LL + (long long)i * 600000000);
		assert_int_equal_dec(player(e.a, A_INTER, "pause", body), 200);
	}
	int64_t took = now_ms() - t0;
	/* The last pause's position arrives on the destination (the steps are a
	 * minute apart, above delta_seconds, so a sync that saw an earlier
	 * pause is always followed by one that writes the last). */
	int64_t last = 30000000000LL + 99LL * 600000000;
	wait_dst_ticks(&e, last, t0, 5000);
	assert_int_equal_dec(dst_ticks(&e), last);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	char *err = slurp(e.err);
	int syncs = count_of(err, "webhook sync alice -> alice item " A_INTER ":");
	free(err);
	fprintf(stderr, "100 events in %lld ms: %d syncs\n", (long long)took, syncs);
	if (syncs < 1 || syncs > (int)(took / 250) + 3)
		fail_msg("100 events in %lld ms caused %d syncs", (long long)took, syncs);
	env_stop(&e);
}

/* The fault matrix's rule for webhook-driven writes: a refused write changes
 * nothing and loses nothing (the previous state is journaled first), and the
 * next notification writes it. */
static void webhook_failed_write_loses_nothing_next_event_writes(void **state)
{
	(void)state;
	env e;
	env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
	svc_run r;
	int port = webhook_service(&r, &e);
	add_target(&e, port, WH_SECRET, "json");
	int64_t before = dst_ticks(&e);
	assert_int_equal(mock_emby_add_faults(e.b, "[{\"method\": \"POST\", \"route\": "
						   "\"/Users/*/Items/*/UserData\", \"kind\": "
						   "\"status\", \"status\": 500, \"times\": 1}]"),
			 0);
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 43000000000}"),
			     200);
	assert_int_equal_dec(wait_log(&e, "exit 1", 1, 5000), 1);
	assert_int_equal_dec(dst_ticks(&e), before); /* unchanged */
	char *jr = slurp(e.journal);
	assert_non_null(strstr(jr, B_INTER)); /* its previous state, journaled first */
	free(jr);
	assert_int_equal_dec(player(e.a, A_INTER, "stop", "{\"position_ticks\": 44000000000}"),
			     200);
	int64_t t0 = now_ms();
	wait_dst_ticks(&e, 44000000000LL, t0, 5000);
	assert_int_equal_dec(dst_ticks(&e), 44000000000LL);
	cwp__service_stop();
	assert_int_equal_dec(svc_join(&r), 0);
	env_stop(&e);
}

/* The fault matrix's invariants for webhook-driven syncs, a fault of each
 * phase a one-item sync goes through: while the fault lasts the destination
 * keeps its position or gets the new one (a dropped answer may have landed),
 * never a clear and never anything else, and the previous state is journaled
 * before any write; once the fault is gone, the next notification writes. */
static void webhook_faults_lose_nothing_then_next_event_writes(void **state)
{
	(void)state;
	static const struct {
		int side; /* 0: the source mock, 1: the destination's */
		const char *fault;
	} cases[] = {
	    {1, "{\"method\": \"POST\", \"route\": \"/Users/*/Items/*/UserData\", "
		"\"kind\": \"drop\"}"},
	    {1, "{\"method\": \"POST\", \"route\": \"/Users/*/Items/*/UserData\", "
		"\"kind\": \"status\", \"status\": 503}"},
	    {1, "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"kind\": "
		"\"status\", \"status\": 503}"},
	    {1, "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"kind\": "
		"\"invalid_json\"}"},
	    {1, "{\"method\": \"GET\", \"route\": \"/Sessions\", \"kind\": \"status\", "
		"\"status\": 500}"},
	    {0, "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"kind\": "
		"\"status\", \"status\": 503}"},
	    {0, "{\"method\": \"GET\", \"route\": \"/Users/*/Items\", \"kind\": "
		"\"truncate\"}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		env e;
		env_start(&e, "[{\"source\": \"alice\", \"destination\": \"alice\"}]", true);
		svc_run r;
		int port = webhook_service(&r, &e);
		add_target(&e, port, WH_SECRET, "json");
		int64_t before = dst_ticks(&e);
		char faults[512];
		snprintf(faults, sizeof faults, "[%s]", cases[i].fault);
		assert_int_equal(mock_emby_add_faults(cases[i].side ? e.b : e.a, faults), 0);
		assert_int_equal_dec(
		    player(e.a, A_INTER, "stop", "{\"position_ticks\": 43000000000}"), 200);
		if (wait_log(&e, "webhook sync", 1, 10000) < 1)
			fail_msg("case %zu (%s): no webhook sync logged", i, cases[i].fault);
		int64_t now = dst_ticks(&e);
		if (now != before && now != 43000000000LL)
			fail_msg("case %zu (%s): destination at %lld, neither its old %lld nor "
				 "the new position",
				 i, cases[i].fault, (long long)now, (long long)before);
		char *jr = slurp(e.journal);
		if (now != before && (!jr || !strstr(jr, B_INTER)))
			fail_msg("case %zu: written without its previous state journaled", i);
		free(jr);
		mock_emby_clear_faults(cases[i].side ? e.b : e.a);
		assert_int_equal_dec(
		    player(e.a, A_INTER, "stop", "{\"position_ticks\": 44000000000}"), 200);
		int64_t t0 = now_ms();
		wait_dst_ticks(&e, 44000000000LL, t0, 10000);
		if (dst_ticks(&e) != 44000000000LL)
			fail_msg("case %zu (%s): the next event did not write (at %lld)", i,
				 cases[i].fault, (long long)dst_ticks(&e));
		cwp__service_stop();
		assert_int_equal_dec(svc_join(&r), 0);
		env_stop(&e);
	}
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(webhook_stop_syncs_that_one_item),
    cmocka_unit_test(webhook_every_event_kind_syncs_its_item),
    cmocka_unit_test(webhook_wrong_secret_401_nothing_written),
    cmocka_unit_test(webhook_burst_for_one_item_a_handful_of_syncs),
    cmocka_unit_test(webhook_failed_write_loses_nothing_next_event_writes),
    cmocka_unit_test(webhook_faults_lose_nothing_then_next_event_writes),
};
CWP_TEST_MAIN(tests)
