/* Test support for the mock_emby suites (see mock_test.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "mock_test.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cwp/json.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_cleanup(void)
{
	curl_global_cleanup();
}

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	atexit(curl_cleanup);
}

const char *mt_fixture(const char *name)
{
	static char path[4096];
	const char *src = getenv("CWP_SOURCE_DIR");
	if (!src || !*src)
		src = CWP_SOURCE_DIR;
	snprintf(path, sizeof path, "%s/mock_emby/fixtures/%s", src, name);
	return path;
}

mock_emby *mt_start_opts(const mock_emby_options *o)
{
	char err[1024];
	mock_emby *m = NULL;
	if (mock_emby_start(&m, o, err, sizeof err) != 0)
		fail_msg("mock_emby_start: %s", err);
	return m;
}

mock_emby *mt_start(const char *name)
{
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = mt_fixture(name);
	return mt_start_opts(&o);
}

typedef struct sink {
	char *p;
	size_t len;
} sink;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	sink *s = ud;
	size_t add = size * n;
	char *p = realloc(s->p, s->len + add + 1);
	if (!p)
		return 0;
	memcpy(p + s->len, ptr, add);
	s->p = p;
	s->len += add;
	s->p[s->len] = '\0';
	return add;
}

mt_resp mt_req(mock_emby *m, const char *method, const char *path, const char *const *headers,
	       const char *body)
{
	pthread_once(&curl_once, curl_init);
	mt_resp r;
	memset(&r, 0, sizeof r);
	char url[8192];
	snprintf(url, sizeof url, "%s%s", mock_emby_url(m), path);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	if (body)
		hl = curl_slist_append(hl, "Content-Type: application/json");
	sink b = {0}, h = {0};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	r.code = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	r.body = b.p ? b.p : calloc(1, 1);
	r.len = b.len;
	r.headers = h.p ? h.p : calloc(1, 1);
	return r;
}

mt_resp mt_get(mock_emby *m, const char *path, const char *token)
{
	char h[256];
	snprintf(h, sizeof h, "X-Emby-Token: %s", token ? token : "");
	const char *hs[] = {h, NULL};
	return mt_req(m, "GET", path, token ? hs : NULL, NULL);
}

mt_resp mt_post(mock_emby *m, const char *path, const char *token, const char *body)
{
	char h[256];
	snprintf(h, sizeof h, "X-Emby-Token: %s", token ? token : "");
	const char *hs[] = {h, NULL};
	return mt_req(m, "POST", path, token ? hs : NULL, body ? body : "");
}

void mt_free(mt_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

cJSON *mt_json(const mt_resp *r)
{
	cJSON *j = cwp_json_parse(r->body, r->len);
	if (!j)
		fail_msg("not JSON (status %ld): %.300s", r->status, r->body);
	return j;
}

int mt_count_items(const cJSON *env)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(env, "Items");
	if (!cJSON_IsArray(items))
		fail_msg("no Items array");
	return cJSON_GetArraySize(items);
}

long mt_total(const cJSON *env)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(env, "TotalRecordCount");
	if (!cJSON_IsNumber(t))
		fail_msg("no TotalRecordCount");
	return (long)t->valuedouble;
}

const char *mt_item_id(const cJSON *item)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "Id");
	if (!cJSON_IsString(id))
		fail_msg("item without a string Id");
	return id->valuestring;
}

bool mt_has_item(const cJSON *env, const char *id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(env, "Items"))
	{
		if (strcmp(mt_item_id(it), id) == 0)
			return true;
	}
	return false;
}

const cJSON *mt_userdata(const cJSON *item)
{
	return cJSON_GetObjectItemCaseSensitive(item, "UserData");
}

long long mt_num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v))
		fail_msg("%s: not a number", key);
	return (long long)v->valuedouble;
}

char *mt_tmpdir(void)
{
	const char *bin = getenv("CWP_BINARY_DIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/mock_emby_tmp_XXXXXX", bin && *bin ? bin : "/tmp");
	char *d = mkdtemp(tmpl);
	if (!d)
		fail_msg("mkdtemp %s: %s", tmpl, strerror(errno));
	char *copy = strdup(d);
	assert_non_null(copy);
	return copy;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void mt_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void mt_write(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}
