/* cwprogress conform: the port runner (issue 6, docs/PORTING.md).
 *
 * Feeds every planner vector (conformance/vectors/planner/ *.json) to a
 * planner — this project's own, or any port's command — through the planner
 * protocol, and reports every SPEC rule as pass or fail with a diff.
 *
 *   cwprogress conform --planner-cmd "CMD" [--vectors DIR] [--rule ID] [-v]
 *   cwprogress conform --planner          (the reference planner: one protocol
 *                                          request on stdin, answer on stdout)
 *
 * Protocol (cwprogress-planner/1): stdin is one JSON object
 *   {"protocol": "cwprogress-planner/1", "config": {pair config},
 *    "source": {index JSON}, "destination": {index JSON}}
 * and stdout is one JSON object
 *   {"decisions": [{"key", "direction", "action", "reason"}, …]}
 * or, for a configuration error (CFG-02), {"error": "config", "message": "…"}. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cwp/cwp.h"
#include "cmd.h"
#include "opts.h"
#include "pair.h"
#include "conform_proto.h"

#define PROTOCOL  "cwprogress-planner/1"
#define MAX_RULES 128

/* ---- small I/O helpers ------------------------------------------------- */

/* Read a whole stream; caller frees *out. */
static int read_stream(FILE *f, char **out, size_t *outlen)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return CWP_ENOMEM;
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return CWP_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return CWP_EIO;
	}
	*out = buf;
	*outlen = len;
	return CWP_OK;
}

/* Files through the CLI's one reader (cli/pair.h); 1 GiB is far past any
 * vector or planner answer. The message goes to cwp_error_last(). */
static int read_file(const char *path, char **out, size_t *outlen)
{
	char err[512];
	int rc = cwp__read_file(out, outlen, path, (size_t)1 << 30, err, sizeof(err));
	return rc ? cwp_error_set(rc, "%s", err) : CWP_OK;
}

static int serve_planner(void)
{
	char *buf = NULL, *text = NULL;
	size_t len = 0;
	cJSON *req = NULL, *resp = NULL;
	int rc = CWP_EXIT_USAGE;

	if (read_stream(stdin, &buf, &len) != 0) {
		fprintf(stderr, "cwprogress conform --planner: cannot read stdin\n");
		goto done;
	}
	req = cJSON_ParseWithLength(buf, len);
	if (!cJSON_IsObject(req)) {
		fprintf(stderr, "cwprogress conform --planner: stdin is not a JSON object\n");
		goto done;
	}
	resp = cwp_conform_plan_request(req);
	text = cJSON_PrintUnformatted(resp);
	if (!text)
		goto done;
	printf("%s\n", text);
	rc = cJSON_GetObjectItemCaseSensitive(resp, "error") ? CWP_EXIT_USAGE : CWP_EXIT_OK;
done:
	free(text);
	cJSON_Delete(resp);
	cJSON_Delete(req);
	free(buf);
	return rc;
}

/* ---- the runner side ---------------------------------------------------- */

/* Run `sh -c cmd` with in_path as stdin and out_path as stdout. Returns the
 * exit status, or -1 when it could not run or was killed. */
static int run_command(const char *cmd, const char *in_path, const char *out_path)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open(in_path, O_RDONLY);
		int out = open(out_path, O_WRONLY | O_TRUNC);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(127);
		close(in);
		close(out);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct rule_tally {
	char id[32];
	unsigned pass, fail;
};

struct runner {
	const char *cmd;
	const char *only_rule;
	bool verbose;
	struct rule_tally rules[MAX_RULES];
	size_t n_rules;
	unsigned vectors, passed, failed;
	char in_path[64], out_path[64];
};

static struct rule_tally *tally(struct runner *r, const char *id)
{
	for (size_t i = 0; i < r->n_rules; i++)
		if (!strcmp(r->rules[i].id, id))
			return &r->rules[i];
	if (r->n_rules == MAX_RULES)
		return NULL;
	struct rule_tally *t = &r->rules[r->n_rules++];
	snprintf(t->id, sizeof(t->id), "%s", id);
	t->pass = t->fail = 0;
	return t;
}

static bool vector_names_rule(const cJSON *rules, const char *id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, rules)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
			return true;
	}
	return false;
}

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Find the decision for (direction, key) in a decisions array. */
static const cJSON *find_decision(const cJSON *arr, const char *dir, const char *key)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, arr)
	{
		if (!strcmp(str_or(d, "key", ""), key) &&
		    !strcmp(str_or(d, "direction", "forward"), dir))
			return d;
	}
	return NULL;
}

/* Compare expected and actual decisions; print a diff into f. Returns the
 * number of differences. */
static unsigned diff_decisions(const cJSON *expected, const cJSON *actual, FILE *f)
{
	unsigned diffs = 0;
	const cJSON *e, *a;

	cJSON_ArrayForEach(e, expected)
	{
		const char *key = str_or(e, "key", ""), *dir = str_or(e, "direction", "forward");
		const char *ea = str_or(e, "action", "?"), *er = str_or(e, "reason", "?");
		a = find_decision(actual, dir, key);
		if (!a) {
			fprintf(f, "    - %s %s: expected %s/%s, planner gave no decision\n", dir,
				key, ea, er);
			diffs++;
			continue;
		}
		const char *aa = str_or(a, "action", "?"), *ar = str_or(a, "reason", "?");
		if (strcmp(ea, aa) || strcmp(er, ar)) {
			fprintf(f, "    ~ %s %s: expected %s/%s, planner gave %s/%s\n", dir, key,
				ea, er, aa, ar);
			diffs++;
		}
	}
	cJSON_ArrayForEach(a, actual)
	{
		const char *key = str_or(a, "key", ""), *dir = str_or(a, "direction", "forward");
		if (!find_decision(expected, dir, key)) {
			fprintf(f, "    + %s %s: unexpected decision %s/%s\n", dir, key,
				str_or(a, "action", "?"), str_or(a, "reason", "?"));
			diffs++;
		}
	}
	return diffs;
}

/* Run one vector through the planner command. Returns true when it passed;
 * the diff goes to *report (a memstream). */
static bool run_vector(struct runner *r, const char *path, const cJSON *vec, FILE *report)
{
	cJSON *req = cJSON_CreateObject();
	char *text = NULL, *out = NULL;
	size_t outlen = 0;
	cJSON *resp = NULL;
	bool ok = false;

	cJSON_AddStringToObject(req, "protocol", PROTOCOL);
	const char *members[] = {"config", "source", "destination"};
	for (size_t i = 0; i < 3; i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(vec, members[i]);
		cJSON_AddItemToObject(req, members[i],
				      m ? cJSON_Duplicate(m, 1) : cJSON_CreateObject());
	}
	text = cJSON_PrintUnformatted(req);
	FILE *in = text ? fopen(r->in_path, "wb") : NULL;
	if (!in || fputs(text, in) < 0 || fclose(in) != 0) {
		fprintf(report, "    cannot write the request file %s\n", r->in_path);
		goto done;
	}
	int status = run_command(r->cmd, r->in_path, r->out_path);
	if (read_file(r->out_path, &out, &outlen) != 0) {
		fprintf(report, "    cannot read the planner's output\n");
		goto done;
	}
	resp = cJSON_ParseWithLength(out, outlen);
	const cJSON *want_err = cJSON_GetObjectItemCaseSensitive(vec, "expected_error");
	if (cJSON_IsString(want_err)) {
		const char *got = str_or(resp, "error", NULL);
		ok = got && !strcmp(got, want_err->valuestring);
		if (!ok)
			fprintf(
			    report, "    expected error \"%s\", planner answered %s (exit %d)\n",
			    want_err->valuestring, resp ? "without that error" : "no JSON", status);
		goto done;
	}
	const cJSON *actual = cJSON_GetObjectItemCaseSensitive(resp, "decisions");
	if (!cJSON_IsArray(actual)) {
		fprintf(report, "    planner exited %d without a \"decisions\" array%s%s\n", status,
			resp ? ": " : "", resp ? str_or(resp, "message", "") : "");
		goto done;
	}
	ok = diff_decisions(cJSON_GetObjectItemCaseSensitive(vec, "expected"), actual, report) == 0;
done:
	(void)path;
	cJSON_Delete(resp);
	free(out);
	free(text);
	cJSON_Delete(req);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_all(struct runner *r, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = CWP_EXIT_USAGE;

	if (!d) {
		fprintf(stderr, "cwprogress conform: cannot open vectors directory %s: %s\n", dir,
			strerror(errno));
		return CWP_EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				goto done;
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name)))
			goto done;
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);

	for (size_t i = 0; i < n; i++) {
		char path[4096], *buf = NULL, *diff = NULL;
		size_t len = 0, difflen = 0;
		int pl = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (pl < 0 || (size_t)pl >= sizeof(path)) {
			fprintf(stderr, "cwprogress conform: path too long: %s/%s\n", dir,
				names[i]);
			goto done;
		}
		if (read_file(path, &buf, &len) != 0) {
			fprintf(stderr, "cwprogress conform: %s\n", cwp_error_last());
			goto done;
		}
		cJSON *vec = cJSON_ParseWithLength(buf, len);
		free(buf);
		const cJSON *rules = cJSON_GetObjectItemCaseSensitive(vec, "rules");
		if (!cJSON_IsObject(vec) || !cJSON_IsArray(rules)) {
			fprintf(stderr,
				"cwprogress conform: %s: not a planner vector (no \"rules\")\n",
				path);
			cJSON_Delete(vec);
			goto done;
		}
		if (r->only_rule && !vector_names_rule(rules, r->only_rule)) {
			cJSON_Delete(vec);
			continue;
		}
		FILE *report = open_memstream(&diff, &difflen);
		bool ok = report && run_vector(r, path, vec, report);
		if (report)
			fclose(report);
		r->vectors++;
		ok ? r->passed++ : r->failed++;
		const cJSON *id;
		cJSON_ArrayForEach(id, rules)
		{
			struct rule_tally *t =
			    cJSON_IsString(id) ? tally(r, id->valuestring) : NULL;
			if (t)
				ok ? t->pass++ : t->fail++;
		}
		if (!ok || r->verbose)
			printf("%s %s\n%s", ok ? "PASS" : "FAIL", names[i], diff ? diff : "");
		free(diff);
		cJSON_Delete(vec);
	}

	printf("\nrule        vectors  result\n");
	for (size_t i = 0; i < r->n_rules; i++)
		printf("%-10s  %7u  %s\n", r->rules[i].id, r->rules[i].pass + r->rules[i].fail,
		       r->rules[i].fail ? "FAIL" : "pass");
	printf("\n%u passed, %u failed\n", r->passed, r->failed);
	if (r->vectors == 0) {
		fprintf(stderr, "cwprogress conform: no vector selected in %s\n", dir);
		rc = CWP_EXIT_USAGE;
	} else {
		rc = r->failed ? CWP_EXIT_WRITES_FAILED : CWP_EXIT_OK;
	}
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cwprogress conform --planner-cmd \"CMD\" [--vectors DIR] [--rule ID] "
		   "[-v]\n"
		   "       cwprogress conform --planner\n\n"
		   "Runs every planner vector through CMD (the planner protocol, "
		   "docs/PORTING.md) and\nreports each SPEC rule as pass or fail. "
		   "Exit 0 all passed, 1 some failed, 2 usage.\n"
		   "--planner answers one protocol request with this project's planner.\n");
}

static const char *default_vectors_dir(void)
{
	static char buf[4096];
	const char *env = getenv("CWP_SOURCE_DIR");
	if (env) {
		int n = snprintf(buf, sizeof(buf), "%s/conformance/vectors/planner", env);
		if (n > 0 && (size_t)n < sizeof(buf))
			return buf;
	}
	return "conformance/vectors/planner";
}

int cmd_conform(int argc, char **argv)
{
	static const struct option opts[] = {{"planner-cmd", required_argument, NULL, 'c'},
					     {"planner", no_argument, NULL, 'p'},
					     {"vectors", required_argument, NULL, 'd'},
					     {"rule", required_argument, NULL, 'r'},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct runner r;
	const char *dir = NULL;
	bool serve = false;
	int c, rc;

	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:pd:r:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r.cmd = optarg;
			break;
		case 'p':
			serve = true;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'r':
			r.only_rule = optarg;
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return CWP_EXIT_OK;
		default:
			usage(stderr);
			return CWP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(stderr, "conform", optind, NULL);
		return CWP_EXIT_USAGE;
	}
	if (serve)
		return serve_planner();
	if (!r.cmd) {
		fprintf(stderr, "cwprogress conform: --planner-cmd is required\n");
		usage(stderr);
		return CWP_EXIT_USAGE;
	}
	snprintf(r.in_path, sizeof(r.in_path), "/tmp/cwp-conform-in-XXXXXX");
	snprintf(r.out_path, sizeof(r.out_path), "/tmp/cwp-conform-out-XXXXXX");
	int fin = mkstemp(r.in_path), fout = mkstemp(r.out_path);
	if (fin < 0 || fout < 0) {
		fprintf(stderr, "cwprogress conform: cannot create temporary files: %s\n",
			strerror(errno));
		rc = CWP_EXIT_USAGE;
		goto done;
	}
	rc = run_all(&r, dir ? dir : default_vectors_dir());
done:
	if (fin >= 0) {
		close(fin);
		unlink(r.in_path);
	}
	if (fout >= 0) {
		close(fout);
		unlink(r.out_path);
	}
	return rc;
}
