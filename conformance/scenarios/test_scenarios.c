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

#include "cwp_test.h"
#include "sync_harness.h"

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

/* ---- reading a scenario ---------------------------------------------------- */

static cJSON *load_json(const char *dir, const char *name, char **msg)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *text = ch_slurp(path);
	cJSON *j = text && *text ? cJSON_Parse(text) : NULL;
	if (!j)
		ch_appendf(msg, "%s: %s\n", path,
			   text && *text ? "not valid JSON" : "missing or empty");
	free(text);
	return j;
}

/* Unknown keys are errors: a misspelt expectation must not pass silently. */
static void check_keys(const cJSON *o, const char *const *allowed, const char *where, char **msg)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(c->string, allowed[i]);
		if (!ok)
			ch_appendf(msg, "scenario.json: unknown key %s%s\n", where, c->string);
	}
}

static int side_of(const char *name)
{
	if (!strcmp(name, "source"))
		return CH_SRC;
	if (!strcmp(name, "destination"))
		return CH_DST;
	return -1;
}

/* Replace {user} in a path with the side's user id. */
static void expand_user(char *out, size_t sz, const char *path, const char *user)
{
	const char *p = strstr(path, "{user}");
	if (!p)
		snprintf(out, sz, "%s", path);
	else
		snprintf(out, sz, "%.*s%s%s", (int)(p - path), path, user, p + 6);
}

static char *print(const cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;
	return s ? s : strdup("null");
}

/* Whether every member of `want` equals the member of `got` (null: absent
 * or null; an object: the same, recursively). */
static bool subset(const cJSON *want, const cJSON *got)
{
	if (!cJSON_IsObject(got))
		return false;
	const cJSON *w;
	cJSON_ArrayForEach(w, want)
	{
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, w->string);
		if (cJSON_IsNull(w)) {
			if (g && !cJSON_IsNull(g))
				return false;
		} else if (cJSON_IsObject(w)) {
			if (!subset(w, g))
				return false;
		} else if (!g || !cJSON_Compare(w, g, true)) {
			return false;
		}
	}
	return true;
}

/* ---- expectations ---------------------------------------------------------- */

/* The body of a journal entry as JSON (NULL: none); sets *bad when it is
 * not JSON. */
static cJSON *entry_body(const cJSON *entry, bool *bad)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, "body");
	*bad = false;
	if (!cJSON_IsString(b) || !*b->valuestring)
		return NULL;
	cJSON *j = cJSON_Parse(b->valuestring);
	*bad = j == NULL;
	return j;
}

/* The exact multiset of write requests of one side. */
static void check_writes(const ch_env *e, int s, const cJSON *journal, const cJSON *want,
			 char **msgp)
{
	char *msg = *msgp;
	const char *side = ch_side_name[s];
	int nj = cJSON_GetArraySize(journal);
	bool *used = calloc((size_t)(nj > 0 ? nj : 1), sizeof(*used));
	if (!used)
		fail_msg("out of memory");
	const cJSON *w;
	cJSON_ArrayForEach(w, want)
	{
		static const char *const keys[] = {"method", "path", "body", "status", NULL};
		check_keys(w, keys, "expect.writes[].", &msg);
		const cJSON *wm = cJSON_GetObjectItemCaseSensitive(w, "method");
		const cJSON *wp = cJSON_GetObjectItemCaseSensitive(w, "path");
		const cJSON *wb = cJSON_GetObjectItemCaseSensitive(w, "body");
		const cJSON *ws = cJSON_GetObjectItemCaseSensitive(w, "status");
		if (!cJSON_IsString(wm) || !cJSON_IsString(wp)) {
			MSG("scenario.json: expect.writes.%s: each write needs method and path\n",
			    side);
			continue;
		}
		char path[1024];
		expand_user(path, sizeof(path), wp->valuestring, e->side[s].user);
		bool found = false;
		for (int i = 0; i < nj && !found; i++) {
			const cJSON *en = cJSON_GetArrayItem(journal, i);
			if (used[i] || !ch_is_write(en))
				continue;
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(en, "method");
			if (strcasecmp(m->valuestring, wm->valuestring) ||
			    strcmp(ch_entry_path(en), path))
				continue;
			if (cJSON_IsNumber(ws) &&
			    cJSON_GetObjectItemCaseSensitive(en, "status")->valuedouble !=
				ws->valuedouble)
				continue;
			bool bad;
			cJSON *body = entry_body(en, &bad);
			bool same = wb && !cJSON_IsNull(wb) ? body && cJSON_Compare(body, wb, true)
							    : !body && !bad;
			cJSON_Delete(body);
			if (same)
				used[i] = found = true;
		}
		if (!found) {
			char *b = print(wb);
			MSG("- %s: expected %s %s %s, not sent\n", side, wm->valuestring, path, b);
			free(b);
		}
	}
	for (int i = 0; i < nj; i++) {
		const cJSON *en = cJSON_GetArrayItem(journal, i);
		if (used[i] || !ch_is_write(en))
			continue;
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(en, "body");
		MSG("+ %s: unexpected %s %s %s (status %d)\n", side,
		    cJSON_GetObjectItemCaseSensitive(en, "method")->valuestring, ch_entry_path(en),
		    cJSON_IsString(b) ? b->valuestring : "",
		    cJSON_GetObjectItemCaseSensitive(en, "status")->valueint);
	}
	free(used);
	*msgp = msg;
}

/* "METHOD /path" requests that must come in this relative order. */
static void check_order(const ch_env *e, int s, const cJSON *journal, const cJSON *seq, char **msgp)
{
	char *msg = *msgp;
	int from = 0, nj = cJSON_GetArraySize(journal);
	const cJSON *step;
	cJSON_ArrayForEach(step, seq)
	{
		char method[16], path[1024], want[1024];
		if (!cJSON_IsString(step) ||
		    sscanf(step->valuestring, "%15s %1023s", method, want) != 2) {
			MSG("scenario.json: expect.order: \"METHOD /path\" strings\n");
			break;
		}
		expand_user(path, sizeof(path), want, e->side[s].user);
		int i = from;
		for (; i < nj; i++) {
			const cJSON *en = cJSON_GetArrayItem(journal, i);
			if (!strcasecmp(cJSON_GetObjectItemCaseSensitive(en, "method")->valuestring,
					method) &&
			    !strcmp(ch_entry_path(en), path))
				break;
		}
		if (i == nj) {
			MSG("- %s: order: %s %s not found after the previous step\n",
			    ch_side_name[s], method, path);
			break;
		}
		from = i + 1;
	}
	*msgp = msg;
}

/* Counts of requests: {"side", "method", "route", "query", "count"|"min"|"max"}. */
static void check_requests(ch_env *e, cJSON *const journals[2], const cJSON *list, char **msgp)
{
	char *msg = *msgp;
	const cJSON *r;
	cJSON_ArrayForEach(r, list)
	{
		static const char *const keys[] = {"side", "method", "route", "query", "count",
						   "min",  "max",    "why",   NULL};
		check_keys(r, keys, "expect.requests[].", &msg);
		const cJSON *sd = cJSON_GetObjectItemCaseSensitive(r, "side");
		const cJSON *me = cJSON_GetObjectItemCaseSensitive(r, "method");
		const cJSON *ro = cJSON_GetObjectItemCaseSensitive(r, "route");
		const cJSON *qu = cJSON_GetObjectItemCaseSensitive(r, "query");
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(r, "count");
		const cJSON *mi = cJSON_GetObjectItemCaseSensitive(r, "min");
		const cJSON *ma = cJSON_GetObjectItemCaseSensitive(r, "max");
		int s = cJSON_IsString(sd) ? side_of(sd->valuestring) : -1;
		if (s < 0 || (!cJSON_IsNumber(cn) && !cJSON_IsNumber(mi) && !cJSON_IsNumber(ma))) {
			MSG("scenario.json: expect.requests: each needs a side and count, min or "
			    "max\n");
			continue;
		}
		char route[1024] = "";
		if (cJSON_IsString(ro))
			expand_user(route, sizeof(route), ro->valuestring, e->side[s].user);
		int n = 0;
		const cJSON *en;
		cJSON_ArrayForEach(en, journals[s])
		{
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(en, "method");
			const cJSON *q = cJSON_GetObjectItemCaseSensitive(en, "query");
			if (cJSON_IsString(me) && strcasecmp(m->valuestring, me->valuestring))
				continue;
			if (*route && !ch_route_match(route, ch_entry_path(en)))
				continue;
			if (cJSON_IsString(qu) &&
			    !(cJSON_IsString(q) && strcasestr(q->valuestring, qu->valuestring)))
				continue;
			n++;
		}
		bool ok = (!cJSON_IsNumber(cn) || n == cn->valueint) &&
			  (!cJSON_IsNumber(mi) || n >= mi->valueint) &&
			  (!cJSON_IsNumber(ma) || n <= ma->valueint);
		if (!ok) {
			char *t = print(r);
			MSG("~ %s: %d request(s) match %s\n", ch_side_name[s], n, t);
			free(t);
		}
	}
	*msgp = msg;
}

static void check_userdata(ch_env *e, const cJSON *want, char **msgp)
{
	char *msg = *msgp;
	const cJSON *sd;
	cJSON_ArrayForEach(sd, want)
	{
		int s = side_of(sd->string);
		if (s < 0) {
			MSG("scenario.json: expect.userdata: unknown side %s\n", sd->string);
			continue;
		}
		char *text = mock_emby_userdata_json(e->side[s].m, e->side[s].user);
		cJSON *all = text ? cJSON_Parse(text) : NULL;
		mock_emby_free(text);
		const cJSON *item;
		cJSON_ArrayForEach(item, sd)
		{
			const cJSON *got = cJSON_GetObjectItemCaseSensitive(all, item->string);
			if (!subset(item, got)) {
				char *a = print(item), *b = print(got);
				MSG("~ %s item %s: user data %s, expected %s\n", sd->string,
				    item->string, b, a);
				free(a);
				free(b);
			}
		}
		cJSON_Delete(all);
	}
	*msgp = msg;
}

static void check_report(const cJSON *report, const cJSON *exp, char **msgp)
{
	char *msg = *msgp;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(report, "items");
	const cJSON *w;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(exp, "report"))
	{
		bool found = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, items) found = found || subset(w, it);
		if (!found) {
			char *t = print(w);
			MSG("- report: no item matches %s\n", t);
			free(t);
		}
	}
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(exp, "report_absent"))
	{
		const cJSON *it;
		cJSON_ArrayForEach(it, items)
		{
			if (subset(w, it)) {
				char *t = print(it);
				MSG("+ report: unexpected item %s\n", t);
				free(t);
			}
		}
	}
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(exp, "report_fields");
	if (top && !subset(top, report)) {
		char *a = print(top);
		MSG("~ report fields differ from %s\n", a);
		free(a);
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(exp, "summary");
	if (sum && !subset(sum, cJSON_GetObjectItemCaseSensitive(report, "summary"))) {
		char *a = print(sum);
		char *b = print(cJSON_GetObjectItemCaseSensitive(report, "summary"));
		MSG("~ report summary %s, expected %s\n", b, a);
		free(a);
		free(b);
	}
	*msgp = msg;
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
		cJSON *o = *line ? cJSON_Parse(line) : NULL;
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
		cJSON_ArrayForEach(it, prev) found = found || subset(w, it);
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

static bool has_arg(const char *const *args, size_t n, const char *a)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(args[i], a))
			return true;
	return false;
}

static void scenario_test(void **state)
{
	const char *dir = *state;
	char *msg = NULL;
	char err[2048], sub[2][PATH_MAX];
	ch_env e;
	bool started = false;
	cJSON *journals[2] = {NULL, NULL}, *report = NULL, *dry = NULL;
	cJSON *sc = load_json(dir, "scenario.json", &msg);
	cJSON *pair = load_json(dir, "pair.json", &msg);
	const char **args = NULL;
	const cJSON *env = NULL;
	size_t nargs = 0;
	if (!sc || !pair)
		goto done;

	static const char *const top[] = {"rules",  "description",   "args",       "sessions",
					  "faults", "dry_run_check", "expect",     "comment",
					  "human",  "env",           "stderr_tty", NULL};
	static const char *const ekeys[] = {"exit_code",
					    "writes",
					    "order",
					    "requests",
					    "userdata",
					    "report",
					    "report_absent",
					    "report_fields",
					    "summary",
					    "journal",
					    "second_run_writes_nothing",
					    "second_run_exit_code",
					    "stderr",
					    "stdout",
					    "stdout_absent",
					    "stderr_absent",
					    NULL};
	check_keys(sc, top, "", &msg);
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(sc, "rules"), *r;
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(sc, "description");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(sc, "expect");
	if (!cJSON_IsArray(rules) || !cJSON_GetArraySize(rules))
		MSG("scenario.json: \"rules\" must be a non-empty list\n");
	cJSON_ArrayForEach(r, rules)
	{
		if (!cJSON_IsString(r) || !is_rule(r->valuestring)) {
			char *t = print(r);
			MSG("scenario.json: rule %s is not a rule of SPEC.md "
			    "(docs/SPEC-RULES.md)\n",
			    t);
			free(t);
		}
	}
	if (!cJSON_IsString(desc) || !*desc->valuestring)
		MSG("scenario.json: \"description\" must say what the scenario proves\n");
	if (!cJSON_IsObject(exp)) {
		MSG("scenario.json: \"expect\" is missing\n");
		goto done;
	}
	check_keys(exp, ekeys, "expect.", &msg);
	const cJSON *exit_code = cJSON_GetObjectItemCaseSensitive(exp, "exit_code");
	const cJSON *second = cJSON_GetObjectItemCaseSensitive(exp, "second_run_writes_nothing");
	if (!cJSON_IsNumber(exit_code))
		MSG("scenario.json: expect.exit_code is required\n");
	if (!cJSON_IsBool(second))
		MSG("scenario.json: expect.second_run_writes_nothing (true/false) is required\n");
	const cJSON *writes = cJSON_GetObjectItemCaseSensitive(exp, "writes");
	if (!cJSON_IsObject(writes))
		MSG("scenario.json: expect.writes is required ({} = no write on either side)\n");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(sc, "args");
	args = calloc((size_t)cJSON_GetArraySize(a) + 3, sizeof(*args));
	if (!args)
		fail_msg("out of memory");
	cJSON_ArrayForEach(r, a)
	{
		if (!cJSON_IsString(r) || !strcmp(r->valuestring, "--config") ||
		    !strcmp(r->valuestring, "--journal") || !strcmp(r->valuestring, "--json")) {
			MSG("scenario.json: args: strings, without --config/--journal/--json (the "
			    "runner gives them)\n");
			continue;
		}
		args[nargs++] = r->valuestring;
	}
	if (msg)
		goto done;

	/* Start both servers as the fixtures say. */
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(pair, "source");
	const cJSON *pd = cJSON_GetObjectItemCaseSensitive(pair, "destination");
	const cJSON *us = cJSON_GetObjectItemCaseSensitive(ps, "user_id");
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(pd, "user_id");
	snprintf(sub[0], sizeof(sub[0]), "%s/source", dir);
	snprintf(sub[1], sizeof(sub[1]), "%s/destination", dir);
	if (ch_start(&e, sub[0], sub[1], cJSON_IsString(us) ? us->valuestring : NULL,
		     cJSON_IsString(ud) ? ud->valuestring : NULL, err, sizeof(err)) != 0) {
		MSG("%s\n", err);
		goto done;
	}
	started = true;
	if (ch_write_pair(&e, pair, err, sizeof(err)) != 0) {
		MSG("%s\n", err);
		goto done;
	}
	const cJSON *sess = cJSON_GetObjectItemCaseSensitive(sc, "sessions"), *x;
	cJSON_ArrayForEach(x, sess)
	{
		int s = side_of(x->string);
		if (s < 0 || !cJSON_IsString(x) ||
		    mock_emby_set_playing(e.side[s].m, e.side[s].user, x->valuestring) != 0)
			MSG("scenario.json: sessions: {\"source\"|\"destination\": \"<item id>\"} "
			    "naming an item of that server\n");
	}
	env = cJSON_GetObjectItemCaseSensitive(sc, "env");
	cJSON_ArrayForEach(x, env)
	{
		if (!cJSON_IsString(x) || strstr(x->string, "TOKEN"))
			MSG("scenario.json: env: {\"NAME\": \"value\"} strings (no tokens)\n");
		else
			setenv(x->string, x->valuestring, 1);
	}
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(sc, "faults");
	cJSON_ArrayForEach(x, faults)
	{
		int s = side_of(x->string);
		char *t = cJSON_PrintUnformatted(x);
		if (s < 0 || !t || mock_emby_add_faults(e.side[s].m, t) != 0)
			MSG("scenario.json: faults.%s is not a valid fault list\n", x->string);
		cJSON_free(t);
	}
	if (msg)
		goto done;

	/* APPLY-08 in every scenario where it can be compared: a dry run first
	 * sends no write, and plans what the real run then does. */
	bool human = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc, "human"));
	e.err_tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc, "stderr_tty"));
	size_t nrun = nargs;
	if (!human)
		args[nrun++] = "--json";
	const cJSON *drc = cJSON_GetObjectItemCaseSensitive(sc, "dry_run_check");
	bool dry_check = cJSON_IsBool(drc)
			     ? cJSON_IsTrue(drc)
			     : !human && !faults && !has_arg(args, nargs, "--dry-run") &&
				   !has_arg(args, nargs, "-n");
	if (dry_check && human)
		MSG("scenario.json: dry_run_check needs the JSON report (not \"human\")\n");
	if (dry_check && !human) {
		args[nrun] = "--dry-run";
		ch_sync(&e, args, nrun + 1);
		dry = ch_report(&e);
		for (int s = 0; s < 2; s++) {
			cJSON *j = ch_journal(e.side[s].m);
			if (ch_count_writes(j))
				MSG("+ %s: the dry run sent %zu write(s) (APPLY-08)\n",
				    ch_side_name[s], ch_count_writes(j));
			cJSON_Delete(j);
			mock_emby_journal_clear(e.side[s].m);
		}
		if (e.rc != exit_code->valueint && exit_code->valueint != 1)
			MSG("~ the dry run exited %d, the real run is expected to exit %d\n", e.rc,
			    exit_code->valueint);
	}

	/* The run. */
	ch_sync(&e, args, nrun);
	for (int s = 0; s < 2; s++)
		journals[s] = ch_journal(e.side[s].m);
	if (!journals[0] || !journals[1]) {
		MSG("cannot read the mocks' request journals\n");
		goto done;
	}
	if (getenv("CWP_SCENARIO_VERBOSE"))
		dump_journals(journals);
	if (e.rc != exit_code->valueint)
		MSG("~ exit status %d, expected %d\n", e.rc, exit_code->valueint);
	for (int s = 0; s < 2; s++) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(writes, ch_side_name[s]);
		check_writes(&e, s, journals[s], w, &msg);
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(exp, "order"), ch_side_name[s]);
		if (seq)
			check_order(&e, s, journals[s], seq, &msg);
	}
	cJSON_ArrayForEach(x, writes)
	{
		if (side_of(x->string) < 0)
			MSG("scenario.json: expect.writes: unknown side %s\n", x->string);
	}
	check_requests(&e, journals, cJSON_GetObjectItemCaseSensitive(exp, "requests"), &msg);
	check_userdata(&e, cJSON_GetObjectItemCaseSensitive(exp, "userdata"), &msg);
	report = ch_report(&e);
	bool wants_report = cJSON_GetObjectItemCaseSensitive(exp, "report") ||
			    cJSON_GetObjectItemCaseSensitive(exp, "report_absent") ||
			    cJSON_GetObjectItemCaseSensitive(exp, "report_fields") ||
			    cJSON_GetObjectItemCaseSensitive(exp, "summary");
	if (wants_report && !report)
		MSG("~ stdout is not a JSON report\n");
	else if (report)
		check_report(report, exp, &msg);
	const cJSON *jw = cJSON_GetObjectItemCaseSensitive(exp, "journal");
	if (jw)
		check_journal(&e, jw, &msg);
	const cJSON *se = cJSON_GetObjectItemCaseSensitive(exp, "stderr");
	cJSON_ArrayForEach(x, se)
	{
		if (cJSON_IsString(x) && !strstr(e.err ? e.err : "", x->valuestring))
			MSG("- stderr does not say \"%s\"\n", x->valuestring);
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(exp, "stdout"))
	{
		if (cJSON_IsString(x) && !strstr(e.out ? e.out : "", x->valuestring))
			MSG("- stdout does not say \"%s\"\n", x->valuestring);
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(exp, "stderr_absent"))
	{
		if (cJSON_IsString(x) && strstr(e.err ? e.err : "", x->valuestring))
			MSG("+ stderr says \"%s\"\n", x->valuestring);
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(exp, "stdout_absent"))
	{
		if (cJSON_IsString(x) && strstr(e.out ? e.out : "", x->valuestring))
			MSG("+ stdout says \"%s\"\n", x->valuestring);
	}
	if (dry_check && report) {
		char why[2048];
		if (!ch_same_plan(dry, report, why, sizeof(why)))
			MSG("~ dry run and real run differ (APPLY-08): %s\n", why);
	}

	/* CLI-04 in every scenario: no token in any output, journal or request. */
	char *jtext = ch_slurp(e.journal);
	char *mj[2] = {mock_emby_journal_json(e.side[0].m), mock_emby_journal_json(e.side[1].m)};
	if (ch_has_token(&e, e.out) || ch_has_token(&e, e.err) || ch_has_token(&e, jtext) ||
	    ch_has_token(&e, mj[0]) || ch_has_token(&e, mj[1]))
		MSG("+ a token appears in the output, the journal or a request journal (CLI-04)\n");
	free(jtext);
	mock_emby_free(mj[0]);
	mock_emby_free(mj[1]);

	/* APPLY-07: an immediate second run (same servers, same faults). */
	if (cJSON_IsTrue(second)) {
		/* The first run's output stays the one shown on failure. */
		char *out1 = e.out;
		size_t before = msg ? strlen(msg) : 0;
		e.out = NULL;
		for (int s = 0; s < 2; s++)
			mock_emby_journal_clear(e.side[s].m);
		ch_sync(&e, args, nrun);
		for (int s = 0; s < 2; s++) {
			cJSON *j = ch_journal(e.side[s].m);
			const cJSON *en;
			cJSON_ArrayForEach(en, j)
			{
				if (ch_is_write(en))
					MSG("+ %s: the second run sent %s %s (APPLY-07)\n",
					    ch_side_name[s],
					    cJSON_GetObjectItemCaseSensitive(en, "method")
						->valuestring,
					    ch_entry_path(en));
			}
			cJSON_Delete(j);
		}
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(exp, "second_run_exit_code");
		int want = cJSON_IsNumber(src) ? src->valueint : exit_code->valueint == 0 ? 0 : -1;
		if (want >= 0 && e.rc != want)
			MSG("~ the second run exited %d, expected %d\n", e.rc, want);
		if ((msg ? strlen(msg) : 0) > before)
			MSG("--- the second run's stdout\n%.1500s\n", e.out ? e.out : "");
		free(e.out);
		e.out = out1;
	}

done:
	if (msg) {
		const char *out = started && e.out ? e.out : "";
		const char *er = started && e.err ? e.err : "";
		const cJSON *rl = cJSON_GetObjectItemCaseSensitive(sc, "rules");
		const cJSON *ds = cJSON_GetObjectItemCaseSensitive(sc, "description");
		char *rt = print(rl);
		fprintf(stderr,
			"scenario %s\n  rules: %s\n  %s\n%s--- stdout (first 3000 bytes)\n%.3000s\n"
			"--- stderr\n%.2000s\n",
			dir, rt, cJSON_IsString(ds) ? ds->valuestring : "", msg, out, er);
		free(rt);
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, env) unsetenv(v->string);
	free(args);
	cJSON_Delete(journals[0]);
	cJSON_Delete(journals[1]);
	cJSON_Delete(report);
	cJSON_Delete(dry);
	cJSON_Delete(sc);
	cJSON_Delete(pair);
	if (started)
		ch_stop(&e);
	if (msg) {
		free(msg);
		fail_msg("scenario %s failed", dir);
	}
}

/* ---- the catalogue check ----------------------------------------------------- */

/* Scenario folders (those with a scenario.json), sorted. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_scenarios(char ***out)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/conformance/scenarios", source_dir());
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[PATH_MAX * 2];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/scenario.json", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		size_t l = strlen(dir) + strlen(de->d_name) + 2;
		if (!(v[n] = malloc(l)))
			break;
		snprintf(v[n++], l, "%s/%s", dir, de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	return n;
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
		cJSON *sc = load_json(dirs[i], "scenario.json", &msg);
		rules[i] = cJSON_DetachItemFromObjectCaseSensitive(sc, "rules");
		cJSON_Delete(sc);
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
	static const char *const test_dirs[] = {
	    "core/tests", "cli", "emby_client/tests", "mock_emby/tests", "conformance", NULL};
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
