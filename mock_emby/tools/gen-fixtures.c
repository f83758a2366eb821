/* gen-fixtures: write a large, deterministic fixture directory for the
 * benchmarks (docs/FIXTURES.md, "Generated fixtures").
 *
 *   gen-fixtures --out DIR [--items N] [--resumable N] [--played N] [--seed N]
 *
 * The user's token in server.json is the fake "bench-token-not-secret". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_emby/mock_emby.h"

static int usage(FILE *to, int code)
{
	fputs("usage: gen-fixtures --out DIR [--items N] [--resumable N] [--played N] "
	      "[--seed N]\n"
	      "  Writes server.json, items.json and userdata/<userId>.json into DIR\n"
	      "  (defaults: 100000 items, 1000 resumable, 0 played, seed 1).\n",
	      to);
	return code;
}

static int number(const char *s, unsigned long *out)
{
	char *end = NULL;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (!end || *end || v > 100000000ULL)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

int main(int argc, char **argv)
{
	mock_emby_gen_options o = MOCK_EMBY_GEN_OPTIONS_INIT;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		unsigned long v = 0;
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return usage(stdout, 0);
		if (i + 1 >= argc)
			return usage(stderr, 2);
		const char *val = argv[++i];
		if (strcmp(a, "--out") == 0) {
			out = val;
			continue;
		}
		if (number(val, &v) != 0) {
			fprintf(stderr, "gen-fixtures: %s: not a number: %s\n", a, val);
			return 2;
		}
		if (strcmp(a, "--items") == 0)
			o.items = v;
		else if (strcmp(a, "--resumable") == 0)
			o.resumable = v;
		else if (strcmp(a, "--played") == 0)
			o.played = v;
		else if (strcmp(a, "--seed") == 0)
			o.seed = v;
		else
			return usage(stderr, 2);
	}
	if (!out)
		return usage(stderr, 2);
	char err[1024];
	if (mock_emby_generate_fixtures(out, &o, err, sizeof err) != 0) {
		fprintf(stderr, "gen-fixtures: %s\n", err);
		return 1;
	}
	char uid[33];
	mock_emby_generated_user_id(o.seed, uid);
	printf("%s\n", uid);
	return 0;
}
