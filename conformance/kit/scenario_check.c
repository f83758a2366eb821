/* Comparing what a run left on the servers with a step's expectations (see
 * scenario.h and conformance/scenarios/README.md). */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scenario.h"
#include "cwp/json.h"

#define MSG(...) cwp_scenario_appendf(msg, __VA_ARGS__)

cJSON *cwp_scenario_journal(mock_emby *m)
{
	char *s = mock_emby_journal_json(m);
	cJSON *j = s ? cwp_json_parse_str(s) : NULL;
	mock_emby_free(s);
	return j;
}

const char *cwp_scenario_entry_path(const cJSON *entry)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(entry, "path");
	if (!cJSON_IsString(p))
		return "";
	const char *s = p->valuestring;
	return strncasecmp(s, "/emby/", 6) ? s : s + 5;
}

bool cwp_scenario_is_write(const cJSON *entry)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(entry, "method");
	return cJSON_IsString(m) && strcasecmp(m->valuestring, "GET") &&
	       strcasecmp(m->valuestring, "HEAD");
}

bool cwp_scenario_route_match(const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;
	for (;;) {
		if (*p != '/' || *s != '/')
			return *p == '\0' && *s == '\0';
		p++;
		s++;
		size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
		if (!(pl == 1 && *p == '*') && (pl != sl || strncasecmp(p, s, pl)))
			return false;
		if (pl == 1 && *p == '*' && sl == 0)
			return false;
		p += pl;
		s += sl;
	}
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int int_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static int side_of(const char *name)
{
	for (int s = 0; s < 2; s++)
		if (!strcmp(name, cwp_scenario_side_name[s]))
			return s;
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
bool cwp_scenario_subset(const cJSON *want, const cJSON *got)
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
			if (!cwp_scenario_subset(w, g))
				return false;
		} else if (!g || !cJSON_Compare(w, g, true)) {
			return false;
		}
	}
	return true;
}

/* Whether a journal entry is the write `w` asks for (path already expanded). */
static bool write_matches(const cJSON *en, const cJSON *w, const char *path)
{
	const cJSON *wb = cJSON_GetObjectItemCaseSensitive(w, "body");
	const cJSON *ws = cJSON_GetObjectItemCaseSensitive(w, "status");
	if (strcasecmp(str_of(en, "method"), str_of(w, "method")) ||
	    strcmp(cwp_scenario_entry_path(en), path))
		return false;
	if (cJSON_IsNumber(ws) && int_of(en, "status") != ws->valueint)
		return false;
	const char *text = str_of(en, "body");
	cJSON *body = *text ? cwp_json_parse_str(text) : NULL;
	bool bad = *text && !body;
	bool same =
	    wb && !cJSON_IsNull(wb) ? body && cJSON_Compare(body, wb, true) : !*text && !bad;
	cJSON_Delete(body);
	return same;
}

/* The exact multiset of write requests of one side. */
static void check_writes(const cwp_scenario_run *run, int s, const cJSON *want, char **msg)
{
	const char *side = cwp_scenario_side_name[s];
	const cJSON *journal = run->journal[s];
	int nj = cJSON_GetArraySize(journal);
	bool *used = calloc((size_t)(nj > 0 ? nj : 1), sizeof(*used));
	const cJSON *w;
	if (!used) {
		MSG("out of memory\n");
		return;
	}
	cJSON_ArrayForEach(w, want)
	{
		if (!*str_of(w, "method") || !*str_of(w, "path")) {
			MSG("scenario.json: expect.writes.%s: each write needs method and path\n",
			    side);
			continue;
		}
		char path[1024];
		expand_user(path, sizeof(path), str_of(w, "path"), run->user[s]);
		bool found = false;
		for (int i = 0; i < nj && !found; i++) {
			const cJSON *en = cJSON_GetArrayItem(journal, i);
			if (!used[i] && cwp_scenario_is_write(en) && write_matches(en, w, path))
				used[i] = found = true;
		}
		if (!found) {
			char *b = print(cJSON_GetObjectItemCaseSensitive(w, "body"));
			MSG("- %s: expected %s %s %s, not sent\n", side, str_of(w, "method"), path,
			    b);
			free(b);
		}
	}
	for (int i = 0; i < nj; i++) {
		const cJSON *en = cJSON_GetArrayItem(journal, i);
		if (!used[i] && cwp_scenario_is_write(en))
			MSG("+ %s: unexpected %s %s %s (status %d)\n", side, str_of(en, "method"),
			    cwp_scenario_entry_path(en), str_of(en, "body"), int_of(en, "status"));
	}
	free(used);
}

/* "METHOD /path" requests that must come in this relative order. */
static void check_order(const cwp_scenario_run *run, int s, const cJSON *seq, char **msg)
{
	const cJSON *journal = run->journal[s];
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
		expand_user(path, sizeof(path), want, run->user[s]);
		int i = from;
		for (; i < nj; i++) {
			const cJSON *en = cJSON_GetArrayItem(journal, i);
			if (!strcasecmp(str_of(en, "method"), method) &&
			    !strcmp(cwp_scenario_entry_path(en), path))
				break;
		}
		if (i == nj) {
			MSG("- %s: order: %s %s not found after the previous step\n",
			    cwp_scenario_side_name[s], method, path);
			break;
		}
		from = i + 1;
	}
}

/* How many requests of a journal match {"method", "route", "query"}. */
static int count_matching(const cJSON *journal, const cJSON *r, const char *route)
{
	const cJSON *me = cJSON_GetObjectItemCaseSensitive(r, "method");
	const cJSON *qu = cJSON_GetObjectItemCaseSensitive(r, "query");
	int n = 0;
	const cJSON *en;
	cJSON_ArrayForEach(en, journal)
	{
		if (cJSON_IsString(me) && strcasecmp(str_of(en, "method"), me->valuestring))
			continue;
		if (*route && !cwp_scenario_route_match(route, cwp_scenario_entry_path(en)))
			continue;
		if (cJSON_IsString(qu) && !strcasestr(str_of(en, "query"), qu->valuestring))
			continue;
		n++;
	}
	return n;
}

/* Counts of requests: {"side", "method", "route", "query", "count"|"min"|"max"}. */
static void check_requests(const cwp_scenario_run *run, const cJSON *list, char **msg)
{
	static const char *const keys[] = {"side", "method", "route", "query", "count",
					   "min",  "max",    "why",   NULL};
	const cJSON *r;
	cJSON_ArrayForEach(r, list)
	{
		const cJSON *k;
		cJSON_ArrayForEach(k, r)
		{
			size_t i = 0;
			while (keys[i] && strcmp(keys[i], k->string))
				i++;
			if (!keys[i])
				MSG("scenario.json: unknown key expect.requests[].%s\n", k->string);
		}
		const cJSON *ro = cJSON_GetObjectItemCaseSensitive(r, "route");
		const cJSON *cn = cJSON_GetObjectItemCaseSensitive(r, "count");
		const cJSON *mi = cJSON_GetObjectItemCaseSensitive(r, "min");
		const cJSON *ma = cJSON_GetObjectItemCaseSensitive(r, "max");
		int s = side_of(str_of(r, "side"));
		if (s < 0 || (!cJSON_IsNumber(cn) && !cJSON_IsNumber(mi) && !cJSON_IsNumber(ma))) {
			MSG("scenario.json: expect.requests: each needs a side and count, min or "
			    "max\n");
			continue;
		}
		char route[1024] = "";
		if (cJSON_IsString(ro))
			expand_user(route, sizeof(route), ro->valuestring, run->user[s]);
		int n = count_matching(run->journal[s], r, route);
		bool ok = (!cJSON_IsNumber(cn) || n == cn->valueint) &&
			  (!cJSON_IsNumber(mi) || n >= mi->valueint) &&
			  (!cJSON_IsNumber(ma) || n <= ma->valueint);
		if (!ok) {
			char *t = print(r);
			MSG("~ %s: %d request(s) match %s\n", cwp_scenario_side_name[s], n, t);
			free(t);
		}
	}
}

static void check_userdata(const cwp_scenario_run *run, const cJSON *want, char **msg)
{
	const cJSON *sd;
	cJSON_ArrayForEach(sd, want)
	{
		int s = side_of(sd->string);
		if (s < 0) {
			MSG("scenario.json: expect.userdata: unknown side %s\n", sd->string);
			continue;
		}
		char *text = mock_emby_userdata_json(run->m[s], run->user[s]);
		cJSON *have = text ? cwp_json_parse_str(text) : NULL;
		mock_emby_free(text);
		const cJSON *item;
		cJSON_ArrayForEach(item, sd)
		{
			const cJSON *got = cJSON_GetObjectItemCaseSensitive(have, item->string);
			if (!cwp_scenario_subset(item, got)) {
				char *a = print(item), *b = print(got);
				MSG("~ %s user data of item %s: %s, expected %s\n", sd->string,
				    item->string, b, a);
				free(a);
				free(b);
			}
		}
		cJSON_Delete(have);
	}
}

static void check_report(const cJSON *report, const cJSON *exp, char **msg)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(report, "items");
	const cJSON *w, *it;
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(exp, "report"))
	{
		bool found = false;
		cJSON_ArrayForEach(it, items) found = found || cwp_scenario_subset(w, it);
		if (!found) {
			char *t = print(w);
			MSG("- report: no item matches %s\n", t);
			free(t);
		}
	}
	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(exp, "report_absent"))
	{
		cJSON_ArrayForEach(it, items)
		{
			if (cwp_scenario_subset(w, it)) {
				char *t = print(it);
				MSG("+ report: unexpected item %s\n", t);
				free(t);
			}
		}
	}
	const cJSON *top = cJSON_GetObjectItemCaseSensitive(exp, "report_fields");
	if (top && !cwp_scenario_subset(top, report)) {
		char *a = print(top);
		MSG("~ report fields differ from %s\n", a);
		free(a);
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(exp, "summary");
	if (sum && !cwp_scenario_subset(sum, cJSON_GetObjectItemCaseSensitive(report, "summary"))) {
		char *a = print(sum);
		char *b = print(cJSON_GetObjectItemCaseSensitive(report, "summary"));
		MSG("~ report summary %s, expected %s\n", b, a);
		free(a);
		free(b);
	}
}

static bool wants_report(const cJSON *exp)
{
	static const char *const keys[] = {"report", "report_absent", "report_fields", "summary",
					   NULL};
	for (size_t i = 0; keys[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(exp, keys[i]))
			return true;
	return false;
}

/* Substrings that must (not) appear in stdout and stderr. */
static void check_output(const cwp_scenario_run *run, const cJSON *exp, char **msg)
{
	static const struct {
		const char *key, *stream;
		bool absent;
	} lists[] = {{"stdout", "stdout", false},
		     {"stderr", "stderr", false},
		     {"stdout_absent", "stdout", true},
		     {"stderr_absent", "stderr", true}};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const char *text = lists[l].stream[3] == 'o' ? run->out : run->err;
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(exp, lists[l].key))
		{
			if (!cJSON_IsString(x))
				continue;
			bool has = strstr(text ? text : "", x->valuestring) != NULL;
			if (has == lists[l].absent)
				MSG("%s %s %s \"%s\"\n", lists[l].absent ? "+" : "-",
				    lists[l].stream, lists[l].absent ? "says" : "does not say",
				    x->valuestring);
		}
	}
}

void cwp_scenario_check(const cwp_scenario_step *st, const cwp_scenario_run *run, unsigned what,
			char **msg)
{
	const cJSON *exp = st->expect;
	const cJSON *writes = cJSON_GetObjectItemCaseSensitive(exp, "writes");
	const cJSON *order = cJSON_GetObjectItemCaseSensitive(exp, "order");
	int want_rc = int_of(exp, "exit_code");
	if ((what & CWP_SCN_CHECK_EXIT) && run->rc != want_rc)
		MSG("~ exit status %d, expected %d\n", run->rc, want_rc);
	for (int s = 0; s < 2; s++) {
		const char *side = cwp_scenario_side_name[s];
		check_writes(run, s, cJSON_GetObjectItemCaseSensitive(writes, side), msg);
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(order, side);
		if (seq)
			check_order(run, s, seq, msg);
	}
	check_requests(run, cJSON_GetObjectItemCaseSensitive(exp, "requests"), msg);
	check_userdata(run, cJSON_GetObjectItemCaseSensitive(exp, "userdata"), msg);
	if ((what & CWP_SCN_CHECK_REPORT) && wants_report(exp) && !run->report)
		MSG("~ stdout is not a JSON report\n");
	else if ((what & CWP_SCN_CHECK_REPORT) && run->report)
		check_report(run->report, exp, msg);
	if (what & CWP_SCN_CHECK_OUTPUT)
		check_output(run, exp, msg);
}

size_t cwp_scenario_check_no_writes(cJSON *const journal[2], const char *what, const char *rule,
				    char **msg)
{
	size_t n = 0;
	for (int s = 0; s < 2; s++) {
		const cJSON *en;
		cJSON_ArrayForEach(en, journal[s])
		{
			if (!cwp_scenario_is_write(en))
				continue;
			n++;
			MSG("+ %s: %s sent %s %s (%s)\n", cwp_scenario_side_name[s], what,
			    str_of(en, "method"), cwp_scenario_entry_path(en), rule);
		}
	}
	return n;
}

int cwp_scenario_second_exit_code(const cwp_scenario_step *st)
{
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(st->expect, "second_run_exit_code");
	if (cJSON_IsNumber(src))
		return src->valueint;
	return int_of(st->expect, "exit_code") == 0 ? 0 : -1;
}
