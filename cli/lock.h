/* One run at a time per destination user (APPLY-12): a lock file beside the
 * journals, named after the destination server and user, held with flock
 * for the whole sync or undo. The kernel drops the lock when its process
 * dies, so a lock left by a dead run is simply taken over; the file says
 * which run holds it (pid, command, start) so that a waiting run can name
 * it. */
#ifndef CWP_CLI_LOCK_H
#define CWP_CLI_LOCK_H

#include <stddef.h>

typedef struct cwp__lock cwp__lock;

/* Take the lock of (url, user), waiting up to timeout_ms for another run to
 * finish. CWP_EPERM when it is still held then: err names the other run. */
int cwp__lock_take(cwp__lock **out, const char *url, const char *user, const char *command,
		   long timeout_ms, char *err, size_t errsz);
/* The lock file of (url, user) in the state folder (created when missing). */
int cwp__lock_path(char *buf, size_t bufsz, const char *url, const char *user, char *err,
		   size_t errsz);

/* --lock-timeout S: whole seconds 0-86400 → ms; CWP_EINVAL otherwise. */
int cwp__lock_timeout_parse(long *ms, const char *s);

/* Release and forget; NULL accepted. */
void cwp__lock_release(cwp__lock *l);

#endif
