/* The sync engine (SPEC §5-§8): see sync.h. */
#include "sync.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "journal.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#endif

static const char *const side_names[2] = {"source", "destination"};

const char *cwp__status_name(cwp__status s)
{
	switch (s) {
	case CWP__ST_PLAN_SKIP:
		return "skipped";
	case CWP__ST_UNRESOLVED:
		return "unresolved";
	case CWP__ST_POLICY_SKIP:
		return "skipped";
	case CWP__ST_WOULD_WRITE:
		return "would_write";
	case CWP__ST_WRITTEN:
		return "written";
	case CWP__ST_FAILED:
		return "failed";
	}
	return "unknown";
}

void cwp__report_free(cwp__report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_rows; i++) {
		free(r->rows[i].key);
		free(r->rows[i].title);
		free(r->rows[i].item_id);
		free(r->rows[i].error);
	}
	free(r->rows);
	for (int s = 0; s < 2; s++) {
		free(r->side[s].label);
		free(r->side[s].url);
	}
	free(r->journal_path);
	free(r);
}

void cwp__report_summarize(cwp__report *r)
{
	r->keys = r->upserts = r->clears = r->skips = r->unresolved = r->failed = r->written = 0;
	memset(r->by_reason, 0, sizeof(r->by_reason));
	const char *last_key = NULL;
	int last_dir = -1;
	for (size_t i = 0; i < r->n_rows; i++) {
		const cwp__row *w = &r->rows[i];
		if (!last_key || strcmp(last_key, w->key) || last_dir != (int)w->dir)
			r->keys++;
		last_key = w->key;
		last_dir = (int)w->dir;
		switch (w->status) {
		case CWP__ST_PLAN_SKIP:
		case CWP__ST_POLICY_SKIP:
			r->skips++;
			if (w->reason < CWP_REASON__COUNT)
				r->by_reason[w->reason]++;
			break;
		case CWP__ST_UNRESOLVED:
			r->unresolved++;
			break;
		case CWP__ST_WOULD_WRITE:
		case CWP__ST_WRITTEN:
		case CWP__ST_FAILED:
			if (w->action == CWP_ACTION_CLEAR)
				r->clears++;
			else
				r->upserts++;
			if (w->status == CWP__ST_WRITTEN)
				r->written++;
			if (w->status == CWP__ST_FAILED) {
				r->failed++;
				if (w->reason == CWP_REASON_REPLAY_UNWATCH_FAILED)
					r->by_reason[w->reason]++;
			}
			break;
		}
	}
}

const char *cwp__phase_name(int phase)
{
	static const char *const names[CWP__PH_COUNT] = {"probe",   "index", "confirm", "plan",
							 "resolve", "state", "write"};
	return phase >= 0 && phase < CWP__PH_COUNT ? names[phase] : "?";
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool writes(cwp__status s)
{
	return s == CWP__ST_WOULD_WRITE || s == CWP__ST_WRITTEN || s == CWP__ST_FAILED;
}

bool cwp__report_same_plan(const cwp__report *dry, const cwp__report *real)
{
	if (dry->n_rows != real->n_rows)
		return false;
	for (size_t i = 0; i < dry->n_rows; i++) {
		const cwp__row *a = &dry->rows[i], *b = &real->rows[i];
		if (!same_str(a->key, b->key) || a->dir != b->dir ||
		    !same_str(a->item_id, b->item_id) || a->action != b->action ||
		    a->reason != b->reason || a->write_ms != b->write_ms ||
		    writes(a->status) != writes(b->status) ||
		    (!writes(a->status) && a->status != b->status))
			return false;
	}
	return true;
}

#ifndef CWP_HAVE_CLIENT

cwp__report *cwp__sync_run(const cwp__sync_opts *o)
{
	cwp__report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->dry_run = o->dry_run;
	r->exit_code = CWP_EXIT_USAGE;
	snprintf(r->error, sizeof(r->error), "this cwprogress was built without emby_client");
	return r;
}

#else

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Add the time since *t to a phase, and restart *t. */
static void lap(cwp__report *r, int phase, int64_t *t)
{
	int64_t now = mono_ms();
	r->phase_ms[phase] += now - *t;
	*t = now;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static cwp__row *row_add(cwp__report *r)
{
	if (r->n_rows == r->cap_rows) {
		size_t ncap = r->cap_rows ? r->cap_rows * 2 : 64;
		cwp__row *nr = realloc(r->rows, ncap * sizeof(*nr));
		if (!nr)
			return NULL;
		r->rows = nr;
		r->cap_rows = ncap;
	}
	cwp__row *w = &r->rows[r->n_rows++];
	memset(w, 0, sizeof(*w));
	return w;
}

/* Fill a row's description from a plan decision (strings copied). */
static int row_from_decision(cwp__row *w, const cwp_decision *d)
{
	const cwp_record *s = d->src;
	char keybuf[CWP_KEY_MAX];
	const char *key = s ? s->key : NULL;
	if (s && !key && cwp_record_key(keybuf, sizeof(keybuf), s) == 0)
		key = keybuf;
	w->key = strdup(key ? key : "");
	w->title = xstrdup(s ? s->title : NULL);
	if (!w->key || (s && s->title && !w->title))
		return CWP_ENOMEM;
	w->dir = d->direction;
	w->target = d->direction == CWP_DIR_FORWARD ? CWP__DST : CWP__SRC;
	w->plan_action = w->action = d->action;
	w->plan_reason = w->reason = d->reason;
	if (s) {
		w->type = s->type;
		w->season = s->season;
		w->episode = s->episode;
		w->has_se = s->has_season && s->has_episode;
		w->src_ms = s->progress_ms;
		w->has_src_ms = s->has_progress_ms;
		w->src_at = s->progress_at;
		w->has_src_at = s->has_progress_at;
	}
	if (d->dst) {
		w->dst_ms = d->dst->progress_ms;
		w->has_dst_ms = d->dst->has_progress_ms;
	}
	return 0;
}

struct slot {
	const cwp_decision *d;
	int target;
	const char *const *ids; /* borrowed: the index's or the resolution's */
	size_t n_ids;
	const char *unresolved;
	bool pending;  /* needs emby_resolve */
	bool versions; /* a planner skip re-checked per version (APPLY-06) */
};

struct target_ref {
	int target;
	const char *item_id;
	size_t row;
};

static int cmp_target_ref(const void *a, const void *b)
{
	const struct target_ref *x = a, *y = b;
	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	int c = strcmp(x->item_id, y->item_id);
	if (c)
		return c;
	return x->row < y->row ? -1 : x->row > y->row;
}

static void fail(cwp__report *r, int exit_code, const char *phase, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(cwp__report *r, int exit_code, const char *phase, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	cwp__redact(r->error);
	r->exit_code = exit_code;
	r->failed_phase = phase;
}

static bool has_progress(const cwp_record *rec)
{
	return (rec->has_progress_ms && rec->progress_ms > 0) ||
	       (!rec->has_progress_ms && rec->has_progress_percent && rec->progress_percent > 0);
}

/* READ-06: records of `other` with progress whose keys `self` lacks are
 * looked up on self's server; explicit zeros found there go into self. A
 * failed lookup adds nothing (no record, no clear) and is a warning. */
static void confirm_zeros(cwp__report *r, emby_client *cl, int self, cwp_index *self_idx,
			  const cwp_index *other_idx, cwp_warnings *w)
{
	cwp_match *m = NULL;
	const cwp_record **cands = NULL;
	size_t n = 0, before = cwp_index_size(self_idx);
	if (cwp_match_new(&m, self_idx, other_idx) != 0) {
		cwp_warn(w, "%s: confirm-before-clear skipped: %s", r->side[self].label,
			 cwp_error_last());
		goto done;
	}
	size_t total = cwp_index_size(other_idx);
	cands = calloc(total ? total : 1, sizeof(*cands));
	if (!cands)
		goto done;
	for (size_t i = 0; i < total; i++) {
		const cwp_record *rec = cwp_index_at(other_idx, i);
		if (rec && !cwp_match_dst_used(m, i) && has_progress(rec))
			cands[n++] = rec;
	}
	if (n && emby_confirm_zeros(cl, cands, n, self_idx, w) != 0)
		cwp_warn(w,
			 "confirm-before-clear lookups failed, so nothing is cleared from "
			 "them: %s",
			 emby_client_error(cl));
	r->side[self].confirmed_zeros = cwp_index_size(self_idx) - before;
done:
	cwp_match_free(m);
	free(cands);
}

struct pending_write {
	size_t row;
	char body[160];
};

static cJSON *previous_json(const cwp_target_state *st)
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

static int journal_previous(cwp__journal *j, const char *run, const cwp__report *r,
			    const cwp__row *w, const char *body)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return CWP_ENOMEM;
	cJSON_AddStringToObject(o, "entry", "previous");
	cJSON_AddStringToObject(o, "run", run);
	cJSON_AddStringToObject(o, "side", side_names[w->target]);
	cJSON_AddStringToObject(o, "label", r->side[w->target].label);
	cJSON_AddStringToObject(o, "item_id", w->item_id);
	cJSON_AddStringToObject(o, "key", w->key);
	if (w->title)
		cJSON_AddStringToObject(o, "title", w->title);
	cJSON_AddStringToObject(o, "direction", cwp_direction_name(w->dir));
	cJSON_AddStringToObject(o, "action", cwp_action_name(w->action));
	cJSON_AddStringToObject(o, "reason", cwp_reason_name(w->reason));
	cJSON_AddItemToObject(o, "previous", previous_json(&w->prev));
	cJSON *b = cJSON_Parse(body);
	cJSON_AddItemToObject(o, "body", b ? b : cJSON_CreateNull());
	cJSON_AddBoolToObject(o, "unwatch_first", w->unwatch_first);
	int rc = cwp__journal_append(j, o);
	cJSON_Delete(o);
	return rc;
}

static int journal_outcome(cwp__journal *j, const char *run, const cwp__row *w,
			   const emby_write *ew)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return CWP_ENOMEM;
	cJSON_AddStringToObject(o, "entry", "outcome");
	cJSON_AddStringToObject(o, "run", run);
	cJSON_AddStringToObject(o, "side", side_names[w->target]);
	cJSON_AddStringToObject(o, "item_id", w->item_id);
	/* A write that got an HTTP answer other than success was not applied;
	 * one that got no answer (network, timeout) may have been. */
	const char *outcome = ew->result == 0                                ? "ok"
			      : ew->unwatch_failed || ew->http_status >= 400 ? "failed"
									     : "unknown";
	cJSON_AddStringToObject(o, "outcome", outcome);
	cJSON_AddNumberToObject(o, "http_status", ew->http_status);
	int rc = cwp__journal_append(j, o);
	cJSON_Delete(o);
	return rc;
}

static cJSON *journal_header(const cwp__sync_opts *o, const char *run)
{
	cJSON *h = cJSON_CreateObject();
	if (!h)
		return NULL;
	cJSON_AddNumberToObject(h, "cwprogress_journal", 1);
	cJSON_AddStringToObject(h, "version", CWP_VERSION_STRING);
	cJSON_AddStringToObject(h, "command", o->command ? o->command : "sync");
	cJSON_AddStringToObject(h, "run", run);
	char ts[CWP_TIME_BUFSZ];
	if (cwp_time_format(ts, sizeof(ts), cwp__now_ms()) == 0)
		cJSON_AddStringToObject(h, "started", ts);
	cJSON *servers = cJSON_AddObjectToObject(h, "servers");
	for (int s = 0; s < 2; s++)
		cJSON_AddItemToObject(servers, side_names[s], cwp__endpoint_to_json(o->side[s]));
	return h;
}

cwp__report *cwp__sync_run(const cwp__sync_opts *o)
{
	cwp__report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cwp_warnings *w = o->warnings;
	cwp_config cfg = o->cfg;
	emby_client *cl[2] = {NULL, NULL};
	cwp_index *idx[2] = {NULL, NULL};
	cwp_plan *plan = NULL;
	emby_resolution *res[2] = {NULL, NULL};
	struct slot *slots = NULL;
	const cwp_record **rrecs[2] = {NULL, NULL};
	size_t *rslot[2] = {NULL, NULL};
	size_t nres[2] = {0, 0};
	struct target_ref *refs = NULL;
	const char **ids = NULL;
	cwp_target_state *states = NULL;
	bool *found = NULL;
	char **playing = NULL;
	size_t n_playing = 0;
	struct pending_write *pw = NULL;
	emby_write *ew = NULL;
	size_t *wrow = NULL;
	cwp__journal *journal = NULL;
	cwp__bar bars[2];
	char run[64];
	cwp__run_id(run, sizeof(run));

	r->dry_run = o->dry_run;
	r->mode = cfg.mode;
	for (int s = 0; s < 2; s++) {
		r->side[s].label = xstrdup(o->side[s]->label ? o->side[s]->label : side_names[s]);
		r->side[s].url = xstrdup(o->side[s]->url);
		if (!r->side[s].label || !r->side[s].url) {
			fail(r, CWP_EXIT_USAGE, "setup", "out of memory");
			goto done;
		}
		bars[s].term = o->term;
		bars[s].label = r->side[s].label;
	}

	/* Clients: nothing is sent yet. */
	for (int s = 0; s < 2; s++) {
		const cwp__endpoint *ep = o->side[s];
		emby_options eo = EMBY_OPTIONS_INIT;
		eo.base_url = ep->url;
		eo.user_id = ep->user_id;
		eo.token = o->creds[s] ? o->creds[s]->token : NULL;
		eo.username = ep->username;
		eo.password = o->creds[s] ? o->creds[s]->password : NULL;
		eo.label = r->side[s].label;
		eo.insecure = o->insecure;
		eo.ca_file = o->ca_file ? o->ca_file : ep->ca_file;
		if (ep->page_size > 0)
			eo.page_size = ep->page_size;
		if (ep->connect_timeout_ms > 0)
			eo.connect_timeout_ms = ep->connect_timeout_ms;
		if (ep->timeout_ms > 0)
			eo.total_timeout_ms = ep->timeout_ms;
		if (ep->max_attempts > 0)
			eo.max_attempts = ep->max_attempts;
		if (ep->backoff_ms > 0)
			eo.backoff_ms = ep->backoff_ms;
		if (ep->max_response_bytes > 0)
			eo.max_body = (size_t)ep->max_response_bytes;
		if (o->max_in_flight > 0)
			eo.max_in_flight = o->max_in_flight;
		else if (ep->max_in_flight > 0)
			eo.max_in_flight = ep->max_in_flight;
		eo.libraries = (const char *const *)ep->libraries;
		eo.n_libraries = ep->n_libraries;
		eo.progress = cwp__bar_progress;
		eo.progress_ud = &bars[s];
		if (emby_client_new(&cl[s], &eo) != 0) {
			fail(r, CWP_EXIT_USAGE, "setup", "%s: %s", r->side[s].label,
			     cwp_error_last());
			goto done;
		}
	}

	/* Probe, then index both sides; any failed read stops the run before
	 * anything is planned or written (READ-05). */
	int64_t lt = mono_ms();
	for (int s = 0; s < 2; s++) {
		emby_server_info info;
		memset(&info, 0, sizeof(info));
		if (emby_probe(cl[s], &info) != 0) {
			fail(r, CWP_EXIT_READ_FAILED, "probe", "%s", emby_client_error(cl[s]));
			goto done;
		}
		r->side[s].probed = true;
		snprintf(r->side[s].server_name, sizeof(r->side[s].server_name), "%s", info.name);
		snprintf(r->side[s].version, sizeof(r->side[s].version), "%s", info.version);
		snprintf(r->side[s].user_name, sizeof(r->side[s].user_name), "%s", info.user_name);
	}
	lap(r, CWP__PH_PROBE, &lt);
	for (int s = 0; s < 2; s++) {
		if (emby_index(cl[s], &idx[s], w) != 0) {
			cwp__bar_clear(o->term);
			fail(r, CWP_EXIT_READ_FAILED, "index", "%s", emby_client_error(cl[s]));
			goto done;
		}
		cwp__bar_clear(o->term);
		r->side[s].read = true;
		r->side[s].indexed = cwp_index_size(idx[s]);
	}

	lap(r, CWP__PH_INDEX, &lt);
	/* READ-06, only when clears are possible at all. */
	if (cfg.enable && cfg.remove) {
		confirm_zeros(r, cl[CWP__SRC], CWP__SRC, idx[CWP__SRC], idx[CWP__DST], w);
		if (cfg.mode == CWP_MODE_TWO_WAY)
			confirm_zeros(r, cl[CWP__DST], CWP__DST, idx[CWP__DST], idx[CWP__SRC], w);
		cwp__bar_clear(o->term);
	}

	lap(r, CWP__PH_CONFIRM, &lt);
	if (cwp_plan_new(&plan, idx[CWP__SRC], idx[CWP__DST], &cfg) != 0) {
		fail(r, CWP_EXIT_READ_FAILED, "plan", "planning failed: %s", cwp_error_last());
		goto done;
	}
	r->disabled = cwp_plan_disabled(plan);
	if (o->plan_out) {
		FILE *pf = fopen(o->plan_out, "w");
		int prc = pf ? cwp_plan_write_json(plan, pf) : CWP_EIO;
		if (pf && fclose(pf) != 0)
			prc = CWP_EIO;
		if (prc != 0)
			cwp_warn(w, "cannot write the plan to %s", o->plan_out);
	}

	lap(r, CWP__PH_PLAN, &lt);
	/* Resolve (§8): RES-01 from the target's resumable index, the rest by
	 * provider ids, batched per target server. */
	size_t n_dec = cwp_plan_size(plan);
	slots = calloc(n_dec ? n_dec : 1, sizeof(*slots));
	for (int t = 0; t < 2; t++) {
		rrecs[t] = calloc(n_dec ? n_dec : 1, sizeof(*rrecs[t]));
		rslot[t] = calloc(n_dec ? n_dec : 1, sizeof(*rslot[t]));
	}
	if (!slots || !rrecs[0] || !rrecs[1] || !rslot[0] || !rslot[1]) {
		fail(r, CWP_EXIT_READ_FAILED, "resolve", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_dec; i++) {
		struct slot *sl = &slots[i];
		sl->d = cwp_plan_at(plan, i);
		sl->target = sl->d->direction == CWP_DIR_FORWARD ? CWP__DST : CWP__SRC;
		if (sl->d->action == CWP_ACTION_SKIP) {
			/* APPLY-06: the planner judged the key by its preferred
			 * version (KEY-07); when that one is in step, every other
			 * version is checked on its own too, so that a version a
			 * failed run left behind is brought along by the rerun.
			 * One-way only: in two-way mode the other side's versions
			 * are an input the first run did not align, and checking
			 * them on the second run would break TWO-02. */
			if (cfg.mode == CWP_MODE_ONE_WAY &&
			    (sl->d->reason == CWP_REASON_UNCHANGED ||
			     sl->d->reason == CWP_REASON_WITHIN_DELTA) &&
			    sl->d->dst && sl->d->dst->key) {
				const char *const *v = NULL;
				size_t nv =
				    cwp_index_item_ids(idx[sl->target], sl->d->dst->key, &v);
				if (nv > 1) {
					sl->versions = true;
					sl->ids = v;
					sl->n_ids = nv;
				}
			}
			continue;
		}
		if (sl->d->dst && sl->d->dst->key)
			sl->n_ids = cwp_index_item_ids(idx[sl->target], sl->d->dst->key, &sl->ids);
		if (sl->n_ids == 0) {
			sl->pending = true;
			rrecs[sl->target][nres[sl->target]] = sl->d->src;
			rslot[sl->target][nres[sl->target]] = i;
			nres[sl->target]++;
		}
	}
	for (int t = 0; t < 2; t++) {
		if (!nres[t])
			continue;
		if (emby_resolve(cl[t], rrecs[t], nres[t], &res[t]) != 0) {
			cwp__bar_clear(o->term);
			fail(r, CWP_EXIT_READ_FAILED, "resolve", "%s", emby_client_error(cl[t]));
			goto done;
		}
		cwp__bar_clear(o->term);
		for (size_t j = 0; j < nres[t]; j++) {
			struct slot *sl = &slots[rslot[t][j]];
			emby_resolve_status st = emby_resolution_status(res[t], j);
			if (st == EMBY_RESOLVED)
				sl->n_ids = emby_resolution_items(res[t], j, &sl->ids);
			if (st != EMBY_RESOLVED || sl->n_ids == 0)
				sl->unresolved = st == EMBY_AMBIGUOUS ? "ambiguous" : "not_found";
		}
	}

	lap(r, CWP__PH_RESOLVE, &lt);
	/* One row per planner skip, per unresolved key, and per target item. */
	for (size_t i = 0; i < n_dec; i++) {
		const struct slot *sl = &slots[i];
		bool plan_skip = sl->d->action == CWP_ACTION_SKIP && !sl->versions;
		size_t n_items = plan_skip || sl->unresolved ? 1 : sl->n_ids;
		for (size_t k = 0; k < n_items; k++) {
			cwp__row *row = row_add(r);
			if (!row || row_from_decision(row, sl->d) != 0) {
				fail(r, CWP_EXIT_READ_FAILED, "plan", "out of memory");
				goto done;
			}
			row->decision = i;
			if (plan_skip) {
				row->status = CWP__ST_PLAN_SKIP;
			} else if (sl->unresolved) {
				row->status = CWP__ST_UNRESOLVED;
				row->unresolved = sl->unresolved;
			} else {
				row->status = CWP__ST_WOULD_WRITE; /* until decided below */
				if (!(row->item_id = strdup(sl->ids[k]))) {
					fail(r, CWP_EXIT_READ_FAILED, "plan", "out of memory");
					goto done;
				}
			}
		}
	}

	/* Two keys that land on one item would write it twice: the first (in
	 * key order) keeps it, the others are reported as ambiguous. */
	size_t n_refs = 0;
	refs = calloc(r->n_rows ? r->n_rows : 1, sizeof(*refs));
	if (!refs) {
		fail(r, CWP_EXIT_READ_FAILED, "resolve", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].item_id && r->rows[i].status == CWP__ST_WOULD_WRITE)
			refs[n_refs++] =
			    (struct target_ref){r->rows[i].target, r->rows[i].item_id, i};
	qsort(refs, n_refs, sizeof(*refs), cmp_target_ref);
	for (size_t i = 1; i < n_refs; i++)
		if (refs[i].target == refs[i - 1].target &&
		    !strcmp(refs[i].item_id, refs[i - 1].item_id)) {
			r->rows[refs[i].row].status = CWP__ST_UNRESOLVED;
			r->rows[refs[i].row].unresolved = "ambiguous";
		}

	/* §5: fresh state of every target item (batched) and /Sessions once per
	 * target server; then the write policy decides each item on its own. */
	ids = calloc(r->n_rows ? r->n_rows : 1, sizeof(*ids));
	states = calloc(r->n_rows ? r->n_rows : 1, sizeof(*states));
	found = calloc(r->n_rows ? r->n_rows : 1, sizeof(*found));
	pw = calloc(r->n_rows ? r->n_rows : 1, sizeof(*pw));
	if (!ids || !states || !found || !pw) {
		fail(r, CWP_EXIT_READ_FAILED, "state", "out of memory");
		goto done;
	}
	size_t n_pw = 0;
	for (int t = 0; t < 2; t++) {
		size_t n = 0;
		for (size_t i = 0; i < r->n_rows; i++)
			if (r->rows[i].target == t && r->rows[i].status == CWP__ST_WOULD_WRITE)
				ids[n++] = r->rows[i].item_id;
		if (!n)
			continue;
		memset(states, 0, n * sizeof(*states));
		memset(found, 0, n * sizeof(*found));
		if (emby_read_states(cl[t], ids, n, states, found) != 0) {
			cwp__bar_clear(o->term);
			fail(r, CWP_EXIT_READ_FAILED, "state", "%s", emby_client_error(cl[t]));
			goto done;
		}
		cwp__bar_clear(o->term);
		if (emby_playing(cl[t], &playing, &n_playing) != 0) {
			fail(r, CWP_EXIT_READ_FAILED, "sessions", "%s", emby_client_error(cl[t]));
			goto done;
		}
		size_t k = 0;
		for (size_t i = 0; i < r->n_rows; i++) {
			cwp__row *row = &r->rows[i];
			if (row->target != t || row->status != CWP__ST_WOULD_WRITE)
				continue;
			size_t j = k++;
			if (!found[j]) {
				row->status = CWP__ST_UNRESOLVED;
				row->unresolved = "not_found";
				continue;
			}
			cwp_target_state st = states[j];
			st.playing = false;
			for (size_t p = 0; p < n_playing; p++)
				if (playing[p] && !strcmp(playing[p], row->item_id))
					st.playing = true;
			row->prev = st;
			row->has_prev = true;
			cwp_decision pd = cwp_policy_decide(slots[row->decision].d->src, &st, &cfg);
			row->action = pd.action;
			/* When the fresh state confirms the plan, the planner's
			 * reason (destination_missing, …) says more than the
			 * re-decision's; otherwise the re-decision's is the one. */
			row->reason = pd.action == row->plan_action && pd.action != CWP_ACTION_SKIP
					  ? row->plan_reason
					  : pd.reason;
			row->write_ms = pd.write_ms;
			row->unwatch_first = pd.unwatch_first;
			if (pd.action == CWP_ACTION_SKIP) {
				row->status = CWP__ST_POLICY_SKIP;
				continue;
			}
			pw[n_pw].row = i;
			if (cwp_write_body(pw[n_pw].body, sizeof(pw[n_pw].body), &pd) != 0) {
				row->status = CWP__ST_FAILED;
				row->error = strdup("cannot build the UserData body");
				continue;
			}
			n_pw++;
		}
		emby_strv_free(playing, n_playing);
		playing = NULL;
		n_playing = 0;
	}

	lap(r, CWP__PH_STATE, &lt);
	/* APPLY-08: a dry run stops here, every read and decision made. */
	if (o->dry_run || !n_pw)
		goto done;

	/* APPLY-09: every previous state on disk before the first write. */
	char jerr[4200];
	char jpath[4096];
	const char *path = o->journal_path;
	int jrc = 0;
	if (!path) {
		jrc = cwp__journal_default_path(
		    jpath, sizeof(jpath), o->command ? o->command : "sync", jerr, sizeof(jerr));
		path = jpath;
	}
	if (!jrc) {
		cJSON *h = journal_header(o, run);
		jrc = h ? cwp__journal_open(&journal, path, h, jerr, sizeof(jerr)) : CWP_ENOMEM;
		if (!h)
			snprintf(jerr, sizeof(jerr), "out of memory");
		cJSON_Delete(h);
	}
	if (!jrc) {
		r->journal_path = xstrdup(path);
		for (size_t i = 0; i < n_pw && !jrc; i++)
			jrc = journal_previous(journal, run, r, &r->rows[pw[i].row], pw[i].body);
		if (!jrc)
			jrc = cwp__journal_sync(journal);
		if (jrc)
			snprintf(jerr, sizeof(jerr), "cannot write the journal %s", path);
	}
	if (jrc) {
		/* Nothing is sent that could not be undone. */
		for (size_t i = 0; i < n_pw; i++) {
			cwp__row *row = &r->rows[pw[i].row];
			row->status = CWP__ST_FAILED;
			row->error = strdup("not sent: the journal could not be written");
		}
		fail(r, CWP_EXIT_WRITES_FAILED, "journal", "%s", jerr);
		goto done;
	}

	ew = calloc(n_pw, sizeof(*ew));
	wrow = calloc(n_pw, sizeof(*wrow));
	if (!ew || !wrow) {
		fail(r, CWP_EXIT_WRITES_FAILED, "write", "out of memory");
		goto done;
	}
	for (int t = CWP__DST; t >= CWP__SRC; t--) {
		size_t n = 0;
		for (size_t i = 0; i < n_pw; i++) {
			const cwp__row *row = &r->rows[pw[i].row];
			if (row->target != t)
				continue;
			memset(&ew[n], 0, sizeof(ew[n]));
			ew[n].item_id = row->item_id;
			ew[n].body = pw[i].body;
			ew[n].unwatch_first = row->unwatch_first;
			wrow[n] = pw[i].row;
			n++;
		}
		if (!n)
			continue;
		lt = mono_ms();
		emby_write_batch(cl[t], ew, n);
		lap(r, CWP__PH_WRITE, &lt);
		cwp__bar_clear(o->term);
		for (size_t k = 0; k < n; k++) {
			cwp__row *row = &r->rows[wrow[k]];
			row->http_status = ew[k].http_status;
			if (ew[k].result == 0) {
				row->status = CWP__ST_WRITTEN;
			} else {
				row->status = CWP__ST_FAILED;
				if (ew[k].unwatch_failed)
					row->reason = CWP_REASON_REPLAY_UNWATCH_FAILED;
				row->error = strdup(ew[k].error[0] ? ew[k].error : "write failed");
				if (row->error)
					cwp__redact(row->error);
			}
			journal_outcome(journal, run, row, &ew[k]);
		}
		cwp__journal_sync(journal);
	}

done:
	for (int s = 0; s < 2; s++) {
		if (cl[s]) {
			emby_stats st;
			emby_client_stats(cl[s], &st);
			r->side[s].requests = st.requests;
			r->side[s].retries = st.retries;
			r->side[s].bytes = st.bytes_received;
		}
	}
	cwp__bar_clear(o->term);
	cwp__report_summarize(r);
	if (!r->exit_code && r->failed)
		r->exit_code = CWP_EXIT_WRITES_FAILED;
	r->warnings = w ? w->count : 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->elapsed_ms =
	    (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	cwp__journal_close(journal);
	free(ew);
	free(wrow);
	free(pw);
	emby_strv_free(playing, n_playing);
	free(found);
	free(states);
	free(ids);
	free(refs);
	for (int t = 0; t < 2; t++) {
		free(rrecs[t]);
		free(rslot[t]);
		emby_resolution_free(res[t]);
	}
	free(slots);
	cwp_plan_free(plan);
	for (int s = 0; s < 2; s++) {
		cwp_index_free(idx[s]);
		emby_client_free(cl[s]);
	}
	return r;
}

#endif
