/* Property checks of the planner (issue 6, layer 3): seeded random pairs of
 * indexes and configurations, thousands per run, each checked against the
 * safety rules. On failure the case's seed is printed; replay one case with
 *   CWP_PROPERTY_SEED=<seed> CWP_PROPERTY_CASES=1 ./test_properties <case>
 * CWP_PROPERTY_CASES sets how many cases a property runs (default 2000). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cwp_test.h"
#include "cwp/cwp.h"

/* ---- a small, explicit PRNG (splitmix64), so seeds replay anywhere ------ */

static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? next_u64(s) % n : 0;
}

static bool coin(uint64_t *s, unsigned percent)
{
	return below(s, 100) < percent;
}

static uint64_t base_seed(void)
{
	const char *e = getenv("CWP_PROPERTY_SEED");
	if (e && *e) {
		char *end = NULL;
		unsigned long long v = strtoull(e, &end, 10);
		if (end && *end == '\0')
			return v;
	}
	return 0x5EED2026ull;
}

static unsigned case_count(void)
{
	const char *e = getenv("CWP_PROPERTY_CASES");
	if (e && *e) {
		char *end = NULL;
		unsigned long v = strtoul(e, &end, 10);
		if (end && *end == '\0' && v > 0)
			return (unsigned)v;
	}
	return 2000;
}

/* ---- generated cases ---------------------------------------------------- */

#define MAX_RECS 24

struct gen_side {
	cwp_record recs[MAX_RECS];
	char ids[MAX_RECS][2][CWP_ID_MAX];
	char item_ids[MAX_RECS][16];
	size_t n;
};

struct gen_case {
	uint64_t seed;
	cwp_config cfg;
	struct gen_side src, dst;
};

static const int64_t T0 = 1700000000000LL; /* 2023-11-14, ms */

/* A record for key slot k (slots are shared between the sides, so keys
 * collide often): movie with a tmdb id, or episode with a show tvdb id. */
static void gen_record(uint64_t *s, struct gen_side *side, unsigned slot)
{
	size_t i = side->n++;
	cwp_record *r = &side->recs[i];
	memset(r, 0, sizeof(*r));
	bool episode = slot % 3 == 2;
	r->type = episode ? CWP_TYPE_EPISODE : CWP_TYPE_MOVIE;
	snprintf(side->item_ids[i], sizeof(side->item_ids[i]), "%u", 100 + (unsigned)i);
	r->item_id = side->item_ids[i];
	snprintf(side->ids[i][0], CWP_ID_MAX, "%u", 1000 + slot);
	if (episode) {
		r->show_ids[CWP_ID_TVDB] = side->ids[i][0];
		r->season = (int32_t)(slot % 2);
		r->episode = (int32_t)(slot % 7 + 1);
		r->has_season = r->has_episode = true;
		r->title = "Show";
	} else {
		r->ids[CWP_ID_TMDB] = side->ids[i][0];
		r->title = "Movie";
	}
	int64_t dur = (int64_t)(20 + below(s, 160)) * 60000;
	if (coin(s, 85)) {
		r->duration_ms = dur;
		r->has_duration_ms = true;
	}
	if (coin(s, 90)) {
		/* positions cluster around the interesting thresholds */
		switch (below(s, 6)) {
		case 0:
			r->progress_ms = 0;
			break;
		case 1:
			r->progress_ms = (int64_t)below(s, 120000);
			break;
		case 2:
			r->progress_ms = dur * (int64_t)(90 + below(s, 11)) / 100;
			break;
		default:
			r->progress_ms = (int64_t)below(s, (uint64_t)dur);
		}
		r->has_progress_ms = true;
	} else if (coin(s, 50)) {
		r->progress_percent = (double)below(s, 1001) / 10.0;
		r->has_progress_percent = true;
	}
	if (coin(s, 80)) {
		r->progress_at = T0 + (int64_t)below(s, 7200) * 1000;
		r->has_progress_at = true;
	}
	r->played = coin(s, 10);
	r->has_played = true;
}

static void gen_case(struct gen_case *c, uint64_t seed)
{
	uint64_t s = seed;
	memset(c, 0, sizeof(*c));
	c->seed = seed;
	cwp_config cfg = CWP_CONFIG_INIT;
	cfg.remove = coin(&s, 50);
	cfg.add = coin(&s, 90);
	cfg.min_seconds = coin(&s, 20) ? 0 : (int64_t)below(&s, 120);
	cfg.delta_seconds = coin(&s, 20) ? 0 : (int64_t)below(&s, 60);
	cfg.max_percent = coin(&s, 10) ? 100.0 : (double)(80 + below(&s, 21));
	cfg.max_percent_min_duration_seconds = coin(&s, 70) ? 0 : (int64_t)below(&s, 6000);
	cfg.timestamp_tolerance_seconds = (int64_t)below(&s, 120);
	cfg.propagate_timestamp_updates = coin(&s, 30);
	cfg.mode = coin(&s, 30) ? CWP_MODE_TWO_WAY : CWP_MODE_ONE_WAY;
	cfg.source_of_truth = coin(&s, 50) ? CWP_TRUTH_SOURCE : CWP_TRUTH_DESTINATION;
	c->cfg = cfg;
	unsigned slots = 4 + (unsigned)below(&s, MAX_RECS - 4);
	for (unsigned k = 0; k < slots; k++) {
		if (coin(&s, 70))
			gen_record(&s, &c->src, k);
		if (coin(&s, 70))
			gen_record(&s, &c->dst, k);
	}
}

/* Build an index from a side, inserting in the order perm gives. */
static cwp_index *build_index(const struct gen_side *side, const size_t *perm)
{
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), 0);
	for (size_t i = 0; i < side->n; i++)
		assert_int_equal(cwp_index_put(idx, &side->recs[perm ? perm[i] : i]), 0);
	return idx;
}

static char *plan_bytes(const cwp_plan *plan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cwp_plan_write_json(plan, f), 0);
	fclose(f);
	return buf;
}

#define PROP_FAIL(c, ...)                                                           \
	do {                                                                        \
		char msg_[512];                                                     \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                          \
		fail_msg("seed %" PRIu64 ": %s (replay: CWP_PROPERTY_SEED=%" PRIu64 \
			 " CWP_PROPERTY_CASES=1)",                                  \
			 (c)->seed, msg_, (c)->seed);                               \
	} while (0)

/* The rules every decision must keep, whatever the inputs (PLAN-02/03/04). */
static void check_decision(const struct gen_case *c, const cwp_index *from, const cwp_decision *d)
{
	const cwp_record *src = d->src;
	const cwp_record *dst = d->dst;
	const cwp_config *cfg = &c->cfg;

	/* PLAN-02: a decision only for a key of the side written from. */
	if (!src || cwp_index_get(from, src->key) != src)
		PROP_FAIL(c, "decision for a key absent from its source index");
	if (d->action == CWP_ACTION_CLEAR) {
		/* PLAN-03: only an explicit zero clears, only with remove. */
		bool zero = src->has_progress_ms
				? src->progress_ms == 0
				: (src->has_progress_percent && src->progress_percent == 0.0);
		if (!zero)
			PROP_FAIL(c, "clear of %s without an explicit zero", src->key);
		if (!cfg->remove)
			PROP_FAIL(c, "clear of %s with remove off", src->key);
	}
	if (d->action != CWP_ACTION_UPSERT)
		return;
	if (!cfg->add)
		PROP_FAIL(c, "upsert of %s with add off", src->key);
	if (src->has_progress_ms && src->progress_ms < cfg->min_seconds * 1000)
		PROP_FAIL(c, "upsert of %s below min_seconds", src->key);
	double pct;
	bool cutoff_applies = cfg->max_percent_min_duration_seconds == 0 || !src->has_duration_ms ||
			      src->duration_ms >= cfg->max_percent_min_duration_seconds * 1000;
	if (cutoff_applies && cwp_record_percent(src, &pct) && pct >= cfg->max_percent)
		PROP_FAIL(c, "upsert of %s at %.2f%% >= max_percent %.2f", src->key, pct,
			  cfg->max_percent);
	/* No regression without a strictly newer (or equal with propagate) source. */
	if (dst && src->has_progress_ms && dst->has_progress_ms &&
	    src->progress_ms < dst->progress_ms) {
		bool newer =
		    src->has_progress_at && dst->has_progress_at &&
		    (src->progress_at > dst->progress_at ||
		     (cfg->propagate_timestamp_updates && src->progress_at == dst->progress_at));
		if (!newer)
			PROP_FAIL(c,
				  "upsert of %s regresses %" PRId64 " -> %" PRId64
				  " without a newer source timestamp",
				  src->key, dst->progress_ms, src->progress_ms);
	}
}

static void property_safety_rules(void **state)
{
	(void)state;
	unsigned n = case_count();
	for (unsigned i = 0; i < n; i++) {
		struct gen_case c;
		gen_case(&c, base_seed() + i);
		cwp_index *src = build_index(&c.src, NULL), *dst = build_index(&c.dst, NULL);
		cwp_plan *plan = NULL;
		assert_int_equal(cwp_plan_new(&plan, src, dst, &c.cfg), 0);
		for (size_t j = 0; j < cwp_plan_size(plan); j++) {
			const cwp_decision *d = cwp_plan_at(plan, j);
			check_decision(&c, d->direction == CWP_DIR_FORWARD ? src : dst, d);
		}
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);
	}
}

static void shuffle(uint64_t *s, size_t *perm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)below(s, i);
		size_t t = perm[i - 1];
		perm[i - 1] = perm[j];
		perm[j] = t;
	}
}

/* PLAN-05 and KEY-07: any insertion order gives the same plan, byte for byte. */
static void property_plan_independent_of_input_order(void **state)
{
	(void)state;
	unsigned n = case_count();
	for (unsigned i = 0; i < n; i++) {
		struct gen_case c;
		uint64_t s = base_seed() + i;
		gen_case(&c, s);
		/* duplicates: the same key twice with other values */
		if (c.src.n && c.src.n < MAX_RECS) {
			c.src.recs[c.src.n] = c.src.recs[0];
			c.src.recs[c.src.n].progress_ms += 1000;
			c.src.recs[c.src.n].item_id = "999";
			c.src.n++;
		}
		cwp_index *src = build_index(&c.src, NULL), *dst = build_index(&c.dst, NULL);
		cwp_plan *plan = NULL;
		assert_int_equal(cwp_plan_new(&plan, src, dst, &c.cfg), 0);
		char *want = plan_bytes(plan);
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);

		size_t ps[MAX_RECS], pd[MAX_RECS];
		uint64_t ss = s ^ 0xABCDEFull;
		shuffle(&ss, ps, c.src.n);
		shuffle(&ss, pd, c.dst.n);
		src = build_index(&c.src, ps);
		dst = build_index(&c.dst, pd);
		assert_int_equal(cwp_plan_new(&plan, src, dst, &c.cfg), 0);
		char *got = plan_bytes(plan);
		if (strcmp(want, got))
			PROP_FAIL(&c, "plan differs after shuffling the inputs");
		free(want);
		free(got);
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);
	}
}

/* Apply a decision to the side written to, as a successful write would
 * (APPLY-05): position and LastPlayedDate from the source, or a clear. */
static void apply_write(struct gen_side *to, const cwp_decision *d)
{
	for (size_t i = 0; i < to->n; i++) {
		cwp_record *r = &to->recs[i];
		if (!d->dst || !r->item_id || !d->dst->item_id ||
		    strcmp(r->item_id, d->dst->item_id))
			continue;
		if (d->action == CWP_ACTION_CLEAR) {
			r->progress_ms = 0;
			r->has_progress_ms = true;
			r->has_progress_percent = false;
		} else if (d->src->has_progress_ms) {
			r->progress_ms = d->src->progress_ms;
			r->has_progress_ms = true;
			r->has_progress_percent = false;
		} else {
			r->progress_percent = d->src->progress_percent;
			r->has_progress_percent = d->src->has_progress_percent;
			r->has_progress_ms = false;
		}
		if (d->src->has_progress_at) {
			r->progress_at = d->src->progress_at;
			r->has_progress_at = true;
		}
	}
}

/* APPLY-07 / TWO-02 at the planner: once the planned writes to keys that
 * exist on the other side are applied, planning again writes nothing there. */
static void property_second_plan_changes_nothing(void **state)
{
	(void)state;
	unsigned n = case_count();
	for (unsigned i = 0; i < n; i++) {
		struct gen_case c;
		gen_case(&c, base_seed() + i);
		cwp_index *src = build_index(&c.src, NULL), *dst = build_index(&c.dst, NULL);
		cwp_plan *plan = NULL;
		assert_int_equal(cwp_plan_new(&plan, src, dst, &c.cfg), 0);
		struct gen_case after = c;
		/* the copies' strings still point into c, which outlives them */
		for (size_t j = 0; j < cwp_plan_size(plan); j++) {
			const cwp_decision *d = cwp_plan_at(plan, j);
			if (d->action == CWP_ACTION_SKIP)
				continue;
			apply_write(d->direction == CWP_DIR_FORWARD ? &after.dst : &after.src, d);
		}
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);

		src = build_index(&after.src, NULL);
		dst = build_index(&after.dst, NULL);
		assert_int_equal(cwp_plan_new(&plan, src, dst, &c.cfg), 0);
		for (size_t j = 0; j < cwp_plan_size(plan); j++) {
			const cwp_decision *d = cwp_plan_at(plan, j);
			if (d->action != CWP_ACTION_SKIP && d->dst)
				PROP_FAIL(&c, "second plan still %ss %s (%s)",
					  cwp_action_name(d->action), d->src->key,
					  cwp_reason_name(d->reason));
		}
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(property_safety_rules),
	    cmocka_unit_test(property_plan_independent_of_input_order),
	    cmocka_unit_test(property_second_plan_changes_nothing),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	printf("property seed base %" PRIu64 ", %u cases per property\n", base_seed(),
	       case_count());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
