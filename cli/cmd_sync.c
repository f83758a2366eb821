/* cwprogress sync: resume positions from one Emby server to another (SPEC §5,
 * §6, §9). The engine is the cwp_sync library; this file reads the command
 * line and the pair file, runs it (sync.c) and prints the report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lock.h"
#include "opts.h"
#include "pair.h"
#include "report.h"
#include "household.h"
#include "service.h"
#include "sync.h"
#include "token.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress sync --config PAIR.json [options]\n"
		"\n"
		"Sync the resume positions (\"Continue Watching\") of one Emby user to another\n"
		"server, as the pair file says (docs/USAGE.md, man cwprogress).\n"
		"\n"
		"  -c, --config FILE    the pair file (servers, credentials, features.progress)\n"
		"  -n, --dry-run        read and decide everything, write nothing\n"
		"      --two-way        sync both directions (mode: two-way)\n"
		"      --json           print the full report as JSON on stdout\n"
		"      --plan-out FILE  also write the plan as JSON to FILE\n"
		"      --journal FILE   where previous values are journaled (for undo);\n"
		"                       default $XDG_STATE_HOME/cwprogress/sync-<time>.jsonl\n"
		"      --explain        list every key with its decision and reason\n"
		"      --max-in-flight N  concurrent writes per server (1-64)\n"
		"      --lock-timeout S wait up to S seconds (default 60) for another run\n"
		"                       against the same destination user to finish\n"
		"      --ca-file FILE   trust this CA bundle (PEM) for both servers\n"
		"      --insecure       do NOT verify TLS certificates (spelled out only)\n"
		"      --every DURATION run again and again (90s, 15m, 2h) until SIGINT/SIGTERM\n"
		"      --listen ADDR:PORT  sync one item when Emby's webhook says it changed\n"
		"                       (needs \"webhook\" in the pair file; docs/WEBHOOKS.md)\n"
		"  -v, --verbose        print warnings and request counts\n"
		"  -q, --quiet          print only failures\n"
		"  -h, --help           this help\n"
		"\n"
		"Tokens come only from the environment (token_env) or from a private token\n"
		"file (token_file, mode 0600), never from the command line.\n"
		"Exit status: 0 done, 1 some writes failed, 2 usage or configuration error,\n"
		"3 a server could not be read (nothing written).\n");
}

void cwp__warn_print(void *ud, const char *msg)
{
	cwp__warn_sink *s = ud;
	if (!s || !s->print || !s->term)
		return;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", msg);
	cwp__redact(buf);
	cwp__bar_clear(s->term);
	fprintf(s->term->err, "%swarning%s: %s\n", cwp__se(s->term, CWP__YELLOW),
		cwp__se(s->term, CWP__RESET), buf);
}

enum {
	OPT_TWO_WAY = 256,
	OPT_JSON,
	OPT_PLAN_OUT,
	OPT_JOURNAL,
	OPT_EXPLAIN,
	OPT_INSECURE,
	OPT_CA_FILE,
	OPT_IN_FLIGHT,
	OPT_LOCK_TIMEOUT,
	OPT_EVERY,
	OPT_LISTEN,
};

int cwp__cmd_sync(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"two-way", no_argument, NULL, OPT_TWO_WAY},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"plan-out", required_argument, NULL, OPT_PLAN_OUT},
	    {"journal", required_argument, NULL, OPT_JOURNAL},
	    {"explain", no_argument, NULL, OPT_EXPLAIN},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"max-in-flight", required_argument, NULL, OPT_IN_FLIGHT},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"every", required_argument, NULL, OPT_EVERY},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *plan_out = NULL, *journal = NULL, *ca_file = NULL;
	const char *listen = NULL;
	int64_t every_ms = 0;
	bool dry = false, two_way = false, json = false, explain = false, insecure = false;
	int verbosity = 0, in_flight = 0, rc = CWP_EXIT_USAGE;
	long lock_timeout_ms = 60000;
	char errbuf[1024];
	cwp__pair pair;
	cwp__creds creds[2];
	cwp_sync_result *rep = NULL;
	memset(&pair, 0, sizeof(pair));
	memset(creds, 0, sizeof(creds));

	optind = 0; /* glibc: full re-initialisation (in-process tests) */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":c:nvqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case OPT_TWO_WAY:
			two_way = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PLAN_OUT:
			plan_out = optarg;
			break;
		case OPT_JOURNAL:
			journal = optarg;
			break;
		case OPT_EXPLAIN:
			explain = true;
			break;
		case OPT_INSECURE:
			if (!cwp__opt_insecure_ok(err, "sync", argv))
				goto done;
			insecure = true;
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			break;
		case OPT_IN_FLIGHT: {
			char *end = NULL;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 64) {
				fprintf(err, "cwprogress sync: --max-in-flight must be 1-64\n");
				goto done;
			}
			in_flight = (int)v;
			break;
		}
		case OPT_EVERY:
			if (cwp__duration_parse(&every_ms, optarg) != 0) {
				fprintf(err,
					"cwprogress sync: --every %s: expected a duration of 1s to "
					"30d (90s, 15m, 2h)\n",
					optarg);
				goto done;
			}
			break;
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_LOCK_TIMEOUT:
			if (cwp__lock_timeout_parse(&lock_timeout_ms, optarg) != 0) {
				fprintf(err, "cwprogress sync: --lock-timeout must be 0-86400 "
					     "seconds\n");
				goto done;
			}
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'h':
			usage(out);
			rc = CWP_EXIT_OK;
			goto done;
		default:
			cwp__opt_report_bad(err, "sync", c, argv);
			goto done;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(err, "sync", optind,
				      "tokens are never given on the command line; see --help");
		goto done;
	}
	if (!config) {
		fprintf(err, "cwprogress sync: --config PAIR.json is required\n");
		usage(err);
		goto done;
	}

	if (every_ms || listen || cwp__household_is(config)) {
		/* Households, the schedule and webhooks (SVC-01..03). */
		cwp__service_opts so = {.config = config,
					.dry_run = dry,
					.json = json,
					.explain = explain,
					.insecure = insecure,
					.two_way = two_way,
					.verbosity = verbosity,
					.max_in_flight = in_flight,
					.lock_timeout_ms = lock_timeout_ms,
					.ca_file = ca_file,
					.journal = journal,
					.plan_out = plan_out,
					.every_ms = every_ms,
					.listen = listen,
					.out = out,
					.err = err};
		rc = cwp__service_main(&so);
		goto done;
	}
	cwp__term term;
	cwp__term_init(&term, out, err, verbosity);
	if (json)
		term.color_out = false;
	/* Configuration warnings (an unknown key is often a typo) are always
	 * shown; warnings of the run only with -v, counted otherwise. */
	cwp__warn_sink sink = {&term, verbosity >= 0};
	cwp_warnings cfgw = {0, cwp__warn_print, &sink};
	if (cwp__pair_load(&pair, config, &cfgw, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress sync: %s\n", cwp__redact(errbuf));
		goto done;
	}
	if (two_way)
		pair.cfg.mode = CWP_MODE_TWO_WAY;
	for (int s = 0; s < 2; s++)
		if (cwp__endpoint_creds(&creds[s], &pair.side[s], errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress sync: %s\n", cwp__redact(errbuf));
			goto done;
		}
	if (insecure)
		fprintf(err,
			"%swarning%s: --insecure: TLS certificates are NOT verified; anyone on "
			"the path can read the tokens and the data\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));

	cwp__warn_sink runsink = {&term, verbosity > 0};
	cwp__sync_opts o;
	cwp__sync_opts_for_pair(&o, &pair, creds);
	o.dry_run = dry;
	o.insecure = insecure;
	o.ca_file = ca_file;
	o.journal_path = journal;
	o.plan_out = plan_out;
	o.term = &term;
	o.warn = &runsink;
	o.max_in_flight = in_flight;
	o.catch_signals = true;
	o.lock_timeout_ms = lock_timeout_ms;

	if (!json && verbosity >= 0)
		fprintf(out, "%scwprogress sync%s  %s %s %s  (%s%s)\n", cwp__so(&term, CWP__BOLD),
			cwp__so(&term, CWP__RESET), pair.side[0].label,
			pair.cfg.mode == CWP_MODE_TWO_WAY ? "<->" : "->", pair.side[1].label,
			pair.cfg.mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way",
			dry ? ", dry run" : "");
	rc = cwp__sync_pair(&rep, &o, errbuf, sizeof(errbuf));
	if (rc != 0) {
		fprintf(err, "cwprogress sync: %s\n", errbuf);
		goto done;
	}
	cwp_sync_result_add_warnings(rep, cfgw.count);
	const cwp_sync_summary *sum = cwp_sync_result_summary(rep);
	if (json)
		cwp__report_print_json(rep, out);
	else
		cwp__report_print(rep, &term,
				  verbosity < 0 ? CWP__SHOW_QUIET
				  : explain     ? CWP__SHOW_EXPLAIN
						: CWP__SHOW_SUMMARY);
	if ((json || verbosity < 0) &&
	    (sum->outcome == CWP_SYNC_UNUSABLE || sum->outcome == CWP_SYNC_READ_FAILED))
		fprintf(err, "cwprogress sync: %s\n", sum->error);
	if (sum->interrupted)
		fprintf(err, "cwprogress sync: interrupted; no new write was started\n");
	fflush(out);
	rc = (int)sum->outcome;
done:
	cwp_sync_result_free(rep);
	cwp__creds_free(&creds[0]);
	cwp__creds_free(&creds[1]);
	cwp__pair_free(&pair);
	cwp__secret_clear();
	return rc;
}

int cmd_sync(int argc, char **argv)
{
	return cwp__cmd_sync(argc, argv, stdout, stderr);
}
