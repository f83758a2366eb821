/* The sync engine's top level and its read phases (cwp/sync.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static const char *const side_names[2] = {"source", "destination"};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *cwp__sync_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void cwp__sync_lap(cwp__sync_run *x, cwp_sync_phase ph)
{
	int64_t now = mono_ms();
	x->r->sum.phase_ms[ph] += now - x->lap;
	x->lap = now;
}

int cwp__sync_fail(cwp__sync_run *x, cwp_sync_outcome outcome, const char *phase, const char *fmt,
		   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->r->error, sizeof(x->r->error), fmt, ap);
	va_end(ap);
	if (x->o->redact)
		x->o->redact(x->o->payload, x->r->error);
	x->r->sum.outcome = outcome;
	x->r->sum.failed_phase = phase;
	return -1;
}

bool cwp__sync_continue(cwp__sync_run *x, cwp_sync_phase ph, size_t done, size_t total)
{
	if (x->cancelled)
		return false;
	if (!x->o->progress)
		return true;
	cwp_sync_progress p = {ph, done, total};
	if (x->o->progress(x->o->payload, &p) < 0)
		x->cancelled = true;
	return !x->cancelled;
}

static void warn_sink(void *ud, const char *msg)
{
	const cwp_sync_options *o = ud;
	if (o->warning)
		o->warning(o->payload, msg);
}

static const char *perr(const cwp__sync_run *x, int s)
{
	const char *e = x->p[s]->error ? x->p[s]->error(x->p[s]->payload) : NULL;
	return e && *e ? e : cwp_error_last();
}

static bool provider_ok(const cwp_sync_provider *p)
{
	return p && p->version == CWP_SYNC_PROVIDER_VERSION && p->index && p->confirm_zeros &&
	       p->resolve && p->resolve_free && p->read_states && p->playing && p->write;
}

static int setup(cwp__sync_run *x)
{
	cwp_sync_result *r = x->r;
	r->sum.dry_run = x->o->dry_run;
	r->sum.mode = x->cfg.mode;
	r->sum.error = r->error;
	for (int s = 0; s < 2; s++) {
		const char *label = x->o->labels[s] ? x->o->labels[s] : side_names[s];
		r->labels[s] = strdup(label);
		r->urls[s] = strdup(x->o->urls[s] ? x->o->urls[s] : "");
		if (!r->labels[s] || !r->urls[s])
			return cwp__sync_fail(x, CWP_SYNC_UNUSABLE, "setup", "out of memory");
		r->sum.side[s].label = r->labels[s];
		r->sum.side[s].url = r->urls[s];
	}
	x->w = (cwp_warnings){0, warn_sink, (void *)x->o};
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32] = "unknown";
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(x->run_id, sizeof(x->run_id), "%s-%lld", stamp, (long long)(mono_ms() % 100000));
	return 0;
}

/* Probe, then index both sides; any failed read stops the run before
 * anything is planned or written (READ-05). */
static int read_sides(cwp__sync_run *x)
{
	cwp_sync_result *r = x->r;
	for (int s = 0; s < 2; s++) {
		if (!x->p[s]->probe)
			continue;
		if (x->p[s]->probe(x->p[s]->payload, &r->sum.side[s].server) != 0)
			return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "probe", "%s", perr(x, s));
		r->sum.side[s].probed = true;
	}
	cwp__sync_lap(x, CWP_SYNC_PH_PROBE);
	for (int s = 0; s < 2; s++) {
		if (!cwp__sync_continue(x, CWP_SYNC_PH_INDEX, (size_t)s, 2))
			return -1;
		if (x->p[s]->index(x->p[s]->payload, &x->idx[s], &x->w) != 0)
			return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "index", "%s", perr(x, s));
		r->sum.side[s].read = true;
		r->sum.side[s].indexed = cwp_index_size(x->idx[s]);
	}
	cwp__sync_lap(x, CWP_SYNC_PH_INDEX);
	return 0;
}

static bool has_progress(const cwp_record *rec)
{
	return (rec->has_progress_ms && rec->progress_ms > 0) ||
	       (!rec->has_progress_ms && rec->has_progress_percent && rec->progress_percent > 0);
}

/* READ-06: records of `other` with progress whose keys `self` lacks are
 * looked up on self's server; explicit zeros found there go into self. A
 * failed lookup adds nothing (no record, no clear) and is a warning. */
static void confirm_side(cwp__sync_run *x, int self)
{
	cwp_index *self_idx = x->idx[self];
	const cwp_index *other_idx = x->idx[1 - self];
	cwp_match *m = NULL;
	const cwp_record **cands = NULL;
	size_t n = 0, before = cwp_index_size(self_idx);
	if (cwp_match_new(&m, self_idx, other_idx) != 0) {
		cwp_warn(&x->w, "%s: confirm-before-clear skipped: %s", x->r->labels[self],
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
	if (n && x->p[self]->confirm_zeros(x->p[self]->payload, cands, n, self_idx, &x->w) != 0)
		cwp_warn(&x->w,
			 "confirm-before-clear lookups failed, so nothing is cleared from "
			 "them: %s",
			 perr(x, self));
	x->r->sum.side[self].confirmed_zeros = cwp_index_size(self_idx) - before;
done:
	cwp_match_free(m);
	free(cands);
}

static int confirm_zeros(cwp__sync_run *x)
{
	/* Only when clears are possible at all. */
	if (x->cfg.enable && x->cfg.remove) {
		if (!cwp__sync_continue(x, CWP_SYNC_PH_CONFIRM, 0, 1))
			return -1;
		confirm_side(x, CWP_SYNC_SOURCE);
		if (x->cfg.mode == CWP_MODE_TWO_WAY)
			confirm_side(x, CWP_SYNC_DESTINATION);
	}
	cwp__sync_lap(x, CWP_SYNC_PH_CONFIRM);
	return 0;
}

static int plan(cwp__sync_run *x)
{
	if (!cwp__sync_continue(x, CWP_SYNC_PH_PLAN, 0, 1))
		return -1;
	if (cwp_plan_new(&x->plan, x->idx[0], x->idx[1], &x->cfg) != 0)
		return cwp__sync_fail(x, CWP_SYNC_READ_FAILED, "plan", "planning failed: %s",
				      cwp_error_last());
	x->r->sum.disabled = cwp_plan_disabled(x->plan);
	if (x->o->plan_out) {
		FILE *pf = fopen(x->o->plan_out, "w");
		int prc = pf ? cwp_plan_write_json(x->plan, pf) : CWP_EIO;
		if (pf && fclose(pf) != 0)
			prc = CWP_EIO;
		if (prc != 0)
			cwp_warn(&x->w, "cannot write the plan to %s", x->o->plan_out);
	}
	cwp__sync_lap(x, CWP_SYNC_PH_PLAN);
	return 0;
}

static void finish(cwp__sync_run *x, int64_t t0)
{
	cwp_sync_result *r = x->r;
	for (int s = 0; s < 2; s++)
		if (x->p[s]->stats)
			x->p[s]->stats(x->p[s]->payload, &r->sum.side[s].requests,
				       &r->sum.side[s].retries, &r->sum.side[s].bytes);
	/* A cancelled real run sent nothing of what was still pending. */
	for (size_t i = 0; x->cancelled && !r->sum.dry_run && i < r->n_rows; i++)
		if (r->rows[i].status == CWP_SYNC_ROW_WOULD_WRITE)
			r->rows[i].status = CWP_SYNC_ROW_NOT_SENT;
	cwp__sync_summarize(r);
	if (x->cancelled) {
		r->sum.interrupted = true;
		if (r->sum.outcome == CWP_SYNC_DONE || r->sum.outcome == CWP_SYNC_WRITES_FAILED)
			r->sum.outcome = CWP_SYNC_INTERRUPTED;
	}
	if (r->sum.outcome == CWP_SYNC_DONE && r->sum.failed)
		r->sum.outcome = CWP_SYNC_WRITES_FAILED;
	r->sum.warnings = x->w.count;
	r->sum.journal_path = r->journal_path;
	r->sum.elapsed_ms = mono_ms() - t0;
	cwp__sync_journal_end(x);
	cwp__sync_journal_close(x->journal);
	for (int t = 0; t < 2; t++)
		if (x->res_handle[t])
			x->p[t]->resolve_free(x->p[t]->payload, x->res_handle[t]);
	free(x->pw);
	free(x->bodies);
	free(x->slots);
	cwp_plan_free(x->plan);
	for (int s = 0; s < 2; s++)
		cwp_index_free(x->idx[s]);
}

int cwp_sync_run(cwp_sync_result **out, const cwp_sync_provider *src, const cwp_sync_provider *dst,
		 const cwp_sync_options *opts)
{
	if (!out)
		return cwp_error_set(CWP_EINVAL, "cwp_sync_run: out is NULL");
	*out = NULL;
	if (!opts || opts->version != CWP_SYNC_OPTIONS_VERSION)
		return cwp_error_set(CWP_EINVAL, "cwp_sync_run: options of an unknown version");
	if (!provider_ok(src) || !provider_ok(dst))
		return cwp_error_set(CWP_EINVAL, "cwp_sync_run: a provider of an unknown "
						 "version or without a required call");
	cwp__sync_run x = {.o = opts, .p = {src, dst}, .cfg = opts->config};
	if (!(x.r = calloc(1, sizeof(*x.r))))
		return cwp_error_set(CWP_ENOMEM, "cwp_sync_run: out of memory");
	int64_t t0 = mono_ms();
	x.lap = t0;

	/* The phases, in order; each returns non-zero to stop the run. */
	if (setup(&x) == 0 && read_sides(&x) == 0 && confirm_zeros(&x) == 0 && plan(&x) == 0 &&
	    cwp__sync_resolve(&x) == 0 && cwp__sync_rows(&x) == 0 && cwp__sync_decide(&x) == 0 &&
	    !opts->dry_run && x.n_pw && cwp__sync_journal_writes(&x) == 0)
		cwp__sync_send(&x);

	finish(&x, t0);
	*out = x.r;
	return 0;
}
