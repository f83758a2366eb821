/* The mock as a webhook sender: loopback-only targets registered through the
 * control API, and the simulated player (/__mock/player/{user}/{item}/{act})
 * changing UserData as Emby does and POSTing the matching notification in
 * Emby's shape (docs/WEBHOOKS.md), as JSON or as a multipart `data` part.
 * A civetweb receiver in this process records what arrives (its handler only
 * copies; every assert is in the test thread). */
#include "mock_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>
#include "cwp/json.h"

#define SECRET_PATH "/hook/s3cr3t-path-value"

typedef struct receiver {
	struct mg_context *ctx;
	int port;
	pthread_mutex_t mu;
	int n;
	char uri[256];
	char ctype[256];
	char agent[128];
	char *body;
} receiver;

static int on_post(struct mg_connection *c, void *ud)
{
	receiver *r = ud;
	const struct mg_request_info *ri = mg_get_request_info(c);
	char *buf = malloc(1 << 20);
	size_t len = 0;
	int got;
	while (buf && len < (1 << 20) - 1 && (got = mg_read(c, buf + len, (1 << 20) - 1 - len)) > 0)
		len += (size_t)got;
	if (buf)
		buf[len] = '\0';
	const char *ct = mg_get_header(c, "Content-Type");
	const char *ua = mg_get_header(c, "User-Agent");
	pthread_mutex_lock(&r->mu);
	r->n++;
	snprintf(r->uri, sizeof r->uri, "%s%s%s", ri->local_uri, ri->query_string ? "?" : "",
		 ri->query_string ? ri->query_string : "");
	snprintf(r->ctype, sizeof r->ctype, "%s", ct ? ct : "");
	snprintf(r->agent, sizeof r->agent, "%s", ua ? ua : "");
	free(r->body);
	r->body = buf;
	pthread_mutex_unlock(&r->mu);
	mg_printf(c, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	return 202;
}

static void receiver_start(receiver *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	const char *opts[] = {"listening_ports", "127.0.0.1:0", "num_threads", "2", NULL};
	r->ctx = mg_start(NULL, NULL, opts);
	assert_non_null(r->ctx);
	mg_set_request_handler(r->ctx, "/hook", on_post, r);
	struct mg_server_port ports[2];
	assert_true(mg_get_server_ports(r->ctx, 2, ports) >= 1);
	r->port = ports[0].port;
}

static void receiver_stop(receiver *r)
{
	mg_stop(r->ctx);
	free(r->body);
	pthread_mutex_destroy(&r->mu);
}

static void add_target(mock_emby *m, const receiver *r, const char *format)
{
	char body[512];
	snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d" SECRET_PATH "?k=v\"%s%s%s}",
		 r->port, format ? ", \"format\": \"" : "", format ? format : "",
		 format ? "\"" : "");
	mt_resp x = mt_post(m, "/__mock/webhooks", A_ADMIN, body);
	assert_int_equal_dec(x.status, 204);
	mt_free(&x);
}

/* POST a player action; returns the answer's JSON (caller frees). */
static cJSON *act(mock_emby *m, const char *user, const char *item, const char *action,
		  const char *body, long want)
{
	char path[256];
	snprintf(path, sizeof path, "/__mock/player/%s/%s/%s", user, item, action);
	mt_resp x = mt_post(m, path, A_ADMIN, body);
	if (x.status != want)
		fail_msg("%s: status %ld, expected %ld: %s", path, x.status, want, x.body);
	cJSON *j = want == 200 ? mt_json(&x) : NULL;
	mt_free(&x);
	return j;
}

static cJSON *userdata_of(mock_emby *m, const char *item)
{
	char path[256];
	snprintf(path, sizeof path,
		 "/Users/" A_ALICE "/Items/%s?Fields=UserDataLastPlayedDate,UserDataPlayCount",
		 item);
	mt_resp x = mt_get(m, path, A_TOKEN);
	assert_int_equal_dec(x.status, 200);
	cJSON *j = mt_json(&x);
	mt_free(&x);
	return j;
}

/* The last notification received, parsed (the multipart `data` part when
 * the body is a form). */
static cJSON *received(receiver *r, int want_n)
{
	pthread_mutex_lock(&r->mu);
	int n = r->n;
	char *body = r->body ? strdup(r->body) : NULL;
	pthread_mutex_unlock(&r->mu);
	assert_int_equal_dec(n, want_n);
	assert_non_null(body);
	const char *json = body;
	if (strstr(body, "Content-Disposition: form-data; name=\"data\"")) {
		json = strstr(body, "\r\n\r\n");
		assert_non_null(json);
		json += 4;
		char *end = strstr(json, "\r\n--");
		assert_non_null(end);
		*end = '\0';
	}
	cJSON *j = cwp_json_parse_str(json);
	if (!j)
		fail_msg("notification is not JSON: %s", body);
	free(body);
	return j;
}

static const char *str_at(const cJSON *j, const char *obj, const char *key)
{
	const cJSON *o = obj ? cJSON_GetObjectItemCaseSensitive(j, obj) : j;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v))
		fail_msg("%s.%s is not a string", obj ? obj : "$", key);
	return v->valuestring;
}

static void webhook_targets_loopback_only_and_never_echoed(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	static const char *bad[] = {
	    "{\"url\": \"http://example.com:80/x\"}",
	    "{\"url\": \"https://127.0.0.1:8099/x\"}",
	    "{\"url\": \"http://127.0.0.1/x\"}",
	    "{\"url\": \"http://127.0.0.1:99999/x\"}",
	    "{\"url\": \"http://127.0.0.1.evil.example:80/x\"}",
	    "{\"url\": \"http://127.0.0.1:80/a b\"}",
	    "{\"url\": \"http://127.0.0.1:80/x\", \"format\": \"xml\"}",
	    "{\"uri\": \"http://127.0.0.1:80/x\"}",
	    "not json",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mt_resp x = mt_post(m, "/__mock/webhooks", A_ADMIN, bad[i]);
		if (x.status != 400)
			fail_msg("accepted (%ld): %s", x.status, bad[i]);
		mt_free(&x);
	}
	mt_resp x = mt_post(m, "/__mock/webhooks", A_TOKEN,
			    "{\"url\": \"http://127.0.0.1:80" SECRET_PATH "\"}");
	assert_int_equal_dec(x.status, 401); /* the control API needs the admin token */
	mt_free(&x);
	receiver r;
	receiver_start(&r);
	add_target(m, &r, NULL);
	x = mt_get(m, "/__mock/webhooks", A_ADMIN);
	assert_int_equal_dec(x.status, 200);
	assert_non_null(strstr(x.body, "\"targets\":1"));
	assert_null(strstr(x.body, "s3cr3t")); /* the path may hold a secret */
	mt_free(&x);
	x = mt_req(m, "DELETE", "/__mock/webhooks",
		   (const char *const[]){"X-Emby-Token: " A_ADMIN, NULL}, NULL);
	assert_int_equal_dec(x.status, 204);
	mt_free(&x);
	cJSON *j = act(m, A_ALICE, A_INCEPTION, "pause", "{\"position_ticks\": 600000000}", 200);
	assert_int_equal_dec(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "status")), 0);
	cJSON_Delete(j);
	assert_int_equal_dec(r.n, 0);
	receiver_stop(&r);
	mock_emby_stop(m);
}

static void player_stop_writes_userdata_then_posts_playback_stop(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	receiver r;
	receiver_start(&r);
	add_target(m, &r, NULL);
	cJSON *j = act(m, A_ALICE, A_INCEPTION, "stop", "{\"position_ticks\": 12000000000}", 200);
	assert_string_equal(str_at(j, NULL, "event"), "playback.stop");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	assert_int_equal_dec(cJSON_GetArraySize(st), 1);
	assert_int_equal_dec(cJSON_GetArrayItem(st, 0)->valueint, 202);
	cJSON_Delete(j);

	cJSON *ev = received(&r, 1);
	assert_string_equal(r.uri, SECRET_PATH "?k=v");
	assert_string_equal(r.ctype, "application/json");
	assert_non_null(strstr(r.agent, "Emby Server/"));
	assert_string_equal(str_at(ev, NULL, "Event"), "playback.stop");
	assert_string_equal(str_at(ev, "User", "Id"), A_ALICE);
	assert_string_equal(str_at(ev, "Item", "Id"), A_INCEPTION);
	assert_string_equal(str_at(ev, "Item", "Type"), "Movie");
	assert_string_equal(str_at(ev, "Server", "Id"), A_SERVER_ID);
	const cJSON *pi = cJSON_GetObjectItemCaseSensitive(ev, "PlaybackInfo");
	assert_int_equal_dec(mt_num(pi, "PositionTicks"), 12000000000LL);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pi, "PlayedToCompletion")));
	assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "Item"),
						     "UserData"));
	cJSON_Delete(ev);

	cJSON *item = userdata_of(m, A_INCEPTION); /* the write happened before the POST */
	assert_int_equal_dec(mt_num(mt_userdata(item), "PlaybackPositionTicks"), 12000000000LL);
	assert_true(
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mt_userdata(item), "LastPlayedDate")));
	cJSON_Delete(item);
	receiver_stop(&r);
	mock_emby_stop(m);
}

static void player_every_action_posts_its_event(void **state)
{
	(void)state;
	static const struct {
		const char *action, *body, *event;
		int played; /* -1: not checked */
	} steps[] = {
	    {"play", NULL, "playback.start", -1},
	    {"pause", "{\"position_ticks\": 900000000}", "playback.pause", 0},
	    {"markplayed", NULL, "item.markplayed", 1},
	    {"markunplayed", NULL, "item.markunplayed", 0},
	    {"userdata", "{\"IsFavorite\": true}", "item.rate", 0},
	    {"stop", "{\"position_ticks\": 0, \"completed\": true}", "playback.stop", 1},
	};
	mock_emby *m = mt_start("demo-a");
	receiver r;
	receiver_start(&r);
	add_target(m, &r, "json");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		cJSON_Delete(act(m, A_ALICE, A_UP, steps[i].action, steps[i].body, 200));
		cJSON *ev = received(&r, (int)i + 1);
		assert_string_equal(str_at(ev, NULL, "Event"), steps[i].event);
		assert_string_equal(str_at(ev, "Item", "Id"), A_UP);
		cJSON_Delete(ev);
		cJSON *item = userdata_of(m, A_UP);
		const cJSON *ud = mt_userdata(item);
		if (steps[i].played >= 0 &&
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played")) != steps[i].played)
			fail_msg("%s: Played is not %d", steps[i].action, steps[i].played);
		if (strcmp(steps[i].action, "pause") == 0)
			assert_int_equal_dec(mt_num(ud, "PlaybackPositionTicks"), 900000000);
		if (strcmp(steps[i].action, "userdata") == 0)
			assert_true(
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "IsFavorite")));
		cJSON_Delete(item);
	}
	receiver_stop(&r);
	mock_emby_stop(m);
}

static void player_form_format_sends_a_data_part(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	receiver r;
	receiver_start(&r);
	add_target(m, &r, "form");
	cJSON_Delete(act(m, A_ALICE, A_INCEPTION, "markplayed", NULL, 200));
	assert_non_null(strstr(r.ctype, "multipart/form-data; boundary="));
	cJSON *ev = received(&r, 1);
	assert_string_equal(str_at(ev, NULL, "Event"), "item.markplayed");
	assert_string_equal(str_at(ev, "User", "Id"), A_ALICE);
	cJSON_Delete(ev);
	receiver_stop(&r);
	mock_emby_stop(m);
}

static void player_bad_requests_change_nothing(void **state)
{
	(void)state;
	mock_emby *m = mt_start("demo-a");
	receiver r;
	receiver_start(&r);
	add_target(m, &r, NULL);
	cJSON *before = userdata_of(m, A_INCEPTION);
	act(m, A_ALICE, A_INCEPTION, "rewind", NULL, 404);
	act(m, "ffffffffffffffffffffffffffffffff", A_INCEPTION, "stop", NULL, 404);
	act(m, A_ALICE, "999999999", "stop", NULL, 404);
	act(m, A_ALICE, A_INCEPTION, "stop", "{\"position_ticks\": -1}", 400);
	act(m, A_ALICE, A_INCEPTION, "stop", "{\"position_ticks\": 1.5}", 400);
	act(m, A_ALICE, A_INCEPTION, "stop", "{\"completed\": \"yes\"}", 400);
	act(m, A_ALICE, A_INCEPTION, "stop", "{", 400);
	act(m, A_ALICE, A_INCEPTION, "userdata", "{}", 400);
	act(m, A_ALICE, A_INCEPTION, "userdata", "{\"PlaybackPositionTicks\": \"abc\"}", 400);
	cJSON *after = userdata_of(m, A_INCEPTION);
	assert_true(cJSON_Compare(mt_userdata(before), mt_userdata(after), 1));
	cJSON_Delete(before);
	cJSON_Delete(after);
	assert_int_equal_dec(r.n, 0);
	receiver_stop(&r);
	mock_emby_stop(m);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(webhook_targets_loopback_only_and_never_echoed),
    cmocka_unit_test(player_stop_writes_userdata_then_posts_playback_stop),
    cmocka_unit_test(player_every_action_posts_its_event),
    cmocka_unit_test(player_form_format_sends_a_data_part),
    cmocka_unit_test(player_bad_requests_change_nothing),
};
CWP_TEST_MAIN(tests)
