/* The control API under /__mock/ (docs/FIXTURES.md, "Control API"): the
 * same operations as the C API, for tests and scripts that drive a mock-emby
 * process over HTTP. Needs the admin token, in any Emby token form. Control
 * requests are neither journaled nor subject to faults. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

#define CT_JSON "application/json; charset=utf-8"

static void json_take(mock_emby__resp *rs, char *s)
{
	if (!s) {
		mock_emby__resp_text(rs, 500, "Out of memory.");
		return;
	}
	rs->status = 200;
	rs->ctype = CT_JSON;
	mock_emby__buf_puts(&rs->body, s);
	free(s);
}

static void no_content(mock_emby__resp *rs)
{
	rs->status = 204;
	rs->no_content_type = true;
}

static bool is(const mock_emby__req *rq, const char *method, const char *pattern)
{
	bool head_as_get = strcmp(method, "GET") == 0 && mock_emby__ieq(rq->method, "HEAD");
	return (head_as_get || mock_emby__ieq(rq->method, method)) &&
	       mock_emby__route_match(pattern, rq->route);
}

static void put_userdata(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs, const char *uid,
			 const char *item)
{
	char err[512];
	mock_emby__user *u = mock_emby__find_user(m, uid);
	if (!u || !mock_emby__find_item(m, item)) {
		mock_emby__resp_text(rs, 404, u ? "No such item." : "No such user.");
		return;
	}
	cJSON *ud = rq->body_len ? cwp_json_parse(rq->body, rq->body_len) : NULL;
	if (!ud || mock_emby__check_userdata(ud, "body", "$", err, sizeof err) != 0) {
		mock_emby__resp_text(rs, 400, ud ? err : "body: expected a UserData JSON object");
		cJSON_Delete(ud);
		return;
	}
	pthread_mutex_lock(&m->mu);
	int rc = mock_emby__set_userdata_locked(m, u, item, ud);
	pthread_mutex_unlock(&m->mu);
	if (rc != 0) {
		cJSON_Delete(ud);
		mock_emby__resp_text(rs, 500, "Out of memory.");
		return;
	}
	no_content(rs);
}

void mock_emby__control(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	const char *const *s = (const char *const *)rq->seg;
	if (!rq->admin) {
		mock_emby__resp_text(rs, 401, "The control API needs the admin token.");
		return;
	}
	if (is(rq, "GET", "/__mock/journal")) {
		json_take(rs, mock_emby_journal_json(m));
	} else if (is(rq, "DELETE", "/__mock/journal")) {
		mock_emby_journal_clear(m);
		no_content(rs);
	} else if (is(rq, "GET", "/__mock/count")) {
		const char *method = mock_emby__query_get(&rq->q, "method");
		const char *route = mock_emby__query_get(&rq->q, "route");
		char *out = malloc(64);
		if (out)
			snprintf(out, 64, "{\"count\":%zu}",
				 mock_emby_count(m, method && *method ? method : NULL,
						 route && *route ? route : NULL));
		json_take(rs, out);
	} else if (is(rq, "GET", "/__mock/userdata") || is(rq, "GET", "/__mock/state")) {
		json_take(rs, mock_emby__state_json(m, false));
	} else if (is(rq, "GET", "/__mock/userdata/*")) {
		char *j = mock_emby_userdata_json(m, s[2]);
		if (!j && !mock_emby__find_user(m, s[2]))
			mock_emby__resp_text(rs, 404, "No such user.");
		else
			json_take(rs, j);
	} else if (is(rq, "PUT", "/__mock/userdata/*/*") ||
		   is(rq, "POST", "/__mock/userdata/*/*")) {
		put_userdata(m, rq, rs, s[2], s[3]);
	} else if (is(rq, "GET", "/__mock/faults")) {
		pthread_mutex_lock(&m->mu);
		char *j = mock_emby__faults_json(m);
		pthread_mutex_unlock(&m->mu);
		json_take(rs, j);
	} else if (is(rq, "POST", "/__mock/faults")) {
		char err[512];
		if (mock_emby__faults_add(m, rq->body ? rq->body : "", rq->body_len, "body", err,
					  sizeof err) != 0)
			mock_emby__resp_text(rs, 400, err);
		else
			no_content(rs);
	} else if (is(rq, "DELETE", "/__mock/faults")) {
		mock_emby_clear_faults(m);
		no_content(rs);
	} else if (is(rq, "POST", "/__mock/reset")) {
		mock_emby_reset(m);
		no_content(rs);
	} else if (is(rq, "POST", "/__mock/playing/*/*")) {
		if (mock_emby_set_playing(m, s[2], s[3]) != 0)
			mock_emby__resp_text(rs, 404, "No such user or item.");
		else
			no_content(rs);
	} else if (is(rq, "DELETE", "/__mock/playing/*")) {
		if (mock_emby_set_playing(m, s[2], NULL) != 0)
			mock_emby__resp_text(rs, 404, "No such user.");
		else
			no_content(rs);
	} else if (!mock_emby__webhooks_control(m, rq, rs)) {
		mock_emby__resp_text(rs, 404, "Unknown control route (see docs/FIXTURES.md).");
	}
}
