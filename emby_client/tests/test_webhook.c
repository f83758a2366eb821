/* Emby webhook bodies (SVC-03) → events: the payload shapes real Emby servers
 * send (fixtures/webhooks/, sources in docs/WEBHOOKS.md), unknown events,
 * malformed bodies and invalid optional fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwp_test.h"
#include "emby/webhook.h"

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/emby_client/tests/fixtures/webhooks/%s", CWP_SOURCE_DIR,
		 name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static int decode_file(emby_webhook_event *ev, const char *name, cwp_warnings *w)
{
	size_t len;
	char *buf = slurp(name, &len);
	int rc = emby_webhook_decode(ev, buf, len, w);
	free(buf);
	return rc;
}

static int decode_str(emby_webhook_event *ev, const char *s, cwp_warnings *w)
{
	return emby_webhook_decode(ev, s, strlen(s), w);
}

static void webhook_playback_stop_movie_fields(void **state)
{
	(void)state;
	emby_webhook_event ev;
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(decode_file(&ev, "playback-stop-movie.json", &w), CWP_OK);
	assert_int_equal(ev.kind, EMBY_WEBHOOK_PLAYBACK_STOP);
	assert_string_equal(ev.event, "playback.stop");
	assert_string_equal(ev.user_id, "3f6c2b1a9d8e4f70a1b2c3d4e5f60718");
	assert_string_equal(ev.user_name, "alice");
	assert_string_equal(ev.item_id, "242837");
	assert_string_equal(ev.item_type, "Movie");
	assert_string_equal(ev.server_id, "be875b9574774ca58c487f1a290dff83");
	assert_true(ev.has_position);
	assert_int_equal_dec(ev.position_ticks, 36000000000LL);
	assert_true(ev.has_completed);
	assert_false(ev.completed);
	assert_true(ev.has_date);
	assert_int_equal_dec(ev.date_ms, 1709324100123LL);
	assert_int_equal_dec(w.count, 0);
}

static void webhook_playback_stop_episode_49_fields(void **state)
{
	(void)state;
	emby_webhook_event ev;
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(decode_file(&ev, "playback-stop-episode.json", &w), CWP_OK);
	assert_int_equal(ev.kind, EMBY_WEBHOOK_PLAYBACK_STOP);
	assert_string_equal(ev.user_id, "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f");
	assert_string_equal(ev.item_id, "96838");
	assert_string_equal(ev.item_type, "Episode");
	assert_string_equal(ev.server_id, "707a947126f84de5a227863ac85e1c4e");
	assert_int_equal_dec(ev.position_ticks, 15000000000LL);
	assert_int_equal_dec(w.count, 0);
}

static void webhook_every_kind_from_real_payloads(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		emby_webhook_kind kind;
		const char *name;
		bool has_position;
	} cases[] = {
	    {"playback-pause.json", EMBY_WEBHOOK_PLAYBACK_PAUSE, "playback.pause", true},
	    {"item-markplayed.json", EMBY_WEBHOOK_MARK_PLAYED, "item.markplayed", false},
	    {"item-markunplayed.json", EMBY_WEBHOOK_MARK_UNPLAYED, "item.markunplayed", false},
	    {"item-rate.json", EMBY_WEBHOOK_USERDATA, "item.rate", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		emby_webhook_event ev;
		assert_int_equal(decode_file(&ev, cases[i].file, NULL), CWP_OK);
		if (ev.kind != cases[i].kind)
			fail_msg("%s: kind %d, expected %d", cases[i].file, (int)ev.kind,
				 (int)cases[i].kind);
		assert_string_equal(emby_webhook_kind_name(ev.kind), cases[i].name);
		assert_string_equal(ev.user_id, "3f6c2b1a9d8e4f70a1b2c3d4e5f60718");
		assert_string_equal(ev.item_id, "242837");
		assert_int_equal(ev.has_position, cases[i].has_position);
	}
}

static void webhook_unknown_events_acknowledged(void **state)
{
	(void)state;
	static const char *files[] = {"playback-start-episode.json", "system-notificationtest.json",
				      "jellyfin-playbackstop.json"};
	static const char *names[] = {"playback.start", "system.notificationtest", "PlaybackStop"};
	for (size_t i = 0; i < 3; i++) {
		emby_webhook_event ev;
		assert_int_equal(decode_file(&ev, files[i], NULL), CWP_OK);
		assert_int_equal(ev.kind, EMBY_WEBHOOK_UNKNOWN);
		assert_string_equal(ev.event, names[i]);
		assert_string_equal(ev.item_id, "");
	}
	assert_string_equal(emby_webhook_kind_name(EMBY_WEBHOOK_UNKNOWN), "unknown");
}

static void expect_refused(const char *body, const char *needle)
{
	emby_webhook_event ev;
	memset(&ev, 0x5a, sizeof(ev));
	cwp_error_clear();
	int rc = emby_webhook_decode(&ev, body, body ? strlen(body) : 0, NULL);
	if (rc != CWP_EDECODE)
		fail_msg("accepted (%d): %s", rc, body ? body : "(null)");
	if (!strstr(cwp_error_last(), needle))
		fail_msg("message \"%s\" does not name \"%s\"", cwp_error_last(), needle);
	assert_int_equal(ev.kind, EMBY_WEBHOOK_UNKNOWN);
	assert_string_equal(ev.item_id, "");
}

static void webhook_malformed_bodies_refused_naming_what(void **state)
{
	(void)state;
	expect_refused(NULL, "empty");
	expect_refused("", "empty");
	expect_refused("{\"Event\": \"playback.stop\"", "not a JSON object");
	expect_refused("[1,2]", "not a JSON object");
	expect_refused("{\"Title\": \"x\"}", "Event");
	expect_refused("{\"Event\": 5}", "Event");
	expect_refused("{\"Event\": \"\"}", "Event");
	expect_refused("{\"Event\": \"playback.stop\", \"Item\": {\"Id\": \"1\", \"Type\": "
		       "\"Movie\"}}",
		       "User");
	expect_refused("{\"Event\": \"item.markplayed\", \"User\": {\"Id\": \"u1\"}}", "Item");
	expect_refused("{\"Event\": \"playback.stop\", \"User\": {\"Id\": 7}, \"Item\": {\"Id\": "
		       "\"1\", \"Type\": \"Movie\"}}",
		       "User.Id");
	/* Ids go into URLs: nothing that could change a path or a query. */
	expect_refused("{\"Event\": \"playback.stop\", \"User\": {\"Id\": \"u1\"}, \"Item\": "
		       "{\"Id\": \"../Users\", \"Type\": \"Movie\"}}",
		       "Item.Id");
	expect_refused("{\"Event\": \"playback.stop\", \"User\": {\"Id\": \"u1?x=1\"}, \"Item\": "
		       "{\"Id\": \"1\", \"Type\": \"Movie\"}}",
		       "User.Id");
	expect_refused("{\"Event\": \"playback.stop\", \"User\": {\"Id\": "
		       "\"0123456789012345678901234567890123456789012345678901234567890123456"
		       "\"}, \"Item\": {\"Id\": \"1\", \"Type\": \"Movie\"}}",
		       "User.Id");
	expect_refused("{\"Event\": \"playback.stop\", \"User\": {\"Id\": \"u1\"}, \"Item\": "
		       "{\"Id\": \"1\"}}",
		       "Item.Type");
}

static void webhook_invalid_optional_fields_absent_never_zero(void **state)
{
	(void)state;
	static const char *bad_positions[] = {"-5",     "\"abc\"", "1.5",
					      "\"-1\"", "true",    "9007199254740993"};
	char body[512];
	for (size_t i = 0; i < sizeof(bad_positions) / sizeof(bad_positions[0]); i++) {
		emby_webhook_event ev;
		cwp_warnings w = CWP_WARNINGS_INIT;
		snprintf(body, sizeof(body),
			 "{\"Event\": \"playback.stop\", \"Date\": \"soon\", \"User\": {\"Id\": "
			 "\"u1\"}, \"Item\": {\"Id\": \"1\", \"Type\": \"Movie\"}, \"Server\": "
			 "{\"Id\": \"a b\"}, \"PlaybackInfo\": {\"PositionTicks\": %s, "
			 "\"PlayedToCompletion\": \"yes\"}}",
			 bad_positions[i]);
		assert_int_equal(decode_str(&ev, body, &w), CWP_OK);
		if (ev.has_position)
			fail_msg("PositionTicks %s read as %lld", bad_positions[i],
				 (long long)ev.position_ticks);
		assert_false(ev.has_completed);
		assert_false(ev.has_date);
		assert_string_equal(ev.server_id, "");
		assert_int_equal_dec(w.count, 4);
	}
	/* A tick string is accepted (UNIT-02), Item.ServerId stands in for Server. */
	emby_webhook_event ev;
	assert_int_equal(decode_str(&ev,
				    "{\"Event\": \"playback.pause\", \"User\": {\"Id\": \"u1\"}, "
				    "\"Item\": {\"Id\": \"1\", \"Type\": \"Movie\", \"ServerId\": "
				    "\"s1\"}, \"PlaybackInfo\": {\"PositionTicks\": \"120000\"}}",
				    NULL),
			 CWP_OK);
	assert_true(ev.has_position);
	assert_int_equal_dec(ev.position_ticks, 120000);
	assert_string_equal(ev.server_id, "s1");
}

static void webhook_event_name_case_insensitive_names_sanitized(void **state)
{
	(void)state;
	emby_webhook_event ev;
	assert_int_equal(decode_str(&ev,
				    "{\"Event\": \"Playback.Stop\", \"User\": {\"Id\": \"u1\", "
				    "\"Name\": \"eve\\n[ok] forged\"}, \"Item\": {\"Id\": \"1\", "
				    "\"Type\": \"Movie\\u0007\"}}",
				    NULL),
			 CWP_OK);
	assert_int_equal(ev.kind, EMBY_WEBHOOK_PLAYBACK_STOP);
	assert_string_equal(ev.user_name, "eve?[ok] forged");
	assert_string_equal(ev.item_type, "Movie?");
	/* A long name is cut to fit, still terminated. */
	char body[1024];
	char name[400];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(body, sizeof(body), "{\"Event\": \"%s\"}", name);
	assert_int_equal(decode_str(&ev, body, NULL), CWP_OK);
	assert_int_equal_dec(strlen(ev.event), EMBY_WEBHOOK_NAME_MAX - 1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(webhook_playback_stop_movie_fields),
    cmocka_unit_test(webhook_playback_stop_episode_49_fields),
    cmocka_unit_test(webhook_every_kind_from_real_payloads),
    cmocka_unit_test(webhook_unknown_events_acknowledged),
    cmocka_unit_test(webhook_malformed_bodies_refused_naming_what),
    cmocka_unit_test(webhook_invalid_optional_fields_absent_never_zero),
    cmocka_unit_test(webhook_event_name_case_insensitive_names_sanitized),
};
CWP_TEST_MAIN(tests)
