/* cwprogress: resume-position sync for Emby (SPEC §9). */
#include <stdio.h>
#include <string.h>

#include "cwp/common.h"
#include "cmd.h"

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
    {"sync", cmd_sync, "sync resume positions from one Emby server to another"},
    {"plan", cmd_plan, "plan offline from two index JSON files"},
    {"index", cmd_index, "print one server's progress index as JSON"},
    {"demo", cmd_demo, "sync two embedded mock servers (no set-up, no network)"},
    {"undo", cmd_undo, "restore what a sync overwrote, from its journal"},
    {"conform", cmd_conform, "run the planner conformance vectors against a planner"},
    {"record", cmd_record, "record a server into a fixture the mock replays"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cwprogress <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\n'cwprogress <command> --help' describes a command; "
		   "'cwprogress --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CWP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CWP_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("cwprogress %s\n", CWP_VERSION_STRING);
		return CWP_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cwprogress: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CWP_EXIT_USAGE;
}
