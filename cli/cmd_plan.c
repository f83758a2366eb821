/* cwprogress plan: plan offline from two index JSON files (CLI-01, CLI-02).
 *
 * The planner of SPEC §4/§6 over a source and a destination index, with the
 * pair configuration of §3. Nothing is read from or written to a server. Exit
 * status (CLI-03): 0 planned; 2 usage error, a configuration error, or an
 * input that is not JSON or not an index; 3 an input file that cannot be read.
 * A record with one bad field is planned without that field and warned about
 * (UNIT-03); warnings go to stderr with their count. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/cwp.h"
#include "cmd.h"
#include "opts.h"
#include "pair.h"

/* Warnings printed one by one before the rest are only counted. */
#define PLAN_WARN_SHOWN 20
/* A pair configuration is small; anything bigger is not one. */
#define PLAN_CONFIG_MAX ((size_t)1 << 20)

struct warn_ctx {
	size_t shown;
};

static void warn_sink(void *ud, const char *msg)
{
	struct warn_ctx *c = ud;
	if (c->shown++ < PLAN_WARN_SHOWN)
		fprintf(stderr, "cwprogress plan: warning: %s\n", msg);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress plan --src SOURCE.json --dst DESTINATION.json\n"
		"                       [--config PAIR.json] [--json | --explain]\n"
		"\n"
		"Plan which resume positions a sync would write, offline, from two index\n"
		"JSON files (CrossWatch's index shape or JSON lines; see `cwprogress index`).\n"
		"Nothing is read from or written to a server.\n"
		"\n"
		"  -s, --src FILE      the source index (written from)\n"
		"  -d, --dst FILE      the destination index (written to)\n"
		"  -c, --config FILE   pair configuration, {\"features\": {\"progress\": {...}}}\n"
		"                      (default: the defaults of docs/CONFIG.md)\n"
		"  -e, --explain       list every key with its decision and reason\n"
		"  -j, --json          print the plan as JSON (decisions with both records)\n"
		"  -h, --help          this help\n"
		"  -V, --version       print the version\n"
		"\n"
		"Exit status: 0 planned; 2 usage or configuration error, or an input that is\n"
		"not JSON or not an index; 3 an input file that cannot be read.\n");
}

/* Read a pair configuration (small; anything over 1 MiB is not one) through
 * the CLI's one file reader; NULL with a message when it cannot be read. */
static char *read_small_file(const char *path, size_t *len, int *exit_code)
{
	char *buf = NULL, err[512];
	int rc = cwp__read_file(&buf, len, path, PLAN_CONFIG_MAX, err, sizeof(err));
	if (rc == 0)
		return buf;
	fprintf(stderr, "cwprogress plan: %s\n", err);
	*exit_code = rc == CWP_ETOOBIG ? CWP_EXIT_USAGE : CWP_EXIT_READ_FAILED;
	return NULL;
}

/* One index load, run on its own thread: the two files of a plan are read
 * at once (they are independent, and reading is most of a plan's time). The
 * thread's warnings and error are kept and reported afterwards in a fixed
 * order (source, then destination), so the output never depends on timing. */
struct load_job {
	const char *what, *path;
	cwp_index *idx;
	int rc;
	char err[1024]; /* cwp_error_last() of the loading thread */
	size_t n_msgs;
	char *msgs[PLAN_WARN_SHOWN];
	cwp_warnings w;
};

static void job_sink(void *ud, const char *msg)
{
	struct load_job *j = ud;
	if (j->n_msgs < PLAN_WARN_SHOWN)
		j->msgs[j->n_msgs++] = strdup(msg); /* NULL (no memory): not shown, still counted */
}

static void *load_job_run(void *arg)
{
	struct load_job *j = arg;
	j->rc = cwp_index_load(&j->idx, j->path, &j->w);
	if (j->rc)
		snprintf(j->err, sizeof(j->err), "%s", cwp_error_last());
	return NULL;
}

/* Report one finished load: its warnings go through the run's sink, its
 * error (if any) to stderr. The exit code says whether the file was
 * unreadable (3) or not an index (2). */
static int load_job_finish(struct load_job *j, cwp_warnings *w)
{
	for (size_t i = 0; i < j->n_msgs; i++) {
		if (j->msgs[i])
			w->sink(w->ud, j->msgs[i]);
		free(j->msgs[i]);
	}
	w->count += j->w.count;
	j->n_msgs = 0;
	if (j->rc == 0)
		return CWP_EXIT_OK;
	if (strstr(j->err, j->path))
		fprintf(stderr, "cwprogress plan: %s index: %s\n", j->what, j->err);
	else
		fprintf(stderr, "cwprogress plan: %s index %s: %s\n", j->what, j->path,
			*j->err ? j->err : cwp_strerror(j->rc));
	return j->rc == CWP_EIO || j->rc == CWP_ENOTFOUND || j->rc == CWP_ENOMEM
		   ? CWP_EXIT_READ_FAILED
		   : CWP_EXIT_USAGE;
}

/* Load both indexes, the destination on a second thread. On failure the
 * source's error is reported first, and nothing is returned. */
static int load_both(cwp_index **src, cwp_index **dst, const char *src_path, const char *dst_path,
		     cwp_warnings *w)
{
	struct load_job js = {.what = "source", .path = src_path};
	struct load_job jd = {.what = "destination", .path = dst_path};
	js.w = (cwp_warnings){0, job_sink, &js};
	jd.w = (cwp_warnings){0, job_sink, &jd};
	pthread_t t;
	bool threaded = pthread_create(&t, NULL, load_job_run, &jd) == 0;
	load_job_run(&js);
	if (threaded)
		pthread_join(t, NULL);
	else
		load_job_run(&jd); /* no thread to be had: one after the other */
	int ex = load_job_finish(&js, w);
	int ex_dst = load_job_finish(&jd, w);
	if (ex == CWP_EXIT_OK)
		ex = ex_dst;
	if (ex != CWP_EXIT_OK) {
		cwp_index_free(js.idx);
		cwp_index_free(jd.idx);
		return ex;
	}
	*src = js.idx;
	*dst = jd.idx;
	return CWP_EXIT_OK;
}

/* "1:02:03" or "12:34"; "—" when absent. */
static const char *fmt_ms(char *buf, size_t bufsz, bool has, int64_t ms)
{
	if (!has) {
		snprintf(buf, bufsz, "-");
		return buf;
	}
	int64_t s = ms / 1000;
	if (s >= 3600)
		snprintf(buf, bufsz, "%lld:%02lld:%02lld", (long long)(s / 3600),
			 (long long)(s / 60 % 60), (long long)(s % 60));
	else
		snprintf(buf, bufsz, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
	return buf;
}

/* The position of a record for people: "0:10:00 (8.3 %)", "40.0 %", "-". */
static const char *fmt_pos(char *buf, size_t bufsz, const cwp_record *r)
{
	char t[32];
	double pct;
	bool has_pct = r && cwp_record_percent(r, &pct);

	if (!r) {
		snprintf(buf, bufsz, "(none)");
	} else if (r->has_progress_ms && has_pct) {
		snprintf(buf, bufsz, "%s (%.1f%%)", fmt_ms(t, sizeof(t), true, r->progress_ms),
			 pct);
	} else if (r->has_progress_ms) {
		snprintf(buf, bufsz, "%s", fmt_ms(t, sizeof(t), true, r->progress_ms));
	} else if (has_pct) {
		snprintf(buf, bufsz, "%.1f%%", pct);
	} else {
		snprintf(buf, bufsz, "-");
	}
	return buf;
}

/* "The Matrix (1999)", "Breaking Bad S01E02", or "" without a title. */
static const char *fmt_name(char *buf, size_t bufsz, const cwp_record *r)
{
	buf[0] = '\0';
	if (!r || !r->title)
		return buf;
	if (r->type == CWP_TYPE_EPISODE && r->has_season && r->has_episode)
		snprintf(buf, bufsz, "%s S%02dE%02d", r->title, (int)r->season, (int)r->episode);
	else if (r->has_year)
		snprintf(buf, bufsz, "%s (%d)", r->title, (int)r->year);
	else
		snprintf(buf, bufsz, "%s", r->title);
	return buf;
}

static void print_explain(const cwp_plan *plan, bool two_way)
{
	char name[256], sp[64], dp[64];
	int width = 0;

	/* one column for keys, as wide as the widest (within reason) */
	for (size_t i = 0; i < cwp_plan_size(plan); i++) {
		size_t l = strlen(cwp_plan_at(plan, i)->src->key);
		if (l > (size_t)width)
			width = l > 40 ? 40 : (int)l;
	}
	for (size_t i = 0; i < cwp_plan_size(plan); i++) {
		const cwp_decision *d = cwp_plan_at(plan, i);
		if (two_way)
			printf("%-8s ", d->direction == CWP_DIR_BACKWARD ? "dst->src" : "src->dst");
		printf("%-6s %-19s %-*s  %s -> %s", cwp_action_name(d->action),
		       cwp_reason_name(d->reason), width, d->src->key,
		       fmt_pos(sp, sizeof(sp), d->src), fmt_pos(dp, sizeof(dp), d->dst));
		fmt_name(name, sizeof(name), d->src);
		if (name[0])
			printf("  \"%s\"", name);
		if (d->dst && d->dst->key && strcmp(d->dst->key, d->src->key))
			printf("  (matched %s)", d->dst->key);
		printf("\n");
	}
	if (cwp_plan_size(plan))
		printf("\n");
}

static void print_summary(const cwp_plan *plan, const cwp_config *cfg, size_t nsrc, size_t ndst)
{
	cwp_plan_summary s;

	cwp_plan_summarize(plan, &s);
	printf("plan: %zu source keys, %zu destination keys, %s\n", nsrc, ndst,
	       cfg->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way");
	if (cwp_plan_disabled(plan)) {
		printf("  disabled (features.progress.enable is false): nothing planned\n");
		return;
	}
	printf("  %-24s %zu\n", "upserts", s.upserts);
	printf("  %-24s %zu\n", "clears", s.clears);
	printf("  %-24s %zu\n", "skips", s.skips);
	for (int r = 0; r < CWP_REASON__COUNT; r++)
		if (s.by_reason[r])
			printf("    %-22s %zu\n", cwp_reason_name((cwp_reason)r), s.by_reason[r]);
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"src", required_argument, NULL, 's'},    {"dst", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
	    {"explain", no_argument, NULL, 'e'},      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	const char *src_path = NULL, *dst_path = NULL, *cfg_path = NULL;
	bool json = false, explain = false;
	cwp_config cfg = CWP_CONFIG_INIT;
	struct warn_ctx wc = {0};
	cwp_warnings w = {0, warn_sink, &wc};
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *plan = NULL;
	char *cfg_text = NULL;
	int c, ex = CWP_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:c:jehV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			src_path = optarg;
			break;
		case 'd':
			dst_path = optarg;
			break;
		case 'c':
			cfg_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'e':
			explain = true;
			break;
		case 'h':
			usage(stdout);
			return CWP_EXIT_OK;
		case 'V':
			printf("cwprogress %s\n", CWP_VERSION_STRING);
			return CWP_EXIT_OK;
		case ':':
			cwp__opt_report_bad(stderr, "plan", c, argv);
			usage(stderr);
			return CWP_EXIT_USAGE;
		default:
			cwp__opt_report_bad(stderr, "plan", c, argv);
			usage(stderr);
			return CWP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(stderr, "plan", optind, NULL);
		usage(stderr);
		return CWP_EXIT_USAGE;
	}
	if (!src_path || !dst_path) {
		fprintf(stderr, "cwprogress plan: --src and --dst are both needed\n");
		usage(stderr);
		return CWP_EXIT_USAGE;
	}
	if (json && explain) {
		fprintf(stderr, "cwprogress plan: --json and --explain cannot be combined\n");
		return CWP_EXIT_USAGE;
	}

	/* The configuration first: a bad one means nothing is read (CFG-02). */
	if (cfg_path) {
		size_t len = 0;
		if (!(cfg_text = read_small_file(cfg_path, &len, &ex)))
			goto done;
		if (cwp_config_parse(&cfg, cfg_text, len, &w) != 0) {
			fprintf(stderr, "cwprogress plan: %s: %s\n", cfg_path, cwp_error_last());
			ex = CWP_EXIT_USAGE;
			goto done;
		}
	}
	if ((ex = load_both(&src, &dst, src_path, dst_path, &w)) != CWP_EXIT_OK)
		goto done;
	if (cwp_plan_new(&plan, src, dst, &cfg) != 0) {
		fprintf(stderr, "cwprogress plan: %s\n", cwp_error_last());
		ex = CWP_EXIT_READ_FAILED;
		goto done;
	}

	if (json) {
		if (cwp_plan_write_json(plan, stdout) != 0) {
			fprintf(stderr, "cwprogress plan: %s\n", cwp_error_last());
			ex = CWP_EXIT_WRITES_FAILED;
		}
	} else {
		if (explain)
			print_explain(plan, cfg.mode == CWP_MODE_TWO_WAY);
		print_summary(plan, &cfg, cwp_index_size(src), cwp_index_size(dst));
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "cwprogress plan: writing the output failed\n");
			ex = CWP_EXIT_WRITES_FAILED;
		}
	}
done:
	if (w.count > PLAN_WARN_SHOWN)
		fprintf(stderr, "cwprogress plan: ... %zu more warnings not shown\n",
			w.count - PLAN_WARN_SHOWN);
	if (w.count)
		fprintf(stderr, "cwprogress plan: %zu warning%s\n", w.count,
			w.count == 1 ? "" : "s");
	cwp_plan_free(plan);
	cwp_index_free(src);
	cwp_index_free(dst);
	free(cfg_text);
	return ex;
}
