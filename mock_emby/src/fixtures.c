/* Loading a fixture directory (docs/FIXTURES.md). Every problem stops the
 * start with a message naming the file and the JSON path of the bad value, so
 * a hand-written fixture is quick to fix. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cwp/json.h"

/* Format "<file>: <jsonpath>: <problem>" into err and return -1. */
int mock_emby__fx_fail(char *err, size_t errsz, const char *file, const char *jpath,
		       const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (err && errsz)
		snprintf(err, errsz, "%s: %s: %s", file, jpath, what);
	return -1;
}

int mock_emby__fx_join(char *out, const char *dir, const char *name, char *err, size_t errsz)
{
	int n = snprintf(out, MOCK_EMBY__PATHSZ, "%s/%s", dir, name);
	if (n < 0 || n >= MOCK_EMBY__PATHSZ) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

bool mock_emby__fx_file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Parse a JSON file. A syntax error is reported at its line and column. */
int mock_emby__fx_load_json(const char *path, cJSON **out, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	if (mock_emby__read_file(path, &text, &len) != 0) {
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	const char *end = NULL;
	cJSON *root = cwp_json_parse_opts(text, len, &end, 0);
	if (!root) {
		size_t line = 1, col = 1;
		const char *stop = end && end >= text && end <= text + len ? end : text;
		for (const char *p = text; p < stop; p++) {
			if (*p == '\n')
				line++, col = 1;
			else
				col++;
		}
		free(text);
		return mock_emby__fx_fail(err, errsz, path, "$",
					  "invalid JSON near line %zu, column %zu", line, col);
	}
	/* cJSON stops after the first value: trailing garbage is an error too. */
	const char *p = end;
	while (p && p < text + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p && p < text + len) {
		cJSON_Delete(root);
		free(text);
		return mock_emby__fx_fail(err, errsz, path, "$",
					  "unexpected text after the JSON value");
	}
	free(text);
	*out = root;
	return 0;
}

bool mock_emby__fx_is_hex32(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 32;
}

/* Fetch an optional string member; a present value must be a string. */
int mock_emby__fx_opt_string(const cJSON *obj, const char *key, char **out, bool nonempty,
			     bool required, const char *file, const char *base, char *err,
			     size_t errsz)
{
	char jp[MOCK_EMBY__JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	mock_emby__path_key(jp, sizeof jp, base, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return mock_emby__fx_fail(err, errsz, file, jp,
						  "missing (expected a string)");
		return 0;
	}
	if (!cJSON_IsString(v) || (nonempty && !*v->valuestring))
		return mock_emby__fx_fail(err, errsz, file, jp, "expected a %sstring",
					  nonempty ? "non-empty " : "");
	*out = mock_emby__strdup(v->valuestring);
	if (!*out)
		return mock_emby__fx_fail(err, errsz, file, jp, "out of memory");
	return 0;
}

int mock_emby__fx_opt_int(const cJSON *obj, const char *key, long *out, bool *has, int64_t min,
			  int64_t max, const char *file, const char *base, char *err, size_t errsz)
{
	char jp[MOCK_EMBY__JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	int64_t i;
	if (!mock_emby__json_int(v, min, max, &i)) {
		mock_emby__path_key(jp, sizeof jp, base, key);
		return mock_emby__fx_fail(err, errsz, file, jp,
					  "expected an integer in [%lld, %lld]", (long long)min,
					  (long long)max);
	}
	*out = (long)i;
	*has = true;
	return 0;
}

int mock_emby__fx_opt_date(const cJSON *obj, const char *key, int64_t *out, bool *has,
			   const char *file, const char *base, char *err, size_t errsz)
{
	char jp[MOCK_EMBY__JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !mock_emby__date_parse(v->valuestring, out)) {
		mock_emby__path_key(jp, sizeof jp, base, key);
		return mock_emby__fx_fail(err, errsz, file, jp,
					  "expected a date like 2022-06-22T15:57:25.0000000Z");
	}
	*has = true;
	return 0;
}

int mock_emby__fx_check_keys(const cJSON *obj, const char *const *allowed, const char *file,
			     const char *base, char *err, size_t errsz)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, obj)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(c->string, allowed[i]) == 0;
		if (!ok) {
			char jp[MOCK_EMBY__JPATHSZ];
			mock_emby__path_key(jp, sizeof jp, base, c->string);
			return mock_emby__fx_fail(err, errsz, file, jp,
						  "unknown key (see docs/FIXTURES.md)");
		}
	}
	return 0;
}

int mock_emby__check_userdata(const cJSON *ud, const char *file, const char *base, char *err,
			      size_t errsz)
{
	char jp[MOCK_EMBY__JPATHSZ];
	if (!cJSON_IsObject(ud))
		return mock_emby__fx_fail(err, errsz, file, base, "expected a UserData object");
	const cJSON *c;
	cJSON_ArrayForEach(c, ud)
	{
		mock_emby__path_key(jp, sizeof jp, base, c->string);
		int64_t i;
		if (strcmp(c->string, "PlaybackPositionTicks") == 0) {
			if (!mock_emby__json_int(c, 0, INT64_C(9007199254740992), &i))
				return mock_emby__fx_fail(
				    err, errsz, file, jp,
				    "expected a non-negative integer (ticks)");
		} else if (strcmp(c->string, "PlayCount") == 0) {
			if (!mock_emby__json_int(c, 0, INT32_MAX, &i))
				return mock_emby__fx_fail(err, errsz, file, jp,
							  "expected a non-negative integer");
		} else if (strcmp(c->string, "Played") == 0 ||
			   strcmp(c->string, "IsFavorite") == 0 ||
			   strcmp(c->string, "cwpResumable") == 0) {
			if (!cJSON_IsBool(c))
				return mock_emby__fx_fail(err, errsz, file, jp,
							  "expected true or false");
		} else if (strcmp(c->string, "PlayedPercentage") == 0) {
			if (!cJSON_IsNumber(c) && !cJSON_IsNull(c))
				return mock_emby__fx_fail(err, errsz, file, jp,
							  "expected a number");
		} else if (strcmp(c->string, "LastPlayedDate") == 0) {
			int64_t t;
			if (!cJSON_IsNull(c) &&
			    (!cJSON_IsString(c) || !mock_emby__date_parse(c->valuestring, &t)))
				return mock_emby__fx_fail(
				    err, errsz, file, jp,
				    "expected a date like 2022-06-22T15:57:25.0000000Z");
		} else if (strncmp(c->string, "cwp", 3) == 0) {
			return mock_emby__fx_fail(
			    err, errsz, file, jp,
			    "unknown mock annotation (only cwpResumable is defined)");
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the *.json files of a directory (none when absent). */
int mock_emby__fx_list_json(const char *dir, char ***out, size_t *n, char *err, size_t errsz)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "%s: cannot open: %s", dir, strerror(errno));
		return -1;
	}
	int rc = -1;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			char **p = realloc(*out, cap * sizeof *p);
			if (!p)
				goto done;
			*out = p;
		}
		if (!((*out)[*n] = mock_emby__strdup(de->d_name)))
			goto done;
		(*n)++;
	}
	if (*n)
		qsort(*out, *n, sizeof **out, cmp_str);
	rc = 0;
done:
	closedir(d);
	if (rc != 0)
		snprintf(err, errsz, "%s: out of memory", dir);
	return rc;
}

void mock_emby__fx_free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}
/* ---- public to the library ---- */

/* Emby accepts a user id with or without dashes, in any case. */
static bool same_guid(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-')
			a++;
		while (*b == '-')
			b++;
		char x = (char)(*a >= 'A' && *a <= 'Z' ? *a + 32 : *a);
		char y = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);
		if (x != y)
			return false;
		if (!x)
			return true;
		a++, b++;
	}
}

mock_emby__user *mock_emby__find_user(mock_emby *m, const char *id)
{
	for (size_t i = 0; id && i < m->n_users; i++)
		if (same_guid(m->users[i].id, id))
			return &m->users[i];
	return NULL;
}

const mock_emby__item *mock_emby__find_item(const mock_emby *m, const char *id)
{
	return mock_emby__map_get(&m->item_idx, id);
}

const mock_emby__library *mock_emby__find_library(const mock_emby *m, const char *id)
{
	for (size_t i = 0; i < m->n_libs; i++)
		if (strcmp(m->libs[i].id, id) == 0)
			return &m->libs[i];
	return NULL;
}

bool mock_emby__idxlist_push(mock_emby__idxlist *x, size_t i)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 4;
		size_t *v = realloc(x->v, cap * sizeof *v);
		if (!v)
			return false;
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = i;
	return true;
}

const mock_emby__idxlist *mock_emby__find_pid(const mock_emby *m, const char *name_dot_value)
{
	char small[256];
	size_t n = strlen(name_dot_value);
	if (n >= sizeof small)
		return NULL; /* no provider id is that long */
	for (size_t i = 0; i <= n; i++) {
		char c = name_dot_value[i];
		small[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	uintptr_t slot = (uintptr_t)mock_emby__map_get(&m->pid_idx, small);
	return slot ? &m->pid_lists[slot - 1] : NULL;
}

void mock_emby__udc_refresh(mock_emby__udc *c, const cJSON *ud)
{
	memset(c, 0, sizeof *c);
	c->ud = ud;
	if (!ud)
		return;
	int64_t v;
	const cJSON *x;
	x = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	if (x && mock_emby__json_int(x, 0, INT64_MAX, &v))
		c->pos = v;
	x = cJSON_GetObjectItemCaseSensitive(ud, "PlayCount");
	if (x && mock_emby__json_int(x, 0, INT64_MAX, &v))
		c->play_count = v;
	c->played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	c->favorite = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "IsFavorite"));
	x = cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate");
	c->has_last_played =
	    cJSON_IsString(x) && mock_emby__date_parse(x->valuestring, &c->last_played);
	/* Filters=IsResumable: position > 0, played or not (a rewatch is
	 * resumable: docs/FIXTURES.md), unless the fixture says otherwise with
	 * the mock annotation cwpResumable. */
	x = cJSON_GetObjectItemCaseSensitive(ud, "cwpResumable");
	c->resumable = cJSON_IsBool(x) ? cJSON_IsTrue(x) : c->pos > 0;
}

int mock_emby__user_reset(mock_emby *m, mock_emby__user *u)
{
	cJSON *live = cJSON_Duplicate(u->pristine, 1);
	mock_emby__udc *cache = calloc(m->n_items ? m->n_items : 1, sizeof *cache);
	mock_emby__map idx = {0};
	if (!live || !cache)
		goto fail;
	for (cJSON *c = live->child; c; c = c->next) {
		const mock_emby__item *it = mock_emby__find_item(m, c->string);
		if (!it || mock_emby__map_put(&idx, c->string, c) != 0)
			goto fail;
		mock_emby__ud_percentage(c, it); /* as Emby: from position and runtime */
		mock_emby__udc_refresh(&cache[it->index], c);
	}
	cJSON_Delete(u->live);
	mock_emby__map_free(&u->idx);
	free(u->cache);
	u->live = live;
	u->idx = idx;
	u->cache = cache;
	free(u->playing);
	u->playing = NULL;
	return 0;
fail:
	mock_emby__map_free(&idx);
	cJSON_Delete(live);
	free(cache);
	return -1;
}

int mock_emby__load(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	if (!(m->dir = mock_emby__strdup(dir)))
		return -1;
	if (mock_emby__fx_load_server(m, dir, err, errsz) != 0 ||
	    mock_emby__fx_load_items(m, dir, err, errsz) != 0 ||
	    mock_emby__fx_load_userdata(m, dir, err, errsz) != 0 ||
	    mock_emby__fx_load_sessions(m, dir, err, errsz) != 0 ||
	    mock_emby__fx_load_recordings(m, dir, err, errsz) != 0)
		return -1;
	for (size_t i = 0; i < m->n_users; i++) {
		if (mock_emby__user_reset(m, &m->users[i]) != 0) {
			snprintf(err, errsz, "%s: out of memory", dir);
			return -1;
		}
	}
	if (!(m->sessions = cJSON_Duplicate(m->sessions_pristine, 1))) {
		snprintf(err, errsz, "%s: out of memory", dir);
		return -1;
	}
	return 0;
}

void mock_emby__unload(mock_emby *m)
{
	for (size_t i = 0; i < m->n_items; i++) {
		mock_emby__item *it = &m->items[i];
		free(it->id);
		free(it->type);
		free(it->name);
		free(it->sort_name);
		free(it->series_id);
		free(it->season_id);
		free(it->library_id);
		for (size_t j = 0; j < it->n_pids; j++) {
			free(it->pids[j].name_lc);
			free(it->pids[j].value);
			free(it->pids[j].key);
		}
		free(it->pids);
		free(it->json);
		free(it->segs);
	}
	free(m->items);
	mock_emby__map_free(&m->item_idx);
	mock_emby__map_free(&m->pid_idx);
	for (size_t i = 0; i < m->n_pid_lists; i++)
		free(m->pid_lists[i].v);
	free(m->pid_lists);
	for (size_t i = 0; i < m->n_users; i++) {
		mock_emby__user *u = &m->users[i];
		free(u->id);
		free(u->name);
		free(u->password);
		free(u->token);
		cJSON_Delete(u->pristine);
		cJSON_Delete(u->live);
		mock_emby__map_free(&u->idx);
		free(u->cache);
		free(u->playing);
	}
	free(m->users);
	for (size_t i = 0; i < m->n_libs; i++) {
		free(m->libs[i].id);
		free(m->libs[i].name);
		free(m->libs[i].collection_type);
	}
	free(m->libs);
	for (size_t i = 0; i < m->n_api_keys; i++)
		free(m->api_keys[i]);
	free(m->api_keys);
	for (size_t i = 0; i < m->n_recs; i++) {
		mock_emby__recording *r = &m->recs[i];
		free(r->file);
		free(r->method);
		free(r->path);
		mock_emby__query_free(&r->query);
		free(r->headers);
		free(r->ctype);
		free(r->body);
	}
	free(m->recs);
	cJSON_Delete(m->sessions_pristine);
	cJSON_Delete(m->sessions);
	cJSON_Delete(m->system_info_extra);
	free(m->server_name);
	free(m->server_id);
	free(m->version);
	free(m->local_address);
	free(m->os);
	free(m->dir);
}
