/* The client's response hook: every HTTP answer, as a sync reads it, goes to
 * the caller (what `record` captures). */
#include <stdlib.h>
#include <string.h>

#include "cwp_test.h"
#include "emby/client.h"
#include "mock_emby/mock_emby.h"

#define ALICE       "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ALICE_TOKEN "fake-token-client-a"

struct seen {
	size_t n, items_pages, bytes;
	bool token_in_path, bad_status;
	char first[256];
};

static void on_response(void *ud, const char *method, const char *pq, long status, const char *body,
			size_t len)
{
	struct seen *s = ud;
	if (!s->n)
		snprintf(s->first, sizeof(s->first), "%s %s", method, pq);
	s->n++;
	s->bytes += len;
	s->token_in_path |= strstr(pq, ALICE_TOKEN) != NULL;
	s->bad_status |= status < 200 || status >= 300;
	if (!strncmp(pq, "/Users/" ALICE "/Items?", 7 + 32 + 7) && strstr(body, "\"Items\""))
		s->items_pages++;
}

static void hook_sees_every_answer_of_an_index_read(void **state)
{
	(void)state;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/emby_client/tests/fixtures/client-a", CWP_SOURCE_DIR);
	mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
	mo.fixtures_dir = dir;
	mock_emby *m = NULL;
	char err[512];
	assert_int_equal(mock_emby_start(&m, &mo, err, sizeof(err)), 0);
	struct seen s;
	memset(&s, 0, sizeof(s));
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = mock_emby_url(m);
	o.user_id = ALICE;
	o.token = ALICE_TOKEN;
	o.page_size = 2; /* several pages */
	o.on_response = on_response;
	o.on_response_ud = &s;
	emby_client *c = NULL;
	assert_int_equal(emby_client_new(&c, &o), 0);
	cwp_index *idx = NULL;
	assert_int_equal(emby_index(c, &idx, NULL), 0);
	emby_stats st;
	emby_client_stats(c, &st);
	assert_int_equal_dec(s.n, st.requests); /* one call per answer */
	assert_true(s.items_pages >= 2);
	assert_int_equal_dec(s.bytes, st.bytes_received);
	assert_false(s.token_in_path);
	assert_false(s.bad_status);
	assert_int_equal(strncmp(s.first, "GET /Users/", 11), 0);
	cwp_index_free(idx);
	emby_client_free(c);
	mock_emby_stop(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hook_sees_every_answer_of_an_index_read),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
