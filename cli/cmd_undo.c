/* Placeholder until the undo command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_undo(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress undo: not built yet\n");
	return CWP_EXIT_USAGE;
}
