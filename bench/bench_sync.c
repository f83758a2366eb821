/* bench_sync: the full `cwprogress sync` against two mock servers with a
 * 100k-item library each, 10k resume positions to sync, every request
 * delayed by 20 ms (docs/PERFORMANCE.md, "sync"). Prints wall time, requests
 * per synced item (every request both servers received: probe, index,
 * confirm lookups, resolve, state, sessions, writes) and the sync's peak RSS.
 *
 * The mocks run in this process; the sync is the real cwprogress binary
 * (beside this one in bin/), so its peak RSS is its own (wait4 ru_maxrss).
 *
 *   bench_sync [--items N] [--positions N] [--latency MS] [--in-flight N]
 *              [--cwprogress PATH] [--keep] */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "mock_emby/mock_emby.h"

extern char **environ;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t parse_size(const char *s, const char *what)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !*s || *end) {
		fprintf(stderr, "bench_sync: %s must be a number\n", what);
		exit(2);
	}
	return (size_t)v;
}

static size_t journal_requests(mock_emby *m)
{
	char *j = mock_emby_journal_json(m);
	cJSON *a = j ? cwp_json_parse_str(j) : NULL;
	size_t n = a ? (size_t)cJSON_GetArraySize(a) : 0;
	cJSON_Delete(a);
	mock_emby_free(j);
	return n;
}

/* The server process: start both mocks, print their URLs, wait for a byte,
 * print the request counts, stop. */
static int serve(const char *src, const char *dst, size_t latency, size_t in_flight, int in,
		 int out)
{
	char err[1024];
	mock_emby *m[2] = {NULL, NULL};
	const char *dirs[2] = {src, dst};
	FILE *f = fdopen(out, "w");
	if (!f)
		return 1;
	for (int s = 0; s < 2; s++) {
		mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
		o.fixtures_dir = dirs[s];
		o.threads = (int)in_flight * 2 + 4;
		if (mock_emby_start(&m[s], &o, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_sync: mock: %s\n", err);
			return 1;
		}
		char fault[128];
		snprintf(fault, sizeof(fault), "{\"kind\": \"delay\", \"delay_ms\": %zu}", latency);
		if (latency && mock_emby_add_faults(m[s], fault) != 0) {
			fprintf(stderr, "bench_sync: cannot add the latency fault\n");
			return 1;
		}
		fprintf(f, "%s\n", mock_emby_url(m[s]));
	}
	fflush(f);
	char c;
	if (read(in, &c, 1) < 0)
		c = 0;
	fprintf(f, "%zu %zu %zu\n", journal_requests(m[0]), journal_requests(m[1]),
		mock_emby_count(m[1], "POST", "/Users/*/Items/*/UserData"));
	fclose(f);
	for (int s = 0; s < 2; s++)
		mock_emby_stop(m[s]);
	return 0;
}

int main(int argc, char **argv)
{
	size_t items = 100000, positions = 10000, latency = 20, in_flight = 8;
	const char *cw = NULL, *extra = NULL;
	int keep = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--items") && i + 1 < argc)
			items = parse_size(argv[++i], "--items");
		else if (!strcmp(argv[i], "--positions") && i + 1 < argc)
			positions = parse_size(argv[++i], "--positions");
		else if (!strcmp(argv[i], "--latency") && i + 1 < argc)
			latency = parse_size(argv[++i], "--latency");
		else if (!strcmp(argv[i], "--in-flight") && i + 1 < argc)
			in_flight = parse_size(argv[++i], "--in-flight");
		else if (!strcmp(argv[i], "--cwprogress") && i + 1 < argc)
			cw = argv[++i];
		else if (!strcmp(argv[i], "--extra") && i + 1 < argc)
			extra = argv[++i]; /* one more sync option, e.g. --dry-run */
		else if (!strcmp(argv[i], "--keep"))
			keep = 1;
		else {
			fprintf(stderr,
				"usage: bench_sync [--items N] [--positions N] [--latency MS] "
				"[--in-flight N] [--cwprogress PATH] [--extra OPTION] [--keep]\n");
			return 2;
		}
	}
	char exe[PATH_MAX], cwbuf[PATH_MAX + 16];
	if (!cw) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 2;
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		*slash = 0;
		snprintf(cwbuf, sizeof(cwbuf), "%s/cwprogress", exe);
		cw = cwbuf;
	}

	char dir[] = "/tmp/bench-sync-XXXXXX", src[64], dst[64], err[1024];
	/* Generated here, then served by the child; the generator's memory
	 * stays in this process but is freed before the sync starts. */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	/* One seed for both sides: the same library (same provider ids); the
	 * source has `positions` resume positions, the destination almost none
	 * (the generator's minimum is one). */
	mock_emby_gen_options g = MOCK_EMBY_GEN_OPTIONS_INIT;
	g.items = items;
	g.resumable = positions;
	g.seed = 7;
	double t0 = now_s();
	if (mock_emby_generate_fixtures(src, &g, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_sync: %s\n", err);
		return 1;
	}
	g.resumable = 1;
	if (mock_emby_generate_fixtures(dst, &g, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_sync: %s\n", err);
		return 1;
	}
	char user[33];
	mock_emby_generated_user_id(g.seed, user);
	printf("fixtures: %zu items per side, %zu positions, generated in %.1f s\n", items,
	       positions, now_s() - t0);

	/* The mocks run in a child process: a child spawned from a process
	 * holding two 100k-item libraries would count their pages in its
	 * ru_maxrss (posix_spawn shares the parent's memory until exec). */
	int to_srv[2], from_srv[2];
	if (pipe(to_srv) != 0 || pipe(from_srv) != 0) {
		perror("pipe");
		return 1;
	}
	fflush(stdout);
	pid_t srv = fork();
	if (srv < 0) {
		perror("fork");
		return 1;
	}
	if (srv == 0) {
		close(to_srv[1]);
		close(from_srv[0]);
		_exit(serve(src, dst, latency, in_flight, to_srv[0], from_srv[1]));
	}
	close(to_srv[0]);
	close(from_srv[1]);
	FILE *from = fdopen(from_srv[0], "r");
	char urls[2][256];
	if (!from || !fgets(urls[0], sizeof(urls[0]), from) ||
	    !fgets(urls[1], sizeof(urls[1]), from)) {
		fprintf(stderr, "bench_sync: the mock servers did not start\n");
		return 1;
	}
	urls[0][strcspn(urls[0], "\n")] = 0;
	urls[1][strcspn(urls[1], "\n")] = 0;
	char pair[PATH_MAX], journal[PATH_MAX], report[PATH_MAX], inflight[32];
	snprintf(pair, sizeof(pair), "%s/pair.json", dir);
	snprintf(journal, sizeof(journal), "%s/journal.jsonl", dir);
	snprintf(report, sizeof(report), "%s/report.json", dir);
	snprintf(inflight, sizeof(inflight), "%zu", in_flight);
	FILE *f = fopen(pair, "w");
	if (!f)
		return 1;
	fprintf(f,
		"{\"source\": {\"url\": \"%s\", \"user_id\": \"%s\", \"token_env\": "
		"\"BENCH_TOKEN\"},\n \"destination\": {\"url\": \"%s\", \"user_id\": \"%s\", "
		"\"token_env\": \"BENCH_TOKEN\"},\n \"features\": {\"progress\": {\"remove\": "
		"false}}}\n",
		urls[0], user, urls[1], user);
	fclose(f);
	setenv("BENCH_TOKEN", "bench-token-not-secret", 1);

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, report, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char *args[] = {(char *)cw,  "sync",        "--config", pair,
			"--journal", journal,       "--json",   "--max-in-flight",
			inflight,    (char *)extra, NULL};
	pid_t pid;
	double t1 = now_s();
	int rc = posix_spawn(&pid, cw, &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench_sync: cannot run %s: %s\n", cw, strerror(rc));
		return 1;
	}
	int status = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	double wall = now_s() - t1;
	int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;

	/* Ask the server process for its counts, then let it stop. */
	size_t req[2] = {0, 0}, writes = 0;
	if (write(to_srv[1], "x", 1) != 1 ||
	    fscanf(from, "%zu %zu %zu", &req[0], &req[1], &writes) != 3)
		fprintf(stderr, "bench_sync: no counts from the mock servers\n");
	close(to_srv[1]);
	fclose(from);
	waitpid(srv, NULL, 0);
	FILE *rf = fopen(report, "r");
	size_t written = 0;
	if (rf) {
		static char buf[1 << 26];
		size_t n = fread(buf, 1, sizeof(buf) - 1, rf);
		buf[n] = 0;
		fclose(rf);
		cJSON *r = cwp_json_parse_str(buf);
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(r, "summary");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(sum, "written");
		if (cJSON_IsNumber(w))
			written = (size_t)w->valuedouble;
		cJSON_Delete(r);
	}
	printf("sync: exit %d, %zu positions written (%zu UserData POSTs), %zu in flight, "
	       "%zu ms latency per request\n",
	       exit_code, written, writes, in_flight, latency);
	printf("wall time:          %.1f s\n", wall);
	printf("requests:           %zu (source %zu, destination %zu)\n", req[0] + req[1], req[0],
	       req[1]);
	printf("requests per item:  %.3f\n",
	       written ? (double)(req[0] + req[1]) / (double)written : 0.0);
	printf("peak RSS (sync):    %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	int ok = exit_code == 0 && written > 0;
	if (!keep) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_sync: could not remove %s\n", dir);
	} else {
		printf("kept: %s\n", dir);
	}
	return ok ? 0 : 1;
}
