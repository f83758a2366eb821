/* The conformance kit's scenario library (issue 14): one loader and one
 * checker for the sync scenarios of conformance/scenarios/ (README.md
 * there), shared by the in-process suite (test_scenarios.c) and the
 * black-box runner (`cwprogress conform --sync-cmd`).
 *
 * A scenario is one run (scenario.json's top level: faults, sessions, args,
 * expect) or several (`steps`: each with its own faults, sessions, user data
 * changes, fixture swaps, args and expect), run against the same two servers
 * in order. Nothing here runs a sync: the caller runs its tool between
 * cwp_scenario_step_setup() and cwp_scenario_check(). Nothing here calls a
 * test framework: problems are appended to a growing message, so that a
 * runner can list every problem of a scenario before failing it. */
#ifndef CWP_SCENARIO_H
#define CWP_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "mock_emby/mock_emby.h"

enum { CWP_SCN_SRC = 0, CWP_SCN_DST = 1 };

/* "source", "destination" */
extern const char *const cwp_scenario_side_name[2];

/* One run of a scenario. The cJSON pointers point into the scenario's
 * documents (NULL when absent). */
typedef struct cwp_scenario_step {
	const cJSON *args;     /* extra `cwprogress sync` arguments (strings) */
	const cJSON *faults;   /* {"source"|"destination": [fault, …]} */
	const cJSON *sessions; /* {"source"|"destination": "<item id>"} */
	const cJSON *userdata; /* steps only: {side: {item id: UserData}} set before the run */
	const cJSON *fixtures; /* steps only: {side: "folder"} the server restarts from */
	const cJSON *expect;
	bool dry_run;       /* args holds --dry-run (or -n) */
	bool two_way;       /* args holds --two-way */
	bool dry_run_check; /* a --dry-run first must send no write (and plan the same) */
} cwp_scenario_step;

typedef struct cwp_scenario {
	char *dir;
	cJSON *doc;  /* scenario.json */
	cJSON *pair; /* pair.json */
	const cJSON *rules, *env;
	bool human, stderr_tty;
	size_t n_steps;
	cwp_scenario_step *steps;
} cwp_scenario;

/* Load and validate DIR/scenario.json and DIR/pair.json. Every problem
 * (unknown keys, missing expectations, bad args) is appended to *msg;
 * returns 0 and a scenario, or -1 (with *out NULL) when a problem was
 * found. The rule IDs themselves are not checked here. */
int cwp_scenario_load(cwp_scenario **out, const char *dir, char **msg);
void cwp_scenario_free(cwp_scenario *sc);

/* The scenario folders below root (those with a scenario.json), sorted by
 * name, as full paths; *out is freed with cwp_scenario_list_free. */
size_t cwp_scenario_list(char ***out, const char *root);
void cwp_scenario_list_free(char **list, size_t n);

/* The id and token of a user of a fixture's server.json (the first user
 * when want is NULL). 0, or -1 with a message in err. */
int cwp_scenario_fixture_user(const char *fixture, const char *want, char *id, size_t idsz,
			      char *token, size_t toksz, char *err, size_t errsz);

/* The pair's user id on a side (pair.json's user_id), or NULL. */
const char *cwp_scenario_pair_user(const cwp_scenario *sc, int side);

/* Bring both servers into the state a step starts from: restart a side
 * from another fixture folder of the scenario (same port, so a tool that
 * keeps state per server sees the same server), apply the user data
 * changes, set the sessions (a side without one plays nothing), replace
 * the faults, forget the request journals. m[side] may be replaced. 0, or
 * -1 with the problems appended to *msg. */
int cwp_scenario_step_setup(const cwp_scenario *sc, size_t step, mock_emby *m[2],
			    const char *const user[2], char **msg);

/* What one run left behind, for the checker. */
typedef struct cwp_scenario_run {
	mock_emby *m[2];
	const char *user[2];
	cJSON *journal[2];   /* the servers' request journals of this run */
	int rc;              /* the tool's exit status */
	const char *out;     /* its stdout (may be NULL) */
	const char *err;     /* its stderr (may be NULL) */
	const cJSON *report; /* stdout parsed as the --json report, or NULL */
} cwp_scenario_run;

/* What a checker compares beside what the servers saw and hold. */
enum {
	CWP_SCN_CHECK_EXIT = 1u << 0,   /* expect.exit_code (CLI-03) */
	CWP_SCN_CHECK_REPORT = 1u << 1, /* report, report_absent, report_fields, summary */
	CWP_SCN_CHECK_OUTPUT = 1u << 2, /* stdout, stderr and their _absent lists */
};

/* Compare one run with a step's expectations: writes (exact multiset),
 * order, request counts, user data, and what `what` asks for. Differences
 * are appended to *msg ("-" expected but missing, "+" unexpected, "~"
 * different). */
void cwp_scenario_check(const cwp_scenario_step *st, const cwp_scenario_run *run, unsigned what,
			char **msg);

/* A dry run (APPLY-08) or a second run (APPLY-07) must send no write: one
 * "+" line per write of either journal, naming `what` and `rule`. Returns
 * the number of writes. */
size_t cwp_scenario_check_no_writes(cJSON *const journal[2], const char *what, const char *rule,
				    char **msg);

/* The exit status a step expects of the immediate second run (-1: any). */
int cwp_scenario_second_exit_code(const cwp_scenario_step *st);

/* Whether every member of `want` equals the member of `got` (null: absent
 * or null; an object: the same, recursively). Report items, user data and
 * journal lines are matched this way. */
bool cwp_scenario_subset(const cJSON *want, const cJSON *got);

/* A mock's request journal as JSON (the caller deletes it), or NULL. */
cJSON *cwp_scenario_journal(mock_emby *m);
/* The path of a journal entry without any /emby prefix. */
const char *cwp_scenario_entry_path(const cJSON *entry);
/* Whether a journal entry is a write: any method but GET and HEAD. */
bool cwp_scenario_is_write(const cJSON *entry);
/* Whether a path matches a pattern where `*` matches one segment;
 * segments compare case-insensitively (mock_emby_count's rule). */
bool cwp_scenario_route_match(const char *pattern, const char *path);

/* Append printf-style text to a growing message (*buf may be NULL). */
void cwp_scenario_appendf(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
