/* cwprogress record (issue 9): read, through the client, what a sync reads
 * from one Emby server, and write it as a fixture directory that mock_emby
 * replays (docs/FIXTURES.md, "Recording a server"):
 *
 *   /System/Info/Public and /Users/{uid}       → server.json (new token)
 *   the resumable listing (READ-01), per library → items.json + userdata/
 *   the series of its episodes (READ-03)
 *   AnyProviderIdEquals lookups by the resumable items' ids (RES-02), the
 *   series by their ids and their /Shows/{id}/Episodes listings (RES-03)
 *   --whole-library: every Movie, Episode and Series item
 *   /Sessions (APPLY-01): the user's playing sessions → sessions.json
 *   pages the mock's model would not reproduce      → recordings/
 *   what was recorded, redacted, when               → manifest.json
 *
 * Everything is written into a temporary directory beside --out and renamed
 * at the end: a failed read leaves nothing behind. The token is never
 * written: every answer is scrubbed of it, and every file is checked. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cmd.h"
#include "opts.h"
#include "record.h"
#include "sync.h"
#include "term.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#include "emby/decode.h"
#include "emby/raw.h"
#endif
#ifdef CWP_HAVE_MOCK
#include "mock_emby/mock_emby.h"
#endif

/* The Fields the client asks for (emby_client/src/index.c, resolve.c). */
#define INDEX_FIELDS                                                                      \
	"ProviderIds,RunTimeTicks,ProductionYear,ParentIndexNumber,IndexNumber,SeriesId," \
	"SeriesName,UserDataLastPlayedDate,UserDataPlayCount"
#define LOOKUP_FIELDS                                                      \
	"ProviderIds,RunTimeTicks,ParentIndexNumber,IndexNumber,SeriesId," \
	"UserDataLastPlayedDate,UserDataPlayCount"
/* RES-02: the longest lookup URL; READ-03: ids per Ids= request. */
#define URL_MAX   4096
#define IDS_BATCH 100

static void usage(FILE *f)
{
	fprintf(f, "usage: cwprogress record --server URL --user ID --out DIR [options]\n"
		   "\n"
		   "Record what a sync reads from one Emby server into a fixture directory that\n"
		   "mock-emby replays (docs/FIXTURES.md, \"Recording a server\").\n"
		   "\n"
		   "  -s, --server URL      http(s)://host:8096 (a /emby or proxy prefix is kept)\n"
		   "  -u, --user ID         the user id (32 hex characters)\n"
		   "  -o, --out DIR         the fixture directory to create (new, or empty)\n"
		   "  -l, --library ID      only this library (repeatable)\n"
		   "      --limit N         keep only the first N resumable items\n"
		   "      --whole-library   also every Movie, Episode and Series item, so that\n"
		   "                        the recording answers every lookup of a sync\n"
		   "      --redact LIST     names (user and server names), paths (file paths,\n"
		   "                        image tags, overviews), or names,paths\n"
		   "      --token-file FILE read the token from FILE (mode 0600)\n"
		   "      --ca-file FILE    trust this CA bundle (PEM)\n"
		   "      --insecure        do NOT verify TLS certificates (spelled out only)\n"
		   "  -v, --verbose         print warnings\n"
		   "  -h, --help            this help\n"
		   "\n"
		   "The token comes from $CWPROGRESS_TOKEN or --token-file, never from the\n"
		   "command line, and is never written: the recording gets a generated fixture\n"
		   "token. Exit status: 0 recorded, 1 the fixture could not be written,\n"
		   "2 usage error, 3 the server could not be read (nothing written).\n");
}

enum { OPT_TOKEN_FILE = 256, OPT_CA_FILE, OPT_INSECURE, OPT_LIMIT, OPT_REDACT, OPT_WHOLE };

#ifdef CWP_HAVE_CLIENT

typedef cwp__recorder rec;

/* GET path?query and parse the answer as JSON. Failures (the client's
 * message, or "not JSON") land in x->err. */
static int get_json_as(rec *x, const char *path, const char *query, bool redact, cJSON **out)
{
	emby_raw r = EMBY_RAW_INIT;
	*out = NULL;
	int rc = emby_raw_get(x->cl, path, query, &r);
	if (rc != CWP_OK) {
		snprintf(x->err, sizeof(x->err), "%s", emby_client_error(x->cl));
		return rc;
	}
	*out = cwp_json_parse(r.body, r.len);
	if (!*out) {
		snprintf(x->err, sizeof(x->err), "server: GET %s: HTTP %ld: the answer is not JSON",
			 path, r.status);
		rc = CWP_EDECODE;
	} else if (cwp__scrub_secret(*out, x->token) == (size_t)-1 ||
		   (redact && cwp__redact_json(&x->red, *out) != CWP_OK)) {
		snprintf(x->err, sizeof(x->err), "server: GET %s: out of memory", path);
		cJSON_Delete(*out);
		*out = NULL;
		rc = CWP_ENOMEM;
	}
	emby_raw_free(&r);
	return rc;
}

static int get_json(rec *x, const char *path, const char *query, cJSON **out)
{
	return get_json_as(x, path, query, true, out);
}

static int oom(rec *x)
{
	snprintf(x->err, sizeof(x->err), "out of memory");
	return CWP_ENOMEM;
}

static void drop(rec *x, const cJSON *row, const char *why)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
	const char *ids = cJSON_IsString(id) ? id->valuestring : "?";
	cwp_warn(x->w, "item %s: %s: not recorded (the mock could not load it)", ids, why);
	cJSON *o = cJSON_CreateObject();
	if (o && cJSON_AddStringToObject(o, "id", ids) && cJSON_AddStringToObject(o, "why", why))
		cJSON_AddItemToArray(x->dropped, o);
	else
		cJSON_Delete(o);
}

/* Add every row of an Items answer (not a listing) to the store. */
static int add_rows(rec *x, const cJSON *items)
{
	const cJSON *row;
	cJSON_ArrayForEach(row, items)
	{
		cwp__rec_added what;
		const char *why;
		if (cwp__rec_store_add(&x->store, row, NULL, false, &what, &why, NULL) != CWP_OK)
			return oom(x);
		if (what == CWP__REC_REJECTED)
			drop(x, row, why);
	}
	return CWP_OK;
}

/* GET an Items envelope (emby_decode_page's rules: what the client takes). */
static int get_page(rec *x, const char *path, const char *query, cJSON **root, const cJSON **items,
		    int64_t *total)
{
	int rc = get_json(x, path, query, root);
	if (rc != CWP_OK)
		return rc;
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(*root, "Items");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(*root, "TotalRecordCount");
	if (!cJSON_IsObject(*root) || !cJSON_IsArray(it) ||
	    (t && !(cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble <= 9e15 &&
		    t->valuedouble == (double)(int64_t)t->valuedouble))) {
		snprintf(x->err, sizeof(x->err),
			 "server: GET %s: not an Items envelope (no Items array, or a bad "
			 "TotalRecordCount)",
			 path);
		cJSON_Delete(*root);
		*root = NULL;
		return CWP_EDECODE;
	}
	*items = it;
	*total = t ? (int64_t)t->valuedouble : -1;
	return CWP_OK;
}

static int path_user(rec *x, char *out, size_t outsz, const char *tail)
{
	int n = snprintf(out, outsz, "/Users/%s%s", x->uid_esc, tail);
	return n < 0 || (size_t)n >= outsz ? oom(x) : CWP_OK;
}

/* Note why a listing must be kept verbatim (verbatim NULL: a listing no sync
 * sends, the whole-library one, is never kept). */
static void verbatim_reason(rec *x, bool *verbatim, const char *why)
{
	if (!verbatim)
		return;
	if (!*verbatim && x->why_verbatim)
		cJSON_AddItemToArray(x->why_verbatim, cJSON_CreateString(why));
	*verbatim = true;
}

/* A page as a recordings/ entry: replayed for the same listing request. */
static cJSON *page_entry(const char *library, int64_t start, int page_size, cJSON *body,
			 bool resumable)
{
	char s[32], l[32], comment[160];
	snprintf(s, sizeof(s), "%lld", (long long)start);
	snprintf(l, sizeof(l), "%d", page_size);
	snprintf(comment, sizeof(comment), "%s listing%s%s, page at StartIndex=%s, verbatim",
		 resumable ? "resumable" : "whole-library", library ? " of library " : "",
		 library ? library : "", s);
	cJSON *e = cJSON_CreateObject();
	cJSON *rq = cJSON_AddObjectToObject(e, "request");
	cJSON *q = rq ? cJSON_AddObjectToObject(rq, "query") : NULL;
	cJSON *rs = cJSON_AddObjectToObject(e, "response");
	if (!e || !rq || !q || !rs || !cJSON_AddStringToObject(e, "comment", comment) ||
	    !cJSON_AddStringToObject(rq, "method", "GET") ||
	    !cJSON_AddStringToObject(rq, "path", "/Users/*/Items") ||
	    (resumable && !cJSON_AddStringToObject(q, "Filters", "IsResumable")) ||
	    !cJSON_AddStringToObject(q, "IncludeItemTypes",
				     resumable ? "Movie,Episode" : "Movie,Episode,Series") ||
	    !cJSON_AddStringToObject(q, "StartIndex", s) ||
	    !cJSON_AddStringToObject(q, "Limit", l) ||
	    (library && !cJSON_AddStringToObject(q, "ParentId", library)) ||
	    !cJSON_AddNumberToObject(rs, "status", 200)) {
		cJSON_Delete(e);
		cJSON_Delete(body);
		return NULL;
	}
	cJSON_AddItemToObject(rs, "body", body);
	return e;
}

/* READ-01/04: one paged listing, as the client pages it. resumable: the
 * Filters=IsResumable listing (its rows are "listed"); else the whole
 * library. Anything in it the mock's model would answer differently makes
 * its pages verbatim recordings. */
static int read_listing(rec *x, const char *library, bool resumable)
{
	char path[512];
	char *lib_esc = NULL, *query = NULL;
	cJSON *pages = cJSON_CreateArray(); /* page entries, kept until decided */
	cwp__strmap seen_ids = {0};
	uint64_t prev_sig = 0;
	size_t prev_count = 0, pages_read = 0, seen = 0;
	int64_t start = 0, total = -1;
	bool verbatim = false, cut = false, totals_differ = false;
	bool *vb = resumable ? &verbatim : NULL;
	int rc = CWP_OK;

	if (!pages || path_user(x, path, sizeof(path), "/Items") != CWP_OK ||
	    (library && !(lib_esc = emby_raw_escape(library)))) {
		rc = oom(x);
		goto done;
	}
	size_t qcap = 1024 + (lib_esc ? strlen(lib_esc) : 0);
	if (!(query = malloc(qcap))) {
		rc = oom(x);
		goto done;
	}
	for (;;) {
		snprintf(
		    query, qcap,
		    "Recursive=true&IncludeItemTypes=%s%s&EnableUserData=true&Fields=" INDEX_FIELDS
		    "&StartIndex=%lld&Limit=%d&EnableTotalRecordCount=true%s%s",
		    resumable ? "Movie,Episode" : "Movie,Episode,Series",
		    resumable ? "&Filters=IsResumable" : "", (long long)start, x->page_size,
		    lib_esc ? "&ParentId=" : "", lib_esc ? lib_esc : "");
		cJSON *root = NULL;
		const cJSON *items = NULL;
		int64_t page_total;
		rc = get_page(x, path, query, &root, &items, &page_total);
		if (rc != CWP_OK)
			goto done;
		pages_read++;
		size_t count = (size_t)cJSON_GetArraySize(items);
		if (page_total != total && pages_read > 1)
			totals_differ = true;
		total = page_total;
		uint64_t sig = UINT64_C(14695981039346656037);
		const cJSON *row;
		cJSON_ArrayForEach(row, items)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "Id");
			for (const char *p = cJSON_IsString(id) ? id->valuestring : "?"; *p; p++)
				sig = (sig ^ (unsigned char)*p) * UINT64_C(1099511628211);
			sig = (sig ^ 0xff) * UINT64_C(1099511628211);
		}
		bool repeated =
		    pages_read > 1 && count > 0 && sig == prev_sig && count == prev_count;
		prev_sig = sig;
		prev_count = count;
		if (count > (size_t)x->page_size)
			verbatim_reason(x, vb, "a page longer than its Limit");
		/* The rows, up to --limit (the rest of the page is cut off). */
		cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "Items");
		for (cJSON *r = arr->child; r && !repeated;) {
			cJSON *next = r->next;
			if (resumable && x->limit >= 0 && x->listed >= (size_t)x->limit) {
				cJSON_Delete(cJSON_DetachItemViaPointer(arr, r));
				cut = true;
				r = next;
				continue;
			}
			cwp__rec_added what;
			const char *why;
			bool had_id = false;
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "Id");
			if (cJSON_IsString(id) && cwp__strmap_put(&seen_ids, id->valuestring, 0,
								  &had_id, NULL) != CWP_OK) {
				cJSON_Delete(root);
				rc = oom(x);
				goto done;
			}
			if (cwp__rec_store_add(&x->store, r, library, resumable, &what, &why,
					       NULL) != CWP_OK) {
				cJSON_Delete(root);
				rc = oom(x);
				goto done;
			}
			if (what == CWP__REC_REJECTED)
				drop(x, r, why);
			if (resumable) {
				const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "Type");
				if (what == CWP__REC_REJECTED || what == CWP__REC_UD_TRIMMED)
					verbatim_reason(x, vb,
							"a resumable row the mock cannot load");
				else if (what == CWP__REC_LIB_CONFLICT)
					verbatim_reason(x, vb, "an item listed by two libraries");
				else if (had_id)
					verbatim_reason(x, vb, "an item listed twice");
				else if (!cJSON_IsString(type) ||
					 (strcmp(type->valuestring, "Movie") != 0 &&
					  strcmp(type->valuestring, "Episode") != 0))
					verbatim_reason(x, vb,
							"a row that is not a Movie or an Episode");
				if (!had_id)
					x->listed++;
			} else {
				x->whole_rows++;
			}
			r = next;
		}
		cJSON *entry = page_entry(library, start, x->page_size, root, resumable);
		if (!entry) {
			rc = oom(x);
			goto done;
		}
		cJSON_AddItemToArray(pages, entry);
		cwp__bar_progress(&x->bar, resumable ? "index" : "library",
				  x->listed + x->whole_rows,
				  total >= 0 ? (size_t)total : seen + count);
		if (repeated) {
			/* READ-04: the client stops with paging_loop here. */
			verbatim_reason(x, vb, "a page that repeats the previous one");
			break;
		}
		if (count == 0 || cut)
			break;
		seen += count;
		start += (int64_t)count;
		if (total >= 0 && (int64_t)seen > total) {
			verbatim_reason(x, vb, "more rows than TotalRecordCount");
			break;
		}
		if (count < (size_t)x->page_size)
			break;
		if (total >= 0 && start >= total)
			break;
		if (total >= 0 && (int64_t)pages_read >= total / x->page_size + 2) {
			verbatim_reason(x, vb, "more pages than TotalRecordCount allows");
			break;
		}
	}
	if (!cut && (totals_differ || total != (int64_t)seen))
		verbatim_reason(x, vb, "TotalRecordCount differs from the rows listed");
	if (cut)
		x->limit_cut++;
	if (verbatim) {
		cJSON *e;
		while ((e = cJSON_DetachItemFromArray(pages, 0)) != NULL) {
			cJSON_AddItemToArray(x->recordings, e);
			x->verbatim_pages++;
		}
	}
	x->listings++;
done:
	cJSON_Delete(pages);
	cwp__strmap_free(&seen_ids);
	free(lib_esc);
	free(query);
	return rc;
}

/* A ","-list of escaped strings, cut into queries no longer than URL_MAX
 * with the fixed part: calls fetch(x, prefix + list) for each. */
typedef int (*batch_fn)(rec *x, const char *path, const char *query);

static int batched(rec *x, const char *path, const char *prefix, const char *suffix, char **vals,
		   size_t n, size_t max_per, batch_fn fn)
{
	size_t fixed = strlen(x->server) + strlen(path) + 1 + strlen(prefix) + strlen(suffix);
	size_t cap = URL_MAX + 64;
	char *q = malloc(cap);
	int rc = CWP_OK;
	if (!q)
		return oom(x);
	size_t i = 0;
	while (i < n && rc == CWP_OK) {
		size_t len = 0, in = 0;
		q[0] = '\0';
		while (i < n && in < max_per) {
			size_t add = strlen(vals[i]) + (in ? 1 : 0);
			if (in > 0 && fixed + len + add > URL_MAX)
				break;
			if (len + add + 1 >= cap)
				break;
			if (in)
				q[len++] = ',';
			memcpy(q + len, vals[i], strlen(vals[i]) + 1);
			len += strlen(vals[i]);
			in++;
			i++;
		}
		if (in == 0) {
			i++; /* one value longer than a URL may be: skipped */
			continue;
		}
		size_t full = strlen(prefix) + len + strlen(suffix) + 1;
		char *query = malloc(full);
		if (!query) {
			rc = oom(x);
			break;
		}
		snprintf(query, full, "%s%s%s", prefix, q, suffix);
		rc = fn(x, path, query);
		free(query);
	}
	free(q);
	return rc;
}

static int fetch_rows(rec *x, const char *path, const char *query)
{
	cJSON *root = NULL;
	const cJSON *items;
	int64_t total;
	int rc = get_page(x, path, query, &root, &items, &total);
	if (rc == CWP_OK)
		rc = add_rows(x, items);
	x->lookups++;
	cJSON_Delete(root);
	return rc;
}

/* A growing list of unique strings. */
typedef struct strlist {
	char **v;
	size_t n, cap;
	cwp__strmap seen;
} strlist;

static int strlist_add(strlist *l, const char *s)
{
	bool had;
	if (cwp__strmap_put(&l->seen, s, l->n, &had, NULL) != CWP_OK)
		return CWP_ENOMEM;
	if (had)
		return CWP_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return CWP_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = emby_raw_escape(s)))
		return CWP_ENOMEM;
	l->n++;
	return CWP_OK;
}

static void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	cwp__strmap_free(&l->seen);
	memset(l, 0, sizeof(*l));
}

static bool type_is(const cwp__rec_item *e, const char *t)
{
	const char *s = cwp__rec_str(e->obj, "Type");
	return s && !strcmp(s, t);
}

/* The AnyProviderIdEquals tokens of an item ("tmdb.603"), as the client
 * builds them from normalized ids. */
static int add_tokens(strlist *l, const cJSON *obj)
{
	const char *ids[CWP_ID_COUNT];
	char buf[CWP_ID_COUNT][CWP_ID_MAX];
	emby_decode_provider_ids(ids, buf, obj);
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		if (!ids[k])
			continue;
		char t[CWP_ID_MAX + 32];
		snprintf(t, sizeof(t), "%s.%s", cwp_id_name((cwp_id_kind)k), ids[k]);
		if (strlist_add(l, t) != CWP_OK)
			return CWP_ENOMEM;
	}
	return CWP_OK;
}

/* READ-03: the series of the listed episodes, <= 100 Ids per request. */
static int read_series(rec *x)
{
	strlist ids = {0};
	char path[512];
	int rc = path_user(x, path, sizeof(path), "/Items");
	for (size_t i = 0; i < x->store.n && rc == CWP_OK; i++) {
		const cwp__rec_item *e = &x->store.v[i];
		const char *sid = cwp__rec_str(e->obj, "SeriesId");
		if (e->listed && type_is(e, "Episode") && sid && *sid && strlist_add(&ids, sid))
			rc = oom(x);
	}
	if (rc == CWP_OK)
		rc = batched(x, path, "Ids=", "&Fields=ProviderIds&EnableUserData=false", ids.v,
			     ids.n, IDS_BATCH, fetch_rows);
	strlist_free(&ids);
	return rc;
}

/* RES-02: lookups by the listed items' own ids, one item type per batch. */
static int read_own_lookups(rec *x, const char *type)
{
	strlist toks = {0};
	char path[512], prefix[512];
	int rc = path_user(x, path, sizeof(path), "/Items");
	for (size_t i = 0; i < x->store.n && rc == CWP_OK; i++) {
		const cwp__rec_item *e = &x->store.v[i];
		if (e->listed && type_is(e, type) && add_tokens(&toks, e->obj) != CWP_OK)
			rc = oom(x);
	}
	snprintf(prefix, sizeof(prefix),
		 "Recursive=true&IncludeItemTypes=%s&Fields=" LOOKUP_FIELDS
		 "&EnableUserData=true&AnyProviderIdEquals=",
		 type);
	if (rc == CWP_OK)
		rc = batched(x, path, prefix, "", toks.v, toks.n, (size_t)-1, fetch_rows);
	strlist_free(&toks);
	return rc;
}

/* RES-03: the series by their own ids (other series sharing them make a
 * record ambiguous), then every series' /Shows/{id}/Episodes listing. */
static int read_series_lookups(rec *x)
{
	strlist toks = {0}, series = {0};
	char path[512];
	int rc = path_user(x, path, sizeof(path), "/Items");
	for (size_t i = 0; i < x->store.n && rc == CWP_OK; i++) {
		const cwp__rec_item *e = &x->store.v[i];
		if (type_is(e, "Series") && add_tokens(&toks, e->obj) != CWP_OK)
			rc = oom(x);
	}
	if (rc == CWP_OK)
		rc = batched(x, path,
			     "Recursive=true&IncludeItemTypes=Series&Fields=" LOOKUP_FIELDS
			     "&EnableUserData=true&AnyProviderIdEquals=",
			     "", toks.v, toks.n, (size_t)-1, fetch_rows);
	for (size_t i = 0; i < x->store.n && rc == CWP_OK; i++) {
		const cwp__rec_item *e = &x->store.v[i];
		if (type_is(e, "Series") &&
		    strlist_add(&series, cwp__rec_str(e->obj, "Id")) != CWP_OK)
			rc = oom(x);
	}
	char *uid_q = NULL;
	for (size_t i = 0; i < series.n && rc == CWP_OK; i++) {
		char spath[512];
		int n = snprintf(spath, sizeof(spath), "/Shows/%s/Episodes", series.v[i]);
		size_t ql = strlen(x->uid_esc) + 256;
		uid_q = malloc(ql);
		if (n < 0 || (size_t)n >= sizeof(spath) || !uid_q) {
			rc = oom(x);
			break;
		}
		snprintf(uid_q, ql, "UserId=%s&Fields=" LOOKUP_FIELDS "&EnableUserData=true",
			 x->uid_esc);
		rc = fetch_rows(x, spath, uid_q);
		free(uid_q);
		uid_q = NULL;
		x->series++;
	}
	strlist_free(&toks);
	strlist_free(&series);
	return rc;
}

/* APPLY-01: the user's playing sessions, with only what a sync reads. */
static int read_sessions(rec *x)
{
	cJSON *all = NULL;
	/* Redacted after the other users' sessions are gone: their names
	 * would only take placeholder numbers. */
	int rc = get_json_as(x, "/Sessions", NULL, false, &all);
	if (rc != CWP_OK)
		return rc;
	if (!cJSON_IsArray(all)) {
		snprintf(x->err, sizeof(x->err), "server: GET /Sessions: not a JSON array");
		cJSON_Delete(all);
		return CWP_EDECODE;
	}
	const cJSON *s;
	cJSON_ArrayForEach(s, all)
	{
		char norm[33];
		const char *uid = cwp__rec_str(s, "UserId");
		const cJSON *np = cJSON_GetObjectItemCaseSensitive(s, "NowPlayingItem");
		const char *item = cwp__rec_str(np, "Id");
		if (!uid || !cwp__rec_guid_norm(norm, uid) || strcmp(norm, x->uid) != 0 || !item ||
		    !*item)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON *n = cJSON_CreateObject();
		bool ok = o && n;
		static const char *const keep[] = {"Id", "ServerId", "UserId", "UserName"};
		for (size_t k = 0; ok && k < sizeof(keep) / sizeof(keep[0]); k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, keep[k]);
			if (v)
				ok = cJSON_AddItemToObject(o, keep[k], cJSON_Duplicate(v, 1));
		}
		static const char *const keep_np[] = {"Id", "Type", "Name", "RunTimeTicks"};
		for (size_t k = 0; ok && k < sizeof(keep_np) / sizeof(keep_np[0]); k++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(np, keep_np[k]);
			if (v)
				ok = cJSON_AddItemToObject(n, keep_np[k], cJSON_Duplicate(v, 1));
		}
		if (ok) {
			ok = cJSON_AddItemToObject(o, "NowPlayingItem", n);
			n = NULL;
		}
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(s, "PlayState");
		const cJSON *pos = cJSON_GetObjectItemCaseSensitive(ps, "PositionTicks");
		if (ok && pos) {
			cJSON *p = cJSON_AddObjectToObject(o, "PlayState");
			ok =
			    p && cJSON_AddItemToObject(p, "PositionTicks", cJSON_Duplicate(pos, 1));
		}
		cJSON_Delete(n);
		if (!ok) {
			cJSON_Delete(o);
			cJSON_Delete(all);
			return oom(x);
		}
		cJSON_AddItemToArray(x->sessions, o);
	}
	cJSON_Delete(all);
	if (cwp__redact_json(&x->red, x->sessions) != CWP_OK)
		return oom(x);
	return CWP_OK;
}

/* Every read of the recording, in the order a sync makes them. */
static int read_all(rec *x)
{
	char path[512];
	int rc = get_json(x, "/System/Info/Public", NULL, &x->info);
	if (rc == CWP_OK && !cJSON_IsObject(x->info)) {
		snprintf(x->err, sizeof(x->err),
			 "server: GET /System/Info/Public: not a JSON object (is this an Emby "
			 "server?)");
		rc = CWP_EDECODE;
	}
	if (rc == CWP_OK)
		rc = path_user(x, path, sizeof(path), "");
	if (rc == CWP_OK)
		rc = get_json(x, path, NULL, &x->user);
	if (rc == CWP_OK && !cJSON_IsObject(x->user)) {
		snprintf(x->err, sizeof(x->err), "server: GET %s: not a JSON user object", path);
		rc = CWP_EDECODE;
	}
	/* The recorded user is user-1 wherever its name shows. */
	const char *uname = rc == CWP_OK ? cwp__rec_str(x->user, "Name") : NULL;
	if (uname && *uname && (x->red.what & CWP__REDACT_NAMES)) {
		char *ph = cwp__redact_value(&x->red, CWP__RK_USER, uname);
		if (!ph)
			rc = oom(x);
		free(ph);
	}
	if (rc == CWP_OK && x->n_libs) {
		rc = path_user(x, path, sizeof(path), "/Views");
		if (rc == CWP_OK)
			rc = get_json(x, path, NULL, &x->views);
	}
	if (x->n_libs == 0 && rc == CWP_OK)
		rc = read_listing(x, NULL, true);
	for (size_t i = 0; i < x->n_libs && rc == CWP_OK; i++)
		rc = read_listing(x, x->libs[i], true);
	if (rc == CWP_OK)
		rc = read_series(x);
	if (rc == CWP_OK)
		rc = read_own_lookups(x, "Movie");
	if (rc == CWP_OK)
		rc = read_own_lookups(x, "Episode");
	if (rc == CWP_OK)
		rc = read_series_lookups(x);
	if (rc == CWP_OK && x->whole) {
		if (x->n_libs == 0)
			rc = read_listing(x, NULL, false);
		for (size_t i = 0; i < x->n_libs && rc == CWP_OK; i++)
			rc = read_listing(x, x->libs[i], false);
	}
	if (rc == CWP_OK)
		rc = read_sessions(x);
	cwp__bar_clear(x->term);
	return rc;
}

#endif /* CWP_HAVE_CLIENT */

int cwp__cmd_record(int argc, char **argv, FILE *out, FILE *err)
{
	static const struct option longopts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"out", required_argument, NULL, 'o'},
	    {"library", required_argument, NULL, 'l'},
	    {"limit", required_argument, NULL, OPT_LIMIT},
	    {"redact", required_argument, NULL, OPT_REDACT},
	    {"whole-library", no_argument, NULL, OPT_WHOLE},
	    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"insecure", no_argument, NULL, OPT_INSECURE},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *user = NULL, *outarg = NULL, *token_file = NULL,
		   *ca_file = NULL;
	const char **libs = NULL;
	size_t n_libs = 0;
	long limit = -1;
	unsigned redact = 0;
	bool insecure = false, whole = false;
	int verbosity = 0, rc = CWP_EXIT_USAGE;
	char errbuf[1024], uid[33];
	char *token = NULL;
	bool tmp_made = false;
	cwp__rec_outdir od;
	memset(&od, 0, sizeof(od));
#ifdef CWP_HAVE_CLIENT
	rec x;
	memset(&x, 0, sizeof(x));
#endif

	libs = calloc((size_t)argc + 1, sizeof(*libs));
	if (!libs)
		goto done;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":s:u:o:l:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'o':
			outarg = optarg;
			break;
		case 'l':
			if (!*optarg) {
				fprintf(err, "cwprogress record: --library needs a library id\n");
				goto done;
			}
			libs[n_libs++] = optarg;
			break;
		case OPT_LIMIT: {
			char *end = NULL;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 100000000) {
				fprintf(err, "cwprogress record: --limit: expected a whole number "
					     "from 1 to 100000000\n");
				goto done;
			}
			limit = v;
			break;
		}
		case OPT_REDACT:
			if (cwp__redact_parse(&redact, optarg, errbuf, sizeof(errbuf)) != 0) {
				fprintf(err, "cwprogress record: %s\n", errbuf);
				goto done;
			}
			break;
		case OPT_WHOLE:
			whole = true;
			break;
		case OPT_TOKEN_FILE:
			if (!cwp__opt_token_file_ok(err, "record", argv, optarg))
				goto done;
			token_file = optarg;
			break;
		case OPT_CA_FILE:
			ca_file = optarg;
			break;
		case OPT_INSECURE:
			if (!cwp__opt_insecure_ok(err, "record", argv))
				goto done;
			insecure = true;
			break;
		case 'v':
			verbosity = 1;
			break;
		case 'h':
			usage(out);
			rc = CWP_EXIT_OK;
			goto done;
		default:
			cwp__opt_report_bad(err, "record", c, argv);
			goto done;
		}
	}
	if (optind < argc) {
		cwp__opt_report_stray(err, "record", optind,
				      "record takes options only; the token comes from "
				      "$CWPROGRESS_TOKEN or --token-file");
		goto done;
	}
	if (!server || !user || !outarg) {
		fprintf(err, "cwprogress record: --server, --user and --out are required\n");
		usage(err);
		goto done;
	}
	if (strncmp(server, "http://", 7) && strncmp(server, "https://", 8)) {
		fprintf(err, "cwprogress record: --server must start with http:// or https://\n");
		goto done;
	}
	if (!cwp__rec_guid_norm(uid, user)) {
		fprintf(err, "cwprogress record: --user: expected the user's id, 32 hex "
			     "characters (dashes allowed)\n");
		goto done;
	}
	if (cwp__rec_outdir_check(&od, outarg, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress record: %s\n", errbuf);
		goto done;
	}
	int trc = token_file
		      ? cwp__token_from_file(&token, token_file, errbuf, sizeof(errbuf))
		      : cwp__token_from_env(&token, "CWPROGRESS_TOKEN", errbuf, sizeof(errbuf));
	if (trc) {
		fprintf(err, "cwprogress record: %s\n", errbuf);
		goto done;
	}
	cwp__term term;
	cwp__term_init(&term, out, err, verbosity);
	if (insecure)
		fprintf(err, "%swarning%s: --insecure: TLS certificates are NOT verified\n",
			cwp__se(&term, CWP__YELLOW), cwp__se(&term, CWP__RESET));
#ifndef CWP_HAVE_CLIENT
	(void)ca_file;
	(void)limit;
	(void)redact;
	(void)whole;
	(void)n_libs;
	fprintf(err, "cwprogress record: built without emby_client\n");
#else
	cwp__warn_sink sink = {&term, verbosity > 0};
	cwp_warnings w = {0, cwp__warn_print, &sink};
	emby_options eo = EMBY_OPTIONS_INIT;
	eo.base_url = server;
	eo.user_id = user;
	eo.token = token;
	eo.label = "server";
	eo.insecure = insecure;
	eo.ca_file = ca_file;
	x.term = &term;
	x.bar.term = &term;
	x.bar.label = "server";
	x.w = &w;
	x.server = server;
	x.token = token;
	memcpy(x.uid, uid, sizeof(uid));
	x.libs = libs;
	x.n_libs = n_libs;
	x.limit = limit;
	x.whole = whole;
	x.red.what = redact;
	x.sessions = cJSON_CreateArray();
	x.recordings = cJSON_CreateArray();
	x.why_verbatim = cJSON_CreateArray();
	x.dropped = cJSON_CreateArray();
	x.uid_esc = emby_raw_escape(user);
	if (!x.sessions || !x.recordings || !x.why_verbatim || !x.dropped || !x.uid_esc ||
	    emby_client_new(&x.cl, &eo) != 0) {
		snprintf(errbuf, sizeof(errbuf), "%s",
			 x.uid_esc ? cwp_error_last() : "out of memory");
		fprintf(err, "cwprogress record: %s\n", cwp__redact(errbuf));
		goto done;
	}
	x.page_size = emby_raw_page_size(x.cl);
	if (read_all(&x) != CWP_OK) {
		snprintf(errbuf, sizeof(errbuf), "%s", x.err);
		fprintf(err, "cwprogress record: %s (nothing recorded)\n", cwp__redact(errbuf));
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}

	/* Write beside --out, check, then rename: all or nothing. */
	rc = CWP_EXIT_WRITES_FAILED;
	if (!mkdtemp(od.tmp)) {
		fprintf(err, "cwprogress record: %s: cannot create: %s\n", od.tmp, strerror(errno));
		goto done;
	}
	tmp_made = true;
	char fxtoken[48];
	cwp__rec_fixture_token(fxtoken);
	for (int tries = 0; tries < 8 && (strstr(token, fxtoken) || strstr(fxtoken, token));
	     tries++)
		cwp__rec_fixture_token(fxtoken);
	if (cwp__rec_write_fixture(&x, od.tmp, fxtoken, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "cwprogress record: %s\n", cwp__redact(errbuf));
		goto done;
	}
	if (cwp__rec_tree_holds(od.tmp, token, 0)) {
		fprintf(err, "cwprogress record: the recording would hold the server's token: "
			     "nothing written\n");
		goto done;
	}
#ifdef CWP_HAVE_MOCK
	{
		/* The recording must load in the mock it is made for. */
		mock_emby *m = NULL;
		mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
		mo.fixtures_dir = od.tmp;
		mo.threads = 1;
		if (mock_emby_start(&m, &mo, errbuf, sizeof(errbuf)) != 0) {
			fprintf(err,
				"cwprogress record: the recording does not load in mock_emby: "
				"%s (nothing written)\n",
				cwp__redact(errbuf));
			goto done;
		}
		mock_emby_stop(m);
	}
#endif
	if (rename(od.tmp, od.out) != 0) {
		fprintf(err, "cwprogress record: cannot rename %s to %s: %s\n", od.tmp, od.out,
			strerror(errno));
		goto done;
	}
	tmp_made = false;

	const char *sname = cwp__rec_str(x.info, "ServerName");
	const char *version = cwp__rec_str(x.info, "Version");
	fprintf(out, "Recorded %s%s%s (Emby %s) for user %s into %s:\n",
		(redact & CWP__REDACT_NAMES) ? "" : "\"",
		(redact & CWP__REDACT_NAMES) ? "the server"
		: sname                      ? sname
					     : "?",
		(redact & CWP__REDACT_NAMES) ? "" : "\"", version ? version : "?", x.uid, od.out);
	fprintf(out, "  %zu items (%zu resumable%s), %zu series listed, %zu sessions playing\n",
		x.store.n, x.listed, x.limit_cut ? ", --limit reached" : "", x.series,
		(size_t)cJSON_GetArraySize(x.sessions));
	if (x.verbatim_pages)
		fprintf(out,
			"  %zu listing page%s kept verbatim in recordings/listings.json (the "
			"mock's model would answer them differently; manifest.json says why)\n",
			x.verbatim_pages, x.verbatim_pages == 1 ? "" : "s");
	if (redact) {
		fprintf(out, "  redacted:");
		for (int k = 0; k < CWP__RK_COUNT; k++)
			fprintf(out, " %s %zu%s", cwp__redact_kind_name((cwp__redact_kind)k),
				cwp__redact_count(&x.red, (cwp__redact_kind)k),
				k + 1 < CWP__RK_COUNT ? "," : "\n");
	}
	if (cJSON_GetArraySize(x.dropped) > 0)
		fprintf(
		    out, "  %d item%s not recorded: the mock cannot load them (manifest.json)\n",
		    cJSON_GetArraySize(x.dropped), cJSON_GetArraySize(x.dropped) == 1 ? "" : "s");
	fprintf(out,
		"The server's token was not recorded. The recording's token is a generated\n"
		"fixture token (not a secret): it is in %s/server.json, Users[0].Token.\n"
		"Replay: mock-emby --fixtures %s\n",
		od.out, od.out);
	if (w.count && verbosity <= 0)
		fprintf(err, "cwprogress record: %zu warning%s (-v shows them)\n", w.count,
			w.count == 1 ? "" : "s");
	rc = CWP_EXIT_OK;
#endif
done:
	if (tmp_made)
		cwp__rec_rmtree(od.tmp);
#ifdef CWP_HAVE_CLIENT
	emby_client_free(x.cl);
	free(x.uid_esc);
	cJSON_Delete(x.info);
	cJSON_Delete(x.user);
	cJSON_Delete(x.views);
	cJSON_Delete(x.sessions);
	cJSON_Delete(x.recordings);
	cJSON_Delete(x.why_verbatim);
	cJSON_Delete(x.dropped);
	cwp__rec_store_free(&x.store);
	cwp__redactor_free(&x.red);
#endif
	cwp__secret_free(token);
	cwp__secret_clear();
	free(libs);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	return cwp__cmd_record(argc, argv, stdout, stderr);
}
