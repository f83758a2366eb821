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

int cwp__cmd_undo(int argc, char **argv, FILE *out, FILE *err)
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
	const char *config = NULL, *own_journal = NULL, *ca_file = NULL, *path = NULL;
	bool dry = false, json = false, insecure = false;
	int verbosity = 0, rc = CWP_EXIT_USAGE;
	long lock_timeout_ms = 60000;
	cwp__lock *lock = NULL;
	char errbuf[1024], jpath[4096];
	cwp_undo *u = NULL;
	cwp__pair pair;
	cwp__endpoint eps[2];
	cwp__creds creds[2];
	bool owned[2] = {false, false}, need[2] = {false, false};
	char *meta = NULL;
	memset(&pair, 0, sizeof(pair));
	memset(eps, 0, sizeof(eps));
	memset(creds, 0, sizeof(creds));

	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":nc:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'c':
			config = optarg;
			break;
		case OPT_JOURNAL:
			own_journal = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			break;
		case OPT_INSECURE:
			if (!cwp__opt_insecure_ok(err, "undo", argv))
				goto done;
			insecure = true;
			break;
		case OPT_LOCK_TIMEOUT:
			if (cwp__lock_timeout_parse(&lock_timeout_ms, optarg) != 0) {
				fprintf(err, "cwprogress undo: --lock-timeout must be 0-86400 "
					     "seconds\n");
				goto done;
			}
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'h':
			usage(out);
			rc = CWP_EXIT_OK;
			goto done;
		default:
			cwp__opt_report_bad(err, "undo", c, argv);
			goto done;
		}
	}
	if (argc - optind != 1) {
		fprintf(err, "cwprogress undo: give exactly one JOURNAL file\n");
		usage(err);
		goto done;
	}
	path = argv[optind];
	if (own_journal && !strcmp(own_journal, path)) {
		fprintf(err, "cwprogress undo: --journal must not be the journal being undone\n");
		goto done;
	}
	if (cwp_undo_load(&u, path) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp_error_last());
		goto done;
	}

	cwp__term term;
	cwp__term_init(&term, out, err, verbosity);
	if (json)
		term.color_out = false;
	cwp__warn_sink sink = {&term, verbosity >= 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	if (config && cwp__pair_load(&pair, config, &w, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
		goto done;
	}
	for (int s = 0; s < 2; s++) {
		if (!(need[s] = cwp_undo_needs(u, s)))
			continue;
		if (side_endpoint(&eps[s], &owned[s], u, s, &pair, config != NULL, path, &w, err))
			goto done;
		if (cwp__endpoint_creds(&creds[s], &eps[s], errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
			goto done;
		}
	}
	if (insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));
	if (!own_journal && !dry) {
		if (cwp__journal_default_path(jpath, sizeof(jpath), "undo", errbuf,
					      sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress undo: %s (nothing written)\n", errbuf);
			rc = CWP_EXIT_WRITES_FAILED;
			goto done;
		}
		own_journal = jpath;
	}
	/* APPLY-12: no sync or other undo writes this user meanwhile. */
	const cwp__endpoint *d = need[1] ? &eps[1] : &eps[0];
	if (!dry && cwp__lock_take(&lock, d->url, d->user_id ? d->user_id : d->username, "undo",
				   lock_timeout_ms, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
		goto done;
	}
#ifndef CWP_HAVE_CLIENT
	(void)ca_file;
	fprintf(err, "cwprogress undo: built without emby_client\n");
#else
	cwp__bar bars[2] = {{&term, "source"}, {&term, "destination"}};
	cwp__client_extra extra = {insecure, ca_file, 0, cwp__bar_progress, &bars[0], NULL};
	cwp_undo_options uo = CWP_UNDO_OPTIONS_INIT;
	uo.dry_run = dry;
	uo.journal_path = own_journal;
	uo.undoes = path;
	uo.journal_meta = meta = servers_meta(eps, need);
	uo.redact = on_redact;
	rc = undo_with_clients(u, eps, creds, need, &extra, &uo, errbuf, sizeof(errbuf));
	cwp__bar_clear(&term);
	if (rc == CWP_EXIT_USAGE || rc == CWP_EXIT_READ_FAILED ||
	    (rc == CWP_EXIT_WRITES_FAILED && cwp_undo_failed_phase(u))) {
		fprintf(err, "cwprogress undo: %s\n", errbuf);
		goto done;
	}
	bool wrote = false;
	for (size_t i = 0; i < cwp_undo_count(u); i++)
		wrote |= cwp_undo_at(u, i)->status == CWP_UNDO_RESTORED ||
			 cwp_undo_at(u, i)->status == CWP_UNDO_FAILED;
	const char *shown = wrote ? own_journal : NULL;
	if (json)
		print_json(u, path, shown, dry, out);
	else if (verbosity >= 0)
		print_human(u, path, shown, dry, &term);
#endif
done:
	cwp__lock_release(lock);
	cJSON_free(meta);
	for (int s = 0; s < 2; s++) {
		if (owned[s])
			cwp__endpoint_free(&eps[s]);
		cwp__creds_free(&creds[s]);
	}
	cwp__pair_free(&pair);
	cwp_undo_free(u);
	cwp__secret_clear();
	return rc;
}

int cmd_undo(int argc, char **argv)
{
	return cwp__cmd_undo(argc, argv, stdout, stderr);
}
