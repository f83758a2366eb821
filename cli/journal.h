/* The write journal (APPLY-09): JSON lines, one header line per run, then one
 * line per item about to be written, holding the item's previous state
 * (PlaybackPositionTicks, LastPlayedDate, Played). The lines of a batch are
 * flushed and fsync'ed before the first write of the batch is sent, so that
 * `cwprogress undo` can restore whatever a run overwrote, even after a crash.
 * Outcome lines follow the writes. Files are created 0600: they describe
 * what people watch. No token is ever written (CLI-04).
 *
 *   {"cwprogress_journal":1,"command":"sync","run":"…","started":"…",
 *    "servers":{"source":{endpoint},"destination":{endpoint}}}
 *   {"entry":"previous","run":"…","side":"destination","item_id":"…","key":"…",
 *    "title":"…","action":"upsert","reason":"source_ahead",
 *    "previous":{"PlaybackPositionTicks":N,"LastPlayedDate":"…"|null,"Played":b},
 *    "body":{…what is sent…},"unwatch_first":false}
 *   {"entry":"outcome","run":"…","side":"…","item_id":"…","outcome":"ok"|"failed"|"unknown",
 *    "http_status":N} */
#ifndef CWP_CLI_JOURNAL_H
#define CWP_CLI_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

typedef struct cwp__journal cwp__journal;

/* Open (create 0600, or append to) path and write the header line, synced.
 * Parent directories of the default path are created by
 * cwp__journal_default_path, not here. */
int cwp__journal_open(cwp__journal **out, const char *path, const struct cJSON *header, char *err,
		      size_t errsz);
/* Append one line (not yet synced). */
int cwp__journal_append(cwp__journal *j, const struct cJSON *line);
/* fflush + fsync: after this the appended lines are on disk. */
int cwp__journal_sync(cwp__journal *j);
/* Sync and close; NULL accepted. Returns the sync's result. */
int cwp__journal_close(cwp__journal *j);
const char *cwp__journal_path(const cwp__journal *j);

/* $XDG_STATE_HOME/cwprogress (default ~/.local/state/cwprogress), created
 * 0700 when missing, + "/<command>-YYYYMMDDTHHMMSSZ-<pid>.jsonl". */
int cwp__journal_default_path(char *buf, size_t bufsz, const char *command, char *err,
			      size_t errsz);

/* Now, in ms since the epoch (UTC), and a run id "YYYYMMDDTHHMMSSZ-<pid>". */
int64_t cwp__now_ms(void);
void cwp__run_id(char *buf, size_t bufsz);

#endif
