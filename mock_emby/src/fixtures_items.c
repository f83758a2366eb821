/* Loading server.json and items.json of a fixture (docs/FIXTURES.md). */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- server.json ---- */

/* "4.7.14.0" → true; "4.8.11.0", "4.9.0.5", "10.1" → false. A version that
 * does not start with two numbers counts as current. */
static bool version_before_4_8(const char *v)
{
	char *end = NULL;
	long major = strtol(v, &end, 10);
	if (end == v || *end != '.')
		return false;
	const char *p = end + 1;
	long minor = strtol(p, &end, 10);
	if (end == p)
		return false;
	return major < 4 || (major == 4 && minor < 8);
}

int mock_emby__fx_load_server(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	static const char *const keys[] = {
	    "ServerName", "Id",       "Version", "LocalAddress", "OperatingSystem",
	    "SystemInfo", "Users",    "ApiKeys", "Libraries",    "AdminToken",
	    "Comment",    "cwpNotes", NULL};
	static const char *const ukeys[] = {"Id", "Name", "Password", "Token", "Comment", NULL};
	static const char *const lkeys[] = {"Id", "Name", "CollectionType", NULL};
	char file[MOCK_EMBY__PATHSZ], jp[MOCK_EMBY__JPATHSZ], jp2[MOCK_EMBY__JPATHSZ];
	cJSON *root = NULL;
	int rc = -1;
	if (mock_emby__fx_join(file, dir, "server.json", err, errsz) != 0 ||
	    mock_emby__fx_load_json(file, &root, err, errsz) != 0)
		goto done;
	if (!cJSON_IsObject(root)) {
		mock_emby__fx_fail(err, errsz, file, "$", "expected an object");
		goto done;
	}
	if (mock_emby__fx_check_keys(root, keys, file, "$", err, errsz) != 0 ||
	    mock_emby__fx_opt_string(root, "ServerName", &m->server_name, true, true, file, "$",
				     err, errsz) ||
	    mock_emby__fx_opt_string(root, "Id", &m->server_id, true, true, file, "$", err,
				     errsz) ||
	    mock_emby__fx_opt_string(root, "Version", &m->version, true, false, file, "$", err,
				     errsz) ||
	    mock_emby__fx_opt_string(root, "LocalAddress", &m->local_address, true, false, file,
				     "$", err, errsz) ||
	    mock_emby__fx_opt_string(root, "OperatingSystem", &m->os, true, false, file, "$", err,
				     errsz))
		goto done;
	if (!mock_emby__fx_is_hex32(m->server_id)) {
		mock_emby__fx_fail(err, errsz, file, "$.Id",
				   "expected 32 lowercase hex characters");
		goto done;
	}
	if (!m->version && !(m->version = mock_emby__strdup("4.8.11.0")))
		goto done;
	m->ud_ungated = version_before_4_8(m->version);
	if (!m->os && !(m->os = mock_emby__strdup("Linux")))
		goto done;
	const cJSON *si = cJSON_GetObjectItemCaseSensitive(root, "SystemInfo");
	if (si && !cJSON_IsObject(si)) {
		mock_emby__fx_fail(err, errsz, file, "$.SystemInfo", "expected an object");
		goto done;
	}
	if (si && !(m->system_info_extra = cJSON_Duplicate(si, 1)))
		goto done;
	if (!m->admin_token && mock_emby__fx_opt_string(root, "AdminToken", &m->admin_token, true,
							false, file, "$", err, errsz))
		goto done;

	const cJSON *keys_arr = cJSON_GetObjectItemCaseSensitive(root, "ApiKeys");
	if (keys_arr) {
		if (!cJSON_IsArray(keys_arr)) {
			mock_emby__fx_fail(err, errsz, file, "$.ApiKeys",
					   "expected an array of strings");
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
				mock_emby__fx_fail(err, errsz, file, jp,
						   "expected a non-empty string");
				goto done;
			}
			if (!(m->api_keys[m->n_api_keys++] = mock_emby__strdup(k->valuestring)))
				goto done;
		}
	}

	const cJSON *libs = cJSON_GetObjectItemCaseSensitive(root, "Libraries");
	if (libs) {
		if (!cJSON_IsArray(libs)) {
			mock_emby__fx_fail(err, errsz, file, "$.Libraries", "expected an array");
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
				mock_emby__fx_fail(err, errsz, file, jp, "expected an object");
				goto done;
			}
			if (mock_emby__fx_check_keys(l, lkeys, file, jp, err, errsz) ||
			    mock_emby__fx_opt_string(l, "Id", &lib->id, true, true, file, jp, err,
						     errsz) ||
			    mock_emby__fx_opt_string(l, "Name", &lib->name, true, true, file, jp,
						     err, errsz) ||
			    mock_emby__fx_opt_string(l, "CollectionType", &lib->collection_type,
						     true, false, file, jp, err, errsz))
				goto done;
			for (size_t i = 0; i + 1 < m->n_libs; i++) {
				if (strcmp(m->libs[i].id, lib->id) == 0) {
					mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
					mock_emby__fx_fail(err, errsz, file, jp2,
							   "duplicate library id \"%s\"", lib->id);
					goto done;
				}
			}
		}
	}

	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "Users");
	if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) == 0) {
		mock_emby__fx_fail(err, errsz, file, "$.Users",
				   "expected a non-empty array of users");
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
			mock_emby__fx_fail(err, errsz, file, jp, "expected an object");
			goto done;
		}
		if (mock_emby__fx_check_keys(u, ukeys, file, jp, err, errsz) ||
		    mock_emby__fx_opt_string(u, "Id", &user->id, true, true, file, jp, err,
					     errsz) ||
		    mock_emby__fx_opt_string(u, "Name", &user->name, true, true, file, jp, err,
					     errsz) ||
		    mock_emby__fx_opt_string(u, "Password", &user->password, false, false, file, jp,
					     err, errsz) ||
		    mock_emby__fx_opt_string(u, "Token", &user->token, true, false, file, jp, err,
					     errsz))
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
		if (!mock_emby__fx_is_hex32(user->id)) {
			mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
			mock_emby__fx_fail(err, errsz, file, jp2,
					   "expected 32 lowercase hex characters");
			goto done;
		}
		for (size_t i = 0; i + 1 < m->n_users; i++) {
			const mock_emby__user *o = &m->users[i];
			if (strcmp(o->id, user->id) == 0 || mock_emby__ieq(o->name, user->name)) {
				mock_emby__fx_fail(err, errsz, file, jp,
						   "duplicate user id or name");
				goto done;
			}
			if (o->token && user->token && strcmp(o->token, user->token) == 0) {
				mock_emby__path_key(jp2, sizeof jp2, jp, "Token");
				mock_emby__fx_fail(err, errsz, file, jp2,
						   "two users share one token");
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

/* Item members Emby sends only when Fields names them (its ItemFields
 * values; evidence in docs/FIXTURES.md). Every other member is always sent.
 * Path, MediaSources and Overview are ItemFields too but stay always served
 * for now: cwprogress record's redaction test needs them in listings. */
static const char *const gated_fields[] = {"ProviderIds",    "ProductionYear",
					   "DateCreated",    "PremiereDate",
					   "MediaStreams",   "SortName",
					   "Genres",         "Studios",
					   "People",         "Taglines",
					   "Tags",           "ParentId",
					   "Chapters",       "ExternalUrls",
					   "RemoteTrailers", "OriginalTitle",
					   "Status",         "PrimaryImageAspectRatio",
					   "EndDate",        "ProductionLocations",
					   "DateLastSaved"};

uint32_t mock_emby__field_bit(const char *name)
{
	/* called for every member of every item at load: compare lengths first */
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof gated_fields / sizeof gated_fields[0]; i++)
		if (strlen(gated_fields[i]) == n && mock_emby__ieq(name, gated_fields[i]))
			return UINT32_C(1) << i;
	return 0;
}

/* Each member rendered once at load, with the Fields bit it needs. */
static int render_members(mock_emby__item *it, const cJSON *obj)
{
	mock_emby__buf b = {0};
	size_t n = (size_t)cJSON_GetArraySize(obj);
	it->segs = calloc(n ? n : 1, sizeof *it->segs);
	if (!it->segs)
		return -1;
	for (const cJSON *c = obj->child; c; c = c->next) {
		size_t off = b.len;
		mock_emby__buf_json_str(&b, c->string);
		mock_emby__buf_put(&b, ":", 1);
		mock_emby__buf_json(&b, c);
		if (b.len > UINT32_MAX)
			b.oom = true;
		mock_emby__seg *sg = &it->segs[it->n_segs++];
		sg->off = (uint32_t)off;
		sg->len = (uint32_t)(b.len - off);
		sg->field = mock_emby__field_bit(c->string);
	}
	it->json_len = b.len;
	it->json = mock_emby__buf_take(&b);
	return it->json ? 0 : -1;
}

/* ProviderIds: checked, with names lower-cased and the "name.value" key of
 * the provider id index (values lower-cased too). */
static int load_pids(mock_emby__item *it, const cJSON *pids, const char *file, const char *jp,
		     char *err, size_t errsz)
{
	char jp2[MOCK_EMBY__JPATHSZ];
	mock_emby__path_key(jp2, sizeof jp2, jp, "ProviderIds");
	if (pids && !cJSON_IsNull(pids)) {
		if (!cJSON_IsObject(pids))
			return mock_emby__fx_fail(err, errsz, file, jp2,
						  "expected an object of strings");
		size_t n = (size_t)cJSON_GetArraySize(pids);
		it->pids = calloc(n ? n : 1, sizeof *it->pids);
		if (!it->pids)
			return mock_emby__fx_fail(err, errsz, file, jp2, "out of memory");
		const cJSON *p;
		cJSON_ArrayForEach(p, pids)
		{
			char jp3[MOCK_EMBY__JPATHSZ];
			if (cJSON_IsNull(p))
				continue;
			if (!cJSON_IsString(p)) {
				mock_emby__path_key(jp3, sizeof jp3, jp2, p->string);
				return mock_emby__fx_fail(
				    err, errsz, file, jp3,
				    "expected a string (provider ids are strings)");
			}
			mock_emby__pid *pid = &it->pids[it->n_pids];
			pid->name_lc = mock_emby__strdup(p->string);
			pid->value = mock_emby__strdup(p->valuestring);
			if (!pid->name_lc || !pid->value) {
				free(pid->name_lc);
				free(pid->value);
				return mock_emby__fx_fail(err, errsz, file, jp2, "out of memory");
			}
			for (char *c = pid->name_lc; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			size_t nl = strlen(pid->name_lc), vl = strlen(pid->value);
			pid->key = malloc(nl + vl + 2);
			if (!pid->key) {
				free(pid->name_lc);
				free(pid->value);
				return mock_emby__fx_fail(err, errsz, file, jp2, "out of memory");
			}
			memcpy(pid->key, pid->name_lc, nl);
			pid->key[nl] = '.';
			for (size_t k = 0; k <= vl; k++) {
				char c = pid->value[k];
				pid->key[nl + 1 + k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			it->n_pids++;
		}
	}
	return 0;
}

static int load_item(mock_emby *m, mock_emby__item *it, cJSON *obj, const char *file,
		     const char *jp, char *err, size_t errsz)
{
	char jp2[MOCK_EMBY__JPATHSZ];
	if (!cJSON_IsObject(obj))
		return mock_emby__fx_fail(err, errsz, file, jp, "expected an item object");
	if (mock_emby__fx_opt_string(obj, "Id", &it->id, true, true, file, jp, err, errsz) ||
	    mock_emby__fx_opt_string(obj, "Type", &it->type, true, true, file, jp, err, errsz) ||
	    mock_emby__fx_opt_string(obj, "Name", &it->name, false, false, file, jp, err, errsz) ||
	    mock_emby__fx_opt_string(obj, "SortName", &it->sort_name, false, false, file, jp, err,
				     errsz) ||
	    mock_emby__fx_opt_string(obj, "SeriesId", &it->series_id, true, false, file, jp, err,
				     errsz) ||
	    mock_emby__fx_opt_string(obj, "SeasonId", &it->season_id, true, false, file, jp, err,
				     errsz) ||
	    mock_emby__fx_opt_string(obj, "cwpLibraryId", &it->library_id, true, false, file, jp,
				     err, errsz) ||
	    mock_emby__fx_opt_int(obj, "ProductionYear", &it->year, &it->has_year, 0, 9999, file,
				  jp, err, errsz) ||
	    mock_emby__fx_opt_int(obj, "ParentIndexNumber", &it->season_no, &it->has_season_no, 0,
				  INT32_MAX, file, jp, err, errsz) ||
	    mock_emby__fx_opt_int(obj, "IndexNumber", &it->episode_no, &it->has_episode_no, 0,
				  INT32_MAX, file, jp, err, errsz) ||
	    mock_emby__fx_opt_date(obj, "DateCreated", &it->date_created, &it->has_date_created,
				   file, jp, err, errsz) ||
	    mock_emby__fx_opt_date(obj, "PremiereDate", &it->premiere_date, &it->has_premiere_date,
				   file, jp, err, errsz))
		return -1;
	if (!it->sort_name && it->name && !(it->sort_name = mock_emby__strdup(it->name)))
		return mock_emby__fx_fail(err, errsz, file, jp, "out of memory");
	if (it->library_id && !mock_emby__find_library(m, it->library_id)) {
		mock_emby__path_key(jp2, sizeof jp2, jp, "cwpLibraryId");
		return mock_emby__fx_fail(err, errsz, file, jp2,
					  "no library \"%s\" in server.json Libraries",
					  it->library_id);
	}
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(obj, "RunTimeTicks");
	if (rt && !cJSON_IsNull(rt)) {
		if (!mock_emby__json_int(rt, 0, INT64_C(9007199254740992), &it->runtime)) {
			mock_emby__path_key(jp2, sizeof jp2, jp, "RunTimeTicks");
			return mock_emby__fx_fail(err, errsz, file, jp2,
						  "expected a non-negative integer or null");
		}
		it->has_runtime = it->runtime > 0;
	}
	const cJSON *folder = cJSON_GetObjectItemCaseSensitive(obj, "IsFolder");
	if (folder && !cJSON_IsBool(folder)) {
		mock_emby__path_key(jp2, sizeof jp2, jp, "IsFolder");
		return mock_emby__fx_fail(err, errsz, file, jp2, "expected true or false");
	}
	it->is_folder = cJSON_IsTrue(folder);
	if (load_pids(it, cJSON_GetObjectItemCaseSensitive(obj, "ProviderIds"), file, jp, err,
		      errsz) != 0)
		return -1;
	/* Served back as recorded, without the mock's annotations and the
	 * recorded UserData (user data is per user: userdata/<id>.json). */
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "UserData");
	for (cJSON *c = obj->child; c;) {
		cJSON *next = c->next;
		if (strncmp(c->string, "cwp", 3) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
		c = next;
	}
	if (render_members(it, obj) != 0)
		return mock_emby__fx_fail(err, errsz, file, jp, "out of memory");
	return 0;
}

/* m->pid_idx: every "name.value" to the items having it, in items.json
 * order (AnyProviderIdEquals looks ids up instead of scanning the items). */
static int index_pids(mock_emby *m)
{
	for (size_t i = 0; i < m->n_items; i++) {
		const mock_emby__item *it = &m->items[i];
		for (size_t k = 0; k < it->n_pids; k++) {
			const mock_emby__pid *p = &it->pids[k];
			if (!p->value[0])
				continue;
			uintptr_t slot = (uintptr_t)mock_emby__map_get(&m->pid_idx, p->key);
			if (!slot) {
				if (m->n_pid_lists == m->cap_pid_lists) {
					size_t cap = m->cap_pid_lists ? m->cap_pid_lists * 2 : 64;
					mock_emby__idxlist *l =
					    realloc(m->pid_lists, cap * sizeof *l);
					if (!l)
						return -1;
					m->pid_lists = l;
					m->cap_pid_lists = cap;
				}
				m->pid_lists[m->n_pid_lists] = (mock_emby__idxlist){0};
				slot = ++m->n_pid_lists;
				if (mock_emby__map_put(&m->pid_idx, p->key, (void *)slot) != 0)
					return -1;
			}
			mock_emby__idxlist *l = &m->pid_lists[slot - 1];
			if ((!l->n || l->v[l->n - 1] != i) && !mock_emby__idxlist_push(l, i))
				return -1;
		}
	}
	return 0;
}

int mock_emby__fx_load_items(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char file[MOCK_EMBY__PATHSZ], jp[MOCK_EMBY__JPATHSZ];
	cJSON *root = NULL;
	int rc = -1;
	if (mock_emby__fx_join(file, dir, "items.json", err, errsz) != 0 ||
	    mock_emby__fx_load_json(file, &root, err, errsz) != 0)
		goto done;
	/* A recorded envelope {"Items": [...]} is accepted as well as a bare array. */
	cJSON *arr = root;
	const char *base = "$";
	if (cJSON_IsObject(root)) {
		arr = cJSON_GetObjectItemCaseSensitive(root, "Items");
		base = "$.Items";
	}
	if (!cJSON_IsArray(arr)) {
		mock_emby__fx_fail(err, errsz, file, base, "expected an array of items");
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
			char jp2[MOCK_EMBY__JPATHSZ];
			mock_emby__path_key(jp2, sizeof jp2, jp, "Id");
			mock_emby__fx_fail(err, errsz, file, jp2, "duplicate item id \"%s\"",
					   it->id);
			goto done;
		}
		if (mock_emby__map_put(&m->item_idx, it->id, it) != 0) {
			mock_emby__fx_fail(err, errsz, file, jp, "out of memory");
			goto done;
		}
	}
	if (index_pids(m) != 0) {
		mock_emby__fx_fail(err, errsz, file, base, "out of memory");
		goto done;
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
