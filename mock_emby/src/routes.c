/* The Emby routes of the mock (../shared/EMBY_API.md): dispatch, sessions,
 * system info, users and authentication, recordings. Called by server.c with
 * the request already decoded; answers into rs. The item query is query.c,
 * user data reads and writes userdata.c. Sessions are read under m->mu. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"

void mock_emby__resp_text(mock_emby__resp *r, int status, const char *text)
{
	r->status = status;
	r->ctype = CT_TEXT;
	r->body.len = 0;
	mock_emby__buf_puts(&r->body, text);
}

void mock_emby__resp_json(mock_emby__resp *r)
{
	r->status = 200;
	r->ctype = CT_JSON;
}

static bool guid_form(const char *s)
{
	size_t hex = 0;
	for (; *s; s++) {
		if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F'))
			hex++;
		else if (*s != '-')
			return false;
	}
	return hex == 32;
}

/* The user named in the path (or a UserId parameter). Emby answers a
 * malformed id with 500 "Unrecognized Guid format."; the mock answers an
 * unknown well-formed one with 404. */
mock_emby__user *mock_emby__want_user(mock_emby *m, const char *id, mock_emby__resp *rs)
{
	if (!guid_form(id)) {
		mock_emby__resp_text(rs, 500, "Unrecognized Guid format.");
		return NULL;
	}
	mock_emby__user *u = mock_emby__find_user(m, id);
	if (!u)
		mock_emby__resp_text(rs, 404, "User not found.");
	return u;
}

/* ---- sessions, system, users ---- */

/* A session id for the user's "playing now" session: 32 hex characters, as
 * Emby's, derived from the user id so that it is stable. */
static void session_id(char out[33], const char *user_id)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (const char *p = user_id; *p && k < 32; p++) {
		const char *h = strchr(hex, *p >= 'A' && *p <= 'F' ? *p + 32 : *p);
		if (h && *p)
			out[k++] = hex[((h - hex) + 7) & 15];
	}
	while (k < 32)
		out[k++] = '0';
	out[32] = '\0';
}

/* The session of a user playing an item (mock_emby_set_playing), shaped
 * like a real one (docs/FIXTURES.md: Emby 4.3's /Sessions). mu held. */
static void playing_session(mock_emby *m, mock_emby__buf *b, const mock_emby__user *u,
			    const mock_emby__item *it)
{
	char sid[33], now[40];
	session_id(sid, u->id);
	mock_emby__date_format(now, sizeof now, mock_emby__now_100ns());
	mock_emby__buf_printf(b,
			      "{\"PlayState\":{\"PositionTicks\":%lld,\"CanSeek\":true,"
			      "\"IsPaused\":false,\"IsMuted\":false,\"RepeatMode\":\"RepeatNone\","
			      "\"PlayMethod\":\"DirectPlay\"},\"AdditionalUsers\":[],"
			      "\"RemoteEndPoint\":\"127.0.0.1\",\"PlayableMediaTypes\":[\"Audio\","
			      "\"Video\"],\"Id\":\"%s\",\"ServerId\":",
			      (long long)mock_emby__udc_of(u, it)->pos, sid);
	mock_emby__buf_json_str(b, m->server_id);
	mock_emby__buf_puts(b, ",\"UserId\":");
	mock_emby__buf_json_str(b, u->id);
	mock_emby__buf_puts(b, ",\"UserName\":");
	mock_emby__buf_json_str(b, u->name);
	mock_emby__buf_printf(b,
			      ",\"Client\":\"Emby Web\",\"LastActivityDate\":\"%s\","
			      "\"DeviceName\":\"mock-emby\",\"DeviceId\":\"mock-emby-device\","
			      "\"ApplicationVersion\":",
			      now);
	mock_emby__buf_json_str(b, m->version);
	mock_emby__buf_puts(b, ",\"SupportsRemoteControl\":true,\"NowPlayingItem\":");
	mock_emby__render_item(b, it, NULL, 0);
	mock_emby__buf_puts(b, "}");
}

static void get_sessions(mock_emby *m, mock_emby__resp *rs)
{
	mock_emby__buf *b = &rs->body;
	mock_emby__resp_json(rs);
	bool first = true;
	mock_emby__buf_puts(b, "[");
	pthread_mutex_lock(&m->mu);
	for (const cJSON *s = m->sessions->child; s; s = s->next) {
		mock_emby__buf_puts(b, first ? "" : ",");
		mock_emby__buf_json(b, s);
		first = false;
	}
	for (size_t i = 0; i < m->n_users; i++) {
		const mock_emby__user *u = &m->users[i];
		const mock_emby__item *it = u->playing ? mock_emby__find_item(m, u->playing) : NULL;
		if (!it)
			continue;
		mock_emby__buf_puts(b, first ? "" : ",");
		first = false;
		playing_session(m, b, u, it);
	}
	pthread_mutex_unlock(&m->mu);
	mock_emby__buf_puts(b, "]");
}

static cJSON *public_info(mock_emby *m)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "LocalAddress", m->local_address ? m->local_address : m->url);
	cJSON_AddStringToObject(o, "ServerName", m->server_name);
	cJSON_AddStringToObject(o, "Version", m->version);
	cJSON_AddStringToObject(o, "ProductName", "Emby Server");
	cJSON_AddStringToObject(o, "OperatingSystem", m->os);
	cJSON_AddStringToObject(o, "Id", m->server_id);
	cJSON_AddBoolToObject(o, "StartupWizardCompleted", 1);
	return o;
}

static void send_cjson(mock_emby__resp *rs, cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	if (!s) {
		mock_emby__resp_text(rs, 500, "Out of memory.");
	} else {
		mock_emby__resp_json(rs);
		mock_emby__buf_puts(&rs->body, s);
	}
	cJSON_free(s);
	cJSON_Delete(o);
}

static void get_system_info(mock_emby *m, mock_emby__resp *rs, bool full)
{
	cJSON *o = public_info(m);
	if (o && full) {
		cJSON_AddStringToObject(o, "OperatingSystemDisplayName", m->os);
		cJSON_AddBoolToObject(o, "HasPendingRestart", 0);
		cJSON_AddBoolToObject(o, "IsShuttingDown", 0);
		cJSON_AddBoolToObject(o, "SupportsLibraryMonitor", 1);
		cJSON_AddNumberToObject(o, "WebSocketPortNumber", m->port);
		cJSON_AddBoolToObject(o, "CanSelfRestart", 0);
		cJSON_AddBoolToObject(o, "CanSelfUpdate", 0);
		cJSON_AddBoolToObject(o, "CanLaunchWebBrowser", 0);
		cJSON_AddBoolToObject(o, "HasUpdateAvailable", 0);
		cJSON_AddNumberToObject(o, "HttpServerPortNumber", m->tls ? 0 : m->port);
		cJSON_AddNumberToObject(o, "HttpsPortNumber", m->tls ? m->port : 0);
		cJSON_AddBoolToObject(o, "SupportsHttps", m->tls);
		for (const cJSON *c = m->system_info_extra ? m->system_info_extra->child : NULL; c;
		     c = c->next) {
			cJSON *dup = cJSON_Duplicate(c, 1);
			if (dup && cJSON_GetObjectItemCaseSensitive(o, c->string))
				cJSON_ReplaceItemInObjectCaseSensitive(o, c->string, dup);
			else if (dup)
				cJSON_AddItemToObject(o, c->string, dup);
		}
	}
	send_cjson(rs, o);
}

static cJSON *user_object(mock_emby *m, const mock_emby__user *u)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "Name", u->name);
	cJSON_AddStringToObject(o, "ServerId", m->server_id);
	cJSON_AddStringToObject(o, "Id", u->id);
	cJSON_AddBoolToObject(o, "HasPassword", u->password[0] != '\0');
	cJSON_AddBoolToObject(o, "HasConfiguredPassword", u->password[0] != '\0');
	cJSON_AddBoolToObject(o, "HasConfiguredEasyPassword", 0);
	cJSON *pol = cJSON_AddObjectToObject(o, "Policy");
	if (pol) {
		cJSON_AddBoolToObject(pol, "IsAdministrator", u == &m->users[0]);
		cJSON_AddBoolToObject(pol, "IsHidden", 0);
		cJSON_AddBoolToObject(pol, "IsDisabled", 0);
		cJSON_AddBoolToObject(pol, "EnableAllFolders", 1);
	}
	return o;
}

static void get_user(mock_emby *m, mock_emby__resp *rs, const char *uid)
{
	mock_emby__user *u = mock_emby__want_user(m, uid, rs);
	if (u)
		send_cjson(rs, user_object(m, u));
}

static void get_users(mock_emby *m, mock_emby__resp *rs)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < m->n_users; i++)
		cJSON_AddItemToArray(arr, user_object(m, &m->users[i]));
	send_cjson(rs, arr);
}

static void get_virtual_folders(mock_emby *m, mock_emby__resp *rs)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < m->n_libs; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o)
			continue;
		cJSON_AddStringToObject(o, "Name", m->libs[i].name);
		cJSON_AddItemToObject(o, "Locations", cJSON_CreateArray());
		if (m->libs[i].collection_type)
			cJSON_AddStringToObject(o, "CollectionType", m->libs[i].collection_type);
		cJSON_AddStringToObject(o, "ItemId", m->libs[i].id);
		cJSON_AddStringToObject(o, "Id", m->libs[i].id);
		cJSON_AddItemToArray(arr, o);
	}
	send_cjson(rs, arr);
}

/* The value of key="value" in an Emby authorization header, or "" */
static void auth_field(const char *hdr, const char *key, char *out, size_t n)
{
	out[0] = '\0';
	size_t kl = strlen(key);
	for (const char *p = hdr; p && *p; p++) {
		if ((p == hdr || p[-1] == ' ' || p[-1] == ',') && mock_emby__ieqn(p, key, kl) &&
		    p[kl] == '=') {
			const char *v = p + kl + 1;
			bool quoted = *v == '"';
			v += quoted;
			size_t len = strcspn(v, quoted ? "\"" : ", ");
			snprintf(out, n, "%.*s", (int)len, v);
			return;
		}
	}
}

static void authenticate(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	cJSON *body = rq->body_len ? cwp_json_parse(rq->body, rq->body_len) : NULL;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "Username");
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(body, "Pw");
	if (!pw)
		pw = cJSON_GetObjectItemCaseSensitive(body, "Password");
	if (!cJSON_IsObject(body) || !cJSON_IsString(name)) {
		mock_emby__resp_text(rs, 400, "Value cannot be null. (Parameter 'username')");
		cJSON_Delete(body);
		return;
	}
	mock_emby__user *u = NULL;
	for (size_t i = 0; i < m->n_users && !u; i++)
		if (mock_emby__ieq(m->users[i].name, name->valuestring))
			u = &m->users[i];
	const char *given = cJSON_IsString(pw) ? pw->valuestring : "";
	if (!u || strcmp(u->password, given) != 0) {
		mock_emby__resp_text(rs, 401, "Invalid username or password entered.");
		cJSON_Delete(body);
		return;
	}
	cJSON_Delete(body);
	char client[128], device[128], device_id[128], version[64];
	auth_field(rq->emby_auth, "Client", client, sizeof client);
	auth_field(rq->emby_auth, "Device", device, sizeof device);
	auth_field(rq->emby_auth, "DeviceId", device_id, sizeof device_id);
	auth_field(rq->emby_auth, "Version", version, sizeof version);
	cJSON *o = cJSON_CreateObject();
	cJSON *si = cJSON_CreateObject();
	if (o && si) {
		cJSON_AddItemToObject(o, "User", user_object(m, u));
		char sid[33];
		session_id(sid, u->id);
		cJSON_AddStringToObject(si, "Id", sid);
		cJSON_AddStringToObject(si, "ServerId", m->server_id);
		cJSON_AddStringToObject(si, "UserId", u->id);
		cJSON_AddStringToObject(si, "UserName", u->name);
		cJSON_AddStringToObject(si, "Client", client);
		cJSON_AddStringToObject(si, "DeviceName", device);
		cJSON_AddStringToObject(si, "DeviceId", device_id);
		cJSON_AddStringToObject(si, "ApplicationVersion", version);
		cJSON_AddItemToObject(o, "SessionInfo", si);
		si = NULL;
		cJSON_AddStringToObject(o, "AccessToken", u->token);
		cJSON_AddStringToObject(o, "ServerId", m->server_id);
	}
	cJSON_Delete(si);
	send_cjson(rs, o);
}

/* ---- recordings ---- */

static bool replay(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	for (size_t i = 0; i < m->n_recs; i++) {
		const mock_emby__recording *r = &m->recs[i];
		if ((r->method && !mock_emby__ieq(r->method, rq->method)) ||
		    !mock_emby__route_match(r->path, rq->route))
			continue;
		bool ok = true;
		for (size_t j = 0; j < r->query.n && ok; j++) {
			const char *v = mock_emby__query_get(&rq->q, r->query.p[j].name);
			ok = v && strcmp(v, r->query.p[j].value) == 0;
		}
		if (!ok)
			continue;
		rs->status = r->status;
		rs->ctype = r->ctype;
		rs->no_content_type = !r->ctype;
		mock_emby__buf_put(&rs->body, r->body, r->body_len);
		mock_emby__buf_puts(&rs->headers, r->headers);
		return true;
	}
	return false;
}

/* ---- dispatch ---- */

static bool is(const mock_emby__req *rq, const char *method, const char *pattern)
{
	bool head_as_get = strcmp(method, "GET") == 0 && mock_emby__ieq(rq->method, "HEAD");
	return (head_as_get || mock_emby__ieq(rq->method, method)) &&
	       mock_emby__route_match(pattern, rq->route);
}

void mock_emby__route(mock_emby *m, mock_emby__req *rq, mock_emby__resp *rs)
{
	const char *const *s = (const char *const *)rq->seg;
	/* Routes that need no token. */
	if (is(rq, "GET", "/System/Info/Public")) {
		get_system_info(m, rs, false);
		return;
	}
	if (is(rq, "GET", "/System/Ping") || is(rq, "POST", "/System/Ping")) {
		mock_emby__resp_text(rs, 200, "Emby Server");
		return;
	}
	if (is(rq, "POST", "/Users/AuthenticateByName")) {
		authenticate(m, rq, rs);
		return;
	}
	if (!rq->authed) {
		mock_emby__resp_text(rs, 401, "Access token is invalid or expired.");
		return;
	}
	if (replay(m, rq, rs))
		return;
	if (is(rq, "GET", "/System/Info"))
		get_system_info(m, rs, true);
	else if (is(rq, "GET", "/Users"))
		get_users(m, rs);
	else if (is(rq, "GET", "/Users/*"))
		get_user(m, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Views")) {
		if (mock_emby__want_user(m, s[1], rs)) {
			mock_emby__resp_json(rs);
			mock_emby__render_views(m, &rs->body, 0, -1, true);
		}
	} else if (is(rq, "GET", "/Users/*/Items"))
		mock_emby__get_items(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/Resume"))
		mock_emby__get_resume(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/Latest"))
		mock_emby__get_latest(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Users/*/Items/*"))
		mock_emby__get_item(m, rq, rs, s[1], s[3], false);
	else if (is(rq, "GET", "/Users/*/Items/*/UserData"))
		mock_emby__get_item(m, rq, rs, s[1], s[3], true);
	else if (is(rq, "POST", "/Users/*/Items/*/UserData"))
		mock_emby__post_userdata(m, rq, rs, s[1], s[3]);
	else if (is(rq, "POST", "/Users/*/PlayedItems/*"))
		mock_emby__played_items(m, rq, rs, s[1], s[3], true);
	else if (is(rq, "DELETE", "/Users/*/PlayedItems/*"))
		mock_emby__played_items(m, rq, rs, s[1], s[3], false);
	else if (is(rq, "GET", "/Items")) {
		const char *uid = mock_emby__query_get(&rq->q, "UserId");
		mock_emby__get_items(m, rq, rs, uid && *uid ? uid : NULL);
	} else if (is(rq, "GET", "/Shows/*/Episodes"))
		mock_emby__get_episodes(m, rq, rs, s[1]);
	else if (is(rq, "GET", "/Sessions"))
		get_sessions(m, rs);
	else if (is(rq, "GET", "/Library/VirtualFolders"))
		get_virtual_folders(m, rs);
	else
		mock_emby__resp_text(rs, 404, "Not Found");
}
