/* The planner runner (cli/conform_planner.h, docs/PORTING.md).
 *
 * Each vector becomes one protocol request, sent to the planner command once
 * per time zone (a port that reads zone-less timestamps as local time passes
 * in UTC only). The answer must hold exactly the expected decisions: one per
 * direction and key, known actions and (strict) known reason codes, in key
 * order (PLAN-05). A command that does not answer within the timeout is
 * killed; its vector fails and the run goes on. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/cwp.h"
#include "cmd.h"
#include "conform_exec.h"
#include "conform_planner.h"
#include "conform_proto.h"
#include "pair.h"

#define PROTOCOL "cwprogress-planner/1"

/* UTC, then New York's rules as a POSIX TZ string: no tzdata needed. */
static const char *const default_zones[] = {"UTC0", "EST5EDT,M3.2.0,M11.1.0"};

/* ---- the reference planner's side -------------------------------------- */

int cwp__conform_planner_serve(void)
{
	char *buf = NULL, *text = NULL, err[512];
	size_t len = 0;
	cJSON *req = NULL, *resp = NULL;
	int rc = CWP_EXIT_USAGE;

	if (cwp__read_file(&buf, &len, "/dev/stdin", (size_t)1 << 30, err, sizeof(err)) != 0) {
		fprintf(stderr, "cwprogress conform --planner: cannot read stdin: %s\n", err);
		goto done;
	}
	req = cwp_json_parse(buf, len);
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

/* ---- comparing an answer ------------------------------------------------ */

typedef struct runner {
	const cwp__planner_run *p;
	const cwp__conform_opts *o;
	cwp__conform_report *rep;
	char dir[64], in_path[96], out_path[96];
} runner;

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static bool same_slot(const cJSON *a, const char *dir, const char *key)
{
	return !strcmp(str_or(a, "key", ""), key) &&
	       !strcmp(str_or(a, "direction", "forward"), dir);
}

static const cJSON *find_decision(const cJSON *arr, const char *dir, const char *key)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, arr)
	{
		if (same_slot(d, dir, key))
			return d;
	}
	return NULL;
}

/* A reason code of the planner (§4, §6), not of the write policy (§5). */
static bool planner_reason(const char *name)
{
	int r = cwp_reason_from_name(name);
	return r > CWP_REASON_NONE && r <= CWP_REASON_CONFLICT_LOST;
}

/* Each decision on its own: a key, a known direction and action, a known
 * reason (strict), and no second decision for the same direction and key. */
static void check_shapes(runner *r, const cJSON *actual, const char *zone)
{
	const cJSON *a, *b;
	cJSON_ArrayForEach(a, actual)
	{
		const char *key = str_or(a, "key", NULL), *dir = str_or(a, "direction", "forward");
		const char *act = str_or(a, "action", "?"), *why = str_or(a, "reason", "?");
		if (!key) {
			cwp__conform_case_fail(r->rep, NULL, "%s: a decision without a \"key\"",
					       zone);
			continue;
		}
		if (strcmp(dir, "forward") && strcmp(dir, "backward"))
			cwp__conform_case_fail(r->rep, NULL, "%s: %s: unknown direction \"%s\"",
					       zone, key, dir);
		if (cwp_action_from_name(act) < 0)
			cwp__conform_case_fail(r->rep, NULL, "%s: %s %s: unknown action \"%s\"",
					       zone, dir, key, act);
		if (!r->p->actions_only && !planner_reason(why))
			cwp__conform_case_fail(
			    r->rep, NULL,
			    "%s: %s %s: unknown reason code \"%s\" (docs/PORTING.md "
			    "lists them; --check actions ignores reasons)",
			    zone, dir, key, why);
		for (b = a->next; b; b = b->next)
			if (same_slot(b, dir, key)) {
				cwp__conform_case_fail(
				    r->rep, NULL,
				    "%s: duplicate decision for %s %s (one per key "
				    "and direction)",
				    zone, dir, key);
				break;
			}
	}
}

static bool same_decision(const runner *r, const cJSON *e, const cJSON *a)
{
	if (strcmp(str_or(e, "action", "?"), str_or(a, "action", "?")))
		return false;
	return r->p->actions_only || !strcmp(str_or(e, "reason", "?"), str_or(a, "reason", "?"));
}

/* Missing, different and extra decisions; returns how many. */
static unsigned diff_decisions(runner *r, const cJSON *expected, const cJSON *actual,
			       const char *zone)
{
	unsigned n = 0;
	const cJSON *e, *a;

	cJSON_ArrayForEach(e, expected)
	{
		const char *key = str_or(e, "key", ""), *dir = str_or(e, "direction", "forward");
		const char *ea = str_or(e, "action", "?"), *er = str_or(e, "reason", "?");
		a = find_decision(actual, dir, key);
		if (!a) {
			n++;
			cwp__conform_case_fail(
			    r->rep, NULL, "%s: - %s %s: expected %s/%s, planner gave no decision",
			    zone, dir, key, ea, er);
		} else if (!same_decision(r, e, a)) {
			n++;
			cwp__conform_case_fail(
			    r->rep, NULL, "%s: ~ %s %s: expected %s/%s, planner gave %s/%s", zone,
			    dir, key, ea, er, str_or(a, "action", "?"), str_or(a, "reason", "?"));
		}
	}
	cJSON_ArrayForEach(a, actual)
	{
		const char *key = str_or(a, "key", ""), *dir = str_or(a, "direction", "forward");
		if (!find_decision(expected, dir, key)) {
			n++;
			cwp__conform_case_fail(
			    r->rep, NULL, "%s: + %s %s: unexpected decision %s/%s", zone, dir, key,
			    str_or(a, "action", "?"), str_or(a, "reason", "?"));
		}
	}
	return n;
}

/* PLAN-05: forward decisions in key order, then backward ones — the
 * expected list's order. Counted against PLAN-05 only. */
static void check_order(runner *r, const cJSON *expected, const cJSON *actual, const char *zone)
{
	const cJSON *e = expected ? expected->child : NULL, *a = actual ? actual->child : NULL;
	for (size_t i = 0; e && a; e = e->next, a = a->next, i++) {
		if (!same_slot(a, str_or(e, "direction", "forward"), str_or(e, "key", ""))) {
			cwp__conform_case_fail(
			    r->rep, "PLAN-05",
			    "%s: order: decision %zu is %s %s, expected %s %s "
			    "(PLAN-05: key order, forward first)",
			    zone, i, str_or(a, "direction", "forward"), str_or(a, "key", ""),
			    str_or(e, "direction", "forward"), str_or(e, "key", ""));
			return;
		}
	}
}

static void check_answer(runner *r, const cJSON *vec, const cJSON *resp, const cwp__exec_result *x,
			 const char *zone)
{
	const char *want_err = str_or(vec, "expected_error", NULL);
	const cJSON *actual = cJSON_GetObjectItemCaseSensitive(resp, "decisions");
	const cJSON *expected = cJSON_GetObjectItemCaseSensitive(vec, "expected");

	if (want_err) {
		const char *got = str_or(resp, "error", NULL);
		if (!got || strcmp(got, want_err))
			cwp__conform_case_fail(
			    r->rep, NULL,
			    "%s: expected {\"error\": \"%s\"}, planner answered %s "
			    "(exit %d)",
			    zone, want_err, got ? got : "without that error", x->status);
		return;
	}
	if (!cJSON_IsArray(actual)) {
		cwp__conform_case_fail(
		    r->rep, NULL, "%s: planner exited %d without a \"decisions\" array%s%s", zone,
		    x->status, resp ? ": " : "", str_or(resp, "message", ""));
		return;
	}
	check_shapes(r, actual, zone);
	if (diff_decisions(r, expected, actual, zone) == 0)
		check_order(r, expected, actual, zone);
}

/* ---- running one vector ------------------------------------------------- */

/* The request, with the vector's source and destination as they are: an
 * index JSON object, or an array of records (docs/PORTING.md). */
static char *request_text(const cJSON *vec)
{
	cJSON *req = cJSON_CreateObject();
	static const char *const members[] = {"config", "source", "destination"};
	cJSON_AddStringToObject(req, "protocol", PROTOCOL);
	for (size_t i = 0; i < 3; i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(vec, members[i]);
		cJSON_AddItemToObject(req, members[i],
				      m ? cJSON_Duplicate(m, 1) : cJSON_CreateObject());
	}
	char *text = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return text;
}

/* One run of the command under TZ=zone; the parsed answer, or NULL after
 * reporting why there is none. *raw gets the output text. */
static cJSON *ask(runner *r, const char *zone, cwp__exec_result *x, char **raw, size_t *rawlen)
{
	char tz[128], err[512], label[160];
	snprintf(tz, sizeof(tz), "TZ=%s", zone);
	snprintf(label, sizeof(label), "TZ=%s", zone);
	char *env[] = {tz, NULL};

	*raw = NULL;
	if (cwp__conform_exec(x, r->p->cmd, r->in_path, r->out_path, NULL, env, r->o->timeout_ms)) {
		cwp__conform_case_fail(r->rep, NULL, "%s: cannot start the planner command: %s",
				       label, strerror(errno));
		return NULL;
	}
	if (x->timed_out) {
		cwp__conform_case_fail(r->rep, NULL,
				       "%s: no answer within %.1f s: the planner was killed", label,
				       (double)r->o->timeout_ms / 1000.0);
		return NULL;
	}
	if (cwp__read_file(raw, rawlen, r->out_path, (size_t)1 << 30, err, sizeof(err)) != 0) {
		cwp__conform_case_fail(r->rep, NULL, "%s: cannot read the planner's output: %s",
				       label, err);
		return NULL;
	}
	cJSON *resp = cwp_json_parse(*raw, *rawlen);
	if (!cJSON_IsObject(resp)) {
		cwp__conform_case_fail(
		    r->rep, NULL, "%s: planner exited %d%s and printed no JSON object: %.200s",
		    label, x->status, x->signal ? " (killed by a signal)" : "", *raw);
		cJSON_Delete(resp);
		return NULL;
	}
	return resp;
}

static void run_vector(runner *r, const char *name, const cJSON *vec)
{
	char *text = request_text(vec), *first = NULL;
	size_t n_zones = r->p->n_zones ? r->p->n_zones : 2;
	double secs = 0;
	FILE *in = text ? fopen(r->in_path, "wb") : NULL;

	cwp__conform_case_begin(r->rep, name, cJSON_GetObjectItemCaseSensitive(vec, "rules"));
	if (!in || fputs(text, in) < 0 || fclose(in) != 0) {
		cwp__conform_case_fail(r->rep, NULL, "cannot write the request file %s",
				       r->in_path);
		goto done;
	}
	for (size_t z = 0; z < n_zones; z++) {
		const char *zone = r->p->n_zones ? r->p->zones[z] : default_zones[z];
		cwp__exec_result x;
		char *raw = NULL, label[160];
		size_t rawlen = 0;
		cJSON *resp = ask(r, zone, &x, &raw, &rawlen);
		secs += x.seconds;
		snprintf(label, sizeof(label), "TZ=%s", zone);
		/* an answer equal to the first zone's has been checked already */
		if (resp && !(first && !strcmp(first, raw)))
			check_answer(r, vec, resp, &x, label);
		cJSON_Delete(resp);
		if (!first && resp) {
			first = raw;
			raw = NULL;
		}
		free(raw);
	}
done:
	cwp__conform_case_end(r->rep, secs);
	free(first);
	free(text);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json of dir, sorted. Returns the count, or -1. */
static long list_vectors(char ***out, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return (long)n;
}

/* Read, check and (when selected) run one vector file. -1: not a vector. */
static int one_file(runner *r, const char *dir, const char *file)
{
	char path[4096], name[256], *buf = NULL, err[512];
	size_t len = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(name, sizeof(name), "%.*s", (int)(strlen(file) - 5), file);
	if (cwp__read_file(&buf, &len, path, (size_t)1 << 30, err, sizeof(err)) != 0) {
		fprintf(stderr, "cwprogress conform: %s\n", err);
		return -1;
	}
	cJSON *vec = cwp_json_parse(buf, len);
	free(buf);
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(vec, "rules");
	if (!cJSON_IsObject(vec) || !cJSON_IsArray(rules)) {
		fprintf(stderr, "cwprogress conform: %s: not a planner vector (no \"rules\")\n",
			path);
		rc = -1;
	} else if (cwp__conform_selected(r->rep, name, rules)) {
		run_vector(r, name, vec);
	}
	cJSON_Delete(vec);
	return rc;
}

static int run_all(runner *r, const char *dir)
{
	char **names = NULL;
	long n = list_vectors(&names, dir);
	int rc = CWP_EXIT_USAGE;

	if (n < 0) {
		fprintf(stderr, "cwprogress conform: cannot open vectors directory %s: %s\n", dir,
			strerror(errno));
		return CWP_EXIT_USAGE;
	}
	for (long i = 0; i < n; i++)
		if (one_file(r, dir, names[i]) != 0)
			goto done;
	rc = cwp__conform_report_finish(r->rep);
done:
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int cwp__conform_planner_run(const cwp__planner_run *p, const cwp__conform_opts *o)
{
	runner r = {.p = p, .o = o};
	int rc;

	snprintf(r.dir, sizeof(r.dir), "/tmp/cwp-conform-XXXXXX");
	if (!mkdtemp(r.dir)) {
		fprintf(stderr, "cwprogress conform: cannot create a temporary folder: %s\n",
			strerror(errno));
		return CWP_EXIT_USAGE;
	}
	snprintf(r.in_path, sizeof(r.in_path), "%s/request.json", r.dir);
	snprintf(r.out_path, sizeof(r.out_path), "%s/answer.json", r.dir);
	if (cwp__conform_report_new(&r.rep, "planner", o, stdout, stderr) != 0)
		rc = CWP_EXIT_USAGE;
	else
		rc = run_all(&r, p->vectors_dir);
	cwp__conform_report_free(r.rep);
	unlink(r.in_path);
	unlink(r.out_path);
	rmdir(r.dir);
	return rc;
}
