/* bench_plan: how fast the core loads, matches and plans (docs/PERFORMANCE.md).
 *
 * For each N (default 10k, 100k, 1M) it generates a source and a destination
 * index of N keys each (a mix of movies and episodes; about 60 % of the
 * source keys on the destination under the same key, 15 % under another key
 * matched by an alias token, the rest missing; a quarter of the destination
 * is destination-only), writes them as JSON lines into a temporary folder,
 * and times separately:
 *
 *   load      cwp_index_load of both files (parse + index)
 *   match     cwp_match_new (KEY-06) over the loaded indexes
 *   decide    cwp_decide over every matched pair: the planner proper
 *             (PLAN-03/04 with matched indexes in memory)
 *   plan_new  cwp_plan_new: match + decide + the plan array (what the CLI runs)
 *   json      cwp_plan_write_json of that plan into a sink that only counts
 *             bytes (what `plan --json` prints): MB/s of plan JSON
 *
 * and prints keys/s, ns/key and the process's peak RSS. With --cli PATH it
 * also runs `PATH plan --src S --dst D` on the generated files (object form
 * and JSON lines, and with --json on the JSON lines) and reports its wall
 * time and peak RSS.
 *
 * usage: bench_plan [--cli PATH] [--keep] [N ...] */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cwp/cwp.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	/* splitmix64: deterministic across runs and machines */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

#define T_BASE 1709323200000LL /* 2024-03-01T20:00:00Z */
#define DUR    7200000LL

static void die(const char *what)
{
	fprintf(stderr, "bench_plan: %s: %s\n", what, cwp_error_last());
	exit(1);
}

/* Record i of one side. Strings live in bufs (copied by cwp_index_put). */
struct recbuf {
	char id1[24], id2[24], title[32], item[24];
};

static void make_record(cwp_record *r, struct recbuf *b, size_t i, bool dst, bool alias)
{
	memset(r, 0, sizeof(*r));
	snprintf(b->title, sizeof(b->title), "Title %zu", i);
	snprintf(b->item, sizeof(b->item), "%c%zu", dst ? 'd' : 's', i);
	r->title = b->title;
	r->item_id = b->item;
	if (i % 10 < 7) {
		r->type = CWP_TYPE_MOVIE;
		snprintf(b->id1, sizeof(b->id1), "%zu", i + 1);
		snprintf(b->id2, sizeof(b->id2), "tt%07zu", i + 1);
		r->ids[CWP_ID_TMDB] = b->id1;
		r->ids[CWP_ID_IMDB] = b->id2;
		if (alias) {
			/* the destination wrote this one under its imdb key */
			r->ids[CWP_ID_TMDB] = NULL;
			r->key = NULL;
		}
	} else {
		r->type = CWP_TYPE_EPISODE;
		snprintf(b->id1, sizeof(b->id1), "%zu", i / 100 + 1);
		r->show_ids[CWP_ID_TVDB] = b->id1;
		if (alias) {
			snprintf(b->id2, sizeof(b->id2), "%zu", i / 100 + 1);
			r->show_ids[CWP_ID_TMDB] =
			    b->id2; /* keyed by tmdb, matched by tvdb token */
		}
		r->season = (int32_t)((i % 100) / 10 + 1);
		r->episode = (int32_t)(i % 10 + 1);
		r->has_season = r->has_episode = true;
	}
	r->progress_ms = (int64_t)(rng() % DUR);
	r->has_progress_ms = true;
	r->duration_ms = DUR;
	r->has_duration_ms = true;
	if (rng() % 8) {
		r->progress_at = T_BASE + (int64_t)(rng() % 86400000);
		r->has_progress_at = true;
	}
	r->played = false;
	r->has_played = true;
}

/* Write the two indexes of size n into dir, in both file forms. */
static void generate(const char *dir, size_t n)
{
	cwp_index *src = NULL, *dst = NULL;
	struct recbuf b;
	cwp_record r;
	char path[4096];

	rng_state = 42 + n;
	if (cwp_index_new(&src) || cwp_index_new(&dst))
		die("index");
	for (size_t i = 0; i < n; i++) {
		make_record(&r, &b, i, false, false);
		if (cwp_index_put(src, &r))
			die("put");
		unsigned roll = (unsigned)(rng() % 100);
		if (roll < 60) {
			make_record(&r, &b, i, true, false);
			if (cwp_index_put(dst, &r))
				die("put");
		} else if (roll < 75) {
			make_record(&r, &b, i, true, true);
			if (cwp_index_put(dst, &r))
				die("put");
		}
	}
	/* destination-only keys (PLAN-02: they get no decision) */
	for (size_t i = n; cwp_index_size(dst) < n; i++) {
		make_record(&r, &b, i + n, true, false);
		if (cwp_index_put(dst, &r))
			die("put");
	}
	const struct {
		const char *name;
		cwp_index *idx;
		unsigned flags;
	} files[] = {{"src.jsonl", src, CWP_INDEX_JSONL},
		     {"dst.jsonl", dst, CWP_INDEX_JSONL},
		     {"src.json", src, 0},
		     {"dst.json", dst, 0}};
	for (size_t k = 0; k < 4; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[k].name);
		FILE *f = fopen(path, "w");
		if (!f || cwp_index_write(files[k].idx, f, files[k].flags) || fclose(f)) {
			fprintf(stderr, "bench_plan: cannot write %s\n", path);
			exit(1);
		}
	}
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void row(const char *what, double secs, size_t keys)
{
	printf("  %-9s %8.3f s  %8.2f M keys/s  %8.1f ns/key\n", what, secs,
	       (double)keys / secs / 1e6, secs * 1e9 / (double)keys);
}

/* Run `cli plan --src S --dst D`; wall time and the child's peak RSS. */
/* A FILE that counts what is written to it and keeps nothing. */
static ssize_t count_write(void *cookie, const char *buf, size_t n)
{
	(void)buf;
	*(size_t *)cookie += n;
	return (ssize_t)n;
}

static void json_row(const cwp_plan *plan)
{
	size_t bytes = 0;
	cookie_io_functions_t io = {NULL, count_write, NULL, NULL};
	FILE *f = fopencookie(&bytes, "w", io);
	if (!f)
		die("fopencookie");
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	double t = now_s(), c = cpu_s();
	if (cwp_plan_write_json(plan, f) != 0)
		die("cwp_plan_write_json");
	fflush(f);
	double secs = now_s() - t, cpu = cpu_s() - c;
	fclose(f);
	/* CPU time too: on a shared machine the wall clock counts other work */
	printf("  %-9s %8.3f s  %8.1f MB/s     %8.1f MB  (CPU %.3f s: %.1f MB/s)\n", "json", secs,
	       bytes / 1e6 / secs, bytes / 1e6, cpu, bytes / 1e6 / cpu);
}

static void run_cli(const char *cli, const char *dir, const char *ext, bool json)
{
	char s[4096], d[4096];
	snprintf(s, sizeof(s), "%s/src.%s", dir, ext);
	snprintf(d, sizeof(d), "%s/dst.%s", dir, ext);
	fflush(stdout); /* or the child's freopen flushes our buffer a second time */
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return;
	}
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (json)
			execl(cli, cli, "plan", "--src", s, "--dst", d, "--json", (char *)NULL);
		else
			execl(cli, cli, "plan", "--src", s, "--dst", d, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return;
	}
	double secs = now_s() - t0;
	printf("  cwprogress plan%s (%s files): %.3f s wall, %.1f MiB peak RSS, exit %d\n",
	       json ? " --json" : "", ext, secs, (double)ru.ru_maxrss / 1024.0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void bench(size_t n, const char *cli, bool keep)
{
	char dir[] = "/tmp/bench_plan.XXXXXX";
	char s[64], d[64];
	cwp_index *src = NULL, *dst = NULL;
	cwp_match *m = NULL;
	cwp_plan *plan = NULL;
	cwp_config cfg = CWP_CONFIG_INIT;
	cwp_warnings w = CWP_WARNINGS_INIT;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	double t = now_s();
	generate(dir, n);
	printf("N = %zu (generated in %.2f s, %s)\n", n, now_s() - t, dir);

	snprintf(s, sizeof(s), "%s/src.jsonl", dir);
	snprintf(d, sizeof(d), "%s/dst.jsonl", dir);
	t = now_s();
	if (cwp_index_load(&src, s, &w) || cwp_index_load(&dst, d, &w))
		die("load");
	row("load", now_s() - t, cwp_index_size(src) + cwp_index_size(dst));

	/* the index sorts itself on first ordered access; count that with match */
	t = now_s();
	if (cwp_match_new(&m, src, dst))
		die("match");
	row("match", now_s() - t, cwp_index_size(src));

	size_t ns = cwp_index_size(src), writes = 0;
	t = now_s();
	for (size_t i = 0; i < ns; i++) {
		cwp_decision dec = cwp_decide(cwp_index_at(src, i), cwp_match_dst(m, i), &cfg);
		writes += dec.action != CWP_ACTION_SKIP;
	}
	double decide = now_s() - t;
	row("decide", decide, ns);

	t = now_s();
	if (cwp_plan_new(&plan, src, dst, &cfg))
		die("plan");
	row("plan_new", now_s() - t, ns);
	cwp_plan_summary sum;
	cwp_plan_summarize(plan, &sum);
	printf("  plan: %zu decisions, %zu upserts, %zu skips (decide loop: %zu writes); "
	       "%zu warnings\n",
	       sum.decisions, sum.upserts, sum.skips, writes, w.count);
	json_row(plan);
	printf("  peak RSS so far: %.1f MiB\n", peak_rss_mib());
	cwp_plan_free(plan);
	cwp_match_free(m);
	cwp_index_free(src);
	cwp_index_free(dst);

	if (cli) {
		run_cli(cli, dir, "jsonl", false);
		run_cli(cli, dir, "json", false);
		run_cli(cli, dir, "jsonl", true);
	}
	if (!keep) {
		const char *names[] = {"src.jsonl", "dst.jsonl", "src.json", "dst.json"};
		char p[4096];
		for (size_t k = 0; k < 4; k++) {
			snprintf(p, sizeof(p), "%s/%s", dir, names[k]);
			unlink(p);
		}
		rmdir(dir);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *cli = NULL;
	bool keep = false;
	size_t sizes[16], nsizes = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cli") && i + 1 < argc) {
			cli = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			keep = true;
		} else {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(argv[i], &end, 10);
			if (errno || end == argv[i] || *end || v == 0 || v > 100000000ULL ||
			    nsizes == 16) {
				fprintf(stderr,
					"usage: bench_plan [--cli PATH] [--keep] [N ...]\n");
				return 2;
			}
			sizes[nsizes++] = (size_t)v;
		}
	}
	if (!nsizes) {
		sizes[0] = 10000;
		sizes[1] = 100000;
		sizes[2] = 1000000;
		nsizes = 3;
	}
	for (size_t i = 0; i < nsizes; i++)
		bench(sizes[i], cli, keep);
	return 0;
}
