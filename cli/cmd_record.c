/* Placeholder until the record command lands; its owner replaces this file. */
#include <stdio.h>

#include "cmd.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cwprogress record: not built yet\n");
	return CWP_EXIT_USAGE;
}
