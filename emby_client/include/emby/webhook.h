/* Emby webhook notifications (SVC-03): the JSON body Emby's "Webhooks"
 * notifier POSTs (`application/json`, or the `data` part of a multipart form)
 * decoded into one event. Pure, no I/O, fuzzed (fuzz/emby_webhook_fuzzer.c).
 * docs/WEBHOOKS.md shows the payloads this was built from and cites them.
 *
 * The event says only WHICH item of WHICH user changed: a sync never writes
 * what a webhook claims, it reads fresh state on both sides (SVC-03), so the
 * position in the payload is informational. */
#ifndef EMBY_WEBHOOK_H
#define EMBY_WEBHOOK_H

#include "cwp/cwp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum emby_webhook_kind {
	EMBY_WEBHOOK_UNKNOWN = 0,    /* any other Event: acknowledged, ignored */
	EMBY_WEBHOOK_PLAYBACK_STOP,  /* "playback.stop" */
	EMBY_WEBHOOK_PLAYBACK_PAUSE, /* "playback.pause" */
	EMBY_WEBHOOK_MARK_PLAYED,    /* "item.markplayed" */
	EMBY_WEBHOOK_MARK_UNPLAYED,  /* "item.markunplayed" */
	EMBY_WEBHOOK_USERDATA,       /* "item.rate": user data saved (rating, favourite) */
} emby_webhook_kind;

/* Ids are opaque (EMBY_API.md) but go into URLs: 1-64 characters of
 * [A-Za-z0-9._-]. Names are for logs: truncated to fit, control characters
 * replaced by '?'. */
#define EMBY_WEBHOOK_ID_MAX   65
#define EMBY_WEBHOOK_NAME_MAX 129

typedef struct emby_webhook_event {
	emby_webhook_kind kind;
	char event[EMBY_WEBHOOK_NAME_MAX];     /* Event as sent (sanitized) */
	char user_id[EMBY_WEBHOOK_ID_MAX];     /* User.Id ("" for UNKNOWN) */
	char user_name[EMBY_WEBHOOK_NAME_MAX]; /* User.Name, "" when absent */
	char item_id[EMBY_WEBHOOK_ID_MAX];     /* Item.Id ("" for UNKNOWN) */
	char item_type[EMBY_WEBHOOK_NAME_MAX]; /* Item.Type: Movie, Episode, … */
	char server_id[EMBY_WEBHOOK_ID_MAX];   /* Server.Id, else Item.ServerId, else "" */
	bool has_position;                     /* PlaybackInfo.PositionTicks (UNIT-02) */
	int64_t position_ticks;
	bool has_completed; /* PlaybackInfo.PlayedToCompletion */
	bool completed;
	bool has_date; /* Date (UNIT-05), ms since the epoch */
	int64_t date_ms;
} emby_webhook_event;

/* Decode one webhook body. Returns CWP_OK with *out filled (kind UNKNOWN for
 * an Event this project does not act on: only a string Event is needed then),
 * or CWP_EDECODE with a message (cwp_error_last) naming what is wrong: not
 * JSON, not an object, no string Event, and for a known kind: no User or Item
 * object, a missing or invalid User.Id / Item.Id, no string Item.Type. An
 * invalid optional field (PositionTicks, PlayedToCompletion, Date, Server.Id)
 * is absent with a warning, never 0 (UNIT-03). The Event name is compared
 * case-insensitively. A body with Jellyfin's `NotificationType` and no
 * `Event` is an UNKNOWN event (not Emby's shape: acknowledged, ignored). On
 * error *out is zeroed. */
int emby_webhook_decode(emby_webhook_event *out, const char *buf, size_t len, cwp_warnings *w);

/* "playback.stop", …, "unknown": the canonical name of a kind. Never NULL. */
const char *emby_webhook_kind_name(emby_webhook_kind kind);

#ifdef __cplusplus
}
#endif
#endif
