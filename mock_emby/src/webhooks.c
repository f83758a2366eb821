/* The mock as a webhook sender (SVC-03 tests, docs/FIXTURES.md "Webhooks and
 * the simulated player"): targets registered through the control API, and a
 * simulated player whose actions change the user's UserData as Emby does and
 * then POST the matching notification in Emby's payload shape
 * (docs/WEBHOOKS.md), as JSON or as a multipart form with a `data` part.
 *
 * Targets are loopback only (http://127.0.0.1 or localhost): the mock never
 * talks to the network. Sending uses civetweb's client (no libcurl here). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>
#include "cwp/json.h"

#define CT_JSON       "application/json; charset=utf-8"
#define MAX_TARGETS   8
#define MAX_PATH      1024
#define SEND_TIMEOUT  10000 /* ms */
#define FORM_BOUNDARY "----cwprogress-mock-emby-boundary-7d3f"

typedef struct hook_target {
	int port;
	char *path; /* path and query; may carry a secret: never echoed */
	bool form;
} hook_target;

struct mock_emby__hooks {
	hook_target t[MAX_TARGETS];
	size_t n;
	long sent, failed;
};

static void targets_clear(struct mock_emby__hooks *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->t[i].path);
	h->n = 0;
}

void mock_emby__hooks_free(mock_emby *m)
{
	if (!m->hooks)
		return;
	targets_clear(m->hooks);
	free(m->hooks);
	m->hooks = NULL;
}

/* http://127.0.0.1:PORT/path or http://localhost:PORT/path. */
static const char *parse_url(const char *url, int *port, const char **path)
{
	static const char *const hosts[] = {"http://127.0.0.1:", "http://localhost:"};
	const char *p = NULL;
	for (size_t i = 0; i < 2 && !p; i++)
		if (mock_emby__ieqn(url, hosts[i], strlen(hosts[i])))
			p = url + strlen(hosts[i]);
	if (!p)
		return "url: only http://127.0.0.1:PORT/… or http://localhost:PORT/… (loopback)";
	long v = 0;
	const char *d = p;
	while (*d >= '0' && *d <= '9' && d - p < 6)
		v = v * 10 + (*d++ - '0');
	if (d == p || v < 1 || v > 65535 || (*d && *d != '/'))
		return "url: the port must be 1-65535, followed by a path";
	for (const char *c = d; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return "url: the path holds a space or a control character";
	if (strlen(d) > MAX_PATH)
		return "url: the path is longer than 1024 bytes";
	*port = (int)v;
	*path = *d ? d : "/";
	return NULL;
}

static void text(mock_emby__resp *rs, int status, const char *msg)
{
	mock_emby__resp_text(rs, status, msg);
}

static void no_content(mock_emby__resp *rs)
{
	rs->status = 204;
	rs->no_content_type = true;
}

static void add_target(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	cJSON *b = rq->body_len ? cwp_json_parse(rq->body, rq->body_len) : NULL;
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(b, "url");
	const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(b, "format");
	const char *err = NULL, *path = NULL;
	int port = 0;
	if (!cJSON_IsString(url))
		err = "body: expected {\"url\": \"http://127.0.0.1:PORT/path\", \"format\": "
		      "\"json\"|\"form\"}";
	else if (fmt && (!cJSON_IsString(fmt) || (strcmp(fmt->valuestring, "json") != 0 &&
						  strcmp(fmt->valuestring, "form") != 0)))
		err = "format: \"json\" or \"form\"";
	else
		err = parse_url(url->valuestring, &port, &path);
	char *copy = err ? NULL : mock_emby__strdup(path);
	pthread_mutex_lock(&m->mu);
	if (!err && !m->hooks)
		m->hooks = calloc(1, sizeof(*m->hooks));
	if (!err && (!copy || !m->hooks))
		err = "Out of memory.";
	else if (!err && m->hooks->n == MAX_TARGETS)
		err = "at most 8 webhook targets";
	if (!err) {
		hook_target *t = &m->hooks->t[m->hooks->n++];
		t->port = port;
		t->path = copy;
		t->form = fmt && strcmp(fmt->valuestring, "form") == 0;
		copy = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	free(copy);
	cJSON_Delete(b);
	if (err)
		text(rs, 400, err);
	else
		no_content(rs);
}

/* GET /__mock/webhooks: counts only (a target's path may hold a secret). */
static void list_targets(mock_emby *m, mock_emby__resp *rs)
{
	pthread_mutex_lock(&m->mu);
	size_t n = m->hooks ? m->hooks->n : 0;
	long sent = m->hooks ? m->hooks->sent : 0, failed = m->hooks ? m->hooks->failed : 0;
	pthread_mutex_unlock(&m->mu);
	rs->status = 200;
	rs->ctype = CT_JSON;
	mock_emby__buf_printf(&rs->body, "{\"targets\":%zu,\"sent\":%ld,\"failed\":%ld}", n, sent,
			      failed);
}

/* ---- the simulated player ---- */

typedef struct player_act {
	const char *action; /* play, pause, stop, markplayed, markunplayed, userdata */
	const char *event;  /* Emby's Event name */
	const char *verb;   /* for Title */
	bool playback;      /* Session and PlaybackInfo in the payload */
} player_act;

static const player_act acts[] = {
    {"play", "playback.start", "has started playing", true},
    {"pause", "playback.pause", "has paused", true},
    {"stop", "playback.stop", "has stopped", true},
    {"markplayed", "item.markplayed", "marked as played", false},
    {"markunplayed", "item.markunplayed", "marked as unplayed", false},
    {"userdata", "item.rate", "updated the user data of", false},
};

typedef struct player_in {
	const player_act *act;
	int64_t pos;
	bool has_pos, completed;
	cJSON *patch; /* userdata: members to set (borrowed from the body) */
} player_in;

static bool set(cJSON *ud, const char *key, cJSON *v)
{
	if (!v)
		return false;
	if (cJSON_GetObjectItemCaseSensitive(ud, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(ud, key, v);
	return cJSON_AddItemToObject(ud, key, v);
}

static bool apply_played(cJSON *ud, bool played, int64_t count, const char *now)
{
	bool ok = set(ud, "Played", cJSON_CreateBool(played)) &&
		  set(ud, "PlayCount", cJSON_CreateNumber((double)count)) &&
		  set(ud, "PlaybackPositionTicks", cJSON_CreateNumber(0));
	if (played)
		return ok && set(ud, "LastPlayedDate", cJSON_CreateString(now));
	cJSON_DeleteItemFromObjectCaseSensitive(ud, "LastPlayedDate");
	return ok;
}

/* The new UserData of one action, from the current one (caller holds mu). */
static bool apply_action(const player_in *in, cJSON *ud, int64_t play_count)
{
	char now[40];
	mock_emby__date_format(now, sizeof now, mock_emby__now_100ns());
	const char *a = in->act->action;
	if (strcmp(a, "markplayed") == 0 || (strcmp(a, "stop") == 0 && in->completed))
		return apply_played(ud, true, play_count + 1, now);
	if (strcmp(a, "markunplayed") == 0)
		return apply_played(ud, false, 0, now);
	if ((strcmp(a, "pause") == 0 || strcmp(a, "stop") == 0) && in->has_pos)
		return set(ud, "PlaybackPositionTicks", cJSON_CreateNumber((double)in->pos)) &&
		       set(ud, "LastPlayedDate", cJSON_CreateString(now));
	if (strcmp(a, "userdata") == 0)
		for (const cJSON *c = in->patch ? in->patch->child : NULL; c; c = c->next)
			if (!set(ud, c->string, cJSON_Duplicate(c, 1)))
				return false;
	return true;
}

/* Change the user's state: UserData and the playing session. */
static int player_apply(mock_emby *m, mock_emby__user *u, const mock_emby__item *it,
			const player_in *in, char *err, size_t errsz)
{
	int rc = -1;
	pthread_mutex_lock(&m->mu);
	const cJSON *cur = mock_emby__map_get(&u->idx, it->id);
	cJSON *ud = cur ? cJSON_Duplicate(cur, 1) : cJSON_CreateObject();
	if (ud && apply_action(in, ud, u->cache[it->index].play_count) &&
	    mock_emby__check_userdata(ud, "userdata", "$", err, errsz) == 0 &&
	    mock_emby__set_userdata_locked(m, u, it->id, ud) == 0) {
		ud = NULL;
		rc = 0;
	} else if (!err[0]) {
		snprintf(err, errsz, "Out of memory.");
	}
	const char *a = in->act->action;
	if (rc == 0 && (strcmp(a, "play") == 0 || strcmp(a, "pause") == 0)) {
		char *copy = mock_emby__strdup(it->id);
		if (copy) {
			free(u->playing);
			u->playing = copy;
		}
	} else if (rc == 0 && strcmp(a, "stop") == 0) {
		free(u->playing);
		u->playing = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	cJSON_Delete(ud);
	return rc;
}

static void put_playback(mock_emby__buf *b, const player_in *in)
{
	mock_emby__buf_puts(b, ",\"Session\":{\"RemoteEndPoint\":\"127.0.0.1\",\"Client\":\"Emby "
			       "Web\",\"DeviceName\":\"cwprogress mock player\",\"DeviceId\":"
			       "\"mock-player-1\",\"ApplicationVersion\":\"4.8.11.0\",\"Id\":"
			       "\"6d6f636b706c61796572000000000001\"},\"PlaybackInfo\":{");
	if (strcmp(in->act->action, "stop") == 0)
		mock_emby__buf_printf(b, "\"PlayedToCompletion\":%s,",
				      in->completed ? "true" : "false");
	mock_emby__buf_printf(b, "\"PositionTicks\":%lld,\"PlaylistIndex\":0,\"PlaylistLength\":1}",
			      (long long)(in->has_pos ? in->pos : 0));
}

/* The notification, in the shape of docs/WEBHOOKS.md. */
static char *payload(mock_emby *m, const mock_emby__user *u, const mock_emby__item *it,
		     const player_in *in)
{
	mock_emby__buf b = {0};
	char now[40], title[512];
	mock_emby__date_format(now, sizeof now, mock_emby__now_100ns());
	snprintf(title, sizeof title, "%s %s %s", u->name ? u->name : "user", in->act->verb,
		 it->name ? it->name : it->id);
	mock_emby__buf_puts(&b, "{\"Title\":");
	mock_emby__buf_json_str(&b, title);
	mock_emby__buf_printf(&b,
			      ",\"Date\":\"%s\",\"Event\":\"%s\",\"Severity\":\"Info\","
			      "\"User\":{\"Name\":",
			      now, in->act->event);
	mock_emby__buf_json_str(&b, u->name ? u->name : "");
	mock_emby__buf_puts(&b, ",\"Id\":");
	mock_emby__buf_json_str(&b, u->id);
	mock_emby__buf_puts(&b, "},\"Item\":");
	mock_emby__render_item(&b, it, NULL, 0);
	mock_emby__buf_puts(&b, ",\"Server\":{\"Name\":");
	mock_emby__buf_json_str(&b, m->server_name ? m->server_name : "mock");
	mock_emby__buf_puts(&b, ",\"Id\":");
	mock_emby__buf_json_str(&b, m->server_id);
	mock_emby__buf_puts(&b, ",\"Version\":");
	mock_emby__buf_json_str(&b, m->version ? m->version : "4.8.11.0");
	mock_emby__buf_puts(&b, "}");
	if (in->act->playback)
		put_playback(&b, in);
	mock_emby__buf_puts(&b, "}");
	return mock_emby__buf_take(&b);
}

/* POST one body to one target; the HTTP status, or -1. */
static int post_one(const mock_emby *m, const hook_target *t, const char *json)
{
	char ebuf[256] = "";
	mock_emby__buf body = {0};
	if (t->form) {
		mock_emby__buf_printf(&body,
				      "--%s\r\nContent-Disposition: form-data; name=\"data\"\r\n"
				      "Content-Type: application/json\r\n\r\n%s\r\n--%s--\r\n",
				      FORM_BOUNDARY, json, FORM_BOUNDARY);
	} else {
		mock_emby__buf_puts(&body, json);
	}
	int status = -1;
	struct mg_connection *c =
	    body.oom ? NULL : mg_connect_client("127.0.0.1", t->port, 0, ebuf, sizeof ebuf);
	if (c) {
		mg_printf(c,
			  "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: Emby Server/%s\r\n"
			  "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			  t->path, t->port, m->version ? m->version : "4.8.11.0",
			  t->form ? "multipart/form-data; boundary=" FORM_BOUNDARY
				  : "application/json",
			  body.len);
		if (mg_write(c, body.p, body.len) == (int)body.len &&
		    mg_get_response(c, ebuf, sizeof ebuf, SEND_TIMEOUT) >= 0)
			status = mg_get_response_info(c)->status_code;
		mg_close_connection(c);
	}
	mock_emby__buf_free(&body);
	return status;
}

/* Send to every target (outside the lock); statuses as a JSON array. */
static void send_all(mock_emby *m, const char *json, mock_emby__buf *out)
{
	hook_target t[MAX_TARGETS];
	size_t n = 0;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; m->hooks && i < m->hooks->n; i++) {
		t[n] = m->hooks->t[i];
		t[n].path = mock_emby__strdup(m->hooks->t[i].path);
		if (t[n].path)
			n++;
	}
	pthread_mutex_unlock(&m->mu);
	mock_emby__buf_puts(out, "[");
	for (size_t i = 0; i < n; i++) {
		int st = post_one(m, &t[i], json);
		mock_emby__buf_printf(out, "%s%d", i ? "," : "", st);
		pthread_mutex_lock(&m->mu);
		if (m->hooks && st >= 200 && st < 300)
			m->hooks->sent++;
		else if (m->hooks)
			m->hooks->failed++;
		pthread_mutex_unlock(&m->mu);
		free(t[i].path);
	}
	mock_emby__buf_puts(out, "]");
}

/* The request body of a player action: {"position_ticks": N, "completed":
 * bool} for pause and stop; a UserData object for userdata. */
static const char *player_body(player_in *in, cJSON *b)
{
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(b, "position_ticks");
	const cJSON *done = cJSON_GetObjectItemCaseSensitive(b, "completed");
	if (strcmp(in->act->action, "userdata") == 0) {
		if (!cJSON_IsObject(b) || !b->child)
			return "body: a UserData object with the members to set";
		in->patch = b;
		return NULL;
	}
	if (pos && !mock_emby__json_int(pos, 0, INT64_C(9007199254740991), &in->pos))
		return "position_ticks: an integer 0-2^53";
	in->has_pos = pos != NULL;
	if (done && !cJSON_IsBool(done))
		return "completed: true or false";
	in->completed = cJSON_IsTrue(done);
	return NULL;
}

static void player(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	player_in in = {0};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (mock_emby__ieq(rq->seg[4], acts[i].action))
			in.act = &acts[i];
	mock_emby__user *u = mock_emby__find_user(m, rq->seg[2]);
	const mock_emby__item *it = mock_emby__find_item(m, rq->seg[3]);
	if (!in.act || !u || !it) {
		text(rs, 404,
		     !in.act ? "Unknown player action (play, pause, stop, markplayed, "
			       "markunplayed, userdata)."
		     : !u    ? "No such user."
			     : "No such item.");
		return;
	}
	cJSON *b = rq->body_len ? cwp_json_parse(rq->body, rq->body_len) : NULL;
	char err[512] = "";
	const char *bad = rq->body_len && !b ? "body: not JSON" : player_body(&in, b);
	if (bad || player_apply(m, u, it, &in, err, sizeof err) != 0) {
		text(rs, 400, bad ? bad : err);
		cJSON_Delete(b);
		return;
	}
	cJSON_Delete(b);
	char *json = payload(m, u, it, &in);
	if (!json) {
		text(rs, 500, "Out of memory.");
		return;
	}
	rs->status = 200;
	rs->ctype = CT_JSON;
	mock_emby__buf_printf(&rs->body, "{\"event\":\"%s\",\"status\":", in.act->event);
	send_all(m, json, &rs->body);
	mock_emby__buf_puts(&rs->body, "}");
	free(json);
}

bool mock_emby__webhooks_control(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	bool post = mock_emby__ieq(rq->method, "POST");
	if (mock_emby__route_match("/__mock/webhooks", rq->route)) {
		if (post) {
			add_target(m, rq, rs);
		} else if (mock_emby__ieq(rq->method, "GET")) {
			list_targets(m, rs);
		} else if (mock_emby__ieq(rq->method, "DELETE")) {
			pthread_mutex_lock(&m->mu);
			if (m->hooks)
				targets_clear(m->hooks);
			pthread_mutex_unlock(&m->mu);
			no_content(rs);
		} else {
			return false;
		}
		return true;
	}
	if (post && mock_emby__route_match("/__mock/player/*/*/*", rq->route)) {
		player(m, rq, rs);
		return true;
	}
	return false;
}
