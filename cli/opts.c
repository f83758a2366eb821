/* Shared, safety-minded option handling of the verbs (see opts.h). */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"

/* The argv word of the option getopt_long has just returned: with a value
 * given as the next word (`--opt VALUE`), optind has moved past both. */
static const char *option_word(char **argv, const char *optarg_)
{
	if (optarg_ && optarg_ == argv[optind - 1] && optind >= 2)
		return argv[optind - 2];
	return argv[optind - 1];
}

bool cwp__opt_typed_in_full(char **argv, const char *optarg_, const char *name)
{
	const char *w = option_word(argv, optarg_);
	size_t n = strlen(name);
	return strncmp(w, name, n) == 0 && (w[n] == '\0' || (optarg_ && w[n] == '='));
}

void cwp__opt_report_bad(FILE *err, const char *verb, int c, char **argv)
{
	const char *w = argv[optind - 1];
	int n = (int)strcspn(w, "=");
	if (c == ':')
		fprintf(err, "cwprogress %s: %.*s needs a value\n", verb, n, w);
	else
		fprintf(err, "cwprogress %s: unknown option '%.*s' (see --help)\n", verb, n, w);
}

void cwp__opt_report_stray(FILE *err, const char *verb, int index, const char *hint)
{
	fprintf(err, "cwprogress %s: unexpected argument #%d%s%s%s\n", verb, index,
		hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
}

bool cwp__opt_insecure_ok(FILE *err, const char *verb, char **argv)
{
	if (cwp__opt_typed_in_full(argv, NULL, "--insecure"))
		return true;
	fprintf(err, "cwprogress %s: write --insecure in full to turn off TLS verification\n",
		verb);
	return false;
}

bool cwp__opt_token_file_ok(FILE *err, const char *verb, char **argv, const char *optarg_)
{
	if (cwp__opt_typed_in_full(argv, optarg_, "--token-file"))
		return true;
	fprintf(err,
		"cwprogress %s: unknown option '--token' (write --token-file in full; tokens "
		"are never given on the command line)\n",
		verb);
	return false;
}
