/* Emby webhook body → one event (SVC-03): pure, no I/O. Value parsers
 * (ticks, dates) are the core's. */
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "emby/webhook.h"

static const struct {
	const char *name;
	emby_webhook_kind kind;
} kinds[] = {
    {"playback.stop", EMBY_WEBHOOK_PLAYBACK_STOP},
    {"playback.pause", EMBY_WEBHOOK_PLAYBACK_PAUSE},
    {"item.markplayed", EMBY_WEBHOOK_MARK_PLAYED},
    {"item.markunplayed", EMBY_WEBHOOK_MARK_UNPLAYED},
    {"item.rate", EMBY_WEBHOOK_USERDATA},
};

const char *emby_webhook_kind_name(emby_webhook_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "unknown";
}

static emby_webhook_kind kind_of(const char *event)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcasecmp(kinds[i].name, event) == 0)
			return kinds[i].kind;
	return EMBY_WEBHOOK_UNKNOWN;
}

/* A name for logs: truncated, control characters and non-ASCII-safe bytes
 * below 0x20 or 0x7f replaced (UTF-8 above 0x7f is kept). */
static void copy_name(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= EMBY_WEBHOOK_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A required id member of obj (named "what.Id" in messages). */
static int get_id(char *dst, const cJSON *obj, const char *what)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "Id");
	if (!cJSON_IsString(id))
		return cwp_error_set(CWP_EDECODE, "webhook %s.Id is missing or not a string", what);
	if (!id_valid(id->valuestring))
		return cwp_error_set(
		    CWP_EDECODE, "webhook %s.Id is not an id (1-64 of A-Z a-z 0-9 . _ -)", what);
	memcpy(dst, id->valuestring, strlen(id->valuestring) + 1);
	return CWP_OK;
}

static void get_server_id(emby_webhook_event *out, const cJSON *root, const cJSON *item,
			  cwp_warnings *w)
{
	const cJSON *server = cJSON_GetObjectItemCaseSensitive(root, "Server");
	const cJSON *sid =
	    cJSON_IsObject(server) ? cJSON_GetObjectItemCaseSensitive(server, "Id") : NULL;
	if (!sid && item)
		sid = cJSON_GetObjectItemCaseSensitive(item, "ServerId");
	if (!sid || cJSON_IsNull(sid))
		return;
	if (cJSON_IsString(sid) && id_valid(sid->valuestring))
		memcpy(out->server_id, sid->valuestring, strlen(sid->valuestring) + 1);
	else
		cwp_warn(w, "webhook: Server.Id is not an id; ignored");
}

static void get_playback(emby_webhook_event *out, const cJSON *root, cwp_warnings *w)
{
	const cJSON *pi = cJSON_GetObjectItemCaseSensitive(root, "PlaybackInfo");
	if (!cJSON_IsObject(pi))
		return;
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(pi, "PositionTicks");
	int rc = cwp_ticks_from_json(&out->position_ticks, pos);
	if (rc == CWP_OK)
		out->has_position = true;
	else if (rc != CWP_EABSENT)
		cwp_warn(w, "webhook: PlaybackInfo.PositionTicks is invalid; absent (UNIT-03)");
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(pi, "PlayedToCompletion");
	if (cJSON_IsBool(done)) {
		out->has_completed = true;
		out->completed = cJSON_IsTrue(done);
	} else if (done && !cJSON_IsNull(done)) {
		cwp_warn(w, "webhook: PlaybackInfo.PlayedToCompletion is not a boolean; absent");
	}
}

/* The members a known kind needs: User, Item, their ids, Item.Type. */
static int decode_known(emby_webhook_event *out, const cJSON *root, cwp_warnings *w)
{
	const char *ev = out->event;
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(root, "User");
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "Item");
	if (!cJSON_IsObject(user))
		return cwp_error_set(CWP_EDECODE, "webhook %s has no User object", ev);
	if (!cJSON_IsObject(item))
		return cwp_error_set(CWP_EDECODE, "webhook %s has no Item object", ev);
	int rc = get_id(out->user_id, user, "User");
	if (rc == CWP_OK)
		rc = get_id(out->item_id, item, "Item");
	if (rc != CWP_OK)
		return rc;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "Type");
	if (!cJSON_IsString(type) || !type->valuestring[0])
		return cwp_error_set(CWP_EDECODE,
				     "webhook %s: Item.Type is missing or not a string", ev);
	copy_name(out->item_type, sizeof(out->item_type), type->valuestring);
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(user, "Name");
	if (cJSON_IsString(name))
		copy_name(out->user_name, sizeof(out->user_name), name->valuestring);
	get_server_id(out, root, item, w);
	get_playback(out, root, w);
	return CWP_OK;
}

static void get_date(emby_webhook_event *out, const cJSON *root, cwp_warnings *w)
{
	const cJSON *date = cJSON_GetObjectItemCaseSensitive(root, "Date");
	int rc = cwp_time_from_json(&out->date_ms, date);
	if (rc == CWP_OK)
		out->has_date = true;
	else if (date && !cJSON_IsNull(date))
		cwp_warn(w, "webhook: Date is not a timestamp; absent (UNIT-06)");
}

int emby_webhook_decode(emby_webhook_event *out, const char *buf, size_t len, cwp_warnings *w)
{
	int rc;
	cJSON *root = NULL;

	memset(out, 0, sizeof(*out));
	if (!buf || len == 0) {
		rc = cwp_error_set(CWP_EDECODE, "webhook body is empty");
		goto done;
	}
	root = cwp_json_parse(buf, len);
	if (!cJSON_IsObject(root)) {
		rc = cwp_error_set(CWP_EDECODE, "webhook body is not a JSON object (%zu bytes)",
				   len);
		goto done;
	}
	const cJSON *event = cJSON_GetObjectItemCaseSensitive(root, "Event");
	if (!event) {
		/* Jellyfin's webhook plugin: not Emby's shape, acknowledged. */
		const cJSON *nt = cJSON_GetObjectItemCaseSensitive(root, "NotificationType");
		if (cJSON_IsString(nt)) {
			copy_name(out->event, sizeof(out->event), nt->valuestring);
			rc = CWP_OK;
			goto done;
		}
	}
	if (!cJSON_IsString(event) || !event->valuestring[0]) {
		rc = cwp_error_set(CWP_EDECODE, "webhook body has no string Event");
		goto done;
	}
	copy_name(out->event, sizeof(out->event), event->valuestring);
	get_date(out, root, w);
	out->kind = kind_of(event->valuestring);
	rc = out->kind == EMBY_WEBHOOK_UNKNOWN ? CWP_OK : decode_known(out, root, w);
done:
	cJSON_Delete(root);
	if (rc != CWP_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
