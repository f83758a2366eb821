/* Placeholder until the index command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_index(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress index: not built yet\n");
	return CWP_EXIT_USAGE;
}
