/* The client object: options, headers, probe, AuthenticateByName, /Sessions. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "client_internal.h"

static char *dup_str(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Overwrite a secret before freeing it. volatile: the stores must happen. */
static void free_secret(char *s)
{
	if (!s)
		return;
	for (volatile char *p = s; *p; p++)
		*p = 0;
	free(s);
}

/* Values that go inside a quoted header parameter or a path must not be
 * able to end the quote or the header line. */
static bool header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return false;
	return true;
}

/* The host[:port] of a URL, for the default label. */
static char *url_host(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	char *h = malloc(n + 1);
	if (h) {
		memcpy(h, p, n);
		h[n] = '\0';
	}
	return h;
}

static int build_headers(emby_client *c)
{
	int rc = CWP_ENOMEM;
	emby_buf a = {0};
	char host[128] = "cwprogress";
	struct curl_slist *hdr = NULL, *json = NULL, *noauth = NULL, *t;

	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0] || !header_safe(host))
		snprintf(host, sizeof(host), "cwprogress");
	host[sizeof(host) - 1] = '\0';

	/* Without the token: AuthenticateByName. */
	if (emby__buf_printf(&a,
			     "X-Emby-Authorization: MediaBrowser Client=\"cwprogress\", "
			     "Device=\"%s\", DeviceId=\"%s\", Version=\"%s\"",
			     host, c->device_id, CWP_VERSION_STRING) != CWP_OK)
		goto done;
	const char *common[] = {"Accept: application/json", "Expect:"};
	for (size_t i = 0; i < 2; i++) {
		if (!(t = curl_slist_append(noauth, common[i])))
			goto done;
		noauth = t;
	}
	if (!(t = curl_slist_append(noauth, "Content-Type: application/json")))
		goto done;
	noauth = t;
	if (!(t = curl_slist_append(noauth, a.p)))
		goto done;
	noauth = t;

	for (int j = 0; j < 2; j++) {
		struct curl_slist *l = NULL;
		for (size_t i = 0; i < 2; i++) {
			if (!(t = curl_slist_append(l, common[i])))
				goto fail_list;
			l = t;
		}
		if (j == 1) {
			if (!(t = curl_slist_append(l, "Content-Type: application/json")))
				goto fail_list;
			l = t;
		}
		if (c->token) {
			a.len = 0;
			if (emby__buf_printf(&a,
					     "Authorization: MediaBrowser Client=\"cwprogress\", "
					     "Device=\"%s\", DeviceId=\"%s\", Version=\"%s\", "
					     "Token=\"%s\"",
					     host, c->device_id, CWP_VERSION_STRING,
					     c->token) != CWP_OK ||
			    !(t = curl_slist_append(l, a.p)))
				goto fail_list;
			l = t;
			a.len = 0;
			if (emby__buf_printf(&a, "X-Emby-Token: %s", c->token) != CWP_OK ||
			    !(t = curl_slist_append(l, a.p)))
				goto fail_list;
			l = t;
		}
		if (j == 0)
			hdr = l;
		else
			json = l;
		continue;
	fail_list:
		curl_slist_free_all(l);
		goto done;
	}
	curl_slist_free_all(c->hdr);
	curl_slist_free_all(c->hdr_json);
	curl_slist_free_all(c->hdr_noauth);
	c->hdr = hdr;
	c->hdr_json = json;
	c->hdr_noauth = noauth;
	hdr = json = noauth = NULL;
	rc = CWP_OK;
done:
	/* The buffer held the token: wipe it. */
	if (a.p)
		memset(a.p, 0, a.cap);
	emby__buf_free(&a);
	curl_slist_free_all(hdr);
	curl_slist_free_all(json);
	curl_slist_free_all(noauth);
	return rc;
}

/* The options that are plain values and callbacks (no copies to make). */
static void copy_settings(emby_client *c, const emby_options *o)
{
	c->connect_timeout_ms = o->connect_timeout_ms;
	c->total_timeout_ms = o->total_timeout_ms;
	c->insecure = o->insecure;
	c->page_size = o->page_size;
	c->max_attempts = o->max_attempts;
	c->max_in_flight = o->max_in_flight;
	c->backoff_ms = o->backoff_ms;
	c->max_retry_after_ms = o->max_retry_after_ms;
	c->max_body = o->max_body;
	c->progress = o->progress;
	c->progress_ud = o->progress_ud;
	c->on_response = o->on_response;
	c->on_response_ud = o->on_response_ud;
	c->shared = o->shared;
}

int emby_client_new(emby_client **out, const emby_options *o)
{
	int rc = CWP_ENOMEM;
	emby_client *c = NULL;

	*out = NULL;
	if (!o || !o->base_url)
		return cwp_error_set(CWP_EINVAL, "emby client: base_url is required");
	if (strncmp(o->base_url, "http://", 7) != 0 && strncmp(o->base_url, "https://", 8) != 0)
		return cwp_error_set(CWP_EINVAL,
				     "emby client: base_url must start with http:// or https://");
	if (!header_safe(o->base_url) || strchr(o->base_url, ' ') || strchr(o->base_url, '?') ||
	    strchr(o->base_url, '#'))
		return cwp_error_set(CWP_EINVAL,
				     "emby client: base_url has characters a URL cannot have");
	if (!o->user_id && !(o->username && o->password))
		return cwp_error_set(CWP_EINVAL,
				     "emby client: a user id (or a username and password) is "
				     "required");
	if (!o->token && !(o->username && o->password))
		return cwp_error_set(
		    CWP_EINVAL, "emby client: a token (or a username and password) is required");
	if ((o->token && (!o->token[0] || !header_safe(o->token) || strchr(o->token, ' '))) ||
	    (o->device_id && !header_safe(o->device_id)))
		return cwp_error_set(CWP_EINVAL,
				     "emby client: the token or device id has characters an HTTP "
				     "header cannot carry");
	if (o->user_id && (!o->user_id[0] || !header_safe(o->user_id)))
		return cwp_error_set(CWP_EINVAL, "emby client: invalid user id");
	if (o->page_size < 1 || o->page_size > 100000 || o->max_attempts < 1 ||
	    o->max_attempts > 100 || o->max_in_flight < 1 || o->max_in_flight > 256 ||
	    o->backoff_ms < 0 || o->max_retry_after_ms < 0 || o->connect_timeout_ms < 1 ||
	    o->total_timeout_ms < 1 || o->max_body < 1024)
		return cwp_error_set(CWP_EINVAL,
				     "emby client: page_size 1-100000, max_attempts 1-100, "
				     "max_in_flight 1-256, timeouts > 0, max_body >= 1024");
	if (emby__curl_global() != CWP_OK)
		return cwp_error_set(CWP_ERROR, "emby client: libcurl initialisation failed");

	c = calloc(1, sizeof(*c));
	if (!c)
		goto done;
	c->base_url = dup_str(o->base_url);
	if (!c->base_url)
		goto done;
	size_t bl = strlen(c->base_url);
	while (bl > 0 && c->base_url[bl - 1] == '/')
		c->base_url[--bl] = '\0';
	if ((o->user_id && !(c->user_id = dup_str(o->user_id))) ||
	    (o->token && !(c->token = dup_str(o->token))) ||
	    (o->username && !(c->username = dup_str(o->username))) ||
	    (o->password && !(c->password = dup_str(o->password))) ||
	    (o->ca_file && !(c->ca_file = dup_str(o->ca_file))))
		goto done;
	c->label = o->label ? dup_str(o->label) : url_host(c->base_url);
	if (!c->label)
		goto done;
	if (o->device_id) {
		c->device_id = dup_str(o->device_id);
	} else {
		char host[128] = "host";
		if (gethostname(host, sizeof(host) - 1) != 0 || !header_safe(host))
			snprintf(host, sizeof(host), "host");
		host[sizeof(host) - 1] = '\0';
		size_t n = strlen(host) + sizeof("cwprogress-");
		c->device_id = malloc(n);
		if (c->device_id)
			snprintf(c->device_id, n, "cwprogress-%s", host);
	}
	if (!c->device_id)
		goto done;
	if (o->n_libraries) {
		c->libraries = calloc(o->n_libraries, sizeof(char *));
		if (!c->libraries)
			goto done;
		c->n_libraries = o->n_libraries;
		for (size_t i = 0; i < o->n_libraries; i++)
			if (!(c->libraries[i] = dup_str(o->libraries[i])))
				goto done;
	}
	copy_settings(c, o);
	c->easy = curl_easy_init();
	if (!c->easy)
		goto done;
	if (build_headers(c) != CWP_OK)
		goto done;
	*out = c;
	c = NULL;
	rc = CWP_OK;
done:
	if (rc != CWP_OK)
		cwp_error_set(rc, "emby client: out of memory");
	emby_client_free(c);
	return rc;
}

void emby_client_free(emby_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->hdr);
	curl_slist_free_all(c->hdr_json);
	curl_slist_free_all(c->hdr_noauth);
	free(c->base_url);
	free(c->user_id);
	free_secret(c->token);
	free(c->username);
	free_secret(c->password);
	free(c->label);
	free(c->device_id);
	free(c->ca_file);
	for (size_t i = 0; i < c->n_libraries; i++)
		free(c->libraries[i]);
	free(c->libraries);
	free(c);
}

const char *emby_client_error(const emby_client *c)
{
	return c ? c->err : "";
}

const char *emby_client_user_id(const emby_client *c)
{
	return c && c->user_id ? c->user_id : "";
}

void emby_client_stats(const emby_client *c, emby_stats *out)
{
	*out = c->stats;
}

static void copy_field(char *dst, size_t dstsz, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	dst[0] = '\0';
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, dstsz, "%s", v->valuestring);
}

static int authenticate(emby_client *c)
{
	int rc;
	emby_xfer x = {0};
	cJSON *req = NULL, *resp = NULL;
	char *body = NULL;

	req = cJSON_CreateObject();
	if (!req || !cJSON_AddStringToObject(req, "Username", c->username) ||
	    !cJSON_AddStringToObject(req, "Pw", c->password) ||
	    !(body = cJSON_PrintUnformatted(req))) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	x.method = "POST";
	x.post_body = body;
	x.noauth = true;
	rc = emby__xfer_url(c, &x, "/Users/AuthenticateByName", NULL);
	if (rc != CWP_OK)
		goto done;
	rc = emby__request(c, &x);
	if (rc == CWP_EAUTH) {
		rc = emby__fail(c, CWP_EAUTH,
				"%s: POST /Users/AuthenticateByName: HTTP %ld: user name or "
				"password refused",
				c->label, x.status);
		goto done;
	}
	if (rc != CWP_OK)
		goto done;
	resp = cwp_json_parse(x.body.p ? x.body.p : "", x.body.len);
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(resp, "User");
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "Id");
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(resp, "AccessToken");
	if (!cJSON_IsString(uid) || !cJSON_IsString(tok) || !uid->valuestring[0] ||
	    !tok->valuestring[0] || !header_safe(uid->valuestring) ||
	    !header_safe(tok->valuestring) || strchr(tok->valuestring, ' ')) {
		rc = emby__fail(c, CWP_EDECODE,
				"%s: POST /Users/AuthenticateByName: HTTP %ld: no usable User.Id "
				"and AccessToken in the answer",
				c->label, x.status);
		goto done;
	}
	char *t = dup_str(tok->valuestring);
	char *u = c->user_id ? NULL : dup_str(uid->valuestring);
	if (!t || (!c->user_id && !u)) {
		free_secret(t);
		free(u);
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	free_secret(c->token);
	c->token = t;
	if (u)
		c->user_id = u;
	rc = build_headers(c);
	if (rc != CWP_OK)
		rc = emby__fail(c, rc, "%s: out of memory", c->label);
done:
	if (resp) {
		cJSON *tk = cJSON_GetObjectItemCaseSensitive(resp, "AccessToken");
		if (cJSON_IsString(tk))
			memset(tk->valuestring, 0, strlen(tk->valuestring));
	}
	cJSON_Delete(resp);
	if (body) {
		memset(body, 0, strlen(body)); /* held the password */
		cJSON_free(body);
	}
	cJSON_Delete(req);
	if (x.body.p)
		memset(x.body.p, 0, x.body.len); /* held the access token */
	emby__xfer_free(&x);
	return rc;
}

int emby__ensure_user(emby_client *c)
{
	if (c->token && c->user_id)
		return CWP_OK;
	return authenticate(c);
}

int emby__server_info_read(emby_client *c, emby_server_info *out)
{
	emby_xfer x = {0};
	memset(out, 0, sizeof(*out));
	int rc = emby__get(c, &x, "/System/Info/Public", NULL);
	cJSON *j = rc == CWP_OK ? cwp_json_parse(x.body.p ? x.body.p : "", x.body.len) : NULL;
	if (rc == CWP_OK && !cJSON_IsObject(j))
		rc = emby__fail(c, CWP_EDECODE,
				"%s: GET /System/Info/Public: HTTP %ld: not a JSON object (is "
				"this an Emby server?)",
				c->label, x.status);
	if (rc == CWP_OK) {
		copy_field(out->name, sizeof(out->name), j, "ServerName");
		copy_field(out->version, sizeof(out->version), j, "Version");
		copy_field(out->id, sizeof(out->id), j, "Id");
	}
	cJSON_Delete(j);
	emby__xfer_free(&x);
	return rc;
}

int emby_probe(emby_client *c, emby_server_info *out)
{
	int rc;
	emby_xfer x = {0};
	cJSON *j = NULL;
	emby_buf path = {0};

	rc = c->shared ? emby__shared_server_info(c, out) : emby__server_info_read(c, out);
	if (rc != CWP_OK)
		goto done;

	rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		goto done;
	if (emby__buf_str(&path, "/Users/") != CWP_OK ||
	    emby__buf_escape(&path, c->user_id) != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	rc = emby__get(c, &x, path.p, NULL);
	if (rc == CWP_ENOTFOUND || (rc == CWP_EHTTP && (x.status == 400 || x.status == 500))) {
		rc = emby__fail(c, CWP_EAUTH,
				"%s: GET %s: HTTP %ld: no user with id %s on this server", c->label,
				x.route, x.status, c->user_id);
		goto done;
	}
	if (rc != CWP_OK)
		goto done;
	j = cwp_json_parse(x.body.p ? x.body.p : "", x.body.len);
	if (!cJSON_IsObject(j)) {
		rc = emby__fail(c, CWP_EDECODE, "%s: GET %s: HTTP %ld: not a JSON user object",
				c->label, x.route, x.status);
		goto done;
	}
	copy_field(out->user_name, sizeof(out->user_name), j, "Name");
done:
	cJSON_Delete(j);
	emby__buf_free(&path);
	emby__xfer_free(&x);
	return rc;
}

void emby_strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void emby__user_norm(char out[EMBY__USER_NORM], const char *id)
{
	size_t n = 0;
	for (const char *p = id; *p && n < EMBY__USER_NORM - 1; p++)
		if (*p != '-')
			out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
}

void emby__sessions_free(emby__sessions *s)
{
	emby_strv_free(s->user, s->n);
	emby_strv_free(s->item, s->n);
	memset(s, 0, sizeof(*s));
}

/* One (user, item) per session that plays something. */
static int sessions_add(emby__sessions *s, const cJSON *sess)
{
	const cJSON *uid = cJSON_GetObjectItemCaseSensitive(sess, "UserId");
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(sess, "NowPlayingItem");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(np, "Id");
	if (!cJSON_IsString(uid) || !cJSON_IsString(id) || !id->valuestring[0])
		return CWP_OK;
	char u[EMBY__USER_NORM];
	emby__user_norm(u, uid->valuestring);
	if (!(s->user[s->n] = dup_str(u)))
		return CWP_ENOMEM;
	if (!(s->item[s->n] = dup_str(id->valuestring))) {
		free(s->user[s->n]);
		s->user[s->n] = NULL;
		return CWP_ENOMEM;
	}
	s->n++;
	return CWP_OK;
}

int emby__sessions_read(emby_client *c, emby__sessions *out)
{
	emby_xfer x = {0};
	cJSON *j = NULL;
	memset(out, 0, sizeof(*out));
	int rc = emby__get(c, &x, "/Sessions", NULL);
	if (rc != CWP_OK)
		goto done;
	j = cwp_json_parse(x.body.p ? x.body.p : "", x.body.len);
	if (!cJSON_IsArray(j)) {
		rc = emby__fail(c, CWP_EDECODE, "%s: GET /Sessions: HTTP %ld: not a JSON array",
				c->label, x.status);
		goto done;
	}
	size_t cap = (size_t)cJSON_GetArraySize(j);
	out->user = calloc(cap ? cap : 1, sizeof(char *));
	out->item = calloc(cap ? cap : 1, sizeof(char *));
	rc = out->user && out->item ? CWP_OK : CWP_ENOMEM;
	for (const cJSON *s = j->child; rc == CWP_OK && s; s = s->next)
		rc = sessions_add(out, s);
	if (rc != CWP_OK)
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
done:
	if (rc != CWP_OK)
		emby__sessions_free(out);
	cJSON_Delete(j);
	emby__xfer_free(&x);
	return rc;
}

int emby__sessions_of(emby_client *c, const emby__sessions *s, char ***ids, size_t *n)
{
	char me[EMBY__USER_NORM];
	emby__user_norm(me, c->user_id);
	char **v = calloc(s->n ? s->n : 1, sizeof(char *));
	size_t nv = 0;
	if (!v)
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->user[i], me) != 0)
			continue;
		bool dup = false;
		for (size_t k = 0; k < nv && !dup; k++)
			dup = strcmp(v[k], s->item[i]) == 0;
		if (dup)
			continue;
		if (!(v[nv] = dup_str(s->item[i]))) {
			emby_strv_free(v, nv);
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		}
		nv++;
	}
	*ids = v;
	*n = nv;
	return CWP_OK;
}

int emby__playing_read(emby_client *c, char ***ids, size_t *n)
{
	emby__sessions all;
	int rc = emby__sessions_read(c, &all);
	if (rc == CWP_OK)
		rc = emby__sessions_of(c, &all, ids, n);
	emby__sessions_free(&all);
	return rc;
}

int emby_playing(emby_client *c, char ***ids, size_t *n)
{
	*ids = NULL;
	*n = 0;
	int rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		return rc;
	return c->shared ? emby__shared_playing(c, ids, n) : emby__playing_read(c, ids, n);
}

const char *emby_resolve_status_name(emby_resolve_status s)
{
	switch (s) {
	case EMBY_RESOLVED:
		return "resolved";
	case EMBY_NOT_FOUND:
		return "not_found";
	case EMBY_AMBIGUOUS:
		return "ambiguous";
	default:
		return "unknown";
	}
}
