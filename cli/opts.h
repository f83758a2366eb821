/* Option handling shared by the verbs, where it is about safety rather than
 * parsing: a value on the command line may be a token typed by mistake, so
 * no message repeats one (CLI-04), and options that weaken security or name
 * a secret's file count only when typed in full, never as getopt_long
 * abbreviations (CLI-05: `--insec`; CLI-04: `--token SECRET` read as an
 * abbreviation of `--token-file`). */
#ifndef CWP_CLI_OPTS_H
#define CWP_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

/* Whether the option getopt_long has just returned was typed as `name` in
 * full (`--name`, or `--name=VALUE` for one with a value). optarg_ is
 * getopt's optarg for that option (NULL for one without a value). */
bool cwp__opt_typed_in_full(char **argv, const char *optarg_, const char *name);

/* For getopt_long's ':' (a value is missing) and '?' (unknown option)
 * returns: "cwprogress VERB: --x needs a value" or "unknown option '--x'",
 * the option's name only. */
void cwp__opt_report_bad(FILE *err, const char *verb, int c, char **argv);

/* An argument the verb does not take, reported by position, not echoed.
 * hint (may be NULL) is added in parentheses. */
void cwp__opt_report_stray(FILE *err, const char *verb, int index, const char *hint);

/* `--insecure` only by its exact name (CLI-05); prints why otherwise.
 * Returns true when accepted. */
bool cwp__opt_insecure_ok(FILE *err, const char *verb, char **argv);

/* `--token-file` only by its full name (CLI-04); prints why otherwise.
 * Returns true when accepted. */
bool cwp__opt_token_file_ok(FILE *err, const char *verb, char **argv, const char *optarg_);

#endif
