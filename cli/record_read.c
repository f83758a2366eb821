/* `cwprogress record`: the reads. Each is a call of the client's own entry
 * point, in the order a sync makes them; the response hook
 * (record_capture.c) keeps every answer. So the recording follows the client
 * (fields, batch sizes, paging) without a copy of its requests:
 *
 *   emby_probe          /System/Info/Public, /Users/{uid}
 *   /Users/{uid}/Views  with --library: the libraries' names (no sync read)
 *   emby_index          the resumable listing (READ-01..04), its series
 *   emby_resolve        the listed records by their own ids (RES-02), then
 *                       their episodes by show ids alone, as a destination
 *                       resolves another server's episodes (RES-03)
 *   emby_read_states    the items' fresh state (§5)
 *   --whole-library     every Movie, Episode and Series: the resumable
 *                       listing's query without its filter
 *   emby_playing        /Sessions (APPLY-01) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "record.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#include "emby/raw.h"

typedef cwp__recorder rec;

static int oom(rec *x)
{
	snprintf(x->err, sizeof(x->err), "out of memory");
	return CWP_ENOMEM;
}

/* After a client call: the hook's failure first, then the client's. */
static int checked(rec *x, int rc)
{
	if (x->hook_rc != CWP_OK)
		return x->hook_rc;
	if (rc != CWP_OK)
		snprintf(x->err, sizeof(x->err), "%s", emby_client_error(x->cl));
	return rc;
}

static int read_views(rec *x)
{
	size_t n = strlen(x->uid_esc) + 16;
	char *path = malloc(n);
	if (!path)
		return oom(x);
	snprintf(path, n, "/Users/%s/Views", x->uid_esc);
	emby_raw r = EMBY_RAW_INIT;
	int rc = checked(x, emby_raw_get(x->cl, path, NULL, &r));
	emby_raw_free(&r);
	free(path);
	return rc;
}

/* A record of the listing (not one cut off by --limit). */
static bool kept(const rec *x, const cwp_record *r)
{
	size_t at;
	return r->item_id && cwp__rec_store_find(&x->store, r->item_id, &at) &&
	       x->store.v[at].listed;
}

static bool has_ids(const char *const *ids)
{
	for (int k = 0; k < CWP_ID_COUNT; k++)
		if (ids[k])
			return true;
	return false;
}

static int resolve(rec *x, const cwp_record *const *recs, size_t n, emby_resolution **res)
{
	*res = NULL;
	return n ? checked(x, emby_resolve(x->cl, recs, n, res)) : CWP_OK;
}

/* §5: the fresh state of every item the records resolved to (all versions),
 * as a sync reads it before writing. */
static int read_states(rec *x, const emby_resolution *res, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const char *const *v;
		total += emby_resolution_items(res, i, &v);
	}
	const char **ids = calloc(total ? total : 1, sizeof(*ids));
	cwp_target_state *st = calloc(total ? total : 1, sizeof(*st));
	bool *found = calloc(total ? total : 1, sizeof(*found));
	int rc = ids && st && found ? CWP_OK : oom(x);
	size_t k = 0;
	for (size_t i = 0; i < n && rc == CWP_OK; i++) {
		const char *const *v;
		size_t m = emby_resolution_items(res, i, &v);
		for (size_t j = 0; j < m; j++)
			ids[k++] = v[j];
	}
	if (rc == CWP_OK && k)
		rc = checked(x, emby_read_states(x->cl, ids, k, st, found));
	free(ids);
	free(st);
	free(found);
	return rc;
}

/* RES-02/03 and §5 for the listed records, as the destination of a sync
 * whose source holds the same items. */
static int read_lookups(rec *x, const cwp_index *idx)
{
	size_t n = cwp_index_size(idx), n_own = 0, n_eps = 0;
	const cwp_record **own = calloc(n ? n : 1, sizeof(*own));
	const cwp_record **via = calloc(n ? n : 1, sizeof(*via));
	cwp_record *eps = calloc(n ? n : 1, sizeof(*eps));
	emby_resolution *res_own = NULL, *res_via = NULL;
	int rc = own && via && eps ? CWP_OK : oom(x);
	for (size_t i = 0; i < n && rc == CWP_OK; i++) {
		const cwp_record *r = cwp_index_at(idx, i);
		if (!kept(x, r))
			continue;
		own[n_own++] = r;
		if (r->type != CWP_TYPE_EPISODE || !r->has_season || !r->has_episode ||
		    !has_ids(r->show_ids))
			continue;
		/* Another server's episode that shares only the show's ids. */
		eps[n_eps] = *r;
		memset(eps[n_eps].ids, 0, sizeof(eps[n_eps].ids));
		via[n_eps] = &eps[n_eps];
		n_eps++;
	}
	if (rc == CWP_OK)
		rc = resolve(x, own, n_own, &res_own);
	if (rc == CWP_OK)
		rc = resolve(x, via, n_eps, &res_via);
	if (rc == CWP_OK && res_own)
		rc = read_states(x, res_own, n_own);
	emby_resolution_free(res_own);
	emby_resolution_free(res_via);
	free(own);
	free(via);
	free(eps);
	return rc;
}

/* The resumable listing's query (the client's fields, paging) with every
 * item type and no filter, at start, for library (escaped) or all. */
static char *whole_query(const rec *x, long long start, const char *lib_esc)
{
	const char *q = x->index_query;
	size_t cap = strlen(q) + (lib_esc ? strlen(lib_esc) : 0) + 128;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	size_t len = 0;
	for (const char *p = q; *p;) {
		size_t pl = strcspn(p, "&");
		bool drop = !strncmp(p, "Filters=", 8) || !strncmp(p, "StartIndex=", 11) ||
			    !strncmp(p, "ParentId=", 9);
		if (!strncmp(p, "IncludeItemTypes=", 17))
			len += (size_t)snprintf(out + len, cap - len, "%sIncludeItemTypes=%s",
						len ? "&" : "", "Movie,Episode,Series");
		else if (!drop)
			len += (size_t)snprintf(out + len, cap - len, "%s%.*s", len ? "&" : "",
						(int)pl, p);
		p += pl;
		p += *p == '&';
	}
	snprintf(out + len, cap - len, "&StartIndex=%lld%s%s", start, lib_esc ? "&ParentId=" : "",
		 lib_esc ? lib_esc : "");
	return out;
}

/* --whole-library: one listing, paged as the client pages (READ-01/04). */
static int read_whole(rec *x, const char *lib_esc)
{
	size_t pl = strlen(x->uid_esc) + 16;
	char *path = malloc(pl);
	if (!path)
		return oom(x);
	snprintf(path, pl, "/Users/%s/Items", x->uid_esc);
	long long start = 0;
	int rc = CWP_OK;
	for (size_t pages = 1; rc == CWP_OK; pages++) {
		char *q = whole_query(x, start, lib_esc);
		if (!q) {
			rc = oom(x);
			break;
		}
		emby_raw r = EMBY_RAW_INIT;
		x->page_count = (size_t)-1; /* the hook sets it from the page */
		rc = checked(x, emby_raw_get(x->cl, path, q, &r));
		emby_raw_free(&r);
		free(q);
		if (rc == CWP_OK && x->page_count == (size_t)-1) {
			snprintf(x->err, sizeof(x->err),
				 "server: GET %s: not an Items envelope (not JSON, or no Items "
				 "array)",
				 path);
			rc = CWP_EDECODE;
			break;
		}
		int64_t total = x->page_total;
		start += (long long)x->page_count;
		if (rc != CWP_OK || x->page_repeated || x->page_count < (size_t)x->page_size ||
		    (total >= 0 && (start >= total || (int64_t)pages >= total / x->page_size + 2)))
			break;
	}
	free(path);
	cwp__rec_listing_end(x);
	return rc;
}

static int read_whole_library(rec *x)
{
	if (!x->index_query) {
		snprintf(x->err, sizeof(x->err), "server: no resumable listing to follow");
		return CWP_EDECODE;
	}
	if (x->n_libs == 0)
		return read_whole(x, NULL);
	int rc = CWP_OK;
	for (size_t i = 0; i < x->n_libs && rc == CWP_OK; i++)
		rc = read_whole(x, x->libs_esc[i]);
	return rc;
}

int cwp__rec_read_all(cwp__recorder *x)
{
	emby_server_info info;
	cwp_index *idx = NULL;
	int rc = checked(x, emby_probe(x->cl, &info));
	if (rc == CWP_OK && x->n_libs)
		rc = read_views(x);
	if (rc == CWP_OK) {
		rc = checked(x, emby_index(x->cl, &idx, x->w));
		cwp__rec_listing_end(x);
		/* READ-04: a sync stops at a paging loop too. The pages read
		 * are the recording (verbatim), and nothing is resolved. */
		if (rc == CWP_EPAGING && x->hook_rc == CWP_OK && x->verbatim_pages)
			rc = CWP_OK;
	}
	if (rc == CWP_OK && idx)
		rc = read_lookups(x, idx);
	if (rc == CWP_OK && x->whole)
		rc = read_whole_library(x);
	char **now = NULL;
	size_t n_now = 0;
	if (rc == CWP_OK)
		rc = checked(x, emby_playing(x->cl, &now, &n_now));
	emby_strv_free(now, n_now);
	cwp_index_free(idx);
	cwp__bar_clear(x->term);
	return rc;
}

#endif /* CWP_HAVE_CLIENT */
