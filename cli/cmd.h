/* The cwprogress command's verbs: cmd_<verb>.c each define one entry point
 * that gets argv with argv[0] = the verb. Exit codes (CLI-03):
 * 0 done, 1 some writes failed, 2 usage or configuration error,
 * 3 a side could not be read (nothing written). */
#ifndef CWP_CLI_CMD_H
#define CWP_CLI_CMD_H

enum {
	CWP_EXIT_OK = 0,
	CWP_EXIT_WRITES_FAILED = 1,
	CWP_EXIT_USAGE = 2,
	CWP_EXIT_READ_FAILED = 3,
};

int cmd_plan(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_conform(int argc, char **argv);
int cmd_record(int argc, char **argv);

#endif
