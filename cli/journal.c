/* Where the write journal lives (APPLY-09). */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cwp/common.h"

int64_t cwp__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "YYYYMMDDTHHMMSSZ-<pid>": the default journal's name. */
static void run_id(char *buf, size_t bufsz)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32] = "unknown";
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, bufsz, "%s-%ld", stamp, (long)getpid());
}

static int mkdir_p(char *path)
{
	/* Create every missing component, private to the user. */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0700);
		*p = '/';
		if (r != 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int cwp__state_dir(char *dir, size_t dirsz, char *err, size_t errsz)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (state && state[0] == '/')
		n = snprintf(dir, dirsz, "%s/cwprogress", state);
	else if (home && *home)
		n = snprintf(dir, dirsz, "%s/.local/state/cwprogress", home);
	else
		n = snprintf(dir, dirsz, "./cwprogress-journals");
	if (n < 0 || (size_t)n >= dirsz) {
		snprintf(err, errsz, "journal directory path too long");
		return CWP_ERANGE;
	}
	if (mkdir_p(dir) != 0) {
		snprintf(err, errsz, "cannot create journal directory %s: %s", dir,
			 strerror(errno));
		return CWP_EIO;
	}
	return 0;
}

int cwp__journal_default_path(char *buf, size_t bufsz, const char *command, char *err, size_t errsz)
{
	char dir[4096];
	int rc = cwp__state_dir(dir, sizeof(dir), err, errsz);
	if (rc)
		return rc;
	char id[64];
	run_id(id, sizeof(id));
	int n = snprintf(buf, bufsz, "%s/%s-%s.jsonl", dir, command, id);
	if (n < 0 || (size_t)n >= bufsz) {
		snprintf(err, errsz, "journal path too long");
		return CWP_ERANGE;
	}
	return 0;
}
