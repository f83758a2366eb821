/* Run locks (APPLY-12): see lock.h. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cwp/common.h"
#include "journal.h"

struct cwp__lock {
	int fd;
};

/* FNV-1a of "url\nuser": a file name without the url's characters. */
static unsigned long long lock_hash(const char *url, const char *user)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[3] = {url ? url : "", "\n", user ? user : ""};
	for (int i = 0; i < 3; i++)
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Who holds it, as the holder wrote it ("pid 123, sync, started …"). */
static void holder(int fd, char *buf, size_t bufsz)
{
	ssize_t n = pread(fd, buf, bufsz - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (!buf[0])
		snprintf(buf, bufsz, "another run");
}

static void write_holder(int fd, const char *command, const char *url, const char *user)
{
	char line[512];
	time_t t = time(NULL);
	struct tm tm;
	char stamp[32] = "?";
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	int n = snprintf(line, sizeof(line), "pid %ld, cwprogress %s, started %s, %s user %s\n",
			 (long)getpid(), command, stamp, url ? url : "?", user ? user : "?");
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!pwrite(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, 0);
}

int cwp__lock_path(char *buf, size_t bufsz, const char *url, const char *user, char *err,
		   size_t errsz)
{
	char dir[4096];
	int rc = cwp__state_dir(dir, sizeof(dir), err, errsz);
	if (rc)
		return rc;
	int n = snprintf(buf, bufsz, "%s/run-%016llx.lock", dir, lock_hash(url, user));
	if (n < 0 || (size_t)n >= bufsz) {
		snprintf(err, errsz, "run lock path too long");
		return CWP_ERANGE;
	}
	return 0;
}

int cwp__lock_take(cwp__lock **out, const char *url, const char *user, const char *command,
		   long timeout_ms, char *err, size_t errsz)
{
	*out = NULL;
	char path[4200];
	int rc = cwp__lock_path(path, sizeof(path), url, user, err, errsz);
	if (rc)
		return rc;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open the run lock %s: %s", path, strerror(errno));
		return CWP_EIO;
	}
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errsz, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return CWP_EIO;
		}
		if (now_ms() >= deadline) {
			char who[256];
			holder(fd, who, sizeof(who));
			snprintf(err, errsz,
				 "another run is syncing this destination user (%s); waited %ld s "
				 "(lock %s)",
				 who, timeout_ms / 1000, path);
			close(fd);
			return CWP_EPERM;
		}
		struct timespec pause = {0, 50 * 1000000L};
		nanosleep(&pause, NULL);
	}
	write_holder(fd, command, url, user);
	cwp__lock *l = malloc(sizeof(*l));
	if (!l) {
		close(fd);
		return CWP_ENOMEM;
	}
	l->fd = fd;
	*out = l;
	return 0;
}

void cwp__lock_release(cwp__lock *l)
{
	if (!l)
		return;
	if (ftruncate(l->fd, 0) != 0) {
		/* the holder line stays; the lock itself is released below */
	}
	flock(l->fd, LOCK_UN);
	close(l->fd);
	free(l);
}

int cwp__lock_timeout_parse(long *ms, const char *s)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 86400)
		return CWP_EINVAL;
	*ms = v * 1000;
	return 0;
}
