/* service_soak: the service's schedule (SVC-02) run thousands of times in one
 * process, memory watched. Two in-process demo mocks, a household pair file
 * (alice and bob), `cwprogress sync --every` as cwp__service_main with a 1 ms
 * interval (below the command line's 1 s minimum, for the count) and a
 * run limit. The service's log stream is a cookie stream that samples the
 * resident set and the heap in use at run 100 (after warm-up), halfway and at
 * the end (the mocks' request journals, which grow by design, are emptied
 * after every run so that only the service's memory is measured). A
 * program, not a test:
 *   build/dev/bin/service_soak            # 2000 runs
 *   build/dev/bin/service_soak 5000 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_mem.h"
#include "mock_emby/mock_emby.h"
#include "service.h"

static long runs_target = 2000;
static long runs_seen;
static mock_emby *mocks[2]; /* their request journals are emptied every run */
static long rss_at[3] = {-1, -1, -1}, heap_at[3] = {-1, -1, -1};

/* The service's stderr: count "run:" lines, sample at the marks. */
static ssize_t log_write(void *c, const char *buf, size_t n)
{
	(void)c;
	if (!memmem(buf, n, "exit 0,", 7))
		fprintf(stderr, "%.*s", (int)n, buf); /* anything but a clean run */
	for (const char *p = buf; (p = memmem(p, n - (size_t)(p - buf), "cwprogress: run:", 16));
	     p++) {
		runs_seen++;
		mock_emby_journal_clear(mocks[0]);
		mock_emby_journal_clear(mocks[1]);
		int k = runs_seen == 100               ? 0
			: runs_seen == runs_target / 2 ? 1
			: runs_seen == runs_target     ? 2
						       : -1;
		if (k >= 0) {
			rss_at[k] = bench_rss_kib();
			heap_at[k] = bench_heap_kib();
		}
	}
	return (ssize_t)n;
}

static mock_emby *start(const char *name)
{
	char dir[PATH_MAX], err[512];
	snprintf(dir, sizeof dir, "%s/mock_emby/fixtures/%s", CWP_SOURCE_DIR, name);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	mock_emby *m = NULL;
	if (mock_emby_start(&m, &o, err, sizeof err) != 0) {
		fprintf(stderr, "service_soak: %s\n", err);
		exit(1);
	}
	return m;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		runs_target = strtol(argv[1], NULL, 10);
	if (runs_target < 200)
		runs_target = 200;
	mock_emby *a = start("demo-a"), *b = start("demo-b");
	mocks[0] = a;
	mocks[1] = b;
	char dir[] = "/tmp/cwp-service-soak-XXXXXX", pair[PATH_MAX], journal[PATH_MAX];
	if (!mkdtemp(dir))
		return 1;
	snprintf(pair, sizeof pair, "%s/pair.json", dir);
	snprintf(journal, sizeof journal, "%s/journal.jsonl", dir);
	setenv("CWP_SOAK_SRC", "demo-a-apikey-not-secret", 1);
	setenv("CWP_SOAK_DST", "demo-b-apikey-not-secret", 1);
	FILE *f = fopen(pair, "w");
	fprintf(f,
		"{\"source\": {\"url\": \"%s\", \"token_env\": \"CWP_SOAK_SRC\"},"
		" \"destination\": {\"url\": \"%s\", \"token_env\": \"CWP_SOAK_DST\"},"
		" \"users\": [{\"source\": \"alice\", \"destination\": \"alice\"},"
		" {\"source\": \"bob\", \"destination\": \"bob\"}]}\n",
		mock_emby_url(a), mock_emby_url(b));
	fclose(f);
	cookie_io_functions_t io = {NULL, log_write, NULL, NULL};
	FILE *log = fopencookie(NULL, "w", io);
	FILE *out = fopen("/dev/null", "w");
	cwp__service_opts o = {.config = pair,
			       .journal = journal,
			       .every_ms = 1,
			       .max_runs = runs_target,
			       .out = out,
			       .err = log};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = cwp__service_main(&o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(log);
	fclose(out);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("service_soak: %ld runs of 2 pairs in %.1f s (%.1f ms/run), exit %d\n", runs_seen,
	       secs, secs * 1000 / (double)(runs_seen ? runs_seen : 1), rc);
	static const char *const at[3] = {"run 100", "halfway", "end"};
	for (int k = 0; k < 3; k++)
		printf("service_soak: %-8s RSS %ld KiB, heap in use %ld KiB\n", at[k], rss_at[k],
		       heap_at[k]);
	long growth = heap_at[2] - heap_at[0];
	printf("service_soak: heap growth after warm-up %ld KiB (%s)\n", growth,
	       growth <= 1024 ? "flat" : "GROWING");
	mock_emby_stop(a);
	mock_emby_stop(b);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return rc == 0 && growth <= 1024 ? 0 : 1;
}
