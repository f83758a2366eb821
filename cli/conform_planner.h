/* The planner runner of `cwprogress conform` (docs/PORTING.md): every
 * planner vector through a port's planner command, per time zone, compared
 * strictly or by actions only. */
#ifndef CWP_CLI_CONFORM_PLANNER_H
#define CWP_CLI_CONFORM_PLANNER_H

#include <stdbool.h>
#include <stddef.h>

#include "conform_report.h"

#define CWP__CONFORM_MAX_ZONES 8

typedef struct cwp__planner_run {
	const char *cmd;                           /* --planner-cmd */
	const char *vectors_dir;                   /* --vectors, NULL: the default folder */
	bool actions_only;                         /* --check actions: reasons are not compared */
	const char *zones[CWP__CONFORM_MAX_ZONES]; /* --tz, repeatable */
	size_t n_zones;                            /* 0: the default zones */
} cwp__planner_run;

/* Runs the vectors; returns the exit status (0, 1 or 2). */
int cwp__conform_planner_run(const cwp__planner_run *p, const cwp__conform_opts *o);

/* `conform --planner`: answers one protocol request on stdin with this
 * project's planner. Returns the exit status. */
int cwp__conform_planner_serve(void);

#endif
