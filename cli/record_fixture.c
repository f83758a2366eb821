/* `cwprogress record`: the fixture's files (docs/FIXTURES.md, "Recording a
 * server"): server.json with a generated token, items.json and userdata/
 * (record_store.c), sessions.json, recordings/listings.json for verbatim
 * pages, and manifest.json saying what was recorded, redacted and when. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cwp/cwp.h"
#include "record.h"

#ifdef CWP_HAVE_CLIENT

typedef cwp__recorder rec;

const char *cwp__rec_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Series belong to the library their listed episodes were listed under
 * (the mock gives unlisted episodes their series' library). */
static void series_libraries(rec *x)
{
	for (size_t i = 0; i < x->store.n; i++) {
		const cwp__rec_item *e = &x->store.v[i];
		const char *sid = cwp__rec_str(e->obj, "SeriesId");
		size_t at;
		if (!e->listed || !e->library || !sid || !cwp__rec_store_find(&x->store, sid, &at))
			continue;
		cwp__rec_item *s = &x->store.v[at];
		if (!s->library)
			s->library = strdup(e->library); /* out of memory: no library */
	}
}

/* ---- the fixture's files ----------------------------------------------- */

static bool add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* --library: each library as server.json lists it, named from /Views. */
static bool add_library(const rec *x, cJSON *libs, const char *lib)
{
	cJSON *l = cJSON_CreateObject();
	if (!l || !cJSON_AddItemToArray(libs, l)) {
		cJSON_Delete(l);
		return false;
	}
	const cJSON *v = NULL, *found = NULL;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(x->views, "Items"))
	{
		const char *id = cwp__rec_str(v, "Id");
		if (id && !strcmp(id, lib))
			found = v;
	}
	const char *lname = cwp__rec_str(found, "Name");
	const char *ct = cwp__rec_str(found, "CollectionType");
	char fallback[96];
	snprintf(fallback, sizeof(fallback), "Library %.60s", lib);
	return add_str(l, "Id", lib) && add_str(l, "Name", lname && *lname ? lname : fallback) &&
	       (!ct || !*ct || add_str(l, "CollectionType", ct));
}

/* The recorded user, with the fixture token. */
static cJSON *user_json(rec *x, const char *token)
{
	const char *uname = cwp__rec_str(x->user, "Name");
	cJSON *u = cJSON_CreateObject();
	char *uname_ph = NULL;
	if ((x->red.what & CWP__REDACT_NAMES) && uname && *uname)
		uname_ph = cwp__redact_value(&x->red, CWP__RK_USER, uname);
	bool ok = u && add_str(u, "Id", x->uid) &&
		  add_str(u, "Name",
			  uname_ph          ? uname_ph
			  : uname && *uname ? uname
					    : "user") &&
		  add_str(u, "Token", token);
	free(uname_ph);
	if (!ok) {
		cJSON_Delete(u);
		return NULL;
	}
	return u;
}

static cJSON *server_json(rec *x, const char *token, char *server_id)
{
	cJSON *s = cJSON_CreateObject();
	cJSON *users = cJSON_CreateArray();
	cJSON *u = user_json(x, token);
	if (!s || !users || !u) {
		cJSON_Delete(u);
		goto fail;
	}
	cJSON_AddItemToArray(users, u);
	const char *name = cwp__rec_str(x->info, "ServerName");
	const char *version = cwp__rec_str(x->info, "Version");
	const char *os = cwp__rec_str(x->info, "OperatingSystem");
	if (!add_str(s, "Comment",
		     "Recorded from an Emby server by cwprogress record (docs/FIXTURES.md, "
		     "\"Recording a server\"). The user's Token is a generated fixture token, "
		     "not the server's: it is not a secret.") ||
	    !add_str(s, "ServerName", name && *name ? name : "Recorded Emby") ||
	    !add_str(s, "Id", server_id) ||
	    (version && *version && !add_str(s, "Version", version)) ||
	    (os && *os && !add_str(s, "OperatingSystem", os)))
		goto fail;
	cJSON *libs = x->n_libs ? cJSON_AddArrayToObject(s, "Libraries") : NULL;
	if (x->n_libs && !libs)
		goto fail;
	for (size_t i = 0; i < x->n_libs; i++)
		if (!add_library(x, libs, x->libs[i]))
			goto fail;
	if (!cJSON_AddItemToObject(s, "Users", users))
		goto fail;
	return s;
fail:
	cJSON_Delete(users);
	cJSON_Delete(s);
	return NULL;
}

/* The server's id as the mock needs it (32 lowercase hex); another form is
 * replaced by a stable one made from it. */
static void server_id_of(char out[33], const cJSON *info)
{
	const char *id = cwp__rec_str(info, "Id");
	if (id && cwp__rec_guid_norm(out, id))
		return;
	uint64_t h1 = UINT64_C(14695981039346656037), h2 = UINT64_C(1099511628211);
	for (const char *p = id ? id : ""; *p; p++) {
		h1 = (h1 ^ (unsigned char)*p) * UINT64_C(1099511628211);
		h2 = (h2 ^ (unsigned char)*p) * UINT64_C(14029467366897019727);
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

/* manifest.json's "scope": what was asked for. */
static bool manifest_scope(const rec *x, cJSON *m)
{
	cJSON *scope = cJSON_AddObjectToObject(m, "scope");
	cJSON *libs = scope ? cJSON_AddArrayToObject(scope, "libraries") : NULL;
	bool ok = libs != NULL;
	for (size_t i = 0; ok && i < x->n_libs; i++)
		ok = cJSON_AddItemToArray(libs, cJSON_CreateString(x->libs[i]));
	return ok &&
	       (x->limit >= 0 ? cJSON_AddNumberToObject(scope, "limit", (double)x->limit)
			      : cJSON_AddNullToObject(scope, "limit")) &&
	       cJSON_AddBoolToObject(scope, "limit_reached", x->limit_cut > 0) &&
	       cJSON_AddBoolToObject(scope, "whole_library", x->whole) &&
	       cJSON_AddNumberToObject(scope, "page_size", x->page_size);
}

/* manifest.json's "counts": what was recorded. */
static bool manifest_counts(const rec *x, cJSON *m, size_t pinned)
{
	size_t ud = 0;
	for (size_t i = 0; i < x->store.n; i++)
		ud += x->store.v[i].ud != NULL;
	const struct {
		const char *name;
		size_t n;
	} c[] = {
	    {"items", x->store.n},
	    {"resumable", x->listed},
	    {"userdata", ud},
	    {"series_listings", x->series},
	    {"item_requests", x->lookups},
	    {"whole_library_rows", x->whole_rows},
	    {"sessions", (size_t)cJSON_GetArraySize(x->sessions)},
	    {"resumable_pinned", pinned},
	    {"verbatim_pages", x->verbatim_pages},
	    {"userdata_members_dropped", x->store.dropped_userdata},
	};
	cJSON *counts = cJSON_AddObjectToObject(m, "counts");
	bool ok = counts != NULL;
	for (size_t i = 0; ok && i < sizeof(c) / sizeof(c[0]); i++)
		ok = cJSON_AddNumberToObject(counts, c[i].name, (double)c[i].n) != NULL;
	return ok;
}

/* manifest.json's "redacted": what --redact replaced, and how many. */
static bool manifest_redacted(const rec *x, cJSON *m)
{
	cJSON *red = cJSON_AddObjectToObject(m, "redacted");
	bool ok = red &&
		  cJSON_AddBoolToObject(red, "names", (x->red.what & CWP__REDACT_NAMES) != 0) &&
		  cJSON_AddBoolToObject(red, "paths", (x->red.what & CWP__REDACT_PATHS) != 0);
	cJSON *rep = ok ? cJSON_AddObjectToObject(red, "replaced") : NULL;
	ok = rep != NULL;
	for (int k = 0; ok && k < CWP__RK_COUNT; k++)
		ok = cJSON_AddNumberToObject(
			 rep, cwp__redact_kind_name((cwp__redact_kind)k),
			 (double)cwp__redact_count(&x->red, (cwp__redact_kind)k)) != NULL;
	return ok;
}

static cJSON *manifest_json(rec *x, const char *server_name, const char *server_id,
			    const char *recorded_at, size_t pinned)
{
	cJSON *m = cJSON_CreateObject();
	if (!m)
		return NULL;
	bool ok = add_str(m, "format", "cwprogress-recording/1") &&
		  add_str(m, "recorded_at", recorded_at) &&
		  add_str(m, "recorded_by", "cwprogress " CWP_VERSION_STRING);
	cJSON *srv = ok ? cJSON_AddObjectToObject(m, "server") : NULL;
	const char *version = cwp__rec_str(x->info, "Version");
	ok = srv && add_str(srv, "name", server_name) && add_str(srv, "id", server_id) &&
	     add_str(srv, "version", version ? version : "") && add_str(m, "user_id", x->uid) &&
	     manifest_scope(x, m) && manifest_counts(x, m, pinned) && manifest_redacted(x, m) &&
	     add_str(m, "token",
		     "not recorded: server.json Users[0].Token is a generated fixture "
		     "token, and every answer was scrubbed of the server's token");
	cJSON *recs = ok ? cJSON_AddArrayToObject(m, "recordings") : NULL;
	ok = recs != NULL;
	if (ok && x->verbatim_pages) {
		cJSON *r = cJSON_CreateObject();
		ok = r && cJSON_AddItemToArray(recs, r) &&
		     add_str(r, "file", "recordings/listings.json") &&
		     cJSON_AddItemToObject(r, "why", cJSON_Duplicate(x->why_verbatim, 1));
	}
	ok = ok && cJSON_AddItemToObject(m, "dropped", cJSON_Duplicate(x->dropped, 1));
	if (!ok) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

/* Write the fixture into dir. */
int cwp__rec_write_fixture(rec *x, const char *dir, const char *token, char *err, size_t errsz)
{
	char server_id[33], recorded_at[40];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (cwp_time_format(recorded_at, sizeof(recorded_at),
			    (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000) != 0)
		snprintf(recorded_at, sizeof(recorded_at), "unknown");
	server_id_of(server_id, x->info);
	series_libraries(x);
	size_t pinned = cwp__rec_store_pin_resumable(&x->store);

	cJSON *server = server_json(x, token, server_id);
	const char *sname = server ? cwp__rec_str(server, "ServerName") : NULL;
	cJSON *manifest = server ? manifest_json(x, sname, server_id, recorded_at, pinned) : NULL;
	int rc = CWP_ENOMEM;
	if (!server || !manifest) {
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	if ((rc = cwp__rec_write_json(dir, "server.json", server, true, x->token, err, errsz)) ||
	    (rc = cwp__rec_store_write(&x->store, dir, x->uid, err, errsz)) ||
	    (rc = cwp__rec_write_json(dir, "sessions.json", x->sessions, true, x->token, err,
				      errsz)))
		goto done;
	if (x->verbatim_pages) {
		char rdir[PATH_MAX];
		int rl = snprintf(rdir, sizeof(rdir), "%s/recordings", dir);
		if (rl < 0 || (size_t)rl >= sizeof(rdir)) {
			snprintf(err, errsz, "%s: path too long", dir);
			rc = CWP_EINVAL;
			goto done;
		}
		if (mkdir(rdir, 0700) != 0) {
			snprintf(err, errsz, "%s: cannot create: %s", rdir, strerror(errno));
			rc = CWP_EIO;
			goto done;
		}
		rc = cwp__rec_write_json(rdir, "listings.json", x->recordings, true, x->token, err,
					 errsz);
		if (rc)
			goto done;
	}
	rc = cwp__rec_write_json(dir, "manifest.json", manifest, true, x->token, err, errsz);
done:
	cJSON_Delete(server);
	cJSON_Delete(manifest);
	return rc;
}

#endif /* CWP_HAVE_CLIENT */
