/* The sync runner of `cwprogress conform` (docs/PORTING.md, issue 14): every
 * scenario of conformance/scenarios/ against any sync tool, in any language,
 * as a black box. Per scenario two mock servers start from its fixtures on
 * 127.0.0.1:0; the tool's command runs (through /bin/sh -c) once per step
 * with this environment:
 *
 *   CWP_CONFORM_PAIR        a pair file: both URLs, user ids, token_env names,
 *                           features.progress
 *   CWP_SOURCE_URL, CWP_SOURCE_USER, CWP_SOURCE_TOKEN
 *   CWP_DESTINATION_URL, CWP_DESTINATION_USER, CWP_DESTINATION_TOKEN
 *   CWP_CONFORM_STATE       a folder kept across the runs of one scenario
 *   CWP_CONFORM_DRY_RUN     1 for a dry run (write nothing), else 0
 *   CWP_CONFORM_REPORT      json (print cwprogress's --json report, read only
 *                           with --exit-codes) or human
 *   CWP_CONFORM_SCENARIO, CWP_CONFORM_STEP   which scenario and run
 *
 * and the runner checks what the servers saw and hold (writes, request
 * counts, order, user data, the dry run, the second run). The exit status,
 * the report and the output are checked only with --exit-codes. */
#ifndef CWP_CLI_CONFORM_SYNC_H
#define CWP_CLI_CONFORM_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "conform_report.h"

typedef struct cwp__sync_runner {
	const char *cmd;           /* --sync-cmd */
	const char *scenarios_dir; /* --scenarios, NULL: the default folder */
	bool exit_codes;           /* --exit-codes: exit status, report, output too */
} cwp__sync_runner;

/* Runs the scenarios; returns the exit status (0, 1 or 2). */
int cwp__conform_sync_run(const cwp__sync_runner *s, const cwp__conform_opts *o);

/* A folder of the conformance data ("scenarios", "vectors/planner"): under
 * $CWP_SOURCE_DIR, beside an installed executable
 * (../share/cwprogress/conformance), in the source tree this binary was
 * built from, in the install prefix's data folder, else relative to the
 * working directory. Returns out. */
const char *cwp__conform_data_dir(const char *sub, char *out, size_t outsz);

#endif
