/* soak: repeated syncs between two in-process mock Emby servers with random
 * faults, for a set time (docs/RELIABILITY.md, "Soak"). Each round starts
 * from the fixtures' state (cli/tests/fixtures/e2e-src, e2e-dst), puts 1-3
 * random faults on random requests, runs a sync through the engine's API
 * (cwp_sync_run with two Emby providers, as the command line does),
 * and checks the invariants of the fault matrix (cli/tests/faults.c):
 *
 *   - the source is untouched (one-way);
 *   - every destination item is as before the run, as a clean run leaves it,
 *     or (after a late unwatch) unplayed at 0; never past max_percent;
 *   - every changed item, and every write that reached the server, has a
 *     journal entry whose previous value is the item's state before the run;
 *   - faults cleared, a rerun reaches the clean run's final state, and a
 *     further run writes nothing.
 *
 * It also watches the process's resident set (VmRSS): printed after the
 * warm-up (the first tenth of the time), at the middle and at the end, and
 * the run fails when it grew more than --max-growth-kb after the warm-up.
 *
 *   soak [SECONDS] [--seed N] [--max-growth-kb N] [--no-faults]
 *        (default 60 s, seed 1, 2048 KiB; --no-faults: a clean baseline)
 *
 * Exit 0 when every round held every invariant and memory stayed flat. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/sync.h"
#include "emby/provider.h"
#include "bench_mem.h"
#include "mock_emby/mock_emby.h"

#ifndef CWP_SOURCE_DIR
#define CWP_SOURCE_DIR "."
#endif

#define SRC_USER  "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"
#define DST_USER  "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define SRC_TOKEN "e2e-src-secret-TOKEN-5f1d2a"
#define DST_TOKEN "e2e-dst-secret-TOKEN-9c8b7e"
/* Short timeouts so that delay faults cost little; the delay is past it. */
#define TIMEOUT_MS 300
#define DELAY_MS   600

static struct {
	size_t rounds, runs, faults, writes, journal, lost;
	size_t by_exit[4];
} S;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("soak: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* A broken invariant: counted and printed; the run fails at the end. */
static void lost(unsigned round, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void lost(unsigned round, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "soak: round %u: INVARIANT BROKEN: ", round);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	S.lost++;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (n + 4096 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- user data ----------------------------------------------------------- */

typedef struct ud_state {
	int64_t ticks;
	char date[64];
	bool played;
} ud_state;

static cJSON *userdata(mock_emby *m, const char *user)
{
	char *s = mock_emby_userdata_json(m, user);
	cJSON *j = s ? cwp_json_parse_str(s) : NULL;
	mock_emby_free(s);
	if (!j)
		die("cannot read the mock's user data");
	return j;
}

static ud_state state_of(const cJSON *uds, const char *item)
{
	ud_state s = {0, "", false};
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(uds, item);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	if (cJSON_IsNumber(t))
		s.ticks = (int64_t)t->valuedouble;
	const char *d = str_of(ud, "LastPlayedDate");
	snprintf(s.date, sizeof(s.date), "%s", d ? d : "");
	s.played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	return s;
}

static bool same(ud_state a, ud_state b)
{
	return a.ticks == b.ticks && a.played == b.played && !strcmp(a.date, b.date);
}

static size_t ids_of(const cJSON *a, const cJSON *b, const char **ids, size_t cap)
{
	size_t n = 0;
	const cJSON *sets[2] = {a, b};
	for (int s = 0; s < 2; s++)
		for (const cJSON *it = sets[s] ? sets[s]->child : NULL; it; it = it->next) {
			bool dup = false;
			for (size_t i = 0; i < n && !dup; i++)
				dup = !strcmp(ids[i], it->string);
			if (!dup && n < cap)
				ids[n++] = it->string;
		}
	return n;
}

/* ---- the servers and a run ------------------------------------------------------ */

typedef struct world {
	mock_emby *src, *dst;
	char dir[PATH_MAX - 64], journal[PATH_MAX];
	cJSON *final;   /* the destination after a clean run */
	cJSON *runtime; /* destination item id -> RunTimeTicks */
} world;

static void start(world *w)
{
	char fx[PATH_MAX], err[1024];
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.threads = 8;
	o.fixtures_dir = fx;
	snprintf(fx, sizeof(fx), "%s/cli/tests/fixtures/e2e-src", CWP_SOURCE_DIR);
	if (mock_emby_start(&w->src, &o, err, sizeof(err)) != 0)
		die("source mock: %s", err);
	snprintf(fx, sizeof(fx), "%s/cli/tests/fixtures/e2e-dst", CWP_SOURCE_DIR);
	if (mock_emby_start(&w->dst, &o, err, sizeof(err)) != 0)
		die("destination mock: %s", err);
	const char *tmp = getenv("TMPDIR");
	snprintf(w->dir, sizeof(w->dir), "%s/cwp-soak-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(w->dir))
		die("mkdtemp: %s", strerror(errno));
	snprintf(w->journal, sizeof(w->journal), "%s/journal.jsonl", w->dir);
	setenv("XDG_STATE_HOME", w->dir, 1);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/cli/tests/fixtures/e2e-dst/items.json", CWP_SOURCE_DIR);
	char *text = slurp(path);
	cJSON *items = text ? cwp_json_parse_str(text) : NULL;
	free(text);
	if (!items)
		die("cannot read %s", path);
	w->runtime = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(it, "RunTimeTicks");
		if (str_of(it, "Id") && cJSON_IsNumber(rt))
			cJSON_AddNumberToObject(w->runtime, str_of(it, "Id"), rt->valuedouble);
	}
	cJSON_Delete(items);
}

static void stop(world *w)
{
	mock_emby_stop(w->src);
	mock_emby_stop(w->dst);
	cJSON_Delete(w->final);
	cJSON_Delete(w->runtime);
	remove(w->journal);
	char sub[PATH_MAX + 32];
	snprintf(sub, sizeof(sub), "%s/cwprogress", w->dir);
	rmdir(sub);
	rmdir(w->dir);
}

/* One side's client with the soak's short knobs (READ-07/08). */
static emby_client *soak_client(mock_emby *m, const char *user, const char *token,
				const char *label)
{
	emby_options eo = EMBY_OPTIONS_INIT;
	eo.base_url = mock_emby_url(m);
	eo.user_id = user;
	eo.token = token;
	eo.label = label;
	eo.page_size = 4;
	eo.max_in_flight = 2;
	eo.total_timeout_ms = TIMEOUT_MS;
	eo.connect_timeout_ms = TIMEOUT_MS;
	eo.backoff_ms = 5;
	eo.max_attempts = 3;
	eo.max_body = 65536;
	emby_client *c = NULL;
	if (emby_client_new(&c, &eo) != 0)
		die("client: %s", cwp_error_last());
	return c;
}

/* One run through the engine's API (remove and replay on), fresh clients
 * each time as a command line run has; the outcome is its exit status. */
static int sync_once(world *w)
{
	emby_client *cl[2] = {soak_client(w->src, SRC_USER, SRC_TOKEN, "src"),
			      soak_client(w->dst, DST_USER, DST_TOKEN, "dst")};
	cwp_sync_provider p[2];
	emby_provider_init(&p[0], cl[0]);
	emby_provider_init(&p[1], cl[1]);
	cwp_sync_options o = CWP_SYNC_OPTIONS_INIT;
	o.config.remove = true;
	o.config.replay_enabled = true;
	o.journal_path = w->journal;
	remove(w->journal);
	cwp_sync_result *res = NULL;
	int rc = cwp_sync_run(&res, &p[0], &p[1], &o) == 0
		     ? (int)cwp_sync_result_summary(res)->outcome
		     : -1;
	cwp_sync_result_free(res);
	emby_client_free(cl[0]);
	emby_client_free(cl[1]);
	S.runs++;
	if (rc >= 0 && rc < 4)
		S.by_exit[rc]++;
	return rc;
}

static size_t writes_seen(mock_emby *m)
{
	return mock_emby_count(m, "POST", NULL) + mock_emby_count(m, "DELETE", NULL);
}

/* ---- invariants ---------------------------------------------------------------- */

static bool journal_previous(const cJSON *lines, const char *item, ud_state *out)
{
	for (const cJSON *l = lines->child; l; l = l->next) {
		const char *en = str_of(l, "entry"), *id = str_of(l, "item_id");
		const char *sd = str_of(l, "side");
		if (!en || strcmp(en, "previous") || !id || strcmp(id, item) || !sd ||
		    strcmp(sd, "destination"))
			continue;
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(l, "previous");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "PlaybackPositionTicks");
		out->ticks = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : -1;
		const char *d = str_of(p, "LastPlayedDate");
		snprintf(out->date, sizeof(out->date), "%s", d ? d : "");
		out->played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "Played"));
		return true;
	}
	return false;
}

static cJSON *journal_lines(const char *path)
{
	cJSON *arr = cJSON_CreateArray();
	char *text = slurp(path);
	for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
		cJSON *o = cwp_json_parse_str(line);
		if (o)
			cJSON_AddItemToArray(arr, o);
	}
	free(text);
	return arr;
}

static void item_of(char *out, size_t sz, const char *path)
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

static void check(world *w, unsigned round, const char *what, const cJSON *src_pre,
		  const cJSON *pre, const cJSON *post)
{
	cJSON *src_post = userdata(w->src, SRC_USER);
	const char *ids[256];
	size_t n = ids_of(src_pre, src_post, ids, 256);
	for (size_t i = 0; i < n; i++)
		if (!same(state_of(src_pre, ids[i]), state_of(src_post, ids[i])))
			lost(round, "%s: source item %s changed", what, ids[i]);
	cJSON_Delete(src_post);
	cJSON *lines = journal_lines(w->journal);
	n = ids_of(pre, post, ids, 256);
	for (size_t i = 0; i < n; i++) {
		ud_state a = state_of(pre, ids[i]), b = state_of(post, ids[i]);
		ud_state want = state_of(w->final, ids[i]);
		if (same(a, b))
			continue;
		bool unwatched = a.played && !b.played && b.ticks == 0;
		if (!same(b, want) && !unwatched)
			lost(round, "%s: item %s at %lld ticks, neither before nor as planned",
			     what, ids[i], (long long)b.ticks);
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(w->runtime, ids[i]);
		if (cJSON_IsNumber(rt) && (double)b.ticks >= rt->valuedouble * 0.95)
			lost(round, "%s: item %s written past max_percent", what, ids[i]);
		ud_state j;
		if (!journal_previous(lines, ids[i], &j))
			lost(round, "%s: item %s changed without a journal entry", what, ids[i]);
	}
	/* every write that reached the server: journaled first, with the value
	 * the item held before the run */
	char *rq = mock_emby_journal_json(w->dst);
	cJSON *reqs = rq ? cwp_json_parse_str(rq) : NULL;
	mock_emby_free(rq);
	for (const cJSON *e = reqs ? reqs->child : NULL; e; e = e->next) {
		const char *m = str_of(e, "method"), *p = str_of(e, "path");
		if (!m || !p || (strcmp(m, "POST") && strcmp(m, "DELETE")))
			continue;
		char item[64];
		item_of(item, sizeof(item), p);
		S.writes++;
		ud_state j;
		if (!journal_previous(lines, item, &j))
			lost(round, "%s: %s %s reached the server unjournaled", what, m, p);
	}
	for (const cJSON *l = lines->child; l; l = l->next) {
		const char *en = str_of(l, "entry"), *id = str_of(l, "item_id");
		if (!en || strcmp(en, "previous") || !id)
			continue;
		S.journal++;
		ud_state j;
		journal_previous(lines, id, &j);
		if (!same(j, state_of(pre, id)))
			lost(round, "%s: the journal's previous value of %s is not what it held",
			     what, id);
	}
	cJSON_Delete(reqs);
	cJSON_Delete(lines);
}

/* ---- random faults -------------------------------------------------------------- */

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const struct {
	const char *method, *route;
	int side; /* 0 source, 1 destination */
} routes[] = {
    {"GET", "/System/Info/Public", 0},
    {"GET", "/Users/*", 1},
    {"GET", "/Users/*/Items", 0},
    {"GET", "/Users/*/Items", 1},
    {"GET", "/Shows/*/Episodes", 1},
    {"GET", "/Sessions", 1},
    {"POST", "/Users/*/Items/*/UserData", 1},
    {"DELETE", "/Users/*/PlayedItems/*", 1},
};

static const char *const kinds[] = {
    "{\"kind\": \"status\", \"status\": 401}",
    "{\"kind\": \"status\", \"status\": 404}",
    "{\"kind\": \"status\", \"status\": 429}",
    "{\"kind\": \"status\", \"status\": 500}",
    "{\"kind\": \"status\", \"status\": 503}",
    "{\"kind\": \"status\", \"status\": 503, \"retry_after\": 0}",
    "{\"kind\": \"delay\", \"delay_ms\": 600}",
    "{\"kind\": \"truncate\"}",
    "{\"kind\": \"invalid_json\"}",
    "{\"kind\": \"drop\"}",
    "{\"kind\": \"repeat_page\"}",
    "{\"kind\": \"wrong_total\", \"total\": 1}",
    "{\"kind\": \"wrong_total\", \"total\": 100000}",
    "{\"kind\": \"oversize\", \"bytes\": 100000}",
};

/* Put 1-3 random faults on the servers; true when one is a delay. */
static bool add_faults(world *w)
{
	bool delay = false;
	unsigned n = 1 + rnd(3);
	for (unsigned i = 0; i < n; i++) {
		unsigned r = rnd(sizeof(routes) / sizeof(routes[0]));
		unsigned k = rnd(sizeof(kinds) / sizeof(kinds[0]));
		char spec[512];
		snprintf(spec, sizeof(spec),
			 "%.*s, \"method\": \"%s\", \"route\": \"%s\", "
			 "\"nth\": %u}",
			 (int)strlen(kinds[k]) - 1, kinds[k], routes[r].method, routes[r].route,
			 1 + rnd(6));
		delay |= strstr(kinds[k], "delay") != NULL;
		if (mock_emby_add_faults(routes[r].side ? w->dst : w->src, spec) != 0)
			die("the mock refused %s", spec);
	}
	return delay;
}

static size_t faulted(mock_emby *m)
{
	char *s = mock_emby_journal_json(m);
	size_t n = 0;
	for (const char *p = s; p && (p = strstr(p, "\"fault\":\"")) != NULL; p++)
		n++;
	mock_emby_free(s);
	return n;
}

/* ---- main ----------------------------------------------------------------------- */

static unsigned long parse_ul(const char *s, const char *what)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end)
		die("%s must be a number, not '%s'", what, s);
	return v;
}

int main(int argc, char **argv)
{
	double seconds = 60;
	unsigned long seed = 1, max_growth = 2048;
	bool no_faults = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = parse_ul(argv[++i], "--seed");
		else if (!strcmp(argv[i], "--no-faults"))
			no_faults = true; /* a baseline: the same clean round again and again */
		else if (!strcmp(argv[i], "--max-growth-kb") && i + 1 < argc)
			max_growth = parse_ul(argv[++i], "--max-growth-kb");
		else if (argv[i][0] != '-')
			seconds = (double)parse_ul(argv[i], "SECONDS");
		else
			die("usage: soak [SECONDS] [--seed N] [--max-growth-kb N] [--no-faults]");
	}
	rng = seed ? seed * UINT64_C(0x9E3779B97F4A7C15) : 1;
	world w;
	memset(&w, 0, sizeof(w));
	start(&w);

	/* the clean run: what every round must converge to */
	if (sync_once(&w) != 0)
		die("the clean run failed");
	w.final = userdata(w.dst, DST_USER);

	double t0 = now_s(), warm_until = t0 + seconds / 10, half = t0 + seconds / 2;
	long rss_warm = -1, rss_mid = -1, rss_end = -1, rss_first = bench_rss_kib();
	long heap_warm = bench_heap_kib();
	unsigned round = 0;
	while (now_s() - t0 < seconds) {
		round++;
		mock_emby_reset(w.src);
		mock_emby_reset(w.dst);
		cJSON *src_pre = userdata(w.src, SRC_USER), *pre = userdata(w.dst, DST_USER);
		bool delay = !no_faults && add_faults(&w);
		sync_once(&w);
		if (delay)
			sleep_ms(DELAY_MS + 100); /* let late answers land first */
		S.faults += faulted(w.src) + faulted(w.dst);
		cJSON *post = userdata(w.dst, DST_USER);
		check(&w, round, "faulted run", src_pre, pre, post);

		mock_emby_clear_faults(w.src);
		mock_emby_clear_faults(w.dst);
		mock_emby_journal_clear(w.src);
		mock_emby_journal_clear(w.dst);
		if (sync_once(&w) != 0)
			lost(round, "the rerun without faults did not complete");
		cJSON *post2 = userdata(w.dst, DST_USER);
		check(&w, round, "rerun", src_pre, post, post2);
		const char *ids[256];
		size_t n = ids_of(w.final, post2, ids, 256);
		for (size_t i = 0; i < n; i++)
			if (!same(state_of(w.final, ids[i]), state_of(post2, ids[i])))
				lost(round,
				     "after the rerun item %s is not as a clean run leaves it",
				     ids[i]);
		mock_emby_journal_clear(w.dst);
		if (sync_once(&w) != 0 || writes_seen(w.dst) + writes_seen(w.src) != 0)
			lost(round, "the run after the rerun wrote again (APPLY-07)");
		cJSON_Delete(src_pre);
		cJSON_Delete(pre);
		cJSON_Delete(post);
		cJSON_Delete(post2);
		S.rounds++;

		double t = now_s();
		if (rss_warm < 0 && t >= warm_until) {
			rss_warm = bench_rss_kib();
			heap_warm = bench_heap_kib();
			printf("soak: after warm-up (%.0f s, %zu rounds): RSS %ld KiB, heap in use "
			       "%ld KiB\n",
			       t - t0, S.rounds, rss_warm, heap_warm);
		} else if (rss_mid < 0 && t >= half) {
			rss_mid = bench_rss_kib();
			printf("soak: middle (%.0f s, %zu rounds): RSS %ld KiB, heap in use %ld "
			       "KiB\n",
			       t - t0, S.rounds, rss_mid, bench_heap_kib());
		}
		fflush(stdout);
	}
	rss_end = bench_rss_kib();
	double took = now_s() - t0;
	if (rss_warm < 0)
		rss_warm = rss_first;
	long heap_end = bench_heap_kib();
	printf("soak: end (%.0f s, %zu rounds): RSS %ld KiB, heap in use %ld KiB\n", took, S.rounds,
	       rss_end, heap_end);
	printf("soak: seed %lu, %zu rounds, %zu runs (exit 0: %zu, 1: %zu, 2: %zu, 3: %zu), "
	       "%zu faults injected, %zu writes checked, %zu journal entries checked, "
	       "positions lost %zu\n",
	       seed, S.rounds, S.runs, S.by_exit[0], S.by_exit[1], S.by_exit[2], S.by_exit[3],
	       S.faults, S.writes, S.journal, S.lost);
	long growth = rss_end - rss_warm;
	printf("soak: RSS at start %ld KiB, after warm-up %ld KiB, middle %ld KiB, end %ld KiB; "
	       "growth after warm-up %ld KiB (bound %lu KiB)\n",
	       rss_first, rss_warm, rss_mid, rss_end, growth, max_growth);
	stop(&w);
	if (S.lost) {
		fprintf(stderr, "soak: FAILED: %zu invariant(s) broken\n", S.lost);
		return 1;
	}
	if (growth > (long)max_growth) {
		fprintf(stderr, "soak: FAILED: RSS grew %ld KiB after warm-up\n", growth);
		return 1;
	}
	printf("soak: OK\n");
	return 0;
}
