/* emby_shared (SVC-01): the clients of one household run share one probe and
 * one /Sessions read per server, and each still sees only its own user's
 * sessions. Counted through the mock's journal. Fixture: mock_emby's demo-b
 * (alice plays Mad Max there; an API key sees every user). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cwp_test.h"
#include "emby/client.h"
#include "mock_emby/mock_emby.h"

#define ALICE   "d4c3b2a1f0e94d8c8b7a695847362514"
#define BOB     "e5d4c3b2a1f04e9d8c7b6a5948372615"
#define API_KEY "demo-b-apikey-not-secret"
#define MAD_MAX "51210" /* alice's session in the fixture */
#define MATRIX  "51013"

static mock_emby *start_demo_b(void)
{
	char dir[1024], err[512];
	snprintf(dir, sizeof(dir), "%s/mock_emby/fixtures/demo-b", CWP_SOURCE_DIR);
	mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
	mo.fixtures_dir = dir;
	mock_emby *m = NULL;
	if (mock_emby_start(&m, &mo, err, sizeof(err)) != 0)
		fail_msg("mock_emby_start: %s", err);
	return m;
}

static emby_client *client_of(mock_emby *m, const char *user, emby_shared *sh)
{
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = mock_emby_url(m);
	o.user_id = user;
	o.token = API_KEY;
	o.max_attempts = 1;
	o.shared = sh;
	emby_client *c = NULL;
	if (emby_client_new(&c, &o) != 0)
		fail_msg("emby_client_new: %s", cwp_error_last());
	return c;
}

/* The one item c's user plays, or "" (fails on more than one). */
static void playing_one(emby_client *c, char *out, size_t outsz)
{
	char **ids = NULL;
	size_t n = 0;
	if (emby_playing(c, &ids, &n) != 0)
		fail_msg("emby_playing: %s", emby_client_error(c));
	assert_true(n <= 1);
	snprintf(out, outsz, "%s", n ? ids[0] : "");
	emby_strv_free(ids, n);
}

/* One demo-b mock, one emby_shared, alice's and bob's clients on it. */
typedef struct fx {
	mock_emby *m;
	emby_shared *sh;
	emby_client *alice, *bob;
} fx;

static void fx_start(fx *f)
{
	f->m = start_demo_b();
	assert_int_equal(emby_shared_new(&f->sh), 0);
	f->alice = client_of(f->m, ALICE, f->sh);
	f->bob = client_of(f->m, BOB, f->sh);
}

/* Checks the server's counts of probes and /Sessions reads, then frees. */
static void fx_stop(fx *f, size_t probes, size_t sessions)
{
	size_t p = mock_emby_count(f->m, "GET", "/System/Info/Public");
	size_t n = mock_emby_count(f->m, "GET", "/Sessions");
	if (p != probes || n != sessions)
		fail_msg("%zu probes and %zu /Sessions reads, expected %zu and %zu", p, n, probes,
			 sessions);
	emby_client_free(f->alice);
	emby_client_free(f->bob);
	emby_shared_free(f->sh);
	mock_emby_stop(f->m);
}

static void shared_one_probe_one_sessions_each_user_its_own(void **state)
{
	(void)state;
	fx f;
	fx_start(&f);
	assert_int_equal(mock_emby_set_playing(f.m, BOB, MATRIX), 0);
	emby_server_info ia, ib;
	assert_int_equal(emby_probe(f.alice, &ia), 0);
	assert_int_equal(emby_probe(f.bob, &ib), 0);
	assert_string_equal(ia.user_name, "alice");
	assert_string_equal(ib.user_name, "bob");
	assert_string_equal(ia.id, ib.id);
	assert_true(ib.name[0] != '\0');
	char pa[64], pb[64];
	playing_one(f.alice, pa, sizeof(pa));
	playing_one(f.bob, pb, sizeof(pb));
	assert_string_equal(pa, MAD_MAX);
	assert_string_equal(pb, MATRIX);
	assert_int_equal_dec(mock_emby_count(f.m, "GET", "/Users/*"), 2); /* each its user */
	fx_stop(&f, 1, 1);
}

/* A failed read is not kept: the next client asks the server again. */
static void shared_failed_read_not_kept(void **state)
{
	(void)state;
	fx f;
	fx_start(&f);
	assert_int_equal(mock_emby_add_faults(f.m, "[{\"route\": \"/Sessions\", \"kind\": "
						   "\"status\", \"status\": 503, \"times\": 1}, "
						   "{\"route\": \"/System/Info/Public\", \"kind\": "
						   "\"status\", \"status\": 503, \"times\": 1}]"),
			 0);
	emby_server_info info;
	char **ids = NULL;
	size_t n = 0;
	assert_true(emby_probe(f.alice, &info) != 0);
	assert_true(emby_playing(f.alice, &ids, &n) != 0);
	assert_null(ids);
	assert_int_equal(emby_probe(f.bob, &info), 0);
	assert_string_equal(info.user_name, "bob");
	char pa[64];
	playing_one(f.alice, pa, sizeof(pa));
	assert_string_equal(pa, MAD_MAX);
	fx_stop(&f, 2, 2);
}

/* One object serves one server: a client of another base_url reads its own
 * answers, never the first server's. */
static void shared_other_server_reads_its_own(void **state)
{
	(void)state;
	mock_emby *m1 = start_demo_b(), *m2 = start_demo_b();
	assert_int_equal(mock_emby_set_playing(m2, BOB, MATRIX), 0); /* only there */
	emby_shared *sh = NULL;
	assert_int_equal(emby_shared_new(&sh), 0);
	emby_client *a1 = client_of(m1, BOB, sh), *a2 = client_of(m2, BOB, sh);
	char p1[64], p2[64];
	playing_one(a1, p1, sizeof(p1));
	playing_one(a2, p2, sizeof(p2));
	assert_string_equal(p1, "");
	assert_string_equal(p2, MATRIX);
	emby_server_info info;
	assert_int_equal(emby_probe(a1, &info), 0);
	assert_int_equal(emby_probe(a2, &info), 0);
	assert_int_equal_dec(mock_emby_count(m1, "GET", "/Sessions"), 1);
	assert_int_equal_dec(mock_emby_count(m2, "GET", "/Sessions"), 1);
	assert_int_equal_dec(mock_emby_count(m2, "GET", "/System/Info/Public"), 1);
	emby_client_free(a1);
	emby_client_free(a2);
	emby_shared_free(sh);
	mock_emby_stop(m1);
	mock_emby_stop(m2);
}

struct worker {
	emby_client *c;
	int rc;
	char playing[64];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	emby_server_info info;
	char **ids = NULL;
	size_t n = 0;
	w->rc = emby_probe(w->c, &info);
	if (w->rc == 0)
		w->rc = emby_playing(w->c, &ids, &n);
	snprintf(w->playing, sizeof(w->playing), "%s", n ? ids[0] : "");
	emby_strv_free(ids, n);
	return NULL;
}

/* Clients on threads at once: still one read each (the mutex), each its own
 * user's answer (run under ThreadSanitizer in CI). */
static void shared_clients_on_threads_one_read_each(void **state)
{
	(void)state;
	mock_emby *m = start_demo_b();
	assert_int_equal(mock_emby_set_playing(m, BOB, MATRIX), 0);
	emby_shared *sh = NULL;
	assert_int_equal(emby_shared_new(&sh), 0);
	struct worker w[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].c = client_of(m, i % 2 ? BOB : ALICE, sh);
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc != 0)
			fail_msg("client %d: %s", i, emby_client_error(w[i].c));
		assert_string_equal(w[i].playing, i % 2 ? MATRIX : MAD_MAX);
		emby_client_free(w[i].c);
	}
	assert_int_equal_dec(mock_emby_count(m, "GET", "/System/Info/Public"), 1);
	assert_int_equal_dec(mock_emby_count(m, "GET", "/Sessions"), 1);
	emby_shared_free(sh);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(shared_one_probe_one_sessions_each_user_its_own),
    cmocka_unit_test(shared_failed_read_not_kept),
    cmocka_unit_test(shared_other_server_reads_its_own),
    cmocka_unit_test(shared_clients_on_threads_one_read_each),
};
CWP_TEST_MAIN(tests)
