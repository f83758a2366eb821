/* The write journal (APPLY-09, APPLY-11): see cli/journal.h for the lines. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"

struct cwp__sync_journal {
	FILE *f;
	void (*redact)(void *, char *);
	void *ud;
};

/* A new file's directory entry is only durable once its directory is
 * fsync'ed: without it a crash can lose the whole journal. */
static int sync_parent_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return CWP_ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return CWP_EIO;
	int rc = fsync(fd) == 0 ? 0 : CWP_EIO;
	close(fd);
	return rc;
}

int cwp__sync_journal_open(cwp__sync_journal **out, const char *path, const cJSON *header,
			   void (*redact)(void *, char *), void *ud, char *err, size_t errsz)
{
	*out = NULL;
	struct stat st;
	bool created = stat(path, &st) != 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open journal %s: %s", path, strerror(errno));
		return CWP_EIO;
	}
	cwp__sync_journal *j = calloc(1, sizeof(*j));
	if (!j || !(j->f = fdopen(fd, "a"))) {
		free(j);
		close(fd);
		snprintf(err, errsz, "out of memory opening journal %s", path);
		return CWP_ENOMEM;
	}
	j->redact = redact;
	j->ud = ud;
	int rc = cwp__sync_journal_append(j, header);
	if (!rc)
		rc = cwp__sync_journal_sync(j);
	if (!rc && created)
		rc = sync_parent_dir(path);
	if (rc) {
		snprintf(err, errsz, "cannot write journal %s: %s", path, strerror(errno));
		fclose(j->f);
		free(j);
		return rc;
	}
	*out = j;
	return 0;
}

int cwp__sync_journal_append(cwp__sync_journal *j, const cJSON *line)
{
	char *s = cJSON_PrintUnformatted(line);
	if (!s)
		return CWP_ENOMEM;
	/* Defence in depth: no secret the caller knows reaches the disk. */
	if (j->redact)
		j->redact(j->ud, s);
	int rc = fputs(s, j->f) < 0 || fputc('\n', j->f) == EOF ? CWP_EIO : 0;
	cJSON_free(s);
	return rc;
}

int cwp__sync_journal_sync(cwp__sync_journal *j)
{
	if (!j)
		return 0;
	if (fflush(j->f) != 0)
		return CWP_EIO;
	if (fsync(fileno(j->f)) != 0)
		return CWP_EIO;
	return 0;
}

int cwp__sync_journal_close(cwp__sync_journal *j)
{
	if (!j)
		return 0;
	int rc = cwp__sync_journal_sync(j);
	if (fclose(j->f) != 0)
		rc = CWP_EIO;
	free(j);
	return rc;
}
