/* `cwprogress record`: the client's response hook (emby_options.on_response).
 * The recording is made of the answers the client's own reads receive
 * (emby_probe, emby_index, emby_resolve, emby_read_states, emby_playing),
 * so it holds exactly what a sync reads: no request is built here.
 *
 * Every answer is scrubbed of the token and redacted, then sorted by route:
 *   /System/Info/Public, /Users/{uid}, /Users/{uid}/Views  kept whole
 *   /Users/{uid}/Items with StartIndex                     a listing page
 *   /Users/{uid}/Items otherwise, /Shows/{id}/Episodes     rows of lookups
 *   /Sessions                                              the user's sessions
 * A listing's pages are judged against the mock's model as they come;
 * cwp__rec_listing_end decides whether they are kept verbatim. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "record.h"

#ifdef CWP_HAVE_CLIENT

typedef cwp__recorder rec;

static void hook_oom(rec *x)
{
	x->hook_rc = CWP_ENOMEM;
	snprintf(x->err, sizeof(x->err), "out of memory");
}

/* The value of name in query (still escaped), or false. */
static bool qparam(const char *q, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	for (const char *p = q; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		size_t vl = strcspn(p + nl + 1, "&");
		if (vl >= outsz)
			return false;
		memcpy(out, p + nl + 1, vl);
		out[vl] = '\0';
		return true;
	}
	return false;
}

/* The library a listing page was asked for (one of --library), or NULL. */
static const char *page_library(const rec *x, const char *q)
{
	char v[256];
	if (!qparam(q, "ParentId", v, sizeof(v)))
		return NULL;
	for (size_t i = 0; i < x->n_libs; i++)
		if (x->libs_esc[i] && !strcmp(x->libs_esc[i], v))
			return x->libs[i];
	return NULL;
}

static void drop(rec *x, const cJSON *row, const char *why)
{
	const char *ids = cwp__rec_str(row, "Id");
	ids = ids ? ids : "?";
	cwp_warn(x->w, "item %s: %s: not recorded (the mock could not load it)", ids, why);
	cJSON *o = cJSON_CreateObject();
	if (o && cJSON_AddStringToObject(o, "id", ids) && cJSON_AddStringToObject(o, "why", why))
		cJSON_AddItemToArray(x->dropped, o);
	else
		cJSON_Delete(o);
}

/* Every row of a lookup's answer into the store (not listed). */
static void add_rows(rec *x, const cJSON *doc)
{
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "Items"))
	{
		cwp__rec_added what;
		const char *why;
		if (cwp__rec_store_add(&x->store, row, NULL, false, &what, &why, NULL) != CWP_OK) {
			hook_oom(x);
			return;
		}
		if (what == CWP__REC_REJECTED)
			drop(x, row, why);
	}
	x->lookups++;
}

/* ---- listings ---------------------------------------------------------- */

/* Note why a listing must be kept verbatim (only resumable listings: the
 * whole-library one is no request of a sync, and is never kept). */
static void verbatim_reason(rec *x, const char *why)
{
	cwp__rec_listing *l = &x->cur;
	if (!l->resumable)
		return;
	if (!l->verbatim && x->why_verbatim)
		cJSON_AddItemToArray(x->why_verbatim, cJSON_CreateString(why));
	l->verbatim = true;
}

/* A page as a recordings/ entry: replayed for the same listing request. */
static cJSON *page_entry(const rec *x, const char *start, cJSON *body)
{
	const cwp__rec_listing *l = &x->cur;
	char lim[32], comment[160];
	snprintf(lim, sizeof(lim), "%d", x->page_size);
	snprintf(comment, sizeof(comment), "%s listing%s%s, page at StartIndex=%s, verbatim",
		 l->resumable ? "resumable" : "whole-library", l->library ? " of library " : "",
		 l->library ? l->library : "", start);
	cJSON *e = cJSON_CreateObject();
	cJSON *rq = cJSON_AddObjectToObject(e, "request");
	cJSON *q = rq ? cJSON_AddObjectToObject(rq, "query") : NULL;
	cJSON *rs = cJSON_AddObjectToObject(e, "response");
	if (!e || !rq || !q || !rs || !cJSON_AddStringToObject(e, "comment", comment) ||
	    !cJSON_AddStringToObject(rq, "method", "GET") ||
	    !cJSON_AddStringToObject(rq, "path", "/Users/*/Items") ||
	    (l->resumable && !cJSON_AddStringToObject(q, "Filters", "IsResumable")) ||
	    !cJSON_AddStringToObject(q, "IncludeItemTypes",
				     l->resumable ? "Movie,Episode" : "Movie,Episode,Series") ||
	    !cJSON_AddStringToObject(q, "StartIndex", start) ||
	    !cJSON_AddStringToObject(q, "Limit", lim) ||
	    (l->library && !cJSON_AddStringToObject(q, "ParentId", l->library)) ||
	    !cJSON_AddNumberToObject(rs, "status", 200)) {
		cJSON_Delete(e);
		cJSON_Delete(body);
		return NULL;
	}
	cJSON_AddItemToObject(rs, "body", body);
	return e;
}

void cwp__rec_listing_end(cwp__recorder *x)
{
	cwp__rec_listing *l = &x->cur;
	if (!l->pages)
		return;
	if (!l->cut && (l->totals_differ || l->total != (int64_t)l->seen))
		verbatim_reason(x, "TotalRecordCount differs from the rows listed");
	if (l->cut)
		x->limit_cut++;
	if (l->verbatim) {
		cJSON *e;
		while ((e = cJSON_DetachItemFromArray(l->pages, 0)) != NULL) {
			cJSON_AddItemToArray(x->recordings, e);
			x->verbatim_pages++;
		}
	}
	x->listings++;
	cJSON_Delete(l->pages);
	cwp__strmap_free(&l->seen_ids);
	memset(l, 0, sizeof(*l));
}

static bool listing_begin(rec *x, const char *library, bool resumable)
{
	cwp__rec_listing_end(x);
	x->cur.library = library;
	x->cur.resumable = resumable;
	x->cur.pages = cJSON_CreateArray();
	return x->cur.pages != NULL;
}

static uint64_t page_sig(const cJSON *items)
{
	uint64_t sig = UINT64_C(14695981039346656037);
	const cJSON *row;
	cJSON_ArrayForEach(row, items)
	{
		const char *id = cwp__rec_str(row, "Id");
		for (const char *p = id ? id : "?"; *p; p++)
			sig = (sig ^ (unsigned char)*p) * UINT64_C(1099511628211);
		sig = (sig ^ 0xff) * UINT64_C(1099511628211);
	}
	return sig;
}

/* One row of a listing, up to --limit. false when out of memory. */
static bool listing_row(rec *x, cJSON *arr, cJSON *r)
{
	cwp__rec_listing *l = &x->cur;
	if (l->resumable && x->limit >= 0 && x->listed >= (size_t)x->limit) {
		cJSON_Delete(cJSON_DetachItemViaPointer(arr, r));
		l->cut = true;
		return true;
	}
	cwp__rec_added what;
	const char *why;
	bool had_id = false;
	const char *id = cwp__rec_str(r, "Id");
	if ((id && cwp__strmap_put(&l->seen_ids, id, 0, &had_id, NULL) != CWP_OK) ||
	    cwp__rec_store_add(&x->store, r, l->library, l->resumable, &what, &why, NULL) != CWP_OK)
		return false;
	if (what == CWP__REC_REJECTED)
		drop(x, r, why);
	if (!l->resumable) {
		x->whole_rows++;
		return true;
	}
	const char *type = cwp__rec_str(r, "Type");
	if (what == CWP__REC_REJECTED || what == CWP__REC_UD_TRIMMED)
		verbatim_reason(x, "a resumable row the mock cannot load");
	else if (what == CWP__REC_LIB_CONFLICT)
		verbatim_reason(x, "an item listed by two libraries");
	else if (had_id)
		verbatim_reason(x, "an item listed twice");
	else if (!type || (strcmp(type, "Movie") != 0 && strcmp(type, "Episode") != 0))
		verbatim_reason(x, "a row that is not a Movie or an Episode");
	if (!had_id)
		x->listed++;
	return true;
}

/* The listing a page belongs to: the open one, or a new one (its first page,
 * another library, the other kind). false when out of memory. */
static bool listing_of(rec *x, const char *q, const char *start)
{
	bool resumable = strstr(q, "Filters=IsResumable") != NULL;
	const char *library = page_library(x, q);
	const cwp__rec_listing *l = &x->cur;
	if ((!l->pages || !strcmp(start, "0") || l->resumable != resumable ||
	     l->library != library) &&
	    !listing_begin(x, library, resumable))
		return false;
	/* --whole-library follows the first resumable listing's query. */
	return !resumable || x->index_query || (x->index_query = strdup(q)) != NULL;
}

/* After a page's rows: what the client's paging (READ-04) would make of it
 * that the mock's model would not reproduce. */
static void listing_judge(rec *x, size_t count, bool repeated)
{
	cwp__rec_listing *l = &x->cur;
	if (repeated) {
		/* READ-04: the client stops with paging_loop here. */
		verbatim_reason(x, "a page that repeats the previous one");
		return;
	}
	if (count == 0 || l->cut)
		return;
	l->seen += count;
	if (l->total >= 0 && (int64_t)l->seen > l->total)
		verbatim_reason(x, "more rows than TotalRecordCount");
	else if (count >= (size_t)x->page_size && l->total >= 0 && (int64_t)l->seen < l->total &&
		 (int64_t)l->pages_read >= l->total / x->page_size + 2)
		verbatim_reason(x, "more pages than TotalRecordCount allows");
}

/* A page's envelope: its total, and whether it repeats the page before. */
static bool page_head(rec *x, const cJSON *arr, const cJSON *doc, size_t count)
{
	cwp__rec_listing *l = &x->cur;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "TotalRecordCount");
	int64_t total = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : -1;
	l->pages_read++;
	if (total != l->total && l->pages_read > 1)
		l->totals_differ = true;
	l->total = total;
	uint64_t sig = page_sig(arr);
	bool repeated =
	    l->pages_read > 1 && count > 0 && sig == l->prev_sig && count == l->prev_count;
	l->prev_sig = sig;
	l->prev_count = count;
	if (count > (size_t)x->page_size)
		verbatim_reason(x, "a page longer than its Limit");
	x->page_count = count;
	x->page_total = total;
	x->page_repeated = repeated;
	return repeated;
}

/* READ-01/04: a page of a listing, judged as the client pages it: anything
 * the mock's model would answer differently makes the listing verbatim.
 * Takes doc. */
static void listing_page(rec *x, const char *q, cJSON *doc)
{
	char start[32] = "0";
	qparam(q, "StartIndex", start, sizeof(start));
	if (!listing_of(x, q, start)) {
		cJSON_Delete(doc);
		hook_oom(x);
		return;
	}
	cwp__rec_listing *l = &x->cur;
	if (l->cut) { /* --limit: the rest of the listing is not kept */
		cJSON_Delete(doc);
		return;
	}
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "Items");
	if (!cJSON_IsArray(arr)) { /* no Items envelope: the reader says so */
		cJSON_Delete(doc);
		return;
	}
	size_t count = (size_t)cJSON_GetArraySize(arr);
	bool repeated = page_head(x, arr, doc, count);
	for (cJSON *r = arr ? arr->child : NULL, *next; r && !repeated; r = next) {
		next = r->next;
		if (!listing_row(x, arr, r)) {
			cJSON_Delete(doc);
			hook_oom(x);
			return;
		}
	}
	cJSON *entry = page_entry(x, start, doc);
	if (!entry) {
		hook_oom(x);
		return;
	}
	cJSON_AddItemToArray(l->pages, entry);
	if (!l->resumable) /* the client reports its own reads */
		cwp__bar_progress(&x->bar, "library", x->whole_rows,
				  l->total >= 0 ? (size_t)l->total : l->seen + count);
	listing_judge(x, count, repeated);
}

/* ---- sessions ---------------------------------------------------------- */

static cJSON *keep_members(const cJSON *from, const char *const *keys, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t k = 0; o && k < n; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, keys[k]);
		if (v && !cJSON_AddItemToObject(o, keys[k], cJSON_Duplicate(v, 1))) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* A playing session of the user, with only what a sync reads. */
static cJSON *session_of(const cJSON *s)
{
	static const char *const keep[] = {"Id", "ServerId", "UserId", "UserName"};
	static const char *const keep_np[] = {"Id", "Type", "Name", "RunTimeTicks"};
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(s, "NowPlayingItem");
	cJSON *o = keep_members(s, keep, 4);
	cJSON *n = keep_members(np, keep_np, 4);
	bool ok = o && n && cJSON_AddItemToObject(o, "NowPlayingItem", n);
	if (!ok)
		cJSON_Delete(n);
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(s, "PlayState");
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(ps, "PositionTicks");
	if (ok && pos) {
		cJSON *p = cJSON_AddObjectToObject(o, "PlayState");
		ok = p && cJSON_AddItemToObject(p, "PositionTicks", cJSON_Duplicate(pos, 1));
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* APPLY-01: the user's playing sessions. Redacted after the other users'
 * sessions are gone: their names would only take placeholder numbers. */
static void sessions(rec *x, const cJSON *all)
{
	cJSON_Delete(x->sessions);
	if (!(x->sessions = cJSON_CreateArray())) {
		hook_oom(x);
		return;
	}
	const cJSON *s;
	cJSON_ArrayForEach(s, all)
	{
		char norm[33];
		const char *uid = cwp__rec_str(s, "UserId");
		const char *item =
		    cwp__rec_str(cJSON_GetObjectItemCaseSensitive(s, "NowPlayingItem"), "Id");
		if (!uid || !cwp__rec_guid_norm(norm, uid) || strcmp(norm, x->uid) != 0 || !item ||
		    !*item)
			continue;
		cJSON *o = session_of(s);
		if (!o) {
			hook_oom(x);
			return;
		}
		cJSON_AddItemToArray(x->sessions, o);
	}
	if (cwp__redact_json(&x->red, x->sessions) != CWP_OK)
		hook_oom(x);
}

/* ---- the hook ---------------------------------------------------------- */

/* /System/Info/Public, /Users/{uid}, /Users/{uid}/Views: kept whole. */
static void keep_doc(rec *x, cJSON **slot, cJSON *doc)
{
	bool first_user = slot == &x->user && !x->user;
	cJSON_Delete(*slot);
	*slot = doc;
	if (cwp__redact_json(&x->red, doc) != CWP_OK) {
		hook_oom(x);
		return;
	}
	/* The recorded user is user-1 wherever its name shows. */
	const char *uname = first_user ? cwp__rec_str(doc, "Name") : NULL;
	if (uname && *uname && (x->red.what & CWP__REDACT_NAMES)) {
		char *ph = cwp__redact_value(&x->red, CWP__RK_USER, uname);
		if (!ph)
			hook_oom(x);
		free(ph);
	}
}

/* Whether path is "/Users/{uid}" + tail. */
static bool user_path(const rec *x, const char *path, size_t len, const char *tail)
{
	size_t ul = strlen(x->uid_esc), tl = strlen(tail);
	return len == 7 + ul + tl && !strncmp(path, "/Users/", 7) &&
	       !strncmp(path + 7, x->uid_esc, ul) && !strncmp(path + 7 + ul, tail, tl);
}

static void route(rec *x, const char *pq, size_t pl, const char *q, cJSON *doc)
{
	if (pl == 19 && !strncmp(pq, "/System/Info/Public", 19)) {
		keep_doc(x, &x->info, doc);
	} else if (user_path(x, pq, pl, "")) {
		keep_doc(x, &x->user, doc);
	} else if (user_path(x, pq, pl, "/Views")) {
		keep_doc(x, &x->views, doc);
	} else if (user_path(x, pq, pl, "/Items")) {
		char v[32];
		if (qparam(q, "StartIndex", v, sizeof(v))) {
			if (cwp__redact_json(&x->red, doc) != CWP_OK)
				hook_oom(x);
			listing_page(x, q, doc);
			return;
		}
		if (cwp__redact_json(&x->red, doc) != CWP_OK)
			hook_oom(x);
		add_rows(x, doc);
		cJSON_Delete(doc);
	} else if (pl > 15 && !strncmp(pq, "/Shows/", 7) && !strncmp(pq + pl - 9, "/Episodes", 9)) {
		if (cwp__redact_json(&x->red, doc) != CWP_OK)
			hook_oom(x);
		add_rows(x, doc);
		x->series++;
		cJSON_Delete(doc);
	} else if (pl == 9 && !strncmp(pq, "/Sessions", 9)) {
		sessions(x, doc);
		cJSON_Delete(doc);
	} else {
		cJSON_Delete(doc);
	}
}

void cwp__rec_on_response(void *ud, const char *method, const char *pq, long status,
			  const char *body, size_t len)
{
	rec *x = ud;
	if (x->hook_rc != CWP_OK || strcmp(method, "GET") != 0 || status < 200 || status >= 300)
		return;
	/* Not JSON: the client fails the read and says so; nothing to keep. */
	cJSON *doc = cwp_json_parse(body, len);
	if (!doc)
		return;
	if (cwp__scrub_secret(doc, x->token) == (size_t)-1) {
		cJSON_Delete(doc);
		hook_oom(x);
		return;
	}
	size_t pl = strcspn(pq, "?");
	route(x, pq, pl, pq[pl] == '?' ? pq + pl + 1 : "", doc);
}

#endif /* CWP_HAVE_CLIENT */
