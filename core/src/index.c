/* Progress indexes (records by canonical key, KEY-07 duplicates, item ids of
 * multi-version items) and matching of a destination into a source (KEY-06).
 *
 * Sized for a million records per index: records live in fixed chunks (their
 * addresses never move, so returned pointers stay valid), strings in an arena,
 * and keys in an open-addressing table of 64-bit slots (a 32-bit hash tag and
 * the entry number), so a lookup touches one record only when the tag
 * matches. Key order is kept for free while records arrive in key order
 * (files this project writes are sorted); otherwise it is computed once, on
 * the first ordered access after a change. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "hash.h"
#include "index_internal.h"

#define ENTRY_CHUNK_SHIFT 12
#define ENTRY_CHUNK       (1u << ENTRY_CHUNK_SHIFT)
#define MAX_ENTRIES       (UINT32_MAX - 1u)
#define MIN_SLOTS         1024u

struct entry {
	cwp_record rec;
	/* Every distinct item id seen under the key, sorted. NULL while that
	 * list is just {rec.item_id} (or empty): the common single-version case
	 * costs no allocation. */
	const char **ids;
	uint32_t n_ids, cap_ids;
};

struct cwp_index {
	cwp__arena arena; /* every string and item-id array */
	struct entry **chunks;
	size_t nchunks, chunks_cap;
	size_t count;
	uint64_t *slots; /* 0 = empty, else (tag << 32) | (entry + 1) */
	size_t mask;
	const char *last_key; /* key of the last new entry */
	bool in_order;        /* entries were created in strictly increasing key order */
	uint32_t *order;      /* key order when !in_order and order_valid */
	bool order_valid;
	/* The strings of the last stored record: episodes of one show arrive
	 * together and repeat its title and show ids, so equal strings are
	 * shared instead of copied (arena strings never change). */
	const char *last_title;
	const char *last_show_ids[CWP_ID_COUNT];
};

static struct entry *entry_get(const cwp_index *idx, size_t i)
{
	return &idx->chunks[i >> ENTRY_CHUNK_SHIFT][i & (ENTRY_CHUNK - 1)];
}

static uint64_t key_hash(const char *key, size_t len)
{
	return cwp__hash_final(cwp__hash_bytes(CWP__HASH_SEED, key, len));
}

int cwp_index_new(cwp_index **out)
{
	cwp_index *idx;

	if (!out)
		return cwp_error_set(CWP_EINVAL, "cwp_index_new: no output pointer");
	*out = NULL;
	idx = calloc(1, sizeof(*idx));
	if (!idx)
		goto nomem;
	idx->slots = calloc(MIN_SLOTS, sizeof(*idx->slots));
	if (!idx->slots)
		goto nomem;
	idx->mask = MIN_SLOTS - 1;
	idx->in_order = true;
	*out = idx;
	return CWP_OK;
nomem:
	free(idx);
	return cwp_error_set(CWP_ENOMEM, "index: out of memory");
}

void cwp_index_free(cwp_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->nchunks; i++)
		free(idx->chunks[i]);
	free(idx->chunks);
	free(idx->slots);
	free(idx->order);
	cwp__arena_free(&idx->arena);
	free(idx);
}

size_t cwp_index_size(const cwp_index *idx)
{
	return idx ? idx->count : 0;
}

/* The entry number of key, or -1. */
static long find(const cwp_index *idx, const char *key, uint64_t h)
{
	uint32_t tag = (uint32_t)(h >> 32);
	for (size_t s = h & idx->mask;; s = (s + 1) & idx->mask) {
		uint64_t slot = idx->slots[s];
		if (slot == 0)
			return -1;
		if ((uint32_t)(slot >> 32) != tag)
			continue;
		size_t e = (size_t)(uint32_t)slot - 1;
		if (strcmp(entry_get(idx, e)->rec.key, key) == 0)
			return (long)e;
	}
}

static void slot_insert(uint64_t *slots, size_t mask, uint64_t h, size_t e)
{
	size_t s = h & mask;
	while (slots[s] != 0)
		s = (s + 1) & mask;
	slots[s] = (h >> 32 << 32) | (uint64_t)(e + 1);
}

/* Keep the load factor at or under 1/2 for short probes. */
static int grow_slots(cwp_index *idx)
{
	size_t cap = (idx->mask + 1) * 2;
	if (cap > SIZE_MAX / sizeof(uint64_t))
		return CWP_ENOMEM;
	uint64_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return CWP_ENOMEM;
	for (size_t e = 0; e < idx->count; e++) {
		const char *k = entry_get(idx, e)->rec.key;
		slot_insert(slots, cap - 1, key_hash(k, strlen(k)), e);
	}
	free(idx->slots);
	idx->slots = slots;
	idx->mask = cap - 1;
	return CWP_OK;
}

static int ensure_room(cwp_index *idx)
{
	if (idx->count >= MAX_ENTRIES)
		return cwp_error_set(CWP_ERANGE, "index: more than %u records", MAX_ENTRIES);
	if ((idx->count + 1) * 2 > idx->mask + 1 && grow_slots(idx) != CWP_OK)
		return cwp_error_set(CWP_ENOMEM, "index: out of memory");
	if ((idx->count >> ENTRY_CHUNK_SHIFT) >= idx->nchunks) {
		if (idx->nchunks == idx->chunks_cap) {
			size_t cap = idx->chunks_cap ? idx->chunks_cap * 2 : 16;
			struct entry **c = realloc(idx->chunks, cap * sizeof(*c));
			if (!c)
				return cwp_error_set(CWP_ENOMEM, "index: out of memory");
			idx->chunks = c;
			idx->chunks_cap = cap;
		}
		struct entry *chunk = malloc(ENTRY_CHUNK * sizeof(*chunk));
		if (!chunk)
			return cwp_error_set(CWP_ENOMEM, "index: out of memory");
		idx->chunks[idx->nchunks++] = chunk;
	}
	return CWP_OK;
}

static int copy_str(cwp_index *idx, const char **dst, const char *src)
{
	if (!src) {
		*dst = NULL;
		return CWP_OK;
	}
	*dst = cwp__arena_strndup(&idx->arena, src, strlen(src));
	return *dst ? CWP_OK : CWP_ENOMEM;
}

/* A copy of r whose strings live in the arena. The key is stored as `key`
 * (already an arena string, or copied when key_is_arena is false). An empty
 * id value is stored as NULL (no id). */
/* src as an arena string, sharing *last when it is equal. */
static int copy_shared(cwp_index *idx, const char **dst, const char *src, const char **last)
{
	if (src && *last && strcmp(src, *last) == 0) {
		*dst = *last;
		return CWP_OK;
	}
	int rc = copy_str(idx, dst, src);
	if (rc == CWP_OK && *dst)
		*last = *dst;
	return rc;
}

/* The id value as the tail of the key when the key is exactly
 * "<name>:<value>" (a movie's key names its best id), else NULL. */
static const char *id_in_key(const char *key, cwp_id_kind k, const char *value)
{
	const char *name = cwp_id_name(k);
	size_t n = strlen(name);
	if (strncmp(key, name, n) == 0 && key[n] == ':' && strcmp(key + n + 1, value) == 0)
		return key + n + 1;
	return NULL;
}

static int copy_record(cwp_index *idx, cwp_record *out, const cwp_record *r, const char *key,
		       bool key_is_arena)
{
	cwp_record c = *r;
	int rc = CWP_OK;

	if (key_is_arena)
		c.key = key;
	else if ((rc = copy_str(idx, &c.key, key)) != CWP_OK)
		return rc;
	if ((rc = copy_shared(idx, &c.title, r->title, &idx->last_title)) != CWP_OK ||
	    (rc = copy_str(idx, &c.item_id, r->item_id)) != CWP_OK)
		return rc;
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		const char *v = r->ids[k], *s = r->show_ids[k];
		c.ids[k] = NULL;
		if (v && v[0] && !(c.ids[k] = id_in_key(c.key, (cwp_id_kind)k, v)) &&
		    (rc = copy_str(idx, &c.ids[k], v)) != CWP_OK)
			return rc;
		if ((rc = copy_shared(idx, &c.show_ids[k], s && s[0] ? s : NULL,
				      &idx->last_show_ids[k])) != CWP_OK)
			return rc;
	}
	*out = c;
	return CWP_OK;
}

/* The item-id list of e (see struct entry). */
static size_t entry_ids(const struct entry *e, const char *const **out)
{
	if (e->ids) {
		*out = e->ids;
		return e->n_ids;
	}
	*out = e->rec.item_id ? &e->rec.item_id : NULL;
	return e->rec.item_id ? 1 : 0;
}

/* Give e an explicit item-id array with room for `need` ids. */
static int ids_reserve(cwp_index *idx, struct entry *e, size_t need)
{
	const char *const *cur;
	size_t n = entry_ids(e, &cur);

	if (e->ids && need <= e->cap_ids)
		return CWP_OK;
	size_t cap = e->cap_ids ? (size_t)e->cap_ids * 2 : 4;
	while (cap < need)
		cap *= 2;
	if (cap > UINT32_MAX)
		return CWP_ERANGE;
	const char **a = cwp__arena_alloc(&idx->arena, cap * sizeof(*a), sizeof(void *));
	if (!a)
		return CWP_ENOMEM;
	for (size_t i = 0; i < n; i++)
		a[i] = cur[i];
	e->ids = a;
	e->n_ids = (uint32_t)n;
	e->cap_ids = (uint32_t)cap;
	return CWP_OK;
}

/* APPLY-06: remember item_id under e (sorted, distinct). */
static int add_item_id(cwp_index *idx, struct entry *e, const char *item_id)
{
	const char *const *cur;
	size_t n = entry_ids(e, &cur), pos = 0;
	int rc;

	if (!item_id)
		return CWP_OK;
	while (pos < n) {
		int c = strcmp(cur[pos], item_id);
		if (c == 0)
			return CWP_OK;
		if (c > 0)
			break;
		pos++;
	}
	if ((rc = ids_reserve(idx, e, n + 1)) != CWP_OK)
		return rc;
	const char *copy = cwp__arena_strndup(&idx->arena, item_id, strlen(item_id));
	if (!copy)
		return CWP_ENOMEM;
	memmove(&e->ids[pos + 1], &e->ids[pos], (n - pos) * sizeof(e->ids[0]));
	e->ids[pos] = copy;
	e->n_ids = (uint32_t)(n + 1);
	return CWP_OK;
}

static int put_new(cwp_index *idx, const cwp_record *rec, const char *key, uint64_t h)
{
	int rc = ensure_room(idx);
	if (rc != CWP_OK)
		return rc;
	struct entry *e = entry_get(idx, idx->count);
	if ((rc = copy_record(idx, &e->rec, rec, key, false)) != CWP_OK)
		return cwp_error_set(rc, "index: out of memory");
	e->ids = NULL;
	e->n_ids = e->rec.item_id ? 1 : 0;
	e->cap_ids = 0;
	slot_insert(idx->slots, idx->mask, h, idx->count);
	if (idx->in_order && idx->last_key && strcmp(idx->last_key, e->rec.key) >= 0)
		idx->in_order = false;
	idx->last_key = e->rec.key;
	idx->order_valid = false;
	idx->count++;
	return CWP_OK;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* KEY-07: keep the preferred record, remember every item id. */
static int put_merge(cwp_index *idx, struct entry *e, const cwp_record *rec)
{
	cwp_record r = *rec, copy;
	int rc;

	r.key = e->rec.key; /* compare like with like: the keys are equal */
	if ((rc = add_item_id(idx, e, r.item_id)) != CWP_OK)
		goto done;
	if (cwp_record_prefer(&r, &e->rec) <= 0)
		goto done;
	if (!e->ids && !same_str(r.item_id, e->rec.item_id) &&
	    (rc = ids_reserve(idx, e, e->n_ids)) != CWP_OK)
		goto done;
	if ((rc = copy_record(idx, &copy, &r, e->rec.key, true)) != CWP_OK)
		goto done;
	e->rec = copy;
done:
	if (rc != CWP_OK)
		return cwp_error_set(rc, "index: out of memory");
	return CWP_OK;
}

int cwp__index_put(cwp_index *idx, const cwp_record *rec, const char **stored_key)
{
	char buf[CWP_KEY_MAX];
	const char *key;
	int rc;

	if (!idx || !rec)
		return cwp_error_set(CWP_EINVAL, "cwp_index_put: no index or record");
	if (rec->type != CWP_TYPE_MOVIE && rec->type != CWP_TYPE_EPISODE)
		return cwp_error_set(CWP_EINVAL, "index: a record must be a movie or an episode");
	key = rec->key;
	if (!key) {
		if ((rc = cwp_record_key(buf, sizeof(buf), rec)) != CWP_OK)
			return cwp_error_set(rc,
					     "index: the record's canonical key is longer than %d "
					     "bytes",
					     CWP_KEY_MAX - 1);
		key = buf;
	}
	uint64_t h = key_hash(key, strlen(key));
	long e = find(idx, key, h);
	if (e < 0) {
		rc = put_new(idx, rec, key, h);
		e = (long)idx->count - 1;
	} else {
		rc = put_merge(idx, entry_get(idx, (size_t)e), rec);
	}
	if (rc == CWP_OK && stored_key)
		*stored_key = entry_get(idx, (size_t)e)->rec.key;
	return rc;
}

int cwp_index_put(cwp_index *idx, const cwp_record *rec)
{
	return cwp__index_put(idx, rec, NULL);
}

void cwp__index_prefetch(const cwp_index *idx, const char *key)
{
	if (idx && key)
		__builtin_prefetch(&idx->slots[key_hash(key, strlen(key)) & idx->mask]);
}

int cwp__index_add_item_id(cwp_index *idx, const char *key, const char *item_id)
{
	if (!idx || !key)
		return CWP_EINVAL;
	long e = find(idx, key, key_hash(key, strlen(key)));
	if (e < 0)
		return CWP_ENOTFOUND;
	if (add_item_id(idx, entry_get(idx, (size_t)e), item_id) != CWP_OK)
		return cwp_error_set(CWP_ENOMEM, "index: out of memory");
	return CWP_OK;
}

const cwp_record *cwp_index_get(const cwp_index *idx, const char *key)
{
	if (!idx || !key)
		return NULL;
	long e = find(idx, key, key_hash(key, strlen(key)));
	return e < 0 ? NULL : &entry_get(idx, (size_t)e)->rec;
}

size_t cwp_index_item_ids(const cwp_index *idx, const char *key, const char *const **out)
{
	const char *const *ids = NULL;
	size_t n = 0;

	if (idx && key) {
		long e = find(idx, key, key_hash(key, strlen(key)));
		if (e >= 0)
			n = entry_ids(entry_get(idx, (size_t)e), &ids);
	}
	if (out)
		*out = n ? ids : NULL;
	return n;
}

/* ---- Key order -------------------------------------------------------- */

/* The first 8 key bytes, big-endian, zero-padded: comparing two prefixes
 * as integers orders them like strcmp, so most comparisons never touch the
 * records. */
struct sort_item {
	uint64_t prefix;
	const char *key;
	uint32_t entry;
};

static int cmp_sort_item(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	if ((a->prefix & 0xff) == 0)
		return 0; /* both strings ended inside the prefix: equal */
	return strcmp(a->key + 8, b->key + 8);
}

static int ensure_order(const cwp_index *cidx)
{
	cwp_index *idx = (cwp_index *)cidx; /* the order is a cache */
	struct sort_item *items = NULL;
	int rc = CWP_OK;

	if (idx->in_order || idx->order_valid)
		return CWP_OK;
	free(idx->order);
	idx->order = malloc((idx->count ? idx->count : 1) * sizeof(*idx->order));
	items = malloc((idx->count ? idx->count : 1) * sizeof(*items));
	if (!idx->order || !items) {
		rc = cwp_error_set(CWP_ENOMEM, "index: out of memory");
		goto done;
	}
	for (size_t i = 0; i < idx->count; i++) {
		const char *k = entry_get(idx, i)->rec.key;
		uint64_t p = 0;
		size_t j = 0;
		for (; j < 8 && k[j]; j++)
			p = p << 8 | (unsigned char)k[j];
		p <<= 8 * (8 - j);
		items[i].prefix = p;
		items[i].key = k;
		items[i].entry = (uint32_t)i;
	}
	qsort(items, idx->count, sizeof(*items), cmp_sort_item);
	for (size_t i = 0; i < idx->count; i++)
		idx->order[i] = items[i].entry;
	idx->order_valid = true;
done:
	if (rc != CWP_OK) {
		free(idx->order);
		idx->order = NULL;
	}
	free(items);
	return rc;
}

/* Entry number of the i-th record in key order (ensure_order first). */
static size_t entry_at(const cwp_index *idx, size_t i)
{
	return idx->in_order ? i : idx->order[i];
}

const cwp_record *cwp_index_at(const cwp_index *idx, size_t i)
{
	if (!idx || i >= idx->count || ensure_order(idx) != CWP_OK)
		return NULL;
	return &entry_get(idx, entry_at(idx, i))->rec;
}

/* ---- Matching (KEY-06) ------------------------------------------------ */

struct cwp_match {
	const cwp_index *dst;
	const cwp_record **dst_for_src; /* by source key order */
	size_t n_src;
	unsigned char *used; /* by destination entry number */
};

/* Tokens are namespaced by media type: a movie's "tmdb:65" and an episode's
 * "tmdb:65" are different tokens, so they never match or collide. */
static uint64_t token_hash(cwp_media_type type, const char *tok, size_t len)
{
	uint64_t h = cwp__hash_bytes(CWP__HASH_SEED ^ (uint64_t)type, tok, len);
	h = cwp__hash_final(h);
	return h ? h : 1; /* 0 marks an empty slot */
}

/* An open-addressing table of token hashes with an owner per token. */
struct token_slot {
	uint64_t h;     /* 0 = empty */
	uint32_t entry; /* the destination entry claiming the token */
	uint32_t ambiguous;
};

struct token_table {
	struct token_slot *slots;
	size_t mask;
};

static int table_init(struct token_table *t, size_t n)
{
	size_t cap = 16;
	while (cap < n * 2 + 1)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->mask = cap - 1;
	return t->slots ? CWP_OK : CWP_ENOMEM;
}

struct has_token {
	const char *tok;
	size_t len;
};

static int token_equals(void *ud, const char *token, size_t len)
{
	const struct has_token *want = ud;
	return len == want->len && memcmp(token, want->tok, len) == 0;
}

/* Whether r has the token: hashes only say "maybe". */
static bool record_has_token(const cwp_record *r, const char *tok, size_t len)
{
	struct has_token want = {tok, len};
	return cwp_record_tokens(r, token_equals, &want) == 1;
}

/* A one-hash bit filter in front of the wanted table: most destination
 * tokens are not wanted, and a bit array that fits in cache says so without
 * a cache miss per token. */
struct token_filter {
	uint64_t *bits;
	size_t mask; /* number of bits - 1 */
};

static int filter_init(struct token_filter *f, size_t n)
{
	size_t nbits = 1024;
	while (nbits < n * 16)
		nbits *= 2;
	f->bits = calloc(nbits / 64, sizeof(uint64_t));
	f->mask = nbits - 1;
	return f->bits ? CWP_OK : CWP_ENOMEM;
}

static size_t filter_bit(const struct token_filter *f, uint64_t h)
{
	return (size_t)(h >> 20) & f->mask; /* bits the table index does not use first */
}

static void filter_add(struct token_filter *f, uint64_t h)
{
	size_t b = filter_bit(f, h);
	f->bits[b / 64] |= UINT64_C(1) << (b % 64);
}

static bool filter_maybe(const struct token_filter *f, uint64_t h)
{
	size_t b = filter_bit(f, h);
	return (f->bits[b / 64] >> (b % 64)) & 1;
}

struct build_ctx {
	const cwp_index *dst;
	const struct token_filter *filter;
	struct token_table *wanted; /* token hashes some pending source record has */
	struct token_table *claims; /* token → destination entry */
	uint32_t entry;
	const cwp_record *rec;
	size_t claimed;
};

static bool wanted_has(const struct token_table *t, uint64_t h)
{
	for (size_t s = h & t->mask; t->slots[s].h; s = (s + 1) & t->mask) {
		if (t->slots[s].h == h)
			return true;
	}
	return false;
}

static void wanted_add(struct token_table *t, uint64_t h)
{
	size_t s = h & t->mask;
	for (; t->slots[s].h; s = (s + 1) & t->mask) {
		if (t->slots[s].h == h)
			return;
	}
	t->slots[s].h = h;
}

static int claim_token(void *ud, const char *tok, size_t len)
{
	struct build_ctx *c = ud;
	uint64_t h = token_hash(c->rec->type, tok, len);
	struct token_table *t = c->claims;
	size_t s = h & t->mask;

	if (!filter_maybe(c->filter, h) || !wanted_has(c->wanted, h))
		return 0;
	for (; t->slots[s].h; s = (s + 1) & t->mask) {
		struct token_slot *slot = &t->slots[s];
		if (slot->h != h)
			continue;
		if (slot->entry == c->entry)
			return 0; /* this record names the token twice */
		if (record_has_token(&entry_get(c->dst, slot->entry)->rec, tok, len)) {
			slot->ambiguous = 1; /* claimed by two different records */
			return 0;
		}
		/* a hash collision between different tokens: probe on */
	}
	if (c->claimed * 2 >= t->mask)
		return CWP_ERANGE; /* cannot happen: the table is sized for every wanted token */
	t->slots[s].h = h;
	t->slots[s].entry = c->entry;
	t->slots[s].ambiguous = 0;
	c->claimed++;
	return 0;
}

struct want_ctx {
	struct token_table *wanted;
	struct token_filter *filter;
	cwp_media_type type;
};

static int want_token(void *ud, const char *tok, size_t len)
{
	struct want_ctx *c = ud;
	uint64_t h = token_hash(c->type, tok, len);
	wanted_add(c->wanted, h);
	filter_add(c->filter, h);
	return 0;
}

static int count_token(void *ud, const char *tok, size_t len)
{
	(void)tok;
	(void)len;
	(*(size_t *)ud)++;
	return 0;
}

struct resolve_ctx {
	const cwp_index *dst;
	const struct token_table *claims;
	const cwp_record *src;
	long found; /* destination entry, or -1 */
};

static int resolve_token(void *ud, const char *tok, size_t len)
{
	struct resolve_ctx *c = ud;
	const struct token_table *t = c->claims;
	uint64_t h = token_hash(c->src->type, tok, len);

	for (size_t s = h & t->mask; t->slots[s].h; s = (s + 1) & t->mask) {
		const struct token_slot *slot = &t->slots[s];
		if (slot->h != h ||
		    !record_has_token(&entry_get(c->dst, slot->entry)->rec, tok, len))
			continue;
		if (slot->ambiguous)
			return 0; /* not used: try the next token */
		c->found = (long)slot->entry;
		return 1;
	}
	return 0;
}

/* Alias matching for the source records the exact key did not match. */
static int match_tokens(cwp_match *m, const cwp_index *src, const cwp_index *dst,
			const size_t *pending, size_t npending)
{
	struct token_table wanted = {NULL, 0}, claims = {NULL, 0};
	struct token_filter filter = {NULL, 0};
	size_t ntok = 0;
	int rc = CWP_OK;

	for (size_t i = 0; i < npending; i++)
		cwp_record_tokens(&entry_get(src, entry_at(src, pending[i]))->rec, count_token,
				  &ntok);
	if (ntok == 0)
		goto done;
	if (table_init(&wanted, ntok) != CWP_OK || table_init(&claims, ntok) != CWP_OK ||
	    filter_init(&filter, ntok) != CWP_OK) {
		rc = CWP_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < npending; i++) {
		const cwp_record *r = &entry_get(src, entry_at(src, pending[i]))->rec;
		struct want_ctx wc = {&wanted, &filter, r->type};
		cwp_record_tokens(r, want_token, &wc);
	}
	/* Only tokens some pending source record has can matter, so the table
	 * holds those, not every token of the destination. */
	struct build_ctx bc = {dst, &filter, &wanted, &claims, 0, NULL, 0};
	for (size_t e = 0; e < dst->count; e++) {
		bc.entry = (uint32_t)e;
		bc.rec = &entry_get(dst, e)->rec;
		if ((rc = cwp_record_tokens(bc.rec, claim_token, &bc)) != CWP_OK)
			goto done;
	}
	for (size_t i = 0; i < npending; i++) {
		struct resolve_ctx rcx = {dst, &claims, NULL, -1};
		rcx.src = &entry_get(src, entry_at(src, pending[i]))->rec;
		cwp_record_tokens(rcx.src, resolve_token, &rcx);
		if (rcx.found >= 0) {
			m->dst_for_src[pending[i]] = &entry_get(dst, (size_t)rcx.found)->rec;
			m->used[rcx.found] = 1;
		}
	}
done:
	free(wanted.slots);
	free(claims.slots);
	free(filter.bits);
	return rc;
}

int cwp_match_new(cwp_match **out, const cwp_index *src, const cwp_index *dst)
{
	cwp_match *m = NULL;
	size_t *pending = NULL, npending = 0;
	int rc = CWP_OK;

	if (!out || !src || !dst)
		return cwp_error_set(CWP_EINVAL, "cwp_match_new: missing argument");
	*out = NULL;
	if ((rc = ensure_order(src)) != CWP_OK || (rc = ensure_order(dst)) != CWP_OK)
		goto done;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	m->dst = dst;
	m->n_src = src->count;
	m->dst_for_src = calloc(src->count ? src->count : 1, sizeof(*m->dst_for_src));
	m->used = calloc(dst->count ? dst->count : 1, 1);
	pending = malloc((src->count ? src->count : 1) * sizeof(*pending));
	if (!m->dst_for_src || !m->used || !pending)
		goto nomem;

	/* The exact key first: one lookup per source record. */
	for (size_t i = 0; i < src->count; i++) {
		const cwp_record *s = &entry_get(src, entry_at(src, i))->rec;
		long e = find(dst, s->key, key_hash(s->key, strlen(s->key)));
		if (e >= 0 && entry_get(dst, (size_t)e)->rec.type == s->type) {
			m->dst_for_src[i] = &entry_get(dst, (size_t)e)->rec;
			m->used[e] = 1;
		} else {
			pending[npending++] = i;
		}
	}
	if (npending > 0 && (rc = match_tokens(m, src, dst, pending, npending)) != CWP_OK) {
		if (rc == CWP_ENOMEM)
			goto nomem;
		rc = cwp_error_set(rc, "match: internal token table error");
		goto done;
	}
	*out = m;
	m = NULL;
	goto done;
nomem:
	rc = cwp_error_set(CWP_ENOMEM, "match: out of memory");
done:
	cwp_match_free(m);
	free(pending);
	return rc;
}

void cwp_match_free(cwp_match *m)
{
	if (!m)
		return;
	free(m->dst_for_src);
	free(m->used);
	free(m);
}

const cwp_record *cwp_match_dst(const cwp_match *m, size_t src_i)
{
	if (!m || src_i >= m->n_src)
		return NULL;
	return m->dst_for_src[src_i];
}

bool cwp_match_dst_used(const cwp_match *m, size_t dst_i)
{
	if (!m || dst_i >= m->dst->count || ensure_order(m->dst) != CWP_OK)
		return false;
	return m->used[entry_at(m->dst, dst_i)] != 0;
}
