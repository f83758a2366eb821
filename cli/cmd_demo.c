/* cwprogress demo: the zero-setup main job (CLI-01). Starts two embedded mock
 * Emby servers from the bundled fixtures (mock_emby/fixtures/demo-a, demo-b),
 * shows the plan (dry run), syncs for real, shows the result, and runs again
 * to show that nothing is left to do (APPLY-07). Nothing leaves 127.0.0.1. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cmd.h"
#include "opts.h"
#include "journal.h"
#include "pair.h"
#include "demo_live.h"
#include "report.h"
#include "sync.h"
#include "token.h"

#ifdef CWP_HAVE_MOCK
#include "mock_emby/mock_emby.h"
#endif

#ifndef CWP_SOURCE_DIR
#define CWP_SOURCE_DIR ""
#endif
#ifndef CWP_INSTALL_DATADIR
#define CWP_INSTALL_DATADIR ""
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress demo [options]\n"
		"\n"
		"Start two embedded mock Emby servers on 127.0.0.1 (bundled fixtures demo-a\n"
		"and demo-b), show the plan, sync, show the result, and sync again to show\n"
		"that nothing is left to do. No set-up, no network.\n"
		"\n"
		"      --fixtures DIR   the folder holding demo-a/ and demo-b/ (default: found\n"
		"                       next to the program, in the install's share/cwprogress,\n"
		"                       or in the source tree; $CWPROGRESS_FIXTURES also works)\n"
		"      --two-way        sync both directions\n"
		"      --explain        list every key with its decision and reason\n"
		"      --save DIR       keep the journal, both servers' final user data and\n"
		"                       their request journals in DIR\n"
		"  -v, --verbose / -q, --quiet\n"
		"  -h, --help\n");
}

/* a + b into a path buffer; false when the result would not fit. */
static bool path_cat(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s%s", a, b);
	return n >= 0 && (size_t)n < outsz;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_demo(const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!dir || !*dir)
		return false;
	return path_cat(a, sizeof(a), dir, "/demo-a/server.json") &&
	       path_cat(b, sizeof(b), dir, "/demo-b/server.json") && access(a, R_OK) == 0 &&
	       access(b, R_OK) == 0;
}

/* Where the bundled fixtures are, in this order: --fixtures,
 * $CWPROGRESS_FIXTURES, beside the executable (<bin>/../share/cwprogress/
 * fixtures for an install, <build>/bin/../../mock_emby/fixtures and
 * <build>/bin/../../../mock_emby/fixtures for a build tree inside the source
 * tree), the install prefix, then the source tree this binary was built
 * from. */
static int find_fixtures(char *out, size_t outsz, const char *given)
{
	if (given) {
		if (!has_demo(given))
			return CWP_ENOTFOUND;
		snprintf(out, outsz, "%s", given);
		return 0;
	}
	const char *env = getenv("CWPROGRESS_FIXTURES");
	if (env && has_demo(env)) {
		snprintf(out, outsz, "%s", env);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			static const char *const rel[] = {
			    "/../share/cwprogress/fixtures",
			    "/../../mock_emby/fixtures",
			    "/../../../mock_emby/fixtures",
			    "/../mock_emby/fixtures",
			};
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				char cand[PATH_MAX];
				snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
				if (has_demo(cand)) {
					char *real = realpath(cand, NULL);
					snprintf(out, outsz, "%s", real ? real : cand);
					free(real);
					return 0;
				}
			}
		}
	}
	char cand[PATH_MAX];
	if (*CWP_INSTALL_DATADIR) {
		snprintf(cand, sizeof(cand), "%s/cwprogress/fixtures", CWP_INSTALL_DATADIR);
		if (has_demo(cand)) {
			snprintf(out, outsz, "%s", cand);
			return 0;
		}
	}
	if (*CWP_SOURCE_DIR) {
		snprintf(cand, sizeof(cand), "%s/mock_emby/fixtures", CWP_SOURCE_DIR);
		if (has_demo(cand)) {
			snprintf(out, outsz, "%s", cand);
			return 0;
		}
	}
	return CWP_ENOTFOUND;
}

/* The first user with a token in a fixture server (server.json "Users"),
 * and the server's name. The fixture's token goes straight to the client:
 * it is never printed. */
struct demo_user {
	char *id, *name, *token, *server_name;
};

static void demo_user_free(struct demo_user *u)
{
	free(u->id);
	free(u->name);
	cwp__secret_free(u->token);
	free(u->server_name);
	memset(u, 0, sizeof(*u));
}

static int read_demo_user(struct demo_user *u, const char *server_dir, char *err, size_t errsz)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	memset(u, 0, sizeof(*u));
	if (!path_cat(path, sizeof(path), server_dir, "/server.json")) {
		snprintf(err, errsz, "fixture path too long");
		return CWP_ERANGE;
	}
	int rc = cwp__read_file(&text, &len, path, (size_t)16 << 20, err, errsz);
	if (rc)
		return rc;
	cJSON *root = cwp_json_parse(text, len);
	free(text);
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "Users");
	const cJSON *usr;
	rc = CWP_ENOTFOUND;
	cJSON_ArrayForEach(usr, users)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(usr, "Id");
		const cJSON *tok = cJSON_GetObjectItemCaseSensitive(usr, "Token");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(usr, "Name");
		if (cJSON_IsString(id) && cJSON_IsString(tok) && *tok->valuestring) {
			u->id = strdup(id->valuestring);
			u->token = strdup(tok->valuestring);
			u->name = strdup(cJSON_IsString(name) ? name->valuestring : "");
			const cJSON *sn = cJSON_GetObjectItemCaseSensitive(root, "ServerName");
			u->server_name = strdup(cJSON_IsString(sn) ? sn->valuestring : "");
			rc = u->id && u->token && u->name && u->server_name ? 0 : CWP_ENOMEM;
			if (!rc)
				cwp__secret_add(u->token);
			break;
		}
	}
	cJSON_Delete(root);
	if (rc == CWP_ENOTFOUND && snprintf(err, errsz, "%s names no user with a Token", path) < 0)
		err[0] = 0;
	if (rc)
		demo_user_free(u);
	return rc;
}

/* The demo's rules: the defaults of SPEC §3, with clears on (remove: true)
 * so that a finished item shows confirm-before-clear at work. */
const char *cwp__demo_config_json(void);
const char *cwp__demo_config_json(void)
{
	return "{\"features\": {\"progress\": {\"remove\": true}}}";
}

static void rule(cwp__term *t, const char *step, const char *title)
{
	const char *line = t->color_out ? "\xe2\x94\x80\xe2\x94\x80" : "==";
	fprintf(t->out, "\n%s%s %s%s  %s%s%s\n", cwp__so(t, CWP__BOLD), line, step,
		cwp__so(t, CWP__RESET), cwp__so(t, CWP__BOLD), title, cwp__so(t, CWP__RESET));
}

enum { OPT_FIXTURES = 256, OPT_TWO_WAY, OPT_EXPLAIN, OPT_SAVE };

#ifdef CWP_HAVE_MOCK
/* Step 4: the source's player stops one resumable item 5 minutes further
 * on; the service's webhook listener syncs it (demo_live.c). */
static bool demo_live(cwp__demo_live_result *lv, cwp__term *t, mock_emby *src,
		      const cwp__endpoint eps[2], const cwp__creds creds[2], cwp_config cfg,
		      const char *journal, const char *src_user, int verbosity)
{
	memset(lv, 0, sizeof(*lv));
	char item[64] = "";
	int64_t at = 0;
	double best = 101;
	char *j = mock_emby_userdata_json(src, src_user);
	cJSON *all = j ? cwp_json_parse_str(j) : NULL;
	mock_emby_free(j);
	const cJSON *ud;
	cJSON_ArrayForEach(ud, all)
	{
		const cJSON *pct = cJSON_GetObjectItemCaseSensitive(ud, "PlayedPercentage");
		const cJSON *pos = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
		if (cJSON_IsNumber(pct) && cJSON_IsNumber(pos) && pct->valuedouble > 5 &&
		    pct->valuedouble < best && strlen(ud->string) < sizeof item &&
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"))) {
			best = pct->valuedouble;
			snprintf(item, sizeof item, "%s", ud->string);
			at = (int64_t)pos->valuedouble / 10000 + 5 * 60000;
		}
	}
	cJSON_Delete(all);
	if (verbosity >= 0)
		rule(t, "4/4",
		     "Live: Emby's webhook says an item stopped; that one item is synced");
	cwp__demo_live_opts o = {{&eps[0], &eps[1]}, {&creds[0], &creds[1]},     cfg,  journal,
				 mock_emby_url(src), mock_emby_admin_token(src), item, at};
	char err[512];
	if (!item[0] || cwp__demo_live(lv, &o, err, sizeof err) != 0) {
		fprintf(t->err, "cwprogress demo: live step: %s\n",
			item[0] ? err : "no resumable item on the source");
		return false;
	}
	bool ok = lv->exit_code == 0 && lv->written_ms == at;
	if (verbosity >= 0) {
		char when[32];
		fprintf(t->out,
			"  the player stopped item %s on demo-a at %s; the webhook's sync wrote it "
			"on demo-b %lld ms later (fresh state, journal first)\n",
			item, cwp__fmt_ms(when, sizeof when, at), (long long)lv->latency_ms);
	}
	return ok;
}

#endif

int cwp__cmd_demo(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"fixtures", required_argument, NULL, OPT_FIXTURES},
	    {"two-way", no_argument, NULL, OPT_TWO_WAY},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"save", required_argument, NULL, OPT_SAVE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *fixtures = NULL, *save = NULL;
	bool two_way = false, explain = false;
	int verbosity = 0, rc = CWP_EXIT_USAGE;
	char errbuf[1024];

	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":vqh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FIXTURES:
			fixtures = optarg;
			break;
		case OPT_TWO_WAY:
			two_way = true;
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		case OPT_SAVE:
			save = optarg;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'h':
			usage(out);
			return CWP_EXIT_OK;
		default:
			cwp__opt_report_bad(err, "demo", c, argv);
			return CWP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(err, "demo", optind, NULL);
		return CWP_EXIT_USAGE;
	}
#ifndef CWP_HAVE_MOCK
	(void)fixtures;
	(void)verbosity;
	(void)save;
	(void)two_way;
	(void)explain;
	(void)errbuf;
	(void)rule;
	(void)find_fixtures;
	(void)read_demo_user;
	(void)is_dir;
	fprintf(err, "cwprogress demo: this cwprogress was built without mock_emby "
		     "(CWP_WITH_MOCK=OFF)\n");
	return rc;
#else
	char dir[PATH_MAX], srv[2][PATH_MAX + 16], tmpdir[PATH_MAX] = "", jpath[PATH_MAX + 32];
	mock_emby *m[2] = {NULL, NULL};
	struct demo_user users[2];
	cwp__endpoint eps[2];
	cwp__creds creds[2];
	cwp_sync_result *reps[3] = {NULL, NULL, NULL};
	memset(users, 0, sizeof(users));
	memset(eps, 0, sizeof(eps));
	memset(creds, 0, sizeof(creds));
	static const char *const names[2] = {"demo-a", "demo-b"};

	if (find_fixtures(dir, sizeof(dir), fixtures) != 0) {
		fprintf(
		    err,
		    "cwprogress demo: cannot find the demo fixtures (demo-a/ and demo-b/)%s%s.\n"
		    "  Give --fixtures DIR (e.g. mock_emby/fixtures in the source tree) or set "
		    "CWPROGRESS_FIXTURES.\n",
		    fixtures ? " in " : "", fixtures ? fixtures : "");
		goto done;
	}
	if (save && !is_dir(save) && mkdir(save, 0700) != 0) {
		fprintf(err, "cwprogress demo: cannot create %s: %s\n", save, strerror(errno));
		goto done;
	}

	cwp__term term;
	cwp__term_init(&term, out, err, verbosity);
	cwp__warn_sink sink = {&term, verbosity > 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	cwp_config cfg = CWP_CONFIG_INIT;
	if (cwp_config_parse(&cfg, cwp__demo_config_json(), strlen(cwp__demo_config_json()), &w) !=
	    0) {
		fprintf(err, "cwprogress demo: %s\n", cwp_error_last());
		goto done;
	}
	if (two_way)
		cfg.mode = CWP_MODE_TWO_WAY;

	for (int s = 0; s < 2; s++) {
		snprintf(srv[s], sizeof(srv[s]), "%s/%s", dir, names[s]);
		if (read_demo_user(&users[s], srv[s], errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress demo: %s\n", errbuf);
			goto done;
		}
		mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
		mo.fixtures_dir = srv[s];
		mo.threads = 4;
		if (mock_emby_start(&m[s], &mo, errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress demo: cannot start the %s mock server: %s\n",
				names[s], errbuf);
			m[s] = NULL;
			rc = CWP_EXIT_READ_FAILED;
			goto done;
		}
		eps[s].label = strdup(names[s]);
		eps[s].url = strdup(mock_emby_url(m[s]));
		eps[s].user_id = strdup(users[s].id);
		creds[s].token = strdup(users[s].token);
		if (!eps[s].label || !eps[s].url || !eps[s].user_id || !creds[s].token) {
			fprintf(err, "cwprogress demo: out of memory\n");
			goto done;
		}
	}
	if (save) {
		snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", save);
		unlink(jpath);
	} else {
		const char *tmp = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/cwprogress-demo-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpdir)) {
			fprintf(err, "cwprogress demo: cannot create a temporary folder: %s\n",
				strerror(errno));
			tmpdir[0] = 0;
			goto done;
		}
		snprintf(jpath, sizeof(jpath), "%s/journal.jsonl", tmpdir);
	}

	if (verbosity >= 0) {
		fprintf(out,
			"%scwprogress demo%s  two embedded mock Emby servers; nothing leaves "
			"this machine\n\n",
			cwp__so(&term, CWP__BOLD), cwp__so(&term, CWP__RESET));
		for (int s = 0; s < 2; s++)
			fprintf(out, "  %s%-12s%s %s%s%s \"%s\" at %s, user %s\n",
				cwp__so(&term, CWP__DIM), s ? "destination" : "source",
				cwp__so(&term, CWP__RESET), cwp__so(&term, CWP__BOLD), names[s],
				cwp__so(&term, CWP__RESET), users[s].server_name, eps[s].url,
				users[s].name);
		fprintf(out,
			"  %s%-12s%s %s, min %llds, delta %llds, max %.0f%%, clears only for "
			"explicit zeros (remove: %s)\n",
			cwp__so(&term, CWP__DIM), "rules", cwp__so(&term, CWP__RESET),
			cfg.mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way",
			(long long)cfg.min_seconds, (long long)cfg.delta_seconds, cfg.max_percent,
			cfg.remove ? "true" : "false");
	}

	int show = verbosity < 0 ? CWP__SHOW_QUIET
		   : explain     ? CWP__SHOW_EXPLAIN
				 : CWP__SHOW_SUMMARY;
	static const char *const steps[3][2] = {
	    {"1/4", "Plan: a dry run reads and decides everything, and writes nothing"},
	    {"2/4", "Sync: journal first, then write"},
	    {"3/4", "Run again: nothing is left to do"},
	};
	for (int run = 0; run < 3; run++) {
		cwp__sync_opts o;
		memset(&o, 0, sizeof(o));
		o.side[0] = &eps[0];
		o.side[1] = &eps[1];
		o.creds[0] = &creds[0];
		o.creds[1] = &creds[1];
		o.cfg = cfg;
		o.dry_run = run == 0;
		o.journal_path = jpath;
		o.command = "demo";
		o.term = &term;
		o.warn = &sink;
		o.no_lock = true; /* its own mocks: no other run can meet them */
		if (verbosity >= 0)
			rule(&term, steps[run][0], steps[run][1]);
		rc = cwp__sync_pair(&reps[run], &o, errbuf, sizeof(errbuf));
		if (rc != 0) {
			fprintf(err, "cwprogress demo: %s\n", errbuf);
			goto done;
		}
		/* The journal lives in a temporary folder unless --save. */
		cwp__report_print(reps[run], &term,
				  show | CWP__SHOW_NO_SERVERS | (save ? 0 : CWP__SHOW_NO_JOURNAL));
		if (cwp_sync_result_summary(reps[run])->outcome != CWP_SYNC_DONE) {
			rc = (int)cwp_sync_result_summary(reps[run])->outcome;
			fprintf(err, "cwprogress demo: step %s did not succeed\n", steps[run][0]);
			goto done;
		}
	}

	/* --save keeps the three runs; the live step below comes after. */
	if (save) {
		for (int s = 0; s < 2; s++) {
			char p[PATH_MAX + 64];
			snprintf(p, sizeof(p), "%s/%s.state.json", save, names[s]);
			mock_emby_save_state(m[s], p);
			snprintf(p, sizeof(p), "%s/%s.requests.json", save, names[s]);
			char *j = mock_emby_journal_json(m[s]);
			FILE *f = j ? fopen(p, "w") : NULL;
			if (f) {
				fputs(j, f);
				fclose(f);
			}
			mock_emby_free(j);
		}
	}
	/* SVC-03: a webhook-driven sync of one item, live. */
	cwp__demo_live_result lv;
	bool live_ok = demo_live(&lv, &term, m[0], eps, creds, cfg, jpath, users[0].id, verbosity);

	/* APPLY-08 and APPLY-07, checked where the user can see them. */
	const cwp_sync_summary *real = cwp_sync_result_summary(reps[1]),
			       *again = cwp_sync_result_summary(reps[2]);
	bool same_plan = cwp_sync_result_same_plan(reps[0], reps[1]);
	size_t again_writes = again->upserts + again->clears;
	if (verbosity >= 0) {
		fprintf(out, "\n%sresult%s\n", cwp__so(&term, CWP__BOLD),
			cwp__so(&term, CWP__RESET));
		fprintf(out,
			"  %s%s%s the dry run planned exactly what the sync then did (%zu "
			"upsert%s, %zu clear%s)\n",
			cwp__so(&term, same_plan ? CWP__GREEN : CWP__RED),
			same_plan ? "ok " : "!! ", cwp__so(&term, CWP__RESET), real->upserts,
			real->upserts == 1 ? "" : "s", real->clears, real->clears == 1 ? "" : "s");
		fprintf(out,
			"  %s%s%s %zu of %zu writes applied, every previous value journaled "
			"first\n",
			cwp__so(&term, real->failed ? CWP__RED : CWP__GREEN),
			real->failed ? "!! " : "ok ", cwp__so(&term, CWP__RESET), real->written,
			real->upserts + real->clears);
		fprintf(out, "  %s%s%s the second run found nothing to write (converged)\n",
			cwp__so(&term, again_writes ? CWP__RED : CWP__GREEN),
			again_writes ? "!! " : "ok ", cwp__so(&term, CWP__RESET));
		fprintf(out,
			"  %s%s%s a webhook synced one stopped item %lld ms after the player "
			"stopped it\n",
			cwp__so(&term, live_ok ? CWP__GREEN : CWP__RED), live_ok ? "ok " : "!! ",
			cwp__so(&term, CWP__RESET), (long long)lv.latency_ms);
		fprintf(out,
			"\n  Next: %scwprogress demo --explain%s shows every decision;\n"
			"        %scwprogress sync --config PAIR.json --dry-run%s runs against "
			"your own "
			"servers\n        (man cwprogress, docs/USAGE.md).\n",
			cwp__so(&term, CWP__BOLD), cwp__so(&term, CWP__RESET),
			cwp__so(&term, CWP__BOLD), cwp__so(&term, CWP__RESET));
	}
	rc = same_plan && !again_writes && !real->failed && live_ok ? CWP_EXIT_OK
								    : CWP_EXIT_WRITES_FAILED;

done:
	for (int i = 0; i < 3; i++)
		cwp_sync_result_free(reps[i]);
	for (int s = 0; s < 2; s++) {
		mock_emby_stop(m[s]);
		cwp__endpoint_free(&eps[s]);
		cwp__creds_free(&creds[s]);
		demo_user_free(&users[s]);
	}
	if (tmpdir[0]) {
		unlink(jpath);
		rmdir(tmpdir);
	}
	cwp__secret_clear();
	return rc;
#endif
}

int cmd_demo(int argc, char **argv)
{
	return cwp__cmd_demo(argc, argv, stdout, stderr);
}
