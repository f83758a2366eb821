/* The transport of the Emby client: one libcurl easy handle for sequential
 * reads, a multi handle for concurrent writes, retries (READ-07), limits
 * (READ-08), and error messages that name the server, the route and the
 * status, never the token. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"

/* ---- small helpers ---------------------------------------------------- */

int64_t emby__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void emby__sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int emby__buf_reserve(emby_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return CWP_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2)
			return CWP_ENOMEM;
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p)
		return CWP_ENOMEM;
	b->p = p;
	b->cap = cap;
	return CWP_OK;
}

int emby__buf_add(emby_buf *b, const char *s, size_t n)
{
	if (emby__buf_reserve(b, n) != CWP_OK)
		return CWP_ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return CWP_OK;
}

int emby__buf_str(emby_buf *b, const char *s)
{
	return emby__buf_add(b, s, strlen(s));
}

int emby__buf_printf(emby_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || emby__buf_reserve(b, (size_t)n) != CWP_OK)
		return CWP_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CWP_OK;
}

/* RFC 3986 unreserved characters pass; everything else is %XX. */
int emby__buf_escape(emby_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	if (emby__buf_reserve(b, n * 3) != CWP_OK)
		return CWP_ENOMEM;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			b->p[b->len++] = (char)*p;
		} else {
			b->p[b->len++] = '%';
			b->p[b->len++] = hex[*p >> 4];
			b->p[b->len++] = hex[*p & 15];
		}
	}
	b->p[b->len] = '\0';
	return CWP_OK;
}

void emby__buf_free(emby_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int emby__fail(emby_client *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	cwp_error_set(code, "%s", c->err);
	return code;
}

/* ---- libcurl setup ---------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int emby__curl_global(void)
{
	pthread_once(&curl_once, curl_init);
	return curl_init_rc == CURLE_OK ? CWP_OK : CWP_ERROR;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	emby_xfer *x = ud;
	size_t n = size * nmemb;
	if (x->body.len + n > x->max_body) {
		x->too_big = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (emby__buf_add(&x->body, data, n) != CWP_OK) {
		x->no_memory = true;
		return 0;
	}
	return n;
}

/* Set up h for one request. x->url must be built; x->body is reset. */
int emby__xfer_setup(emby_client *c, CURL *h, emby_xfer *x)
{
	curl_easy_reset(h);
	x->body.len = 0;
	if (x->body.p)
		x->body.p[0] = '\0';
	x->too_big = x->no_memory = false;
	x->max_body = c->max_body;

	struct curl_slist *hdr = c->hdr;
	if (x->noauth)
		hdr = c->hdr_noauth;
	else if (x->post_body)
		hdr = c->hdr_json;

	CURLcode e = CURLE_OK;
#define SETOPT(opt, val)                                   \
	do {                                               \
		if (e == CURLE_OK)                         \
			e = curl_easy_setopt(h, opt, val); \
	} while (0)
	SETOPT(CURLOPT_URL, x->url);
	SETOPT(CURLOPT_HTTPHEADER, hdr);
	SETOPT(CURLOPT_USERAGENT, "cwprogress/" CWP_VERSION_STRING);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, x);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, c->total_timeout_ms);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
	if (c->ca_file)
		SETOPT(CURLOPT_CAINFO, c->ca_file);
	if (x->post_body) {
		SETOPT(CURLOPT_POST, 1L);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->post_body));
		SETOPT(CURLOPT_POSTFIELDS, x->post_body);
	} else if (strcmp(x->method, "GET") != 0) {
		SETOPT(CURLOPT_CUSTOMREQUEST, x->method);
	}
	SETOPT(CURLOPT_PRIVATE, x);
#undef SETOPT
	if (e != CURLE_OK)
		return emby__fail(c, CWP_ERROR, "%s: %s %s: libcurl setup failed (%s)", c->label,
				  x->method, x->route, curl_easy_strerror(e));
	return CWP_OK;
}

/* ---- outcome of one attempt ------------------------------------------- */

static bool retryable_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static bool retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

/* A short, printable, token-free excerpt of an error body. */
static void body_excerpt(char *out, size_t outsz, const emby_client *c, const emby_buf *b)
{
	size_t j = 0;
	out[0] = '\0';
	if (!b->p || b->len == 0 || outsz < 8)
		return;
	for (size_t i = 0; i < b->len && j + 4 < outsz && i < 120; i++) {
		unsigned char ch = (unsigned char)b->p[i];
		out[j++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : ' ';
	}
	out[j] = '\0';
	if (c->token && c->token[0] && strstr(out, c->token))
		out[0] = '\0'; /* never echo a token, even if a server does */
	while (j > 0 && out[j - 1] == ' ')
		out[--j] = '\0';
}

/* Count an answer (connections, bytes) and hand it to the response hook;
 * returns its HTTP status (0 when none came). */
static long account(emby_client *c, emby_xfer *x, CURL *h, CURLcode cc)
{
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	x->status = status;
	long conns = 0;
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK && conns > 0)
		c->stats.connections += (size_t)conns;
	c->stats.bytes_received += x->body.len;
	if (c->on_response && cc == CURLE_OK && status > 0) {
		size_t bl = strlen(c->base_url);
		const char *pq = x->url && !strncmp(x->url, c->base_url, bl) ? x->url + bl : x->url;
		c->on_response(c->on_response_ud, x->method, pq ? pq : "", status,
			       x->body.p ? x->body.p : "", x->body.len);
	}
	return status;
}

emby_outcome emby__judge(emby_client *c, emby_xfer *x, CURL *h, CURLcode cc, int attempt, int *code,
			 int64_t *delay_ms)
{
	long status = account(c, x, h, cc);
	*delay_ms = 0;

	if (cc == CURLE_OK && status >= 200 && status < 300) {
		*code = CWP_OK;
		return EMBY_OUT_OK;
	}
	bool last = attempt >= c->max_attempts;
	if (cc == CURLE_OK) {
		char ex[128];
		body_excerpt(ex, sizeof(ex), c, &x->body);
		if (status == 401 || status == 403) {
			*code =
			    emby__fail(c, CWP_EAUTH,
				       "%s: %s %s: HTTP %ld: authentication failed (the token or "
				       "user was refused by this server)",
				       c->label, x->method, x->route, status);
			return EMBY_OUT_FAIL;
		}
		if (retryable_status(status) && !last) {
			curl_off_t ra = -1;
			if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0) {
				int64_t ms = ra > INT64_MAX / 1000 ? INT64_MAX : (int64_t)ra * 1000;
				*delay_ms = ms < c->max_retry_after_ms ? ms : c->max_retry_after_ms;
			} else {
				*delay_ms = emby__backoff(c, attempt);
			}
			return EMBY_OUT_RETRY;
		}
		*code = emby__fail(c, status == 404 ? CWP_ENOTFOUND : CWP_EHTTP,
				   "%s: %s %s: HTTP %ld%s%s%s", c->label, x->method, x->route,
				   status, ex[0] ? " (" : "", ex, ex[0] ? ")" : "");
		if (retryable_status(status) && attempt > 1) {
			size_t l = strlen(c->err);
			snprintf(c->err + l, sizeof(c->err) - l, " after %d attempts", attempt);
			cwp_error_set(*code, "%s", c->err);
		}
		return EMBY_OUT_FAIL;
	}
	if (x->no_memory) {
		*code = emby__fail(c, CWP_ENOMEM, "%s: %s %s: out of memory reading the response",
				   c->label, x->method, x->route);
		return EMBY_OUT_FAIL;
	}
	if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		*code = emby__fail(c, CWP_ETOOBIG,
				   "%s: %s %s: HTTP %ld: response larger than the %zu-byte limit "
				   "(READ-08)",
				   c->label, x->method, x->route, status, c->max_body);
		return EMBY_OUT_FAIL;
	}
	if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	    cc == CURLE_SSL_CERTPROBLEM) {
		*code = emby__fail(c, CWP_ENET,
				   "%s: %s %s: TLS verification failed (%s): give the server's "
				   "CA certificate as a CA file, or skip verification by name "
				   "(insecure)",
				   c->label, x->method, x->route, curl_easy_strerror(cc));
		return EMBY_OUT_FAIL;
	}
	if (retryable_curl(cc) && !last) {
		*delay_ms = emby__backoff(c, attempt);
		return EMBY_OUT_RETRY;
	}
	int kind = cc == CURLE_OPERATION_TIMEDOUT ? CWP_ETIMEOUT : CWP_ENET;
	*code = emby__fail(c, kind, "%s: %s %s: %s%s (%s)", c->label, x->method, x->route,
			   kind == CWP_ETIMEOUT ? "timed out" : "connection failed",
			   status ? "" : ", no HTTP status", curl_easy_strerror(cc));
	if (attempt > 1) {
		size_t l = strlen(c->err);
		snprintf(c->err + l, sizeof(c->err) - l, " after %d attempts", attempt);
		cwp_error_set(*code, "%s", c->err);
	}
	return EMBY_OUT_FAIL;
}

int64_t emby__backoff(const emby_client *c, int attempt)
{
	int64_t d = c->backoff_ms;
	for (int i = 1; i < attempt && d < c->max_retry_after_ms; i++)
		d *= 2;
	return d < c->max_retry_after_ms ? d : c->max_retry_after_ms;
}

/* One request on the easy handle, retried per READ-07. */
int emby__request(emby_client *c, emby_xfer *x)
{
	int code = CWP_OK;
	for (int attempt = 1;; attempt++) {
		int rc = emby__xfer_setup(c, c->easy, x);
		if (rc != CWP_OK)
			return rc;
		c->stats.requests++;
		CURLcode cc = curl_easy_perform(c->easy);
		int64_t delay;
		emby_outcome out = emby__judge(c, x, c->easy, cc, attempt, &code, &delay);
		if (out == EMBY_OUT_OK)
			return CWP_OK;
		if (out == EMBY_OUT_FAIL)
			return code;
		c->stats.retries++;
		emby__sleep_ms(delay);
	}
}

/* Build x->url from the base URL, an already escaped path and a query. */
int emby__xfer_url(emby_client *c, emby_xfer *x, const char *path, const char *query)
{
	emby_buf u = {0};
	int rc = emby__buf_str(&u, c->base_url);
	if (rc == CWP_OK)
		rc = emby__buf_str(&u, path);
	if (rc == CWP_OK && query && query[0]) {
		rc = emby__buf_add(&u, "?", 1);
		if (rc == CWP_OK)
			rc = emby__buf_str(&u, query);
	}
	if (rc != CWP_OK) {
		emby__buf_free(&u);
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	}
	free(x->url);
	x->url = u.p;
	size_t n = strlen(path);
	if (n >= sizeof(x->route))
		n = sizeof(x->route) - 1;
	memcpy(x->route, path, n);
	x->route[n] = '\0';
	return CWP_OK;
}

void emby__xfer_free(emby_xfer *x)
{
	free(x->url);
	x->url = NULL;
	emby__buf_free(&x->body);
}

int emby__get(emby_client *c, emby_xfer *x, const char *path, const char *query)
{
	x->method = "GET";
	x->post_body = NULL;
	int rc = emby__xfer_url(c, x, path, query);
	if (rc != CWP_OK)
		return rc;
	return emby__request(c, x);
}
