/* The service's webhook listener (serve_webhook.h). */
#include "serve_webhook.h"

#if defined(CWP_HAVE_LISTENER)

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>
#include <cjson/cJSON.h>

#include "emby/webhook.h"

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_COALESCE 250
#define MAX_PENDING      1024

typedef struct hook_job {
	char user_id[EMBY_WEBHOOK_ID_MAX];
	char item_id[EMBY_WEBHOOK_ID_MAX];
	int64_t due_ms;
} hook_job;

struct cwp__hook {
	cwp__hook_options o;
	char *secret;
	char listen[128];
	struct mg_context *ctx;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	pthread_t worker;
	bool have_worker;
	hook_job pending[MAX_PENDING];
	size_t n_pending;
	cwp__hook_counts c;
	char last_error[256];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(cwp__hook *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(cwp__hook *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (h->o.log)
		h->o.log(h->o.ud, line);
	else
		fprintf(stderr, "%s\n", line);
}

static void reply(struct mg_connection *c, int status, const char *json)
{
	mg_printf(c,
		  "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		  "Cache-Control: no-store\r\nConnection: close\r\n\r\n%s",
		  status, mg_get_response_code_text(c, status), strlen(json), json);
}

/* Refuse with a JSON {"error": why} and one log line. */
static int refuse(cwp__hook *h, struct mg_connection *c, int status, const char *why)
{
	char body[512];
	cJSON *s = cJSON_CreateString(why);
	char *q = s ? cJSON_PrintUnformatted(s) : NULL;
	snprintf(body, sizeof body, "{\"error\":%s}", q ? q : "\"refused\"");
	free(q);
	cJSON_Delete(s);
	pthread_mutex_lock(&h->mu);
	h->c.refused++;
	snprintf(h->last_error, sizeof h->last_error, "%d %s", status, why);
	pthread_mutex_unlock(&h->mu);
	logf_(h, "webhook: %d from %s: %s", status, mg_get_request_info(c)->remote_addr, why);
	reply(c, status, body);
	return status;
}

/* ---- reading the body ---- */

typedef struct body_buf {
	char *p;
	size_t len, cap, max;
	bool too_big, oom, have_data;
} body_buf;

static void body_put(body_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->max) {
		b->too_big = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static int form_found(const char *key, const char *filename, char *path, size_t pathlen, void *ud)
{
	(void)filename, (void)path, (void)pathlen;
	body_buf *b = ud;
	if (strcmp(key, "data") != 0 || b->have_data)
		return MG_FORM_FIELD_STORAGE_SKIP;
	b->have_data = true;
	return MG_FORM_FIELD_STORAGE_GET;
}

static int form_get(const char *key, const char *value, size_t len, void *ud)
{
	(void)key;
	body_buf *b = ud;
	body_put(b, value, len);
	return b->too_big || b->oom ? MG_FORM_FIELD_HANDLE_ABORT : MG_FORM_FIELD_HANDLE_GET;
}

static bool is_form(const char *ct)
{
	return ct && (strncasecmp(ct, "multipart/form-data", 19) == 0 ||
		      strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0);
}

/* The notification's JSON: the body, or its form's `data` part. Returns 0,
 * or an HTTP status with *why set. */
static int read_body(struct mg_connection *c, body_buf *b, const char **why)
{
	const struct mg_request_info *ri = mg_get_request_info(c);
	if (ri->content_length > (long long)b->max) {
		*why = "body over the size limit";
		return 413;
	}
	if (is_form(mg_get_header(c, "Content-Type"))) {
		struct mg_form_data_handler fdh = {form_found, form_get, NULL, b};
		int n = mg_handle_form_request(c, &fdh);
		if (b->too_big) {
			*why = "form data part over the size limit";
			return 413;
		}
		if (n < 0 || b->oom || !b->have_data || b->len == 0) {
			*why = b->oom ? "out of memory" : "form without a data part";
			return b->oom ? 500 : 400;
		}
		return 0;
	}
	char chunk[8192];
	int got;
	while ((got = mg_read(c, chunk, sizeof chunk)) > 0 && !b->too_big && !b->oom)
		body_put(b, chunk, (size_t)got);
	if (b->too_big || b->oom) {
		*why = b->oom ? "out of memory" : "body over the size limit";
		return b->oom ? 500 : 413;
	}
	return 0;
}

/* ---- the queue ---- */

/* Queue (user, item), coalescing with a pending one (caller holds mu). */
static bool enqueue_locked(cwp__hook *h, const emby_webhook_event *ev)
{
	for (size_t i = 0; i < h->n_pending; i++)
		if (strcmp(h->pending[i].user_id, ev->user_id) == 0 &&
		    strcmp(h->pending[i].item_id, ev->item_id) == 0) {
			h->c.coalesced++;
			return true;
		}
	if (h->n_pending == MAX_PENDING)
		return false;
	hook_job *j = &h->pending[h->n_pending++];
	memcpy(j->user_id, ev->user_id, sizeof j->user_id);
	memcpy(j->item_id, ev->item_id, sizeof j->item_id);
	j->due_ms = mono_ms() + h->o.coalesce_ms;
	h->c.queued++;
	pthread_cond_signal(&h->cv);
	return true;
}

static bool item_type_synced(const char *type)
{
	return strcasecmp(type, "Movie") == 0 || strcasecmp(type, "Episode") == 0;
}

/* Act on one decoded event: queue it or say why it is ignored. */
static int dispatch(cwp__hook *h, struct mg_connection *c, const emby_webhook_event *ev)
{
	const char *ignored = NULL;
	if (ev->kind == EMBY_WEBHOOK_UNKNOWN)
		ignored = "event not acted on";
	else if (!item_type_synced(ev->item_type))
		ignored = "item type not synced";
	else if (h->o.wanted && !h->o.wanted(h->o.ud, ev->user_id))
		ignored = "user not synced";
	if (ignored) {
		pthread_mutex_lock(&h->mu);
		h->c.ignored++;
		pthread_mutex_unlock(&h->mu);
		logf_(h, "webhook: %s (%s): ignored, %s", ev->event, ev->user_name, ignored);
		char body[160];
		snprintf(body, sizeof body, "{\"ignored\":\"%s\"}", ignored);
		reply(c, 200, body);
		return 200;
	}
	pthread_mutex_lock(&h->mu);
	bool ok = !h->stopping && enqueue_locked(h, ev);
	pthread_mutex_unlock(&h->mu);
	if (!ok)
		return refuse(h, c, 503, "queue full or stopping");
	logf_(h, "webhook: %s user %s item %s (%s): sync queued", ev->event,
	      ev->user_name[0] ? ev->user_name : ev->user_id, ev->item_id, ev->item_type);
	reply(c, 202, "{\"queued\":true}");
	return 202;
}

static bool secret_ok(const cwp__hook *h, const char *uri)
{
	/* Constant time over the secret's length: no early exit on a mismatch. */
	static const char prefix[] = "/webhook/";
	size_t n = strlen(h->secret);
	if (!uri || strncmp(uri, prefix, sizeof prefix - 1) != 0)
		return false;
	uri += sizeof prefix - 1;
	if (strlen(uri) != n)
		return false;
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(uri[i] ^ h->secret[i]);
	return diff == 0;
}

static int on_webhook(struct mg_connection *c, void *ud)
{
	cwp__hook *h = ud;
	const struct mg_request_info *ri = mg_get_request_info(c);
	pthread_mutex_lock(&h->mu);
	h->c.received++;
	pthread_mutex_unlock(&h->mu);
	if (!secret_ok(h, ri->local_uri))
		return refuse(h, c, 401, "no or wrong secret in the path");
	if (strcmp(ri->request_method, "POST") != 0)
		return refuse(h, c, 405, "only POST");
	body_buf b = {.max = h->o.max_body};
	const char *why = NULL;
	int st = read_body(c, &b, &why);
	if (st == 0) {
		emby_webhook_event ev;
		if (emby_webhook_decode(&ev, b.p, b.len, NULL) == 0)
			st = dispatch(h, c, &ev);
		else
			st = refuse(h, c, 400, cwp_error_last());
	} else {
		refuse(h, c, st, why);
	}
	free(b.p);
	return st;
}

static int on_healthz(struct mg_connection *c, void *ud)
{
	(void)ud;
	mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
		     "Connection: close\r\n\r\nok\n");
	return 200;
}

static int on_status(struct mg_connection *c, void *ud)
{
	cwp__hook *h = ud;
	cwp__hook_counts k;
	char last[256];
	pthread_mutex_lock(&h->mu);
	k = h->c;
	memcpy(last, h->last_error, sizeof last);
	size_t pending = h->n_pending;
	pthread_mutex_unlock(&h->mu);
	cJSON *o = cJSON_CreateObject();
	cJSON *w = cJSON_AddObjectToObject(o, "webhooks");
	cJSON_AddNumberToObject(w, "received", (double)k.received);
	cJSON_AddNumberToObject(w, "queued", (double)k.queued);
	cJSON_AddNumberToObject(w, "coalesced", (double)k.coalesced);
	cJSON_AddNumberToObject(w, "ignored", (double)k.ignored);
	cJSON_AddNumberToObject(w, "refused", (double)k.refused);
	cJSON_AddNumberToObject(w, "syncs", (double)k.syncs);
	cJSON_AddNumberToObject(w, "sync_failures", (double)k.sync_failures);
	cJSON_AddNumberToObject(w, "pending", (double)pending);
	if (last[0])
		cJSON_AddStringToObject(w, "last_error", last);
	else
		cJSON_AddNullToObject(w, "last_error");
	if (h->o.status)
		h->o.status(h->o.ud, o);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	reply(c, s ? 200 : 500, s ? s : "{}");
	free(s);
	return 200;
}

/* ---- the worker: one sync at a time ---- */

static void *worker(void *arg)
{
	cwp__hook *h = arg;
	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		if (h->n_pending == 0) {
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		size_t best = 0;
		for (size_t i = 1; i < h->n_pending; i++)
			if (h->pending[i].due_ms < h->pending[best].due_ms)
				best = i;
		int64_t wait = h->pending[best].due_ms - mono_ms();
		if (wait > 0) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&h->cv, &h->mu, &ts);
			continue;
		}
		hook_job job = h->pending[best];
		h->pending[best] = h->pending[--h->n_pending];
		pthread_mutex_unlock(&h->mu);
		int rc = h->o.sync(h->o.ud, job.user_id, job.item_id);
		pthread_mutex_lock(&h->mu);
		h->c.syncs++;
		if (rc != 0) {
			h->c.sync_failures++;
			snprintf(h->last_error, sizeof h->last_error, "sync of item %s exited %d",
				 job.item_id, rc);
		}
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* ---- start and stop ---- */

static bool secret_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 16 || n > 256)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '~' || c == '-'))
			return false;
	}
	return true;
}

/* "ADDR:PORT" → civetweb's listening_ports; IPv4 or localhost only. */
static int listen_spec(char *out, size_t n, const char *l, char *err, size_t errsz)
{
	const char *colon = l ? strrchr(l, ':') : NULL;
	char host[64] = "";
	long port = -1;
	if (colon && (size_t)(colon - l) < sizeof host) {
		memcpy(host, l, (size_t)(colon - l));
		host[colon - l] = '\0';
		char *end = NULL;
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
			port = -1;
	}
	struct in_addr a;
	if (port < 0 || (strcmp(host, "localhost") != 0 && inet_pton(AF_INET, host, &a) != 1)) {
		snprintf(err, errsz,
			 "--listen %s: expected ADDR:PORT (an IPv4 address or localhost)",
			 l ? l : "");
		return -1;
	}
	snprintf(out, n, "%s:%ld", strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, port);
	return 0;
}

int cwp__hook_start(cwp__hook **out, const cwp__hook_options *o, char *err, size_t errsz)
{
	*out = NULL;
	if (!o->sync || !secret_valid(o->secret)) {
		snprintf(err, errsz, "webhook secret: 16-256 characters of A-Z a-z 0-9 . _ ~ -");
		return -1;
	}
	cwp__hook *h = calloc(1, sizeof(*h));
	if (!h || !(h->secret = strdup(o->secret))) {
		free(h);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	h->o = *o;
	h->o.secret = NULL;
	h->o.max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
	h->o.coalesce_ms = o->coalesce_ms > 0 ? o->coalesce_ms : DEFAULT_COALESCE;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (listen_spec(h->listen, sizeof h->listen, o->listen, err, errsz) != 0)
		goto fail;
	char threads[16];
	snprintf(threads, sizeof threads, "%d", o->threads > 0 ? o->threads : 4);
	const char *copts[] = {
	    "listening_ports", h->listen,           "num_threads", threads, "request_timeout_ms",
	    "10000",           "enable_keep_alive", "no",          NULL};
	mg_init_library(0);
	h->ctx = mg_start(NULL, NULL, copts);
	struct mg_server_port ports[2];
	if (!h->ctx || mg_get_server_ports(h->ctx, 2, ports) < 1) {
		snprintf(err, errsz,
			 "--listen %s: cannot listen there (in use, or not an address "
			 "of this host)",
			 o->listen);
		goto fail;
	}
	h->port = ports[0].port;
	mg_set_request_handler(h->ctx, "/webhook", on_webhook, h);
	mg_set_request_handler(h->ctx, "/healthz$", on_healthz, h);
	mg_set_request_handler(h->ctx, "/status$", on_status, h);
	if (pthread_create(&h->worker, NULL, worker, h) != 0) {
		snprintf(err, errsz, "cannot start the webhook worker thread");
		goto fail;
	}
	h->have_worker = true;
	*out = h;
	return 0;
fail:
	cwp__hook_stop(h);
	return -1;
}

int cwp__hook_port(const cwp__hook *h)
{
	return h ? h->port : -1;
}

void cwp__hook_counts_get(cwp__hook *h, cwp__hook_counts *out)
{
	pthread_mutex_lock(&h->mu);
	*out = h->c;
	pthread_mutex_unlock(&h->mu);
}

/* civetweb 1.15's master thread sees mg_stop() only when its poll() on the
 * listening socket returns (up to 2 s when nobody connects): connect now and
 * then while mg_stop runs so that stopping takes milliseconds. */
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
			struct sockaddr_in sa = {.sin_family = AF_INET,
						 .sin_port = htons((uint16_t)p->port),
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
			(void)connect(fd, (struct sockaddr *)&sa, sizeof sa);
			close(fd);
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void stop_civetweb(cwp__hook *h)
{
	poker p = {.port = h->port};
	atomic_init(&p.done, false);
	pthread_t th;
	bool poking = h->port > 0 && pthread_create(&th, NULL, poke, &p) == 0;
	mg_stop(h->ctx);
	atomic_store(&p.done, true);
	if (poking)
		pthread_join(th, NULL);
}

void cwp__hook_stop(cwp__hook *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	size_t dropped = h->n_pending;
	h->n_pending = 0;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->ctx)
		stop_civetweb(h);
	if (h->have_worker)
		pthread_join(h->worker, NULL);
	if (dropped)
		logf_(h,
		      "webhook: stopping: %zu queued sync(s) not run (the next full run "
		      "covers them)",
		      dropped);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h->secret);
	free(h);
}

#endif /* CWP_HAVE_LISTENER */
