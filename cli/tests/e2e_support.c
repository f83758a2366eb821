/* End-to-end test support (see e2e_support.h). */
#include "e2e_support.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cwp_test.h"
#include "cwp/json.h"

char *e2e_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			assert_non_null(nb);
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	buf[n] = 0;
	fclose(f);
	return buf;
}

static char *read_stream(FILE *f)
{
	fflush(f);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	size_t got = fread(buf, 1, (size_t)len, f);
	buf[got] = 0;
	return buf;
}

static void fixture_path(char *out, size_t sz, const char *name)
{
	if (name[0] == '/')
		snprintf(out, sz, "%s", name);
	else
		snprintf(out, sz, "%s/cli/tests/fixtures/%s", CWP_SOURCE_DIR, name);
}

void e2e_write_pair(e2e_env *e, const char *progress_json, const char *src_auth,
		    const char *dst_auth)
{
	FILE *f = fopen(e->pair, "w");
	assert_non_null(f);
	fprintf(
	    f,
	    "{\"source\": {\"url\": \"%s\", \"user_id\": \"%s\", %s, \"label\": \"src\"},\n"
	    " \"destination\": {\"url\": \"%s\", \"user_id\": \"%s\", %s, \"label\": \"dst\"},\n"
	    " \"features\": {\"progress\": %s}}\n",
	    mock_emby_url(e->src), E2E_SRC_USER,
	    src_auth ? src_auth : "\"token_env\": \"E2E_SRC_TOKEN\"", mock_emby_url(e->dst),
	    E2E_DST_USER, dst_auth ? dst_auth : "\"token_env\": \"E2E_DST_TOKEN\"",
	    progress_json ? progress_json : "{\"remove\": true}");
	assert_int_equal(fclose(f), 0);
}

void e2e_start(e2e_env *e, const char *src_fixture, const char *dst_fixture,
	       const char *progress_json)
{
	memset(e, 0, sizeof(*e));
	char err[1024], path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	snprintf(e->dir, sizeof(e->dir), "%s/cwp-e2e-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->pair, sizeof(e->pair), "%s/pair.json", e->dir);
	snprintf(e->journal, sizeof(e->journal), "%s/journal.jsonl", e->dir);
	/* Default journals (none of the tests rely on them) stay in the folder. */
	setenv("XDG_STATE_HOME", e->dir, 1);
	setenv("E2E_SRC_TOKEN", E2E_SRC_TOKEN, 1);
	setenv("E2E_DST_TOKEN", E2E_DST_TOKEN, 1);
	unsetenv("NO_COLOR");
	unsetenv("CWPROGRESS_FORCE_COLOR");

	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	fixture_path(path, sizeof(path), src_fixture);
	o.fixtures_dir = path;
	if (mock_emby_start(&e->src, &o, err, sizeof(err)) != 0)
		fail_msg("source mock: %s", err);
	fixture_path(path, sizeof(path), dst_fixture);
	o.fixtures_dir = path;
	if (mock_emby_start(&e->dst, &o, err, sizeof(err)) != 0)
		fail_msg("destination mock: %s", err);
	e2e_write_pair(e, progress_json, NULL, NULL);
}

static void rm_rf(const char *dir)
{
	/* The folder holds only flat files this suite wrote (and the default
	 * journal folder cwprogress/). */
	char cmd[PATH_MAX + 32];
	if (!strstr(dir, "/cwp-e2e-"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

void e2e_stop(e2e_env *e)
{
	mock_emby_stop(e->src);
	mock_emby_stop(e->dst);
	free(e->out);
	free(e->err);
	rm_rf(e->dir);
	memset(e, 0, sizeof(*e));
}

int e2e_run(e2e_env *e, e2e_verb verb, const char *name, ...)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = strdup(name);
	va_list ap;
	va_start(ap, name);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	/* getopt may permute argv: keep the originals to free them. */
	char *orig[64];
	memcpy(orig, argv, sizeof(argv));
	FILE *out = tmpfile(), *err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	e->rc = verb(argc, argv, out, err);
	free(e->out);
	free(e->err);
	e->out = read_stream(out);
	e->err = read_stream(err);
	fclose(out);
	fclose(err);
	for (int i = 0; i < argc; i++)
		free(orig[i]);
	return e->rc;
}

static cJSON *item_userdata(mock_emby *m, const char *user, const char *item, cJSON **root)
{
	char *s = mock_emby_userdata_json(m, user);
	assert_non_null(s);
	*root = cwp_json_parse_str(s);
	mock_emby_free(s);
	assert_non_null(*root);
	return cJSON_GetObjectItemCaseSensitive(*root, item);
}

int64_t e2e_ticks(mock_emby *m, const char *user, const char *item)
{
	cJSON *root;
	cJSON *ud = item_userdata(m, user, item, &root);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	int64_t v = cJSON_IsNumber(t) ? (int64_t)t->valuedouble : -1;
	if (cJSON_IsString(t)) {
		char *end = NULL;
		long long x = strtoll(t->valuestring, &end, 10);
		v = *t->valuestring && end && !*end ? (int64_t)x : -1;
	}
	cJSON_Delete(root);
	return v;
}

bool e2e_played(mock_emby *m, const char *user, const char *item)
{
	cJSON *root;
	cJSON *ud = item_userdata(m, user, item, &root);
	bool v = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	cJSON_Delete(root);
	return v;
}

const char *e2e_date(mock_emby *m, const char *user, const char *item, char *buf)
{
	cJSON *root;
	cJSON *ud = item_userdata(m, user, item, &root);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate");
	snprintf(buf, 64, "%s", cJSON_IsString(d) ? d->valuestring : "");
	cJSON_Delete(root);
	return buf;
}

size_t e2e_posts(mock_emby *m)
{
	return mock_emby_count(m, "POST", E2E_USERDATA_ROUTE);
}

size_t e2e_deletes(mock_emby *m)
{
	return mock_emby_count(m, "DELETE", E2E_PLAYED_ROUTE);
}

cJSON *e2e_json_out(e2e_env *e)
{
	cJSON *o = cwp_json_parse_str(e->out);
	if (!o)
		fail_msg("stdout is not JSON: %.400s\nstderr: %.400s", e->out, e->err);
	return o;
}

const char *e2e_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

const cJSON *e2e_report_item(const cJSON *report, const char *key, const char *item_id)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(report, "items"))
	{
		if (strcmp(e2e_str(it, "key"), key))
			continue;
		if (item_id && strcmp(e2e_str(it, "item_id"), item_id))
			continue;
		return it;
	}
	return NULL;
}
