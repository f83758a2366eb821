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

#define PATHSZ  4096
#define JPATHSZ 512

/* Format "<file>: <jsonpath>: <problem>" into err and return -1. */
static int fail(char *err, size_t errsz, const char *file, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errsz, const char *file, const char *jpath, const char *fmt, ...)
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

static int join(char *out, const char *dir, const char *name, char *err, size_t errsz)
{
	int n = snprintf(out, PATHSZ, "%s/%s", dir, name);
	if (n < 0 || n >= PATHSZ) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Parse a JSON file. A syntax error is reported at its line and column. */
static int load_json(const char *path, cJSON **out, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	if (mock_emby__read_file(path, &text, &len) != 0) {
		snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
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
		return fail(err, errsz, path, "$", "invalid JSON near line %zu, column %zu", line,
			    col);
	}
	/* cJSON stops after the first value: trailing garbage is an error too. */
	const char *p = end;
	while (p && p < text + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p && p < text + len) {
		cJSON_Delete(root);
		free(text);
		return fail(err, errsz, path, "$", "unexpected text after the JSON value");
	}
	free(text);
	*out = root;
	return 0;
}

static bool is_hex32(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 32;
}

/* Fetch an optional string member; a present value must be a string. */
static int opt_string(const cJSON *obj, const char *key, char **out, bool nonempty, bool required,
		      const char *file, const char *base, char *err, size_t errsz)
{
	char jp[JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	mock_emby__path_key(jp, sizeof jp, base, key);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return fail(err, errsz, file, jp, "missing (expected a string)");
		return 0;
	}
	if (!cJSON_IsString(v) || (nonempty && !*v->valuestring))
		return fail(err, errsz, file, jp, "expected a %sstring",
			    nonempty ? "non-empty " : "");
	*out = mock_emby__strdup(v->valuestring);
	if (!*out)
		return fail(err, errsz, file, jp, "out of memory");
	return 0;
}

static int opt_int(const cJSON *obj, const char *key, long *out, bool *has, int64_t min,
		   int64_t max, const char *file, const char *base, char *err, size_t errsz)
{
	char jp[JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	int64_t i;
	if (!mock_emby__json_int(v, min, max, &i)) {
		mock_emby__path_key(jp, sizeof jp, base, key);
		return fail(err, errsz, file, jp, "expected an integer in [%lld, %lld]",
			    (long long)min, (long long)max);
	}
	*out = (long)i;
	*has = true;
	return 0;
}

static int opt_date(const cJSON *obj, const char *key, int64_t *out, bool *has, const char *file,
		    const char *base, char *err, size_t errsz)
{
	char jp[JPATHSZ];
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*has = false;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !mock_emby__date_parse(v->valuestring, out)) {
		mock_emby__path_key(jp, sizeof jp, base, key);
		return fail(err, errsz, file, jp,
			    "expected a date like 2022-06-22T15:57:25.0000000Z");
	}
	*has = true;
	return 0;
}

static int check_keys(const cJSON *obj, const char *const *allowed, const char *file,
		      const char *base, char *err, size_t errsz)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, obj)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(c->string, allowed[i]) == 0;
		if (!ok) {
			char jp[JPATHSZ];
			mock_emby__path_key(jp, sizeof jp, base, c->string);
			return fail(err, errsz, file, jp, "unknown key (see docs/FIXTURES.md)");
		}
	}
	return 0;
}

int mock_emby__check_userdata(const cJSON *ud, const char *file, const char *base, char *err,
			      size_t errsz)
{
	char jp[JPATHSZ];
	if (!cJSON_IsObject(ud))
		return fail(err, errsz, file, base, "expected a UserData object");
	const cJSON *c;
	cJSON_ArrayForEach(c, ud)
	{
		mock_emby__path_key(jp, sizeof jp, base, c->string);
		int64_t i;
		if (strcmp(c->string, "PlaybackPositionTicks") == 0) {
			if (!mock_emby__json_int(c, 0, INT64_C(9007199254740992), &i))
				return fail(err, errsz, file, jp,
					    "expected a non-negative integer (ticks)");
		} else if (strcmp(c->string, "PlayCount") == 0) {
			if (!mock_emby__json_int(c, 0, INT32_MAX, &i))
				return fail(err, errsz, file, jp,
					    "expected a non-negative integer");
		} else if (strcmp(c->string, "Played") == 0 ||
			   strcmp(c->string, "IsFavorite") == 0 ||
			   strcmp(c->string, "cwpResumable") == 0) {
			if (!cJSON_IsBool(c))
				return fail(err, errsz, file, jp, "expected true or false");
		} else if (strcmp(c->string, "PlayedPercentage") == 0) {
			if (!cJSON_IsNumber(c) && !cJSON_IsNull(c))
				return fail(err, errsz, file, jp, "expected a number");
		} else if (strcmp(c->string, "LastPlayedDate") == 0) {
			int64_t t;
			if (!cJSON_IsNull(c) &&
			    (!cJSON_IsString(c) || !mock_emby__date_parse(c->valuestring, &t)))
				return fail(err, errsz, file, jp,
					    "expected a date like 2022-06-22T15:57:25.0000000Z");
		} else if (strncmp(c->string, "cwp", 3) == 0) {
			return fail(err, errsz, file, jp,
				    "unknown mock annotation (only cwpResumable is defined)");
		}
	}
	return 0;
}

/* ---- server.json ---- */

static int load_server(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	static const char *const keys[] = {
	    "ServerName", "Id",       "Version", "LocalAddress", "OperatingSystem",
	    "SystemInfo", "Users",    "ApiKeys", "Libraries",    "AdminToken",
	    "Comment",    "cwpNotes", NULL};
	static const char *const ukeys[] = {"Id", "Name", "Password", "Token", "Comment", NULL};
	static const char *const lkeys[] = {"Id", "Name", "CollectionType", NULL};
	char file[PATHSZ], jp[JPATHSZ], jp2[JPATHSZ];
	cJSON *root = NULL;
	int rc = -1;
	if (join(file, dir, "server.json", err, errsz) != 0 ||
	    load_json(file, &root, err, errsz) != 0)
		goto done;
	if (!cJSON_IsObject(root)) {
		fail(err, errsz, file, "$", "expected an object");
		goto done;
	}
	if (check_keys(root, keys, file, "$", err, errsz) != 0 ||
	    opt_string(root, "ServerName", &m->server_name, true, true, file, "$", err, errsz) ||
	    opt_string(root, "Id", &m->server_id, true, true, file, "$", err, errsz) ||
	    opt_string(root, "Version", &m->version, true, false, file, "$", err, errsz) ||
	    opt_string(root, "LocalAddress", &m->local_address, true, false, file, "$", err,
		       errsz) ||
	    opt_string(root, "OperatingSystem", &m->os, true, false, file, "$", err, errsz))
		goto done;
	if (!is_hex32(m->server_id)) {
		fail(err, errsz, file, "$.Id", "expected 32 lowercase hex characters");
		goto done;
	}
	if (!m->version && !(m->version = mock_emby__strdup("4.8.11.0")))
		goto done;
	if (!m->os && !(m->os = mock_emby__strdup("Linux")))
		goto done;
	const cJSON *si = cJSON_GetObjectItemCaseSensitive(root, "SystemInfo");
	if (si && !cJSON_IsObject(si)) {
		fail(err, errsz, file, "$.SystemInfo", "expected an object");
		goto done;
	}
	if (si && !(m->system_info_extra = cJSON_Duplicate(si, 1)))
		goto done;
	if (!m->admin_token &&
	    opt_string(root, "AdminToken", &m->admin_token, true, false, file, "$", err, errsz))
		goto done;

	const cJSON *keys_arr = cJSON_GetObjectItemCaseSensitive(root, "ApiKeys");
	if (keys_arr) {
		if (!cJSON_IsArray(keys_arr)) {
			fail(err, errsz, file, "$.ApiKeys", "expected an array of strings");
			goto done;
		}
		size_t n = (size_t)cJSON_GetArraySize(keys_arr);
		m->api_keys = calloc(n ? n : 1, sizeof *m->api_keys);
		if (!m->api_keys)
			goto done;
		const cJSON *k;
		cJSON_ArrayForEach(k, keys_arr)
		{
			mock_emby__path_idx(jp, sizeof jp, "$.ApiKeys", m->n_api_keys);
			if (!cJSON_IsString(k) || !*k->valuestring) {
				fail(err, errsz, file, jp, "expected a non-empty string");
				goto done;
			}
			if (!(m->api_keys[m->n_api_keys++] = mock_emby__strdup(k->valuestring)))
				goto done;
		}
	}

	const cJSON *libs = cJSON_GetObjectItemCaseSensitive(root, "Libraries");
	if (libs) {
		if (!cJSON_IsArray(libs)) {
			fail(err, errsz, file, "$.Libraries", "expected an array");
			goto done;
		}
		size_t n = (size_t)cJSON_GetArraySize(libs);
		m->libs = calloc(n ? n : 1, sizeof *m->libs);
		if (!m->libs)
			goto done;
		const cJSON *l;
		cJSON_ArrayForEach(l, libs)
		{
			mock_emby__library *lib = &m->libs[m->n_libs];
			mock_emby__path_idx(jp, sizeof jp, "$.Libraries", m->n_libs);
			m->n_libs++;
			if (!cJSON_IsObject(l)) {
				fail(err, errsz, file, jp, "expected an object");
				goto done;
			}
			if (check_keys(l, lkeys, file, jp, err, errsz) ||
			    opt_string(l, "Id", &lib->id, true, true, file, jp, err, errsz) ||
			    opt_string(l, "Name", &lib->name, true, true, file, jp, err, errsz) ||
			    opt_string(l, "CollectionType", &lib->collection_type, true, false,
				       file, jp, err, errsz))
				goto done;
			for (size_t i = 0; i + 1 < m->n_libs; i++) {
				if (strcmp(m->libs[i].id, lib->id) == 0) {
					mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
					fail(err, errsz, file, jp2, "duplicate library id \"%s\"",
					     lib->id);
					goto done;
				}
			}
		}
	}

	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "Users");
	if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) == 0) {
		fail(err, errsz, file, "$.Users", "expected a non-empty array of users");
		goto done;
	}
	size_t nu = (size_t)cJSON_GetArraySize(users);
	m->users = calloc(nu, sizeof *m->users);
	if (!m->users)
		goto done;
	const cJSON *u;
	cJSON_ArrayForEach(u, users)
	{
		mock_emby__user *user = &m->users[m->n_users];
		mock_emby__path_idx(jp, sizeof jp, "$.Users", m->n_users);
		m->n_users++;
		if (!cJSON_IsObject(u)) {
			fail(err, errsz, file, jp, "expected an object");
			goto done;
		}
		if (check_keys(u, ukeys, file, jp, err, errsz) ||
		    opt_string(u, "Id", &user->id, true, true, file, jp, err, errsz) ||
		    opt_string(u, "Name", &user->name, true, true, file, jp, err, errsz) ||
		    opt_string(u, "Password", &user->password, false, false, file, jp, err,
			       errsz) ||
		    opt_string(u, "Token", &user->token, true, false, file, jp, err, errsz))
			goto done;
		if (!user->password && !(user->password = mock_emby__strdup("")))
			goto done;
		if (!user->token) {
			/* Only AuthenticateByName hands this one out. */
			char hex[33];
			mock_emby__random_hex(hex);
			if (!(user->token = mock_emby__strdup(hex)))
				goto done;
		}
		if (!is_hex32(user->id)) {
			mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
			fail(err, errsz, file, jp2, "expected 32 lowercase hex characters");
			goto done;
		}
		for (size_t i = 0; i + 1 < m->n_users; i++) {
			const mock_emby__user *o = &m->users[i];
			if (strcmp(o->id, user->id) == 0 || mock_emby__ieq(o->name, user->name)) {
				fail(err, errsz, file, jp, "duplicate user id or name");
				goto done;
			}
			if (o->token && user->token && strcmp(o->token, user->token) == 0) {
				mock_emby__path_key(jp2, sizeof jp2, jp, "Token");
				fail(err, errsz, file, jp2, "two users share one token");
				goto done;
			}
		}
		if (!(user->pristine = cJSON_CreateObject()))
			goto done;
	}
	rc = 0;
done:
	cJSON_Delete(root);
	return rc;
}

/* ---- items.json ---- */

static int load_item(mock_emby *m, mock_emby__item *it, cJSON *obj, const char *file,
		     const char *jp, char *err, size_t errsz)
{
	char jp2[JPATHSZ];
	if (!cJSON_IsObject(obj))
		return fail(err, errsz, file, jp, "expected an item object");
	if (opt_string(obj, "Id", &it->id, true, true, file, jp, err, errsz) ||
	    opt_string(obj, "Type", &it->type, true, true, file, jp, err, errsz) ||
	    opt_string(obj, "Name", &it->name, false, false, file, jp, err, errsz) ||
	    opt_string(obj, "SortName", &it->sort_name, false, false, file, jp, err, errsz) ||
	    opt_string(obj, "SeriesId", &it->series_id, true, false, file, jp, err, errsz) ||
	    opt_string(obj, "SeasonId", &it->season_id, true, false, file, jp, err, errsz) ||
	    opt_string(obj, "cwpLibraryId", &it->library_id, true, false, file, jp, err, errsz) ||
	    opt_int(obj, "ProductionYear", &it->year, &it->has_year, 0, 9999, file, jp, err,
		    errsz) ||
	    opt_int(obj, "ParentIndexNumber", &it->season_no, &it->has_season_no, 0, INT32_MAX,
		    file, jp, err, errsz) ||
	    opt_int(obj, "IndexNumber", &it->episode_no, &it->has_episode_no, 0, INT32_MAX, file,
		    jp, err, errsz) ||
	    opt_date(obj, "DateCreated", &it->date_created, &it->has_date_created, file, jp, err,
		     errsz) ||
	    opt_date(obj, "PremiereDate", &it->premiere_date, &it->has_premiere_date, file, jp, err,
		     errsz))
		return -1;
	if (!it->sort_name && it->name && !(it->sort_name = mock_emby__strdup(it->name)))
		return fail(err, errsz, file, jp, "out of memory");
	if (it->library_id && !mock_emby__find_library(m, it->library_id)) {
		mock_emby__path_key(jp2, sizeof jp2, jp, "cwpLibraryId");
		return fail(err, errsz, file, jp2, "no library \"%s\" in server.json Libraries",
			    it->library_id);
	}
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(obj, "RunTimeTicks");
	if (rt && !cJSON_IsNull(rt)) {
		if (!mock_emby__json_int(rt, 0, INT64_C(9007199254740992), &it->runtime)) {
			mock_emby__path_key(jp2, sizeof jp2, jp, "RunTimeTicks");
			return fail(err, errsz, file, jp2,
				    "expected a non-negative integer or null");
		}
		it->has_runtime = it->runtime > 0;
	}
	const cJSON *folder = cJSON_GetObjectItemCaseSensitive(obj, "IsFolder");
	if (folder && !cJSON_IsBool(folder)) {
		mock_emby__path_key(jp2, sizeof jp2, jp, "IsFolder");
		return fail(err, errsz, file, jp2, "expected true or false");
	}
	it->is_folder = cJSON_IsTrue(folder);
	const cJSON *pids = cJSON_GetObjectItemCaseSensitive(obj, "ProviderIds");
	mock_emby__path_key(jp2, sizeof jp2, jp, "ProviderIds");
	if (pids && !cJSON_IsNull(pids)) {
		if (!cJSON_IsObject(pids))
			return fail(err, errsz, file, jp2, "expected an object of strings");
		size_t n = (size_t)cJSON_GetArraySize(pids);
		it->pids = calloc(n ? n : 1, sizeof *it->pids);
		if (!it->pids)
			return fail(err, errsz, file, jp2, "out of memory");
		const cJSON *p;
		cJSON_ArrayForEach(p, pids)
		{
			char jp3[JPATHSZ];
			if (cJSON_IsNull(p))
				continue;
			if (!cJSON_IsString(p)) {
				mock_emby__path_key(jp3, sizeof jp3, jp2, p->string);
				return fail(err, errsz, file, jp3,
					    "expected a string (provider ids are strings)");
			}
			mock_emby__pid *pid = &it->pids[it->n_pids];
			pid->name_lc = mock_emby__strdup(p->string);
			pid->value = mock_emby__strdup(p->valuestring);
			if (!pid->name_lc || !pid->value) {
				free(pid->name_lc);
				free(pid->value);
				return fail(err, errsz, file, jp2, "out of memory");
			}
			for (char *c = pid->name_lc; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			it->n_pids++;
		}
	}
	/* Served back as recorded, without the mock's annotations and the
	 * recorded UserData (user data is per user: userdata/<id>.json). */
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "UserData");
	for (cJSON *c = obj->child; c;) {
		cJSON *next = c->next;
		if (strncmp(c->string, "cwp", 3) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
		c = next;
	}
	char *s = cJSON_PrintUnformatted(obj);
	if (!s)
		return fail(err, errsz, file, jp, "out of memory");
	size_t len = strlen(s);
	if (len < 2 || s[len - 1] != '}') {
		cJSON_free(s);
		return fail(err, errsz, file, jp, "cannot render the item");
	}
	it->json = mock_emby__strndup(s, len - 1);
	it->json_len = len - 1;
	it->json_has_keys = obj->child != NULL;
	cJSON_free(s);
	if (!it->json)
		return fail(err, errsz, file, jp, "out of memory");
	return 0;
}

static int load_items(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char file[PATHSZ], jp[JPATHSZ];
	cJSON *root = NULL;
	int rc = -1;
	if (join(file, dir, "items.json", err, errsz) != 0 ||
	    load_json(file, &root, err, errsz) != 0)
		goto done;
	/* A recorded envelope {"Items": [...]} is accepted as well as a bare array. */
	cJSON *arr = root;
	const char *base = "$";
	if (cJSON_IsObject(root)) {
		arr = cJSON_GetObjectItemCaseSensitive(root, "Items");
		base = "$.Items";
	}
	if (!cJSON_IsArray(arr)) {
		fail(err, errsz, file, base, "expected an array of items");
		goto done;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	m->items = calloc(n ? n : 1, sizeof *m->items);
	if (!m->items)
		goto done;
	cJSON *obj;
	cJSON_ArrayForEach(obj, arr)
	{
		mock_emby__item *it = &m->items[m->n_items];
		mock_emby__path_idx(jp, sizeof jp, base, m->n_items);
		it->index = m->n_items++;
		if (load_item(m, it, obj, file, jp, err, errsz) != 0)
			goto done;
		static const char *const codes[] = {"", "Movie", "Episode", "Series", "Season"};
		for (size_t k = 1; k < sizeof codes / sizeof codes[0]; k++)
			if (mock_emby__ieq(it->type, codes[k]))
				it->type_code = (enum mock_emby__type)k;
		if (mock_emby__map_get(&m->item_idx, it->id)) {
			char jp2[JPATHSZ];
			mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
			fail(err, errsz, file, jp2, "duplicate item id \"%s\"", it->id);
			goto done;
		}
		if (mock_emby__map_put(&m->item_idx, it->id, it) != 0) {
			fail(err, errsz, file, jp, "out of memory");
			goto done;
		}
	}
	/* Episodes and seasons belong to their series' library. */
	for (size_t i = 0; i < m->n_items; i++) {
		mock_emby__item *it = &m->items[i];
		if (it->library_id || !it->series_id)
			continue;
		const mock_emby__item *s = mock_emby__find_item(m, it->series_id);
		if (s && s->library_id && !(it->library_id = mock_emby__strdup(s->library_id)))
			goto done;
	}
	rc = 0;
done:
	cJSON_Delete(root);
	return rc;
}

/* ---- userdata/<userId>.json ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the *.json files of a directory (none when absent). */
static int list_json(const char *dir, char ***out, size_t *n, char *err, size_t errsz)
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

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static int load_userdata(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char udir[PATHSZ], file[PATHSZ], jp[JPATHSZ];
	char **names = NULL;
	size_t nn = 0;
	cJSON *root = NULL;
	int rc = -1;
	if (join(udir, dir, "userdata", err, errsz) != 0 ||
	    list_json(udir, &names, &nn, err, errsz) != 0)
		goto done;
	for (size_t i = 0; i < nn; i++) {
		if (join(file, udir, names[i], err, errsz) != 0)
			goto done;
		names[i][strlen(names[i]) - 5] = '\0';
		mock_emby__user *u = mock_emby__find_user(m, names[i]);
		if (!u) {
			fail(err, errsz, file, "$",
			     "no user with id \"%s\" in server.json (name the file <userId>.json)",
			     names[i]);
			goto done;
		}
		if (load_json(file, &root, err, errsz) != 0)
			goto done;
		if (!cJSON_IsObject(root)) {
			fail(err, errsz, file, "$", "expected an object: item id → UserData");
			goto done;
		}
		const cJSON *c;
		cJSON_ArrayForEach(c, root)
		{
			mock_emby__path_key(jp, sizeof jp, "$", c->string);
			if (!mock_emby__find_item(m, c->string)) {
				fail(err, errsz, file, jp, "no item with this id in items.json");
				goto done;
			}
			if (mock_emby__check_userdata(c, file, jp, err, errsz) != 0)
				goto done;
		}
		cJSON_Delete(u->pristine);
		u->pristine = root;
		root = NULL;
	}
	rc = 0;
done:
	cJSON_Delete(root);
	free_list(names, nn);
	return rc;
}

/* ---- sessions.json ---- */

static int load_sessions(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char file[PATHSZ], jp[JPATHSZ];
	if (join(file, dir, "sessions.json", err, errsz) != 0)
		return -1;
	if (!file_exists(file)) {
		m->sessions_pristine = cJSON_CreateArray();
		return m->sessions_pristine ? 0 : -1;
	}
	cJSON *root = NULL;
	if (load_json(file, &root, err, errsz) != 0)
		return -1;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return fail(err, errsz, file, "$", "expected an array of sessions");
	}
	size_t i = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, root)
	{
		mock_emby__path_idx(jp, sizeof jp, "$", i++);
		if (!cJSON_IsObject(s)) {
			cJSON_Delete(root);
			return fail(err, errsz, file, jp, "expected a session object");
		}
	}
	m->sessions_pristine = root;
	return 0;
}

/* ---- recordings/ ---- */

static bool header_safe(const char *s)
{
	return !strpbrk(s, "\r\n");
}

static int load_recording(mock_emby__recording *r, const cJSON *obj, const char *file,
			  const char *jp, char *err, size_t errsz)
{
	static const char *const keys[] = {"request", "response", "comment", NULL};
	static const char *const rqkeys[] = {"method", "path", "query", NULL};
	static const char *const rskeys[] = {"status", "headers", "body", "body_text", NULL};
	char jq[JPATHSZ], jr[JPATHSZ], jx[JPATHSZ];
	if (!cJSON_IsObject(obj))
		return fail(err, errsz, file, jp, "expected {\"request\": …, \"response\": …}");
	if (check_keys(obj, keys, file, jp, err, errsz))
		return -1;
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(obj, "request");
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(obj, "response");
	mock_emby__path_key(jq, sizeof jq, jp, "request");
	mock_emby__path_key(jr, sizeof jr, jp, "response");
	if (!cJSON_IsObject(rq))
		return fail(err, errsz, file, jq, "expected an object");
	if (!cJSON_IsObject(rs))
		return fail(err, errsz, file, jr, "expected an object");
	if (check_keys(rq, rqkeys, file, jq, err, errsz) ||
	    check_keys(rs, rskeys, file, jr, err, errsz) ||
	    opt_string(rq, "method", &r->method, true, false, file, jq, err, errsz) ||
	    opt_string(rq, "path", &r->path, true, true, file, jq, err, errsz))
		return -1;
	if (r->path[0] != '/') {
		mock_emby__path_key(jx, sizeof jx, jq, "path");
		return fail(err, errsz, file, jx, "expected a path starting with /");
	}
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(rq, "query");
	if (q) {
		mock_emby__path_key(jx, sizeof jx, jq, "query");
		if (!cJSON_IsObject(q))
			return fail(err, errsz, file, jx, "expected an object of strings");
		size_t n = (size_t)cJSON_GetArraySize(q);
		r->query.p = calloc(n ? n : 1, sizeof *r->query.p);
		if (!r->query.p)
			return -1;
		const cJSON *c;
		cJSON_ArrayForEach(c, q)
		{
			if (!cJSON_IsString(c)) {
				char jy[JPATHSZ];
				mock_emby__path_key(jy, sizeof jy, jx, c->string);
				return fail(err, errsz, file, jy, "expected a string");
			}
			mock_emby__param *p = &r->query.p[r->query.n++];
			p->name = mock_emby__strdup(c->string);
			p->value = mock_emby__strdup(c->valuestring);
			if (!p->name || !p->value)
				return -1;
		}
	}
	long status = 200;
	bool has = false;
	if (opt_int(rs, "status", &status, &has, 100, 599, file, jr, err, errsz))
		return -1;
	r->status = (int)status;
	mock_emby__buf hb = {0};
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(rs, "headers");
	if (h) {
		mock_emby__path_key(jx, sizeof jx, jr, "headers");
		if (!cJSON_IsObject(h))
			return fail(err, errsz, file, jx, "expected an object of strings");
		const cJSON *c;
		cJSON_ArrayForEach(c, h)
		{
			char jy[JPATHSZ];
			mock_emby__path_key(jy, sizeof jy, jx, c->string);
			if (!cJSON_IsString(c) || !header_safe(c->valuestring) ||
			    !header_safe(c->string) || strchr(c->string, ':')) {
				mock_emby__buf_free(&hb);
				return fail(err, errsz, file, jy,
					    "expected a one-line string header value");
			}
			if (mock_emby__ieq(c->string, "Content-Length"))
				continue;
			if (mock_emby__ieq(c->string, "Content-Type")) {
				free(r->ctype);
				r->ctype = mock_emby__strdup(c->valuestring);
				continue;
			}
			mock_emby__buf_printf(&hb, "%s: %s\r\n", c->string, c->valuestring);
		}
	}
	r->headers = mock_emby__buf_take(&hb);
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(rs, "body");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(rs, "body_text");
	if (body && text)
		return fail(err, errsz, file, jr, "give either body or body_text, not both");
	if (text) {
		mock_emby__path_key(jx, sizeof jx, jr, "body_text");
		if (!cJSON_IsString(text))
			return fail(err, errsz, file, jx, "expected a string");
		r->body = mock_emby__strdup(text->valuestring);
		if (!r->ctype)
			r->ctype = mock_emby__strdup("text/plain; charset=utf-8");
	} else if (body) {
		char *printed = cJSON_PrintUnformatted(body);
		r->body = mock_emby__strdup(printed);
		cJSON_free(printed);
		if (!r->ctype)
			r->ctype = mock_emby__strdup("application/json; charset=utf-8");
	} else {
		r->body = mock_emby__strdup("");
	}
	if (!r->body || !r->headers)
		return fail(err, errsz, file, jr, "out of memory");
	r->body_len = strlen(r->body);
	return 0;
}

static int load_recordings(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char rdir[PATHSZ], file[PATHSZ], jp[JPATHSZ];
	char **names = NULL;
	size_t nn = 0, cap = 0;
	cJSON *root = NULL;
	int rc = -1;
	if (join(rdir, dir, "recordings", err, errsz) != 0 ||
	    list_json(rdir, &names, &nn, err, errsz) != 0)
		goto done;
	for (size_t i = 0; i < nn; i++) {
		if (join(file, rdir, names[i], err, errsz) != 0 ||
		    load_json(file, &root, err, errsz) != 0)
			goto done;
		bool arr = cJSON_IsArray(root);
		size_t n = arr ? (size_t)cJSON_GetArraySize(root) : 1;
		if (m->n_recs + n > cap) {
			cap = (m->n_recs + n) * 2;
			mock_emby__recording *p = realloc(m->recs, cap * sizeof *p);
			if (!p)
				goto done;
			m->recs = p;
		}
		for (size_t j = 0; j < n; j++) {
			const cJSON *obj = arr ? cJSON_GetArrayItem(root, (int)j) : root;
			mock_emby__recording *r = &m->recs[m->n_recs++];
			memset(r, 0, sizeof *r);
			if (arr)
				mock_emby__path_idx(jp, sizeof jp, "$", j);
			else
				snprintf(jp, sizeof jp, "$");
			if (!(r->file = mock_emby__strdup(names[i])) ||
			    load_recording(r, obj, file, jp, err, errsz) != 0)
				goto done;
		}
		cJSON_Delete(root);
		root = NULL;
	}
	rc = 0;
done:
	cJSON_Delete(root);
	free_list(names, nn);
	return rc;
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
	/* Filters=IsResumable: position > 0 and not played, unless the fixture
	 * says otherwise with the mock annotation cwpResumable. */
	x = cJSON_GetObjectItemCaseSensitive(ud, "cwpResumable");
	c->resumable = cJSON_IsBool(x) ? cJSON_IsTrue(x) : c->pos > 0 && !c->played;
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
	if (load_server(m, dir, err, errsz) != 0 || load_items(m, dir, err, errsz) != 0 ||
	    load_userdata(m, dir, err, errsz) != 0 || load_sessions(m, dir, err, errsz) != 0 ||
	    load_recordings(m, dir, err, errsz) != 0)
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
		}
		free(it->pids);
		free(it->json);
	}
	free(m->items);
	mock_emby__map_free(&m->item_idx);
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
