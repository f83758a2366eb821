/* Provider ids, canonical keys, alias tokens and duplicate selection
 * (SPEC §2, KEY-01..07). */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cwp/record.h"

static const char *const id_names[CWP_ID_COUNT] = {
    "tmdb", "imdb", "tvdb", "trakt", "mal", "anilist", "kitsu", "anidb", "simkl",
};

const char *cwp_id_name(cwp_id_kind kind)
{
	if ((unsigned)kind >= CWP_ID_COUNT)
		return "";
	return id_names[kind];
}

static char lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive equality of s[0..len) and the NUL-terminated lower-case word. */
static bool eq_nocase(const char *s, size_t len, const char *word)
{
	size_t i = 0;
	for (; i < len; i++) {
		if (word[i] == '\0' || lower_ascii(s[i]) != word[i])
			return false;
	}
	return word[i] == '\0';
}

int cwp_id_kind_from_name(const char *name, size_t len)
{
	if (!name)
		return -1;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (eq_nocase(name, len, id_names[k]))
			return k;
	}
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* KEY-01: the spellings of "no value" that exporters write into id fields. */
static bool is_absent_word(const char *s, size_t len)
{
	static const char *const words[] = {"0", "none", "null", "nan", "undefined", "unknown"};
	if (len == 0)
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (eq_nocase(s, len, words[i]))
			return true;
	}
	return false;
}

size_t cwp_id_normalize(cwp_id_kind kind, const char *value, size_t len, char out[CWP_ID_MAX])
{
	size_t n = 0;
	bool imdb = kind == CWP_ID_IMDB;

	if (!out)
		return 0;
	out[0] = '\0';
	if (!value || (unsigned)kind >= CWP_ID_COUNT)
		return 0;
	while (len > 0 && is_space(value[0])) {
		value++;
		len--;
	}
	while (len > 0 && is_space(value[len - 1]))
		len--;
	if (is_absent_word(value, len))
		return 0;

	if (imdb) {
		/* imdb digits are significant with their leading zeros (tt0133093) */
		out[n++] = 't';
		out[n++] = 't';
	}
	size_t first = n;
	for (size_t i = 0; i < len; i++) {
		char c = value[i];
		if (c < '0' || c > '9')
			continue;
		if (!imdb && n == first && c == '0')
			continue; /* leading zeros of a numeric id */
		if (n + 1 >= CWP_ID_MAX) {
			out[0] = '\0';
			return 0; /* does not fit: absent rather than truncated */
		}
		out[n++] = c;
	}
	if (n == first) {
		out[0] = '\0';
		return 0; /* no digits (or only zeros) */
	}
	out[n] = '\0';
	return n;
}

/* ---- Key building ----------------------------------------------------- */

/* A bounded string builder: overflow is sticky and reported once at the end. */
typedef struct kbuf {
	char *p;
	size_t cap, len;
	bool overflow;
} kbuf;

static void kb_put(kbuf *b, const char *s, size_t n)
{
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void kb_str(kbuf *b, const char *s)
{
	kb_put(b, s, strlen(s));
}

static void kb_lower(kbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (b->overflow || n >= b->cap - b->len) {
		b->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		b->p[b->len + i] = lower_ascii(s[i]);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A decimal number, at least `width` digits (zero-padded). */
static void kb_int(kbuf *b, int32_t v, int width)
{
	char tmp[16];
	size_t n = 0;
	bool neg = v < 0;
	uint32_t u = neg ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	while ((int)n < width)
		tmp[n++] = '0';
	if (neg)
		tmp[n++] = '-';
	char out[16];
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	kb_put(b, out, n);
}

static void kb_id(kbuf *b, cwp_id_kind k, const char *value)
{
	kb_str(b, id_names[k]);
	kb_put(b, ":", 1);
	kb_str(b, value);
}

/* `#sSSeEE` */
static void kb_season_episode(kbuf *b, const cwp_record *r)
{
	kb_put(b, "#s", 2);
	kb_int(b, r->season, 2);
	kb_put(b, "e", 1);
	kb_int(b, r->episode, 2);
}

static bool has_id(const char *v)
{
	return v && v[0] != '\0';
}

static int best_id(const char *const ids[CWP_ID_COUNT])
{
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (has_id(ids[k]))
			return k;
	}
	return -1;
}

int cwp_record_key(char *key, size_t keysz, const cwp_record *r)
{
	if (!key || keysz == 0 || !r)
		return CWP_EINVAL;
	kbuf b = {key, keysz, 0, false};
	key[0] = '\0';

	if (r->type == CWP_TYPE_MOVIE) {
		int k = best_id(r->ids);
		if (k >= 0) {
			kb_id(&b, (cwp_id_kind)k, r->ids[k]);
		} else {
			kb_str(&b, "movie|title:");
			kb_lower(&b, r->title);
			kb_str(&b, "|year:");
			if (r->has_year)
				kb_int(&b, r->year, 1);
		}
	} else if (r->type == CWP_TYPE_EPISODE) {
		int show = best_id(r->show_ids), own = best_id(r->ids);
		bool se = r->has_season && r->has_episode;
		if (se && (show >= 0 || own >= 0)) {
			if (show >= 0)
				kb_id(&b, (cwp_id_kind)show, r->show_ids[show]);
			else
				kb_id(&b, (cwp_id_kind)own, r->ids[own]);
			kb_season_episode(&b, r);
		} else if (own >= 0) {
			kb_id(&b, (cwp_id_kind)own, r->ids[own]);
		} else {
			/* no usable id: a show id without season/episode would name
			 * the whole show, so the title form is used */
			kb_str(&b, "episode|show:");
			kb_lower(&b, r->title);
			kb_str(&b, "|s:");
			if (r->has_season)
				kb_int(&b, r->season, 1);
			kb_str(&b, "|e:");
			if (r->has_episode)
				kb_int(&b, r->episode, 1);
		}
	} else {
		return CWP_EINVAL;
	}
	if (b.overflow) {
		key[0] = '\0';
		return CWP_ERANGE;
	}
	return CWP_OK;
}

int cwp_record_tokens(const cwp_record *r, cwp_token_cb fn, void *ud)
{
	char tok[CWP_KEY_MAX];
	int rc;

	if (!r || !fn)
		return CWP_EINVAL;
	if (r->type == CWP_TYPE_MOVIE) {
		for (int k = 0; k < CWP_ID_COUNT; k++) {
			if (!has_id(r->ids[k]))
				continue;
			kbuf b = {tok, sizeof(tok), 0, false};
			kb_id(&b, (cwp_id_kind)k, r->ids[k]);
			if (!b.overflow && (rc = fn(ud, tok, b.len)) != 0)
				return rc;
		}
		return 0;
	}
	if (r->type != CWP_TYPE_EPISODE)
		return 0;
	if (r->has_season && r->has_episode) {
		for (int pass = 0; pass < 2; pass++) {
			const char *const *ids = pass == 0 ? r->show_ids : r->ids;
			for (int k = 0; k < CWP_ID_COUNT; k++) {
				if (!has_id(ids[k]))
					continue;
				kbuf b = {tok, sizeof(tok), 0, false};
				kb_id(&b, (cwp_id_kind)k, ids[k]);
				kb_season_episode(&b, r);
				if (!b.overflow && (rc = fn(ud, tok, b.len)) != 0)
					return rc;
			}
		}
	}
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!has_id(r->ids[k]))
			continue;
		kbuf b = {tok, sizeof(tok), 0, false};
		kb_id(&b, (cwp_id_kind)k, r->ids[k]);
		if (!b.overflow && (rc = fn(ud, tok, b.len)) != 0)
			return rc;
	}
	return 0;
}

/* ---- Duplicate selection (KEY-07) ------------------------------------ */

bool cwp_record_percent(const cwp_record *r, double *out)
{
	double p;
	if (!r)
		return false;
	if (r->has_progress_ms && r->has_duration_ms && r->duration_ms > 0)
		p = (double)r->progress_ms / (double)r->duration_ms * 100.0;
	else if (r->has_progress_percent)
		p = r->progress_percent;
	else
		return false;
	if (!isfinite(p))
		return false;
	if (out)
		*out = p;
	return true;
}

/* > 0 when a ranks higher: known beats unknown, then the larger value. */
static int cmp_i64(bool ha, int64_t a, bool hb, int64_t b)
{
	if (ha != hb)
		return ha ? 1 : -1;
	if (!ha)
		return 0;
	return (a > b) - (a < b);
}

/* A total order over doubles: NaN below every number, equal to NaN. */
static int cmp_f64(bool ha, double a, bool hb, double b)
{
	if (ha != hb)
		return ha ? 1 : -1;
	if (!ha)
		return 0;
	bool na = isnan(a), nb = isnan(b);
	if (na || nb)
		return (int)nb - (int)na;
	return (a > b) - (a < b);
}

/* > 0 when a ranks higher: a present string beats NULL, the smaller wins. */
static int cmp_str_small(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	int c = strcmp(a, b);
	return (c < 0) - (c > 0);
}

int cwp_record_prefer(const cwp_record *a, const cwp_record *b)
{
	double pa = 0, pb = 0;
	int c;

	if (!a || !b)
		return (a != NULL) - (b != NULL);
	if ((c = cmp_i64(a->has_progress_at, a->progress_at, b->has_progress_at, b->progress_at)))
		return c;
	bool ka = cwp_record_percent(a, &pa), kb = cwp_record_percent(b, &pb);
	if ((c = cmp_f64(ka, pa, kb, pb)))
		return c;
	if ((c = cmp_i64(a->has_progress_ms, a->progress_ms, b->has_progress_ms, b->progress_ms)))
		return c;
	if ((c = cmp_str_small(a->item_id, b->item_id)))
		return c;

	/* Beyond the rule: an arbitrary but total order over every other
	 * field, so that the kept record never depends on input order. */
	if ((c = cmp_str_small(a->key, b->key)))
		return c;
	if ((c = cmp_i64(true, a->type, true, b->type)))
		return c;
	if ((c = cmp_str_small(a->title, b->title)))
		return c;
	if ((c = cmp_i64(a->has_year, a->year, b->has_year, b->year)))
		return c;
	if ((c = cmp_i64(a->has_season, a->season, b->has_season, b->season)))
		return c;
	if ((c = cmp_i64(a->has_episode, a->episode, b->has_episode, b->episode)))
		return c;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if ((c = cmp_str_small(a->ids[k], b->ids[k])))
			return c;
		if ((c = cmp_str_small(a->show_ids[k], b->show_ids[k])))
			return c;
	}
	if ((c = cmp_i64(a->has_duration_ms, a->duration_ms, b->has_duration_ms, b->duration_ms)))
		return c;
	if ((c = cmp_f64(a->has_progress_percent, a->progress_percent, b->has_progress_percent,
			 b->progress_percent)))
		return c;
	return cmp_i64(a->has_played, a->played, b->has_played, b->played);
}
