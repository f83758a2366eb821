/* cwprogress undo JOURNAL: restore what a sync overwrote (APPLY-09, APPLY-10).
 * The work is the cwp_sync library's (cwp_undo_*: read the journal, read each
 * item's state and who plays it, journal it, restore only what still holds
 * the run's writes); this file reads the command line, reaches the servers
 * and prints. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cmd.h"
#include "opts.h"
#include "journal.h"
#include "lock.h"
#include "pair.h"
#include "report.h"
#include "sync.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#include "emby/provider.h"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress undo JOURNAL [options]\n"
		"\n"
		"Restore every item a sync overwrote to the state its journal recorded before\n"
		"the write (position, LastPlayedDate, Played). When an item was written by\n"
		"several runs of one journal, the oldest recorded state wins. An item that\n"
		"changed since the run (watched on, played, cleared) or is playing now is\n"
		"left alone and reported changed_since.\n"
		"\n"
		"  -n, --dry-run        read and show what would be restored, write nothing\n"
		"  -c, --config FILE    take the servers and credentials from this pair file\n"
		"                       (default: the token_env/token_file the journal names)\n"
		"      --journal FILE   journal of this undo (default\n"
		"                       $XDG_STATE_HOME/cwprogress/undo-<time>.jsonl)\n"
		"      --json           print the report as JSON\n"
		"      --ca-file FILE   trust this CA bundle (PEM)\n"
		"      --insecure       do NOT verify TLS certificates (spelled out only)\n"
		"      --lock-timeout S wait up to S seconds (default 60) for a run against\n"
		"                       the same destination user to finish\n"
		"  -v, --verbose / -q, --quiet\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 done, 1 some restores failed, 2 usage error or unusable journal,\n"
		"3 a server could not be read (nothing written).\n");
}

static const char *const side_names[2] = {"source", "destination"};

enum { OPT_JOURNAL = 256, OPT_JSON, OPT_CA_FILE, OPT_INSECURE, OPT_LOCK_TIMEOUT };

static void on_redact(void *payload, char *msg)
{
	(void)payload;
	cwp__redact(msg);
}

/* The side's endpoint: from the pair file, or as the journal's header
 * describes it. */
static int side_endpoint(cwp__endpoint *ep, bool *owned, const cwp_undo *u, int s,
			 const cwp__pair *pair, bool have_pair, const char *path, cwp_warnings *w,
			 FILE *err)
{
	char errbuf[1024] = "";
	if (have_pair) {
		*ep = pair->side[s];
		return 0;
	}
	const char *txt = cwp_undo_server(u, s);
	cJSON *o = txt ? cwp_json_parse_str(txt) : NULL;
	int rc = o ? cwp__endpoint_from_json(ep, o, side_names[s], path, w, errbuf, sizeof(errbuf))
		   : CWP_ENOTFOUND;
	cJSON_Delete(o);
	if (rc) {
		fprintf(err,
			"cwprogress undo: the journal does not say how to reach the %s server%s%s; "
			"give --config PAIR.json\n",
			side_names[s], errbuf[0] ? ": " : "", errbuf);
		return rc;
	}
	*owned = true;
	return 0;
}

static void print_json(const cwp_undo *u, const char *path, const char *jpath, bool dry, FILE *out)
{
	size_t counts[8] = {0};
	for (size_t i = 0; i < cwp_undo_count(u); i++)
		counts[cwp_undo_at(u, i)->status]++;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "cwprogress", CWP_VERSION_STRING);
	cJSON_AddStringToObject(o, "command", "undo");
	cJSON_AddBoolToObject(o, "dry_run", dry);
	cJSON_AddStringToObject(o, "undoes", path);
	if (jpath)
		cJSON_AddStringToObject(o, "journal", jpath);
	else
		cJSON_AddNullToObject(o, "journal");
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	for (int k = CWP_UNDO_RESTORED; k <= CWP_UNDO_NOT_SENT; k++)
		cJSON_AddNumberToObject(sum, cwp_undo_status_name(k), (double)counts[k]);
	cJSON *items = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; i < cwp_undo_count(u); i++) {
		const cwp_undo_item *r = cwp_undo_at(u, i);
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "side", side_names[r->side]);
		cJSON_AddStringToObject(x, "item_id", r->item_id);
		cJSON_AddStringToObject(x, "key", r->key);
		cJSON_AddStringToObject(x, "status", cwp_undo_status_name(r->status));
		if (r->why)
			cJSON_AddStringToObject(x, "why", r->why);
		cJSON_AddNumberToObject(x, "PlaybackPositionTicks", (double)r->ticks);
		if (r->has_date)
			cJSON_AddStringToObject(x, "LastPlayedDate", r->date);
		else
			cJSON_AddNullToObject(x, "LastPlayedDate");
		cJSON_AddBoolToObject(x, "Played", r->played);
		if (r->status == CWP_UNDO_FAILED) {
			cJSON_AddStringToObject(x, "error", r->error ? r->error : "");
			cJSON_AddNumberToObject(x, "http_status", r->http_status);
		}
		cJSON_AddItemToArray(items, x);
	}
	char *s = cJSON_Print(o);
	cJSON_Delete(o);
	if (s) {
		cwp__redact(s);
		fprintf(out, "%s\n", s);
		cJSON_free(s);
	}
}

static void print_human(const cwp_undo *u, const char *path, const char *jpath, bool dry,
			cwp__term *term)
{
	FILE *out = term->out;
	size_t counts[8] = {0};
	fprintf(out, "%scwprogress undo%s  %s%s\n", cwp__so(term, CWP__BOLD),
		cwp__so(term, CWP__RESET), path, dry ? "  (dry run)" : "");
	for (size_t i = 0; i < cwp_undo_count(u); i++) {
		const cwp_undo_item *r = cwp_undo_at(u, i);
		counts[r->status]++;
		if (r->status == CWP_UNDO_UNCHANGED && term->verbosity <= 0)
			continue;
		char name[96], from[24], to[24];
		snprintf(name, sizeof(name), "%s", r->title ? r->title : r->key);
		if (r->found && r->now.has_position)
			cwp__fmt_ms(from, sizeof(from), r->now.position_ms);
		else
			snprintf(from, sizeof(from), "-");
		cwp__fmt_ms(to, sizeof(to), r->ticks / CWP_TICKS_PER_MS);
		enum cwp__style st = r->status == CWP_UNDO_RESTORED        ? CWP__GREEN
				     : r->status == CWP_UNDO_FAILED        ? CWP__RED
				     : r->status == CWP_UNDO_WOULD_RESTORE ? CWP__CYAN
									   : CWP__YELLOW;
		const char *note = r->status == CWP_UNDO_FAILED ? r->error : r->why;
		fprintf(out, "  %s%-13s%s %-38.38s %8s -> %-8s %s%s%s\n", cwp__so(term, st),
			cwp_undo_status_name(r->status), cwp__so(term, CWP__RESET), name, from, to,
			r->played ? "played" : "", note ? " " : "", note ? note : "");
	}
	fprintf(
	    out, "\n  restored %zu, unchanged %zu, changed since %zu, not found %zu, failed %zu\n",
	    counts[CWP_UNDO_RESTORED], counts[CWP_UNDO_UNCHANGED], counts[CWP_UNDO_CHANGED_SINCE],
	    counts[CWP_UNDO_NOT_FOUND], counts[CWP_UNDO_FAILED]);
	if (counts[CWP_UNDO_CHANGED_SINCE])
		fprintf(out, "  changed since: left alone (progress made after the run, or "
			     "playing now)\n");
	if (counts[CWP_UNDO_NOT_SENT])
		fprintf(out, "  interrupted: %zu restore%s not sent\n", counts[CWP_UNDO_NOT_SENT],
			counts[CWP_UNDO_NOT_SENT] == 1 ? "" : "s");
	if (dry)
		fprintf(out, "  dry run: %zu would be restored, nothing sent.\n",
			counts[CWP_UNDO_WOULD_RESTORE]);
	if (jpath)
		fprintf(out, "  journal of this undo: %s\n", jpath);
}

#ifdef CWP_HAVE_CLIENT
/* The clients and providers of the sides the journal needs, then the undo
 * itself. Returns the exit status. */
static int undo_with_clients(cwp_undo *u, cwp__endpoint eps[2], cwp__creds creds[2],
			     const bool need[2], const cwp__client_extra *extra,
			     cwp_undo_options *uo, char *errbuf, size_t errsz)
{
	emby_client *cl[2] = {NULL, NULL};
	cwp_sync_provider prov[2];
	const cwp_sync_provider *pp[2] = {NULL, NULL};
	int rc = CWP_EXIT_USAGE;
	for (int s = 0; s < 2; s++) {
		if (!need[s])
			continue;
		cwp__client_extra x = *extra;
		x.default_label = side_names[s];
		x.progress_ud = (cwp__bar *)extra->progress_ud + s; /* one bar per side */
		if (cwp__client_new(&cl[s], &eps[s], &creds[s], &x, errbuf, errsz) != 0 ||
		    emby_provider_init(&prov[s], cl[s]) != 0)
			goto done;
		pp[s] = &prov[s];
	}
	if (cwp_undo_run(u, pp, uo) != 0) {
		const char *phase = cwp_undo_failed_phase(u);
		snprintf(errbuf, errsz, "%s (nothing written)", cwp_error_last());
		cwp__redact(errbuf);
		rc =
		    phase && !strcmp(phase, "read") ? CWP_EXIT_READ_FAILED : CWP_EXIT_WRITES_FAILED;
		goto done;
	}
	rc = CWP_EXIT_OK;
	for (size_t i = 0; i < cwp_undo_count(u); i++)
		if (cwp_undo_at(u, i)->status == CWP_UNDO_FAILED)
			rc = CWP_EXIT_WRITES_FAILED;
done:
	for (int s = 0; s < 2; s++)
		emby_client_free(cl[s]);
	return rc;
}
#endif

static char *servers_meta(const cwp__endpoint eps[2], const bool need[2])
{
	cJSON *servers = cJSON_CreateObject();
	for (int s = 0; servers && s < 2; s++)
		if (need[s])
			cJSON_AddItemToObject(servers, side_names[s],
					      cwp__endpoint_to_json(&eps[s]));
	char *txt = servers ? cJSON_PrintUnformatted(servers) : NULL;
	cJSON_Delete(servers);
	return txt;
}

struct undo_args {
	const char *config, *own_journal, *ca_file, *path;
	bool dry, json, insecure;
	int verbosity;
	long lock_timeout_ms;
};

/* 0: go on; otherwise the exit status (--help: 0 after printing). */
static int parse_args(struct undo_args *a, int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"config", required_argument, NULL, 'c'},
	    {"journal", required_argument, NULL, OPT_JOURNAL},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	memset(a, 0, sizeof(*a));
	a->lock_timeout_ms = 60000;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":nc:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a->dry = true;
			break;
		case 'c':
			a->config = optarg;
			break;
		case OPT_JOURNAL:
			a->own_journal = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_CA_FILE:
			a->ca_file = optarg;
			break;
		case OPT_INSECURE:
			if (!cwp__opt_insecure_ok(err, "undo", argv))
				return CWP_EXIT_USAGE;
			a->insecure = true;
			break;
		case OPT_LOCK_TIMEOUT:
			if (cwp__lock_timeout_parse(&a->lock_timeout_ms, optarg) != 0) {
				fprintf(err, "cwprogress undo: --lock-timeout must be 0-86400 "
					     "seconds\n");
				return CWP_EXIT_USAGE;
			}
			break;
		case 'v':
			a->verbosity = 1;
			break;
		case 'q':
			a->verbosity = -1;
			break;
		case 'h':
			usage(out);
			return -1; /* done, exit 0 */
		default:
			cwp__opt_report_bad(err, "undo", c, argv);
			return CWP_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(err, "cwprogress undo: give exactly one JOURNAL file\n");
		usage(err);
		return CWP_EXIT_USAGE;
	}
	a->path = argv[optind];
	if (a->own_journal && !strcmp(a->own_journal, a->path)) {
		fprintf(err, "cwprogress undo: --journal must not be the journal being undone\n");
		return CWP_EXIT_USAGE;
	}
	return 0;
}

/* Everything undo needs before it reaches a server. */
struct undo_ctx {
	struct undo_args a;
	cwp_undo *u;
	cwp__pair pair;
	cwp__endpoint eps[2];
	cwp__creds creds[2];
	bool owned[2], need[2];
	cwp__lock *lock;
	char *meta;
	char jpath[4096];
};

/* The endpoints and credentials of the sides the journal needs, this
 * undo's journal path and the destination user's run lock (APPLY-12). */
static int prepare(struct undo_ctx *x, cwp_warnings *w, FILE *err)
{
	char errbuf[1024];
	const struct undo_args *a = &x->a;
	if (a->config && cwp__pair_load(&x->pair, a->config, w, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
		return CWP_EXIT_USAGE;
	}
	for (int s = 0; s < 2; s++) {
		if (!(x->need[s] = cwp_undo_needs(x->u, s)))
			continue;
		if (side_endpoint(&x->eps[s], &x->owned[s], x->u, s, &x->pair, a->config != NULL,
				  a->path, w, err))
			return CWP_EXIT_USAGE;
		if (cwp__endpoint_creds(&x->creds[s], &x->eps[s], errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
			return CWP_EXIT_USAGE;
		}
	}
	if (!a->own_journal && !a->dry) {
		if (cwp__journal_default_path(x->jpath, sizeof(x->jpath), "undo", errbuf,
					      sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress undo: %s (nothing written)\n", errbuf);
			return CWP_EXIT_WRITES_FAILED;
		}
		x->a.own_journal = x->jpath;
	}
	/* no sync or other undo writes this user meanwhile */
	const cwp__endpoint *d = x->need[1] ? &x->eps[1] : &x->eps[0];
	if (!a->dry && cwp__lock_take(&x->lock, d->url, d->user_id ? d->user_id : d->username,
				      "undo", a->lock_timeout_ms, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
		return CWP_EXIT_USAGE;
	}
	return 0;
}

/* Reach the servers, undo, print. Returns the exit status. */
static int run_undo(struct undo_ctx *x, cwp__term *term, FILE *out, FILE *err)
{
#ifndef CWP_HAVE_CLIENT
	(void)x;
	(void)term;
	(void)out;
	fprintf(err, "cwprogress undo: built without emby_client\n");
	return CWP_EXIT_USAGE;
#else
	const struct undo_args *a = &x->a;
	char errbuf[1024];
	cwp__bar bars[2] = {{term, "source"}, {term, "destination"}};
	cwp__client_extra extra = {a->insecure, a->ca_file, 0, cwp__bar_progress, &bars[0], NULL};
	cwp_undo_options uo = CWP_UNDO_OPTIONS_INIT;
	uo.dry_run = a->dry;
	uo.journal_path = a->own_journal;
	uo.undoes = a->path;
	uo.journal_meta = x->meta = servers_meta(x->eps, x->need);
	uo.redact = on_redact;
	int rc =
	    undo_with_clients(x->u, x->eps, x->creds, x->need, &extra, &uo, errbuf, sizeof(errbuf));
	cwp__bar_clear(term);
	if (rc == CWP_EXIT_USAGE || rc == CWP_EXIT_READ_FAILED ||
	    (rc == CWP_EXIT_WRITES_FAILED && cwp_undo_failed_phase(x->u))) {
		fprintf(err, "cwprogress undo: %s\n", errbuf);
		return rc;
	}
	bool wrote = false;
	for (size_t i = 0; i < cwp_undo_count(x->u); i++)
		wrote |= cwp_undo_at(x->u, i)->status == CWP_UNDO_RESTORED ||
			 cwp_undo_at(x->u, i)->status == CWP_UNDO_FAILED;
	const char *shown = wrote ? a->own_journal : NULL;
	if (a->json)
		print_json(x->u, a->path, shown, a->dry, out);
	else if (a->verbosity >= 0)
		print_human(x->u, a->path, shown, a->dry, term);
	return rc;
#endif
}

int cwp__cmd_undo(int argc, char **argv, FILE *out, FILE *err)
{
	struct undo_ctx *x = calloc(1, sizeof(*x));
	if (!x) {
		fprintf(err, "cwprogress undo: out of memory\n");
		return CWP_EXIT_USAGE;
	}
	int rc = parse_args(&x->a, argc, argv, out, err);
	if (rc) {
		rc = rc < 0 ? CWP_EXIT_OK : rc;
		goto done;
	}
	rc = CWP_EXIT_USAGE;
	if (cwp_undo_load(&x->u, x->a.path) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp_error_last());
		goto done;
	}
	cwp__term term;
	cwp__term_init(&term, out, err, x->a.verbosity);
	if (x->a.json)
		term.color_out = false;
	cwp__warn_sink sink = {&term, x->a.verbosity >= 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	if ((rc = prepare(x, &w, err)) != 0)
		goto done;
	if (x->a.insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));
	rc = run_undo(x, &term, out, err);
done:
	cwp__lock_release(x->lock);
	cJSON_free(x->meta);
	for (int s = 0; s < 2; s++) {
		if (x->owned[s])
			cwp__endpoint_free(&x->eps[s]);
		cwp__creds_free(&x->creds[s]);
	}
	cwp__pair_free(&x->pair);
	cwp_undo_free(x->u);
	free(x);
	cwp__secret_clear();
	return rc;
}

int cmd_undo(int argc, char **argv)
{
	return cwp__cmd_undo(argc, argv, stdout, stderr);
}
