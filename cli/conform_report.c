/* What the conform runners share: options, filters, the expected-failure
 * list, the rule table, JUnit and JSON (cli/conform_report.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/cwp.h"
#include "cmd.h"
#include "conform_report.h"
#include "pair.h"

const char cwp__conform_common_usage[] =
    "  --rule ID            only cases that name rule ID (repeatable, or ID,ID)\n"
    "  --exclude ID|NAME    leave out cases that name rule ID or are called NAME\n"
    "  --expect-fail FILE   known deviations, one \"NAME-or-RULE  reason\" per line:\n"
    "                       they count as expected failures; one that passes fails\n"
    "                       the run, so that the list shrinks\n"
    "  --junit FILE         write JUnit XML of every case\n"
    "  --json FILE          write the results as JSON\n"
    "  --timeout SECONDS    kill a command that runs longer (default 30)\n"
    "  -v, --verbose        a line for passing cases too\n";

void cwp__conform_opts_init(cwp__conform_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 30000;
}

static int add_filter(const char **list, size_t *n, const char *arg, const char *opt, FILE *err)
{
	if (!arg[0]) {
		fprintf(err, "cwprogress conform: %s needs a rule ID or a name\n", opt);
		return -1;
	}
	if (*n == CWP__CONFORM_MAX_FILTERS) {
		fprintf(err, "cwprogress conform: more than %d %s options\n",
			CWP__CONFORM_MAX_FILTERS, opt);
		return -1;
	}
	list[(*n)++] = arg;
	return 1;
}

int cwp__conform_opt(cwp__conform_opts *o, int c, const char *arg, FILE *err)
{
	char *end = NULL;
	double s;

	switch (c) {
	case CWP__CONFORM_OPT_RULE:
		return add_filter(o->rules, &o->n_rules, arg, "--rule", err);
	case CWP__CONFORM_OPT_EXCLUDE:
		return add_filter(o->excludes, &o->n_excludes, arg, "--exclude", err);
	case CWP__CONFORM_OPT_EXPECT_FAIL:
		o->expect_fail = arg;
		return 1;
	case CWP__CONFORM_OPT_JUNIT:
		o->junit = arg;
		return 1;
	case CWP__CONFORM_OPT_JSON:
		o->json = arg;
		return 1;
	case CWP__CONFORM_OPT_TIMEOUT:
		errno = 0;
		s = strtod(arg, &end);
		if (errno || end == arg || *end || !(s > 0) || s > 86400) {
			fprintf(err,
				"cwprogress conform: --timeout takes seconds, more than 0 and at "
				"most 86400 (got \"%s\")\n",
				arg);
			return -1;
		}
		o->timeout_ms = (long)(s * 1000.0 + 0.5);
		if (o->timeout_ms < 1)
			o->timeout_ms = 1;
		return 1;
	case 'v':
		o->verbose = true;
		return 1;
	}
	return 0;
}

/* ---- the expected-failure list ----------------------------------------- */

typedef struct xf_entry {
	char *name, *reason;
	unsigned line;
	bool is_rule, ran, failed, passed;
} xf_entry;

typedef struct rule_row {
	char id[32];
	unsigned cases, fail, xfail;
} rule_row;

struct cwp__conform_report {
	const char *runner;
	const cwp__conform_opts *o;
	FILE *out, *err;
	xf_entry *xf;
	size_t n_xf;
	rule_row *rows;
	size_t n_rows;
	unsigned passed, failed, xfailed, xpassed;
	cJSON *cases; /* the JSON report's "cases", also what JUnit is written from */
	/* the case being run */
	const char *name;
	const cJSON *rules;
	cJSON *failed_rules;
	bool fail_all;
	char *details;
	size_t details_len;
	FILE *details_f;
};

/* "ABC-12": a rule ID rather than a case name. */
static bool is_rule_id(const char *s)
{
	size_t i = 0;
	while (s[i] >= 'A' && s[i] <= 'Z')
		i++;
	if (i == 0 || s[i++] != '-' || !(s[i] >= '0' && s[i] <= '9'))
		return false;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	return s[i] == '\0';
}

/* name without a ".json" suffix, compared with a case name */
static bool same_name(const char *entry, const char *name)
{
	size_t el = strlen(entry), nl = strlen(name);
	if (el > 5 && !strcmp(entry + el - 5, ".json"))
		el -= 5;
	if (nl > 5 && !strcmp(name + nl - 5, ".json"))
		nl -= 5;
	return el == nl && !strncmp(entry, name, el);
}

static xf_entry *xf_find(cwp__conform_report *r, const char *name, bool rule)
{
	for (size_t i = 0; i < r->n_xf; i++)
		if (r->xf[i].is_rule == rule &&
		    (rule ? !strcmp(r->xf[i].name, name) : same_name(r->xf[i].name, name)))
			return &r->xf[i];
	return NULL;
}

static int xf_add(cwp__conform_report *r, const char *path, unsigned line, char *s)
{
	char *name = s, *reason = s + strcspn(s, " \t");
	if (*reason)
		*reason++ = '\0';
	reason += strspn(reason, " \t");
	size_t rl = strlen(reason);
	while (rl && (reason[rl - 1] == ' ' || reason[rl - 1] == '\t'))
		reason[--rl] = '\0';
	if (!rl) {
		fprintf(r->err,
			"cwprogress conform: %s:%u: \"%s\" has no reason (write why it is "
			"expected to fail after the name)\n",
			path, line, name);
		return -1;
	}
	bool rule = is_rule_id(name);
	if (xf_find(r, name, rule)) {
		fprintf(r->err, "cwprogress conform: %s:%u: \"%s\" is listed twice\n", path, line,
			name);
		return -1;
	}
	xf_entry *n = realloc(r->xf, (r->n_xf + 1) * sizeof(*n));
	if (!n)
		return -1;
	r->xf = n;
	xf_entry *e = &r->xf[r->n_xf];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	e->reason = strdup(reason);
	e->line = line;
	e->is_rule = rule;
	if (!e->name || !e->reason) {
		free(e->name);
		free(e->reason);
		return -1;
	}
	r->n_xf++;
	return 0;
}

static int load_expect_fail(cwp__conform_report *r, const char *path)
{
	char *buf = NULL, errbuf[512];
	size_t len = 0;
	unsigned line = 0;
	int rc = 0;

	if (cwp__read_file(&buf, &len, path, (size_t)16 << 20, errbuf, sizeof(errbuf)) != 0) {
		fprintf(r->err, "cwprogress conform: --expect-fail: %s\n", errbuf);
		return -1;
	}
	for (char *s = buf, *next; s && rc == 0 && s < buf + len; s = next) {
		char *nl = memchr(s, '\n', (size_t)(buf + len - s));
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		else
			s[buf + len - s] = '\0';
		line++;
		size_t l = strlen(s);
		if (l && s[l - 1] == '\r')
			s[--l] = '\0';
		s += strspn(s, " \t");
		if (*s && *s != '#')
			rc = xf_add(r, path, line, s);
	}
	free(buf);
	return rc;
}

int cwp__conform_report_new(cwp__conform_report **out, const char *runner,
			    const cwp__conform_opts *o, FILE *out_f, FILE *err)
{
	cwp__conform_report *r = calloc(1, sizeof(*r));
	if (!r || !(r->cases = cJSON_CreateArray())) {
		free(r);
		fprintf(err, "cwprogress conform: out of memory\n");
		return -1;
	}
	r->runner = runner;
	r->o = o;
	r->out = out_f;
	r->err = err;
	if (o->expect_fail && load_expect_fail(r, o->expect_fail) != 0) {
		cwp__conform_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void cwp__conform_report_free(cwp__conform_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_xf; i++) {
		free(r->xf[i].name);
		free(r->xf[i].reason);
	}
	free(r->xf);
	free(r->rows);
	cJSON_Delete(r->cases);
	cJSON_Delete(r->failed_rules);
	if (r->details_f)
		fclose(r->details_f);
	free(r->details);
	free(r);
}

/* ---- selection --------------------------------------------------------- */

/* Does the filter (one ID or ID,ID,…) list the word? */
static bool filter_has(const char *filter, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = filter; *p;) {
		size_t l = strcspn(p, ",");
		if (l == wl && !strncmp(p, word, l))
			return true;
		p += l;
		if (*p)
			p++;
	}
	return false;
}

static bool names_rule(const cJSON *rules, const char *id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, rules)
	{
		if (cJSON_IsString(it) && !strcmp(it->valuestring, id))
			return true;
	}
	return false;
}

static bool any_rule_in(const cJSON *rules, const char *filter)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, rules)
	{
		if (cJSON_IsString(it) && filter_has(filter, it->valuestring))
			return true;
	}
	return false;
}

bool cwp__conform_selected(const cwp__conform_report *r, const char *name, const cJSON *rules)
{
	const cwp__conform_opts *o = r->o;
	bool keep = o->n_rules == 0;
	for (size_t i = 0; i < o->n_rules && !keep; i++)
		keep = any_rule_in(rules, o->rules[i]);
	for (size_t i = 0; i < o->n_excludes && keep; i++) {
		const char *x = o->excludes[i];
		if (any_rule_in(rules, x) || same_name(x, name))
			keep = false;
	}
	return keep;
}

/* ---- one case ---------------------------------------------------------- */

void cwp__conform_case_begin(cwp__conform_report *r, const char *name, const cJSON *rules)
{
	r->name = name;
	r->rules = rules;
	r->fail_all = false;
	cJSON_Delete(r->failed_rules);
	r->failed_rules = cJSON_CreateArray();
	free(r->details);
	r->details = NULL;
	r->details_len = 0;
	r->details_f = open_memstream(&r->details, &r->details_len);
}

void cwp__conform_case_fail(cwp__conform_report *r, const char *rule, const char *fmt, ...)
{
	va_list ap;
	if (!rule)
		r->fail_all = true;
	else if (!names_rule(r->failed_rules, rule))
		cJSON_AddItemToArray(r->failed_rules, cJSON_CreateString(rule));
	if (!r->details_f)
		return;
	fputs("    ", r->details_f);
	va_start(ap, fmt);
	vfprintf(r->details_f, fmt, ap);
	va_end(ap);
	fputc('\n', r->details_f);
}

static rule_row *row_of(cwp__conform_report *r, const char *id)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (!strcmp(r->rows[i].id, id))
			return &r->rows[i];
	rule_row *n = realloc(r->rows, (r->n_rows + 1) * sizeof(*n));
	if (!n)
		return NULL;
	r->rows = n;
	rule_row *row = &r->rows[r->n_rows++];
	memset(row, 0, sizeof(*row));
	snprintf(row->id, sizeof(row->id), "%s", id);
	return row;
}

/* Every rule the case broke: all it names when a failure was not pinned
 * to one rule, and those it was pinned to. */
static cJSON *broken_rules(cwp__conform_report *r)
{
	cJSON *all = cJSON_Duplicate(r->failed_rules, true);
	const cJSON *it;
	cJSON_ArrayForEach(it, r->rules)
	{
		if (r->fail_all && cJSON_IsString(it) && !names_rule(all, it->valuestring))
			cJSON_AddItemToArray(all, cJSON_CreateString(it->valuestring));
	}
	return all;
}

/* The entry that expects this failure: the case's own, else a rule's. */
static xf_entry *expected_by(cwp__conform_report *r, const cJSON *broken)
{
	xf_entry *e = xf_find(r, r->name, false);
	const cJSON *it;
	cJSON_ArrayForEach(it, broken)
	{
		xf_entry *re = e ? NULL : xf_find(r, it->valuestring, true);
		if (re)
			e = re;
	}
	return e;
}

static void tally(cwp__conform_report *r, const cJSON *broken, bool expected)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, r->rules)
	{
		rule_row *row = cJSON_IsString(it) ? row_of(r, it->valuestring) : NULL;
		if (row)
			row->cases++;
	}
	cJSON_ArrayForEach(it, broken)
	{
		rule_row *row = row_of(r, it->valuestring);
		if (row && !names_rule(r->rules, it->valuestring))
			row->cases++;
		if (row)
			expected ? row->xfail++ : row->fail++;
	}
	cJSON_ArrayForEach(it, r->rules)
	{
		xf_entry *re = cJSON_IsString(it) ? xf_find(r, it->valuestring, true) : NULL;
		if (re)
			re->ran = true;
	}
}

static void record_case(cwp__conform_report *r, const char *status, cJSON *broken,
			const xf_entry *e, double seconds)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "name", r->name);
	cJSON_AddItemToObject(c, "rules", cJSON_Duplicate(r->rules, true));
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddItemToObject(c, "failed_rules", broken);
	cJSON_AddStringToObject(c, "details", r->details ? r->details : "");
	if (e)
		cJSON_AddStringToObject(c, "expect_fail_reason", e->reason);
	cJSON_AddNumberToObject(c, "seconds", (double)(long)(seconds * 1000) / 1000.0);
	cJSON_AddItemToArray(r->cases, c);
}

void cwp__conform_case_end(cwp__conform_report *r, double seconds)
{
	if (r->details_f) {
		fclose(r->details_f);
		r->details_f = NULL;
	}
	const char *d = r->details ? r->details : "";
	cJSON *broken = broken_rules(r);
	bool failed = cJSON_GetArraySize(broken) > 0;
	xf_entry *e = failed ? expected_by(r, broken) : xf_find(r, r->name, false);
	const char *status;

	tally(r, broken, failed && e);
	if (e)
		e->ran = true;
	if (failed && e) {
		e->failed = true;
		r->xfailed++;
		status = "xfail";
		fprintf(r->out, "XFAIL %s (expected: %s)\n%s", r->name, e->reason,
			r->o->verbose ? d : "");
	} else if (failed) {
		r->failed++;
		status = "fail";
		char *rl = cJSON_PrintUnformatted(r->rules);
		fprintf(r->out, "FAIL %s %s\n%s", r->name, rl ? rl : "", d);
		cJSON_free(rl);
	} else if (e) {
		e->passed = true;
		r->xpassed++;
		status = "xpass";
		fprintf(r->out,
			"XPASS %s: passes, but the expect-fail list says \"%s\" (line %u): "
			"remove the entry\n",
			r->name, e->reason, e->line);
	} else {
		r->passed++;
		status = "pass";
		if (r->o->verbose)
			fprintf(r->out, "PASS %s\n", r->name);
	}
	record_case(r, status, broken, e, seconds);
}

/* ---- the end: table, totals, files ------------------------------------- */

static int write_json(cwp__conform_report *r, const char *path, cJSON *stale)
{
	cJSON *root = cJSON_CreateObject(), *rules = cJSON_CreateArray();
	cJSON_AddStringToObject(root, "runner", r->runner);
	cJSON_AddNumberToObject(root, "passed", r->passed);
	cJSON_AddNumberToObject(root, "failed", r->failed);
	cJSON_AddNumberToObject(root, "expected_failures", r->xfailed);
	cJSON_AddNumberToObject(root, "unexpected_passes", r->xpassed);
	for (size_t i = 0; i < r->n_rows; i++) {
		const rule_row *row = &r->rows[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "rule", row->id);
		cJSON_AddNumberToObject(o, "cases", row->cases);
		cJSON_AddStringToObject(o, "result",
					row->fail    ? "fail"
					: row->xfail ? "xfail"
						     : "pass");
		cJSON_AddItemToArray(rules, o);
	}
	cJSON_AddItemToObject(root, "rules", rules);
	cJSON_AddItemReferenceToObject(root, "unexpected_pass_entries", stale);
	cJSON_AddItemReferenceToObject(root, "cases", r->cases);
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	FILE *f = text ? fopen(path, "w") : NULL;
	int rc = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	cJSON_free(text);
	return rc;
}

/* Rule entries that no failure used: an unexpected pass each. Entries that
 * named nothing of this run: a note (a filter may have left them out). */
static cJSON *check_entries(cwp__conform_report *r)
{
	cJSON *stale = cJSON_CreateArray();
	for (size_t i = 0; i < r->n_xf; i++) {
		xf_entry *e = &r->xf[i];
		if (!e->ran) {
			fprintf(r->out,
				"note: expect-fail entry %s (line %u) names no %s of this run\n",
				e->name, e->line, e->is_rule ? "rule" : "case");
		} else if (e->is_rule && !e->failed) {
			r->xpassed++;
			fprintf(
			    r->out,
			    "XPASS %s: no case failed on it, but the expect-fail list says \"%s\" "
			    "(line %u): remove the entry\n",
			    e->name, e->reason, e->line);
		} else if (!e->passed) {
			continue;
		}
		if (e->ran && !e->failed)
			cJSON_AddItemToArray(stale, cJSON_CreateString(e->name));
	}
	return stale;
}

int cwp__conform_report_finish(cwp__conform_report *r)
{
	const char *noun = !strcmp(r->runner, "planner") ? "vectors" : "scenarios";
	cJSON *stale = check_entries(r);
	int rc;

	fprintf(r->out, "\nrule        %8s  result\n", noun);
	for (size_t i = 0; i < r->n_rows; i++) {
		const rule_row *row = &r->rows[i];
		fprintf(r->out, "%-10s  %8u  %s\n", row->id, row->cases,
			row->fail    ? "FAIL"
			: row->xfail ? "xfail"
				     : "pass");
	}
	fprintf(r->out, "\n%u passed, %u failed, %u expected failures, %u unexpected passes\n",
		r->passed, r->failed, r->xfailed, r->xpassed);
	if (r->passed + r->failed + r->xfailed + r->xpassed == 0) {
		fprintf(r->err, "cwprogress conform: no case selected\n");
		rc = CWP_EXIT_USAGE;
	} else {
		rc = r->failed || r->xpassed ? CWP_EXIT_WRITES_FAILED : CWP_EXIT_OK;
	}
	if (r->o->junit && cwp__conform_junit_write(r->o->junit, r->runner, r->cases) != 0) {
		fprintf(r->err, "cwprogress conform: cannot write --junit %s: %s\n", r->o->junit,
			strerror(errno));
		rc = CWP_EXIT_USAGE;
	}
	if (r->o->json && write_json(r, r->o->json, stale) != 0) {
		fprintf(r->err, "cwprogress conform: cannot write --json %s: %s\n", r->o->json,
			strerror(errno));
		rc = CWP_EXIT_USAGE;
	}
	cJSON_Delete(stale);
	return rc;
}
