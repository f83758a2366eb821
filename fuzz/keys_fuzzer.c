/* Fuzz target: provider ids and canonical keys (SPEC §2, KEY-01..07):
 * cwp_id_kind_from_name, cwp_id_normalize, cwp_record_key, cwp_record_tokens
 * and cwp_record_prefer, on records built from arbitrary provider ids.
 *
 * Input layout (fuzz_reader): a provider-id name; then three records, each a
 * type byte, a title, year/season/episode, one raw value per id kind and per
 * show id kind (normalized by cwp_id_normalize, as a decoder does), progress
 * fields and an item id; then a key buffer size. Checks: normalized ids have
 * the KEY-02 shape and are idempotent; absent words are absent (KEY-01); a key
 * never overflows a buffer of any size and is the same in every buffer that
 * holds it; a movie key is its best id (KEY-03/04) or the title form; an
 * episode key starts with its best show id, else own id (KEY-05); tokens are
 * well formed, a movie has one per id, and a non-zero callback return stops
 * the walk; cwp_record_prefer is a total order (antisymmetric, transitive) so
 * duplicate selection never depends on input order (KEY-07). */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cwp/record.h"
#include "fuzz_util.h"

#define NREC 3

typedef struct built {
	cwp_record rec;
	char *title;
	char *item_id;
	char ids[2][CWP_ID_COUNT][CWP_ID_MAX];
} built;

static int eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t i;
	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++) {
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

static int is_absent_word(const char *s, size_t len)
{
	static const char *const words[] = {"", "0", "none", "null", "nan", "undefined", "unknown"};
	size_t i;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (eq_nocase(s, len, words[i]))
			return 1;
	}
	return 0;
}

/* KEY-01/02 on one raw value; out must be CWP_ID_MAX bytes. */
static size_t normalize_checked(cwp_id_kind kind, const char *value, size_t len, char *out)
{
	char *exact = fuzz_dup_exact(value, len);
	char *out2 = malloc(CWP_ID_MAX);
	size_t n, n2, i;

	if (!out2)
		abort();
	n = cwp_id_normalize(kind, exact, len, out);
	FUZZ_CHECK(n < CWP_ID_MAX, "normalized length %zu", n);
	FUZZ_CHECK(strlen(out) == n, "normalize returned %zu but wrote %zu chars", n, strlen(out));
	if (is_absent_word(value, len))
		FUZZ_CHECK(n == 0, "absent word '%.*s' normalized to '%s'", (int)len, value, out);
	if (n > 0) {
		if (kind == CWP_ID_IMDB) {
			FUZZ_CHECK(n > 2 && out[0] == 't' && out[1] == 't', "imdb id '%s'", out);
			for (i = 2; i < n; i++)
				FUZZ_CHECK(isdigit((unsigned char)out[i]), "imdb id '%s'", out);
		} else {
			FUZZ_CHECK(out[0] != '0', "numeric id '%s' keeps a leading zero", out);
			for (i = 0; i < n; i++)
				FUZZ_CHECK(isdigit((unsigned char)out[i]), "numeric id '%s'", out);
		}
		/* Idempotent: a normalized value normalizes to itself. */
		n2 = cwp_id_normalize(kind, out, n, out2);
		FUZZ_CHECK(n2 == n && strcmp(out, out2) == 0, "normalize('%s') = '%s'", out, out2);
	}
	free(out2);
	free(exact);
	return n;
}

static void build_record(built *b, fuzz_reader *r)
{
	size_t len;
	int pass, k;

	memset(b, 0, sizeof(*b));
	b->rec.type = (cwp_media_type)fuzz_below(r, 4); /* 3: not a type */
	b->title = fuzz_string(r, 600, NULL);
	b->rec.title = fuzz_bool(r) ? b->title : NULL;
	b->rec.has_year = fuzz_bool(r);
	b->rec.year = (int32_t)fuzz_u32(r);
	b->rec.has_season = fuzz_bool(r);
	b->rec.season = fuzz_bool(r) ? (int32_t)fuzz_u32(r) : (int32_t)fuzz_below(r, 120);
	b->rec.has_episode = fuzz_bool(r);
	b->rec.episode = fuzz_bool(r) ? (int32_t)fuzz_u32(r) : (int32_t)fuzz_below(r, 120);
	for (pass = 0; pass < 2; pass++) {
		uint32_t present = fuzz_u8(r) | ((uint32_t)fuzz_u8(r) << 8);
		for (k = 0; k < CWP_ID_COUNT; k++) {
			char *raw;
			if (!(present & (1u << k)))
				continue;
			raw = fuzz_string(r, 48, &len);
			if (normalize_checked((cwp_id_kind)k, raw, len, b->ids[pass][k]) > 0) {
				if (pass == 0)
					b->rec.ids[k] = b->ids[pass][k];
				else
					b->rec.show_ids[k] = b->ids[pass][k];
			}
			free(raw);
		}
	}
	b->rec.has_progress_ms = fuzz_bool(r);
	b->rec.progress_ms = (int64_t)(fuzz_u32(r) % 100000000u);
	b->rec.has_duration_ms = fuzz_bool(r);
	b->rec.duration_ms = (int64_t)(fuzz_u32(r) % 100000000u);
	b->rec.has_progress_percent = fuzz_bool(r);
	{
		uint64_t bits = fuzz_u64(r);
		double d;
		memcpy(&d, &bits, sizeof(d));
		b->rec.progress_percent = (bits & 1) ? d : (double)(bits % 10001) / 100.0;
	}
	b->rec.has_progress_at = fuzz_bool(r);
	b->rec.progress_at = (int64_t)fuzz_u64(r);
	b->rec.has_played = fuzz_bool(r);
	b->rec.played = fuzz_bool(r);
	b->item_id = fuzz_string(r, 8, NULL);
	b->rec.item_id = fuzz_bool(r) ? b->item_id : NULL;
}

typedef struct tokens {
	size_t count, stop_after;
	const char *want; /* a token that must be seen, or NULL */
	int seen_want;
} tokens;

static int on_token(void *ud, const char *tok, size_t len)
{
	tokens *t = ud;
	FUZZ_CHECK(len > 0 && len < CWP_KEY_MAX, "token length %zu", len);
	FUZZ_CHECK(strlen(tok) == len, "token length %zu but strlen %zu", len, strlen(tok));
	FUZZ_CHECK(strchr(tok, ':') != NULL, "token '%s' has no name:value", tok);
	if (t->want && strcmp(tok, t->want) == 0)
		t->seen_want = 1;
	t->count++;
	return t->count == t->stop_after ? 4242 : 0;
}

static int best(const char *const ids[CWP_ID_COUNT])
{
	int k;
	for (k = 0; k < CWP_ID_COUNT; k++) {
		if (ids[k] && ids[k][0])
			return k;
	}
	return -1;
}

static void check_key(const cwp_record *rec, size_t keysz)
{
	char full[CWP_KEY_MAX], want[CWP_KEY_MAX + 32];
	char *small = malloc(keysz ? keysz : 1);
	int rc, rc_small, k, n_ids = 0;
	tokens t = {0, 0, NULL, 0};

	if (!small)
		abort();
	rc = cwp_record_key(full, sizeof(full), rec);
	if (rec->type != CWP_TYPE_MOVIE && rec->type != CWP_TYPE_EPISODE)
		FUZZ_CHECK(rc == CWP_EINVAL, "key of type %d gave %d", (int)rec->type, rc);
	else
		FUZZ_CHECK(rc == CWP_OK || rc == CWP_ERANGE, "cwp_record_key gave %d", rc);
	if (rc == CWP_OK) {
		FUZZ_CHECK(full[0] != '\0' && strlen(full) < sizeof(full), "empty key");
		if (rec->type == CWP_TYPE_MOVIE) {
			k = best(rec->ids);
			if (k >= 0)
				snprintf(want, sizeof(want), "%s:%s", cwp_id_name((cwp_id_kind)k),
					 rec->ids[k]);
			else
				snprintf(want, sizeof(want), "movie|title:");
			FUZZ_CHECK(k >= 0 ? strcmp(full, want) == 0
					  : strncmp(full, want, strlen(want)) == 0,
				   "movie key '%s', expected '%s'", full, want);
		} else {
			k = best(rec->show_ids);
			if (k >= 0 && rec->has_season && rec->has_episode) {
				snprintf(want, sizeof(want), "%s:%s#s", cwp_id_name((cwp_id_kind)k),
					 rec->show_ids[k]);
				FUZZ_CHECK(strncmp(full, want, strlen(want)) == 0,
					   "episode key '%s' does not start with its show id '%s'",
					   full, want);
			}
			if (rec->has_season && rec->has_episode && rec->season >= 0 &&
			    rec->season < 100 && rec->episode >= 0 && rec->episode < 100 &&
			    (k >= 0 || best(rec->ids) >= 0)) {
				snprintf(want, sizeof(want), "#s%02de%02d", (int)rec->season,
					 (int)rec->episode);
				FUZZ_CHECK(strlen(full) > 7 &&
					       strcmp(full + strlen(full) - 7, want) == 0,
					   "episode key '%s' does not end with '%s'", full, want);
			}
		}
	}

	/* Any buffer size: no overflow, the same key whenever it fits. */
	rc_small = cwp_record_key(small, keysz, rec);
	if (rc_small == CWP_OK) {
		FUZZ_CHECK(rc == CWP_OK && strlen(small) < keysz && strcmp(small, full) == 0,
			   "key in %zu bytes '%s' differs from '%s'", keysz, small, full);
	} else if (rc == CWP_OK && keysz > strlen(full)) {
		FUZZ_CHECK(0, "key '%s' refused in %zu bytes (%d)", full, keysz, rc_small);
	}
	free(small);

	/* Tokens: well formed; movies have one per id, including the key. */
	for (k = 0; k < CWP_ID_COUNT; k++)
		n_ids += rec->ids[k] && rec->ids[k][0];
	if (rec->type == CWP_TYPE_MOVIE && rc == CWP_OK && best(rec->ids) >= 0)
		t.want = full;
	rc = cwp_record_tokens(rec, on_token, &t);
	FUZZ_CHECK(rc == 0, "cwp_record_tokens gave %d", rc);
	if (rec->type == CWP_TYPE_MOVIE)
		FUZZ_CHECK(t.count == (size_t)n_ids, "movie with %d ids has %zu tokens", n_ids,
			   t.count);
	if (t.want)
		FUZZ_CHECK(t.seen_want, "movie key '%s' is not among its tokens", full);
	if (t.count > 0) {
		tokens s = {0, 1 + keysz % t.count, NULL, 0};
		rc = cwp_record_tokens(rec, on_token, &s);
		FUZZ_CHECK(rc == 4242 && s.count == s.stop_after,
			   "a stopping callback gave %d after %zu tokens", rc, s.count);
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_reader r = {data, size};
	built recs[NREC];
	char *name;
	size_t len, keysz;
	int kind, i, j, l;

	name = fuzz_string(&r, 24, &len);
	{
		char *exact = fuzz_dup_exact(name, len);
		kind = cwp_id_kind_from_name(exact, len);
		free(exact);
	}
	FUZZ_CHECK(kind >= -1 && kind < CWP_ID_COUNT, "kind %d", kind);
	if (kind >= 0)
		FUZZ_CHECK(eq_nocase(name, len, cwp_id_name((cwp_id_kind)kind)),
			   "'%.*s' named kind %s", (int)len, name, cwp_id_name((cwp_id_kind)kind));
	for (i = 0; i < CWP_ID_COUNT; i++) {
		if (eq_nocase(name, len, cwp_id_name((cwp_id_kind)i)))
			FUZZ_CHECK(kind == i, "'%.*s' not recognised as %s", (int)len, name,
				   cwp_id_name((cwp_id_kind)i));
	}
	free(name);

	for (i = 0; i < NREC; i++)
		build_record(&recs[i], &r);
	keysz = fuzz_u8(&r) % 8 ? fuzz_u8(&r) : (size_t)fuzz_u32(&r) % (CWP_KEY_MAX + 16);

	for (i = 0; i < NREC; i++)
		check_key(&recs[i].rec, keysz);

	/* KEY-07: a total order, whatever the fields. */
	for (i = 0; i < NREC; i++) {
		FUZZ_CHECK(cwp_record_prefer(&recs[i].rec, &recs[i].rec) == 0, "prefer(a, a) != 0");
		for (j = 0; j < NREC; j++) {
			int ab = sign(cwp_record_prefer(&recs[i].rec, &recs[j].rec));
			int ba = sign(cwp_record_prefer(&recs[j].rec, &recs[i].rec));
			FUZZ_CHECK(ab == -ba, "prefer(%d,%d)=%d but prefer(%d,%d)=%d", i, j, ab, j,
				   i, ba);
			for (l = 0; l < NREC; l++) {
				int bc = sign(cwp_record_prefer(&recs[j].rec, &recs[l].rec));
				int ac = sign(cwp_record_prefer(&recs[i].rec, &recs[l].rec));
				if (ab > 0 && bc > 0)
					FUZZ_CHECK(ac > 0, "prefer is not transitive (%d>%d>%d)", i,
						   j, l);
			}
		}
	}
	for (i = 0; i < NREC; i++) {
		free(recs[i].title);
		free(recs[i].item_id);
	}
	return 0;
}
