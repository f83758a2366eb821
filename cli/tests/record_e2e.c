/* End-to-end: `cwprogress record` (issue 9). A mock started from a bundled
 * fixture is recorded, a second mock is started from the recording, and what
 * a user would compare must be the same: `cwprogress index` of both, and the
 * plan of a dry-run sync against each. The recording never holds the token,
 * --redact leaves none of the redacted values, a failed read leaves no
 * directory behind (exit 3), bad arguments exit 2 before anything is sent. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwp_test.h"
#include "e2e_support.h"
#include "record.h"
#include "sync.h"
#include "cwp/json.h"

#define DEMO_A_USER    "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#define DEMO_A_TOKEN   "demo-a-token-not-secret"
#define DEMO_B_USER    "d4c3b2a1f0e94d8c8b7a695847362514"
#define DEMO_B_TOKEN   "demo-b-token-not-secret"
#define CLIENT_A_USER  "a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define CLIENT_A_TOKEN "fake-token-client-a"
/* The generated fixture of the privacy tests. */
#define PRIV_USER   "c0ffee00c0ffee00c0ffee00c0ffee00"
#define PRIV_TOKEN  "priv-SECRET-token-7d41c9"
#define PRIV_NAME   "carol-private-name"
#define PRIV_SERVER "Carols Private Server"

typedef struct rt {
	char dir[256]; /* private temporary folder */
	mock_emby *orig, *rec, *other;
	e2e_env e; /* for e2e_run: output of the last verb */
} rt;

static void rt_init(rt *t)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/cwp-e2e-record-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	setenv("XDG_STATE_HOME", t->dir, 1);
	unsetenv("NO_COLOR");
	unsetenv("CWPROGRESS_TOKEN");
}

static void rt_done(rt *t)
{
	mock_emby_stop(t->orig);
	mock_emby_stop(t->rec);
	mock_emby_stop(t->other);
	free(t->e.out);
	free(t->e.err);
	unsetenv("CWPROGRESS_TOKEN");
	cwp__rec_rmtree(t->dir);
	memset(t, 0, sizeof(*t));
}

static mock_emby *start_mock(const char *dir)
{
	char err[1024];
	mock_emby *m = NULL;
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	if (mock_emby_start(&m, &o, err, sizeof(err)) != 0)
		fail_msg("mock from %s: %s", dir, err);
	return m;
}

static void src_fixture(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", CWP_SOURCE_DIR, rel);
}

static void in_dir(char *out, size_t n, const rt *t, const char *name)
{
	snprintf(out, n, "%s/%s", t->dir, name);
}

static void expect_rc(rt *t, int want)
{
	if (t->e.rc != want)
		fail_msg("exit %d, expected %d\nstdout: %.2000s\nstderr: %.2000s", t->e.rc, want,
			 t->e.out, t->e.err);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static cJSON *load_json(const char *path)
{
	char *s = e2e_slurp(path);
	cJSON *o = cwp_json_parse_str(s);
	free(s);
	if (!o)
		fail_msg("%s is not JSON", path);
	return o;
}

/* The generated token of a recording (server.json Users[0].Token). */
static char *fixture_token_of(const char *recdir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/server.json", recdir);
	cJSON *s = load_json(path);
	const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "Users"), 0);
	char *tok = strdup(e2e_str(u, "Token"));
	cJSON_Delete(s);
	assert_non_null(tok);
	return tok;
}

/* `cwprogress record` of m as user into outdir, with up to four more
 * arguments (NULL for none). */
static void record(rt *t, mock_emby *m, const char *user, const char *token, const char *outdir,
		   const char *a1, const char *a2, const char *a3, const char *a4)
{
	setenv("CWPROGRESS_TOKEN", token, 1);
	e2e_run(&t->e, cwp__cmd_record, "record", "--server", mock_emby_url(m), "--user", user,
		"--out", outdir, a1, a2, a3, a4, (char *)NULL);
	unsetenv("CWPROGRESS_TOKEN");
}

/* `cwprogress index` of m as user (extra arguments NULL-terminated); the
 * printed index (caller frees). */
static char *index_of(rt *t, mock_emby *m, const char *user, const char *token, const char *lib)
{
	setenv("CWPROGRESS_TOKEN", token, 1);
	if (lib)
		e2e_run(&t->e, cwp__cmd_index, "index", "--server", mock_emby_url(m), "--user",
			user, "--library", lib, (char *)NULL);
	else
		e2e_run(&t->e, cwp__cmd_index, "index", "--server", mock_emby_url(m), "--user",
			user, (char *)NULL);
	unsetenv("CWPROGRESS_TOKEN");
	char *s = strdup(t->e.out);
	assert_non_null(s);
	return s;
}

static void assert_same_index(rt *t, mock_emby *a, const char *ta, mock_emby *b, const char *tb,
			      const char *user, const char *lib, size_t min_records)
{
	char *ia = index_of(t, a, user, ta, lib);
	expect_rc(t, 0);
	char *ib = index_of(t, b, user, tb, lib);
	expect_rc(t, 0);
	if (strcmp(ia, ib) != 0)
		fail_msg("index of the recording differs\noriginal:  %.3000s\nrecording: %.3000s",
			 ia, ib);
	cJSON *o = cwp_json_parse_str(ia);
	assert_non_null(o);
	if ((size_t)cJSON_GetArraySize(o) < min_records)
		fail_msg("only %d records in the index", cJSON_GetArraySize(o));
	cJSON_Delete(o);
	free(ia);
	free(ib);
}

/* Every regular file below dir, whole, concatenated with its path. */
static void grep_tree(const char *dir, const char *needle, int depth)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			assert_true(depth < 4);
			grep_tree(path, needle, depth + 1);
			continue;
		}
		char *s = e2e_slurp(path);
		if (strstr(s, needle))
			fail_msg("%s holds \"%s\"", path, needle);
		free(s);
	}
	closedir(d);
}

static size_t count_files(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4)
			n += count_files(path, depth + 1);
		else
			n++;
	}
	closedir(d);
	return n;
}

/* ---- sync plans ---- */

static void write_pair(const char *path, mock_emby *src, const char *src_user, const char *src_env,
		       mock_emby *dst, const char *dst_user, const char *dst_env,
		       const char *progress)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"source\": {\"url\": \"%s\", \"user_id\": \"%s\", \"token_env\": \"%s\"},\n"
		" \"destination\": {\"url\": \"%s\", \"user_id\": \"%s\", \"token_env\": \"%s\"},\n"
		" \"features\": {\"progress\": %s}}\n",
		mock_emby_url(src), src_user, src_env, mock_emby_url(dst), dst_user, dst_env,
		progress);
	assert_int_equal(fclose(f), 0);
}

/* A dry run's report without what depends on the run (urls, timings,
 * request counts, the journal). */
static cJSON *dry_run_report(rt *t, const char *pair, bool two_way)
{
	char journal[512];
	in_dir(journal, sizeof(journal), t, "journal.jsonl");
	if (two_way)
		e2e_run(&t->e, cwp__cmd_sync, "sync", "--config", pair, "--dry-run", "--json",
			"--two-way", "--journal", journal, (char *)NULL);
	else
		e2e_run(&t->e, cwp__cmd_sync, "sync", "--config", pair, "--dry-run", "--json",
			"--journal", journal, (char *)NULL);
	expect_rc(t, 0);
	cJSON *r = e2e_json_out(&t->e);
	static const char *const drop_top[] = {"elapsed_ms", "phase_ms", "journal"};
	for (size_t i = 0; i < sizeof(drop_top) / sizeof(drop_top[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(r, drop_top[i]);
	cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r, "servers"))
	{
		static const char *const drop[] = {"url", "requests", "retries", "bytes_received"};
		for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			cJSON_DeleteItemFromObjectCaseSensitive(s, drop[i]);
	}
	return r;
}

static void assert_same_plan(cJSON *orig, cJSON *rec, size_t min_items)
{
	const cJSON *oi = cJSON_GetObjectItemCaseSensitive(orig, "items");
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(rec, "items");
	if ((size_t)cJSON_GetArraySize(oi) < min_items)
		fail_msg("the plan has only %d rows", cJSON_GetArraySize(oi));
	if (!cJSON_Compare(orig, rec, 1)) {
		const cJSON *a = oi ? oi->child : NULL, *b = ri ? ri->child : NULL;
		for (; a && b; a = a->next, b = b->next)
			if (!cJSON_Compare(a, b, 1))
				break;
		char *sa = a ? cJSON_PrintUnformatted(a) : NULL;
		char *sb = b ? cJSON_PrintUnformatted(b) : NULL;
		char *ta =
		    cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(orig, "summary"));
		char *tb = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rec, "summary"));
		fail_msg(
		    "the plans differ\noriginal:  %s\n           %s\nrecording: %s\n           %s",
		    ta, sa ? sa : "(none)", tb, sb ? sb : "(none)");
	}
}

/* ---- the round trips ---- */

static void record_roundtrip_index_identical(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "demo-a-rec");
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	/* the output says where the new token is, and what it is */
	assert_non_null(strstr(t.e.out, "server.json"));
	assert_non_null(strstr(t.e.out, "fixture token"));
	char *tok = fixture_token_of(out);
	assert_true(strncmp(tok, "fixture-", 8) == 0);
	t.rec = start_mock(out);
	assert_same_index(&t, t.orig, DEMO_A_TOKEN, t.rec, tok, DEMO_A_USER, NULL, 20);

	/* the manifest: server version, UTC time in UNIT-07 form, no redaction */
	char path[600];
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	cJSON *m = load_json(path);
	assert_string_equal(e2e_str(cJSON_GetObjectItemCaseSensitive(m, "server"), "version"),
			    "4.8.11.0");
	const char *at = e2e_str(m, "recorded_at");
	assert_int_equal_dec(strlen(at), 28); /* 2024-03-01T20:15:00.0000000Z */
	assert_true(at[4] == '-' && at[10] == 'T' && at[19] == '.' && at[27] == 'Z');
	const cJSON *red = cJSON_GetObjectItemCaseSensitive(m, "redacted");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(red, "names")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(red, "paths")));
	cJSON_Delete(m);
	free(tok);
	mock_emby_stop(t.orig);
	mock_emby_stop(t.rec);
	t.orig = t.rec = NULL;

	/* the client tests' fixture: multi-version movie, mixed-case provider
	 * names, season 0, tmdb/tvdb collisions */
	src_fixture(fx, sizeof(fx), "emby_client/tests/fixtures/client-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "client-a-rec");
	record(&t, t.orig, CLIENT_A_USER, CLIENT_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	tok = fixture_token_of(out);
	t.rec = start_mock(out);
	assert_same_index(&t, t.orig, CLIENT_A_TOKEN, t.rec, tok, CLIENT_A_USER, NULL, 3);
	free(tok);
	rt_done(&t);
}

/* The default recording as the source of a one-way sync (the default
 * rules: remove off) plans exactly what the original does. */
static void record_roundtrip_sync_plans_identical(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], p1[512], p2[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-b");
	t.other = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	setenv("REC_ORIG_TOKEN", DEMO_A_TOKEN, 1);
	setenv("REC_FIX_TOKEN", tok, 1);
	setenv("REC_OTHER_TOKEN", DEMO_B_TOKEN, 1);
	in_dir(p1, sizeof(p1), &t, "orig.json");
	in_dir(p2, sizeof(p2), &t, "rec.json");
	write_pair(p1, t.orig, DEMO_A_USER, "REC_ORIG_TOKEN", t.other, DEMO_B_USER,
		   "REC_OTHER_TOKEN", "{}");
	write_pair(p2, t.rec, DEMO_A_USER, "REC_FIX_TOKEN", t.other, DEMO_B_USER, "REC_OTHER_TOKEN",
		   "{}");
	cJSON *a = dry_run_report(&t, p1, false);
	cJSON *b = dry_run_report(&t, p2, false);
	assert_same_plan(a, b, 10);
	cJSON_Delete(a);
	cJSON_Delete(b);
	/* a dry run sends no write to either */
	assert_int_equal_dec(e2e_posts(t.other), 0);
	free(tok);
	rt_done(&t);
}

/* --whole-library: the recording answers every lookup of a sync, so it
 * plans the same as the destination (resolution) and as the source with
 * remove on (confirm-before-clear finds finished and unwatched items), one-
 * and two-way. */
static void record_whole_library_plans_identical_both_ways(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], p1[512], p2[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-b");
	t.other = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, "--whole-library", NULL, NULL, NULL);
	expect_rc(&t, 0);
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	setenv("REC_ORIG_TOKEN", DEMO_A_TOKEN, 1);
	setenv("REC_FIX_TOKEN", tok, 1);
	setenv("REC_OTHER_TOKEN", DEMO_B_TOKEN, 1);
	in_dir(p1, sizeof(p1), &t, "orig.json");
	in_dir(p2, sizeof(p2), &t, "rec.json");
	for (int two = 0; two < 2; two++) {
		/* the recording as the source (the demo's rules) */
		write_pair(p1, t.orig, DEMO_A_USER, "REC_ORIG_TOKEN", t.other, DEMO_B_USER,
			   "REC_OTHER_TOKEN", "{\"remove\": true}");
		write_pair(p2, t.rec, DEMO_A_USER, "REC_FIX_TOKEN", t.other, DEMO_B_USER,
			   "REC_OTHER_TOKEN", "{\"remove\": true}");
		cJSON *a = dry_run_report(&t, p1, two);
		cJSON *b = dry_run_report(&t, p2, two);
		assert_same_plan(a, b, 20);
		/* the clears need confirm-before-clear on the recording */
		assert_true(cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(b, "summary"), "clears")
				->valuedouble >= 2);
		cJSON_Delete(a);
		cJSON_Delete(b);
		/* the recording as the destination */
		write_pair(p1, t.other, DEMO_B_USER, "REC_OTHER_TOKEN", t.orig, DEMO_A_USER,
			   "REC_ORIG_TOKEN", "{\"remove\": true}");
		write_pair(p2, t.other, DEMO_B_USER, "REC_OTHER_TOKEN", t.rec, DEMO_A_USER,
			   "REC_FIX_TOKEN", "{\"remove\": true}");
		a = dry_run_report(&t, p1, two);
		b = dry_run_report(&t, p2, two);
		assert_same_plan(a, b, 10);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	assert_int_equal_dec(e2e_posts(t.other) + e2e_posts(t.rec) + e2e_posts(t.orig), 0);
	free(tok);
	rt_done(&t);
}

/* --library: the recording names the library and lists per library as the
 * original does. */
static void record_library_selection_roundtrip(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], path[600];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, "--library", "3", "--library", "5");
	expect_rc(&t, 0);
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	assert_same_index(&t, t.orig, DEMO_A_TOKEN, t.rec, tok, DEMO_A_USER, "3", 10);
	assert_same_index(&t, t.orig, DEMO_A_TOKEN, t.rec, tok, DEMO_A_USER, "5", 3);
	snprintf(path, sizeof(path), "%s/server.json", out);
	cJSON *s = load_json(path);
	const cJSON *l0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "Libraries"), 0);
	assert_string_equal(e2e_str(l0, "Id"), "3");
	assert_string_equal(e2e_str(l0, "Name"), "Movies");
	cJSON_Delete(s);
	/* library 7 (the 4K copy) was not recorded as resumable */
	char *i7 = index_of(&t, t.rec, DEMO_A_USER, tok, "7");
	expect_rc(&t, 0);
	assert_string_equal(i7, "{}\n");
	free(i7);
	free(tok);
	rt_done(&t);
}

static void record_limit_keeps_first_n_resumable(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], path[600];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	assert_int_equal(mkdir(out, 0700), 0); /* an empty --out is taken */
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, "--limit", "5", NULL, NULL);
	expect_rc(&t, 0);
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	cJSON *m = load_json(path);
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(m, "counts");
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(counts, "resumable")->valuedouble, 5);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m, "scope"), "limit_reached")));
	cJSON_Delete(m);
	/* every record of the recording's index is the original's record */
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	char *ia = index_of(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, NULL);
	char *ib = index_of(&t, t.rec, DEMO_A_USER, tok, NULL);
	expect_rc(&t, 0);
	cJSON *a = cwp_json_parse_str(ia), *b = cwp_json_parse_str(ib);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(cJSON_GetArraySize(b) >= 1 && cJSON_GetArraySize(b) <= 5);
	const cJSON *r;
	cJSON_ArrayForEach(r, b)
	{
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, r->string);
		if (!o || !cJSON_Compare(o, r, 1))
			fail_msg("record %s differs from the original's", r->string);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	free(ia);
	free(ib);
	free(tok);
	rt_done(&t);
}

/* The GET requests in m's journal ("path?query"), as a JSON array of
 * strings (tokens are redacted by the journal). */
static cJSON *gets_of(mock_emby *m)
{
	char *j = mock_emby_journal_json(m);
	assert_non_null(j);
	cJSON *all = cwp_json_parse_str(j);
	mock_emby_free(j);
	assert_non_null(all);
	cJSON *out = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, all)
	{
		char line[8192];
		if (strcmp(e2e_str(e, "method"), "GET") != 0)
			continue;
		snprintf(line, sizeof(line), "%s?%s", e2e_str(e, "path"), e2e_str(e, "query"));
		cJSON_AddItemToArray(out, cJSON_CreateString(line));
	}
	cJSON_Delete(all);
	return out;
}

static bool holds(const cJSON *list, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, list)
	{
		if (!strcmp(e->valuestring, s))
			return true;
	}
	return false;
}

/* Issue 12: record sends the client's own requests, so every request that
 * reading the server's index makes (probe, the resumable listing's pages,
 * the series by Ids, per library) is one that record made, byte for byte:
 * the recording holds exactly what a sync reads, whatever the client asks. */
static void record_sends_the_clients_own_requests(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	for (int lib = 0; lib < 2; lib++) {
		mock_emby_journal_clear(t.orig);
		char *ix = index_of(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, lib ? "3" : NULL);
		expect_rc(&t, 0);
		free(ix);
		cJSON *by_index = gets_of(t.orig);
		mock_emby_journal_clear(t.orig);
		in_dir(out, sizeof(out), &t, lib ? "rec-lib" : "rec");
		record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, lib ? "--library" : NULL,
		       lib ? "3" : NULL, NULL, NULL);
		expect_rc(&t, 0);
		cJSON *by_record = gets_of(t.orig);
		assert_true(cJSON_GetArraySize(by_index) >= 3);
		const cJSON *e;
		cJSON_ArrayForEach(e, by_index)
		{
			if (!holds(by_record, e->valuestring))
				fail_msg("index sent %s, record did not", e->valuestring);
		}
		cJSON_Delete(by_index);
		cJSON_Delete(by_record);
	}
	rt_done(&t);
}

/* ---- privacy ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A small server whose answers hold private values: a user name, a server
 * name, file paths, overviews, image tags, a playing session, and the
 * token itself inside a field (a server that leaks it must not make the
 * recording leak it). */
static void make_private_fixture(const char *dir)
{
	char ud[600];
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(ud, sizeof(ud), "%s/userdata", dir);
	assert_int_equal(mkdir(ud, 0700), 0);
	write_file(dir, "server.json",
		   "{\"ServerName\": \"" PRIV_SERVER "\", \"Id\": "
		   "\"5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e\",\n"
		   " \"Version\": \"4.9.0.5\",\n"
		   " \"Users\": [{\"Id\": \"" PRIV_USER "\", \"Name\": \"" PRIV_NAME
		   "\", \"Token\": \"" PRIV_TOKEN "\"}]}\n");
	write_file(
	    dir, "items.json",
	    "[\n"
	    "{\"Id\": \"901\", \"Type\": \"Movie\", \"Name\": \"Alpha\", \"ProductionYear\": "
	    "2001,\n"
	    " \"RunTimeTicks\": 72000000000, \"ProviderIds\": {\"Tmdb\": \"9901\"},\n"
	    " \"Path\": \"/srv/carol/films/Alpha (2001)/Alpha.mkv\",\n"
	    " \"Overview\": \"Carol's own note about Alpha\",\n"
	    " \"ImageTags\": {\"Primary\": \"aaaa1111private\"},\n"
	    " \"BackdropImageTags\": [\"bbbb2222private\"],\n"
	    " \"MediaSources\": [{\"Path\": \"/srv/carol/films/Alpha (2001)/Alpha.mkv\",\n"
	    "   \"MediaStreams\": [{\"Path\": \"/srv/carol/films/Alpha (2001)/Alpha.en.srt\"}]}],\n"
	    " \"DirectStreamUrl\": \"/Videos/901/stream?api_key=" PRIV_TOKEN "\"},\n"
	    "{\"Id\": \"902\", \"Type\": \"Series\", \"Name\": \"Bravo Show\", \"IsFolder\": "
	    "true,\n"
	    " \"ProviderIds\": {\"Tvdb\": \"8802\"}, \"Path\": \"/srv/carol/tv/Bravo Show\",\n"
	    " \"Overview\": \"Carol's own note about Bravo\"},\n"
	    "{\"Id\": \"903\", \"Type\": \"Episode\", \"Name\": \"Pilot\", \"SeriesId\": \"902\",\n"
	    " \"SeriesName\": \"Bravo Show\", \"ParentIndexNumber\": 1, \"IndexNumber\": 1,\n"
	    " \"RunTimeTicks\": 30000000000, \"ProviderIds\": {\"Tvdb\": \"8803\"},\n"
	    " \"Path\": \"/srv/carol/tv/Bravo Show/S01E01.mkv\",\n"
	    " \"SeriesPrimaryImageTag\": \"cccc3333private\",\n"
	    " \"ImageTags\": {\"Primary\": \"aaaa1111private\"}},\n"
	    "{\"Id\": \"904\", \"Type\": \"Episode\", \"Name\": \"Second\", \"SeriesId\": "
	    "\"902\",\n"
	    " \"ParentIndexNumber\": 1, \"IndexNumber\": 2, \"ProviderIds\": {\"Tvdb\": "
	    "\"8804\"},\n"
	    " \"Path\": \"/srv/carol/tv/Bravo Show/S01E02.mkv\"}\n"
	    "]\n");
	char name[128];
	snprintf(name, sizeof(name), "userdata/%s.json", PRIV_USER);
	write_file(dir, name,
		   "{\"901\": {\"PlaybackPositionTicks\": 18000000000, \"Played\": false,\n"
		   "  \"LastPlayedDate\": \"2024-03-01T20:00:00.0000000Z\"},\n"
		   " \"903\": {\"PlaybackPositionTicks\": 9000000000, \"Played\": false,\n"
		   "  \"LastPlayedDate\": \"2024-03-02T20:00:00.0000000Z\"}}\n");
	write_file(
	    dir, "sessions.json",
	    "[{\"Id\": \"s1\", \"UserId\": \"" PRIV_USER "\", \"UserName\": \"" PRIV_NAME "\",\n"
	    "  \"DeviceName\": \"Carols private phone\", \"RemoteEndPoint\": "
	    "\"203.0.113.7\",\n"
	    "  \"NowPlayingItem\": {\"Id\": \"903\", \"Type\": \"Episode\", \"Path\": "
	    "\"/srv/carol/tv/Bravo Show/S01E01.mkv\"},\n"
	    "  \"PlayState\": {\"PositionTicks\": 9000000000}},\n"
	    " {\"Id\": \"s2\", \"UserId\": \"dddddddddddddddddddddddddddddddd\",\n"
	    "  \"UserName\": \"dave-other-user\", \"NowPlayingItem\": {\"Id\": \"901\"}}]\n");
}

static const char *const private_values[] = {PRIV_TOKEN,        PRIV_NAME,
					     PRIV_SERVER,       "/srv/carol",
					     "Alpha.en.srt",    "Carol's own note",
					     "aaaa1111private", "bbbb2222private",
					     "cccc3333private", "Carols private phone",
					     "203.0.113.7",     "dave-other-user"};

static void record_never_writes_the_token(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], tf[512];
	in_dir(fx, sizeof(fx), &t, "private");
	make_private_fixture(fx);
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, PRIV_USER, PRIV_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	grep_tree(out, PRIV_TOKEN, 0);
	assert_null(strstr(t.e.out, PRIV_TOKEN));
	assert_null(strstr(t.e.err, PRIV_TOKEN));
	/* the leaked copy inside an item was replaced, the item kept */
	char path[600];
	snprintf(path, sizeof(path), "%s/items.json", out);
	char *items = e2e_slurp(path);
	assert_non_null(strstr(items, "api_key=<redacted>"));
	free(items);
	/* the session is kept, without the device and address */
	snprintf(path, sizeof(path), "%s/sessions.json", out);
	cJSON *s = load_json(path);
	assert_int_equal_dec(cJSON_GetArraySize(s), 1);
	const cJSON *np =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(s, 0), "NowPlayingItem");
	assert_string_equal(e2e_str(np, "Id"), "903");
	cJSON_Delete(s);
	grep_tree(out, "Carols private phone", 0);
	grep_tree(out, "203.0.113.7", 0);
	grep_tree(out, "dave-other-user", 0); /* another user's session */

	/* the same through --token-file */
	in_dir(tf, sizeof(tf), &t, "token");
	write_file(t.dir, "token", PRIV_TOKEN "\n");
	assert_int_equal(chmod(tf, 0600), 0);
	in_dir(out, sizeof(out), &t, "rec2");
	e2e_run(&t.e, cwp__cmd_record, "record", "--server", mock_emby_url(t.orig), "--user",
		PRIV_USER, "--out", out, "--token-file", tf, (char *)NULL);
	expect_rc(&t, 0);
	grep_tree(out, PRIV_TOKEN, 0);
	/* the recording replays with its own token, not the server's */
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	char *i = index_of(&t, t.rec, PRIV_USER, PRIV_TOKEN, NULL);
	expect_rc(&t, 3);
	free(i);
	assert_same_index(&t, t.orig, PRIV_TOKEN, t.rec, tok, PRIV_USER, NULL, 2);
	free(tok);
	rt_done(&t);
}

static void record_redacted_holds_none_of_the_values(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], path[600];
	in_dir(fx, sizeof(fx), &t, "private");
	make_private_fixture(fx);
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, PRIV_USER, PRIV_TOKEN, out, "--redact", "names,paths", "--whole-library",
	       NULL);
	expect_rc(&t, 0);
	for (size_t i = 0; i < sizeof(private_values) / sizeof(private_values[0]); i++)
		grep_tree(out, private_values[i], 0);
	assert_null(strstr(t.e.out, PRIV_NAME));
	assert_null(strstr(t.e.out, PRIV_SERVER));

	/* stable placeholders: one value, one placeholder, everywhere */
	snprintf(path, sizeof(path), "%s/items.json", out);
	cJSON *items = load_json(path);
	const cJSON *alpha = NULL, *pilot = NULL, *it;
	cJSON_ArrayForEach(it, items)
	{
		if (!strcmp(e2e_str(it, "Id"), "901"))
			alpha = it;
		if (!strcmp(e2e_str(it, "Id"), "903"))
			pilot = it;
	}
	assert_non_null(alpha);
	assert_non_null(pilot);
	const char *p1 = e2e_str(alpha, "Path");
	const cJSON *ms =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(alpha, "MediaSources"), 0);
	assert_true(strncmp(p1, "/redacted/", 10) == 0);
	assert_string_equal(p1, e2e_str(ms, "Path"));
	assert_non_null(strstr(p1, ".mkv"));
	const char *tag1 = e2e_str(cJSON_GetObjectItemCaseSensitive(alpha, "ImageTags"), "Primary");
	const char *tag3 = e2e_str(cJSON_GetObjectItemCaseSensitive(pilot, "ImageTags"), "Primary");
	assert_true(*tag1 != '\0');
	assert_string_equal(tag1, tag3);
	assert_string_not_equal(tag1, e2e_str(pilot, "SeriesPrimaryImageTag"));
	/* what a sync reads is untouched */
	assert_string_equal(e2e_str(alpha, "Name"), "Alpha");
	cJSON_Delete(items);

	snprintf(path, sizeof(path), "%s/server.json", out);
	cJSON *s = load_json(path);
	const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "Users"), 0);
	assert_string_equal(e2e_str(u, "Name"), "user-1");
	cJSON_Delete(s);
	snprintf(path, sizeof(path), "%s/sessions.json", out);
	s = load_json(path);
	assert_string_equal(e2e_str(cJSON_GetArrayItem(s, 0), "UserName"), "user-1");
	cJSON_Delete(s);

	/* the manifest says what was redacted */
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	cJSON *m = load_json(path);
	const cJSON *red = cJSON_GetObjectItemCaseSensitive(m, "redacted");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(red, "names")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(red, "paths")));
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(red, "replaced");
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(rep, "user_names")->valuedouble, 1);
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(rep, "image_tags")->valuedouble, 3);
	assert_int_equal_dec(cJSON_GetObjectItemCaseSensitive(rep, "overviews")->valuedouble, 2);
	assert_true(cJSON_GetObjectItemCaseSensitive(rep, "paths")->valuedouble >= 5);
	cJSON_Delete(m);

	/* and it still syncs the same */
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	assert_same_index(&t, t.orig, PRIV_TOKEN, t.rec, tok, PRIV_USER, NULL, 2);
	free(tok);
	rt_done(&t);
}

/* ---- failures ---- */

/* Nothing at --out, and nothing left beside it. */
static void assert_nothing_left(const rt *t, const char *out, size_t files_before)
{
	if (exists(out))
		fail_msg("%s exists after a failed recording", out);
	size_t now = count_files(t->dir, 0);
	if (now != files_before)
		fail_msg("%zu files in %s, %zu before the failed recording", now, t->dir,
			 files_before);
}

static void record_failed_read_exits_3_and_leaves_nothing(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	size_t before = count_files(t.dir, 0);

	/* the resumable listing fails */
	assert_int_equal(mock_emby_add_faults(t.orig, "{\"route\": \"/Users/*/Items\", \"kind\": "
						      "\"status\", \"status\": 400}"),
			 0);
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 3);
	assert_non_null(strstr(t.e.err, "HTTP 400"));
	assert_nothing_left(&t, out, before);

	/* a late read fails: the series' episode listings */
	mock_emby_clear_faults(t.orig);
	assert_int_equal(mock_emby_add_faults(t.orig, "{\"route\": \"/Shows/*/Episodes\", "
						      "\"kind\": \"status\", \"status\": 404}"),
			 0);
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 3);
	assert_nothing_left(&t, out, before);

	/* an answer that is not JSON */
	mock_emby_clear_faults(t.orig);
	assert_int_equal(mock_emby_add_faults(t.orig, "{\"route\": \"/Sessions\", \"kind\": "
						      "\"invalid_json\"}"),
			 0);
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 3);
	assert_nothing_left(&t, out, before);

	/* a wrong token: authentication refused, named without the token */
	mock_emby_clear_faults(t.orig);
	record(&t, t.orig, DEMO_A_USER, "not-the-token-x1", out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 3);
	assert_non_null(strstr(t.e.err, "authentication"));
	assert_null(strstr(t.e.err, "not-the-token-x1"));
	assert_nothing_left(&t, out, before);

	/* no server there any more */
	char url[128];
	snprintf(url, sizeof(url), "%s", mock_emby_url(t.orig));
	mock_emby_stop(t.orig);
	t.orig = NULL;
	setenv("CWPROGRESS_TOKEN", DEMO_A_TOKEN, 1);
	e2e_run(&t.e, cwp__cmd_record, "record", "--server", url, "--user", DEMO_A_USER, "--out",
		out, (char *)NULL);
	unsetenv("CWPROGRESS_TOKEN");
	expect_rc(&t, 3);
	assert_nothing_left(&t, out, before);
	rt_done(&t);
}

static void record_bad_arguments_exit_2(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], full[512];
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	const char *url = mock_emby_url(t.orig);
	in_dir(out, sizeof(out), &t, "rec");
	in_dir(full, sizeof(full), &t, "full");
	assert_int_equal(mkdir(full, 0700), 0);
	write_file(full, "keep.txt", "someone's file\n");
	size_t before = count_files(t.dir, 0);
	setenv("CWPROGRESS_TOKEN", DEMO_A_TOKEN, 1);
	struct {
		const char *why;
		const char *argv[12];
	} cases[] = {
	    {"no --out", {"--server", url, "--user", DEMO_A_USER}},
	    {"no --server", {"--user", DEMO_A_USER, "--out", out}},
	    {"no --user", {"--server", url, "--out", out}},
	    {"user not a guid", {"--server", url, "--user", "alice", "--out", out}},
	    {"server not http", {"--server", "ftp://x", "--user", DEMO_A_USER, "--out", out}},
	    {"limit not a number",
	     {"--server", url, "--user", DEMO_A_USER, "--out", out, "--limit", "5x"}},
	    {"limit zero", {"--server", url, "--user", DEMO_A_USER, "--out", out, "--limit", "0"}},
	    {"redact unknown",
	     {"--server", url, "--user", DEMO_A_USER, "--out", out, "--redact", "names,titles"}},
	    {"token on the command line",
	     {"--server", url, "--user", DEMO_A_USER, "--out", out, DEMO_A_TOKEN}},
	    {"insecure abbreviated",
	     {"--server", url, "--user", DEMO_A_USER, "--out", out, "--insec"}},
	    {"unknown option", {"--server", url, "--user", DEMO_A_USER, "--out", out, "--bogus"}},
	    {"out not empty", {"--server", url, "--user", DEMO_A_USER, "--out", full}},
	    {"out parent missing",
	     {"--server", url, "--user", DEMO_A_USER, "--out", "/nonexistent-cwp/x/rec"}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].argv;
		e2e_run(&t.e, cwp__cmd_record, "record", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
			a[7], a[8], a[9], a[10], (char *)NULL);
		if (t.e.rc != 2)
			fail_msg("%s: exit %d, expected 2\n%s", cases[i].why, t.e.rc, t.e.err);
		if (strlen(t.e.err) < 10)
			fail_msg("%s: no message", cases[i].why);
		assert_null(strstr(t.e.err, DEMO_A_TOKEN));
	}
	/* a token in the arguments, in any spelling: refused, never echoed */
	const char *const forms[][2] = {
	    {"--token", DEMO_A_TOKEN},        {"--token=" DEMO_A_TOKEN, NULL},
	    {"--api-key", DEMO_A_TOKEN},      {"--api_key=" DEMO_A_TOKEN, NULL},
	    {"--access-token", DEMO_A_TOKEN}, {"-t", DEMO_A_TOKEN},
	    {"--user", DEMO_A_TOKEN},         {"--server", DEMO_A_TOKEN},
	    {"--limit", DEMO_A_TOKEN},        {"--redact", DEMO_A_TOKEN},
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		e2e_run(&t.e, cwp__cmd_record, "record", "--server", url, "--user", DEMO_A_USER,
			"--out", out, forms[i][0], forms[i][1], (char *)NULL);
		if (t.e.rc != 2)
			fail_msg("%s: exit %d, expected 2", forms[i][0], t.e.rc);
		if (strstr(t.e.err, DEMO_A_TOKEN) || strstr(t.e.out, DEMO_A_TOKEN))
			fail_msg("%s: the token was echoed: %s", forms[i][0], t.e.err);
	}
	/* no token at all */
	unsetenv("CWPROGRESS_TOKEN");
	e2e_run(&t.e, cwp__cmd_record, "record", "--server", url, "--user", DEMO_A_USER, "--out",
		out, (char *)NULL);
	expect_rc(&t, 2);
	assert_non_null(strstr(t.e.err, "CWPROGRESS_TOKEN"));
	/* nothing was sent, nothing written, the full directory untouched */
	char *j = mock_emby_journal_json(t.orig);
	cJSON *journal = cwp_json_parse_str(j);
	mock_emby_free(j);
	assert_int_equal_dec(cJSON_GetArraySize(journal), 0);
	cJSON_Delete(journal);
	assert_nothing_left(&t, out, before);
	char keep[600];
	snprintf(keep, sizeof(keep), "%s/keep.txt", full);
	char *k = e2e_slurp(keep);
	assert_string_equal(k, "someone's file\n");
	free(k);
	rt_done(&t);
}

/* A listing the mock's model would answer differently (here a
 * TotalRecordCount below the rows sent, READ-04) is kept verbatim: the
 * recording reproduces what the client makes of it, paging_loop included. */
static void record_keeps_verbatim_pages_the_model_cannot_reproduce(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], path[600];
	static const char fault[] = "{\"route\": \"/Users/*/Items\", \"nth\": 1, \"times\": 1, "
				    "\"kind\": \"wrong_total\", \"total\": 7}";
	src_fixture(fx, sizeof(fx), "mock_emby/fixtures/demo-a");
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	assert_int_equal(mock_emby_add_faults(t.orig, fault), 0);
	record(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	snprintf(path, sizeof(path), "%s/recordings/listings.json", out);
	cJSON *recs = load_json(path);
	assert_int_equal_dec(cJSON_GetArraySize(recs), 1);
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 0), "response"), "body");
	assert_int_equal_dec(
	    cJSON_GetObjectItemCaseSensitive(body, "TotalRecordCount")->valuedouble, 7);
	cJSON_Delete(recs);
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	char *man = e2e_slurp(path);
	assert_non_null(strstr(man, "more rows than TotalRecordCount"));
	free(man);

	/* the original with the same fault, and the recording: the same
	 * outcome (exit 3, paging_loop); the model alone would index fine */
	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	assert_int_equal(mock_emby_add_faults(t.orig, fault), 0);
	char *ia = index_of(&t, t.orig, DEMO_A_USER, DEMO_A_TOKEN, NULL);
	expect_rc(&t, 3);
	assert_non_null(strstr(t.e.err, "paging_loop"));
	char *ib = index_of(&t, t.rec, DEMO_A_USER, tok, NULL);
	expect_rc(&t, 3);
	assert_non_null(strstr(t.e.err, "paging_loop"));
	free(ia);
	free(ib);
	free(tok);
	rt_done(&t);
}

/* A server whose listing holds rows the mock's model cannot hold (ticks as a
 * string that is not a number, UNIT-02/03; a year that is not a number): the
 * recording keeps that listing verbatim, still loads, and the client reads
 * it exactly as it read the server, warnings included. */
static void record_reproduces_rows_the_model_cannot_hold(void **state)
{
	(void)state;
	rt t;
	rt_init(&t);
	char fx[512], out[512], rdir[600], path[600];
	in_dir(fx, sizeof(fx), &t, "odd");
	assert_int_equal(mkdir(fx, 0700), 0);
	snprintf(rdir, sizeof(rdir), "%s/recordings", fx);
	assert_int_equal(mkdir(rdir, 0700), 0);
	write_file(fx, "server.json",
		   "{\"ServerName\": \"Odd\", \"Id\": \"6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e\",\n"
		   " \"Users\": [{\"Id\": \"" PRIV_USER
		   "\", \"Name\": \"odd\", \"Token\": \"" PRIV_TOKEN "\"}]}\n");
	write_file(fx, "items.json",
		   "[{\"Id\": \"901\", \"Type\": \"Movie\", \"Name\": \"Alpha\", \"ProviderIds\": "
		   "{\"Tmdb\": \"9901\"}, \"RunTimeTicks\": 72000000000}]\n");
	static const char listing[] =
	    "{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items\", \"query\": "
	    "{\"Filters\": \"IsResumable\"}},\n"
	    " \"response\": {\"status\": 200, \"body\": {\"Items\": [\n"
	    "  {\"Id\": \"901\", \"Type\": \"Movie\", \"Name\": \"Alpha\", \"ProviderIds\": "
	    "{\"Tmdb\": \"9901\"}, \"RunTimeTicks\": 72000000000,\n"
	    "   \"UserData\": {\"PlaybackPositionTicks\": 18000000000, \"Played\": false,\n"
	    "                \"LastPlayedDate\": \"2024-03-01T20:00:00.0000000Z\"}},\n"
	    "  {\"Id\": \"905\", \"Type\": \"Movie\", \"Name\": \"Bad Ticks\", \"ProviderIds\": "
	    "{\"Tmdb\": \"9905\"},\n"
	    "   \"UserData\": {\"PlaybackPositionTicks\": \"12x\", \"Played\": false}},\n"
	    "  {\"Id\": \"906\", \"Type\": \"Movie\", \"Name\": \"Odd Year\", \"ProductionYear\": "
	    "\"1999\", \"ProviderIds\": {\"Tmdb\": \"9906\"},\n"
	    "   \"UserData\": {\"PlaybackPositionTicks\": 6000000000, \"Played\": false}}],\n"
	    "  \"TotalRecordCount\": 3}}}\n";
	write_file(rdir, "listing.json", listing);
	t.orig = start_mock(fx);
	in_dir(out, sizeof(out), &t, "rec");
	record(&t, t.orig, PRIV_USER, PRIV_TOKEN, out, NULL, NULL, NULL, NULL);
	expect_rc(&t, 0);
	snprintf(path, sizeof(path), "%s/manifest.json", out);
	cJSON *m = load_json(path);
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(m, "counts");
	assert_int_equal_dec(
	    cJSON_GetObjectItemCaseSensitive(counts, "userdata_members_dropped")->valuedouble, 1);
	assert_int_equal_dec(
	    cJSON_GetObjectItemCaseSensitive(counts, "verbatim_pages")->valuedouble, 1);
	const cJSON *dropped = cJSON_GetObjectItemCaseSensitive(m, "dropped");
	assert_int_equal_dec(cJSON_GetArraySize(dropped), 1);
	assert_string_equal(e2e_str(cJSON_GetArrayItem(dropped, 0), "id"), "906");
	cJSON_Delete(m);

	char *tok = fixture_token_of(out);
	t.rec = start_mock(out);
	char *ia = index_of(&t, t.orig, PRIV_USER, PRIV_TOKEN, NULL);
	expect_rc(&t, 0);
	char *wa = strdup(t.e.err);
	char *ib = index_of(&t, t.rec, PRIV_USER, tok, NULL);
	expect_rc(&t, 0);
	assert_string_equal(ia, ib);
	assert_string_equal(wa, t.e.err); /* the same warnings */
	assert_non_null(strstr(ia, "tmdb:9906"));
	free(ia);
	free(ib);
	free(wa);
	free(tok);
	rt_done(&t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(record_roundtrip_index_identical),
	    cmocka_unit_test(record_roundtrip_sync_plans_identical),
	    cmocka_unit_test(record_whole_library_plans_identical_both_ways),
	    cmocka_unit_test(record_library_selection_roundtrip),
	    cmocka_unit_test(record_limit_keeps_first_n_resumable),
	    cmocka_unit_test(record_sends_the_clients_own_requests),
	    cmocka_unit_test(record_never_writes_the_token),
	    cmocka_unit_test(record_redacted_holds_none_of_the_values),
	    cmocka_unit_test(record_failed_read_exits_3_and_leaves_nothing),
	    cmocka_unit_test(record_bad_arguments_exit_2),
	    cmocka_unit_test(record_keeps_verbatim_pages_the_model_cannot_reproduce),
	    cmocka_unit_test(record_reproduces_rows_the_model_cannot_hold),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
