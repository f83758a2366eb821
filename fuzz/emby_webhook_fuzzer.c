/* Fuzz target: an Emby webhook body (SVC-03), emby_webhook_decode.
 *
 * Checks: a refused body leaves a zeroed event and a message; an accepted one
 * has every string terminated within its buffer; a known kind has a user id
 * and an item id of 1-64 URL-safe characters and an item type; an unknown one
 * has no ids; names hold no control characters (they go into log lines); a
 * position, when present, is a non-negative tick value. Decoding twice gives
 * the same event (no hidden state). */
#include <stdint.h>
#include <string.h>

#include "emby/webhook.h"
#include "fuzz_util.h"

static void check_str(const char *s, size_t cap, int ids, const char *what)
{
	size_t n = strnlen(s, cap);
	FUZZ_CHECK(n < cap, "%s not terminated", what);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "%s holds control byte 0x%02x", what, c);
		if (ids)
			FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-',
				   "%s holds '%c'", what, c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	emby_webhook_event ev, again;
	static const emby_webhook_event zero;
	cwp_warnings w = CWP_WARNINGS_INIT;

	cwp_error_clear();
	int rc = emby_webhook_decode(&ev, (const char *)data, size, &w);
	FUZZ_CHECK(rc == CWP_OK || rc == CWP_EDECODE, "emby_webhook_decode gave %d", rc);
	if (rc != CWP_OK) {
		FUZZ_CHECK(memcmp(&ev, &zero, sizeof(ev)) == 0, "a refused body left an event");
		FUZZ_CHECK(cwp_error_last()[0] != '\0', "a refused body without a message");
		return 0;
	}
	check_str(ev.event, sizeof(ev.event), 0, "event");
	check_str(ev.user_name, sizeof(ev.user_name), 0, "user_name");
	check_str(ev.item_type, sizeof(ev.item_type), 0, "item_type");
	check_str(ev.user_id, sizeof(ev.user_id), 1, "user_id");
	check_str(ev.item_id, sizeof(ev.item_id), 1, "item_id");
	check_str(ev.server_id, sizeof(ev.server_id), 1, "server_id");
	if (ev.kind == EMBY_WEBHOOK_UNKNOWN) {
		FUZZ_CHECK(!ev.user_id[0] && !ev.item_id[0], "an unknown event with ids");
	} else {
		FUZZ_CHECK(ev.user_id[0] && ev.item_id[0] && ev.item_type[0],
			   "%s without user id, item id or type", emby_webhook_kind_name(ev.kind));
		FUZZ_CHECK(strcmp(emby_webhook_kind_name(ev.kind), "unknown") != 0,
			   "kind %d has no name", (int)ev.kind);
	}
	FUZZ_CHECK(!ev.has_position || ev.position_ticks >= 0, "position %lld",
		   (long long)ev.position_ticks);
	FUZZ_CHECK(emby_webhook_decode(&again, (const char *)data, size, NULL) == CWP_OK &&
		       memcmp(&ev, &again, sizeof(ev)) == 0,
		   "a second decode differs");
	return 0;
}
