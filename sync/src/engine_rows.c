/* Resolve (§8) and the rows of a run: one per planner skip, per unresolved
 * key and per target item (APPLY-06). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool in_only(const cwp_sync_options *o, const cwp_record *src)
{
	if (!o->n_only)
		return true;
	char keybuf[CWP_KEY_MAX];
	const char *key = src ? src->key : NULL;
	if (src && !key && cwp_record_key(keybuf, sizeof(keybuf), src) == 0)
		key = keybuf;
	for (size_t i = 0; i < o->n_only; i++) {
		const char *want = o->only[i];
		if (!want)
			continue;
		if ((key && !strcmp(key, want)) ||
		    (src && src->item_id && !strcmp(src->item_id, want)))
			return true;
	}
	return false;
}

/* APPLY-06: the planner judged the key by its preferred version (KEY-07);
 * when that one is in step, every other version is checked on its own too,
 * so that a version a failed run left behind is brought along by the rerun.
 * One-way only: in two-way mode the other side's versions are an input the
 * first run did not align, and checking them on the second run would break
 * TWO-02. */
static void skip_versions(cwp__sync_run *x, struct cwp__sync_slot *sl)
{
	if (x->cfg.mode != CWP_MODE_ONE_WAY ||
	    (sl->d->reason != CWP_REASON_UNCHANGED && sl->d->reason != CWP_REASON_WITHIN_DELTA) ||
	    !sl->d->dst || !sl->d->dst->key)
		return;
	const char *const *v = NULL;
	size_t nv = cwp_index_item_ids(x->idx[sl->target], sl->d->dst->key, &v);
	if (nv > 1) {
		sl->versions = true;
		sl->ids = v;
		sl->n_ids = nv;
	}
}

/* Send one target's pending records to its provider's resolve. */
static int resolve_target(cwp__sync_run *x, int t, const cwp_record **recs, size_t *slot_of,
			  size_t n)
{
	if (!n)
		return 0;
	cwp_sync_resolved *out = calloc(n, sizeof(*out));
	if (!out)
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "resolve", "out of memory");
	const cwp_sync_provider *p = x->p[t];
	if (p->resolve(p->payload, recs, n, out, &x->res_handle[t]) != 0) {
		free(out);
		const char *e = p->error ? p->error(p->payload) : "";
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "resolve", "%s",
				      e && *e ? e : cwp_error_last());
	}
	for (size_t j = 0; j < n; j++) {
		struct cwp__sync_slot *sl = &x->slots[slot_of[j]];
		if (out[j].status == CWP_SYNC_RESOLVED) {
			sl->ids = out[j].ids;
			sl->n_ids = out[j].n_ids;
		}
		if (out[j].status != CWP_SYNC_RESOLVED || sl->n_ids == 0)
			sl->unresolved =
			    out[j].status == CWP_SYNC_AMBIGUOUS ? "ambiguous" : "not_found";
	}
	free(out);
	return 0;
}

/* RES-01 from the target's resumable index, the rest by provider ids,
 * batched per target server. */
int cwp__sync_resolve(cwp__sync_run *x)
{
	if (!cwp__sync_continue(x, CWP_SYNC_PH_RESOLVE, 0, 1))
		return -1;
	size_t n_dec = x->n_dec = cwp_plan_size(x->plan);
	const cwp_record **recs[2] = {NULL, NULL};
	size_t *slot_of[2] = {NULL, NULL}, nres[2] = {0, 0};
	int rc = 0;
	x->slots = calloc(n_dec ? n_dec : 1, sizeof(*x->slots));
	for (int t = 0; t < 2; t++) {
		recs[t] = calloc(n_dec ? n_dec : 1, sizeof(*recs[t]));
		slot_of[t] = calloc(n_dec ? n_dec : 1, sizeof(*slot_of[t]));
	}
	if (!x->slots || !recs[0] || !recs[1] || !slot_of[0] || !slot_of[1]) {
		rc = cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "resolve", "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n_dec; i++) {
		struct cwp__sync_slot *sl = &x->slots[i];
		sl->d = cwp_plan_at(x->plan, i);
		sl->target =
		    sl->d->direction == CWP_DIR_FORWARD ? CWP_SYNC_DESTINATION : CWP_SYNC_SOURCE;
		if ((sl->excluded = !in_only(x->o, sl->d->src)))
			continue;
		if (sl->d->action == CWP_ACTION_SKIP) {
			skip_versions(x, sl);
			continue;
		}
		if (sl->d->dst && sl->d->dst->key)
			sl->n_ids =
			    cwp_index_item_ids(x->idx[sl->target], sl->d->dst->key, &sl->ids);
		if (sl->n_ids == 0) {
			sl->pending = true;
			recs[sl->target][nres[sl->target]] = sl->d->src;
			slot_of[sl->target][nres[sl->target]++] = i;
		}
	}
	for (int t = 0; t < 2 && !rc; t++)
		rc = resolve_target(x, t, recs[t], slot_of[t], nres[t]);
	if (!rc)
		cwp__sync_lap(x, CWP_SYNC_PH_RESOLVE);
done:
	for (int t = 0; t < 2; t++) {
		free(recs[t]);
		free(slot_of[t]);
	}
	return rc;
}

/* Fill a row's description from a plan decision (strings copied). */
static int row_from_decision(cwp_sync_row *w, const cwp_decision *d)
{
	const cwp_record *s = d->src;
	char keybuf[CWP_KEY_MAX];
	const char *key = s ? s->key : NULL;
	if (s && !key && cwp_record_key(keybuf, sizeof(keybuf), s) == 0)
		key = keybuf;
	w->key = strdup(key ? key : "");
	w->title = cwp__sync_strdup(s ? s->title : NULL);
	if (!w->key || (s && s->title && !w->title))
		return CWP_ENOMEM;
	w->dir = d->direction;
	w->target = d->direction == CWP_DIR_FORWARD ? CWP_SYNC_DESTINATION : CWP_SYNC_SOURCE;
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

static int slot_rows(cwp__sync_run *x, size_t i)
{
	const struct cwp__sync_slot *sl = &x->slots[i];
	bool plan_skip = sl->d->action == CWP_ACTION_SKIP && !sl->versions;
	size_t n_items = plan_skip || sl->unresolved ? 1 : sl->n_ids;
	for (size_t k = 0; k < n_items; k++) {
		cwp_sync_row *row = cwp__sync_row_add(x->r);
		if (!row || row_from_decision(row, sl->d) != 0)
			return CWP_ENOMEM;
		row->decision = i;
		if (plan_skip) {
			row->status = CWP_SYNC_ROW_PLAN_SKIP;
		} else if (sl->unresolved) {
			row->status = CWP_SYNC_ROW_UNRESOLVED;
			row->unresolved = sl->unresolved;
		} else {
			row->status = CWP_SYNC_ROW_WOULD_WRITE; /* until decided */
			if (!(row->item_id = strdup(sl->ids[k])))
				return CWP_ENOMEM;
		}
	}
	return 0;
}

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

/* Two keys that land on one item would write it twice: the first (in key
 * order) keeps it, the others are reported as ambiguous. */
static int one_key_per_item(cwp_sync_result *r)
{
	size_t n_refs = 0;
	struct target_ref *refs = calloc(r->n_rows ? r->n_rows : 1, sizeof(*refs));
	if (!refs)
		return CWP_ENOMEM;
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].item_id && r->rows[i].status == CWP_SYNC_ROW_WOULD_WRITE)
			refs[n_refs++] =
			    (struct target_ref){r->rows[i].target, r->rows[i].item_id, i};
	qsort(refs, n_refs, sizeof(*refs), cmp_target_ref);
	for (size_t i = 1; i < n_refs; i++)
		if (refs[i].target == refs[i - 1].target &&
		    !strcmp(refs[i].item_id, refs[i - 1].item_id)) {
			r->rows[refs[i].row].status = CWP_SYNC_ROW_UNRESOLVED;
			r->rows[refs[i].row].unresolved = "ambiguous";
		}
	free(refs);
	return 0;
}

int cwp__sync_rows(cwp__sync_run *x)
{
	for (size_t i = 0; i < x->n_dec; i++)
		if (!x->slots[i].excluded && slot_rows(x, i) != 0)
			return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "plan", "out of memory");
	if (one_key_per_item(x->r) != 0)
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "resolve", "out of memory");
	return 0;
}
