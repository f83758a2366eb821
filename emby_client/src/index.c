/* READ-01..05: the resumable index of one user. Pages of
 * /Users/{uid}/Items (per library), then the series of the episodes in
 * batches of <= 100 Ids, then records into a core index (KEY-07 merges). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "client_internal.h"

#define INDEX_FIELDS                                                                      \
	"ProviderIds,RunTimeTicks,ProductionYear,ParentIndexNumber,IndexNumber,SeriesId," \
	"SeriesName,UserDataLastPlayedDate,UserDataPlayCount"

/* A bump allocator for the strings of pending episodes: freed at once. */
typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
} arena_chunk;

typedef struct arena {
	arena_chunk *head;
} arena;

static const char *arena_dup(arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	if (!a->head || a->head->cap - a->head->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		arena_chunk *ch = malloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->next = a->head;
		ch->used = 0;
		ch->cap = cap;
		a->head = ch;
	}
	char *p = a->head->data + a->head->used;
	memcpy(p, s, n);
	a->head->used += n;
	return p;
}

static void arena_free(arena *a)
{
	while (a->head) {
		arena_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}

/* An episode waiting for its series' provider ids. */
typedef struct pending {
	cwp_record rec; /* strings in the arena */
	const char *series_id;
} pending;

typedef struct series_entry {
	const char *id; /* in the arena */
	bool found;
	char buf[CWP_ID_COUNT][CWP_ID_MAX];
	const char *ids[CWP_ID_COUNT];
} series_entry;

typedef struct index_ctx {
	emby_client *c;
	cwp_index *idx;
	cwp_warnings *w;
	arena strings;
	pending *pend;
	size_t n_pend, cap_pend;
	emby_item *item; /* scratch, heap: it is large */
	size_t seen;     /* rows read, all libraries */
} index_ctx;

static int put_record(index_ctx *x, const cwp_record *r)
{
	int rc = cwp_index_put(x->idx, r);
	if (rc == CWP_ENOMEM)
		return emby__fail(x->c, rc, "%s: out of memory building the index", x->c->label);
	if (rc != CWP_OK)
		cwp_warn(x->w, "%s: item %s has no usable key: dropped", x->c->label,
			 r->item_id ? r->item_id : "?");
	return CWP_OK;
}

static int keep_episode(index_ctx *x, const emby_item *it)
{
	if (x->n_pend == x->cap_pend) {
		size_t cap = x->cap_pend ? x->cap_pend * 2 : 256;
		pending *p = realloc(x->pend, cap * sizeof(*p));
		if (!p)
			return emby__fail(x->c, CWP_ENOMEM, "%s: out of memory", x->c->label);
		x->pend = p;
		x->cap_pend = cap;
	}
	pending *p = &x->pend[x->n_pend];
	p->rec = it->rec;
	bool ok = true;
	p->rec.item_id = arena_dup(&x->strings, it->rec.item_id);
	ok = ok && p->rec.item_id;
	if (it->rec.title)
		ok = ok && (p->rec.title = arena_dup(&x->strings, it->rec.title));
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		p->rec.show_ids[k] = NULL;
		if (it->rec.ids[k])
			ok = ok && (p->rec.ids[k] = arena_dup(&x->strings, it->rec.ids[k]));
	}
	p->series_id = NULL;
	if (it->series_id)
		ok = ok && (p->series_id = arena_dup(&x->strings, it->series_id));
	if (!ok)
		return emby__fail(x->c, CWP_ENOMEM, "%s: out of memory", x->c->label);
	x->n_pend++;
	return CWP_OK;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	h ^= 0xff; /* separator */
	h *= UINT64_C(1099511628211);
	return h;
}

static int index_library(index_ctx *x, const char *library)
{
	emby_client *c = x->c;
	emby_xfer xf = {0};
	emby_buf path = {0}, q = {0};
	emby_page page = {0};
	int rc = CWP_OK;
	int64_t start = 0;
	size_t pages = 0, seen = 0;
	uint64_t prev_sig = 0;
	size_t prev_count = 0;

	if (emby__buf_str(&path, "/Users/") != CWP_OK ||
	    emby__buf_escape(&path, c->user_id) != CWP_OK ||
	    emby__buf_str(&path, "/Items") != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (;;) {
		q.len = 0;
		if (emby__buf_printf(&q,
				     "Recursive=true&IncludeItemTypes=Movie,Episode"
				     "&Filters=IsResumable&EnableUserData=true&Fields=" INDEX_FIELDS
				     "&StartIndex=%lld&Limit=%d&EnableTotalRecordCount=true",
				     (long long)start, c->page_size) != CWP_OK ||
		    (library && (emby__buf_str(&q, "&ParentId=") != CWP_OK ||
				 emby__buf_escape(&q, library) != CWP_OK))) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
		rc = emby__get(c, &xf, path.p, q.p);
		if (rc != CWP_OK)
			goto done;
		pages++;
		emby_page_free(&page);
		rc = emby_decode_page(&page, xf.body.p, xf.body.len);
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_EDECODE,
					"%s: GET %s (StartIndex=%lld): HTTP %ld: %s", c->label,
					xf.route, (long long)start, xf.status, cwp_error_last());
			goto done;
		}
		if (page.count == 0)
			break;
		uint64_t sig = UINT64_C(14695981039346656037);
		for (const cJSON *row = page.items->child; row; row = row->next) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
			sig = fnv1a(sig, cJSON_IsString(id) ? id->valuestring : "?");
		}
		if (pages > 1 && sig == prev_sig && page.count == prev_count) {
			rc = emby__fail(
			    c, CWP_EPAGING,
			    "%s: GET %s: paging_loop: the page at StartIndex=%lld repeats "
			    "the previous page",
			    c->label, xf.route, (long long)start);
			goto done;
		}
		prev_sig = sig;
		prev_count = page.count;
		for (const cJSON *row = page.items->child; row; row = row->next) {
			int drc = emby_decode_item(x->item, row, NULL, 0, x->w);
			if (drc != CWP_OK)
				continue; /* not progress, or a bad row (warned) */
			rc = x->item->rec.type == CWP_TYPE_EPISODE ? keep_episode(x, x->item)
								   : put_record(x, &x->item->rec);
			if (rc != CWP_OK)
				goto done;
		}
		seen += page.count;
		x->seen += page.count;
		start += (int64_t)page.count;
		emby__progress(c, "index", x->seen, page.total >= 0 ? (size_t)page.total : x->seen);
		if (page.total >= 0 && (int64_t)seen > page.total) {
			rc = emby__fail(c, CWP_EPAGING,
					"%s: GET %s: paging_loop: %zu items received but "
					"TotalRecordCount says %lld",
					c->label, xf.route, seen, (long long)page.total);
			goto done;
		}
		if (page.count < (size_t)c->page_size)
			break;
		if (page.total >= 0 && start >= page.total)
			break;
		if (page.total >= 0 && (int64_t)pages >= page.total / c->page_size + 2) {
			rc = emby__fail(c, CWP_EPAGING,
					"%s: GET %s: paging_loop: %zu pages read for "
					"TotalRecordCount %lld at Limit %d",
					c->label, xf.route, pages, (long long)page.total,
					c->page_size);
			goto done;
		}
	}
	rc = CWP_OK;
done:
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_series(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const series_entry *)elem)->id);
}

/* READ-03: the series of every pending episode, <= 100 Ids per request. */
static int fetch_series(index_ctx *x, series_entry **out, size_t *n_out)
{
	emby_client *c = x->c;
	int rc = CWP_OK;
	const char **ids = NULL;
	series_entry *tab = NULL;
	size_t n = 0;
	emby_xfer xf = {0};
	emby_buf path = {0}, q = {0};
	emby_page page = {0};

	*out = NULL;
	*n_out = 0;
	if (x->n_pend == 0)
		return CWP_OK;
	ids = malloc(x->n_pend * sizeof(*ids));
	if (!ids) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < x->n_pend; i++)
		if (x->pend[i].series_id)
			ids[n++] = x->pend[i].series_id;
	qsort(ids, n, sizeof(*ids), cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || strcmp(ids[u - 1], ids[i]) != 0)
			ids[u++] = ids[i];
	n = u;
	if (n == 0)
		goto done;
	tab = calloc(n, sizeof(*tab));
	if (!tab) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		tab[i].id = ids[i];
	if (emby__buf_str(&path, "/Users/") != CWP_OK ||
	    emby__buf_escape(&path, c->user_id) != CWP_OK ||
	    emby__buf_str(&path, "/Items") != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	for (size_t b = 0; b < n; b += EMBY__IDS_BATCH) {
		size_t e = b + EMBY__IDS_BATCH < n ? b + EMBY__IDS_BATCH : n;
		q.len = 0;
		rc = emby__buf_str(&q, "Ids=");
		for (size_t i = b; i < e && rc == CWP_OK; i++) {
			if (i > b)
				rc = emby__buf_add(&q, ",", 1);
			if (rc == CWP_OK)
				rc = emby__buf_escape(&q, tab[i].id);
		}
		if (rc == CWP_OK)
			rc = emby__buf_str(&q, "&Fields=ProviderIds&EnableUserData=false");
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
		rc = emby__get(c, &xf, path.p, q.p);
		if (rc != CWP_OK)
			goto done;
		emby_page_free(&page);
		rc = emby_decode_page(&page, xf.body.p, xf.body.len);
		if (rc != CWP_OK) {
			rc = emby__fail(c, CWP_EDECODE, "%s: GET %s (series Ids): HTTP %ld: %s",
					c->label, xf.route, xf.status, cwp_error_last());
			goto done;
		}
		for (const cJSON *row = page.items->child; row; row = row->next) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
			if (!cJSON_IsString(id))
				continue;
			series_entry *s =
			    bsearch(id->valuestring, tab + b, e - b, sizeof(*tab), cmp_series);
			if (!s || s->found)
				continue;
			s->found = true;
			emby_decode_provider_ids(s->ids, s->buf, row);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!tab[i].found)
			cwp_warn(x->w,
				 "%s: series %s was not returned: its episodes are keyed by their "
				 "own ids",
				 c->label, tab[i].id);
	*out = tab;
	*n_out = n;
	tab = NULL;
	rc = CWP_OK;
done:
	free(tab);
	free(ids);
	emby_page_free(&page);
	emby__buf_free(&path);
	emby__buf_free(&q);
	emby__xfer_free(&xf);
	return rc;
}

int emby_index(emby_client *c, cwp_index **out, cwp_warnings *w)
{
	index_ctx x;
	series_entry *tab = NULL;
	size_t n_tab = 0;
	int rc;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.w = w;
	c->err[0] = '\0';
	rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		goto done;
	x.item = malloc(sizeof(*x.item));
	if (!x.item || cwp_index_new(&x.idx) != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	if (c->n_libraries == 0) {
		rc = index_library(&x, NULL);
	} else {
		for (size_t i = 0; i < c->n_libraries && rc == CWP_OK; i++)
			rc = index_library(&x, c->libraries[i]);
	}
	if (rc != CWP_OK)
		goto done;
	rc = fetch_series(&x, &tab, &n_tab);
	if (rc != CWP_OK)
		goto done;
	for (size_t i = 0; i < x.n_pend; i++) {
		pending *p = &x.pend[i];
		const series_entry *s = p->series_id && n_tab ? bsearch(p->series_id, tab, n_tab,
									sizeof(*tab), cmp_series)
							      : NULL;
		if (s)
			for (int k = 0; k < CWP_ID_COUNT; k++)
				p->rec.show_ids[k] = s->ids[k];
		rc = put_record(&x, &p->rec);
		if (rc != CWP_OK)
			goto done;
	}
	*out = x.idx;
	x.idx = NULL;
	rc = CWP_OK;
done:
	free(tab);
	cwp_index_free(x.idx);
	free(x.item);
	free(x.pend);
	arena_free(&x.strings);
	return rc;
}
