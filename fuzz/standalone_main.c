/* Standalone replay driver for the fuzz targets (no fuzzing engine).
 *
 * Built when no engine is configured (CWP_FUZZ_ENGINE / $LIB_FUZZING_ENGINE
 * empty), so that gcc builds replay the seed corpora and the regressions as
 * ordinary CTest entries (label fuzzreg). Usage:
 *
 *     <name>_fuzzer FILE|DIR...
 *
 * Every file argument, and every regular file directly inside a directory
 * argument (sorted by name, so runs are reproducible), is read whole into a
 * malloc'd buffer of exactly its size (so that AddressSanitizer catches a read
 * one byte past the input) and handed to LLVMFuzzerTestOneInput. Arguments
 * that start with '-' are libFuzzer options and are ignored, so one command
 * line works with both drivers. Any I/O error (missing path, unreadable file)
 * makes the exit status non-zero after the remaining inputs have run; a crash
 * of the target aborts the process, as under libFuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Inputs larger than this are refused (libFuzzer's default -max_len is far
 * smaller; this only guards against a wrong argument such as a disk image). */
#define MAX_INPUT_BYTES (64u * 1024u * 1024u)

static size_t inputs_run;

static int run_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t size, got;
	int rc = -1;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "standalone: cannot open %s: %s\n", path, strerror(errno));
		goto done;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "standalone: %s is not a regular file\n", path);
		goto done;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > MAX_INPUT_BYTES) {
		fprintf(stderr, "standalone: %s is too large\n", path);
		goto done;
	}
	size = (size_t)st.st_size;
	/* Exactly size bytes; malloc(0) may return NULL, so an empty input gets
	 * a 1-byte block that the target may not read (size is 0). */
	buf = malloc(size ? size : 1);
	if (!buf) {
		fprintf(stderr, "standalone: out of memory for %s\n", path);
		goto done;
	}
	got = size ? fread(buf, 1, size, f) : 0;
	if (got != size || ferror(f)) {
		fprintf(stderr, "standalone: short read on %s\n", path);
		goto done;
	}
	fclose(f);
	f = NULL;

	fprintf(stderr, "Running: %s (%zu bytes)\n", path, size);
	LLVMFuzzerTestOneInput(buf, size);
	inputs_run++;
	rc = 0;
done:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path)
{
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "standalone: cannot open directory %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char *name;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, ncap * sizeof(*nn));
			if (!nn) {
				fprintf(stderr, "standalone: out of memory listing %s\n", path);
				rc = -1;
				goto done;
			}
			names = nn;
			cap = ncap;
		}
		name = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!name) {
			fprintf(stderr, "standalone: out of memory listing %s\n", path);
			rc = -1;
			goto done;
		}
		memcpy(name, path, strlen(path));
		name[strlen(path)] = '/';
		memcpy(name + strlen(path) + 1, e->d_name, strlen(e->d_name) + 1);
		names[n++] = name;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct stat st;
		if (stat(names[i], &st) != 0) {
			fprintf(stderr, "standalone: cannot stat %s: %s\n", names[i],
				strerror(errno));
			rc = -1;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			continue; /* one level, as libFuzzer's corpus directories */
		if (run_file(names[i]) != 0)
			rc = -1;
	}
done:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	int failed = 0;
	int i;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "standalone: cannot stat %s: %s\n", argv[i],
				strerror(errno));
			failed = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i]) != 0)
				failed = 1;
		} else if (run_file(argv[i]) != 0) {
			failed = 1;
		}
	}
	fprintf(stderr, "standalone: %zu inputs run%s\n", inputs_run,
		failed ? ", with I/O errors" : "");
	return failed ? 1 : 0;
}
