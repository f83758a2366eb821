/* The result of a run: rows and their summary (cwp/sync.h). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *cwp_sync_status_name(cwp_sync_status s)
{
	switch (s) {
	case CWP_SYNC_ROW_PLAN_SKIP:
	case CWP_SYNC_ROW_POLICY_SKIP:
		return "skipped";
	case CWP_SYNC_ROW_UNRESOLVED:
		return "unresolved";
	case CWP_SYNC_ROW_WOULD_WRITE:
		return "would_write";
	case CWP_SYNC_ROW_WRITTEN:
		return "written";
	case CWP_SYNC_ROW_FAILED:
		return "failed";
	case CWP_SYNC_ROW_NOT_SENT:
		return "not_sent";
	}
	return "unknown";
}

const char *cwp_sync_phase_name(int phase)
{
	static const char *const names[CWP_SYNC_PH_COUNT] = {"probe",   "index", "confirm", "plan",
							     "resolve", "state", "write"};
	return phase >= 0 && phase < CWP_SYNC_PH_COUNT ? names[phase] : "?";
}

int cwp_sync_options_init(cwp_sync_options *opts, unsigned int version)
{
	if (!opts || version != CWP_SYNC_OPTIONS_VERSION)
		return cwp_error_set(CWP_EINVAL, "cwp_sync_options version %u is not %u", version,
				     (unsigned)CWP_SYNC_OPTIONS_VERSION);
	cwp_sync_options init = CWP_SYNC_OPTIONS_INIT;
	*opts = init;
	return 0;
}

void cwp_sync_result_free(cwp_sync_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_rows; i++) {
		free((char *)r->rows[i].key);
		free((char *)r->rows[i].title);
		free((char *)r->rows[i].item_id);
		free((char *)r->rows[i].error);
	}
	free(r->rows);
	for (int s = 0; s < 2; s++) {
		free(r->labels[s]);
		free(r->urls[s]);
	}
	free(r->journal_path);
	free(r);
}

size_t cwp_sync_result_rows(const cwp_sync_result *r)
{
	return r ? r->n_rows : 0;
}

const cwp_sync_row *cwp_sync_result_row(const cwp_sync_result *r, size_t i)
{
	return r && i < r->n_rows ? &r->rows[i] : NULL;
}

const cwp_sync_summary *cwp_sync_result_summary(const cwp_sync_result *r)
{
	return r ? &r->sum : NULL;
}

void cwp_sync_result_add_warnings(cwp_sync_result *r, size_t n)
{
	if (r)
		r->sum.warnings += n;
}

cwp_sync_row *cwp__sync_row_add(cwp_sync_result *r)
{
	if (r->n_rows == r->cap_rows) {
		size_t ncap = r->cap_rows ? r->cap_rows * 2 : 64;
		cwp_sync_row *nr = realloc(r->rows, ncap * sizeof(*nr));
		if (!nr)
			return NULL;
		r->rows = nr;
		r->cap_rows = ncap;
	}
	cwp_sync_row *w = &r->rows[r->n_rows++];
	memset(w, 0, sizeof(*w));
	return w;
}

static void count_row(cwp_sync_summary *s, const cwp_sync_row *w)
{
	switch (w->status) {
	case CWP_SYNC_ROW_PLAN_SKIP:
	case CWP_SYNC_ROW_POLICY_SKIP:
		s->skips++;
		if (w->reason < CWP_REASON__COUNT)
			s->by_reason[w->reason]++;
		return;
	case CWP_SYNC_ROW_UNRESOLVED:
		s->unresolved++;
		return;
	case CWP_SYNC_ROW_WOULD_WRITE:
	case CWP_SYNC_ROW_WRITTEN:
	case CWP_SYNC_ROW_FAILED:
	case CWP_SYNC_ROW_NOT_SENT:
		break;
	}
	if (w->action == CWP_ACTION_CLEAR)
		s->clears++;
	else
		s->upserts++;
	if (w->status == CWP_SYNC_ROW_WRITTEN)
		s->written++;
	if (w->status == CWP_SYNC_ROW_NOT_SENT)
		s->not_sent++;
	if (w->status == CWP_SYNC_ROW_FAILED) {
		s->failed++;
		if (w->reason == CWP_REASON_REPLAY_UNWATCH_FAILED)
			s->by_reason[w->reason]++;
	}
}

void cwp__sync_summarize(cwp_sync_result *r)
{
	cwp_sync_summary *s = &r->sum;
	s->keys = s->upserts = s->clears = s->skips = s->unresolved = 0;
	s->failed = s->written = s->not_sent = 0;
	memset(s->by_reason, 0, sizeof(s->by_reason));
	const char *last_key = NULL;
	int last_dir = -1;
	for (size_t i = 0; i < r->n_rows; i++) {
		const cwp_sync_row *w = &r->rows[i];
		if (!last_key || strcmp(last_key, w->key) || last_dir != (int)w->dir)
			s->keys++;
		last_key = w->key;
		last_dir = (int)w->dir;
		count_row(s, w);
	}
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool writes(cwp_sync_status s)
{
	return s == CWP_SYNC_ROW_WOULD_WRITE || s == CWP_SYNC_ROW_WRITTEN ||
	       s == CWP_SYNC_ROW_FAILED || s == CWP_SYNC_ROW_NOT_SENT;
}

static bool same_state(const cwp_sync_row *a, const cwp_sync_row *b)
{
	if (a->has_prev != b->has_prev)
		return false;
	if (!a->has_prev)
		return true;
	const cwp_target_state *x = &a->prev, *y = &b->prev;
	return x->has_position == y->has_position && x->position_ms == y->position_ms &&
	       x->has_last_played == y->has_last_played && x->last_played_at == y->last_played_at &&
	       x->played == y->played && x->playing == y->playing;
}

/* Every field a dry run decides the same as the real run. */
static bool same_row(const cwp_sync_row *a, const cwp_sync_row *b)
{
	return same_str(a->key, b->key) && a->dir == b->dir && a->target == b->target &&
	       same_str(a->item_id, b->item_id) && a->plan_action == b->plan_action &&
	       a->plan_reason == b->plan_reason && a->action == b->action &&
	       a->reason == b->reason && same_str(a->unresolved, b->unresolved) &&
	       a->write_ms == b->write_ms && a->unwatch_first == b->unwatch_first &&
	       a->has_src_ms == b->has_src_ms && a->src_ms == b->src_ms &&
	       a->has_dst_ms == b->has_dst_ms && a->dst_ms == b->dst_ms && same_state(a, b) &&
	       writes(a->status) == writes(b->status) &&
	       (writes(a->status) || a->status == b->status);
}

/* The summary but for what only the real run knows (written, failed). */
static bool same_summary(const cwp_sync_summary *a, const cwp_sync_summary *b)
{
	return a->mode == b->mode && a->disabled == b->disabled && a->keys == b->keys &&
	       a->upserts == b->upserts && a->clears == b->clears && a->skips == b->skips &&
	       a->unresolved == b->unresolved && a->warnings == b->warnings &&
	       !memcmp(a->by_reason, b->by_reason, sizeof(a->by_reason));
}

bool cwp_sync_result_same_plan(const cwp_sync_result *dry, const cwp_sync_result *real)
{
	if (dry->n_rows != real->n_rows || !same_summary(&dry->sum, &real->sum))
		return false;
	for (size_t i = 0; i < dry->n_rows; i++)
		if (!same_row(&dry->rows[i], &real->rows[i]))
			return false;
	return true;
}
