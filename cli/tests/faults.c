/* The fault matrix of issue 8 (docs/RELIABILITY.md): every phase of a sync x
 * every fault the mock can inject, driven by conformance/faults/matrix.json.
 * Each applicable cell is its own CTest entry `faults.<phase>.<fault>`:
 *
 *   1. a clean run on fresh mocks (calibration, once per process) gives the
 *      request sequence of every phase and the final user data a run must
 *      reach;
 *   2. on fresh mocks, the cell's fault is put on the phase's request (the
 *      n-th request of that method and route, as the calibration counted);
 *   3. the run's exit status and report must show the cell's outcome;
 *   4. in every cell and every run: no write the rules did not plan, no clear
 *      they did not allow, no regression, nothing written at or past
 *      max_percent, the source untouched (one-way), and the journal holds
 *      the previous value of every item a write reached, equal to the
 *      user data before the run;
 *   5. faults cleared, a rerun reaches the clean run's final user data and a
 *      further run writes nothing (APPLY-07).
 *
 *   e2e_faults <phase>.<fault>   one cell
 *   e2e_faults --all             every cell, then a Markdown table + totals
 *   e2e_faults --check           the matrix is complete (every phase x fault)
 *   e2e_faults --selftest        the invariant checker catches broken runs
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "e2e_support.h"
#include "pair.h"
#include "sync.h"

#define MAX_PHASES 16
#define MAX_FAULTS 32

typedef struct fx_phase {
	const char *name, *side, *method, *route, *failed_phase, *what;
	const cJSON *query; /* substrings the phase's requests have */
} fx_phase;

typedef struct fx_fault {
	const char *name, *what;
	const cJSON *spec;
	int at;    /* which request of the phase (1-based) */
	int times; /* how many matching requests it hits; -1: every attempt */
	long min_elapsed_ms;
} fx_fault;

typedef struct fx_cell {
	char id[96];
	const fx_phase *p;
	const fx_fault *f;
	const char *expect, *why;
	bool warning; /* no_clear: a warning is expected (default) */
	/* results, for --all */
	bool ran, passed;
	size_t fired, writes;
	int rc;
} fx_cell;

static struct {
	cJSON *root;
	fx_phase phases[MAX_PHASES];
	size_t n_phases;
	fx_fault faults[MAX_FAULTS];
	size_t n_faults;
	fx_cell *cells;
	size_t n_cells;
	const char *src_fixture, *dst_fixture;
	char progress[512];
	char endpoint[1024]; /* members of each endpoint, without braces */
	int max_attempts;
	double max_percent;
	int time_scale;
} M;

/* Totals over the cells run in this process (docs/RELIABILITY.md). */
static struct {
	size_t cells, faults_fired, runs, writes_checked, journal_checked, lost;
} T;

/* ---- the matrix ---------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int time_scale(void)
{
	const char *v = getenv("CWP_TIME_SCALE");
	char *end = NULL;
	long n = v && *v ? strtol(v, &end, 10) : 1;
	return v && *v && (*end || n < 1 || n > 100) ? 1 : (int)n;
}

static void matrix_load(void)
{
	if (M.root)
		return;
	char path[PATH_MAX];
	const char *src = getenv("CWP_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/conformance/faults/matrix.json",
		 src && *src ? src : CWP_SOURCE_DIR);
	char *text = e2e_slurp(path);
	M.root = cwp_json_parse_str(text);
	free(text);
	if (!M.root)
		fail_msg("%s: missing or not JSON", path);
	const cJSON *sc = cJSON_GetObjectItemCaseSensitive(M.root, "scenario");
	M.src_fixture = str_of(sc, "source");
	M.dst_fixture = str_of(sc, "destination");
	assert_non_null(M.src_fixture);
	assert_non_null(M.dst_fixture);
	char *p = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(sc, "progress"));
	assert_non_null(p);
	snprintf(M.progress, sizeof(M.progress), "%s", p);
	cJSON_free(p);
	cJSON *ep = cJSON_GetObjectItemCaseSensitive(sc, "endpoint");
	/* Slow runs (valgrind: .ci/run sets CWP_TIME_SCALE) stretch every
	 * timeout and delay alike, so the cells mean the same there. */
	M.time_scale = time_scale();
	const char *const timed[] = {"timeout_ms", "connect_timeout_ms"};
	for (size_t i = 0; i < 2; i++) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(ep, timed[i]);
		if (cJSON_IsNumber(t))
			cJSON_SetNumberValue(t, t->valuedouble * M.time_scale);
	}
	char *e = cJSON_PrintUnformatted(ep);
	assert_non_null(e);
	size_t n = strlen(e);
	assert_true(n >= 2 && e[0] == '{' && e[n - 1] == '}');
	snprintf(M.endpoint, sizeof(M.endpoint), "%.*s", (int)(n - 2), e + 1);
	cJSON_free(e);
	const cJSON *ma = cJSON_GetObjectItemCaseSensitive(ep, "max_attempts");
	M.max_attempts = cJSON_IsNumber(ma) ? ma->valueint : 3;
	const cJSON *mp = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(sc, "progress"), "max_percent");
	M.max_percent = cJSON_IsNumber(mp) ? mp->valuedouble : 95.0;

	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(M.root, "phases"))
	{
		assert_true(M.n_phases < MAX_PHASES);
		fx_phase *ph = &M.phases[M.n_phases++];
		ph->name = str_of(it, "name");
		ph->side = str_of(it, "side");
		ph->method = str_of(it, "method");
		ph->route = str_of(it, "route");
		ph->failed_phase = str_of(it, "failed_phase");
		ph->what = str_of(it, "what");
		ph->query = cJSON_GetObjectItemCaseSensitive(it, "query");
		if (!ph->name || !ph->side || !ph->method || !ph->route ||
		    !cJSON_IsArray(ph->query))
			fail_msg("matrix.json: phase %zu lacks name/side/method/route/query",
				 M.n_phases);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(M.root, "faults"))
	{
		assert_true(M.n_faults < MAX_FAULTS);
		fx_fault *f = &M.faults[M.n_faults++];
		f->name = str_of(it, "name");
		f->what = str_of(it, "what");
		f->spec = cJSON_GetObjectItemCaseSensitive(it, "fault");
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(it, "at");
		const cJSON *times = cJSON_GetObjectItemCaseSensitive(it, "times");
		const cJSON *me = cJSON_GetObjectItemCaseSensitive(it, "min_elapsed_ms");
		f->at = cJSON_IsNumber(at) ? at->valueint : 1;
		f->times = cJSON_IsNumber(times) ? times->valueint : -1;
		f->min_elapsed_ms = cJSON_IsNumber(me) ? (long)me->valuedouble : 0;
		if (!f->name || !cJSON_IsObject(f->spec) || f->at < 1)
			fail_msg("matrix.json: fault %zu lacks name/fault/at", M.n_faults);
	}
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(M.root, "cells");
	M.cells = calloc((size_t)cJSON_GetArraySize(cells) + 1, sizeof(*M.cells));
	assert_non_null(M.cells);
	cJSON_ArrayForEach(it, cells)
	{
		fx_cell *c = &M.cells[M.n_cells++];
		const char *pn = str_of(it, "phase"), *fn = str_of(it, "fault");
		c->expect = str_of(it, "expect");
		c->why = str_of(it, "why");
		c->warning = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it, "warning"));
		for (size_t i = 0; i < M.n_phases; i++)
			if (pn && !strcmp(pn, M.phases[i].name))
				c->p = &M.phases[i];
		for (size_t i = 0; i < M.n_faults; i++)
			if (fn && !strcmp(fn, M.faults[i].name))
				c->f = &M.faults[i];
		if (!c->p || !c->f || !c->expect)
			fail_msg("matrix.json: cell %zu (%s, %s) names an unknown phase or fault, "
				 "or has no expect",
				 M.n_cells, pn ? pn : "?", fn ? fn : "?");
		snprintf(c->id, sizeof(c->id), "%s.%s", c->p->name, c->f->name);
	}
}

/* ---- mock journals and user data ------------------------------------------ */

/* A path matches a route pattern: `*` is one segment, case-insensitive. */
static bool route_match(const char *pattern, const char *path)
{
	if (!strncmp(path, "/emby/", 6))
		path += 5;
	for (;;) {
		while (*pattern == '/')
			pattern++;
		while (*path == '/')
			path++;
		if (!*pattern || !*path)
			return !*pattern && !*path;
		size_t lp = strcspn(pattern, "/"), ls = strcspn(path, "/");
		if (!(lp == 1 && *pattern == '*') && (lp != ls || strncasecmp(pattern, path, lp)))
			return false;
		pattern += lp;
		path += ls;
	}
}

static cJSON *mock_journal(mock_emby *m)
{
	char *s = mock_emby_journal_json(m);
	assert_non_null(s);
	cJSON *j = cwp_json_parse_str(s);
	mock_emby_free(s);
	assert_non_null(j);
	return j;
}

static cJSON *userdata(mock_emby *m, const char *user)
{
	char *s = mock_emby_userdata_json(m, user);
	assert_non_null(s);
	cJSON *j = cwp_json_parse_str(s);
	mock_emby_free(s);
	assert_non_null(j);
	return j;
}

typedef struct ud_state {
	int64_t ticks;
	char date[64];
	bool played;
} ud_state;

static ud_state state_of(const cJSON *uds, const char *item)
{
	ud_state s = {0, "", false};
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(uds, item);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	if (cJSON_IsNumber(t))
		s.ticks = (int64_t)t->valuedouble;
	else if (cJSON_IsString(t)) {
		char *end = NULL;
		long long v = strtoll(t->valuestring, &end, 10);
		s.ticks = *t->valuestring && !*end ? v : -1; /* never what a mock stores */
	}
	const char *d = str_of(ud, "LastPlayedDate");
	snprintf(s.date, sizeof(s.date), "%s", d ? d : "");
	s.played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	return s;
}

static bool same_state(ud_state a, ud_state b)
{
	return a.ticks == b.ticks && a.played == b.played && !strcmp(a.date, b.date);
}

/* Every item id of either snapshot. */
static size_t item_ids(const cJSON *a, const cJSON *b, const char **ids, size_t cap)
{
	size_t n = 0;
	const cJSON *sets[2] = {a, b};
	for (int s = 0; s < 2; s++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, sets[s])
		{
			bool dup = false;
			for (size_t i = 0; i < n && !dup; i++)
				/* cppcheck-suppress uninitvar ; ids[0..n) are set below first */
				dup = !strcmp(ids[i], it->string);
			if (!dup && n < cap)
				ids[n++] = it->string;
		}
	}
	return n;
}

/* ---- calibration: a clean run -------------------------------------------- */

static const char *const users[2] = {E2E_SRC_USER, E2E_DST_USER};

static struct {
	bool done;
	cJSON *journal[2]; /* the mocks' request journals */
	cJSON *pre[2];     /* user data before */
	cJSON *final[2];   /* user data after: what every cell must converge to */
	cJSON *runtime;    /* destination item id -> RunTimeTicks */
} CAL;

static int side_index(const char *side)
{
	return !strcmp(side, "source") ? 0 : 1;
}

static void write_pair(e2e_env *e)
{
	char a[2][1400];
	snprintf(a[0], sizeof(a[0]), "\"token_env\": \"E2E_SRC_TOKEN\", %s", M.endpoint);
	snprintf(a[1], sizeof(a[1]), "\"token_env\": \"E2E_DST_TOKEN\", %s", M.endpoint);
	e2e_write_pair(e, M.progress, a[0], a[1]);
}

static void start(e2e_env *e)
{
	e2e_start(e, M.src_fixture, M.dst_fixture, M.progress);
	write_pair(e);
}

/* One sync of the pair file through the engine (cwp__sync_pair: the pair's
 * endpoints and knobs → two Emby providers → cwp_sync_run), no argv and no
 * printing; e->rc is its outcome (the exit status), e->err its error. */
static cwp_sync_result *run_sync(e2e_env *e, const char *journal)
{
	cwp__pair pair;
	cwp__creds creds[2];
	char err[1024] = "";
	memset(creds, 0, sizeof(creds));
	if (cwp__pair_load(&pair, e->pair, NULL, err, sizeof(err)) != 0)
		fail_msg("pair file: %s", err);
	for (int s = 0; s < 2; s++)
		if (cwp__endpoint_creds(&creds[s], &pair.side[s], err, sizeof(err)) != 0)
			fail_msg("credentials: %s", err);
	cwp__sync_opts o;
	cwp__sync_opts_for_pair(&o, &pair, creds);
	o.journal_path = journal;
	cwp_sync_result *rep = NULL;
	int rc = cwp__sync_pair(&rep, &o, err, sizeof(err));
	for (int s = 0; s < 2; s++)
		cwp__creds_free(&creds[s]);
	cwp__pair_free(&pair);
	T.runs++;
	if (rc != 0 || !rep)
		fail_msg("sync could not start: %s", err);
	const cwp_sync_summary *sum = cwp_sync_result_summary(rep);
	e->rc = (int)sum->outcome;
	free(e->err);
	e->err = strdup(sum->error);
	free(e->out);
	e->out = strdup("");
	return rep;
}

static void load_runtimes(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/cli/tests/fixtures/%s/items.json", CWP_SOURCE_DIR,
		 M.dst_fixture);
	char *text = e2e_slurp(path);
	cJSON *items = cwp_json_parse_str(text);
	free(text);
	assert_non_null(items);
	CAL.runtime = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(it, "RunTimeTicks");
		if (str_of(it, "Id") && cJSON_IsNumber(rt))
			cJSON_AddNumberToObject(CAL.runtime, str_of(it, "Id"), rt->valuedouble);
	}
	cJSON_Delete(items);
}

static void calibrate(void)
{
	if (CAL.done)
		return;
	e2e_env e;
	start(&e);
	for (int s = 0; s < 2; s++)
		CAL.pre[s] = userdata(s ? e.dst : e.src, users[s]);
	cwp_sync_result *rep = run_sync(&e, e.journal);
	if (e.rc != 0)
		fail_msg("calibration: the clean run exited %d\n%s", e.rc, e.err);
	cwp_sync_result_free(rep);
	CAL.journal[0] = mock_journal(e.src);
	CAL.journal[1] = mock_journal(e.dst);
	CAL.final[0] = userdata(e.src, users[0]);
	CAL.final[1] = userdata(e.dst, users[1]);
	e2e_stop(&e);
	load_runtimes();
	CAL.done = true;
}

/* The n-th (1-based) request of the phase, as its ordinal among the requests
 * of the same method and route on that server (what the mock's `nth`
 * counts), and its path. Phases with fewer requests use their last one. */
static int phase_ordinal(const fx_phase *p, int at, const char **path)
{
	int ord = 0, hit = 0, seen = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, CAL.journal[side_index(p->side)])
	{
		const char *m = str_of(e, "method"), *pa = str_of(e, "path"),
			   *q = str_of(e, "query");
		if (!m || !pa || strcasecmp(m, p->method) || !route_match(p->route, pa))
			continue;
		ord++;
		bool mine = true;
		const cJSON *sub;
		cJSON_ArrayForEach(sub, p->query)
		{
			mine = mine && cJSON_IsString(sub) && q && strstr(q, sub->valuestring);
		}
		if (!mine)
			continue;
		seen++;
		if (seen <= at) {
			hit = ord;
			*path = pa;
		}
	}
	if (!hit)
		fail_msg("phase %s: the clean run made no such request (%s %s)", p->name, p->method,
			 p->route);
	return hit;
}

/* The item id in a write's path (…/Items/{id}/UserData, …/PlayedItems/{id}). */
static void path_item(char *out, size_t sz, const char *path)
{
	const char *p = strstr(path, "/PlayedItems/");
	if (p)
		p += strlen("/PlayedItems/");
	else if ((p = strstr(path, "/Items/")) != NULL)
		p += strlen("/Items/");
	else
		p = "";
	snprintf(out, sz, "%.*s", (int)strcspn(p, "/"), p);
}

/* ---- invariants ------------------------------------------------------------ */

static cJSON *journal_lines(const char *path)
{
	cJSON *arr = cJSON_CreateArray();
	char *text = e2e_slurp(path);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *o = cwp_json_parse_str(line);
		if (!o)
			fail_msg("journal %s: a line is not JSON: %.200s", path, line);
		cJSON_AddItemToArray(arr, o);
	}
	free(text);
	return arr;
}

static const cJSON *journal_previous(const cJSON *lines, const char *side, const char *item)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, lines)
	{
		const char *en = str_of(l, "entry"), *sd = str_of(l, "side"),
			   *id = str_of(l, "item_id");
		if (en && !strcmp(en, "previous") && sd && !strcmp(sd, side) && id &&
		    !strcmp(id, item))
			return l;
	}
	return NULL;
}

static ud_state previous_state(const cJSON *entry)
{
	ud_state s = {0, "", false};
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(entry, "previous");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "PlaybackPositionTicks");
	s.ticks = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : -1;
	const char *d = str_of(p, "LastPlayedDate");
	snprintf(s.date, sizeof(s.date), "%s", d ? d : "");
	s.played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "Played"));
	return s;
}

/* Items the clean run unwatched first (APPLY-03): a failed write after a
 * successful unwatch leaves them unplayed at 0, which the journal records. */
static bool unwatched_in_clean_run(int side, const char *item)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, CAL.journal[side])
	{
		char id[64];
		const char *m = str_of(e, "method"), *pa = str_of(e, "path");
		if (!m || !pa || strcmp(m, "DELETE") || !route_match("/Users/*/PlayedItems/*", pa))
			continue;
		path_item(id, sizeof(id), pa);
		if (!strcmp(id, item))
			return true;
	}
	return false;
}

/* Broken invariants of a run: each one is a position at risk. They are
 * collected (so that the checker itself can be tested), then fail the cell. */
typedef struct violations {
	size_t n;
	char first[1024];
} violations;

static void lost(violations *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lost(violations *v, const char *fmt, ...)
{
	if (v->n++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->first, sizeof(v->first), fmt, ap);
		va_end(ap);
	}
}

/* The invariants of one run: pre and post are both sides' user data before
 * and after it, journal its journal file, the mocks' request journals hold
 * only this run's requests. */
static void check_run(violations *v, const char *what, cJSON *const pre[2], cJSON *const post[2],
		      const char *journal, mock_emby *const mocks[2], size_t *writes)
{
	static const char *const sides[2] = {"source", "destination"};
	cJSON *lines = journal_lines(journal);
	for (int s = 0; s < 2; s++) {
		const char *ids[256];
		size_t n = item_ids(pre[s], post[s], ids, 256);
		for (size_t i = 0; i < n; i++) {
			ud_state a = state_of(pre[s], ids[i]), b = state_of(post[s], ids[i]);
			ud_state want = state_of(CAL.final[s], ids[i]);
			if (same_state(a, b))
				continue;
			/* one-way: the source is only read */
			if (s == 0)
				lost(v, "%s source item %s changed (%lld -> %lld ticks)", what,
				     ids[i], (long long)a.ticks, (long long)b.ticks);
			bool unwatched = !b.played && b.ticks == 0 && a.played &&
					 unwatched_in_clean_run(s, ids[i]);
			/* no write the rules did not plan */
			if (!same_state(b, want) && !unwatched)
				lost(v,
				     "%s %s item %s: %lld ticks, played %d, date '%s': neither its "
				     "previous state nor the one the rules plan (%lld, %d, '%s')",
				     what, sides[s], ids[i], (long long)b.ticks, b.played, b.date,
				     (long long)want.ticks, want.played, want.date);
			/* no clear the rules did not allow */
			if (a.ticks > 0 && b.ticks == 0 && want.ticks != 0)
				lost(v,
				     "%s %s item %s was cleared (%lld ticks) without a rule "
				     "allowing it",
				     what, sides[s], ids[i], (long long)a.ticks);
			/* no regression beyond what the rules plan (source_newer, clear) */
			if (b.ticks < a.ticks && b.ticks != want.ticks)
				lost(v, "%s %s item %s regressed from %lld to %lld ticks", what,
				     sides[s], ids[i], (long long)a.ticks, (long long)b.ticks);
			/* nothing written at or past max_percent */
			const cJSON *rt = cJSON_GetObjectItemCaseSensitive(CAL.runtime, ids[i]);
			if (b.ticks > 0 && cJSON_IsNumber(rt) &&
			    (double)b.ticks >= rt->valuedouble * M.max_percent / 100.0)
				lost(
				    v,
				    "%s %s item %s written at %lld ticks, past max_percent %.1f of "
				    "%.0f",
				    what, sides[s], ids[i], (long long)b.ticks, M.max_percent,
				    rt->valuedouble);
			/* the journal holds what was overwritten */
			if (!journal_previous(lines, sides[s], ids[i]))
				lost(v,
				     "%s %s item %s changed but the journal has no previous value "
				     "for "
				     "it",
				     what, sides[s], ids[i]);
		}
		/* every write that reached the server was journaled first, with the
		 * value it overwrote */
		cJSON *rq = mock_journal(mocks[s]);
		const cJSON *e;
		cJSON_ArrayForEach(e, rq)
		{
			const char *m = str_of(e, "method"), *pa = str_of(e, "path");
			if (!m || !pa || (strcmp(m, "POST") && strcmp(m, "DELETE")))
				continue;
			char id[64];
			path_item(id, sizeof(id), pa);
			(*writes)++;
			T.writes_checked++;
			const cJSON *prev = journal_previous(lines, sides[s], id);
			if (!prev)
				lost(v, "%s %s %s reached the %s server without a journal entry",
				     what, m, pa, sides[s]);
		}
		cJSON_Delete(rq);
	}
	const cJSON *l;
	cJSON_ArrayForEach(l, lines)
	{
		const char *en = str_of(l, "entry"), *sd = str_of(l, "side"),
			   *id = str_of(l, "item_id");
		if (!en || strcmp(en, "previous"))
			continue;
		T.journal_checked++;
		int s = sd && !strcmp(sd, "source") ? 0 : 1;
		ud_state j = previous_state(l), a = state_of(pre[s], id ? id : "");
		if (!same_state(j, a))
			lost(v,
			     "%s journal: %s item %s previous %lld ticks, played %d, date '%s'; "
			     "the server held %lld, %d, '%s'",
			     what, sd ? sd : "?", id ? id : "?", (long long)j.ticks, j.played,
			     j.date, (long long)a.ticks, a.played, a.date);
	}
	cJSON_Delete(lines);
}

/* ---- one cell ---------------------------------------------------------------- */

static size_t count_faulted(mock_emby *m)
{
	cJSON *j = mock_journal(m);
	size_t n = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, j)
	{
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "fault")))
			n++;
	}
	cJSON_Delete(j);
	return n;
}

/* A delayed answer lands after the client gave up: wait for it (the mock
 * journals a request when its answer is ready), so that a late write cannot
 * race the next run. */
static void wait_for_delayed(mock_emby *m, size_t want)
{
	for (int i = 0; i < 1000 * M.time_scale && count_faulted(m) < want; i++) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static void expect_rc(const fx_cell *c, const e2e_env *e, int want)
{
	if (e->rc != want)
		fail_msg("%s (expect %s): exit %d, expected %d\nstdout: %.1500s\nstderr: %.800s",
			 c->id, c->expect, e->rc, want, e->out, e->err);
}

/* Every destination item as `want` holds it, except the `except` items
 * (checked by the caller). */
static void expect_dst(const fx_cell *c, cJSON *const post[2], const cJSON *want_set,
		       const char *how, const char *const *except, size_t n_except)
{
	const char *ids[256];
	size_t n = item_ids(want_set, post[1], ids, 256);
	for (size_t i = 0; i < n; i++) {
		bool ex = false;
		for (size_t k = 0; k < n_except && !ex; k++)
			ex = !strcmp(except[k], ids[i]);
		if (ex)
			continue;
		ud_state want = state_of(want_set, ids[i]);
		ud_state got = state_of(post[1], ids[i]);
		if (!same_state(want, got))
			fail_msg("%s: destination item %s holds %lld ticks, played %d, '%s'; "
				 "expected %lld, %d, '%s' (%s)",
				 c->id, ids[i], (long long)got.ticks, got.played, got.date,
				 (long long)want.ticks, want.played, want.date, how);
	}
}

static void run_cell(void **state)
{
	fx_cell *c = *state;
	calibrate();
	e2e_env e;
	start(&e);
	mock_emby *mocks[2] = {e.src, e.dst};
	int side = side_index(c->p->side);
	const char *path = NULL;
	int ord = phase_ordinal(c->p, c->f->at, &path);
	char item[64];
	path_item(item, sizeof(item), path);

	/* the fault, aimed at that request */
	cJSON *spec = cJSON_Duplicate(c->f->spec, 1);
	cJSON *delay = cJSON_GetObjectItemCaseSensitive(spec, "delay_ms");
	if (cJSON_IsNumber(delay))
		cJSON_SetNumberValue(delay, delay->valuedouble * M.time_scale);
	cJSON_AddStringToObject(spec, "method", c->p->method);
	cJSON_AddStringToObject(spec, "route", c->p->route);
	int times = c->f->times < 0 ? M.max_attempts : c->f->times;
	if (times == 1) {
		cJSON_AddNumberToObject(spec, "nth", ord);
	} else {
		cJSON_AddNumberToObject(spec, "from", ord);
		cJSON_AddNumberToObject(spec, "times", times);
	}
	char *spec_text = cJSON_PrintUnformatted(spec);
	cJSON_Delete(spec);
	if (mock_emby_add_faults(mocks[side], spec_text) != 0)
		fail_msg("%s: the mock refused the fault %s", c->id, spec_text);

	cJSON *pre[2] = {userdata(e.src, users[0]), userdata(e.dst, users[1])};
	char j1[PATH_MAX + 16], j2[PATH_MAX + 16], j3[PATH_MAX + 16];
	snprintf(j1, sizeof(j1), "%s/faulted.jsonl", e.dir);
	snprintf(j2, sizeof(j2), "%s/rerun.jsonl", e.dir);
	snprintf(j3, sizeof(j3), "%s/converged.jsonl", e.dir);

	/* the faulted run */
	cwp_sync_result *rep = run_sync(&e, j1);
	const cwp_sync_summary *sum = cwp_sync_result_summary(rep);
	if (!strcmp(str_of(c->f->spec, "kind"), "delay"))
		wait_for_delayed(mocks[side], 1);
	c->fired = count_faulted(mocks[side]);
	T.faults_fired += c->fired;
	if (c->fired == 0)
		fail_msg("%s: the fault %s never fired", c->id, spec_text);
	cJSON *post[2] = {userdata(e.src, users[0]), userdata(e.dst, users[1])};
	c->rc = e.rc;
	const char *ex = c->expect;
	bool late = !strcmp(ex, "retried_late");
	if (!strcmp(ex, "retried") || !strcmp(ex, "ok") || late) {
		expect_rc(c, &e, 0);
		const char *except[] = {item};
		expect_dst(c, post, CAL.final[1], "as a clean run leaves it", except, late);
		if (late) {
			/* the late request's effect, and nothing else */
			ud_state b = state_of(post[1], item);
			if (b.played || b.ticks != 0)
				fail_msg("%s: item %s: %lld ticks, played %d; expected the late "
					 "unwatch's 0, unplayed",
					 c->id, item, (long long)b.ticks, b.played);
		}
		size_t retries = sum->side[side_index(c->p->side)].retries;
		if (strcmp(ex, "ok") && retries < 1)
			fail_msg("%s: no retry counted on the %s", c->id, c->p->side);
		if (sum->elapsed_ms < c->f->min_elapsed_ms)
			fail_msg("%s: the run took %lld ms; Retry-After asked for %ld", c->id,
				 (long long)sum->elapsed_ms, c->f->min_elapsed_ms);
	} else if (!strcmp(ex, "abort")) {
		expect_rc(c, &e, 3);
		const char *fp = sum->failed_phase;
		if (!fp || !c->p->failed_phase || strcmp(fp, c->p->failed_phase))
			fail_msg("%s: failed_phase '%s', expected '%s'", c->id, fp ? fp : "",
				 c->p->failed_phase ? c->p->failed_phase : "");
		const char *err = sum->error;
		const char *label = side ? "dst" : "src";
		if (!err || strncmp(err, label, strlen(label)))
			fail_msg("%s: the error does not name the server '%s': %s", c->id, label,
				 err ? err : "");
		for (int s = 0; s < 2; s++)
			if (mock_emby_count(mocks[s], "POST", NULL) +
			    mock_emby_count(mocks[s], "DELETE", NULL))
				fail_msg("%s: an aborted run sent writes to the %s", c->id,
					 s ? "destination" : "source");
		char *jt = e2e_slurp(j1);
		if (strstr(jt, "\"previous\""))
			fail_msg("%s: an aborted run journaled writes", c->id);
		free(jt);
		expect_dst(c, post, pre[1], "untouched", NULL, 0);
	} else if (!strcmp(ex, "item_failed")) {
		expect_rc(c, &e, 1);
		if (sum->failed != 1)
			fail_msg("%s: %zu items failed, expected 1", c->id, sum->failed);
		const cwp_sync_row *row = NULL;
		for (size_t i = 0; i < cwp_sync_result_rows(rep); i++) {
			const cwp_sync_row *it = cwp_sync_result_row(rep, i);
			if (it->status == CWP_SYNC_ROW_FAILED && it->item_id &&
			    !strcmp(it->item_id, item))
				row = it;
		}
		if (!row)
			fail_msg("%s: item %s is not listed as failed", c->id, item);
		if (!row->error || !*row->error)
			fail_msg("%s: the failed item has no error message", c->id);
		if (!strcmp(c->p->method, "DELETE")) {
			if (row->reason != CWP_REASON_REPLAY_UNWATCH_FAILED)
				fail_msg("%s: reason %s, expected replay_unwatch_failed", c->id,
					 cwp_reason_name(row->reason));
			char pat[128];
			snprintf(pat, sizeof(pat), "/Users/*/Items/%s/UserData", item);
			if (mock_emby_count(e.dst, "POST", pat))
				fail_msg("%s: the write was sent after its unwatch failed", c->id);
		}
		/* every other item as a clean run leaves it; this one as it was,
		 * or unwatched when the unwatch reached the server but its
		 * answer did not reach the client (the journal has it) */
		const char *except[] = {item};
		expect_dst(c, post, CAL.final[1], "as a clean run leaves it", except, 1);
		ud_state a = state_of(pre[1], item), b = state_of(post[1], item);
		bool unwatched =
		    !strcmp(c->p->method, "DELETE") && a.played && !b.played && b.ticks == 0;
		if (!same_state(a, b) && !unwatched)
			fail_msg("%s: the failed item %s changed (%lld -> %lld ticks)", c->id, item,
				 (long long)a.ticks, (long long)b.ticks);
	} else if (!strcmp(ex, "no_clear")) {
		expect_rc(c, &e, 0);
		if (c->warning && sum->warnings < 1)
			fail_msg("%s: the failed lookup was not warned about", c->id);
		/* what the clean run cleared stays as it was */
		const char *cleared[16] = {0};
		size_t n = 0;
		const char *ids[256];
		size_t ni = item_ids(pre[1], CAL.final[1], ids, 256);
		for (size_t i = 0; i < ni && n < 16; i++)
			if (state_of(pre[1], ids[i]).ticks > 0 &&
			    state_of(CAL.final[1], ids[i]).ticks == 0)
				cleared[n++] = ids[i];
		assert_true(n > 0);
		expect_dst(c, post, CAL.final[1], "as a clean run leaves it", cleared, n);
		for (size_t i = 0; i < n; i++)
			if (!same_state(state_of(pre[1], cleared[i]),
					state_of(post[1], cleared[i])))
				fail_msg("%s: item %s was cleared although its lookup failed",
					 c->id, cleared[i]);
	} else if (!strcmp(ex, "unresolved")) {
		expect_rc(c, &e, 0);
		if (sum->unresolved < 1)
			fail_msg("%s: nothing listed as unresolved", c->id);
		if (sum->failed != 0)
			fail_msg("%s: writes failed", c->id);
	} else {
		fail_msg("%s: unknown expect '%s'", c->id, ex);
	}
	/* the invariants of the faulted run */
	violations v = {0, ""};
	check_run(&v, c->id, pre, post, j1, mocks, &c->writes);
	cwp_sync_result_free(rep);

	/* faults cleared: the rerun completes, and converges */
	mock_emby_clear_faults(e.src);
	mock_emby_clear_faults(e.dst);
	mock_emby_journal_clear(e.src);
	mock_emby_journal_clear(e.dst);
	cwp_sync_result_free(run_sync(&e, j2));
	if (e.rc != 0)
		fail_msg("%s: the rerun without faults exited %d\n%.800s", c->id, e.rc, e.err);
	cJSON *post2[2] = {userdata(e.src, users[0]), userdata(e.dst, users[1])};
	char what[128];
	snprintf(what, sizeof(what), "%s (rerun)", c->id);
	check_run(&v, what, post, post2, j2, mocks, &c->writes);
	for (int s = 0; s < 2; s++) {
		const char *ids[256];
		size_t n = item_ids(CAL.final[s], post2[s], ids, 256);
		for (size_t i = 0; i < n; i++) {
			ud_state want = state_of(CAL.final[s], ids[i]);
			ud_state got = state_of(post2[s], ids[i]);
			if (!same_state(want, got))
				lost(&v,
				     "%s: after the rerun %s item %s holds %lld ticks, played %d, "
				     "'%s'; "
				     "a clean run leaves %lld, %d, '%s'",
				     c->id, s ? "destination" : "source", ids[i],
				     (long long)got.ticks, got.played, got.date,
				     (long long)want.ticks, want.played, want.date);
		}
	}
	T.lost += v.n;
	if (v.n)
		fail_msg("%zu invariant(s) broken; first: %s", v.n, v.first);
	mock_emby_journal_clear(e.src);
	mock_emby_journal_clear(e.dst);
	cwp_sync_result_free(run_sync(&e, j3));
	if (e.rc != 0)
		fail_msg("%s: the converged run exited %d", c->id, e.rc);
	for (int s = 0; s < 2; s++)
		if (mock_emby_count(mocks[s], "POST", NULL) +
		    mock_emby_count(mocks[s], "DELETE", NULL))
			fail_msg("%s: the run after the rerun still wrote to the %s (APPLY-07)",
				 c->id, s ? "destination" : "source");
	for (int s = 0; s < 2; s++) {
		cJSON_Delete(pre[s]);
		cJSON_Delete(post[s]);
		cJSON_Delete(post2[s]);
	}
	printf("cell %-32s expect %-11s exit %d  faults %zu  writes checked %zu  lost 0\n", c->id,
	       c->expect, c->rc, c->fired, c->writes);
	fflush(stdout);
	cJSON_free(spec_text);
	e2e_stop(&e);
	c->ran = c->passed = true;
	T.cells++;
}

/* ---- the checker can fail ------------------------------------------------------ */

/* What a broken sync could do, done by hand: clear an item no rule clears
 * (2104: would_regress), write one past max_percent (2101), journal neither,
 * and journal a wrong previous value. The checker must see each of them. */
static void invariants_catch_lost_positions(void **state)
{
	(void)state;
	calibrate();
	e2e_env e;
	start(&e);
	mock_emby *mocks[2] = {e.src, e.dst};
	cJSON *pre[2] = {userdata(e.src, users[0]), userdata(e.dst, users[1])};
	assert_int_equal(
	    mock_emby_set_userdata(e.dst, users[1], "2104",
				   "{\"PlaybackPositionTicks\": 0, \"Played\": false}"),
	    0);
	assert_int_equal(mock_emby_set_userdata(e.dst, users[1], "2101",
						"{\"PlaybackPositionTicks\": 70000000000, "
						"\"Played\": false}"),
			 0);
	char j[PATH_MAX + 16];
	snprintf(j, sizeof(j), "%s/selftest.jsonl", e.dir);
	FILE *f = fopen(j, "w");
	assert_non_null(f);
	fputs("{\"entry\":\"previous\",\"side\":\"destination\",\"item_id\":\"2102\","
	      "\"previous\":{\"PlaybackPositionTicks\":5,\"LastPlayedDate\":null,"
	      "\"Played\":false}}\n",
	      f);
	fclose(f);
	cJSON *post[2] = {userdata(e.src, users[0]), userdata(e.dst, users[1])};
	violations v = {0, ""};
	size_t writes = 0;
	size_t lost_before = T.lost;
	check_run(&v, "selftest", pre, post, j, mocks, &writes);
	T.lost = lost_before;
	/* 2104: not planned, cleared, regressed, not journaled; 2101: not
	 * planned, past max_percent, not journaled; 2102: wrong previous */
	if (v.n != 8)
		fail_msg("the checker found %zu broken invariants, expected 8; first: %s", v.n,
			 v.first);
	for (int s = 0; s < 2; s++) {
		cJSON_Delete(pre[s]);
		cJSON_Delete(post[s]);
	}
	e2e_stop(&e);
}

/* ---- completeness ------------------------------------------------------------- */

static void matrix_is_complete(void **state)
{
	(void)state;
	const cJSON *outcomes = cJSON_GetObjectItemCaseSensitive(M.root, "outcomes");
	for (size_t i = 0; i < M.n_phases; i++)
		for (size_t k = 0; k < M.n_faults; k++) {
			size_t n = 0;
			for (size_t c = 0; c < M.n_cells; c++)
				if (M.cells[c].p == &M.phases[i] && M.cells[c].f == &M.faults[k])
					n++;
			if (n != 1)
				fail_msg("phase %s x fault %s: %zu cells, expected exactly 1",
					 M.phases[i].name, M.faults[k].name, n);
		}
	for (size_t c = 0; c < M.n_cells; c++) {
		if (!cJSON_GetObjectItemCaseSensitive(outcomes, M.cells[c].expect))
			fail_msg("cell %s: outcome '%s' is not described", M.cells[c].id,
				 M.cells[c].expect);
		if (!strcmp(M.cells[c].expect, "n/a") && (!M.cells[c].why || !*M.cells[c].why))
			fail_msg("cell %s: n/a without a reason", M.cells[c].id);
		if (!strcmp(M.cells[c].expect, "abort") && !M.cells[c].p->failed_phase)
			fail_msg("cell %s: abort in a phase without failed_phase", M.cells[c].id);
	}
}

static void print_summary(void)
{
	printf("\n| phase | fault | expected | exit | faults fired | writes checked |\n"
	       "|---|---|---|---|---|---|\n");
	size_t na = 0;
	for (size_t i = 0; i < M.n_cells; i++) {
		const fx_cell *c = &M.cells[i];
		if (!strcmp(c->expect, "n/a")) {
			printf("| %s | %s | n/a: %s | | | |\n", c->p->name, c->f->name, c->why);
			na++;
			continue;
		}
		if (!c->ran)
			printf("| %s | %s | %s | NOT RUN | | |\n", c->p->name, c->f->name,
			       c->expect);
		else
			printf("| %s | %s | %s | %s%d | %zu | %zu |\n", c->p->name, c->f->name,
			       c->expect, c->passed ? "" : "FAILED ", c->rc, c->fired, c->writes);
	}
	printf("\ncells %zu (+%zu n/a), faults injected %zu, runs %zu, writes checked %zu, "
	       "journal entries checked %zu, positions lost %zu\n",
	       T.cells, na, T.faults_fired, T.runs, T.writes_checked, T.journal_checked, T.lost);
}

int main(int argc, char **argv)
{
	/* A broken matrix file fails here, with the message of fail_msg. */
	matrix_load();
	if (argc < 2) {
		fprintf(stderr, "usage: e2e_faults PHASE.FAULT | --all | --check\n");
		return 2;
	}
	if (!strcmp(argv[1], "--check")) {
		const struct CMUnitTest t[] = {cmocka_unit_test(matrix_is_complete)};
		return cmocka_run_group_tests_name("faults", t, NULL, NULL);
	}
	if (!strcmp(argv[1], "--selftest")) {
		const struct CMUnitTest t[] = {cmocka_unit_test(invariants_catch_lost_positions)};
		return cmocka_run_group_tests_name("faults", t, NULL, NULL);
	}
	bool all = !strcmp(argv[1], "--all");
	struct CMUnitTest *tests = calloc(M.n_cells + 1, sizeof(*tests));
	assert_non_null(tests);
	size_t n = 0;
	for (size_t i = 0; i < M.n_cells; i++) {
		fx_cell *c = &M.cells[i];
		if (!strcmp(c->expect, "n/a") || (!all && strcmp(c->id, argv[1])))
			continue;
		tests[n].name = c->id;
		tests[n].test_func = run_cell;
		tests[n].initial_state = c;
		n++;
	}
	int rc = _cmocka_run_group_tests("faults", tests, n, NULL, NULL);
	if (all)
		print_summary();
	free(tests);
	return rc;
}
