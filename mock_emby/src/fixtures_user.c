/* Loading userdata/<userId>.json, sessions.json and recordings/ of a fixture
 * (docs/FIXTURES.md). */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int mock_emby__fx_load_userdata(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char udir[MOCK_EMBY__PATHSZ], file[MOCK_EMBY__PATHSZ], jp[MOCK_EMBY__JPATHSZ];
	char **names = NULL;
	size_t nn = 0;
	cJSON *root = NULL;
	int rc = -1;
	if (mock_emby__fx_join(udir, dir, "userdata", err, errsz) != 0 ||
	    mock_emby__fx_list_json(udir, &names, &nn, err, errsz) != 0)
		goto done;
	for (size_t i = 0; i < nn; i++) {
		if (mock_emby__fx_join(file, udir, names[i], err, errsz) != 0)
			goto done;
		names[i][strlen(names[i]) - 5] = '\0';
		mock_emby__user *u = mock_emby__find_user(m, names[i]);
		if (!u) {
			mock_emby__fx_fail(
			    err, errsz, file, "$",
			    "no user with id \"%s\" in server.json (name the file <userId>.json)",
			    names[i]);
			goto done;
		}
		if (mock_emby__fx_load_json(file, &root, err, errsz) != 0)
			goto done;
		if (!cJSON_IsObject(root)) {
			mock_emby__fx_fail(err, errsz, file, "$",
					   "expected an object: item id → UserData");
			goto done;
		}
		const cJSON *c;
		cJSON_ArrayForEach(c, root)
		{
			mock_emby__path_key(jp, sizeof jp, "$", c->string);
			if (!mock_emby__find_item(m, c->string)) {
				mock_emby__fx_fail(err, errsz, file, jp,
						   "no item with this id in items.json");
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
	mock_emby__fx_free_list(names, nn);
	return rc;
}

/* ---- sessions.json ---- */

int mock_emby__fx_load_sessions(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char file[MOCK_EMBY__PATHSZ], jp[MOCK_EMBY__JPATHSZ];
	if (mock_emby__fx_join(file, dir, "sessions.json", err, errsz) != 0)
		return -1;
	if (!mock_emby__fx_file_exists(file)) {
		m->sessions_pristine = cJSON_CreateArray();
		return m->sessions_pristine ? 0 : -1;
	}
	cJSON *root = NULL;
	if (mock_emby__fx_load_json(file, &root, err, errsz) != 0)
		return -1;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return mock_emby__fx_fail(err, errsz, file, "$", "expected an array of sessions");
	}
	size_t i = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, root)
	{
		mock_emby__path_idx(jp, sizeof jp, "$", i++);
		if (!cJSON_IsObject(s)) {
			cJSON_Delete(root);
			return mock_emby__fx_fail(err, errsz, file, jp,
						  "expected a session object");
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
	char jq[MOCK_EMBY__JPATHSZ], jr[MOCK_EMBY__JPATHSZ], jx[MOCK_EMBY__JPATHSZ];
	if (!cJSON_IsObject(obj))
		return mock_emby__fx_fail(err, errsz, file, jp,
					  "expected {\"request\": …, \"response\": …}");
	if (mock_emby__fx_check_keys(obj, keys, file, jp, err, errsz))
		return -1;
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(obj, "request");
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(obj, "response");
	mock_emby__path_key(jq, sizeof jq, jp, "request");
	mock_emby__path_key(jr, sizeof jr, jp, "response");
	if (!cJSON_IsObject(rq))
		return mock_emby__fx_fail(err, errsz, file, jq, "expected an object");
	if (!cJSON_IsObject(rs))
		return mock_emby__fx_fail(err, errsz, file, jr, "expected an object");
	if (mock_emby__fx_check_keys(rq, rqkeys, file, jq, err, errsz) ||
	    mock_emby__fx_check_keys(rs, rskeys, file, jr, err, errsz) ||
	    mock_emby__fx_opt_string(rq, "method", &r->method, true, false, file, jq, err, errsz) ||
	    mock_emby__fx_opt_string(rq, "path", &r->path, true, true, file, jq, err, errsz))
		return -1;
	if (r->path[0] != '/') {
		mock_emby__path_key(jx, sizeof jx, jq, "path");
		return mock_emby__fx_fail(err, errsz, file, jx, "expected a path starting with /");
	}
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(rq, "query");
	if (q) {
		mock_emby__path_key(jx, sizeof jx, jq, "query");
		if (!cJSON_IsObject(q))
			return mock_emby__fx_fail(err, errsz, file, jx,
						  "expected an object of strings");
		size_t n = (size_t)cJSON_GetArraySize(q);
		r->query.p = calloc(n ? n : 1, sizeof *r->query.p);
		if (!r->query.p)
			return -1;
		const cJSON *c;
		cJSON_ArrayForEach(c, q)
		{
			if (!cJSON_IsString(c)) {
				char jy[MOCK_EMBY__JPATHSZ];
				mock_emby__path_key(jy, sizeof jy, jx, c->string);
				return mock_emby__fx_fail(err, errsz, file, jy,
							  "expected a string");
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
	if (mock_emby__fx_opt_int(rs, "status", &status, &has, 100, 599, file, jr, err, errsz))
		return -1;
	r->status = (int)status;
	mock_emby__buf hb = {0};
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(rs, "headers");
	if (h) {
		mock_emby__path_key(jx, sizeof jx, jr, "headers");
		if (!cJSON_IsObject(h))
			return mock_emby__fx_fail(err, errsz, file, jx,
						  "expected an object of strings");
		const cJSON *c;
		cJSON_ArrayForEach(c, h)
		{
			char jy[MOCK_EMBY__JPATHSZ];
			mock_emby__path_key(jy, sizeof jy, jx, c->string);
			if (!cJSON_IsString(c) || !header_safe(c->valuestring) ||
			    !header_safe(c->string) || strchr(c->string, ':')) {
				mock_emby__buf_free(&hb);
				return mock_emby__fx_fail(
				    err, errsz, file, jy,
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
		return mock_emby__fx_fail(err, errsz, file, jr,
					  "give either body or body_text, not both");
	if (text) {
		mock_emby__path_key(jx, sizeof jx, jr, "body_text");
		if (!cJSON_IsString(text))
			return mock_emby__fx_fail(err, errsz, file, jx, "expected a string");
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
		return mock_emby__fx_fail(err, errsz, file, jr, "out of memory");
	r->body_len = strlen(r->body);
	return 0;
}

int mock_emby__fx_load_recordings(mock_emby *m, const char *dir, char *err, size_t errsz)
{
	char rdir[MOCK_EMBY__PATHSZ], file[MOCK_EMBY__PATHSZ], jp[MOCK_EMBY__JPATHSZ];
	char **names = NULL;
	size_t nn = 0, cap = 0;
	cJSON *root = NULL;
	int rc = -1;
	if (mock_emby__fx_join(rdir, dir, "recordings", err, errsz) != 0 ||
	    mock_emby__fx_list_json(rdir, &names, &nn, err, errsz) != 0)
		goto done;
	for (size_t i = 0; i < nn; i++) {
		if (mock_emby__fx_join(file, rdir, names[i], err, errsz) != 0 ||
		    mock_emby__fx_load_json(file, &root, err, errsz) != 0)
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
	mock_emby__fx_free_list(names, nn);
	return rc;
}
