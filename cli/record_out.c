/* `cwprogress record`: the output directory (checked before anything is
 * read, written beside --out and renamed at the end), the check that no file
 * holds the token, and the recording's generated fixture token. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cwp/common.h"
#include "pair.h"
#include "record.h"

/* 32 lowercase hex characters from a GUID written with or without dashes,
 * in any case; false when it is not one. */
bool cwp__rec_guid_norm(char out[33], const char *s)
{
	size_t n = 0;
	for (; *s; s++) {
		char c = *s;
		if (c == '-')
			continue;
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n == 32)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 32;
}

/* ---- the output directory ---------------------------------------------- */

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* Check --out before anything is read (usage errors, exit 2). */
int cwp__rec_outdir_check(cwp__rec_outdir *o, const char *given, char *err, size_t errsz)
{
	size_t n = strlen(given);
	while (n > 1 && given[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(o->out) - 32) {
		snprintf(err, errsz, "--out: give the directory to create");
		return CWP_EINVAL;
	}
	memcpy(o->out, given, n);
	o->out[n] = '\0';
	const char *base = strrchr(o->out, '/');
	base = base ? base + 1 : o->out;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		snprintf(err, errsz, "--out '%s': give the name of a new directory", given);
		return CWP_EINVAL;
	}
	struct stat st;
	if (stat(o->out, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !dir_is_empty(o->out)) {
			snprintf(err, errsz,
				 "--out '%s' already exists and is not an empty directory: "
				 "give a new one (nothing is overwritten)",
				 o->out);
			return CWP_EINVAL;
		}
		o->out_exists = true;
	}
	char parent[PATH_MAX];
	size_t pl = (size_t)(base - o->out);
	if (pl == 0) {
		snprintf(parent, sizeof(parent), ".");
	} else {
		memcpy(parent, o->out, pl);
		parent[pl] = '\0';
	}
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "--out '%s': the directory '%s' does not exist", o->out,
			 parent);
		return CWP_EINVAL;
	}
	int w = snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.record-XXXXXX", (int)pl, o->out, base);
	if (w < 0 || (size_t)w >= sizeof(o->tmp)) {
		snprintf(err, errsz, "--out '%s': path too long", o->out);
		return CWP_EINVAL;
	}
	return CWP_OK;
}
/* ---- small file helpers ------------------------------------------------ */

/* Whether any regular file below dir holds secret. */
bool cwp__rec_tree_holds(const char *dir, const char *secret, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		if (n < 0 || (size_t)n >= sizeof(path) || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = depth < 4 && cwp__rec_tree_holds(path, secret, depth + 1);
			continue;
		}
		char *text = NULL;
		size_t len = 0;
		char e[256];
		if (!S_ISREG(st.st_mode) ||
		    cwp__read_file(&text, &len, path, (size_t)1 << 31, e, sizeof(e)) != 0)
			continue;
		size_t sl = strlen(secret);
		for (size_t i = 0; !found && sl && i + sl <= len; i++)
			found = text[i] == secret[0] && memcmp(text + i, secret, sl) == 0;
		free(text);
	}
	closedir(d);
	return found;
}

/* A fixture token: "fixture-" and 32 random hex characters. */
void cwp__rec_fixture_token(char out[48])
{
	unsigned char r[16] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && read(fd, r, sizeof(r)) == (ssize_t)sizeof(r);
	if (fd >= 0)
		close(fd);
	if (!ok) {
		/* No /dev/urandom: still unique enough for a test fixture. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long x = (unsigned long long)ts.tv_nsec * 2654435761u ^
				       (unsigned long long)ts.tv_sec ^
				       ((unsigned long long)getpid() << 32);
		for (size_t i = 0; i < sizeof(r); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			r[i] = (unsigned char)(x >> 56);
		}
	}
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "fixture-", 8);
	for (size_t i = 0; i < sizeof(r); i++) {
		out[8 + 2 * i] = hex[r[i] >> 4];
		out[9 + 2 * i] = hex[r[i] & 15];
	}
	out[40] = '\0';
}
