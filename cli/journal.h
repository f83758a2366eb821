/* Where the write journal lives (APPLY-09). The cwp_sync library writes it
 * (sync/src/journal.c) and reads it for undo; the command line only picks
 * the default path. The format: JSON lines, one header line per run, then one
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
 *    "http_status":N,"unwatched":b}
 *   {"entry":"end","run":"…","interrupted":b,"written":N,"failed":N,"not_sent":N} */
#ifndef CWP_CLI_JOURNAL_H
#define CWP_CLI_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

/* The folder of journals and run locks: $XDG_STATE_HOME/cwprogress (or
 * ~/.local/state/cwprogress), created 0700 when missing. */
int cwp__state_dir(char *dir, size_t dirsz, char *err, size_t errsz);

/* $XDG_STATE_HOME/cwprogress (default ~/.local/state/cwprogress), created
 * 0700 when missing, + "/<command>-YYYYMMDDTHHMMSSZ-<pid>.jsonl". */
int cwp__journal_default_path(char *buf, size_t bufsz, const char *command, char *err,
			      size_t errsz);

/* Now, in ms since the epoch (UTC). */
int64_t cwp__now_ms(void);

#endif
