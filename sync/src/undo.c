/* Undo (APPLY-10): give back what a run overwrote, only where the run's
 * steps are still what the item holds. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cwp/json.h"

#include "undo_internal.h"

static const char *const side_names[2] = {"source", "destination"};

const char *cwp_undo_status_name(cwp_undo_status s)
{
	static const char *const names[] = {"pending",       "restored",  "failed",
					    "unchanged",     "not_found", "would_restore",
					    "changed_since", "not_sent"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int cwp_undo_options_init(cwp_undo_options *opts, unsigned int version)
{
	if (!opts || version != CWP_UNDO_OPTIONS_VERSION)
		return cwp_error_set(CWP_EINVAL, "cwp_undo_options version %u is not %u", version,
				     (unsigned)CWP_UNDO_OPTIONS_VERSION);
	cwp_undo_options init = CWP_UNDO_OPTIONS_INIT;
	*opts = init;
	return 0;
}

static cwp__undo_state state_now(const cwp_target_state *t)
{
	cwp__undo_state s = {t->has_position ? t->position_ms : 0, t->has_last_played,
			     t->last_played_at, t->played};
	return s;
}

static bool same_state(const cwp__undo_state *a, const cwp__undo_state *b)
{
	return a->ms == b->ms && a->played == b->played && a->has_date == b->has_date &&
	       (!a->has_date || a->date == b->date);
}

/* Decide one found item on its current state. */
static void judge(cwp_undo_item *it, const cwp__undo_expect *x, bool dry)
{
	cwp__undo_state now = state_now(&it->now);
	cwp__undo_state want = {it->ticks / CWP_TICKS_PER_MS, false, 0, it->played};
	if (it->has_date)
		want.has_date = cwp_time_parse(&want.date, it->date, strlen(it->date)) == 0;
	if (same_state(&now, &want)) {
		it->status = CWP_UNDO_UNCHANGED;
	} else if (it->now.playing) {
		it->status = CWP_UNDO_CHANGED_SINCE;
		it->why = "playing now";
	} else if (!same_state(&now, &x->after) &&
		   !(x->uncertain && same_state(&now, &x->before))) {
		it->status = CWP_UNDO_CHANGED_SINCE;
		it->why = "changed since the run";
	} else {
		it->status = dry ? CWP_UNDO_WOULD_RESTORE : CWP_UNDO_PENDING;
	}
}

/* The current state of one side's items, and who plays them now. */
static int read_side(cwp_undo *u, const cwp_sync_provider *p, int s, bool dry)
{
	size_t n = 0;
	for (size_t i = 0; i < u->n; i++)
		n += u->items[i].side == s;
	if (!n)
		return 0;
	const char **ids = calloc(n, sizeof(*ids));
	cwp_target_state *st = calloc(n, sizeof(*st));
	bool *found = calloc(n, sizeof(*found)), *playing = calloc(n, sizeof(*playing));
	int rc = ids && st && found && playing ? 0 : CWP_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; !rc && i < u->n; i++)
		if (u->items[i].side == s)
			ids[k++] = u->items[i].item_id;
	if (!rc && p->probe) {
		cwp_sync_server_info info;
		rc = p->probe(p->payload, &info);
	}
	if (!rc)
		rc = p->read_states(p->payload, ids, n, st, found);
	if (!rc)
		rc = p->playing(p->payload, ids, n, playing);
	for (size_t i = 0, j = 0; !rc && i < u->n; i++) {
		cwp_undo_item *it = &u->items[i];
		if (it->side != s)
			continue;
		it->found = found[j];
		it->now = st[j];
		it->now.playing = playing[j];
		j++;
		if (!it->found)
			it->status = CWP_UNDO_NOT_FOUND;
		else
			judge(it, &u->exp[i], dry);
	}
	if (rc && rc != CWP_ENOMEM)
		cwp_error_set(rc, "%s", p->error ? p->error(p->payload) : cwp_strerror(rc));
	free(ids);
	free(st);
	free(found);
	free(playing);
	return rc;
}

static cJSON *now_json(const cwp_target_state *t)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "PlaybackPositionTicks", (double)cwp_target_ticks(t));
	char ts[CWP_TIME_BUFSZ];
	if (t->has_last_played && cwp_time_format(ts, sizeof(ts), t->last_played_at) == 0)
		cJSON_AddStringToObject(p, "LastPlayedDate", ts);
	else
		cJSON_AddNullToObject(p, "LastPlayedDate");
	cJSON_AddBoolToObject(p, "Played", t->played);
	return p;
}

static int journal_item(cwp__sync_journal *j, const char *run, const cwp_undo_item *it,
			const char *body)
{
	cJSON *e = cJSON_CreateObject();
	if (!e)
		return CWP_ENOMEM;
	cJSON_AddStringToObject(e, "entry", "previous");
	cJSON_AddStringToObject(e, "run", run);
	cJSON_AddStringToObject(e, "side", side_names[it->side]);
	cJSON_AddStringToObject(e, "item_id", it->item_id);
	cJSON_AddStringToObject(e, "key", it->key);
	if (it->title)
		cJSON_AddStringToObject(e, "title", it->title);
	cJSON_AddStringToObject(e, "action", "restore");
	cJSON_AddItemToObject(e, "previous", now_json(&it->now));
	cJSON *b = cwp_json_parse_str(body);
	cJSON_AddItemToObject(e, "body", b ? b : cJSON_CreateNull());
	int rc = cwp__sync_journal_append(j, e);
	cJSON_Delete(e);
	return rc;
}

static int open_journal(cwp__sync_journal **j, const cwp_undo *u, const cwp_undo_options *o,
			const char *run)
{
	cJSON *h = cJSON_CreateObject();
	if (!h)
		return CWP_ENOMEM;
	cJSON_AddNumberToObject(h, "cwprogress_journal", 1);
	cJSON_AddStringToObject(h, "version", CWP_VERSION_STRING);
	cJSON_AddStringToObject(h, "command", "undo");
	cJSON_AddStringToObject(h, "run", run);
	if (o->undoes)
		cJSON_AddStringToObject(h, "undoes", o->undoes);
	cJSON *meta = o->journal_meta ? cwp_json_parse_str(o->journal_meta) : NULL;
	cJSON_AddItemToObject(h, "servers", meta ? meta : cJSON_CreateObject());
	char err[4200];
	int rc = o->journal_path ? cwp__sync_journal_open(j, o->journal_path, h, o->redact,
							  o->payload, err, sizeof(err))
				 : CWP_EINVAL;
	cJSON_Delete(h);
	for (size_t i = 0; !rc && i < u->n; i++)
		if (u->items[i].status == CWP_UNDO_PENDING)
			rc = journal_item(*j, run, &u->items[i], u->exp[i].body);
	if (!rc)
		rc = cwp__sync_journal_sync(*j);
	if (rc)
		cwp_error_set(CWP_EIO, "cannot write its journal %s",
			      o->journal_path ? o->journal_path : "(none given)");
	return rc ? CWP_EIO : 0;
}

struct undo_cancel {
	const cwp_undo_options *o;
	size_t started, total;
	bool cancelled;
};

static int undo_cancel_cb(void *ud)
{
	struct undo_cancel *c = ud;
	if (!c->cancelled && c->o->progress) {
		cwp_sync_progress p = {CWP_SYNC_PH_WRITE, c->started, c->total};
		c->cancelled = c->o->progress(c->o->payload, &p) < 0;
	}
	if (!c->cancelled)
		c->started++;
	return c->cancelled ? -1 : 0;
}

static void record_write(cwp__sync_journal *j, const char *run, cwp_undo_item *it,
			 const cwp_sync_write *w, const cwp_undo_options *o)
{
	it->http_status = w->http_status;
	if (!w->started) {
		it->status = CWP_UNDO_NOT_SENT;
	} else if (w->result == 0) {
		it->status = CWP_UNDO_RESTORED;
	} else {
		it->status = CWP_UNDO_FAILED;
		char *e = strdup(w->error);
		if (e && o->redact)
			o->redact(o->payload, e);
		it->error = e;
	}
	cJSON *x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "entry", "outcome");
	cJSON_AddStringToObject(x, "run", run);
	cJSON_AddStringToObject(x, "side", side_names[it->side]);
	cJSON_AddStringToObject(x, "item_id", it->item_id);
	cJSON_AddStringToObject(x, "outcome",
				!w->started             ? "not_sent"
				: w->result == 0        ? "ok"
				: w->http_status >= 400 ? "failed"
							: "unknown");
	cJSON_AddNumberToObject(x, "http_status", w->http_status);
	cwp__sync_journal_append(j, x);
	cJSON_Delete(x);
}

static int write_side(cwp_undo *u, const cwp_sync_provider *p, int s, cwp__sync_journal *j,
		      const char *run, struct undo_cancel *cc)
{
	cwp_sync_write *ws = calloc(u->n ? u->n : 1, sizeof(*ws));
	size_t *map = calloc(u->n ? u->n : 1, sizeof(*map));
	if (!ws || !map) {
		free(ws);
		free(map);
		return CWP_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < u->n; i++) {
		if (u->items[i].side != s || u->items[i].status != CWP_UNDO_PENDING)
			continue;
		ws[k].item_id = u->items[i].item_id;
		ws[k].body = u->exp[i].body;
		map[k++] = i;
	}
	if (k)
		p->write(p->payload, ws, k, undo_cancel_cb, cc);
	for (size_t q = 0; q < k; q++)
		record_write(j, run, &u->items[map[q]], &ws[q], cc->o);
	cwp__sync_journal_sync(j);
	free(ws);
	free(map);
	return 0;
}

int cwp_undo_run(cwp_undo *u, const cwp_sync_provider *const prov[2], const cwp_undo_options *o)
{
	if (!u || !o || o->version != CWP_UNDO_OPTIONS_VERSION)
		return cwp_error_set(CWP_EINVAL, "cwp_undo_run: options of an unknown version");
	for (int s = 0; s < 2; s++)
		if (cwp_undo_needs(u, s) &&
		    (!prov[s] || prov[s]->version != CWP_SYNC_PROVIDER_VERSION))
			return cwp_error_set(CWP_EINVAL,
					     "cwp_undo_run: no usable provider for the %s",
					     side_names[s]);
	u->failed_phase = NULL;
	for (int s = 0; s < 2; s++) {
		int rc = prov[s] ? read_side(u, prov[s], s, o->dry_run) : 0;
		if (rc) {
			u->failed_phase = "read";
			return rc;
		}
	}
	size_t pending = 0;
	for (size_t i = 0; i < u->n; i++)
		pending += u->items[i].status == CWP_UNDO_PENDING;
	if (!pending || o->dry_run)
		return 0;
	char run[64];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(run, sizeof(run), "undo-%lld-%ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	cwp__sync_journal *j = NULL;
	int rc = open_journal(&j, u, o, run);
	if (rc) {
		cwp__sync_journal_close(j);
		u->failed_phase = "journal";
		return rc;
	}
	struct undo_cancel cc = {o, 0, pending, false};
	for (int s = 0; s < 2 && !rc; s++)
		if (prov[s])
			rc = write_side(u, prov[s], s, j, run, &cc);
	cwp__sync_journal_close(j);
	return rc;
}
