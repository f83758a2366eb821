/* Layer 2 of the conformance suite (issue 6): end-to-end scenarios as data.
 *
 * Each folder conformance/scenarios/<name>/ holds two fixture servers
 * (source/, destination/: docs/FIXTURES.md), pair.json (the pair file; URLs
 * and tokens are filled in here) and scenario.json (rules, setup and the
 * expectations; conformance/scenarios/README.md describes the format). This
 * runner starts two in-process mocks, runs `cwprogress sync` in-process and
 * compares what the servers saw (request journals) and hold (user data)
 * with the expectations. Every problem of a scenario is listed before it
 * fails.
 *
 *   test_scenarios                     every scenario, then the catalogue check
 *   test_scenarios DIR…                those scenarios
 *   test_scenarios scenarios_catalogue the catalogue check only */
/* nftw (XSI) and strcasestr: test code on glibc. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwp_pty.h"
#include "cwp_test.h"
#include "scenario.h"
#include "sync_harness.h"
#include "cwp/json.h"

#define MSG(...) ch_appendf(&msg, __VA_ARGS__)

static const char *source_dir(void)
{
	const char *s = getenv("CWP_SOURCE_DIR");
	return s && *s ? s : CWP_SOURCE_DIR;
}

/* ---- the rule catalogue ---------------------------------------------------- */

#define MAX_RULES 256
static char catalogue[MAX_RULES][16];
static size_t n_catalogue;

/* A rule ID at p ("- ID …" lines): 2+ capitals, '-', 2 digits. */
static size_t id_at(const char *p)
{
	size_t i = 0;
	while (isupper((unsigned char)p[i]))
		i++;
	if (i < 2 || p[i] != '-' || !isdigit((unsigned char)p[i + 1]) ||
	    !isdigit((unsigned char)p[i + 2]) || isdigit((unsigned char)p[i + 3]) || i + 3 >= 16)
		return 0;
	return i + 3;
}

static void load_catalogue(void)
{
	if (n_catalogue)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/SPEC-RULES.md", source_dir());
	char *text = ch_slurp(path);
	for (const char *line = text; line && *line;) {
		size_t l = line[0] == '-' && line[1] == ' ' ? id_at(line + 2) : 0;
		if (l && n_catalogue < MAX_RULES) {
			memcpy(catalogue[n_catalogue], line + 2, l);
			catalogue[n_catalogue++][l] = '\0';
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	free(text);
	if (n_catalogue < 40)
		fail_msg("%s lists only %zu rules", path, n_catalogue);
}

static bool is_rule(const char *id)
{
	load_catalogue();
	for (size_t i = 0; i < n_catalogue; i++)
		if (!strcmp(catalogue[i], id))
			return true;
	return false;
}

/* ---- the run's journal (APPLY-09, in-process only) --------------------------- */

static char *print(const cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;
	return s ? s : strdup("null");
}

/* APPLY-09: the "previous" entries of the run's journal. */
static void check_journal(const ch_env *e, const cJSON *want, char **msgp)
{
	char *msg = *msgp;
	char *text = ch_slurp(e->journal);
	cJSON *prev = cJSON_CreateArray();
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		cJSON *o = *line ? cwp_json_parse_str(line) : NULL;
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(o, "entry");
		if (cJSON_IsString(en) && !strcmp(en->valuestring, "previous"))
			cJSON_AddItemToArray(prev, o);
		else
			cJSON_Delete(o);
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(want, "count");
	if (cJSON_IsNumber(cnt) && cJSON_GetArraySize(prev) != cnt->valueint)
		MSG("~ journal: %d \"previous\" entries, expected %d\n", cJSON_GetArraySize(prev),
		    cnt->valueint);
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(want, "previous"))
	{
		bool found = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, prev) found = found || cwp_scenario_subset(w, it);
		if (!found) {
			char *t = print(w);
			MSG("- journal: no \"previous\" entry matches %s\n", t);
			free(t);
		}
	}
	cJSON_Delete(prev);
	*msgp = msg;
}

/* CWP_SCENARIO_VERBOSE=1: every request both servers saw, for authors. */
static void dump_journals(cJSON *const journals[2])
{
	for (int s = 0; s < 2; s++) {
		const cJSON *en;
		cJSON_ArrayForEach(en, journals[s])
		{
			const cJSON *q = cJSON_GetObjectItemCaseSensitive(en, "query");
			const cJSON *b = cJSON_GetObjectItemCaseSensitive(en, "body");
			fprintf(stderr, "%-11s %s %s%s%s %s -> %d\n", ch_side_name[s],
				cJSON_GetObjectItemCaseSensitive(en, "method")->valuestring,
				ch_entry_path(en), cJSON_IsString(q) && *q->valuestring ? "?" : "",
				cJSON_IsString(q) ? q->valuestring : "",
				cJSON_IsString(b) ? b->valuestring : "",
				cJSON_GetObjectItemCaseSensitive(en, "status")->valueint);
		}
	}
}

/* ---- running one scenario -------------------------------------------------- */

/* Both mocks' request journals (cleared after reading when `clear`). */
static void take_journals(ch_env *e, cJSON *out[2], bool clear)
{
	for (int s = 0; s < 2; s++) {
		out[s] = ch_journal(e->side[s].m);
		if (clear)
			mock_emby_journal_clear(e->side[s].m);
	}
}

static void free_journals(cJSON *j[2])
{
	cJSON_Delete(j[0]);
	cJSON_Delete(j[1]);
	j[0] = j[1] = NULL;
}

/* APPLY-08: a dry run first sends no write; its report is kept. */
static cJSON *dry_run_first(ch_env *e, const cwp_scenario_step *st, const char **args, size_t nrun,
			    char **msgp)
{
	char *msg = *msgp;
	cJSON *j[2];
	args[nrun] = "--dry-run";
	ch_sync(e, args, nrun + 1);
	cJSON *dry = ch_report(e);
	take_journals(e, j, true);
	cwp_scenario_check_no_writes(j, "the dry run", "APPLY-08", &msg);
	free_journals(j);
	int want = cJSON_GetObjectItemCaseSensitive(st->expect, "exit_code")->valueint;
	if (e->rc != want && want != 1)
		MSG("~ the dry run exited %d, the real run is expected to exit %d\n", e->rc, want);
	*msgp = msg;
	return dry;
}

/* CLI-04 in every scenario: no token in any output, journal or request. */
static void check_tokens(ch_env *e, char **msgp)
{
	char *msg = *msgp;
	char *jtext = ch_slurp(e->journal);
	char *mj[2] = {mock_emby_journal_json(e->side[0].m), mock_emby_journal_json(e->side[1].m)};
	if (ch_has_token(e, e->out) || ch_has_token(e, e->err) || ch_has_token(e, jtext) ||
	    ch_has_token(e, mj[0]) || ch_has_token(e, mj[1]))
		MSG("+ a token appears in the output, the journal or a request journal (CLI-04)\n");
	free(jtext);
	mock_emby_free(mj[0]);
	mock_emby_free(mj[1]);
	*msgp = msg;
}

/* APPLY-07: an immediate second run (same servers, same faults). */
static void second_run(ch_env *e, const cwp_scenario_step *st, const char **args, size_t nrun,
		       char **msgp)
{
	char *msg = *msgp;
	cJSON *j[2];
	/* The first run's output stays the one shown on failure. */
	char *out1 = e->out;
	size_t before = msg ? strlen(msg) : 0;
	e->out = NULL;
	for (int s = 0; s < 2; s++)
		mock_emby_journal_clear(e->side[s].m);
	ch_sync(e, args, nrun);
	take_journals(e, j, false);
	cwp_scenario_check_no_writes(j, "the second run", "APPLY-07", &msg);
	free_journals(j);
	int want = cwp_scenario_second_exit_code(st);
	if (want >= 0 && e->rc != want)
		MSG("~ the second run exited %d, expected %d\n", e->rc, want);
	if ((msg ? strlen(msg) : 0) > before)
		MSG("--- the second run's stdout\n%.1500s\n", e->out ? e->out : "");
	free(e->out);
	e->out = out1;
	*msgp = msg;
}

/* One step: set the servers up, (dry run,) run, check, (second run). */
static void run_step(const cwp_scenario *sc, size_t i, ch_env *e, char **msgp)
{
	char *msg = NULL;
	const cwp_scenario_step *st = &sc->steps[i];
	mock_emby *m[2] = {e->side[0].m, e->side[1].m};
	const char *user[2] = {e->side[0].user, e->side[1].user};
	int ok = cwp_scenario_step_setup(sc, i, m, user, &msg);
	e->side[0].m = m[0];
	e->side[1].m = m[1];
	size_t nrun = 0;
	const char **args = calloc((size_t)cJSON_GetArraySize(st->args) + 3, sizeof(*args));
	cJSON *dry = NULL, *report = NULL, *j[2] = {NULL, NULL};
	const cJSON *r;
	if (ok != 0 || !args)
		goto done;
	cJSON_ArrayForEach(r, st->args) args[nrun++] = r->valuestring;
	if (!sc->human)
		args[nrun++] = "--json";
	e->err_tty = sc->stderr_tty;
	if (st->dry_run_check)
		dry = dry_run_first(e, st, args, nrun, &msg);

	ch_sync(e, args, nrun);
	take_journals(e, j, false);
	if (!j[0] || !j[1]) {
		MSG("cannot read the mocks' request journals\n");
		goto done;
	}
	if (getenv("CWP_SCENARIO_VERBOSE"))
		dump_journals(j);
	report = sc->human ? NULL : ch_report(e);
	cwp_scenario_run run = {
	    {m[0], m[1]}, {user[0], user[1]}, {j[0], j[1]}, e->rc, e->out, e->err, report};
	cwp_scenario_check(st, &run,
			   CWP_SCN_CHECK_EXIT | CWP_SCN_CHECK_REPORT | CWP_SCN_CHECK_OUTPUT, &msg);
	const cJSON *jw = cJSON_GetObjectItemCaseSensitive(st->expect, "journal");
	if (jw)
		check_journal(e, jw, &msg);
	char why[2048];
	if (dry && report && !ch_same_plan(dry, report, why, sizeof(why)))
		MSG("~ dry run and real run differ (APPLY-08): %s\n", why);
	check_tokens(e, &msg);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->expect, "second_run_writes_nothing")))
		second_run(e, st, args, nrun, &msg);
done:
	if (msg && sc->n_steps > 1)
		ch_appendf(msgp, "step %zu of %zu:\n%s", i + 1, sc->n_steps, msg);
	else if (msg)
		ch_appendf(msgp, "%s", msg);
	free(msg);
	free_journals(j);
	cJSON_Delete(report);
	cJSON_Delete(dry);
	free(args);
}

static void scenario_test(void **state)
{
	const char *dir = *state;
	char *msg = NULL;
	char err[2048], sub[2][PATH_MAX];
	ch_env e;
	bool started = false, no_pty = false;
	char why_no_pty[256];
	cwp_scenario *sc = NULL;
	const cJSON *r;
	if (cwp_scenario_load(&sc, dir, &msg) != 0)
		goto done;
	cJSON_ArrayForEach(r, sc->rules)
	{
		if (!cJSON_IsString(r) || !is_rule(r->valuestring)) {
			char *t = print(r);
			MSG("scenario.json: rule %s is not a rule of SPEC.md "
			    "(docs/SPEC-RULES.md)\n",
			    t);
			free(t);
		}
	}
	if (msg)
		goto done;
	/* CLI-06's bar needs a terminal: without one on the machine (a container
	 * without /dev/pts) the scenario is skipped, saying why, after cleanup. */
	if (sc->stderr_tty) {
		int pm, ps;
		no_pty = !cwp_test_openpty(&pm, &ps, why_no_pty, sizeof(why_no_pty));
		if (!no_pty) {
			close(pm);
			close(ps);
		}
		if (no_pty)
			goto done;
	}

	/* Start both servers as the fixtures say. */
	snprintf(sub[0], sizeof(sub[0]), "%s/source", dir);
	snprintf(sub[1], sizeof(sub[1]), "%s/destination", dir);
	if (ch_start(&e, sub[0], sub[1], cwp_scenario_pair_user(sc, CWP_SCN_SRC),
		     cwp_scenario_pair_user(sc, CWP_SCN_DST), err, sizeof(err)) != 0) {
		MSG("%s\n", err);
		goto done;
	}
	started = true;
	if (ch_write_pair(&e, sc->pair, err, sizeof(err)) != 0) {
		MSG("%s\n", err);
		goto done;
	}
	cJSON_ArrayForEach(r, sc->env) setenv(r->string, r->valuestring, 1);
	for (size_t i = 0; i < sc->n_steps; i++)
		run_step(sc, i, &e, &msg);

done:
	if (msg) {
		const char *out = started && e.out ? e.out : "";
		const char *er = started && e.err ? e.err : "";
		const cJSON *ds =
		    sc ? cJSON_GetObjectItemCaseSensitive(sc->doc, "description") : NULL;
		char *rt = print(sc ? sc->rules : NULL);
		fprintf(stderr,
			"scenario %s\n  rules: %s\n  %s\n%s--- stdout (first 3000 bytes)\n%.3000s\n"
			"--- stderr\n%.2000s\n",
			dir, rt, cJSON_IsString(ds) ? ds->valuestring : "", msg, out, er);
		free(rt);
	}
	if (sc)
		cJSON_ArrayForEach(r, sc->env) unsetenv(r->string);
	cwp_scenario_free(sc);
	if (started)
		ch_stop(&e);
	if (msg) {
		free(msg);
		fail_msg("scenario %s failed", dir);
	}
	if (no_pty) {
		print_message("scenario %s %s\n", dir, why_no_pty);
		skip();
	}
}

/* ---- the catalogue check ----------------------------------------------------- */

static size_t list_scenarios(char ***out)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/conformance/scenarios", source_dir());
	return cwp_scenario_list(out, dir);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* Test sources where a test named in CONFORMANCE.md must be defined. */
static char *test_text;

static int collect_text(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	size_t l = strlen(path);
	if (flag != FTW_F || strstr(path, "/fixtures/") || strstr(path, "/vectors/") ||
	    !((l > 2 && !strcmp(path + l - 2, ".c")) ||
	      (l > 6 && !strcmp(path + l - 6, ".cmake")) ||
	      (l > 14 && !strcmp(path + l - 14, "CMakeLists.txt"))))
		return 0;
	char *t = ch_slurp(path);
	if (t)
		ch_appendf(&test_text, "%s\n", t);
	free(t);
	return 0;
}

static bool word_in(const char *text, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = text; (p = strstr(p, w)) != NULL; p++) {
		bool lb = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool rb = !(isalnum((unsigned char)p[l]) || p[l] == '_' || p[l] == '-');
		if (lb && rb)
			return true;
	}
	return false;
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

#define LOWER_ID "abcdefghijklmnopqrstuvwxyz0123456789_"
#define NAME_ID  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."

/* The rules the sync-level scenarios must cover (issue 6, layer 2). */
static const char *const must_have_scenario[] = {
    "APPLY-01", "APPLY-02", "APPLY-03", "APPLY-04", "APPLY-05", "APPLY-06", "APPLY-07",
    "APPLY-08", "APPLY-09", "TWO-01",   "TWO-02",   "READ-04",  "READ-05",  "READ-06",
    "RES-01",   "RES-02",   "RES-03",   "RES-04",   "CLI-03",   NULL};

/* One rule row of CONFORMANCE.md: | ID | summary | vectors | tests | status | */
typedef struct md_row {
	char id[16];
	char *col[5]; /* trimmed copies */
} md_row;

static char *trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

static size_t parse_rows(char *md, md_row **out)
{
	md_row *v = NULL;
	size_t n = 0;
	for (char *line = md; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t l = line[0] == '|' && line[1] == ' ' ? id_at(line + 2) : 0;
		if (l) {
			md_row row;
			memset(&row, 0, sizeof(row));
			memcpy(row.id, line + 2, l);
			const char *p = line + 1, *end = line + len;
			for (int c = 0; c < 5 && p < end; c++) {
				/* "\\|" is a pipe inside a cell (GitHub markdown). */
				const char *bar = p;
				while (bar < end && (*bar != '|' || (bar > p && bar[-1] == '\\')))
					bar++;
				if (bar == end)
					break;
				row.col[c] = trimmed(p, (size_t)(bar - p));
				p = bar + 1;
			}
			md_row *nv = realloc(v, (n + 1) * sizeof(*v));
			if (nv) {
				v = nv;
				v[n++] = row;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = v;
	return n;
}

static bool no_evidence(const char *col)
{
	return !col || !*col || !strcmp(col, "—") || !strcmp(col, "-");
}

static bool names_rule(const cJSON *rules, const char *id)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, rules)
	{
		if (cJSON_IsString(r) && !strcmp(r->valuestring, id))
			return true;
	}
	return false;
}

/* Check the backticked references of one row's vector and test columns. */
static void check_refs(const md_row *row, char **dirs, cJSON **rules, size_t n, char **msgp)
{
	char *msg = *msgp;
	for (int c = 2; c <= 3; c++) {
		for (const char *p = row->col[c]; p && (p = strchr(p, '`')) != NULL;) {
			const char *q = strchr(p + 1, '`');
			if (!q)
				break;
			char ref[256], f[PATH_MAX + 512];
			struct stat st;
			snprintf(ref, sizeof(ref), "%.*s", (int)(q - p - 1), p + 1);
			p = q + 1;
			char *slash = strchr(ref, '/'), *dot = strchr(ref, '.');
			if (slash && all_of(slash + 1, NAME_ID)) {
				*slash = '\0';
				const char *what = slash + 1;
				if (!strcmp(ref, "scenarios")) {
					size_t i = 0;
					while (i < n && strcmp(base_name(dirs[i]), what))
						i++;
					if (i == n)
						MSG("CONFORMANCE.md %s: no scenario %s\n", row->id,
						    what);
					else if (!names_rule(rules[i], row->id))
						MSG("CONFORMANCE.md %s lists scenarios/%s, which "
						    "does not "
						    "name %s\n",
						    row->id, what, row->id);
				} else if (!strcmp(ref, "planner") || !strcmp(ref, "policy")) {
					snprintf(f, sizeof(f), "%s/conformance/vectors/%s/%s.json",
						 source_dir(), ref, what);
					if (stat(f, &st) != 0)
						MSG("CONFORMANCE.md %s: no vector %s/%s\n", row->id,
						    ref, what);
				}
			} else if (dot && !slash && dot > ref && all_of(dot + 1, NAME_ID)) {
				*dot = '\0';
				if (all_of(ref, LOWER_ID) &&
				    (!test_text || !word_in(test_text, dot + 1)))
					MSG("CONFORMANCE.md %s: no test %s.%s in the test "
					    "sources\n",
					    row->id, ref, dot + 1);
			}
		}
	}
	*msgp = msg;
}

static void scenarios_catalogue(void **state)
{
	(void)state;
	char *msg = NULL;
	char **dirs = NULL;
	size_t n = list_scenarios(&dirs);
	cJSON **rules = calloc(n ? n : 1, sizeof(*rules));
	char path[PATH_MAX];
	if (!rules)
		fail_msg("out of memory");
	if (n < 15)
		MSG("only %zu scenarios under conformance/scenarios\n", n);
	load_catalogue();

	/* Every scenario names real rules. */
	for (size_t i = 0; i < n; i++) {
		cwp_scenario *sc = NULL;
		char *why = NULL;
		if (cwp_scenario_load(&sc, dirs[i], &why) != 0)
			MSG("%s:\n%s", base_name(dirs[i]), why ? why : "cannot be read\n");
		free(why);
		rules[i] = sc ? cJSON_Duplicate(sc->rules, 1) : NULL;
		cwp_scenario_free(sc);
		const cJSON *r;
		if (!cJSON_GetArraySize(rules[i]))
			MSG("%s: no \"rules\"\n", base_name(dirs[i]));
		cJSON_ArrayForEach(r, rules[i])
		{
			if (!cJSON_IsString(r) || !is_rule(r->valuestring))
				MSG("%s names a rule that is not in docs/SPEC-RULES.md\n",
				    base_name(dirs[i]));
		}
	}
	/* The sync-level rules each have a scenario. */
	for (size_t k = 0; must_have_scenario[k]; k++) {
		bool found = false;
		for (size_t i = 0; i < n && !found; i++)
			found = names_rule(rules[i], must_have_scenario[k]);
		if (!found)
			MSG("%s has no scenario\n", must_have_scenario[k]);
	}

	/* CONFORMANCE.md: every rule has a row proven by something, no row is
	 * pending, every reference is real, and each scenario is listed under
	 * exactly the rules it names. */
	snprintf(path, sizeof(path), "%s/conformance/CONFORMANCE.md", source_dir());
	char *md = ch_slurp(path);
	static const char *const test_dirs[] = {"core/tests",
						"cli",
						"emby_client/tests",
						"mock_emby/tests",
						"conformance",
						"sync/tests",
						"fuzz",
						NULL};
	for (size_t i = 0; test_dirs[i]; i++) {
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s/%s", source_dir(), test_dirs[i]);
		nftw(d, collect_text, 16, FTW_PHYS);
	}
	if (!test_text)
		MSG("no test sources found under %s\n", source_dir());
	md_row *rows = NULL;
	size_t nrows = parse_rows(md, &rows);
	for (size_t k = 0; k < n_catalogue; k++) {
		size_t i = 0;
		while (i < nrows && strcmp(rows[i].id, catalogue[k]))
			i++;
		if (i == nrows) {
			MSG("CONFORMANCE.md has no row for %s\n", catalogue[k]);
			continue;
		}
		const md_row *row = &rows[i];
		if (!row->col[4]) {
			MSG("CONFORMANCE.md %s: expected 5 columns\n", row->id);
			continue;
		}
		/* A rule whose issue is still open stands as "planned: <issue>"
		 * (its proof lands with the issue): named here, not failed. */
		if (!strncmp(row->col[4], "planned", 7)) {
			if (strlen(row->col[4]) < 12)
				MSG("CONFORMANCE.md %s: planned without its issue\n", row->id);
			print_message("planned: %s (%s)\n", row->id, row->col[4]);
			continue;
		}
		if (no_evidence(row->col[2]) && no_evidence(row->col[3]))
			MSG("CONFORMANCE.md %s: no vector, scenario or test\n", row->id);
		if (strcasestr(row->col[4], "pending"))
			MSG("CONFORMANCE.md %s: status still says pending\n", row->id);
		check_refs(row, dirs, rules, n, &msg);
		for (size_t s = 0; s < n; s++) {
			char needle[300];
			snprintf(needle, sizeof(needle), "`scenarios/%s`", base_name(dirs[s]));
			if (names_rule(rules[s], row->id) && !strstr(row->col[2], needle))
				MSG("CONFORMANCE.md %s does not list scenarios/%s, which names "
				    "it\n",
				    row->id, base_name(dirs[s]));
		}
	}
	for (size_t i = 0; i < nrows; i++)
		for (int c = 0; c < 5; c++)
			free(rows[i].col[c]);
	free(rows);
	free(md);
	free(test_text);
	test_text = NULL;
	for (size_t i = 0; i < n; i++) {
		cJSON_Delete(rules[i]);
		free(dirs[i]);
	}
	free(rules);
	free(dirs);
	if (msg) {
		fputs(msg, stderr);
		free(msg);
		fail_msg("the scenario catalogue is incomplete");
	}
}

int main(int argc, char **argv)
{
	char **dirs = NULL;
	size_t n = 0;
	bool catalogue_only = argc == 2 && !strcmp(argv[1], "scenarios_catalogue");
	if (argc > 1 && !catalogue_only) {
		dirs = calloc((size_t)argc, sizeof(*dirs));
		for (int i = 1; dirs && i < argc; i++) {
			size_t l = strlen(argv[i]);
			while (l > 1 && argv[i][l - 1] == '/')
				l--;
			dirs[n++] = strndup(argv[i], l);
		}
	} else if (!catalogue_only) {
		n = list_scenarios(&dirs);
	}
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = base_name(dirs[i]);
		tests[i].test_func = scenario_test;
		tests[i].initial_state = dirs[i];
	}
	size_t nt = n;
	if (argc == 1 || catalogue_only) {
		tests[nt].name = "scenarios_catalogue";
		tests[nt].test_func = scenarios_catalogue;
		nt++;
	}
	int rc = _cmocka_run_group_tests("conformance_scenarios", tests, nt, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	free(tests);
	return rc;
}
