/* The civetweb side of the mock: start/stop, one handler for every request
 * (body cap, prefix, tokens, faults, journal), sending the answer, and the
 * public functions of mock_emby.h. */
#include "internal.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>
#include "cwp/json.h"

#define DEFAULT_MAX_BODY ((size_t)1 << 20)
/* A body over the cap is still read (and dropped) up to this much, so that
 * the client sees the 413 instead of a reset connection. */
#define DRAIN_LIMIT ((size_t)64 << 20)
#define REDACTED    "<redacted>"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_library(void)
{
	mg_init_library(0);
}

/* civetweb 1.15 dlopen()s "libssl.so" and "libcrypto.so" and looks for
 * SSL_get_peer_certificate, which OpenSSL 3 no longer exports. Two tiny shim
 * libraries, whose sonames are those names, are loaded first: dlopen() then
 * finds them by soname, and the ssl shim supplies the missing function over
 * the real libssl.so.3 (docs/FIXTURES.md, "TLS"). */
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void load_tls_shims(void)
{
	const char *dir = getenv("MOCK_EMBY_TLS_SHIM_DIR");
#ifdef MOCK_EMBY_TLS_SHIM_DIR
	if (!dir || !*dir)
		dir = MOCK_EMBY_TLS_SHIM_DIR;
#endif
	if (!dir || !*dir)
		return;
	const char *names[] = {"libmock_emby_crypto_shim.so", "libmock_emby_ssl_shim.so"};
	for (size_t i = 0; i < 2; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		/* Kept loaded for the life of the process, like libssl itself. */
		(void)dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	}
}

/* ---- token handling ---- */

/* The value of Token="…" in an Emby authorization header. */
static bool auth_header_token(const char *v, const char **start, size_t *len)
{
	while (*v == ' ')
		v++;
	if (mock_emby__ieqn(v, "Emby ", 5))
		v += 5;
	else if (mock_emby__ieqn(v, "MediaBrowser ", 13))
		v += 13;
	else
		return false;
	for (const char *p = v; *p; p++) {
		if ((p == v || p[-1] == ' ' || p[-1] == ',') && mock_emby__ieqn(p, "Token=", 6)) {
			const char *t = p + 6;
			bool quoted = *t == '"';
			t += quoted;
			*start = t;
			*len = strcspn(t, quoted ? "\"" : ", ");
			return true;
		}
	}
	return false;
}

static bool is_token_param(const char *name)
{
	return mock_emby__ieq(name, "api_key") || mock_emby__ieq(name, "ApiKey") ||
	       mock_emby__ieq(name, "X-Emby-Token") ||
	       mock_emby__ieq(name, "X-MediaBrowser-Token") || mock_emby__ieq(name, "AccessToken");
}

static bool is_token_header(const char *name)
{
	return mock_emby__ieq(name, "X-Emby-Token") || mock_emby__ieq(name, "X-MediaBrowser-Token");
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (mock_emby__ieqn(hay, needle, n))
			return true;
	return false;
}

static bool is_auth_header(const char *name)
{
	return mock_emby__ieq(name, "Authorization") ||
	       mock_emby__ieq(name, "X-Emby-Authorization");
}

/* The token a request carries and the form it came in (for the journal),
 * in Emby's order of precedence. Returns a malloc'd copy or NULL. */
static char *request_token(const struct mg_request_info *ri, const mock_emby__query *q,
			   const char **form)
{
	static const char *const headers[] = {"X-Emby-Token", "X-MediaBrowser-Token"};
	for (size_t i = 0; i < 2; i++) {
		for (int h = 0; h < ri->num_headers; h++) {
			if (mock_emby__ieq(ri->http_headers[h].name, headers[i])) {
				*form = headers[i];
				return mock_emby__strdup(ri->http_headers[h].value);
			}
		}
	}
	static const char *const auths[] = {"X-Emby-Authorization", "Authorization"};
	for (size_t i = 0; i < 2; i++) {
		for (int h = 0; h < ri->num_headers; h++) {
			const char *start;
			size_t len;
			if (mock_emby__ieq(ri->http_headers[h].name, auths[i]) &&
			    auth_header_token(ri->http_headers[h].value, &start, &len)) {
				*form = auths[i];
				return mock_emby__strndup(start, len);
			}
		}
	}
	for (size_t i = 0; i < q->n; i++) {
		if (is_token_param(q->p[i].name)) {
			*form = "api_key";
			return mock_emby__strdup(q->p[i].value);
		}
	}
	*form = NULL;
	return NULL;
}

static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static bool emby_token_ok(const mock_emby *m, const char *t)
{
	if (!t || !*t)
		return false;
	bool ok = false;
	for (size_t i = 0; i < m->n_users; i++)
		ok |= same_secret(m->users[i].token, t);
	for (size_t i = 0; i < m->n_api_keys; i++)
		ok |= same_secret(m->api_keys[i], t);
	return ok;
}

/* ---- the journal ---- */

static void redacted_query(mock_emby__buf *b, const char *raw)
{
	const char *p = raw;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		char name[64];
		char *dec = mock_emby__strndup(p, nlen);
		bool secret = false;
		if (dec && nlen < sizeof name) {
			int r = mg_url_decode(dec, (int)nlen, name, (int)sizeof name, 1);
			secret = r >= 0 && is_token_param(name);
		}
		free(dec);
		if (secret) {
			mock_emby__buf_put(b, p, nlen);
			mock_emby__buf_puts(b, "=" REDACTED);
		} else {
			mock_emby__buf_put(b, p, len);
		}
		if (!amp)
			break;
		mock_emby__buf_puts(b, "&");
		p = amp + 1;
	}
}

static void redacted_header(mock_emby__buf *b, const char *name, const char *value)
{
	const char *start;
	size_t len;
	if (is_token_header(name) || contains_ci(name, "token")) {
		mock_emby__buf_json_str(b, REDACTED);
	} else if (is_auth_header(name) && auth_header_token(value, &start, &len)) {
		mock_emby__buf tmp = {0};
		mock_emby__buf_put(&tmp, value, (size_t)(start - value));
		mock_emby__buf_puts(&tmp, REDACTED);
		mock_emby__buf_puts(&tmp, start + len);
		mock_emby__buf_json_str(b, tmp.p ? tmp.p : "");
		mock_emby__buf_free(&tmp);
	} else if (is_auth_header(name) || mock_emby__ieq(name, "Cookie")) {
		mock_emby__buf_json_str(b, REDACTED);
	} else {
		mock_emby__buf_json_str(b, value);
	}
}

/* Passwords and tokens inside a JSON body (AuthenticateByName) are redacted
 * too; any other body is journaled as sent. */
static void redacted_body(mock_emby__buf *b, const char *body, size_t len)
{
	static const char *const secrets[] = {"Pw", "Password", "AccessToken", "Token", "api_key"};
	if (!len) {
		mock_emby__buf_puts(b, "null");
		return;
	}
	cJSON *j = cwp_json_parse(body, len);
	bool changed = false;
	for (size_t i = 0; cJSON_IsObject(j) && i < sizeof secrets / sizeof secrets[0]; i++) {
		if (cJSON_GetObjectItemCaseSensitive(j, secrets[i])) {
			cJSON_ReplaceItemInObjectCaseSensitive(j, secrets[i],
							       cJSON_CreateString(REDACTED));
			changed = true;
		}
	}
	char *s = changed ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (s) {
		mock_emby__buf_json_str(b, s);
		cJSON_free(s);
		return;
	}
	char *copy = mock_emby__strndup(body, len);
	if (!copy) {
		b->oom = true;
		return;
	}
	mock_emby__buf_json_str(b, copy);
	free(copy);
}

static const char *fault_name(enum mock_emby__fault_kind k)
{
	static const char *const names[] = {"status", "delay",       "truncate",    "invalid_json",
					    "drop",   "repeat_page", "wrong_total", "oversize"};
	return names[k];
}

static void journal_add(mock_emby *m, const struct mg_request_info *ri, const mock_emby__req *rq,
			int status, const char *auth_form, const mock_emby__fired *f)
{
	mock_emby__buf b = {0};
	mock_emby__buf_puts(&b, "{\"method\":");
	mock_emby__buf_json_str(&b, ri->request_method);
	mock_emby__buf_puts(&b, ",\"path\":");
	mock_emby__buf_json_str(&b, ri->local_uri);
	mock_emby__buf_puts(&b, ",\"query\":");
	if (ri->query_string) {
		mock_emby__buf q = {0};
		redacted_query(&q, ri->query_string);
		mock_emby__buf_json_str(&b, q.p ? q.p : "");
		b.oom |= q.oom;
		mock_emby__buf_free(&q);
	} else {
		mock_emby__buf_puts(&b, "\"\"");
	}
	mock_emby__buf_puts(&b, ",\"body\":");
	redacted_body(&b, rq->body, rq->body_len);
	mock_emby__buf_printf(&b, ",\"status\":%d,\"auth\":", status);
	mock_emby__buf_json_str(&b, auth_form);
	mock_emby__buf_puts(&b, ",\"fault\":");
	mock_emby__buf_json_str(&b, f && f->on ? fault_name(f->kind) : NULL);
	mock_emby__buf_puts(&b, ",\"headers\":{");
	for (int h = 0; h < ri->num_headers; h++) {
		mock_emby__buf_puts(&b, h ? "," : "");
		mock_emby__buf_json_str(&b, ri->http_headers[h].name);
		mock_emby__buf_puts(&b, ":");
		redacted_header(&b, ri->http_headers[h].name, ri->http_headers[h].value);
	}
	mock_emby__buf_puts(&b, "}}");
	char *json = mock_emby__buf_take(&b);
	char *method = mock_emby__strdup(ri->request_method);
	char *route = mock_emby__strdup(rq->route);
	pthread_mutex_lock(&m->mu);
	if (json && method && route && m->n_journal == m->cap_journal) {
		size_t cap = m->cap_journal ? m->cap_journal * 2 : 256;
		mock_emby__journal_entry *p = realloc(m->journal, cap * sizeof *p);
		if (p) {
			m->journal = p;
			m->cap_journal = cap;
		}
	}
	if (json && method && route && m->n_journal < m->cap_journal) {
		m->journal[m->n_journal++] = (mock_emby__journal_entry){method, route, json};
		json = method = route = NULL;
	}
	pthread_mutex_unlock(&m->mu);
	free(json);
	free(method);
	free(route);
}

static void journal_clear_locked(mock_emby *m)
{
	for (size_t i = 0; i < m->n_journal; i++) {
		free(m->journal[i].method);
		free(m->journal[i].route);
		free(m->journal[i].json);
	}
	m->n_journal = 0;
}

/* ---- sending ---- */

enum send_mode { SEND_ALL, SEND_TRUNCATED, SEND_HEADERS_ONLY };

static void send_resp(struct mg_connection *c, const mock_emby__resp *rs, enum send_mode mode,
		      bool close, bool head)
{
	mock_emby__buf h = {0};
	const char *reason = mg_get_response_code_text(c, rs->status);
	mock_emby__buf_printf(&h, "HTTP/1.1 %d %s\r\n", rs->status, reason ? reason : "");
	if (rs->status != 204 && rs->status != 304) {
		if (!rs->no_content_type && rs->ctype)
			mock_emby__buf_printf(&h, "Content-Type: %s\r\n", rs->ctype);
		mock_emby__buf_printf(&h, "Content-Length: %zu\r\n", rs->body.len);
	}
	mock_emby__buf_puts(&h, "Server: mock-emby\r\nCache-Control: no-cache\r\n");
	if (rs->headers.len)
		mock_emby__buf_put(&h, rs->headers.p, rs->headers.len);
	if (close && mode == SEND_ALL)
		mock_emby__buf_puts(&h, "Connection: close\r\n");
	mock_emby__buf_puts(&h, "\r\n");
	size_t body = rs->status == 204 || rs->status == 304 ? 0 : rs->body.len;
	if (mode == SEND_TRUNCATED)
		body /= 2;
	else if (mode == SEND_HEADERS_ONLY || head)
		body = 0;
	if (close || mode != SEND_ALL)
		mg_disable_connection_keep_alive(c);
	if (h.oom) {
		mock_emby__buf_free(&h);
		return;
	}
	/* One write for small answers: fewer packets, faster keep-alive. */
	if (body && body <= 65536) {
		mock_emby__buf_put(&h, rs->body.p, body);
		body = 0;
	}
	if (!h.oom)
		mg_write(c, h.p, h.len);
	if (body)
		mg_write(c, rs->body.p, body);
	mock_emby__buf_free(&h);
}

/* Read the request body, at most max bytes. Returns 0, or 413 when it is
 * larger (then the rest is read and dropped, up to DRAIN_LIMIT), or -1. */
static int read_body(struct mg_connection *c, size_t max, mock_emby__buf *out)
{
	char chunk[16384];
	size_t total = 0;
	bool over = false;
	for (;;) {
		int n = mg_read(c, chunk, sizeof chunk);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			over = true;
			if (total > DRAIN_LIMIT)
				break;
			continue;
		}
		mock_emby__buf_put(out, chunk, (size_t)n);
		if (out->oom)
			return -1;
	}
	return over ? 413 : 0;
}

static void wait_delay(mock_emby *m, long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->mu);
	while (!m->stopping && pthread_cond_timedwait(&m->cv, &m->mu, &until) != ETIMEDOUT) {
	}
	pthread_mutex_unlock(&m->mu);
}

/* Body rewrites of the faults that keep the request's answer. */
static void apply_body_fault(const mock_emby__fired *f, mock_emby__resp *rs)
{
	mock_emby__buf nb = {0};
	if (f->kind == MOCK_EMBY__F_WRONG_TOTAL) {
		cJSON *j = rs->body.len ? cwp_json_parse(rs->body.p, rs->body.len) : NULL;
		if (cJSON_IsObject(j) && cJSON_GetObjectItemCaseSensitive(j, "TotalRecordCount")) {
			cJSON_ReplaceItemInObjectCaseSensitive(
			    j, "TotalRecordCount", cJSON_CreateNumber((double)f->total));
			char *s = cJSON_PrintUnformatted(j);
			if (s) {
				mock_emby__buf_puts(&nb, s);
				cJSON_free(s);
			}
		}
		cJSON_Delete(j);
	} else if (f->kind == MOCK_EMBY__F_OVERSIZE && rs->body.len) {
		/* Still valid JSON: spaces before the closing bracket. */
		mock_emby__buf_put(&nb, rs->body.p, rs->body.len - 1);
		for (long i = 0; i < f->bytes && !nb.oom; i += 64) {
			static const char sp[] =
			    "                                                                ";
			mock_emby__buf_put(&nb, sp,
					   (size_t)(f->bytes - i < 64 ? f->bytes - i : 64));
		}
		mock_emby__buf_put(&nb, rs->body.p + rs->body.len - 1, 1);
	} else if (f->kind == MOCK_EMBY__F_OVERSIZE) {
		for (long i = 0; i < f->bytes; i++)
			mock_emby__buf_put(&nb, " ", 1);
	} else if (f->kind == MOCK_EMBY__F_INVALID_JSON) {
		/* A proper prefix of a JSON object or array is never valid JSON;
		 * the marker makes sure of it for any other body. */
		mock_emby__buf_put(&nb, rs->body.p ? rs->body.p : "", rs->body.len / 2);
		mock_emby__buf_puts(&nb, "<<mock-emby: invalid JSON>>");
		if (rs->status == 204)
			rs->status = 200;
		rs->ctype = "application/json; charset=utf-8";
		rs->no_content_type = false;
	}
	if (nb.len && !nb.oom) {
		mock_emby__buf_free(&rs->body);
		rs->body = nb;
	} else {
		mock_emby__buf_free(&nb);
	}
}

/* ---- the handler ---- */

static int split_route(mock_emby__req *rq, const char *uri)
{
	const char *p = uri ? uri : "/";
	if (mock_emby__ieqn(p, "/emby", 5) && (p[5] == '/' || p[5] == '\0'))
		p += 5;
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		len--;
	rq->route = len ? mock_emby__strndup(p, len) : mock_emby__strdup("/");
	/* seg[] points into a second copy whose slashes become NULs. */
	rq->segbuf = mock_emby__strdup(rq->route);
	if (!rq->route || !rq->segbuf)
		return -1;
	rq->nseg = 0;
	for (char *s = rq->segbuf; *s && rq->nseg < sizeof rq->seg / sizeof rq->seg[0];) {
		while (*s == '/')
			*s++ = '\0';
		if (!*s)
			break;
		rq->seg[rq->nseg++] = s;
		s += strcspn(s, "/");
	}
	return 0;
}

static int handler(struct mg_connection *c, void *cbdata)
{
	mock_emby *m = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(c);
	mock_emby__req rq;
	mock_emby__resp rs;
	mock_emby__buf body = {0};
	mock_emby__fired f = {0};
	char *token = NULL;
	const char *auth_form = NULL;
	bool close = false;
	enum send_mode mode = SEND_ALL;
	memset(&rq, 0, sizeof rq);
	memset(&rs, 0, sizeof rs);
	rq.method = ri->request_method;

	if (split_route(&rq, ri->local_uri) != 0 ||
	    mock_emby__query_parse(&rq.q, ri->query_string)) {
		mock_emby__resp_text(&rs, 500, "Out of memory.");
		close = true;
		goto send;
	}
	for (int h = 0; h < ri->num_headers; h++) {
		if (mock_emby__ieq(ri->http_headers[h].name, "X-Emby-Authorization") ||
		    (!rq.emby_auth && mock_emby__ieq(ri->http_headers[h].name, "Authorization")))
			rq.emby_auth = ri->http_headers[h].value;
	}
	token = request_token(ri, &rq.q, &auth_form);
	rq.authed = emby_token_ok(m, token);
	rq.admin = token && same_secret(m->admin_token, token);

	long long cl = ri->content_length;
	int br =
	    cl >= 0 && (unsigned long long)cl > m->max_body && (unsigned long long)cl > DRAIN_LIMIT
		? 413
		: read_body(c, m->max_body, &body);
	if (br != 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "Request body larger than %zu bytes.", m->max_body);
		mock_emby__resp_text(&rs, br == 413 ? 413 : 400,
				     br == 413 ? msg : "Bad request body.");
		close = true;
		mock_emby__buf_free(&body);
	}
	rq.body = body.p;
	rq.body_len = body.len;

	bool control = rq.nseg > 0 && strcmp(rq.seg[0], "__mock") == 0;
	if (control) {
		if (br == 0)
			mock_emby__control(m, &rq, &rs);
		goto send;
	}
	if (br != 0)
		goto journal;

	pthread_mutex_lock(&m->mu);
	mock_emby__fault_pick(m, rq.method, rq.route, &f);
	pthread_mutex_unlock(&m->mu);
	if (f.on && f.kind == MOCK_EMBY__F_STATUS) {
		char msg[96];
		const char *reason = mg_get_response_code_text(c, (int)f.status);
		snprintf(msg, sizeof msg, "%s", reason && *reason ? reason : "Injected fault");
		mock_emby__resp_text(&rs, (int)f.status, msg);
		if (f.retry_after >= 0)
			mock_emby__buf_printf(&rs.headers, "Retry-After: %ld\r\n", f.retry_after);
	} else if (f.on && f.kind == MOCK_EMBY__F_REPEAT_PAGE) {
		rs.status = 200;
		rs.ctype = "application/json; charset=utf-8";
		mock_emby__buf_put(&rs.body, f.repeat_body, f.repeat_len);
	} else {
		if (f.on && f.kind == MOCK_EMBY__F_DELAY)
			wait_delay(m, f.delay_ms);
		mock_emby__route(m, &rq, &rs);
		if (f.on)
			apply_body_fault(&f, &rs);
	}
	if (f.on && f.kind == MOCK_EMBY__F_TRUNCATE)
		mode = SEND_TRUNCATED;
	if (f.on && f.kind == MOCK_EMBY__F_DROP)
		mode = SEND_HEADERS_ONLY;
	if (rs.status == 200 && (!f.on || f.kind == MOCK_EMBY__F_DELAY)) {
		pthread_mutex_lock(&m->mu);
		mock_emby__fault_remember(m, rq.method, rq.route, rs.body.p ? rs.body.p : "",
					  rs.body.len);
		pthread_mutex_unlock(&m->mu);
	}
journal:
	/* Journaled before the answer leaves, so that a client that has its
	 * answer always finds the request in the journal. */
	journal_add(m, ri, &rq, rs.status, auth_form, &f);
send:
	if (rs.body.oom || rs.headers.oom) {
		mock_emby__buf_free(&rs.body);
		mock_emby__buf_free(&rs.headers);
		mock_emby__resp_text(&rs, 500, "Out of memory.");
	}
	send_resp(c, &rs, mode, close, mock_emby__ieq(rq.method, "HEAD"));
	int status = rs.status;
	free(token);
	free(f.repeat_body);
	free(rq.route);
	free(rq.segbuf);
	mock_emby__query_free(&rq.q);
	mock_emby__buf_free(&body);
	mock_emby__buf_free(&rs.body);
	mock_emby__buf_free(&rs.headers);
	return status;
}

static int log_message(const struct mg_connection *c, const char *msg)
{
	(void)c;
	(void)msg;
	return 1; /* quiet: the journal is the record of what happened */
}

/* ---- public API ---- */

static int start_fail(char *err, size_t errsz, const char *msg)
{
	if (err && errsz && !*err)
		snprintf(err, errsz, "%s", msg);
	return -1;
}

int mock_emby_start(mock_emby **out, const mock_emby_options *opts, char *err, size_t errsz)
{
	char local_err[1024];
	if (!err || !errsz) {
		err = local_err;
		errsz = sizeof local_err;
	}
	err[0] = '\0';
	if (!out || !opts || !opts->fixtures_dir)
		return start_fail(err, errsz, "mock_emby_start: fixtures_dir is required");
	*out = NULL;
	pthread_once(&init_once, init_library);
	mock_emby *m = calloc(1, sizeof *m);
	if (!m)
		return start_fail(err, errsz, "out of memory");
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, &ca);
	pthread_condattr_destroy(&ca);
	m->max_body = opts->max_body ? opts->max_body : DEFAULT_MAX_BODY;
	if (opts->admin_token && !(m->admin_token = mock_emby__strdup(opts->admin_token)))
		goto fail;
	if (mock_emby__load(m, opts->fixtures_dir, err, errsz) != 0)
		goto fail;
	if (!m->admin_token) {
		char hex[33];
		mock_emby__random_hex(hex);
		if (!(m->admin_token = mock_emby__strdup(hex)))
			goto fail;
	}
	if (opts->faults_file) {
		char *text = NULL;
		size_t len = 0;
		if (mock_emby__read_file(opts->faults_file, &text, &len) != 0) {
			snprintf(err, errsz, "%s: cannot read: %s", opts->faults_file,
				 strerror(errno));
			goto fail;
		}
		int r = mock_emby__faults_add(m, text, len, opts->faults_file, err, errsz);
		free(text);
		if (r != 0)
			goto fail;
	}

	/* listening_ports: host:port, 127.0.0.1 when only a port is given. */
	const char *listen = opts->listen && *opts->listen ? opts->listen : "127.0.0.1:0";
	char ports[160], host[96];
	const char *colon = strrchr(listen, ':');
	if (colon) {
		snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
		snprintf(ports, sizeof ports, "%s%s", listen, opts->tls_cert ? "s" : "");
	} else {
		snprintf(host, sizeof host, "127.0.0.1");
		snprintf(ports, sizeof ports, "127.0.0.1:%s%s", listen, opts->tls_cert ? "s" : "");
	}
	if (!*host || strcmp(host, "0.0.0.0") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	char threads[16];
	snprintf(threads, sizeof threads, "%d", opts->threads > 0 ? opts->threads : 8);
	const char *copts[16];
	size_t k = 0;
	copts[k++] = "listening_ports";
	copts[k++] = ports;
	copts[k++] = "num_threads";
	copts[k++] = threads;
	copts[k++] = "enable_keep_alive";
	copts[k++] = "yes";
	copts[k++] = "keep_alive_timeout_ms";
	copts[k++] = "2000";
	copts[k++] = "tcp_nodelay";
	copts[k++] = "1";
	copts[k++] = "request_timeout_ms";
	copts[k++] = "30000";
	if (opts->tls_cert) {
		pthread_once(&tls_once, load_tls_shims);
		m->tls = true;
		copts[k++] = "ssl_certificate";
		copts[k++] = opts->tls_cert;
	}
	copts[k] = NULL;
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	cb.log_message = log_message;
	m->ctx = mg_start(&cb, m, copts);
	if (!m->ctx) {
		snprintf(err, errsz, "cannot listen on %s%s", listen,
			 opts->tls_cert ? " with TLS (is the certificate a PEM file with the key, "
					  "and OpenSSL loadable? see docs/FIXTURES.md)"
					: " (address in use or not local?)");
		goto fail;
	}
	struct mg_server_port sp[4];
	int np = mg_get_server_ports(m->ctx, 4, sp);
	if (np < 1) {
		snprintf(err, errsz, "cannot read the listening port");
		goto fail;
	}
	m->port = sp[0].port;
	snprintf(m->url, sizeof m->url, "%s://%s:%d", m->tls ? "https" : "http", host, m->port);
	/* Handlers read m->url (LocalAddress): register them only once it is
	 * written, so that civetweb's lock orders the two (ThreadSanitizer saw
	 * the write race with a worker's read). */
	mg_set_request_handler(m->ctx, "/", handler, m);
	*out = m;
	return 0;
fail:
	start_fail(err, errsz, "out of memory");
	mock_emby_stop(m);
	return -1;
}

/* civetweb 1.15's master thread notices mg_stop() only when its poll() on
 * the listening socket returns, which takes up to two seconds when nobody
 * connects. While mg_stop() runs, this thread connects now and then so that
 * stopping takes milliseconds. */
typedef struct poker {
	atomic_bool done;
	int port;
} poker;

static void *poke(void *arg)
{
	poker *p = arg;
	while (!atomic_load(&p->done)) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			struct sockaddr_in sa;
			memset(&sa, 0, sizeof sa);
			sa.sin_family = AF_INET;
			sa.sin_port = htons((uint16_t)p->port);
			sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			(void)connect(fd, (struct sockaddr *)&sa, sizeof sa);
			close(fd);
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void stop_civetweb(mock_emby *m)
{
	poker p;
	pthread_t th;
	atomic_init(&p.done, false);
	p.port = m->port;
	bool poking = m->port > 0 && pthread_create(&th, NULL, poke, &p) == 0;
	mg_stop(m->ctx);
	atomic_store(&p.done, true);
	if (poking)
		pthread_join(th, NULL);
}

void mock_emby_stop(mock_emby *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stopping = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	if (m->ctx)
		stop_civetweb(m);
	journal_clear_locked(m);
	free(m->journal);
	mock_emby__faults_clear(m);
	free(m->faults);
	mock_emby__hooks_free(m);
	mock_emby__unload(m);
	free(m->admin_token);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

int mock_emby_port(const mock_emby *m)
{
	return m ? m->port : -1;
}

const char *mock_emby_url(const mock_emby *m)
{
	return m ? m->url : NULL;
}

const char *mock_emby_admin_token(const mock_emby *m)
{
	return m ? m->admin_token : NULL;
}

void mock_emby_free(void *p)
{
	free(p);
}

char *mock_emby_journal_json(mock_emby *m)
{
	mock_emby__buf b = {0};
	mock_emby__buf_puts(&b, "[");
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_journal; i++) {
		if (i)
			mock_emby__buf_puts(&b, ",");
		mock_emby__buf_puts(&b, m->journal[i].json);
	}
	pthread_mutex_unlock(&m->mu);
	mock_emby__buf_puts(&b, "]");
	return mock_emby__buf_take(&b);
}

size_t mock_emby_count(mock_emby *m, const char *method, const char *pattern)
{
	size_t n = 0;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_journal; i++) {
		const mock_emby__journal_entry *e = &m->journal[i];
		if ((!method || mock_emby__ieq(method, e->method)) &&
		    mock_emby__route_match(pattern, e->route))
			n++;
	}
	pthread_mutex_unlock(&m->mu);
	return n;
}

void mock_emby_journal_clear(mock_emby *m)
{
	pthread_mutex_lock(&m->mu);
	journal_clear_locked(m);
	pthread_mutex_unlock(&m->mu);
}

char *mock_emby_userdata_json(mock_emby *m, const char *user_id)
{
	mock_emby__user *u = mock_emby__find_user(m, user_id);
	if (!u)
		return NULL;
	pthread_mutex_lock(&m->mu);
	char *s = cJSON_PrintUnformatted(u->live);
	pthread_mutex_unlock(&m->mu);
	char *copy = mock_emby__strdup(s);
	cJSON_free(s);
	return copy;
}

int mock_emby_set_userdata(mock_emby *m, const char *user_id, const char *item_id,
			   const char *userdata_json)
{
	char err[256];
	mock_emby__user *u = mock_emby__find_user(m, user_id);
	if (!u || !item_id || !userdata_json || !mock_emby__find_item(m, item_id))
		return -1;
	cJSON *ud = cwp_json_parse_str(userdata_json);
	if (!ud || mock_emby__check_userdata(ud, "userdata", "$", err, sizeof err) != 0) {
		cJSON_Delete(ud);
		return -1;
	}
	pthread_mutex_lock(&m->mu);
	int rc = mock_emby__set_userdata_locked(m, u, item_id, ud);
	pthread_mutex_unlock(&m->mu);
	if (rc != 0)
		cJSON_Delete(ud);
	return rc;
}

int mock_emby_set_playing(mock_emby *m, const char *user_id, const char *item_id)
{
	mock_emby__user *u = mock_emby__find_user(m, user_id);
	if (!u || (item_id && !mock_emby__find_item(m, item_id)))
		return -1;
	char *copy = item_id ? mock_emby__strdup(item_id) : NULL;
	if (item_id && !copy)
		return -1;
	pthread_mutex_lock(&m->mu);
	free(u->playing);
	u->playing = copy;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

int mock_emby_add_faults(mock_emby *m, const char *faults_json)
{
	char err[512];
	if (!faults_json)
		return -1;
	return mock_emby__faults_add(m, faults_json, strlen(faults_json), "faults", err,
				     sizeof err);
}

void mock_emby_clear_faults(mock_emby *m)
{
	pthread_mutex_lock(&m->mu);
	mock_emby__faults_clear(m);
	pthread_mutex_unlock(&m->mu);
}

void mock_emby_reset(mock_emby *m)
{
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_users; i++)
		mock_emby__user_reset(m, &m->users[i]);
	cJSON *s = cJSON_Duplicate(m->sessions_pristine, 1);
	if (s) {
		cJSON_Delete(m->sessions);
		m->sessions = s;
	}
	journal_clear_locked(m);
	mock_emby__faults_clear(m);
	pthread_mutex_unlock(&m->mu);
}

char *mock_emby__state_json(mock_emby *m, bool pretty)
{
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->n_users; i++)
		cJSON_AddItemReferenceToObject(root, m->users[i].id, m->users[i].live);
	char *s = pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
	pthread_mutex_unlock(&m->mu);
	cJSON_Delete(root);
	char *copy = mock_emby__strdup(s);
	cJSON_free(s);
	return copy;
}

int mock_emby_save_state(mock_emby *m, const char *path)
{
	int rc = -1;
	char tmp[4096];
	FILE *f = NULL;
	char *s = mock_emby__state_json(m, true);
	if (!s || !path || snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		goto done;
	if (!(f = fopen(tmp, "wb")))
		goto done;
	size_t len = strlen(s);
	bool ok = fwrite(s, 1, len, f) == len && fputc('\n', f) != EOF;
	ok = fclose(f) == 0 && ok;
	f = NULL;
	if (!ok || rename(tmp, path) != 0) {
		remove(tmp);
		goto done;
	}
	rc = 0;
done:
	if (f)
		fclose(f);
	free(s);
	return rc;
}
