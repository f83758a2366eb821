/* cwprogress undo JOURNAL: restore what a sync overwrote (APPLY-09). Reads the
 * journal's "previous" entries, reads each item's current state, journals
 * that (so an undo can be undone), then writes the previous ticks,
 * LastPlayedDate and Played back. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "opts.h"
#include "journal.h"
#include "pair.h"
#include "report.h"
#include "sync.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cwprogress undo JOURNAL [options]\n"
		"\n"
		"Restore every item a sync overwrote to the state its journal recorded before\n"
		"the write (position, LastPlayedDate, Played). When an item was written by\n"
		"several runs of one journal, the oldest recorded state wins.\n"
		"\n"
		"  -n, --dry-run        read and show what would be restored, write nothing\n"
		"  -c, --config FILE    take the servers and credentials from this pair file\n"
		"                       (default: the token_env/token_file the journal names)\n"
		"      --journal FILE   journal of this undo (default\n"
		"                       $XDG_STATE_HOME/cwprogress/undo-<time>.jsonl)\n"
		"      --json           print the report as JSON\n"
		"      --ca-file FILE   trust this CA bundle (PEM)\n"
		"      --insecure       do NOT verify TLS certificates (spelled out only)\n"
		"  -v, --verbose / -q, --quiet\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 done, 1 some restores failed, 2 usage error or unusable journal,\n"
		"3 a server could not be read (nothing written).\n");
}

static const char *const side_names[2] = {"source", "destination"};

/* One item to restore. */
struct restore {
	int side;
	char *item_id, *key, *title;
	int64_t ticks;
	bool has_date;
	char date[40];
	bool played;
	/* filled in below */
	bool found, same;
	cwp_target_state now;
	char body[192];
	int status; /* 0 pending, 1 restored, 2 failed, 3 unchanged, 4 not found, 5 would */
	char error[256];
	int http_status;
};

struct journal_in {
	cJSON *servers[2]; /* endpoints of the first header (owned by root list) */
	cJSON **lines;
	size_t n_lines;
	struct restore *items;
	size_t n_items;
};

static void journal_in_free(struct journal_in *j)
{
	for (size_t i = 0; i < j->n_lines; i++)
		cJSON_Delete(j->lines[i]);
	free(j->lines);
	for (size_t i = 0; i < j->n_items; i++) {
		free(j->items[i].item_id);
		free(j->items[i].key);
		free(j->items[i].title);
	}
	free(j->items);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int side_of(const char *s)
{
	if (!s)
		return -1;
	return !strcmp(s, "source") ? 0 : !strcmp(s, "destination") ? 1 : -1;
}

/* Read and check the journal; build the restore list (oldest entry per item,
 * skipping writes the server refused). */
static int load_journal(struct journal_in *j, const char *path, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	int rc = cwp__read_file(&text, &len, path, (size_t)1 << 30, err, errsz);
	if (rc)
		return rc;
	size_t cap = 0;
	size_t lineno = 0;
	char *p = text;
	while (p < text + len) {
		char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		lineno++;
		if (n) {
			cJSON *o = cJSON_ParseWithLength(p, n);
			if (!o || !cJSON_IsObject(o)) {
				cJSON_Delete(o);
				/* A torn last line (a crash mid-append) is expected. */
				if (!nl)
					break;
				snprintf(err, errsz, "%s:%zu: not a journal line (JSON object)",
					 path, lineno);
				rc = CWP_EPARSE;
				goto done;
			}
			if (j->n_lines == cap) {
				cap = cap ? cap * 2 : 64;
				cJSON **nlines = realloc(j->lines, cap * sizeof(*nlines));
				if (!nlines) {
					cJSON_Delete(o);
					rc = CWP_ENOMEM;
					snprintf(err, errsz, "out of memory");
					goto done;
				}
				j->lines = nlines;
			}
			j->lines[j->n_lines++] = o;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!j->n_lines || !cJSON_GetObjectItemCaseSensitive(j->lines[0], "cwprogress_journal")) {
		snprintf(err, errsz, "%s is not a cwprogress journal", path);
		rc = CWP_EPARSE;
		goto done;
	}
	/* Every run of one journal must address the same servers. */
	for (size_t i = 0; i < j->n_lines; i++) {
		const cJSON *h = j->lines[i];
		if (!cJSON_GetObjectItemCaseSensitive(h, "cwprogress_journal"))
			continue;
		const cJSON *servers = cJSON_GetObjectItemCaseSensitive(h, "servers");
		for (int s = 0; s < 2; s++) {
			cJSON *ep = cJSON_GetObjectItemCaseSensitive(servers, side_names[s]);
			if (!cJSON_IsObject(ep))
				continue;
			if (!j->servers[s]) {
				j->servers[s] = ep;
				continue;
			}
			const char *u0 = jstr(j->servers[s], "url"), *u1 = jstr(ep, "url");
			const char *i0 = jstr(j->servers[s], "user_id"), *i1 = jstr(ep, "user_id");
			if ((u0 && u1 && strcmp(u0, u1)) || (i0 && i1 && strcmp(i0, i1))) {
				snprintf(err, errsz,
					 "%s holds runs against different %s servers; undo them "
					 "from separate journals",
					 path, side_names[s]);
				rc = CWP_EPARSE;
				goto done;
			}
		}
	}
	j->items = calloc(j->n_lines, sizeof(*j->items));
	if (!j->items) {
		rc = CWP_ENOMEM;
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < j->n_lines; i++) {
		const cJSON *e = j->lines[i];
		const char *kind = jstr(e, "entry");
		if (!kind || strcmp(kind, "previous"))
			continue;
		int side = side_of(jstr(e, "side"));
		const char *item = jstr(e, "item_id"), *run = jstr(e, "run");
		const cJSON *prev = cJSON_GetObjectItemCaseSensitive(e, "previous");
		if (side < 0 || !item || !cJSON_IsObject(prev)) {
			snprintf(err, errsz, "%s: entry %zu lacks side, item_id or previous", path,
				 i + 1);
			rc = CWP_EPARSE;
			goto done;
		}
		/* A write the server answered with an error was not applied. */
		bool refused = false;
		for (size_t k = i + 1; k < j->n_lines; k++) {
			const cJSON *x = j->lines[k];
			const char *xk = jstr(x, "entry"), *xr = jstr(x, "run"),
				   *xs = jstr(x, "side"), *xi = jstr(x, "item_id"),
				   *xo = jstr(x, "outcome");
			if (xk && !strcmp(xk, "outcome") && xr && run && !strcmp(xr, run) && xs &&
			    side_of(xs) == side && xi && !strcmp(xi, item)) {
				refused = xo && !strcmp(xo, "failed");
				break;
			}
		}
		if (refused)
			continue;
		bool seen = false;
		for (size_t k = 0; k < j->n_items; k++)
			if (j->items[k].side == side && !strcmp(j->items[k].item_id, item))
				seen = true; /* the oldest previous state wins */
		if (seen)
			continue;
		struct restore *r = &j->items[j->n_items];
		memset(r, 0, sizeof(*r));
		r->side = side;
		int64_t ticks = 0;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(prev, "PlaybackPositionTicks");
		if (t && cwp_ticks_from_json(&ticks, t) != 0) {
			snprintf(err, errsz, "%s: entry %zu: invalid PlaybackPositionTicks", path,
				 i + 1);
			rc = CWP_EPARSE;
			goto done;
		}
		r->ticks = ticks;
		const char *date = jstr(prev, "LastPlayedDate");
		int64_t ms;
		if (date && cwp_time_parse(&ms, date, strlen(date)) == 0) {
			r->has_date = true;
			snprintf(r->date, sizeof(r->date), "%s", date);
		}
		r->played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prev, "Played"));
		r->item_id = strdup(item);
		r->key = strdup(jstr(e, "key") ? jstr(e, "key") : item);
		r->title = jstr(e, "title") ? strdup(jstr(e, "title")) : NULL;
		j->n_items++;
		if (!r->item_id || !r->key) {
			rc = CWP_ENOMEM;
			snprintf(err, errsz, "out of memory");
			goto done;
		}
	}
done:
	free(text);
	return rc;
}

static const char *status_name(int st)
{
	static const char *const names[] = {"pending",   "restored",  "failed",
					    "unchanged", "not_found", "would_restore"};
	return st >= 0 && st <= 5 ? names[st] : "?";
}

enum { OPT_JOURNAL = 256, OPT_JSON, OPT_CA_FILE, OPT_INSECURE };

int cwp__cmd_undo(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {"config", required_argument, NULL, 'c'},
	    {"journal", required_argument, NULL, OPT_JOURNAL},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *own_journal = NULL, *ca_file = NULL, *path = NULL;
	bool dry = false, json = false, insecure = false;
	int verbosity = 0, rc = CWP_EXIT_USAGE;
	char errbuf[1024];
	struct journal_in jin;
	cwp__pair pair;
	cwp__endpoint eps[2];
	cwp__creds creds[2];
	bool have_ep[2] = {false, false};
	cwp__journal *jout = NULL;
	memset(&jin, 0, sizeof(jin));
	memset(&pair, 0, sizeof(pair));
	memset(eps, 0, sizeof(eps));
	memset(creds, 0, sizeof(creds));
#ifdef CWP_HAVE_CLIENT
	emby_client *cl[2] = {NULL, NULL};
	const char **ids = NULL;
	cwp_target_state *states = NULL;
	bool *found = NULL;
	emby_write *ew = NULL;
	size_t *wmap = NULL;
#endif

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
	if (load_journal(&jin, path, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress undo: %s\n", errbuf);
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
		bool needed = false;
		for (size_t i = 0; i < jin.n_items; i++)
			needed |= jin.items[i].side == s;
		if (!needed)
			continue;
		const cwp__endpoint *ep = NULL;
		if (config) {
			ep = &pair.side[s];
		} else {
			if (!jin.servers[s] ||
			    cwp__endpoint_from_json(&eps[s], jin.servers[s], side_names[s], path,
						    &w, errbuf, sizeof(errbuf)) != 0) {
				fprintf(
				    err,
				    "cwprogress undo: the journal does not say how to reach the "
				    "%s server%s%s; give --config PAIR.json\n",
				    side_names[s], jin.servers[s] ? ": " : "",
				    jin.servers[s] ? errbuf : "");
				goto done;
			}
			have_ep[s] = true;
			ep = &eps[s];
		}
		if (cwp__endpoint_creds(&creds[s], ep, errbuf, sizeof(errbuf)) != 0) {
			fprintf(err, "cwprogress undo: %s\n", cwp__redact(errbuf));
			goto done;
		}
		if (!have_ep[s]) {
			/* keep a pointer-compatible copy for the loop below */
			eps[s] = *ep;
		}
	}
	if (insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));

#ifndef CWP_HAVE_CLIENT
	(void)dry;
	(void)own_journal;
	(void)ca_file;
	fprintf(err, "cwprogress undo: built without emby_client\n");
#else
	size_t n = jin.n_items;
	ids = calloc(n ? n : 1, sizeof(*ids));
	states = calloc(n ? n : 1, sizeof(*states));
	found = calloc(n ? n : 1, sizeof(*found));
	ew = calloc(n ? n : 1, sizeof(*ew));
	wmap = calloc(n ? n : 1, sizeof(*wmap));
	if (!ids || !states || !found || !ew || !wmap) {
		fprintf(err, "cwprogress undo: out of memory\n");
		goto done;
	}
	cwp__bar bars[2] = {{&term, "source"}, {&term, "destination"}};
	for (int s = 0; s < 2; s++) {
		if (!eps[s].url)
			continue;
		emby_options eo = EMBY_OPTIONS_INIT;
		eo.base_url = eps[s].url;
		eo.user_id = eps[s].user_id;
		eo.token = creds[s].token;
		eo.username = eps[s].username;
		eo.password = creds[s].password;
		eo.label = eps[s].label ? eps[s].label : side_names[s];
		eo.insecure = insecure;
		eo.ca_file = ca_file ? ca_file : eps[s].ca_file;
		eo.progress = cwp__bar_progress;
		eo.progress_ud = &bars[s];
		emby_server_info info;
		if (emby_client_new(&cl[s], &eo) != 0) {
			fprintf(err, "cwprogress undo: %s\n", cwp_error_last());
			goto done;
		}
		if (emby_probe(cl[s], &info) != 0) {
			snprintf(errbuf, sizeof(errbuf), "%s", emby_client_error(cl[s]));
			fprintf(err, "cwprogress undo: %s (nothing written)\n",
				cwp__redact(errbuf));
			rc = CWP_EXIT_READ_FAILED;
			goto done;
		}
	}
	/* The current state of every item, so that this undo is journaled too. */
	for (int s = 0; s < 2; s++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (jin.items[i].side == s)
				ids[k++] = jin.items[i].item_id;
		if (!k)
			continue;
		if (emby_read_states(cl[s], ids, k, states, found) != 0) {
			cwp__bar_clear(&term);
			snprintf(errbuf, sizeof(errbuf), "%s", emby_client_error(cl[s]));
			fprintf(err, "cwprogress undo: %s (nothing written)\n",
				cwp__redact(errbuf));
			rc = CWP_EXIT_READ_FAILED;
			goto done;
		}
		cwp__bar_clear(&term);
		k = 0;
		for (size_t i = 0; i < n; i++) {
			struct restore *r = &jin.items[i];
			if (r->side != s)
				continue;
			r->found = found[k];
			r->now = states[k];
			k++;
			if (!r->found) {
				r->status = 4;
				continue;
			}
			int64_t now_ticks = cwp_target_ticks(&r->now);
			char nowdate[CWP_TIME_BUFSZ] = "";
			if (r->now.has_last_played)
				cwp_time_format(nowdate, sizeof(nowdate), r->now.last_played_at);
			int64_t want_ms = 0;
			bool same_date =
			    r->has_date
				? (r->now.has_last_played &&
				   cwp_time_parse(&want_ms, r->date, strlen(r->date)) == 0 &&
				   want_ms == r->now.last_played_at)
				: !r->now.has_last_played;
			r->same = now_ticks / CWP_TICKS_PER_MS == r->ticks / CWP_TICKS_PER_MS &&
				  r->now.played == r->played && same_date;
			if (r->same) {
				r->status = 3;
				continue;
			}
			if (r->has_date)
				snprintf(
				    r->body, sizeof(r->body),
				    "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":\"%s\","
				    "\"Played\":%s}",
				    (long long)r->ticks, r->date, r->played ? "true" : "false");
			else
				snprintf(r->body, sizeof(r->body),
					 "{\"PlaybackPositionTicks\":%lld,\"LastPlayedDate\":null,"
					 "\"Played\":%s}",
					 (long long)r->ticks, r->played ? "true" : "false");
			r->status = dry ? 5 : 0;
		}
	}

	size_t pending = 0;
	for (size_t i = 0; i < n; i++)
		pending += jin.items[i].status == 0;
	if (pending) {
		char jpath[4096];
		const char *jp = own_journal;
		char run[64];
		cwp__run_id(run, sizeof(run));
		if (!jp) {
			if (cwp__journal_default_path(jpath, sizeof(jpath), "undo", errbuf,
						      sizeof(errbuf)) != 0) {
				fprintf(err, "cwprogress undo: %s (nothing written)\n", errbuf);
				rc = CWP_EXIT_WRITES_FAILED;
				goto done;
			}
			jp = jpath;
		}
		cJSON *h = cJSON_CreateObject();
		cJSON_AddNumberToObject(h, "cwprogress_journal", 1);
		cJSON_AddStringToObject(h, "version", CWP_VERSION_STRING);
		cJSON_AddStringToObject(h, "command", "undo");
		cJSON_AddStringToObject(h, "run", run);
		cJSON_AddStringToObject(h, "undoes", path);
		cJSON *servers = cJSON_AddObjectToObject(h, "servers");
		for (int s = 0; s < 2; s++)
			if (eps[s].url)
				cJSON_AddItemToObject(servers, side_names[s],
						      cwp__endpoint_to_json(&eps[s]));
		int jrc = cwp__journal_open(&jout, jp, h, errbuf, sizeof(errbuf));
		cJSON_Delete(h);
		for (size_t i = 0; i < n && !jrc; i++) {
			struct restore *r = &jin.items[i];
			if (r->status != 0)
				continue;
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "entry", "previous");
			cJSON_AddStringToObject(e, "run", run);
			cJSON_AddStringToObject(e, "side", side_names[r->side]);
			cJSON_AddStringToObject(e, "item_id", r->item_id);
			cJSON_AddStringToObject(e, "key", r->key);
			if (r->title)
				cJSON_AddStringToObject(e, "title", r->title);
			cJSON_AddStringToObject(e, "action", "restore");
			cJSON *p = cJSON_AddObjectToObject(e, "previous");
			cJSON_AddNumberToObject(p, "PlaybackPositionTicks",
						(double)cwp_target_ticks(&r->now));
			char ts[CWP_TIME_BUFSZ];
			if (r->now.has_last_played &&
			    cwp_time_format(ts, sizeof(ts), r->now.last_played_at) == 0)
				cJSON_AddStringToObject(p, "LastPlayedDate", ts);
			else
				cJSON_AddNullToObject(p, "LastPlayedDate");
			cJSON_AddBoolToObject(p, "Played", r->now.played);
			cJSON *b = cJSON_Parse(r->body);
			cJSON_AddItemToObject(e, "body", b ? b : cJSON_CreateNull());
			jrc = cwp__journal_append(jout, e);
			cJSON_Delete(e);
		}
		if (!jrc)
			jrc = cwp__journal_sync(jout);
		if (jrc) {
			fprintf(err,
				"cwprogress undo: cannot write its journal %s (nothing "
				"written)\n",
				jp);
			rc = CWP_EXIT_WRITES_FAILED;
			goto done;
		}
		for (int s = 0; s < 2; s++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				struct restore *r = &jin.items[i];
				if (r->side != s || r->status != 0)
					continue;
				memset(&ew[k], 0, sizeof(ew[k]));
				ew[k].item_id = r->item_id;
				ew[k].body = r->body;
				wmap[k++] = i;
			}
			if (!k)
				continue;
			emby_write_batch(cl[s], ew, k);
			cwp__bar_clear(&term);
			for (size_t q = 0; q < k; q++) {
				struct restore *r = &jin.items[wmap[q]];
				r->http_status = ew[q].http_status;
				r->status = ew[q].result == 0 ? 1 : 2;
				snprintf(r->error, sizeof(r->error), "%s", ew[q].error);
				cwp__redact(r->error);
			}
		}
	}

	size_t counts[6] = {0};
	for (size_t i = 0; i < n; i++)
		counts[jin.items[i].status]++;
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "cwprogress", CWP_VERSION_STRING);
		cJSON_AddStringToObject(o, "command", "undo");
		cJSON_AddBoolToObject(o, "dry_run", dry);
		cJSON_AddStringToObject(o, "undoes", path);
		if (jout)
			cJSON_AddStringToObject(o, "journal", cwp__journal_path(jout));
		else
			cJSON_AddNullToObject(o, "journal");
		cJSON *sum = cJSON_AddObjectToObject(o, "summary");
		for (int k = 1; k <= 5; k++)
			cJSON_AddNumberToObject(sum, status_name(k), (double)counts[k]);
		cJSON *items = cJSON_AddArrayToObject(o, "items");
		for (size_t i = 0; i < n; i++) {
			const struct restore *r = &jin.items[i];
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "side", side_names[r->side]);
			cJSON_AddStringToObject(x, "item_id", r->item_id);
			cJSON_AddStringToObject(x, "key", r->key);
			cJSON_AddStringToObject(x, "status", status_name(r->status));
			cJSON_AddNumberToObject(x, "PlaybackPositionTicks", (double)r->ticks);
			if (r->has_date)
				cJSON_AddStringToObject(x, "LastPlayedDate", r->date);
			else
				cJSON_AddNullToObject(x, "LastPlayedDate");
			cJSON_AddBoolToObject(x, "Played", r->played);
			if (r->status == 2) {
				cJSON_AddStringToObject(x, "error", r->error);
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
	} else if (verbosity >= 0) {
		fprintf(out, "%scwprogress undo%s  %s%s\n", cwp__so(&term, CWP__BOLD),
			cwp__so(&term, CWP__RESET), path, dry ? "  (dry run)" : "");
		for (size_t i = 0; i < n; i++) {
			const struct restore *r = &jin.items[i];
			if (r->status == 3 && verbosity <= 0)
				continue;
			char name[96], from[24], to[24];
			snprintf(name, sizeof(name), "%s", r->title ? r->title : r->key);
			if (r->found && r->now.has_position)
				cwp__fmt_ms(from, sizeof(from), r->now.position_ms);
			else
				snprintf(from, sizeof(from), "-");
			cwp__fmt_ms(to, sizeof(to), r->ticks / CWP_TICKS_PER_MS);
			enum cwp__style st = r->status == 1   ? CWP__GREEN
					     : r->status == 2 ? CWP__RED
					     : r->status == 5 ? CWP__CYAN
							      : CWP__YELLOW;
			fprintf(out, "  %s%-13s%s %-38.38s %8s -> %-8s %s%s%s\n",
				cwp__so(&term, st), status_name(r->status),
				cwp__so(&term, CWP__RESET), name, from, to,
				r->played ? "played" : "", r->status == 2 ? " " : "",
				r->status == 2 ? r->error : "");
		}
		fprintf(out, "\n  restored %zu, unchanged %zu, not found %zu, failed %zu%s\n",
			counts[1], counts[3], counts[4], counts[2], dry ? "" : "");
		if (dry)
			fprintf(out, "  dry run: %zu would be restored, nothing sent.\n",
				counts[5]);
		if (jout)
			fprintf(out, "  journal of this undo: %s\n", cwp__journal_path(jout));
	}
	rc = counts[2] ? CWP_EXIT_WRITES_FAILED : CWP_EXIT_OK;
#endif
done:
#ifdef CWP_HAVE_CLIENT
	for (int s = 0; s < 2; s++)
		emby_client_free(cl[s]);
	free(ids);
	free(states);
	free(found);
	free(ew);
	free(wmap);
#endif
	cwp__journal_close(jout);
	for (int s = 0; s < 2; s++) {
		if (have_ep[s])
			cwp__endpoint_free(&eps[s]);
		cwp__creds_free(&creds[s]);
	}
	cwp__pair_free(&pair);
	journal_in_free(&jin);
	cwp__secret_clear();
	return rc;
}

int cmd_undo(int argc, char **argv)
{
	return cwp__cmd_undo(argc, argv, stdout, stderr);
}
