/* Human and JSON sync reports (CLI-06). */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "token.h"

static const char *const side_names[2] = {"source", "destination"};

const char *cwp__row_name(const cwp_sync_row *w, char *buf, size_t bufsz)
{
	if (w->title && *w->title) {
		if (w->type == CWP_TYPE_EPISODE && w->has_se)
			snprintf(buf, bufsz, "%s S%02dE%02d", w->title, (int)w->season,
				 (int)w->episode);
		else
			snprintf(buf, bufsz, "%s", w->title);
	} else {
		snprintf(buf, bufsz, "%s", w->key ? w->key : "?");
	}
	return buf;
}

/* Truncate a display string to n columns (bytes; titles are mostly ASCII,
 * and a cut never splits a UTF-8 sequence). */
static void fit(char *s, size_t n)
{
	size_t len = strlen(s);
	if (len <= n)
		return;
	size_t cut = n > 1 ? n - 1 : 0;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	s[cut] = 0;
	if (n > 1 && cut + 3 < len) {
		/* an ellipsis in ASCII keeps columns predictable */
		s[cut] = '~';
		s[cut + 1] = 0;
	}
}

static const char *status_word(const cwp_sync_row *w, bool dry)
{
	switch (w->status) {
	case CWP_SYNC_ROW_PLAN_SKIP:
	case CWP_SYNC_ROW_POLICY_SKIP:
		return "skip";
	case CWP_SYNC_ROW_UNRESOLVED:
		return "unresolved";
	case CWP_SYNC_ROW_WOULD_WRITE:
		return dry ? "would" : "pending";
	case CWP_SYNC_ROW_WRITTEN:
		return "written";
	case CWP_SYNC_ROW_FAILED:
		return "FAILED";
	case CWP_SYNC_ROW_NOT_SENT:
		return "not sent";
	}
	return "?";
}

static enum cwp__style status_style(const cwp_sync_row *w)
{
	switch (w->status) {
	case CWP_SYNC_ROW_WRITTEN:
		return CWP__GREEN;
	case CWP_SYNC_ROW_WOULD_WRITE:
		return CWP__CYAN;
	case CWP_SYNC_ROW_FAILED:
		return CWP__RED;
	case CWP_SYNC_ROW_UNRESOLVED:
	case CWP_SYNC_ROW_NOT_SENT:
		return CWP__YELLOW;
	default:
		return CWP__DIM;
	}
}

static void print_row(const cwp_sync_summary *r, const cwp_sync_row *w, cwp__term *t, bool version)
{
	char name[128], from[24], to[24], what[40];
	cwp__row_name(w, name, sizeof(name));
	if (version && w->item_id) {
		/* one line per version of a multi-version item (APPLY-06) */
		char tag[48];
		snprintf(tag, sizeof(tag), " [%s]", w->item_id);
		size_t tl = strlen(tag);
		fit(name, tl < 30 ? 38 - tl : 8);
		size_t l = strlen(name);
		snprintf(name + l, sizeof(name) - l, "%s", tag);
	}
	fit(name, 38);
	if (w->has_prev && w->prev.has_position)
		cwp__fmt_ms(from, sizeof(from), w->prev.position_ms);
	else if (w->has_dst_ms)
		cwp__fmt_ms(from, sizeof(from), w->dst_ms);
	else
		snprintf(from, sizeof(from), "-");
	bool writes = w->status == CWP_SYNC_ROW_WOULD_WRITE || w->status == CWP_SYNC_ROW_WRITTEN ||
		      w->status == CWP_SYNC_ROW_FAILED || w->status == CWP_SYNC_ROW_NOT_SENT;
	if (writes && w->action == CWP_ACTION_CLEAR)
		snprintf(to, sizeof(to), "0:00");
	else if (writes)
		cwp__fmt_ms(to, sizeof(to), w->write_ms);
	else if (w->has_src_ms)
		cwp__fmt_ms(to, sizeof(to), w->src_ms);
	else
		snprintf(to, sizeof(to), "-");
	if (w->status == CWP_SYNC_ROW_UNRESOLVED)
		snprintf(what, sizeof(what), "%s", w->unresolved ? w->unresolved : "not_found");
	else if (writes)
		snprintf(what, sizeof(what), "%s %s", cwp_action_name(w->action),
			 cwp_reason_name(w->reason));
	else
		snprintf(what, sizeof(what), "%s", cwp_reason_name(w->reason));
	fit(what, 32);
	const char *arrow = "";
	char dirbuf[48] = "";
	if (r->mode == CWP_MODE_TWO_WAY) {
		snprintf(dirbuf, sizeof(dirbuf), "%s ", w->dir == CWP_DIR_FORWARD ? "->" : "<-");
		arrow = dirbuf;
	}
	fprintf(t->out, "  %s%-10s%s %s%-38s %8s %s %-8s %s%s%s\n", cwp__so(t, status_style(w)),
		status_word(w, r->dry_run), cwp__so(t, CWP__RESET), arrow, name, from,
		writes ? "->" : "  ", to, cwp__so(t, CWP__DIM), what, cwp__so(t, CWP__RESET));
	if (w->status == CWP_SYNC_ROW_FAILED && w->error) {
		char http[32] = "";
		if (w->http_status)
			snprintf(http, sizeof(http), ", HTTP %d", w->http_status);
		fprintf(t->out, "  %s%10s %s (item %s%s)%s\n", cwp__so(t, CWP__RED), "", w->error,
			w->item_id ? w->item_id : "?", http, cwp__so(t, CWP__RESET));
	}
}

static void print_count(cwp__term *t, const char *what, size_t n, enum cwp__style st)
{
	fprintf(t->out, "  %-12s %s%6zu%s\n", what, n ? cwp__so(t, st) : "", n,
		n ? cwp__so(t, CWP__RESET) : "");
}

void cwp__report_print(const cwp_sync_result *res, cwp__term *t, int show)
{
	const cwp_sync_summary *r = cwp_sync_result_summary(res);
	size_t n_rows = cwp_sync_result_rows(res);
	FILE *out = t->out;
	bool servers = !(show & CWP__SHOW_NO_SERVERS);
	bool journal = !(show & CWP__SHOW_NO_JOURNAL);
	show &= ~(CWP__SHOW_NO_SERVERS | CWP__SHOW_NO_JOURNAL);
	const char *B = cwp__so(t, CWP__BOLD), *R = cwp__so(t, CWP__RESET),
		   *D = cwp__so(t, CWP__DIM);

	if (show != CWP__SHOW_QUIET && servers) {
		for (int s = 0; s < 2; s++) {
			const cwp_sync_side_info *sr = &r->side[s];
			fprintf(out, "  %s%-12s%s %s", D, side_names[s], R, sr->label);
			if (sr->probed)
				fprintf(out, "  %s%s%s (Emby %s) user %s", B, sr->server.name, R,
					sr->server.version,
					sr->server.user_name[0] ? sr->server.user_name : "?");
			if (sr->read)
				fprintf(out, ", %zu in progress", sr->indexed);
			if (sr->confirmed_zeros)
				fprintf(out, ", %zu confirmed finished", sr->confirmed_zeros);
			fputc('\n', out);
		}
	}
	if ((int)r->outcome == 2 || (int)r->outcome == 3) {
		fprintf(out, "\n  %serror%s: %s\n", cwp__so(t, CWP__RED), R, r->error);
		if ((int)r->outcome == 3)
			fprintf(out, "  nothing was written (%s failed).\n",
				r->failed_phase ? r->failed_phase : "a read");
		return;
	}
	if (r->disabled) {
		fprintf(out, "\n  progress sync is disabled (features.progress.enable: false): "
			     "nothing to do.\n");
		return;
	}

	/* The rows worth a line: everything with --explain; otherwise what is
	 * (or would be) written, what failed and what could not be resolved. */
	size_t listed = 0, limit = show == CWP__SHOW_EXPLAIN ? (size_t)-1 : 40;
	size_t interesting = 0;
	for (size_t i = 0; i < n_rows; i++) {
		const cwp_sync_row *w = cwp_sync_result_row(res, i);
		bool want = show == CWP__SHOW_EXPLAIN ||
			    (show == CWP__SHOW_QUIET ? w->status == CWP_SYNC_ROW_FAILED
						     : w->status != CWP_SYNC_ROW_PLAN_SKIP &&
							   w->status != CWP_SYNC_ROW_POLICY_SKIP);
		if (!want)
			continue;
		interesting++;
		if (w->status != CWP_SYNC_ROW_FAILED && listed >= limit)
			continue;
		if (!listed)
			fprintf(out, "\n  %s%-10s %s%-38s %8s    %-8s %s%s\n", D, "",
				r->mode == CWP_MODE_TWO_WAY ? "   " : "", "title", "target",
				"source", "decision", R);
		const cwp_sync_row *prev = i > 0 ? cwp_sync_result_row(res, i - 1) : NULL;
		const cwp_sync_row *next = cwp_sync_result_row(res, i + 1);
		bool version = (prev && !strcmp(prev->key, w->key) && prev->dir == w->dir) ||
			       (next && !strcmp(next->key, w->key) && next->dir == w->dir);
		print_row(r, w, t, version);
		listed++;
	}
	if (interesting > listed)
		fprintf(out,
			"  %s… and %zu more (--explain lists every key, --json everything)%s\n", D,
			interesting - listed, R);
	if (show == CWP__SHOW_QUIET) {
		if (r->failed)
			fprintf(out, "%zu of %zu writes failed\n", r->failed,
				r->upserts + r->clears);
		return;
	}

	fprintf(out, "\n");
	bool dry = r->dry_run;
	print_count(t, dry ? "upserts" : "upserts", r->upserts, dry ? CWP__CYAN : CWP__GREEN);
	print_count(t, "clears", r->clears, dry ? CWP__CYAN : CWP__GREEN);
	print_count(t, "skipped", r->skips, CWP__RESET);
	for (int k = 0; k < CWP_REASON__COUNT; k++)
		if (r->by_reason[k] && k != CWP_REASON_REPLAY_UNWATCH_FAILED)
			fprintf(out, "    %s%-22s %4zu%s\n", D, cwp_reason_name((cwp_reason)k),
				r->by_reason[k], R);
	print_count(t, "unresolved", r->unresolved, CWP__YELLOW);
	print_count(t, "failed", r->failed, CWP__RED);

	fputc('\n', out);
	size_t writes = r->upserts + r->clears;
	if (dry) {
		fprintf(out, "  %sdry run%s: %zu write%s planned, none sent.\n", B, R, writes,
			writes == 1 ? "" : "s");
	} else if (!writes) {
		fprintf(out, "  %snothing to write%s: both sides agree.\n", B, R);
	} else if (r->failed) {
		fprintf(out, "  %s%zu of %zu writes failed%s; run again to retry them.\n",
			cwp__so(t, CWP__RED), r->failed, writes, R);
	} else {
		fprintf(out, "  %s%zu write%s applied.%s\n", cwp__so(t, CWP__GREEN), r->written,
			r->written == 1 ? "" : "s", R);
	}
	if (r->interrupted)
		fprintf(out,
			"  %sinterrupted%s: %zu write%s not sent; the journal says which "
			"may have landed.\n",
			cwp__so(t, CWP__YELLOW), R, r->not_sent, r->not_sent == 1 ? "" : "s");
	if (r->journal_path && journal)
		fprintf(out, "  journal: %s  %s(undo: cwprogress undo %s)%s\n", r->journal_path, D,
			r->journal_path, R);
	if (r->warnings)
		fprintf(out, "  %s%zu warning%s%s\n", cwp__so(t, CWP__YELLOW), r->warnings,
			r->warnings == 1 ? "" : "s", R);
	if (t->verbosity > 0) {
		fprintf(out, "  %srequests: source %zu, destination %zu; %.1f s (", D,
			r->side[0].requests, r->side[1].requests, (double)r->elapsed_ms / 1000.0);
		for (int k = 0; k < CWP_SYNC_PH_COUNT; k++)
			fprintf(out, "%s%s %.1f", k ? ", " : "", cwp_sync_phase_name(k),
				(double)r->phase_ms[k] / 1000.0);
		fprintf(out, ")%s\n", R);
	}
}

static void add_ms(cJSON *o, const char *k, bool has, int64_t v)
{
	if (has)
		cJSON_AddNumberToObject(o, k, (double)v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *row_json(const cwp_sync_row *w)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "key", w->key);
	if (w->title)
		cJSON_AddStringToObject(o, "title", w->title);
	cJSON_AddStringToObject(o, "type", w->type == CWP_TYPE_EPISODE ? "episode" : "movie");
	cJSON_AddStringToObject(o, "direction", cwp_direction_name(w->dir));
	cJSON_AddStringToObject(o, "target", side_names[w->target]);
	if (w->item_id)
		cJSON_AddStringToObject(o, "item_id", w->item_id);
	else
		cJSON_AddNullToObject(o, "item_id");
	cJSON_AddStringToObject(o, "stage",
				w->status == CWP_SYNC_ROW_PLAN_SKIP    ? "plan"
				: w->status == CWP_SYNC_ROW_UNRESOLVED ? "resolve"
								       : "apply");
	cJSON_AddStringToObject(o, "action", cwp_action_name(w->action));
	cJSON_AddStringToObject(o, "reason", cwp_reason_name(w->reason));
	cJSON_AddStringToObject(o, "plan_action", cwp_action_name(w->plan_action));
	cJSON_AddStringToObject(o, "plan_reason", cwp_reason_name(w->plan_reason));
	if (w->unresolved)
		cJSON_AddStringToObject(o, "unresolved", w->unresolved);
	cJSON_AddStringToObject(o, "status", cwp_sync_status_name(w->status));
	add_ms(o, "source_ms", w->has_src_ms, w->src_ms);
	add_ms(o, "destination_ms", w->has_dst_ms, w->dst_ms);
	bool writes = w->status == CWP_SYNC_ROW_WOULD_WRITE || w->status == CWP_SYNC_ROW_WRITTEN ||
		      w->status == CWP_SYNC_ROW_FAILED || w->status == CWP_SYNC_ROW_NOT_SENT;
	add_ms(o, "write_ms", writes, w->write_ms);
	if (writes)
		cJSON_AddBoolToObject(o, "unwatch_first", w->unwatch_first);
	if (w->has_prev) {
		cJSON *p = cJSON_AddObjectToObject(o, "target_state");
		add_ms(p, "position_ms", w->prev.has_position, w->prev.position_ms);
		add_ms(p, "duration_ms", w->prev.has_duration, w->prev.duration_ms);
		char ts[CWP_TIME_BUFSZ];
		if (w->prev.has_last_played &&
		    cwp_time_format(ts, sizeof(ts), w->prev.last_played_at) == 0)
			cJSON_AddStringToObject(p, "last_played", ts);
		else
			cJSON_AddNullToObject(p, "last_played");
		cJSON_AddBoolToObject(p, "played", w->prev.played);
		cJSON_AddBoolToObject(p, "playing", w->prev.playing);
	}
	if (w->status == CWP_SYNC_ROW_FAILED) {
		cJSON_AddStringToObject(o, "error", w->error ? w->error : "");
		cJSON_AddNumberToObject(o, "http_status", w->http_status);
	}
	return o;
}

cJSON *cwp__report_to_json(const cwp_sync_result *res)
{
	const cwp_sync_summary *r = cwp_sync_result_summary(res);
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "cwprogress", CWP_VERSION_STRING);
	cJSON_AddBoolToObject(o, "dry_run", r->dry_run);
	cJSON_AddStringToObject(o, "mode", r->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way");
	cJSON_AddBoolToObject(o, "disabled", r->disabled);
	cJSON_AddNumberToObject(o, "exit_code", (int)r->outcome);
	if (r->error && r->error[0]) {
		cJSON_AddStringToObject(o, "error", r->error);
		cJSON_AddStringToObject(o, "failed_phase", r->failed_phase ? r->failed_phase : "");
	}
	cJSON *servers = cJSON_AddObjectToObject(o, "servers");
	for (int s = 0; s < 2; s++) {
		const cwp_sync_side_info *sr = &r->side[s];
		cJSON *x = cJSON_AddObjectToObject(servers, side_names[s]);
		cJSON_AddStringToObject(x, "label", sr->label ? sr->label : side_names[s]);
		cJSON_AddStringToObject(x, "url", sr->url ? sr->url : "");
		cJSON_AddStringToObject(x, "server_name", sr->server.name);
		cJSON_AddStringToObject(x, "version", sr->server.version);
		cJSON_AddStringToObject(x, "user_name", sr->server.user_name);
		cJSON_AddBoolToObject(x, "read", sr->read);
		cJSON_AddNumberToObject(x, "indexed", (double)sr->indexed);
		cJSON_AddNumberToObject(x, "confirmed_zeros", (double)sr->confirmed_zeros);
		cJSON_AddNumberToObject(x, "requests", (double)sr->requests);
		cJSON_AddNumberToObject(x, "retries", (double)sr->retries);
		cJSON_AddNumberToObject(x, "bytes_received", (double)sr->bytes);
	}
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	cJSON_AddNumberToObject(sum, "keys", (double)r->keys);
	cJSON_AddNumberToObject(sum, "upserts", (double)r->upserts);
	cJSON_AddNumberToObject(sum, "clears", (double)r->clears);
	cJSON_AddNumberToObject(sum, "skipped", (double)r->skips);
	cJSON *by = cJSON_AddObjectToObject(sum, "skipped_by_reason");
	for (int k = 0; k < CWP_REASON__COUNT; k++)
		if (r->by_reason[k] && k != CWP_REASON_REPLAY_UNWATCH_FAILED)
			cJSON_AddNumberToObject(by, cwp_reason_name((cwp_reason)k),
						(double)r->by_reason[k]);
	cJSON_AddNumberToObject(sum, "unresolved", (double)r->unresolved);
	cJSON_AddNumberToObject(sum, "written", (double)r->written);
	cJSON_AddNumberToObject(sum, "failed", (double)r->failed);
	cJSON_AddNumberToObject(sum, "not_sent", (double)r->not_sent);
	cJSON_AddBoolToObject(o, "interrupted", r->interrupted);
	cJSON *items = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; i < cwp_sync_result_rows(res); i++)
		cJSON_AddItemToArray(items, row_json(cwp_sync_result_row(res, i)));
	if (r->journal_path)
		cJSON_AddStringToObject(o, "journal", r->journal_path);
	else
		cJSON_AddNullToObject(o, "journal");
	cJSON_AddNumberToObject(o, "warnings", (double)r->warnings);
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)r->elapsed_ms);
	cJSON *ph = cJSON_AddObjectToObject(o, "phase_ms");
	for (int k = 0; k < CWP_SYNC_PH_COUNT; k++)
		cJSON_AddNumberToObject(ph, cwp_sync_phase_name(k), (double)r->phase_ms[k]);
	return o;
}

int cwp__report_print_json(const cwp_sync_result *r, FILE *f)
{
	cJSON *o = cwp__report_to_json(r);
	char *s = o ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	if (!s)
		return CWP_ENOMEM;
	cwp__redact(s);
	int rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? CWP_EIO : 0;
	cJSON_free(s);
	return rc;
}
