/* Running a tool under test for `cwprogress conform` (both runners: the
 * planner runner, cli/conform_planner.c, and the sync runner): one shell
 * command with its stdin and stdout in files, extra environment, and a
 * timeout after which its whole process group is killed, so that a hung port
 * fails its case and the run goes on. */
#ifndef CWP_CLI_CONFORM_EXEC_H
#define CWP_CLI_CONFORM_EXEC_H

#include <stdbool.h>

typedef struct cwp__exec_result {
	int status;     /* exit status when it exited, else -1 */
	int signal;     /* the signal that ended it, else 0 */
	bool timed_out; /* killed by us after the timeout */
	double seconds; /* wall time */
} cwp__exec_result;

/* Run `/bin/sh -c cmd` in its own process group. in_path: stdin (NULL:
 * /dev/null); out_path: stdout, truncated (NULL: inherited); err_path:
 * stderr, truncated (NULL: inherited). env: NULL-terminated "NAME=VALUE"
 * entries set in the child only (NULL: none). timeout_ms > 0: after that
 * long the process group gets SIGKILL. Returns 0, or -1 when the command
 * could not be started (errno set). */
int cwp__conform_exec(cwp__exec_result *res, const char *cmd, const char *in_path,
		      const char *out_path, const char *err_path, char *const *env,
		      long timeout_ms);

#endif
