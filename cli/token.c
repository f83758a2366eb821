/* Tokens from the environment or a private token file (CLI-04). */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwp/common.h"

#define CWP__MAX_SECRETS 16
#define CWP__TOKEN_MAX   4096

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char *secrets[CWP__MAX_SECRETS]; /* owned here; wiped on clear */

static void wipe(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

void cwp__secret_free(char *s)
{
	wipe(s);
	free(s);
}

void cwp__secret_add(const char *s)
{
	if (!s || !*s)
		return;
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < CWP__MAX_SECRETS; i++) {
		if (secrets[i] && !strcmp(secrets[i], s))
			break;
		if (!secrets[i]) {
			secrets[i] = strdup(s);
			break;
		}
	}
	pthread_mutex_unlock(&secrets_lock);
}

void cwp__secret_clear(void)
{
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < CWP__MAX_SECRETS; i++) {
		cwp__secret_free(secrets[i]);
		secrets[i] = NULL;
	}
	pthread_mutex_unlock(&secrets_lock);
}

char *cwp__redact(char *s)
{
	if (!s)
		return s;
	pthread_mutex_lock(&secrets_lock);
	for (size_t i = 0; i < CWP__MAX_SECRETS; i++) {
		const char *sec = secrets[i];
		if (!sec)
			continue;
		size_t n = strlen(sec);
		char *hit;
		while ((hit = strstr(s, sec)) != NULL) {
			/* "***" is never longer than a secret worth redacting: a
			 * shorter secret is replaced by as many stars as it has. */
			size_t stars = n < 3 ? n : 3;
			memset(hit, '*', stars);
			memmove(hit + stars, hit + n, strlen(hit + n) + 1);
		}
	}
	pthread_mutex_unlock(&secrets_lock);
	return s;
}

/* Trim ASCII white space around [s, s+len) into a new string. */
static char *trimmed_copy(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
		       s[len - 1] == '\n'))
		len--;
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = 0;
	return out;
}

int cwp__token_from_env(char **out, const char *var, char *err, size_t errsz)
{
	*out = NULL;
	const char *v = var && *var ? getenv(var) : NULL;
	if (!v || !*v) {
		snprintf(err, errsz, "environment variable %s is not set or empty",
			 var && *var ? var : "(none)");
		return CWP_ENOTFOUND;
	}
	char *t = trimmed_copy(v, strlen(v));
	if (!t) {
		snprintf(err, errsz, "out of memory");
		return CWP_ENOMEM;
	}
	if (!*t) {
		free(t);
		snprintf(err, errsz, "environment variable %s holds only white space", var);
		return CWP_ENOTFOUND;
	}
	cwp__secret_add(t);
	*out = t;
	return 0;
}

int cwp__token_from_file(char **out, const char *path, char *err, size_t errsz)
{
	int rc = 0;
	char buf[CWP__TOKEN_MAX + 1];
	ssize_t got = 0;
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open token file %s: %s", path, strerror(errno));
		return CWP_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "cannot stat token file %s: %s", path, strerror(errno));
		rc = CWP_EIO;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "token file %s is not a regular file", path);
		rc = CWP_EINVAL;
		goto done;
	}
	if (st.st_mode & 077) {
		snprintf(err, errsz,
			 "token file %s is accessible by group or others (mode %04o); "
			 "run 'chmod 600 %s'",
			 path, (unsigned)(st.st_mode & 07777), path);
		rc = CWP_EPERM;
		goto done;
	}
	while ((size_t)got < CWP__TOKEN_MAX) {
		ssize_t r = read(fd, buf + got, CWP__TOKEN_MAX - (size_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errsz, "cannot read token file %s: %s", path,
				 strerror(errno));
			rc = CWP_EIO;
			goto done;
		}
		if (r == 0)
			break;
		got += r;
	}
	buf[got] = 0;
	size_t line = strcspn(buf, "\n");
	char *t = trimmed_copy(buf, line);
	if (!t) {
		snprintf(err, errsz, "out of memory");
		rc = CWP_ENOMEM;
		goto done;
	}
	if (!*t) {
		free(t);
		snprintf(err, errsz, "token file %s holds no token on its first line", path);
		rc = CWP_ENOTFOUND;
		goto done;
	}
	cwp__secret_add(t);
	*out = t;
done:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
