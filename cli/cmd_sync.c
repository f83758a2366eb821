/* Placeholder until the sync command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_sync(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress sync: not built yet\n");
	return CWP_EXIT_USAGE;
}
