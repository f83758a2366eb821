/* Placeholder until the conform command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_conform(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress conform: not built yet\n");
	return CWP_EXIT_USAGE;
}
