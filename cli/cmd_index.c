/* cwprogress index: one server's progress index as JSON (CLI-02), read
 * through the client (READ-01..05). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "sync.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: cwprogress index --server URL --user ID [options]\n"
		   "\n"
		   "Print one Emby user's resumable items as an index JSON object keyed by\n"
		   "canonical key (CrossWatch's shape; docs/USAGE.md).\n"
		   "\n"
		   "  -s, --server URL      http(s)://host:8096 (a /emby or proxy prefix is kept)\n"
		   "  -u, --user ID         the user id (32 hex characters)\n"
		   "      --username NAME   log in by name instead (password from\n"
		   "                        $CWPROGRESS_PASSWORD), when there is no token\n"
		   "  -l, --library ID      only this library (repeatable)\n"
		   "      --jsonl           one record per line instead of one object\n"
		   "      --token-file FILE read the token from FILE (mode 0600)\n"
		   "      --ca-file FILE    trust this CA bundle (PEM)\n"
		   "      --insecure        do NOT verify TLS certificates (spelled out only)\n"
		   "  -v, --verbose         print warnings\n"
		   "  -h, --help            this help\n"
		   "\n"
		   "The token comes from $CWPROGRESS_TOKEN or --token-file, never from the\n"
		   "command line. Exit status: 0 done, 2 usage error, 3 the server could not be\n"
		   "read.\n");
}

enum { OPT_JSONL = 256, OPT_TOKEN_FILE, OPT_CA_FILE, OPT_INSECURE, OPT_USERNAME };

int cwp__cmd_index(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"username", required_argument, NULL, OPT_USERNAME},
	    {"library", required_argument, NULL, 'l'},
	    {"jsonl", no_argument, NULL, OPT_JSONL},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *user = NULL, *username = NULL, *token_file = NULL,
		   *ca_file = NULL;
	const char **libs = NULL;
	size_t n_libs = 0;
	bool jsonl = false, insecure = false;
	int verbosity = 0, rc = CWP_EXIT_USAGE;
	char errbuf[512];
	char *token = NULL, *password = NULL;
#ifdef CWP_HAVE_CLIENT
	emby_client *cl = NULL;
	cwp_index *idx = NULL;
#endif
	libs = calloc((size_t)argc + 1, sizeof(*libs));
	if (!libs)
		goto done;

	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":s:u:l:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case OPT_USERNAME:
			username = optarg;
			break;
		case 'l':
			libs[n_libs++] = optarg;
			break;
		case OPT_JSONL:
			jsonl = true;
			break;
		case OPT_TOKEN_FILE:
			if (!cwp__opt_token_file_ok(err, "index", argv, optarg))
				goto done;
			token_file = optarg;
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			break;
		case OPT_INSECURE:
			if (!cwp__opt_insecure_ok(err, "index", argv))
				goto done;
			insecure = true;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'h':
			usage(out);
			rc = CWP_EXIT_OK;
			goto done;
		default:
			cwp__opt_report_bad(err, "index", c, argv);
			goto done;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(err, "index", optind,
				      "the token comes from $CWPROGRESS_TOKEN or --token-file");
		goto done;
	}
	if (!server || (!user && !username)) {
		fprintf(err, "cwprogress index: --server and --user are required\n");
		usage(err);
		goto done;
	}
	if (strncmp(server, "http://", 7) && strncmp(server, "https://", 8)) {
		fprintf(err,
			"cwprogress index: --server '%s' must start with http:// or https://\n",
			server);
		goto done;
	}
	int trc = token_file
		      ? cwp__token_from_file(&token, token_file, errbuf, sizeof(errbuf))
		      : cwp__token_from_env(&token, "CWPROGRESS_TOKEN", errbuf, sizeof(errbuf));
	if (trc && username && !token_file) {
		const char *pw = getenv("CWPROGRESS_PASSWORD");
		if (pw) {
			password = strdup(pw);
			cwp__secret_add(pw);
			trc = password ? 0 : CWP_ENOMEM;
		}
	}
	if (trc) {
		fprintf(err, "cwprogress index: %s\n", errbuf);
		goto done;
	}
	cwp__term term;
	cwp__term_init(&term, out, err, verbosity);
	if (insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));
#ifndef CWP_HAVE_CLIENT
	(void)jsonl;
	(void)ca_file;
	fprintf(err, "cwprogress index: built without emby_client\n");
#else
	cwp__warn_sink sink = {&term, verbosity > 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	cwp__bar bar = {&term, "server"};
	/* The flags as an endpoint, through the one endpoint → client helper. */
	cwp__endpoint ep;
	memset(&ep, 0, sizeof(ep));
	ep.url = (char *)server;
	ep.user_id = (char *)user;
	ep.username = (char *)username;
	ep.libraries = (char **)libs;
	ep.n_libraries = n_libs;
	cwp__creds cr = {token, password};
	cwp__client_extra x = {insecure, ca_file, 0, cwp__bar_progress, &bar, "server"};
	if (cwp__client_new(&cl, &ep, &cr, &x, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress index: %s\n", errbuf);
		goto done;
	}
	emby_server_info info;
	if (emby_probe(cl, &info) != 0 || emby_index(cl, &idx, &w) != 0) {
		cwp__bar_clear(&term);
		snprintf(errbuf, sizeof(errbuf), "%s", emby_client_error(cl));
		fprintf(err, "cwprogress index: %s\n", cwp__redact(errbuf));
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}
	cwp__bar_clear(&term);
	if (cwp_index_write(idx, out, jsonl ? CWP_INDEX_JSONL : 0) != 0 || fflush(out) != 0) {
		fprintf(err, "cwprogress index: cannot write the index\n");
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}
	if (w.count && verbosity <= 0)
		fprintf(err, "cwprogress index: %zu warning%s (-v shows them)\n", w.count,
			w.count == 1 ? "" : "s");
	rc = CWP_EXIT_OK;
#endif
done:
#ifdef CWP_HAVE_CLIENT
	cwp_index_free(idx);
	emby_client_free(cl);
#endif
	cwp__secret_free(token);
	cwp__secret_free(password);
	cwp__secret_clear();
	free(libs);
	return rc;
}

int cmd_index(int argc, char **argv)
{
	return cwp__cmd_index(argc, argv, stdout, stderr);
}
