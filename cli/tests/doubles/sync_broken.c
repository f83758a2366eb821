/* Deliberately broken sync tools for `cwprogress conform --sync-cmd`'s own
 * tests (cli/tests/conform_sync.cmake). Each one is this project's real sync
 * (the wrapper script, $CWP_SYNC_WRAPPER) plus one defect that upstream
 * tools have had, so that the runner must fail the rule it breaks:
 *
 *   clear-absent     after the sync, clears every destination position whose
 *                    item shares no provider id with a resumable source item;
 *                    a source read that fails counts as an empty source
 *                    (PLAN-02, READ-05)
 *   ignore-sessions  after the sync, writes the source's position to every
 *                    item the destination user is playing now (APPLY-01)
 *   source-ids       after the sync, writes each resumable source item's
 *                    position to the destination item that has the
 *                    *source's* item id, where there is one (RES-01/02)
 *
 * It speaks the runner's environment contract (docs/PORTING.md); tokens come
 * from CWP_SOURCE_TOKEN / CWP_DESTINATION_TOKEN and are never printed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

typedef struct side {
	const char *url, *user, *token;
} side;

typedef struct buf {
	char *p;
	size_t n;
} buf;

static size_t on_data(char *d, size_t sz, size_t nm, void *ud)
{
	buf *b = ud;
	char *np = realloc(b->p, b->n + sz * nm + 1);
	if (!np)
		return 0;
	memcpy(np + b->n, d, sz * nm);
	b->p = np;
	b->n += sz * nm;
	b->p[b->n] = '\0';
	return sz * nm;
}

/* One request; the parsed JSON answer of a 2xx, else NULL. */
static cJSON *request(const side *s, const char *method, const char *path, const char *body)
{
	char url[2048], auth[256];
	buf b = {NULL, 0};
	long status = 0;
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	snprintf(url, sizeof(url), "%s%s", s->url, path);
	snprintf(auth, sizeof(auth), "X-Emby-Token: %s", s->token);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	cJSON *j = rc == CURLE_OK && status / 100 == 2 && b.p ? cJSON_Parse(b.p) : NULL;
	free(b.p);
	return j;
}

/* The user's resumable movies and episodes, every page; on any failure
 * what was read so far (the defect of clear-absent: a failed read is an
 * empty source). */
static cJSON *resumable(const side *s)
{
	cJSON *all = cJSON_CreateArray();
	for (int start = 0, page = 0; page < 50; page++) {
		char path[512];
		snprintf(path, sizeof(path),
			 "/Users/%s/Items?Recursive=true&IncludeItemTypes=Movie,Episode"
			 "&Filters=IsResumable&EnableUserData=true&Fields=ProviderIds"
			 "&StartIndex=%d&Limit=100",
			 s->user, start);
		cJSON *ans = request(s, "GET", path, NULL);
		cJSON *items = cJSON_GetObjectItemCaseSensitive(ans, "Items");
		int n = cJSON_GetArraySize(items);
		while (cJSON_GetArraySize(items) > 0)
			cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(items, 0));
		cJSON_Delete(ans);
		if (n == 0)
			break;
		start += n;
	}
	return all;
}

static double ticks_of(const cJSON *item)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(item, "UserData"), "PlaybackPositionTicks");
	return cJSON_IsNumber(t) ? t->valuedouble : 0;
}

static const char *id_of(const cJSON *item)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "Id");
	return cJSON_IsString(id) ? id->valuestring : "";
}

/* Whether two items share a provider id value (name and value). */
static bool share_id(const cJSON *a, const cJSON *b)
{
	const cJSON *pa = cJSON_GetObjectItemCaseSensitive(a, "ProviderIds"), *x;
	const cJSON *pb = cJSON_GetObjectItemCaseSensitive(b, "ProviderIds");
	cJSON_ArrayForEach(x, pa)
	{
		const cJSON *y = cJSON_GetObjectItem(pb, x->string);
		if (cJSON_IsString(x) && cJSON_IsString(y) && *x->valuestring &&
		    !strcmp(x->valuestring, y->valuestring))
			return true;
	}
	return false;
}

static void write_ticks(const side *d, const char *item, double ticks)
{
	char path[512], body[64];
	snprintf(path, sizeof(path), "/Users/%s/Items/%s/UserData", d->user, item);
	snprintf(body, sizeof(body), "{\"PlaybackPositionTicks\":%.0f}", ticks);
	cJSON_Delete(request(d, "POST", path, body));
}

static void clear_absent(const side *s, const side *d)
{
	cJSON *src = resumable(s), *dst = resumable(d);
	const cJSON *di, *si;
	cJSON_ArrayForEach(di, dst)
	{
		bool present = false;
		cJSON_ArrayForEach(si, src) present = present || share_id(si, di);
		if (!present && ticks_of(di) > 0)
			write_ticks(d, id_of(di), 0);
	}
	cJSON_Delete(src);
	cJSON_Delete(dst);
}

static void ignore_sessions(const side *s, const side *d)
{
	cJSON *sessions = request(d, "GET", "/Sessions", NULL);
	cJSON *src = resumable(s);
	const cJSON *se, *si;
	cJSON_ArrayForEach(se, sessions)
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(se, "UserId");
		const cJSON *np = cJSON_GetObjectItemCaseSensitive(se, "NowPlayingItem");
		if (!cJSON_IsString(u) || strcmp(u->valuestring, d->user) || !np)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "/Users/%s/Items/%s", d->user, id_of(np));
		cJSON *item = request(d, "GET", path, NULL);
		cJSON_ArrayForEach(si, src)
		{
			if (item && share_id(si, item))
				write_ticks(d, id_of(np), ticks_of(si));
		}
		cJSON_Delete(item);
	}
	cJSON_Delete(src);
	cJSON_Delete(sessions);
}

/* Upstream's defect: the source's item id used on the destination (only
 * where the destination has an item of that id: a write to a missing item
 * would fail loudly, a write to the wrong one does not). */
static void source_ids(const side *s, const side *d)
{
	cJSON *src = resumable(s);
	const cJSON *si;
	cJSON_ArrayForEach(si, src)
	{
		char path[512];
		snprintf(path, sizeof(path), "/Users/%s/Items/%s", d->user, id_of(si));
		cJSON *there = request(d, "GET", path, NULL);
		if (there)
			write_ticks(d, id_of(si), ticks_of(si));
		cJSON_Delete(there);
	}
	cJSON_Delete(src);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr,
			"sync_broken: %s is not set (run me through cwprogress conform "
			"--sync-cmd)\n",
			name);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *mode = argc == 2 ? argv[1] : "";
	if (strcmp(mode, "clear-absent") && strcmp(mode, "ignore-sessions") &&
	    strcmp(mode, "source-ids")) {
		fprintf(stderr, "usage: sync_broken clear-absent|ignore-sessions|source-ids\n");
		return 2;
	}
	side s = {env("CWP_SOURCE_URL"), env("CWP_SOURCE_USER"), env("CWP_SOURCE_TOKEN")};
	side d = {env("CWP_DESTINATION_URL"), env("CWP_DESTINATION_USER"),
		  env("CWP_DESTINATION_TOKEN")};
	bool dry = !strcmp(getenv("CWP_CONFORM_DRY_RUN") ? getenv("CWP_CONFORM_DRY_RUN") : "", "1");
	int rc = 0;
	{
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "sh '%s'", env("CWP_SYNC_WRAPPER"));
		int st = system(cmd);
		rc = st == -1 ? 2 : WEXITSTATUS(st);
	}
	/* source-ids breaks only runs that went well; clear-absent breaks any
	 * (a failed source read is its empty source). */
	if (dry || (rc != 0 && strcmp(mode, "clear-absent")))
		return rc;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(mode, "clear-absent"))
		clear_absent(&s, &d);
	else if (!strcmp(mode, "ignore-sessions"))
		ignore_sessions(&s, &d);
	else
		source_ids(&s, &d);
	curl_global_cleanup();
	return rc;
}
