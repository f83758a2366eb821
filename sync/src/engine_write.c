/* Fresh state, the write policy (§5), the journal (APPLY-09/11) and the
 * writes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "internal.h"

static const char *const side_names[2] = {"source", "destination"};

static const char *perr(const cwp__sync_run *x, int s)
{
	const char *e = x->p[s]->error ? x->p[s]->error(x->p[s]->payload) : NULL;
	return e && *e ? e : cwp_error_last();
}

/* Re-decide one row on its item's fresh state; queue it when it writes. */
static void decide_row(cwp__sync_run *x, size_t i, const cwp_target_state *st)
{
	cwp_sync_row *row = &x->r->rows[i];
	row->prev = *st;
	row->has_prev = true;
	cwp_decision pd = cwp_policy_decide(x->slots[row->decision].d->src, st, &x->cfg);
	row->action = pd.action;
	/* When the fresh state confirms the plan, the planner's reason
	 * (destination_missing, …) says more than the re-decision's. */
	row->reason = pd.action == row->plan_action && pd.action != CWP_ACTION_SKIP
			  ? row->plan_reason
			  : pd.reason;
	row->write_ms = pd.write_ms;
	row->unwatch_first = pd.unwatch_first;
	if (pd.action == CWP_ACTION_SKIP) {
		row->status = CWP_SYNC_ROW_POLICY_SKIP;
		return;
	}
	if (cwp_write_body(x->bodies[x->n_pw], sizeof(x->bodies[0]), &pd) != 0) {
		row->status = CWP_SYNC_ROW_FAILED;
		row->error = strdup("cannot build the UserData body");
		return;
	}
	x->pw[x->n_pw++] = i;
}

/* §5 for one target side: its items' fresh state (batched) and who plays
 * what, then the write policy per item. */
static int decide_target(cwp__sync_run *x, int t, const char **ids, cwp_target_state *states,
			 bool *found, bool *playing)
{
	cwp_sync_result *r = x->r;
	size_t n = 0;
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].target == t && r->rows[i].status == CWP_SYNC_ROW_WOULD_WRITE)
			ids[n++] = r->rows[i].item_id;
	if (!n)
		return 0;
	memset(states, 0, n * sizeof(*states));
	memset(found, 0, n * sizeof(*found));
	memset(playing, 0, n * sizeof(*playing));
	const cwp_sync_provider *p = x->p[t];
	if (p->read_states(p->payload, ids, n, states, found) != 0)
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "state", "%s", perr(x, t));
	if (p->playing(p->payload, ids, n, playing) != 0)
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "sessions", "%s", perr(x, t));
	size_t k = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		cwp_sync_row *row = &r->rows[i];
		if (row->target != t || row->status != CWP_SYNC_ROW_WOULD_WRITE)
			continue;
		size_t j = k++;
		if (!found[j]) {
			row->status = CWP_SYNC_ROW_UNRESOLVED;
			row->unresolved = "not_found";
			continue;
		}
		cwp_target_state st = states[j];
		st.playing = playing[j];
		decide_row(x, i, &st);
	}
	return 0;
}

int cwp__sync_decide(cwp__sync_run *x)
{
	if (!cwp__sync_continue(x, CWP_SYNC_PH_STATE, 0, 1))
		return -1;
	size_t n = x->r->n_rows ? x->r->n_rows : 1;
	const char **ids = calloc(n, sizeof(*ids));
	cwp_target_state *states = calloc(n, sizeof(*states));
	bool *found = calloc(n, sizeof(*found)), *playing = calloc(n, sizeof(*playing));
	x->pw = calloc(n, sizeof(*x->pw));
	x->bodies = calloc(n, sizeof(*x->bodies));
	int rc = 0;
	if (!ids || !states || !found || !playing || !x->pw || !x->bodies)
		rc = cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "state", "out of memory");
	for (int t = 0; t < 2 && !rc; t++)
		rc = decide_target(x, t, ids, states, found, playing);
	if (!rc)
		cwp__sync_lap(x, CWP_SYNC_PH_STATE);
	free(ids);
	free(states);
	free(found);
	free(playing);
	return rc;
}

static cJSON *state_json(const cwp_target_state *st)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "PlaybackPositionTicks", (double)cwp_target_ticks(st));
	char ts[CWP_TIME_BUFSZ];
	if (st->has_last_played && cwp_time_format(ts, sizeof(ts), st->last_played_at) == 0)
		cJSON_AddStringToObject(o, "LastPlayedDate", ts);
	else
		cJSON_AddNullToObject(o, "LastPlayedDate");
	cJSON_AddBoolToObject(o, "Played", st->played);
	return o;
}

static int journal_previous(cwp__sync_run *x, const cwp_sync_row *w, const char *body)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return CWP_ENOMEM;
	cJSON_AddStringToObject(o, "entry", "previous");
	cJSON_AddStringToObject(o, "run", x->run_id);
	cJSON_AddStringToObject(o, "side", side_names[w->target]);
	cJSON_AddStringToObject(o, "label", x->r->labels[w->target]);
	cJSON_AddStringToObject(o, "item_id", w->item_id);
	cJSON_AddStringToObject(o, "key", w->key);
	if (w->title)
		cJSON_AddStringToObject(o, "title", w->title);
	cJSON_AddStringToObject(o, "direction", cwp_direction_name(w->dir));
	cJSON_AddStringToObject(o, "action", cwp_action_name(w->action));
	cJSON_AddStringToObject(o, "reason", cwp_reason_name(w->reason));
	cJSON_AddItemToObject(o, "previous", state_json(&w->prev));
	cJSON *b = cwp_json_parse_str(body);
	cJSON_AddItemToObject(o, "body", b ? b : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "unwatch_first", w->unwatch_first);
	int rc = cwp__sync_journal_append(x->journal, o);
	cJSON_Delete(o);
	return rc;
}

static cJSON *journal_header(const cwp__sync_run *x)
{
	cJSON *h = cJSON_CreateObject();
	if (!h)
		return NULL;
	cJSON_AddNumberToObject(h, "cwprogress_journal", 1);
	cJSON_AddStringToObject(h, "version", CWP_VERSION_STRING);
	cJSON_AddStringToObject(h, "command", x->o->command ? x->o->command : "sync");
	cJSON_AddStringToObject(h, "run", x->run_id);
	char ts[CWP_TIME_BUFSZ];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (cwp_time_format(ts, sizeof(ts), (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000) ==
	    0)
		cJSON_AddStringToObject(h, "started", ts);
	cJSON *meta = x->o->journal_meta ? cwp_json_parse_str(x->o->journal_meta) : NULL;
	cJSON_AddItemToObject(h, "servers", meta ? meta : cJSON_CreateObject());
	return h;
}

/* Every write's row fails with msg (nothing was sent). */
static void fail_pending(cwp__sync_run *x, const char *msg)
{
	for (size_t i = 0; i < x->n_pw; i++) {
		cwp_sync_row *row = &x->r->rows[x->pw[i]];
		row->status = CWP_SYNC_ROW_FAILED;
		row->error = strdup(msg);
	}
}

/* APPLY-09: every previous state on disk before the first write. */
int cwp__sync_journal_writes(cwp__sync_run *x)
{
	char jerr[4200] = "";
	const char *path = x->o->journal_path;
	int jrc = CWP_EINVAL;
	if (!path) {
		snprintf(jerr, sizeof(jerr), "no journal path was given");
	} else {
		cJSON *h = journal_header(x);
		jrc = h ? cwp__sync_journal_open(&x->journal, path, h, x->o->redact, x->o->payload,
						 jerr, sizeof(jerr))
			: CWP_ENOMEM;
		cJSON_Delete(h);
	}
	if (!jrc) {
		x->r->journal_path = cwp__sync_strdup(path);
		for (size_t i = 0; i < x->n_pw && !jrc; i++)
			jrc = journal_previous(x, &x->r->rows[x->pw[i]], x->bodies[i]);
		if (!jrc)
			jrc = cwp__sync_journal_sync(x->journal);
		if (jrc)
			snprintf(jerr, sizeof(jerr), "cannot write the journal %s", path);
	}
	if (jrc) {
		/* Nothing is sent that could not be undone. */
		fail_pending(x, "not sent: the journal could not be written");
		return cwp__sync_fail(x, CWP_SYNC_WRITES_FAILED, "journal", "%s", jerr);
	}
	return 0;
}

/* A write that got an HTTP answer other than success was not applied; one
 * that got no answer (network, timeout) may have been (APPLY-10). */
static const char *outcome_name(const cwp_sync_write *w)
{
	if (!w->started)
		return "not_sent";
	if (w->result == 0)
		return "ok";
	return w->unwatch_failed || w->http_status >= 400 ? "failed" : "unknown";
}

static void journal_outcome(cwp__sync_run *x, const cwp_sync_row *row, const cwp_sync_write *w)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "entry", "outcome");
	cJSON_AddStringToObject(o, "run", x->run_id);
	cJSON_AddStringToObject(o, "side", side_names[row->target]);
	cJSON_AddStringToObject(o, "item_id", row->item_id);
	cJSON_AddStringToObject(o, "outcome", outcome_name(w));
	cJSON_AddNumberToObject(o, "http_status", w->http_status);
	/* APPLY-10: the unwatch landed even when the write then failed. */
	cJSON_AddBoolToObject(o, "unwatched", w->unwatched);
	cwp__sync_journal_append(x->journal, o);
	cJSON_Delete(o);
}

struct cancel_ctx {
	cwp__sync_run *x;
	size_t started, total;
};

static int write_cancel(void *ud)
{
	struct cancel_ctx *c = ud;
	bool go = cwp__sync_continue(c->x, CWP_SYNC_PH_WRITE, c->started, c->total);
	if (go)
		c->started++;
	return go ? 0 : -1;
}

static void write_result(cwp__sync_run *x, cwp_sync_row *row, const cwp_sync_write *w)
{
	row->http_status = w->http_status;
	if (!w->started) {
		row->status = CWP_SYNC_ROW_NOT_SENT;
	} else if (w->result == 0) {
		row->status = CWP_SYNC_ROW_WRITTEN;
	} else {
		row->status = CWP_SYNC_ROW_FAILED;
		if (w->unwatch_failed)
			row->reason = CWP_REASON_REPLAY_UNWATCH_FAILED;
		char *e = strdup(w->error[0] ? w->error : "write failed");
		if (e && x->o->redact)
			x->o->redact(x->o->payload, e);
		row->error = e;
	}
	journal_outcome(x, row, w);
}

/* Destination first, then (two-way) the source; each batch through its
 * provider, which checks the cancel callback before each new write. */
int cwp__sync_send(cwp__sync_run *x)
{
	cwp_sync_write *ws = calloc(x->n_pw, sizeof(*ws));
	size_t *wrow = calloc(x->n_pw, sizeof(*wrow));
	if (!ws || !wrow) {
		free(ws);
		free(wrow);
		return cwp__sync_fail(x, CWP_SYNC_WRITES_FAILED, "write", "out of memory");
	}
	struct cancel_ctx cc = {x, 0, x->n_pw};
	for (int t = CWP_SYNC_DESTINATION; t >= CWP_SYNC_SOURCE; t--) {
		size_t n = 0;
		for (size_t i = 0; i < x->n_pw; i++) {
			const cwp_sync_row *row = &x->r->rows[x->pw[i]];
			if (row->target != t)
				continue;
			memset(&ws[n], 0, sizeof(ws[n]));
			ws[n].item_id = row->item_id;
			ws[n].body = x->bodies[i];
			ws[n].unwatch_first = row->unwatch_first;
			wrow[n++] = x->pw[i];
		}
		if (!n)
			continue;
		x->p[t]->write(x->p[t]->payload, ws, n, write_cancel, &cc);
		for (size_t k = 0; k < n; k++)
			write_result(x, &x->r->rows[wrow[k]], &ws[k]);
		cwp__sync_journal_sync(x->journal);
	}
	cwp__sync_lap(x, CWP_SYNC_PH_WRITE);
	free(ws);
	free(wrow);
	return 0;
}

/* APPLY-11: the journal alone tells how the run ended. */
void cwp__sync_journal_end(cwp__sync_run *x)
{
	if (!x->journal)
		return;
	const cwp_sync_summary *s = &x->r->sum;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "entry", "end");
	cJSON_AddStringToObject(o, "run", x->run_id);
	cJSON_AddBoolToObject(o, "interrupted", x->cancelled);
	cJSON_AddNumberToObject(o, "written", (double)s->written);
	cJSON_AddNumberToObject(o, "failed", (double)s->failed);
	cJSON_AddNumberToObject(o, "not_sent", (double)s->not_sent);
	cwp__sync_journal_append(x->journal, o);
	cJSON_Delete(o);
	cwp__sync_journal_sync(x->journal);
}
