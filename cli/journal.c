/* The write journal (APPLY-09). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cwp/common.h"
#include "token.h"

struct cwp__journal {
	FILE *f;
	char *path;
};

int64_t cwp__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cwp__run_id(char *buf, size_t bufsz)
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

int cwp__journal_default_path(char *buf, size_t bufsz, const char *command, char *err, size_t errsz)
{
	char dir[4096];
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (state && state[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/cwprogress", state);
	else if (home && *home)
		n = snprintf(dir, sizeof(dir), "%s/.local/state/cwprogress", home);
	else
		n = snprintf(dir, sizeof(dir), "./cwprogress-journals");
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		snprintf(err, errsz, "journal directory path too long");
		return CWP_ERANGE;
	}
	if (mkdir_p(dir) != 0) {
		snprintf(err, errsz, "cannot create journal directory %s: %s", dir,
			 strerror(errno));
		return CWP_EIO;
	}
	char id[64];
	cwp__run_id(id, sizeof(id));
	n = snprintf(buf, bufsz, "%s/%s-%s.jsonl", dir, command, id);
	if (n < 0 || (size_t)n >= bufsz) {
		snprintf(err, errsz, "journal path too long");
		return CWP_ERANGE;
	}
	return 0;
}

int cwp__journal_open(cwp__journal **out, const char *path, const cJSON *header, char *err,
		      size_t errsz)
{
	*out = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open journal %s: %s", path, strerror(errno));
		return CWP_EIO;
	}
	cwp__journal *j = calloc(1, sizeof(*j));
	if (!j || !(j->path = strdup(path)) || !(j->f = fdopen(fd, "a"))) {
		if (j)
			free(j->path);
		free(j);
		close(fd);
		snprintf(err, errsz, "out of memory opening journal %s", path);
		return CWP_ENOMEM;
	}
	int rc = cwp__journal_append(j, header);
	if (!rc)
		rc = cwp__journal_sync(j);
	if (rc) {
		snprintf(err, errsz, "cannot write journal %s: %s", path, strerror(errno));
		fclose(j->f);
		free(j->path);
		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

int cwp__journal_append(cwp__journal *j, const cJSON *line)
{
	char *s = cJSON_PrintUnformatted(line);
	if (!s)
		return CWP_ENOMEM;
	/* Defence in depth: no registered secret reaches the disk. */
	cwp__redact(s);
	int rc = fputs(s, j->f) < 0 || fputc('\n', j->f) == EOF ? CWP_EIO : 0;
	cJSON_free(s);
	return rc;
}

int cwp__journal_sync(cwp__journal *j)
{
	if (fflush(j->f) != 0)
		return CWP_EIO;
	if (fsync(fileno(j->f)) != 0)
		return CWP_EIO;
	return 0;
}

int cwp__journal_close(cwp__journal *j)
{
	if (!j)
		return 0;
	int rc = cwp__journal_sync(j);
	if (fclose(j->f) != 0)
		rc = CWP_EIO;
	free(j->path);
	free(j);
	return rc;
}

const char *cwp__journal_path(const cwp__journal *j)
{
	return j ? j->path : NULL;
}
