/* cwprogress conform: the port runners (docs/PORTING.md).
 *
 *   cwprogress conform --planner-cmd "CMD" [--vectors DIR] [--check strict|actions]
 *                      [--tz ZONE]... [shared options]
 *   cwprogress conform --planner          (the reference planner: one protocol
 *                                          request on stdin, answer on stdout)
 *   cwprogress conform --sync-cmd "CMD" [--scenarios DIR] [--exit-codes]
 *                      [shared options]   (the sync runner: cli/conform_sync.c)
 *
 * This file only parses options and dispatches: the planner runner is
 * cli/conform_planner.c; what every runner shares (--rule, --exclude,
 * --expect-fail, --junit, --json, --timeout, -v) is cli/conform_report.c.
 * A new runner adds its options to `opts` and a branch after parsing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/cwp.h"
#include "cmd.h"
#include "conform_planner.h"
#include "conform_report.h"
#include "conform_sync.h"
#include "opts.h"

enum {
	OPT_PLANNER_CMD = 0x300,
	OPT_PLANNER,
	OPT_VECTORS,
	OPT_CHECK,
	OPT_TZ,
	OPT_SYNC_CMD,
	OPT_SCENARIOS,
	OPT_EXIT_CODES,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress conform --planner-cmd \"CMD\" [--vectors DIR] "
		"[--check strict|actions]\n"
		"                          [--tz ZONE]... [options]\n"
		"       cwprogress conform --sync-cmd \"CMD\" [--scenarios DIR] [--exit-codes] "
		"[options]\n"
		"       cwprogress conform --planner\n\n"
		"Runs every planner vector through CMD (the planner protocol, docs/PORTING.md),\n"
		"once per time zone, and reports each SPEC rule as pass or fail.\n"
		"Exit 0 all passed (or failed as listed), 1 some failed, 2 usage.\n\n"
		"  --check actions      compare actions only, not reason codes (default strict)\n"
		"  --tz ZONE            run under TZ=ZONE (repeatable; default UTC0 and\n"
		"                       EST5EDT,M3.2.0,M11.1.0)\n"
		"%s"
		"  --planner            answer one protocol request with this project's planner\n"
		"\n"
		"--sync-cmd runs every sync scenario against CMD (a whole sync tool, started\n"
		"through /bin/sh -c with the CWP_CONFORM_* environment of docs/PORTING.md)\n"
		"and checks what two mock servers saw and hold.\n"
		"  --scenarios DIR      the scenario folders (default: the installed ones)\n"
		"  --exit-codes         also check the exit status, the --json report and\n"
		"                       the output (this project's conventions, CLI-03)\n",
		cwp__conform_common_usage);
}

static const char *default_vectors_dir(void)
{
	static char buf[4096];
	return cwp__conform_data_dir("vectors/planner", buf, sizeof(buf));
}

/* One sync-runner option; false: not one of them. */
static bool sync_opt(cwp__sync_runner *s, int c, const char *arg)
{
	switch (c) {
	case OPT_SYNC_CMD:
		s->cmd = arg;
		return true;
	case OPT_SCENARIOS:
		s->scenarios_dir = arg;
		return true;
	case OPT_EXIT_CODES:
		s->exit_codes = true;
		return true;
	}
	return false;
}

/* One runner-specific option; false: a usage error, already printed. */
static bool planner_opt(cwp__planner_run *p, int c, const char *arg, bool *serve)
{
	switch (c) {
	case OPT_PLANNER_CMD:
		p->cmd = arg;
		return true;
	case OPT_PLANNER:
		*serve = true;
		return true;
	case OPT_VECTORS:
		p->vectors_dir = arg;
		return true;
	case OPT_CHECK:
		if (strcmp(arg, "strict") && strcmp(arg, "actions")) {
			fprintf(
			    stderr,
			    "cwprogress conform: --check takes strict or actions (got \"%s\")\n",
			    arg);
			return false;
		}
		p->actions_only = !strcmp(arg, "actions");
		return true;
	case OPT_TZ:
		if (!arg[0] || p->n_zones == CWP__CONFORM_MAX_ZONES) {
			fprintf(stderr,
				"cwprogress conform: --tz needs a zone, at most %d of them\n",
				CWP__CONFORM_MAX_ZONES);
			return false;
		}
		p->zones[p->n_zones++] = arg;
		return true;
	}
	return false;
}

int cmd_conform(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"planner-cmd", required_argument, NULL, OPT_PLANNER_CMD},
	    {"planner", no_argument, NULL, OPT_PLANNER},
	    {"vectors", required_argument, NULL, OPT_VECTORS},
	    {"check", required_argument, NULL, OPT_CHECK},
	    {"tz", required_argument, NULL, OPT_TZ},
	    {"sync-cmd", required_argument, NULL, OPT_SYNC_CMD},
	    {"scenarios", required_argument, NULL, OPT_SCENARIOS},
	    {"exit-codes", no_argument, NULL, OPT_EXIT_CODES},
	    {"help", no_argument, NULL, 'h'},
	    CWP__CONFORM_COMMON_OPTIONS,
	    {NULL, 0, NULL, 0}};
	cwp__conform_opts o;
	cwp__planner_run p;
	cwp__sync_runner sr = {NULL, NULL, false};
	bool serve = false;
	int c;

	cwp__conform_opts_init(&o);
	memset(&p, 0, sizeof(p));
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		int shared = cwp__conform_opt(&o, c, optarg, stderr);
		if (shared < 0)
			return CWP_EXIT_USAGE;
		if (shared > 0)
			continue;
		if (c == 'h') {
			usage(stdout);
			return CWP_EXIT_OK;
		}
		if (c == ':' || c == '?') {
			cwp__opt_report_bad(stderr, "conform", c, argv);
			return CWP_EXIT_USAGE;
		}
		if (!sync_opt(&sr, c, optarg) && !planner_opt(&p, c, optarg, &serve))
			return CWP_EXIT_USAGE;
	}
	if (optind < argc) {
		cwp__opt_report_stray(stderr, "conform", optind, NULL);
		return CWP_EXIT_USAGE;
	}
	if (serve)
		return cwp__conform_planner_serve();
	if (sr.cmd && p.cmd) {
		fprintf(stderr, "cwprogress conform: --sync-cmd and --planner-cmd are two runs: "
				"give one\n");
		return CWP_EXIT_USAGE;
	}
	if (sr.cmd)
		return cwp__conform_sync_run(&sr, &o);
	if (!p.cmd) {
		fprintf(stderr, "cwprogress conform: --planner-cmd or --sync-cmd is required\n");
		usage(stderr);
		return CWP_EXIT_USAGE;
	}
	if (!p.vectors_dir)
		p.vectors_dir = default_vectors_dir();
	return cwp__conform_planner_run(&p, &o);
}
