/* Placeholder until the plan command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_plan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress plan: not built yet\n");
	return CWP_EXIT_USAGE;
}
