/* Placeholder until the demo command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_demo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress demo: not built yet\n");
	return CWP_EXIT_USAGE;
}
