/* The sync runner of `cwprogress conform --sync-cmd` (cli/conform_sync.h).
 * Scenarios are read and checked by the conformance kit (conformance/kit:
 * the same loader and checker as the in-process suite); the tool runs
 * through conform_exec, and the cases are reported by conform_report. */
#define _GNU_SOURCE /* mkdtemp, strndup */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cwp/cwp.h"
#include "cmd.h"
#include "conform_exec.h"
#include "conform_sync.h"
#include "pair.h"

#ifndef CWP_SOURCE_DIR
#define CWP_SOURCE_DIR ""
#endif
#ifndef CWP_INSTALL_DATADIR
#define CWP_INSTALL_DATADIR ""
#endif

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *cwp__conform_data_dir(const char *sub, char *out, size_t outsz)
{
	const char *env = getenv("CWP_SOURCE_DIR");
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	if (slash)
		*slash = '\0';
	if (env && *env) {
		snprintf(out, outsz, "%s/conformance/%s", env, sub);
		return out;
	}
	if (slash) {
		snprintf(out, outsz, "%s/../share/cwprogress/conformance/%s", exe, sub);
		char *real = is_dir(out) ? realpath(out, NULL) : NULL;
		if (real) {
			snprintf(out, outsz, "%s", real);
			free(real);
			return out;
		}
	}
	const char *roots[] = {CWP_SOURCE_DIR, "", CWP_INSTALL_DATADIR};
	const char *mid[] = {"/conformance/", "", "/cwprogress/conformance/"};
	for (size_t i = 0; i < 3; i++) {
		if (!*roots[i])
			continue;
		snprintf(out, outsz, "%s%s%s", roots[i], mid[i], sub);
		if (is_dir(out))
			return out;
	}
	snprintf(out, outsz, "conformance/%s", sub);
	return out;
}

#ifndef CWP_HAVE_MOCK
int cwp__conform_sync_run(const cwp__sync_runner *s, const cwp__conform_opts *o)
{
	(void)s;
	(void)o;
	fprintf(stderr, "cwprogress conform: --sync-cmd needs mock_emby (this build has none)\n");
	return CWP_EXIT_USAGE;
}
#else
#include "scenario.h"
#include "cwp/json.h"

/* Lines of checker output shown per case; the rest is counted. */
#define MAX_LINES 40

static const char *const env_prefix[2] = {"CWP_SOURCE", "CWP_DESTINATION"};

typedef struct srun {
	const cwp__sync_runner *s;
	const cwp__conform_opts *o;
	cwp__conform_report *rep;
	const cwp_scenario *sc;
	const char *name;
	mock_emby *m[2];
	char user[2][64], token[2][128];
	char dir[64], state[96], pair[96], out_path[96], err_path[96];
	char *out, *err; /* the last run's stdout and stderr */
	int rc;          /* its exit status (-1: killed or not started) */
	bool failed;
} srun;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Checker output as failures of the case, one per line. */
static void fail_lines(srun *r, const char *rule, const char *prefix, const char *msg)
{
	unsigned lines = 0, more = 0;
	for (const char *p = msg; p && *p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		if (len && lines < MAX_LINES)
			cwp__conform_case_fail(r->rep, rule, "%s%.*s", prefix, len, p);
		else if (len)
			more++;
		lines += len > 0;
		p = nl ? nl + 1 : NULL;
	}
	if (more)
		cwp__conform_case_fail(r->rep, rule, "%s… and %u more", prefix, more);
	r->failed = r->failed || lines;
}

static int start_servers(srun *r, char *err, size_t errsz)
{
	for (int s = 0; s < 2; s++) {
		char fx[PATH_MAX], merr[1024];
		snprintf(fx, sizeof(fx), "%s/%s", r->sc->dir, cwp_scenario_side_name[s]);
		if (cwp_scenario_fixture_user(fx, cwp_scenario_pair_user(r->sc, s), r->user[s],
					      sizeof(r->user[s]), r->token[s], sizeof(r->token[s]),
					      err, errsz) != 0)
			return -1;
		mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
		mo.fixtures_dir = fx;
		mo.threads = 8;
		if (mock_emby_start(&r->m[s], &mo, merr, sizeof(merr)) != 0) {
			snprintf(err, errsz, "%s server: %s", cwp_scenario_side_name[s], merr);
			return -1;
		}
	}
	return 0;
}

/* The progress settings of a pair object (features.progress, or a bare
 * progress), created when absent. */
static cJSON *progress_of(cJSON *pair)
{
	cJSON *bare = cJSON_GetObjectItemCaseSensitive(pair, "progress");
	if (cJSON_IsObject(bare))
		return bare;
	cJSON *f = cJSON_GetObjectItemCaseSensitive(pair, "features");
	if (!cJSON_IsObject(f))
		f = cJSON_AddObjectToObject(pair, "features");
	cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "progress");
	return cJSON_IsObject(p) ? p : cJSON_AddObjectToObject(f, "progress");
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddStringToObject(o, k, v);
}

/* The pair file of a step: URLs, user ids and token_env names filled in;
 * `--two-way` of a scenario becomes mode "two-way". */
static int write_pair(srun *r, const cwp_scenario_step *st)
{
	cJSON *p = cJSON_Duplicate(r->sc->pair, 1);
	int rc = -1;
	for (int s = 0; p && s < 2; s++) {
		cJSON *o = cJSON_GetObjectItemCaseSensitive(p, cwp_scenario_side_name[s]);
		if (!cJSON_IsObject(o))
			o = cJSON_AddObjectToObject(p, cwp_scenario_side_name[s]);
		char env[32];
		snprintf(env, sizeof(env), "%s_TOKEN", env_prefix[s]);
		set_str(o, "url", mock_emby_url(r->m[s]));
		set_str(o, "user_id", r->user[s]);
		cJSON_DeleteItemFromObjectCaseSensitive(o, "token_file");
		set_str(o, "token_env", env);
	}
	if (p && st->two_way)
		set_str(progress_of(p), "mode", "two-way");
	char *text = p ? cJSON_Print(p) : NULL;
	FILE *f = text ? fopen(r->pair, "w") : NULL;
	if (f) { /* closed exactly once, also when fclose itself fails */
		bool written = fputs(text, f) != EOF;
		if (fclose(f) == 0 && written)
			rc = 0;
	}
	cJSON_free(text);
	cJSON_Delete(p);
	return rc;
}

typedef struct envbuf {
	char *v[32];
	size_t n;
} envbuf;

static void env_add(envbuf *e, const char *name, const char *value)
{
	if (e->n + 1 >= sizeof(e->v) / sizeof(e->v[0]))
		return;
	size_t l = strlen(name) + strlen(value) + 2;
	char *s = malloc(l);
	if (s) {
		snprintf(s, l, "%s=%s", name, value);
		e->v[e->n++] = s;
	}
	e->v[e->n] = NULL;
}

static void env_free(envbuf *e)
{
	for (size_t i = 0; i < e->n; i++) {
		/* token values: cleared before they go back to the allocator */
		memset(e->v[i], 0, strlen(e->v[i]));
		free(e->v[i]);
	}
	e->n = 0;
}

static void read_output(srun *r)
{
	char err[256];
	size_t len;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	if (cwp__read_file(&r->out, &len, r->out_path, (size_t)64 << 20, err, sizeof(err)) != 0)
		r->out = strdup("");
	if (cwp__read_file(&r->err, &len, r->err_path, (size_t)64 << 20, err, sizeof(err)) != 0)
		r->err = strdup("");
}

/* One run of the tool. false: it could not start or ran out of time (a
 * failure of the case, already reported). */
static bool run_tool(srun *r, size_t step, bool dry)
{
	envbuf e = {{NULL}, 0};
	char num[16], name[48];
	const cJSON *x;
	env_add(&e, "CWP_CONFORM_PAIR", r->pair);
	for (int s = 0; s < 2; s++) {
		snprintf(name, sizeof(name), "%s_URL", env_prefix[s]);
		env_add(&e, name, mock_emby_url(r->m[s]));
		snprintf(name, sizeof(name), "%s_USER", env_prefix[s]);
		env_add(&e, name, r->user[s]);
		snprintf(name, sizeof(name), "%s_TOKEN", env_prefix[s]);
		env_add(&e, name, r->token[s]);
	}
	env_add(&e, "CWP_CONFORM_STATE", r->state);
	env_add(&e, "CWP_CONFORM_DRY_RUN", dry ? "1" : "0");
	env_add(&e, "CWP_CONFORM_REPORT", r->sc->human ? "human" : "json");
	env_add(&e, "CWP_CONFORM_SCENARIO", r->name);
	snprintf(num, sizeof(num), "%zu", step + 1);
	env_add(&e, "CWP_CONFORM_STEP", num);
	cJSON_ArrayForEach(x, r->sc->env) env_add(&e, x->string, x->valuestring);

	cwp__exec_result res;
	int started = cwp__conform_exec(&res, r->s->cmd, NULL, r->out_path, r->err_path, e.v,
					r->o->timeout_ms);
	env_free(&e);
	read_output(r);
	r->rc = started == 0 ? res.status : -1;
	if (started != 0) {
		cwp__conform_case_fail(r->rep, NULL, "%s: cannot start the sync command: %s",
				       r->name, strerror(errno));
	} else if (res.timed_out) {
		cwp__conform_case_fail(r->rep, NULL,
				       "step %zu: the sync command ran longer than %.1f s and was "
				       "killed (--timeout)",
				       step + 1, (double)r->o->timeout_ms / 1000.0);
	}
	r->failed = r->failed || started != 0 || res.timed_out;
	return started == 0 && !res.timed_out;
}

/* CLI-04: a token in the tool's output. */
static void check_tokens(srun *r, const char *prefix)
{
	for (int s = 0; s < 2; s++) {
		if (!r->token[s][0])
			continue;
		if ((r->out && strstr(r->out, r->token[s])) ||
		    (r->err && strstr(r->err, r->token[s]))) {
			cwp__conform_case_fail(r->rep, "CLI-04",
					       "%s+ the %s token appears in the tool's output",
					       prefix, cwp_scenario_side_name[s]);
			r->failed = true;
		}
	}
}

static void take_journals(srun *r, cJSON *j[2])
{
	for (int s = 0; s < 2; s++) {
		j[s] = cwp_scenario_journal(r->m[s]);
		mock_emby_journal_clear(r->m[s]);
	}
}

static void free_journals(cJSON *j[2])
{
	cJSON_Delete(j[0]);
	cJSON_Delete(j[1]);
}

/* A run that must send no write: a dry run (APPLY-08) or the immediate
 * second run (APPLY-07). */
static void run_no_writes(srun *r, size_t i, bool dry, const char *what, const char *rule,
			  const char *prefix)
{
	cJSON *j[2];
	char *msg = NULL;
	if (!run_tool(r, i, dry))
		return;
	take_journals(r, j);
	cwp_scenario_check_no_writes(j, what, rule, &msg);
	free_journals(j);
	fail_lines(r, rule, prefix, msg);
	free(msg);
	check_tokens(r, prefix);
	int want = cwp_scenario_second_exit_code(&r->sc->steps[i]);
	if (!dry && r->s->exit_codes && want >= 0 && r->rc != want) {
		cwp__conform_case_fail(r->rep, "CLI-03",
				       "%s~ the second run exited %d, expected %d", prefix, r->rc,
				       want);
		r->failed = true;
	}
}

/* What --exit-codes adds to a scenario's checks. */
static unsigned checks_of(const srun *r)
{
	if (!r->s->exit_codes)
		return 0;
	unsigned what = CWP_SCN_CHECK_EXIT;
	if (!r->sc->human)
		what |= CWP_SCN_CHECK_REPORT;
	if (!r->sc->stderr_tty) /* its expectations need a terminal */
		what |= CWP_SCN_CHECK_OUTPUT;
	return what;
}

static void run_step(srun *r, size_t i)
{
	const cwp_scenario_step *st = &r->sc->steps[i];
	char prefix[32] = "", *msg = NULL;
	if (r->sc->n_steps > 1)
		snprintf(prefix, sizeof(prefix), "step %zu: ", i + 1);
	const char *users[2] = {r->user[0], r->user[1]};
	if (cwp_scenario_step_setup(r->sc, i, r->m, users, &msg) != 0 || write_pair(r, st) != 0) {
		fail_lines(r, NULL, prefix, msg ? msg : "cannot write the pair file\n");
		free(msg);
		return;
	}
	if (st->dry_run_check)
		run_no_writes(r, i, true, "the dry run", "APPLY-08", prefix);
	if (!run_tool(r, i, st->dry_run))
		return;
	cJSON *j[2];
	take_journals(r, j);
	unsigned what = checks_of(r);
	cJSON *report = what & CWP_SCN_CHECK_REPORT ? cwp_json_parse_str(r->out) : NULL;
	cwp_scenario_run run = {{r->m[0], r->m[1]},
				{r->user[0], r->user[1]},
				{j[0], j[1]},
				r->rc,
				r->out,
				r->err,
				report};
	cwp_scenario_check(st, &run, what, &msg);
	fail_lines(r, NULL, prefix, msg);
	free(msg);
	cJSON_Delete(report);
	free_journals(j);
	check_tokens(r, prefix);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st->expect, "second_run_writes_nothing")))
		run_no_writes(r, i, st->dry_run, "the second run", "APPLY-07", prefix);
}

static int make_dirs(srun *r)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(r->dir, sizeof(r->dir), "%s/cwp-sync-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(r->dir))
		return -1;
	snprintf(r->state, sizeof(r->state), "%s/state", r->dir);
	snprintf(r->pair, sizeof(r->pair), "%s/pair.json", r->dir);
	snprintf(r->out_path, sizeof(r->out_path), "%s/stdout", r->dir);
	snprintf(r->err_path, sizeof(r->err_path), "%s/stderr", r->dir);
	return mkdir(r->state, 0700);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove the scenario's folder (the tool's state folder may hold anything). */
static void remove_dirs(srun *r)
{
	if (r->dir[0] && strstr(r->dir, "/cwp-sync-") &&
	    nftw(r->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cwprogress conform: could not remove %s: %s\n", r->dir,
			strerror(errno));
	r->dir[0] = '\0';
}

static void one_scenario(srun *r, const cwp_scenario *sc, const char *name)
{
	char err[1024];
	double t0 = now_s();
	r->sc = sc;
	r->name = name;
	r->failed = false;
	cwp__conform_case_begin(r->rep, name, sc->rules);
	if (make_dirs(r) != 0) {
		cwp__conform_case_fail(r->rep, NULL, "cannot create a temporary folder: %s",
				       strerror(errno));
	} else if (start_servers(r, err, sizeof(err)) != 0) {
		cwp__conform_case_fail(r->rep, NULL, "%s", err);
	} else {
		for (size_t i = 0; i < sc->n_steps; i++)
			run_step(r, i);
		if (r->failed && r->err && *r->err) {
			size_t l = strlen(r->err);
			cwp__conform_case_fail(r->rep, NULL, "--- the last run's stderr\n%s",
					       r->err + (l > 1500 ? l - 1500 : 0));
		}
	}
	for (int s = 0; s < 2; s++) {
		mock_emby_stop(r->m[s]);
		r->m[s] = NULL;
	}
	memset(r->token, 0, sizeof(r->token));
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	remove_dirs(r);
	cwp__conform_case_end(r->rep, now_s() - t0);
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* Load, select and run one scenario folder. */
static void one_dir(srun *r, const char *dir)
{
	cwp_scenario *sc = NULL;
	char *msg = NULL;
	const char *name = base_name(dir);
	if (cwp_scenario_load(&sc, dir, &msg) != 0) {
		/* A broken scenario is the kit's problem, never a pass. */
		cwp__conform_case_begin(r->rep, name, NULL);
		cwp__conform_case_fail(r->rep, "scenario", "%s: not a valid scenario", dir);
		fail_lines(r, "scenario", "", msg);
		cwp__conform_case_end(r->rep, 0);
	} else if (cwp__conform_selected(r->rep, name, sc->rules)) {
		one_scenario(r, sc, name);
	}
	free(msg);
	cwp_scenario_free(sc);
}

int cwp__conform_sync_run(const cwp__sync_runner *s, const cwp__conform_opts *o)
{
	srun r;
	char dflt[PATH_MAX];
	const char *dir = s->scenarios_dir ? s->scenarios_dir
					   : cwp__conform_data_dir("scenarios", dflt, sizeof(dflt));
	char **dirs = NULL;
	size_t n = cwp_scenario_list(&dirs, dir);
	int rc;

	memset(&r, 0, sizeof(r));
	r.s = s;
	r.o = o;
	if (n == 0) {
		fprintf(stderr,
			"cwprogress conform: no scenario (a folder with scenario.json) in %s\n",
			dir);
		cwp_scenario_list_free(dirs, n);
		return CWP_EXIT_USAGE;
	}
	printf("cwprogress conform: %zu scenarios from %s\n", n, dir);
	if (cwp__conform_report_new(&r.rep, "sync", o, stdout, stderr) != 0) {
		cwp_scenario_list_free(dirs, n);
		return CWP_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		one_dir(&r, dirs[i]);
	rc = cwp__conform_report_finish(r.rep);
	cwp__conform_report_free(r.rep);
	cwp_scenario_list_free(dirs, n);
	return rc;
}
#endif
