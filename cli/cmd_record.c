/* cwprogress record (issue 9): record what a sync reads from one Emby
 * server as a fixture directory that mock_emby replays (docs/FIXTURES.md,
 * "Recording a server"). This file is the verb: the options, the client
 * (through the one endpoint -> client helper, with the response hook), the
 * write beside --out and the summary. The reads are the client's own
 * (record_read.c), the answers are kept by its hook (record_capture.c), the
 * files are written by record_fixture.c and record_store.c.
 *
 * Everything is written into a temporary directory beside --out and renamed
 * at the end: a failed read leaves nothing behind. The token is never
 * written: every answer is scrubbed of it, and every file is checked. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cmd.h"
#include "opts.h"
#include "pair.h"
#include "record.h"
#include "sync.h"
#include "term.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#include "emby/raw.h"
#endif
#ifdef CWP_HAVE_MOCK
#include "mock_emby/mock_emby.h"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: cwprogress record --server URL --user ID --out DIR [options]\n"
		   "\n"
		   "Record what a sync reads from one Emby server into a fixture directory that\n"
		   "mock-emby replays (docs/FIXTURES.md, \"Recording a server\").\n"
		   "\n"
		   "  -s, --server URL      http(s)://host:8096 (a /emby or proxy prefix is kept)\n"
		   "  -u, --user ID         the user id (32 hex characters)\n"
		   "  -o, --out DIR         the fixture directory to create (new, or empty)\n"
		   "  -l, --library ID      only this library (repeatable)\n"
		   "      --limit N         keep only the first N resumable items\n"
		   "      --whole-library   also every Movie, Episode and Series item, so that\n"
		   "                        the recording answers every lookup of a sync\n"
		   "      --redact LIST     names (user and server names), paths (file paths,\n"
		   "                        image tags, overviews), or names,paths\n"
		   "      --token-file FILE read the token from FILE (mode 0600)\n"
		   "      --ca-file FILE    trust this CA bundle (PEM)\n"
		   "      --insecure        do NOT verify TLS certificates (spelled out only)\n"
		   "  -v, --verbose         print warnings\n"
		   "  -h, --help            this help\n"
		   "\n"
		   "The token comes from $CWPROGRESS_TOKEN or --token-file, never from the\n"
		   "command line, and is never written: the recording gets a generated fixture\n"
		   "token. Exit status: 0 recorded, 1 the fixture could not be written,\n"
		   "2 usage error, 3 the server could not be read (nothing written).\n");
}

enum { OPT_TOKEN_FILE = 256, OPT_CA_FILE, OPT_INSECURE, OPT_LIMIT, OPT_REDACT, OPT_WHOLE };

/* The command line. */
typedef struct args {
	const char *server, *user, *out, *token_file, *ca_file;
	const char **libs; /* argc + 1 slots */
	size_t n_libs;
	long limit; /* -1: none */
	unsigned redact;
	bool insecure, whole;
	int verbosity;
	char uid[33]; /* normalized --user */
} args;

/* One option; false (message printed) for a usage error. */
static bool take_opt(args *a, int c, char **argv, FILE *err)
{
	char errbuf[256];
	switch (c) {
	case 's':
		a->server = optarg;
		return true;
	case 'u':
		a->user = optarg;
		return true;
	case 'o':
		a->out = optarg;
		return true;
	case 'l':
		if (!*optarg) {
			fprintf(err, "cwprogress record: --library needs a library id\n");
			return false;
		}
		a->libs[a->n_libs++] = optarg;
		return true;
	case OPT_LIMIT: {
		char *end = NULL;
		errno = 0;
		long v = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || v < 1 || v > 100000000) {
			fprintf(err, "cwprogress record: --limit: expected a whole number "
				     "from 1 to 100000000\n");
			return false;
		}
		a->limit = v;
		return true;
	}
	case OPT_REDACT:
		if (cwp__redact_parse(&a->redact, optarg, errbuf, sizeof(errbuf)) == 0)
			return true;
		fprintf(err, "cwprogress record: %s\n", errbuf);
		return false;
	case OPT_WHOLE:
		a->whole = true;
		return true;
	case OPT_TOKEN_FILE:
		a->token_file = optarg;
		return cwp__opt_token_file_ok(err, "record", argv, optarg);
	case OPT_CA_FILE:
		a->ca_file = optarg;
		return true;
	case OPT_INSECURE:
		a->insecure = true;
		return cwp__opt_insecure_ok(err, "record", argv);
	case 'v':
		a->verbosity = 1;
		return true;
	default:
		cwp__opt_report_bad(err, "record", c, argv);
		return false;
	}
}

/* The options, checked; --out checked into od. Returns -1 to go on, else
 * the exit status (--help: 0). */
static int parse_args(args *a, cwp__rec_outdir *od, int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"out", required_argument, NULL, 'o'},
	    {"library", required_argument, NULL, 'l'},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"redact", required_argument, NULL, OPT_REDACT},
	    {"whole-library", no_argument, NULL, OPT_WHOLE},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char errbuf[1024];
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":s:u:o:l:vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(out);
			return CWP_EXIT_OK;
		}
		if (!take_opt(a, c, argv, err))
			return CWP_EXIT_USAGE;
	}
	if (optind < argc) {
		cwp__opt_report_stray(err, "record", optind,
				      "record takes options only; the token comes from "
				      "$CWPROGRESS_TOKEN or --token-file");
		return CWP_EXIT_USAGE;
	}
	if (!a->server || !a->user || !a->out) {
		fprintf(err, "cwprogress record: --server, --user and --out are required\n");
		usage(err);
		return CWP_EXIT_USAGE;
	}
	if (strncmp(a->server, "http://", 7) && strncmp(a->server, "https://", 8)) {
		fprintf(err, "cwprogress record: --server must start with http:// or https://\n");
		return CWP_EXIT_USAGE;
	}
	if (!cwp__rec_guid_norm(a->uid, a->user)) {
		fprintf(err, "cwprogress record: --user: expected the user's id, 32 hex "
			     "characters (dashes allowed)\n");
		return CWP_EXIT_USAGE;
	}
	if (cwp__rec_outdir_check(od, a->out, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress record: %s\n", errbuf);
		return CWP_EXIT_USAGE;
	}
	return -1;
}

#ifdef CWP_HAVE_CLIENT
typedef cwp__recorder rec;

/* The recorder's documents and its client, through the one endpoint →
 * client helper, with the response hook that keeps every answer. x's
 * options are set. */
static int recorder_open(rec *x, const char *user, const char *ca_file, bool insecure, char *err,
			 size_t errsz)
{
	x->sessions = cJSON_CreateArray();
	x->recordings = cJSON_CreateArray();
	x->why_verbatim = cJSON_CreateArray();
	x->dropped = cJSON_CreateArray();
	x->uid_esc = emby_raw_escape(user);
	x->libs_esc = calloc(x->n_libs ? x->n_libs : 1, sizeof(*x->libs_esc));
	bool ok = x->sessions && x->recordings && x->why_verbatim && x->dropped && x->uid_esc &&
		  x->libs_esc;
	for (size_t i = 0; ok && i < x->n_libs; i++)
		ok = (x->libs_esc[i] = emby_raw_escape(x->libs[i])) != NULL;
	if (!ok) {
		snprintf(err, errsz, "out of memory");
		return CWP_ENOMEM;
	}
	cwp__endpoint ep;
	memset(&ep, 0, sizeof(ep));
	ep.url = (char *)x->server;
	ep.user_id = (char *)user;
	ep.ca_file = (char *)ca_file;
	ep.libraries = (char **)x->libs;
	ep.n_libraries = x->n_libs;
	cwp__creds cr = {(char *)x->token, NULL};
	cwp__client_extra ex = {insecure, ca_file, 0, cwp__bar_progress, &x->bar, "server"};
	return cwp__client_new_hooked(&x->cl, &ep, &cr, &ex, cwp__rec_on_response, x, err, errsz) !=
		       0
		   ? CWP_EINVAL
		   : CWP_OK;
}

static void recorder_close(rec *x)
{
	emby_client_free(x->cl);
	free(x->uid_esc);
	for (size_t i = 0; x->libs_esc && i < x->n_libs; i++)
		free(x->libs_esc[i]);
	free(x->libs_esc);
	free(x->index_query);
	cwp__rec_listing_end(x);
	cJSON_Delete(x->info);
	cJSON_Delete(x->user);
	cJSON_Delete(x->views);
	cJSON_Delete(x->sessions);
	cJSON_Delete(x->recordings);
	cJSON_Delete(x->why_verbatim);
	cJSON_Delete(x->dropped);
	cwp__rec_store_free(&x->store);
	cwp__redactor_free(&x->red);
}

/* The recording must load in the mock it is made for. */
static bool loads_in_mock(const char *dir, FILE *err)
{
#ifdef CWP_HAVE_MOCK
	char errbuf[1024];
	mock_emby *m = NULL;
	mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
	mo.fixtures_dir = dir;
	mo.threads = 1;
	if (mock_emby_start(&m, &mo, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err,
			"cwprogress record: the recording does not load in mock_emby: "
			"%s (nothing written)\n",
			cwp__redact(errbuf));
		return false;
	}
	mock_emby_stop(m);
#else
	(void)dir;
	(void)err;
#endif
	return true;
}

/* Write beside --out, check, then rename: all or nothing. *tmp_made says
 * whether the temporary directory is left to remove. */
static int write_all(rec *x, cwp__rec_outdir *od, bool *tmp_made, FILE *err)
{
	char errbuf[1024], fxtoken[48];
	if (!mkdtemp(od->tmp)) {
		fprintf(err, "cwprogress record: %s: cannot create: %s\n", od->tmp,
			strerror(errno));
		return CWP_EXIT_WRITES_FAILED;
	}
	*tmp_made = true;
	cwp__rec_fixture_token(fxtoken);
	for (int tries = 0; tries < 8 && (strstr(x->token, fxtoken) || strstr(fxtoken, x->token));
	     tries++)
		cwp__rec_fixture_token(fxtoken);
	if (cwp__rec_write_fixture(x, od->tmp, fxtoken, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress record: %s\n", cwp__redact(errbuf));
		return CWP_EXIT_WRITES_FAILED;
	}
	if (cwp__rec_tree_holds(od->tmp, x->token, 0)) {
		fprintf(err, "cwprogress record: the recording would hold the server's token: "
			     "nothing written\n");
		return CWP_EXIT_WRITES_FAILED;
	}
	if (!loads_in_mock(od->tmp, err))
		return CWP_EXIT_WRITES_FAILED;
	if (rename(od->tmp, od->out) != 0) {
		fprintf(err, "cwprogress record: cannot rename %s to %s: %s\n", od->tmp, od->out,
			strerror(errno));
		return CWP_EXIT_WRITES_FAILED;
	}
	*tmp_made = false;
	return CWP_EXIT_OK;
}

static void print_summary(const rec *x, const char *dir, FILE *out)
{
	bool names = (x->red.what & CWP__REDACT_NAMES) != 0;
	const char *sname = cwp__rec_str(x->info, "ServerName");
	const char *version = cwp__rec_str(x->info, "Version");
	fprintf(out, "Recorded %s%s%s (Emby %s) for user %s into %s:\n", names ? "" : "\"",
		names   ? "the server"
		: sname ? sname
			: "?",
		names ? "" : "\"", version ? version : "?", x->uid, dir);
	fprintf(out, "  %zu items (%zu resumable%s), %zu series listed, %zu sessions playing\n",
		x->store.n, x->listed, x->limit_cut ? ", --limit reached" : "", x->series,
		(size_t)cJSON_GetArraySize(x->sessions));
	if (x->verbatim_pages)
		fprintf(out,
			"  %zu listing page%s kept verbatim in recordings/listings.json (the "
			"mock's model would answer them differently; manifest.json says why)\n",
			x->verbatim_pages, x->verbatim_pages == 1 ? "" : "s");
	if (x->red.what) {
		fprintf(out, "  redacted:");
		for (int k = 0; k < CWP__RK_COUNT; k++)
			fprintf(out, " %s %zu%s", cwp__redact_kind_name((cwp__redact_kind)k),
				cwp__redact_count(&x->red, (cwp__redact_kind)k),
				k + 1 < CWP__RK_COUNT ? "," : "\n");
	}
	int dropped = cJSON_GetArraySize(x->dropped);
	if (dropped > 0)
		fprintf(out,
			"  %d item%s not recorded: the mock cannot load them (manifest.json)\n",
			dropped, dropped == 1 ? "" : "s");
	fprintf(out,
		"The server's token was not recorded. The recording's token is a generated\n"
		"fixture token (not a secret): it is in %s/server.json, Users[0].Token.\n"
		"Replay: mock-emby --fixtures %s\n",
		dir, dir);
}

/* Read, write, report. */
static int record_run(const args *a, cwp__rec_outdir *od, const char *token, cwp__term *term,
		      FILE *out, FILE *err)
{
	cwp__warn_sink sink = {term, a->verbosity > 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	char errbuf[1024];
	bool tmp_made = false;
	rec x;
	memset(&x, 0, sizeof(x));
	x.term = term;
	x.bar.term = term;
	x.bar.label = "server";
	x.w = &w;
	x.server = a->server;
	x.token = token;
	memcpy(x.uid, a->uid, sizeof(x.uid));
	x.libs = a->libs;
	x.n_libs = a->n_libs;
	x.limit = a->limit;
	x.whole = a->whole;
	x.red.what = a->redact;
	int rc = CWP_EXIT_USAGE;
	if (recorder_open(&x, a->user, a->ca_file, a->insecure, errbuf, sizeof(errbuf)) != CWP_OK) {
		fprintf(err, "cwprogress record: %s\n", errbuf);
		goto done;
	}
	x.page_size = emby_raw_page_size(x.cl);
	if (cwp__rec_read_all(&x) != CWP_OK) {
		snprintf(errbuf, sizeof(errbuf), "%s", x.err);
		fprintf(err, "cwprogress record: %s (nothing recorded)\n", cwp__redact(errbuf));
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}
	rc = write_all(&x, od, &tmp_made, err);
	if (rc != CWP_EXIT_OK)
		goto done;
	print_summary(&x, od->out, out);
	if (w.count && a->verbosity <= 0)
		fprintf(err, "cwprogress record: %zu warning%s (-v shows them)\n", w.count,
			w.count == 1 ? "" : "s");
done:
	if (tmp_made)
		cwp__rec_rmtree(od->tmp);
	recorder_close(&x);
	return rc;
}
#endif /* CWP_HAVE_CLIENT */

int cwp__cmd_record(int argc, char **argv, FILE *out, FILE *err)
{
	char errbuf[1024];
	char *token = NULL;
	cwp__rec_outdir od;
	memset(&od, 0, sizeof(od));
	args a;
	memset(&a, 0, sizeof(a));
	a.limit = -1;
	a.libs = calloc((size_t)argc + 1, sizeof(*a.libs));
	int rc = a.libs ? parse_args(&a, &od, argc, argv, out, err) : CWP_EXIT_USAGE;
	if (rc >= 0)
		goto done;
	rc = CWP_EXIT_USAGE;
	if ((a.token_file
		 ? cwp__token_from_file(&token, a.token_file, errbuf, sizeof(errbuf))
		 : cwp__token_from_env(&token, "CWPROGRESS_TOKEN", errbuf, sizeof(errbuf))) != 0) {
		fprintf(err, "cwprogress record: %s\n", errbuf);
		goto done;
	}
	cwp__term term;
	cwp__term_init(&term, out, err, a.verbosity);
	if (a.insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));
#ifdef CWP_HAVE_CLIENT
	rc = record_run(&a, &od, token, &term, out, err);
#else
	fprintf(err, "cwprogress record: built without emby_client\n");
#endif
done:
	cwp__secret_free(token);
	cwp__secret_clear();
	free(a.libs);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	return cwp__cmd_record(argc, argv, stdout, stderr);
}
