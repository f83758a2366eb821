/* Layer 3 at the sync level (issue 6): seeded property checks over random
 * pairs of mock Emby servers.
 *
 * Each case generates two small fixture servers from a seed (movies and
 * episodes shared by provider ids or not, id forms that match exactly, by
 * alias or not at all, multi-version items, season-0 specials, random
 * positions, runtimes, dates and played flags, sometimes an item playing
 * now) and a random configuration, starts two in-process mocks and runs
 * `cwprogress sync --json` three times: a dry run, the real run and an
 * immediate second run. Then:
 *
 *   - the dry run sends no write and its report plans what the real run
 *     did (APPLY-08);
 *   - the real run exits 0, and every write it sent is allowed by the
 *     source fixture (see check_write: no upsert at or above max_percent or
 *     below min_seconds, no clear of an item whose source is absent or not
 *     at zero, no regression without a strictly newer source timestamp, the
 *     body carries the source's own position and date, never "now");
 *   - the second run writes nothing on either side (APPLY-07, TWO-02).
 *
 * A failing case prints its seed and keeps its fixtures; replay it with
 *   CWP_SYNC_PROPERTY_SEED=<seed> CWP_SYNC_PROPERTY_CASES=1 \
 *     test_sync_properties sync_property_one_way
 * CWP_SYNC_PROPERTY_CASES sets the number of cases per mode (default below). */
#define _GNU_SOURCE /* nftw in the harness, strcasestr */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cwp_test.h"
#include "cwp/sync.h"
#include "sync_harness.h"
#include "cwp/json.h"

/* Cases per mode. Measured on the 2-core CI machine: about 36 ms a case in
 * the asan build, so 500 cases take about 20 s per mode (the two modes are
 * separate CTest entries and run side by side). */
#define DEFAULT_CASES 500

#define MAX_TITLES   14
#define MAX_ITEMS    32
#define TICKS_PER_MS INT64_C(10000)
#define MIN_MS       INT64_C(60000)

static const char *const SRC_USER = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
static const char *const DST_USER = "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b";

/* ---- a small explicit PRNG (splitmix64): seeds replay anywhere ------------ */

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

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *e = getenv(name);
	if (e && *e) {
		char *end = NULL;
		unsigned long long v = strtoull(e, &end, 10);
		if (end && *end == '\0')
			return v;
		fprintf(stderr, "%s=%s is not a number: using %" PRIu64 "\n", name, e, dflt);
	}
	return dflt;
}

/* ---- UTC dates, independent of the implementation's own formatter -------- */

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* digits: 7 (Emby's form), 3 or 0 fractional digits; all UTC "Z". */
static void format_date(char *out, size_t sz, int64_t ms, int digits)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int64_t y;
	unsigned mo, d;
	civil_from_days(days, &y, &mo, &d);
	int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60);
	int frac = (int)(rem % 1000);
	if (digits == 7)
		snprintf(out, sz, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03d0000Z", y, mo, d, h,
			 mi, s, frac);
	else if (digits == 3)
		snprintf(out, sz, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi,
			 s, frac);
	else
		snprintf(out, sz, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
}

/* ---- the generated world ---------------------------------------------------- */

typedef struct g_title {
	bool episode;
	int show, season, number; /* episodes */
	bool on[2];               /* present on source / destination */
} g_title;

typedef struct g_item {
	char id[16];
	int title;
	bool has_runtime;
	int64_t runtime; /* ticks */
	bool has_ud;
	int64_t ticks;
	bool played;
	bool has_date;
	int64_t date_ms;
	int date_digits;
	bool tmdb, imdb, own_tvdb; /* which provider ids it carries */
} g_item;

typedef struct g_config {
	bool enable, add, remove, replay, propagate, truth_destination;
	int64_t min_seconds, delta_seconds, max_pct_min_duration, tolerance;
	double max_percent;
} g_config;

typedef struct g_world {
	uint64_t seed;
	bool two_way;
	int n_titles;
	g_title title[MAX_TITLES];
	g_item item[2][MAX_ITEMS];
	int n[2];
	int playing[2];   /* index of an item playing now, or -1 */
	bool series_tmdb; /* the source's series also carry a tmdb id */
	g_config cfg;
} g_world;

static int64_t pick_i64(uint64_t *s, const int64_t *v, size_t n)
{
	return v[below(s, n)];
}

static void gen_config(g_world *w, uint64_t *s)
{
	g_config *c = &w->cfg;
	static const int64_t mins[] = {0, 30, 60, 120};
	static const int64_t deltas[] = {0, 30, 60};
	static const int64_t mpmd[] = {0, 0, 0, 1800, 7200};
	static const int64_t tols[] = {0, 30, 300};
	static const double pcts[] = {0, 50, 90, 95, 95, 99.5, 100};
	c->enable = coin(s, 95);
	c->add = coin(s, 90);
	c->remove = coin(s, 50);
	c->replay = coin(s, 30);
	c->propagate = coin(s, 30);
	c->truth_destination = coin(s, 50);
	c->min_seconds = pick_i64(s, mins, 4);
	c->delta_seconds = pick_i64(s, deltas, 3);
	c->max_pct_min_duration = pick_i64(s, mpmd, 5);
	c->tolerance = pick_i64(s, tols, 3);
	c->max_percent = coin(s, 20) ? (double)below(s, 1001) / 10.0 : pcts[below(s, 7)];
}

/* 2024-03-01T00:00:00Z plus a few days, with offsets that land on and near
 * the tolerances (0, 30, 300 s) and on milliseconds. */
static int64_t gen_date(uint64_t *s)
{
	static const int64_t offs[] = {0, 15000, 29999, 30000, 30001, 300000, 300001, 3600000};
	int64_t base = days_from_civil(2024, 3, 1) * 86400000;
	return base + (int64_t)below(s, 4) * 86400000 + offs[below(s, 8)] +
	       (coin(s, 20) ? (int64_t)below(s, 1000) : 0);
}

static void gen_userdata(g_item *it, uint64_t *s)
{
	it->has_ud = !coin(s, 20);
	if (!it->has_ud)
		return;
	int64_t rt = it->has_runtime ? it->runtime : 120 * MIN_MS * TICKS_PER_MS;
	unsigned r = (unsigned)below(s, 100);
	if (r < 15)
		it->ticks = 0;
	else if (r < 35) /* below a minute or two: min_seconds territory */
		it->ticks = (int64_t)below(s, 150000) * TICKS_PER_MS + (int64_t)below(s, 10000);
	else if (r < 50) /* near the end: max_percent territory */
		it->ticks = rt - (int64_t)below(s, (uint64_t)(rt / 10)) - 1;
	else
		it->ticks = (int64_t)below(s, (uint64_t)rt) + 1;
	if (it->ticks < 0)
		it->ticks = 0;
	it->played = coin(s, 15);
	it->has_date = !coin(s, 15);
	if (it->has_date) {
		it->date_ms = gen_date(s);
		unsigned d = (unsigned)below(s, 10);
		it->date_digits = d < 7 ? 7 : d < 9 ? 3 : 0;
		if (it->date_digits == 0)
			it->date_ms -= it->date_ms % 1000;
	}
}

/* A version of a title on a side; the copy shares its runtime and ids. */
static void gen_item(g_world *w, int side, int t, uint64_t *s, const g_item *like)
{
	if (w->n[side] >= MAX_ITEMS)
		return;
	g_item *it = &w->item[side][w->n[side]];
	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%d", (side ? 2000 : 1000) + w->n[side]);
	w->n[side]++;
	it->title = t;
	if (like) {
		it->has_runtime = like->has_runtime;
		it->runtime = like->runtime;
		it->tmdb = like->tmdb;
		it->imdb = like->imdb;
		it->own_tvdb = like->own_tvdb;
	} else {
		it->has_runtime = !coin(s, 10);
		it->runtime = (20 + (int64_t)below(s, 161)) * MIN_MS * TICKS_PER_MS;
		unsigned f = (unsigned)below(s, 10); /* movie id forms */
		it->tmdb = f < 7;
		it->imdb = f >= 4;
		it->own_tvdb = coin(s, 70);
	}
	gen_userdata(it, s);
}

static void gen_world(g_world *w, uint64_t seed, bool two_way)
{
	uint64_t s = seed;
	memset(w, 0, sizeof(*w));
	w->seed = seed;
	w->two_way = two_way;
	w->n_titles = 2 + (int)below(&s, MAX_TITLES - 1);
	w->series_tmdb = coin(&s, 50);
	for (int t = 0; t < w->n_titles; t++) {
		g_title *ti = &w->title[t];
		ti->episode = coin(&s, 35);
		ti->show = (int)below(&s, 3);
		ti->season = (int)below(&s, 3); /* season 0: specials */
		ti->number = 1 + t;
		ti->on[0] = coin(&s, 80);
		ti->on[1] = coin(&s, 70);
		for (int side = 0; side < 2; side++) {
			if (!ti->on[side])
				continue;
			int first = w->n[side];
			gen_item(w, side, t, &s, NULL);
			if (coin(&s, 15) && first < w->n[side])
				gen_item(w, side, t, &s, &w->item[side][first]);
		}
	}
	/* Sometimes the destination is (nearly) in step with the source: equal
	 * positions, within a second, within a few seconds, close dates. */
	for (int i = 0; i < w->n[1]; i++) {
		g_item *d = &w->item[1][i];
		const g_item *src = NULL;
		for (int j = 0; j < w->n[0] && !src; j++)
			if (w->item[0][j].title == d->title && w->item[0][j].has_ud)
				src = &w->item[0][j];
		if (!src || !coin(&s, 25))
			continue;
		static const int64_t jitter_ms[] = {0,    0,     500,  -500, 1000,
						    1001, -1001, 2500, -2500};
		d->has_ud = true;
		d->ticks = src->ticks + jitter_ms[below(&s, 9)] * TICKS_PER_MS;
		if (d->ticks < 0)
			d->ticks = 0;
		d->played = coin(&s, 10);
		d->has_date = src->has_date;
		d->date_ms = src->date_ms + (coin(&s, 50) ? 0 : (int64_t)below(&s, 60001) - 30000);
		d->date_digits = src->date_digits;
		if (d->date_digits == 0)
			d->date_ms -= d->date_ms % 1000;
	}
	for (int side = 0; side < 2; side++)
		w->playing[side] =
		    w->n[side] && coin(&s, 10) ? (int)below(&s, (uint64_t)w->n[side]) : -1;
	gen_config(w, &s);
}

/* ---- writing the fixtures ---------------------------------------------------- */

static int write_text(const char *path, cJSON *j)
{
	char *text = cJSON_Print(j);
	FILE *f = fopen(path, "w");
	int rc = text && f && fputs(text, f) != EOF ? 0 : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	cJSON_free(text);
	return rc;
}

/* A string member "<prefix><v>", v zero-padded to width digits. */
static void add_str(cJSON *o, const char *k, const char *prefix, int width, int v)
{
	char b[48];
	snprintf(b, sizeof(b), "%s%0*d", prefix, width, v);
	cJSON_AddStringToObject(o, k, b);
}

static int write_side(const g_world *w, int side, const char *dir)
{
	char path[PATH_MAX];
	int rc = -1;
	cJSON *server = cJSON_CreateObject(), *items = cJSON_CreateArray();
	cJSON *ud = cJSON_CreateObject();
	if (!server || !items || !ud)
		goto done;
	cJSON_AddStringToObject(server, "ServerName",
				side ? "Random Destination" : "Random Source");
	cJSON_AddStringToObject(server, "Id",
				side ? "d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6"
				     : "c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5");
	cJSON *users = cJSON_AddArrayToObject(server, "Users");
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "Id", side ? DST_USER : SRC_USER);
	cJSON_AddStringToObject(u, "Name", side ? "bob" : "alice");
	cJSON_AddStringToObject(
	    u, "Token", side ? "property-dst-token-not-secret" : "property-src-token-not-secret");
	cJSON_AddItemToArray(users, u);
	/* the series of the shows that have an episode on this side */
	bool show_used[3] = {false, false, false};
	for (int i = 0; i < w->n[side]; i++) {
		const g_title *t = &w->title[w->item[side][i].title];
		if (t->episode)
			show_used[t->show] = true;
	}
	for (int sh = 0; sh < 3; sh++) {
		if (!show_used[sh])
			continue;
		cJSON *o = cJSON_CreateObject();
		add_str(o, "Id", "", 0, (side ? 2900 : 1900) + sh);
		add_str(o, "Name", "Show ", 0, sh);
		cJSON_AddStringToObject(o, "Type", "Series");
		cJSON_AddBoolToObject(o, "IsFolder", true);
		cJSON *p = cJSON_AddObjectToObject(o, "ProviderIds");
		add_str(p, "Tvdb", "", 0, 5000 + sh);
		if (side == 0 && w->series_tmdb)
			add_str(p, "Tmdb", "", 0, 9000 + sh);
		cJSON_AddItemToArray(items, o);
	}
	for (int i = 0; i < w->n[side]; i++) {
		const g_item *it = &w->item[side][i];
		const g_title *t = &w->title[it->title];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Id", it->id);
		add_str(o, "Name", "Title ", 0, it->title);
		cJSON_AddStringToObject(o, "Type", t->episode ? "Episode" : "Movie");
		cJSON_AddBoolToObject(o, "IsFolder", false);
		if (it->has_runtime)
			cJSON_AddNumberToObject(o, "RunTimeTicks", (double)it->runtime);
		cJSON *p = cJSON_AddObjectToObject(o, "ProviderIds");
		if (t->episode) {
			add_str(o, "SeriesId", "", 0, (side ? 2900 : 1900) + t->show);
			add_str(o, "SeriesName", "Show ", 0, t->show);
			cJSON_AddNumberToObject(o, "ParentIndexNumber", t->season);
			cJSON_AddNumberToObject(o, "IndexNumber", t->number);
			if (it->own_tvdb)
				add_str(p, "Tvdb", "", 0, 60000 + it->title);
		} else {
			cJSON_AddNumberToObject(o, "ProductionYear", 2000 + it->title);
			if (it->tmdb)
				add_str(p, "Tmdb", "", 0, 1000 + it->title);
			if (it->imdb)
				add_str(p, "Imdb", "tt", 7, 1000 + it->title);
		}
		cJSON_AddItemToArray(items, o);
		if (!it->has_ud)
			continue;
		cJSON *d = cJSON_AddObjectToObject(ud, it->id);
		cJSON_AddNumberToObject(d, "PlaybackPositionTicks", (double)it->ticks);
		cJSON_AddBoolToObject(d, "Played", it->played);
		cJSON_AddNumberToObject(d, "PlayCount", it->played ? 1 : 0);
		if (it->has_date) {
			char date[48];
			format_date(date, sizeof(date), it->date_ms, it->date_digits);
			cJSON_AddStringToObject(d, "LastPlayedDate", date);
		}
	}
	snprintf(path, sizeof(path), "%s/userdata", dir);
	if (mkdir(dir, 0700) != 0 || mkdir(path, 0700) != 0)
		goto done;
	snprintf(path, sizeof(path), "%s/server.json", dir);
	if (write_text(path, server) != 0)
		goto done;
	snprintf(path, sizeof(path), "%s/items.json", dir);
	if (write_text(path, items) != 0)
		goto done;
	snprintf(path, sizeof(path), "%s/userdata/%s.json", dir, side ? DST_USER : SRC_USER);
	if (write_text(path, ud) != 0)
		goto done;
	rc = 0;
done:
	cJSON_Delete(server);
	cJSON_Delete(items);
	cJSON_Delete(ud);
	return rc;
}

static cJSON *pair_json(const g_world *w)
{
	const g_config *c = &w->cfg;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddObjectToObject(p, "source");
	cJSON_AddObjectToObject(p, "destination");
	cJSON *pr = cJSON_AddObjectToObject(cJSON_AddObjectToObject(p, "features"), "progress");
	cJSON_AddBoolToObject(pr, "enable", c->enable);
	cJSON_AddBoolToObject(pr, "add", c->add);
	cJSON_AddBoolToObject(pr, "remove", c->remove);
	cJSON_AddNumberToObject(pr, "min_seconds", (double)c->min_seconds);
	cJSON_AddNumberToObject(pr, "delta_seconds", (double)c->delta_seconds);
	cJSON_AddNumberToObject(pr, "max_percent", c->max_percent);
	cJSON_AddNumberToObject(pr, "max_percent_min_duration_seconds",
				(double)c->max_pct_min_duration);
	cJSON_AddNumberToObject(pr, "timestamp_tolerance_seconds", (double)c->tolerance);
	cJSON_AddBoolToObject(pr, "replay_enabled", c->replay);
	cJSON_AddBoolToObject(pr, "propagate_timestamp_updates", c->propagate);
	cJSON_AddStringToObject(pr, "mode", w->two_way ? "two-way" : "one-way");
	cJSON_AddStringToObject(pr, "source_of_truth",
				c->truth_destination ? "destination" : "source");
	return p;
}

/* ---- the oracle: is a write allowed by the fixtures? --------------------------- */

/* What the checked writes were, so that a run shows it tested something. */
static struct {
	unsigned long upserts, behind, clears, unwatches, backward;
} stats;
/* The real runs' skips by reason and unresolved keys, summed (printed with
 * CWP_SYNC_PROPERTY_VERBOSE=1). */
static cJSON *reasons;

static void add_reason(const char *name, size_t n)
{
	cJSON *have = cJSON_GetObjectItemCaseSensitive(reasons, name);
	if (have)
		cJSON_SetNumberValue(have, have->valuedouble + (double)n);
	else
		cJSON_AddNumberToObject(reasons, name, (double)n);
}

static void count_reasons(const cwp_sync_summary *sum)
{
	for (int k = 0; k < CWP_REASON__COUNT; k++)
		if (sum->by_reason[k] && k != CWP_REASON_REPLAY_UNWATCH_FAILED)
			add_reason(cwp_reason_name((cwp_reason)k), sum->by_reason[k]);
	add_reason("(unresolved)", sum->unresolved);
}

static const g_item *find_item(const g_world *w, int side, const char *id)
{
	for (int i = 0; i < w->n[side]; i++)
		if (!strcmp(w->item[side][i].id, id))
			return &w->item[side][i];
	return NULL;
}

static bool is_playing(const g_world *w, int side, const g_item *it)
{
	return w->playing[side] >= 0 && &w->item[side][w->playing[side]] == it;
}

static int64_t ud_ms(const g_item *it)
{
	return it->has_ud ? it->ticks / TICKS_PER_MS : 0;
}

/* APPLY-02: the target's LastPlayedDate newer than the source's by more
 * than the tolerance (both known). */
static bool target_newer(const g_world *w, const g_item *src, const g_item *tgt)
{
	return src->has_ud && src->has_date && tgt->has_ud && tgt->has_date &&
	       tgt->date_ms - src->date_ms > w->cfg.tolerance * 1000;
}

static const char NO_SUCH_POSITION[] = "no source version has this position";
static const char NOT_AT_ZERO[] = "no source version is at zero";

/* Why a source version cannot be behind an upsert of write_ms to tgt, or
 * NULL when it can. */
static const char *upsert_refused(const g_world *w, const g_item *src, const g_item *tgt,
				  int64_t write_ms, const char *date)
{
	const g_config *c = &w->cfg;
	if (!src->has_ud || ud_ms(src) != write_ms)
		return NO_SUCH_POSITION;
	if (src->has_date) {
		char want[48];
		format_date(want, sizeof(want), src->date_ms, 7);
		if (!date || strcmp(date, want))
			return "LastPlayedDate is not the source's (7-digit UTC form)";
	} else if (date) {
		return "LastPlayedDate sent for a source without one (never now)";
	}
	if (write_ms < c->min_seconds * 1000)
		return "below min_seconds";
	int64_t dur = src->has_runtime ? src->runtime / TICKS_PER_MS : 0;
	if (dur > 0 && (c->max_pct_min_duration == 0 || dur >= c->max_pct_min_duration * 1000) &&
	    (double)write_ms / (double)dur * 100.0 >= c->max_percent - 1e-9)
		return "at or above max_percent";
	int64_t tgt_ms = ud_ms(tgt);
	if (write_ms < tgt_ms) {
		bool newer =
		    src->has_date && tgt->has_ud && tgt->has_date &&
		    (src->date_ms > tgt->date_ms || (c->propagate && src->date_ms == tgt->date_ms));
		if (!newer)
			return "a regression without a strictly newer source timestamp";
	}
	if (llabs(write_ms - tgt_ms) <= 1000)
		return "within 1000 ms of the target (progress_unchanged)";
	int64_t tdur = tgt->has_runtime ? tgt->runtime / TICKS_PER_MS : 0;
	if (dur > 0 && tdur > 0 && tgt->has_ud &&
	    fabs((double)write_ms / (double)dur * 100.0 - (double)tgt_ms / (double)tdur * 100.0) <
		0.1 - 1e-9)
		return "within 0.1 percentage points of the target (progress_unchanged)";
	if (target_newer(w, src, tgt) && !(tgt->played && c->replay))
		return "the target is newer (target_newer)";
	return NULL;
}

/* Why a clear of tgt cannot come from this source version, or NULL. */
static const char *clear_refused(const g_world *w, const g_item *src, const g_item *tgt)
{
	if (src->has_ud && src->ticks / TICKS_PER_MS != 0)
		return NOT_AT_ZERO;
	if (ud_ms(tgt) <= 0)
		return "nothing to clear";
	if (target_newer(w, src, tgt) && !(tgt->played && w->cfg.replay))
		return "the destination is newer (destination_newer/target_newer)";
	return NULL;
}

/* One write request of the real run against the fixtures; appends the
 * reasons it is not allowed to *msg. */
static void check_write(const g_world *w, int side, const cJSON *en, char **msg)
{
	const char *path = ch_entry_path(en);
	const char *method = cJSON_GetObjectItemCaseSensitive(en, "method")->valuestring;
	const cJSON *bj = cJSON_GetObjectItemCaseSensitive(en, "body");
	const char *body = cJSON_IsString(bj) ? bj->valuestring : "";
	const char *user = side ? DST_USER : SRC_USER;
	char id[32] = "", tail[32] = "", u[64] = "";
	const g_config *c = &w->cfg;
	int other = 1 - side;
	if (sscanf(path, "/Users/%63[^/]/Items/%31[^/]/%31s", u, id, tail) == 3 &&
	    !strcmp(tail, "UserData") && !strcmp(u, user) && !strcasecmp(method, "POST")) {
		/* the body */
	} else if (sscanf(path, "/Users/%63[^/]/PlayedItems/%31s", u, id) == 2 &&
		   !strcmp(u, user) && !strcasecmp(method, "DELETE")) {
		const g_item *tgt = find_item(w, side, id);
		stats.unwatches++;
		if (!tgt || !tgt->played || !c->replay)
			ch_appendf(msg,
				   "  %s: %s %s: unwatch without replay_enabled of a played item\n",
				   ch_side_name[side], method, path);
		return;
	} else {
		ch_appendf(msg, "  %s: unexpected write %s %s\n", ch_side_name[side], method, path);
		return;
	}
	const g_item *tgt = find_item(w, side, id);
	cJSON *b = cwp_json_parse_str(body);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "PlaybackPositionTicks");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(b, "LastPlayedDate");
	int members = cJSON_GetArraySize(b);
	if (!tgt || !cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble > 9.0e15 ||
	    members != 1 + (d != NULL) || (d && !cJSON_IsString(d))) {
		ch_appendf(msg, "  %s: POST %s: malformed body %s\n", ch_side_name[side], path,
			   body);
		cJSON_Delete(b);
		return;
	}
	int64_t ticks = (int64_t)t->valuedouble;
	const char *why = NULL;
	if (ticks == 0)
		stats.clears++;
	else
		stats.upserts++;
	if (ticks > 0 && ticks / TICKS_PER_MS < ud_ms(tgt))
		stats.behind++;
	if (side == CH_SRC)
		stats.backward++;
	if (!c->enable)
		why = "the feature is disabled";
	else if (ticks % TICKS_PER_MS)
		why = "ticks are not ms * 10000";
	else if (is_playing(w, side, tgt))
		why = "the item is playing now (active_session)";
	else if (tgt->played && !c->replay)
		why = "the item is played and replay is off (already_watched)";
	else if (ticks == 0 && !c->remove)
		why = "a clear with remove off";
	else if (ticks > 0 && !c->add)
		why = "an upsert with add off";
	else if (ticks == 0 && d)
		why = "a clear carries more than PlaybackPositionTicks";
	if (!why) {
		/* Some version of the same title on the other side allows it. */
		const char *first = "the source of this title is absent";
		bool ok = false, have = false;
		for (int i = 0; i < w->n[other] && !ok; i++) {
			const g_item *src = &w->item[other][i];
			if (src->title != tgt->title)
				continue;
			const char *r = ticks == 0
					    ? clear_refused(w, src, tgt)
					    : upsert_refused(w, src, tgt, ticks / TICKS_PER_MS,
							     d ? d->valuestring : NULL);
			/* the most telling reason: one from the version the
			 * write could have come from */
			if (!r)
				ok = true;
			else if (!have)
				first = r, have = r != NO_SUCH_POSITION && r != NOT_AT_ZERO;
		}
		if (!ok)
			why = first;
	}
	if (why)
		ch_appendf(msg, "  %s: POST %s %s: %s\n", ch_side_name[side], path, body, why);
	cJSON_Delete(b);
}

/* ---- one case ------------------------------------------------------------------ */

static void describe(const g_world *w, char **msg)
{
	const g_config *c = &w->cfg;
	ch_appendf(
	    msg,
	    "  config: enable=%d add=%d remove=%d min_seconds=%" PRId64 " delta_seconds=%" PRId64
	    " max_percent=%g max_percent_min_duration_seconds=%" PRId64 " tolerance=%" PRId64
	    " replay=%d propagate=%d source_of_truth=%s mode=%s\n",
	    c->enable, c->add, c->remove, c->min_seconds, c->delta_seconds, c->max_percent,
	    c->max_pct_min_duration, c->tolerance, c->replay, c->propagate,
	    c->truth_destination ? "destination" : "source", w->two_way ? "two-way" : "one-way");
	for (int side = 0; side < 2; side++) {
		for (int i = 0; i < w->n[side]; i++) {
			const g_item *it = &w->item[side][i];
			char date[48] = "-";
			if (it->has_ud && it->has_date)
				format_date(date, sizeof(date), it->date_ms, 7);
			ch_appendf(msg,
				   "  %-11s item %s title %d%s runtime %" PRId64
				   " ms: %s ticks %" PRId64 " played %d date %s%s\n",
				   ch_side_name[side], it->id, it->title,
				   w->title[it->title].episode ? " (episode)" : "",
				   it->has_runtime ? it->runtime / TICKS_PER_MS : -1,
				   it->has_ud ? "user data" : "no user data", it->ticks, it->played,
				   date, is_playing(w, side, it) ? " PLAYING" : "");
		}
	}
}

/* Runs one case; returns the problems (NULL: none). keep_dir gets the
 * fixture folder when the case failed. */
static char *run_case(uint64_t seed, bool two_way, char *keep_dir, size_t keep_sz)
{
	g_world w;
	gen_world(&w, seed, two_way);
	char *msg = NULL, err[1024], root[PATH_MAX / 4], sd[PATH_MAX], dd[PATH_MAX];
	ch_env e;
	bool started = false;
	cJSON *pair = NULL;
	cwp_sync_result *dry = NULL, *real = NULL, *again = NULL;
	keep_dir[0] = '\0';
	if (ch_mkdtemp(root, sizeof(root), "cwp-prop") != 0)
		return strdup("cannot make a temporary folder");
	snprintf(sd, sizeof(sd), "%s/source", root);
	snprintf(dd, sizeof(dd), "%s/destination", root);
	if (write_side(&w, 0, sd) != 0 || write_side(&w, 1, dd) != 0) {
		ch_appendf(&msg, "cannot write the fixtures under %s\n", root);
		goto done;
	}
	if (ch_start(&e, sd, dd, NULL, NULL, err, sizeof(err)) != 0) {
		ch_appendf(&msg, "%s\n", err);
		goto done;
	}
	started = true;
	for (int side = 0; side < 2; side++)
		if (w.playing[side] >= 0 &&
		    mock_emby_set_playing(e.side[side].m, e.side[side].user,
					  w.item[side][w.playing[side]].id) != 0)
			ch_appendf(&msg, "cannot mark an item playing\n");
	pair = pair_json(&w);
	if (ch_write_pair(&e, pair, err, sizeof(err)) != 0) {
		ch_appendf(&msg, "%s\n", err);
		goto done;
	}
	/* The engine itself runs the sync (cwp_sync_run): the checks look at
	 * its result rows and at what the mocks received. */
	/* APPLY-08: the dry run sends nothing. */
	if (ch_sync_engine(&e, pair, true, &dry, err, sizeof(err)) != 0)
		ch_appendf(&msg, "  the dry run: %s\n", err);
	if (e.rc != 0)
		ch_appendf(&msg, "  the dry run ended %d: %.300s\n", e.rc,
			   dry ? cwp_sync_result_summary(dry)->error : "");
	for (int side = 0; side < 2; side++) {
		cJSON *j = ch_journal(e.side[side].m);
		if (ch_count_writes(j))
			ch_appendf(&msg, "  %s: the dry run sent %zu write(s) (APPLY-08)\n",
				   ch_side_name[side], ch_count_writes(j));
		cJSON_Delete(j);
		mock_emby_journal_clear(e.side[side].m);
	}

	/* The real run: every write allowed by the fixtures. */
	if (ch_sync_engine(&e, pair, false, &real, err, sizeof(err)) != 0)
		ch_appendf(&msg, "  the run: %s\n", err);
	if (e.rc != 0)
		ch_appendf(&msg, "  the run ended %d: %.300s\n", e.rc,
			   real ? cwp_sync_result_summary(real)->error : "");
	for (int side = 0; side < 2; side++) {
		cJSON *j = ch_journal(e.side[side].m);
		const cJSON *en;
		cJSON_ArrayForEach(en, j)
		{
			if (ch_is_write(en))
				check_write(&w, side, en, &msg);
		}
		if (!two_way && side == CH_SRC && ch_count_writes(j))
			ch_appendf(&msg, "  one-way run wrote to the source\n");
		cJSON_Delete(j);
		mock_emby_journal_clear(e.side[side].m);
	}
	if (real)
		count_reasons(cwp_sync_result_summary(real));
	if (!dry || !real)
		ch_appendf(&msg, "  a run gave no result\n");
	else if (!cwp_sync_result_same_plan(dry, real))
		ch_appendf(&msg, "  dry run and real run differ (APPLY-08)\n");

	/* APPLY-07 / TWO-02: the immediate second run writes nothing. */
	if (ch_sync_engine(&e, pair, false, &again, err, sizeof(err)) != 0)
		ch_appendf(&msg, "  the second run: %s\n", err);
	if (e.rc != 0)
		ch_appendf(&msg, "  the second run ended %d\n", e.rc);
	for (int side = 0; side < 2; side++) {
		cJSON *j = ch_journal(e.side[side].m);
		const cJSON *en;
		cJSON_ArrayForEach(en, j)
		{
			if (ch_is_write(en)) {
				const cJSON *b = cJSON_GetObjectItemCaseSensitive(en, "body");
				ch_appendf(
				    &msg, "  %s: the second run sent %s %s %s (APPLY-07)\n",
				    ch_side_name[side],
				    cJSON_GetObjectItemCaseSensitive(en, "method")->valuestring,
				    ch_entry_path(en), cJSON_IsString(b) ? b->valuestring : "");
			}
		}
		cJSON_Delete(j);
	}
done:
	if (msg) {
		describe(&w, &msg);
		snprintf(keep_dir, keep_sz, "%s", root);
	}
	cwp_sync_result_free(dry);
	cwp_sync_result_free(real);
	cwp_sync_result_free(again);
	cJSON_Delete(pair);
	if (started) {
		/* ch_stop removes its own folder (pair, journal); the fixtures
		 * stay for a failed case. */
		ch_stop(&e);
	}
	if (!msg)
		ch_rmtree(root);
	return msg;
}

static void run_property(bool two_way)
{
	uint64_t base = env_u64("CWP_SYNC_PROPERTY_SEED", UINT64_C(0x5EED5CA1E));
	uint64_t cases = env_u64("CWP_SYNC_PROPERTY_CASES", DEFAULT_CASES);
	unsigned failed = 0;
	struct timespec t0, t1;
	memset(&stats, 0, sizeof(stats));
	reasons = cJSON_CreateObject();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t i = 0; i < cases && failed < 3; i++) {
		uint64_t seed = base + i;
		char keep[PATH_MAX];
		char *msg = run_case(seed, two_way, keep, sizeof(keep));
		if (!msg)
			continue;
		failed++;
		fprintf(stderr,
			"case %" PRIu64 " (%s) failed, seed %" PRIu64 "; fixtures kept in %s\n%s"
			"replay: CWP_SYNC_PROPERTY_SEED=%" PRIu64
			" CWP_SYNC_PROPERTY_CASES=1 test_sync_properties %s\n\n",
			i, two_way ? "two-way" : "one-way", seed, keep, msg, seed,
			two_way ? "sync_property_two_way" : "sync_property_one_way");
		free(msg);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("%" PRIu64 " %s cases from seed %" PRIu64
		      " in %.1f s: %lu upserts (%lu behind "
		      "the target, %lu to the source), %lu clears, %lu unwatches checked\n",
		      cases, two_way ? "two-way" : "one-way", base, secs, stats.upserts,
		      stats.behind, stats.backward, stats.clears, stats.unwatches);
	if (getenv("CWP_SYNC_PROPERTY_VERBOSE")) {
		char *t = cJSON_PrintUnformatted(reasons);
		print_message("skips by reason: %s\n", t ? t : "?");
		cJSON_free(t);
	}
	cJSON_Delete(reasons);
	reasons = NULL;
	if (failed)
		fail_msg("%u case(s) failed (seeds above)", failed);
}

static void sync_property_one_way(void **state)
{
	(void)state;
	run_property(false);
}

static void sync_property_two_way(void **state)
{
	(void)state;
	run_property(true);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(sync_property_one_way),
    cmocka_unit_test(sync_property_two_way),
};

CWP_TEST_MAIN(tests)
