/* What the conform runners share (the planner runner, cli/conform_planner.c,
 * and the sync runner): the options every runner takes, the case filters,
 * the expected-failure list, the per-rule table, and the JUnit and JSON
 * reports. A runner selects its cases, runs each one, tells this module
 * which rules it broke, and gets the exit status from
 * cwp__conform_report_finish.
 *
 *   --rule ID            only cases that name ID (repeatable, or ID,ID)
 *   --exclude ID|NAME    drop cases that name rule ID or are called NAME
 *   --expect-fail FILE   known deviations: "NAME-or-RULE  reason" per line
 *   --junit FILE         JUnit XML of every case
 *   --json FILE          the same as JSON
 *   --timeout SECONDS    per command the runner starts (default 30)
 *   -v, --verbose        a line for passing cases too */
#ifndef CWP_CLI_CONFORM_REPORT_H
#define CWP_CLI_CONFORM_REPORT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#define CWP__CONFORM_MAX_FILTERS 64

typedef struct cwp__conform_opts {
	const char *rules[CWP__CONFORM_MAX_FILTERS];
	size_t n_rules;
	const char *excludes[CWP__CONFORM_MAX_FILTERS];
	size_t n_excludes;
	const char *expect_fail, *junit, *json;
	long timeout_ms;
	bool verbose;
} cwp__conform_opts;

/* getopt_long values of the shared options (above any short option). */
enum {
	CWP__CONFORM_OPT_RULE = 0x200,
	CWP__CONFORM_OPT_EXCLUDE,
	CWP__CONFORM_OPT_EXPECT_FAIL,
	CWP__CONFORM_OPT_JUNIT,
	CWP__CONFORM_OPT_JSON,
	CWP__CONFORM_OPT_TIMEOUT,
};

/* The shared entries of a getopt_long table (-v is 'v'). */
#define CWP__CONFORM_COMMON_OPTIONS                                                 \
	{"rule", required_argument, NULL, CWP__CONFORM_OPT_RULE},                   \
	    {"exclude", required_argument, NULL, CWP__CONFORM_OPT_EXCLUDE},         \
	    {"expect-fail", required_argument, NULL, CWP__CONFORM_OPT_EXPECT_FAIL}, \
	    {"junit", required_argument, NULL, CWP__CONFORM_OPT_JUNIT},             \
	    {"json", required_argument, NULL, CWP__CONFORM_OPT_JSON},               \
	    {"timeout", required_argument, NULL, CWP__CONFORM_OPT_TIMEOUT},         \
	{                                                                           \
		"verbose", no_argument, NULL, 'v'                                   \
	}

/* The help lines of the shared options. */
extern const char cwp__conform_common_usage[];

void cwp__conform_opts_init(cwp__conform_opts *o);

/* Take one getopt_long result. Returns 1 when it was a shared option, 0
 * when it is not one (the caller handles it), -1 on a bad value (printed
 * to err; exit 2). */
int cwp__conform_opt(cwp__conform_opts *o, int c, const char *arg, FILE *err);

typedef struct cwp__conform_report cwp__conform_report;

/* runner: "planner" or "sync" (the JUnit suite and JSON "runner"); out gets
 * the human report. Loads --expect-fail; a bad list is printed to err and
 * is an error (-1). */
int cwp__conform_report_new(cwp__conform_report **out, const char *runner,
			    const cwp__conform_opts *o, FILE *out_f, FILE *err);
void cwp__conform_report_free(cwp__conform_report *r);

/* Does --rule/--exclude keep the case called name that names rules (a
 * JSON array of strings)? */
bool cwp__conform_selected(const cwp__conform_report *r, const char *name, const cJSON *rules);

/* One case: begin, any number of failures, end. rule NULL: the failure
 * counts against every rule the case names; else against that rule only
 * (PLAN-05 for a wrong order, say). Details go into the FAIL block, the
 * JUnit failure and the JSON case. */
void cwp__conform_case_begin(cwp__conform_report *r, const char *name, const cJSON *rules);
void cwp__conform_case_fail(cwp__conform_report *r, const char *rule, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void cwp__conform_case_end(cwp__conform_report *r, double seconds);

/* Prints the rule table and the totals, writes --junit and --json. Returns
 * the exit status: 0 when every case passed or failed as listed, 1 on an
 * unexpected failure or an unexpected pass, 2 when no case ran or a report
 * file could not be written. */
int cwp__conform_report_finish(cwp__conform_report *r);

/* JUnit XML of cases (the "cases" array of the JSON report) into path;
 * runner names the suite. Returns 0, or -1 with errno set. */
int cwp__conform_junit_write(const char *path, const char *runner, const cJSON *cases);

/* JUnit XML of cases (the "cases" array of the JSON report) into path;
 * runner names the suite. Returns 0, or -1 with errno set. */
int cwp__conform_junit_write(const char *path, const char *runner, const cJSON *cases);

#endif
