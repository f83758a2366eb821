/* Running a tool under test with a timeout (cli/conform_exec.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conform_exec.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* stdin/stdout/stderr of the child; only async-signal-safe calls. */
static void child_redirect(const char *path, int fd, int flags)
{
	if (!path)
		return;
	int f = open(path, flags, 0600);
	if (f < 0 || dup2(f, fd) < 0)
		_exit(127);
	close(f);
}

static pid_t start(const char *cmd, const char *in_path, const char *out_path, const char *err_path,
		   char *const *env)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	setpgid(0, 0);
	child_redirect(in_path ? in_path : "/dev/null", 0, O_RDONLY);
	child_redirect(out_path, 1, O_WRONLY | O_CREAT | O_TRUNC);
	child_redirect(err_path, 2, O_WRONLY | O_CREAT | O_TRUNC);
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Wait for pid up to deadline (0: forever). Returns true when it ended. A
 * pidfd is polled when the kernel has one; else waitpid is polled. */
static bool wait_until(pid_t pid, double deadline, int *status)
{
#ifdef SYS_pidfd_open
	int pfd = deadline > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pfd >= 0) {
		for (;;) {
			double left = deadline - now_s();
			struct pollfd p = {pfd, POLLIN, 0};
			int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
			int n = poll(&p, 1, ms);
			if (n < 0 && errno == EINTR)
				continue;
			close(pfd);
			if (n <= 0)
				return false;
			break;
		}
	}
#endif
	for (;;) {
		pid_t w = waitpid(pid, status, deadline > 0 ? WNOHANG : 0);
		if (w == pid)
			return true;
		if (w < 0 && errno != EINTR)
			return true; /* not our child any more: nothing to wait for */
		if (w == 0) {
			if (now_s() >= deadline)
				return false;
			struct timespec tick = {0, 5 * 1000 * 1000};
			nanosleep(&tick, NULL);
		}
	}
}

int cwp__conform_exec(cwp__exec_result *res, const char *cmd, const char *in_path,
		      const char *out_path, const char *err_path, char *const *env, long timeout_ms)
{
	double t0 = now_s();
	int status = 0;

	res->status = -1;
	res->signal = 0;
	res->timed_out = false;
	res->seconds = 0;
	pid_t pid = start(cmd, in_path, out_path, err_path, env);
	if (pid < 0)
		return -1;
	setpgid(pid, pid); /* also here: no race with a kill before the child ran */
	double deadline = timeout_ms > 0 ? t0 + (double)timeout_ms / 1000.0 : 0;
	if (!wait_until(pid, deadline, &status)) {
		res->timed_out = true;
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	kill(-pid, SIGKILL); /* whatever it left running in its group */
	res->seconds = now_s() - t0;
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->signal = WTERMSIG(status);
	return 0;
}
