/* Households, the schedule and the webhooks of `cwprogress sync`
 * (service.h). */
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "household.h"
#include "journal.h"
#include "report.h"
#include "serve_webhook.h"
#include "sync.h"
#include "token.h"

/* ---- stop requests: SIGINT/SIGTERM or cwp__service_stop ---- */

/* Lock-free atomics: safe in a signal handler (C11 7.14.1.1) and between
 * the thread that calls cwp__service_stop and the service's own (a
 * ThreadSanitizer run of the --every tests saw the plain int race). */
static atomic_int stop_flag;
static atomic_int stop_rd = -1, stop_wr = -1;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
	int w = atomic_load(&stop_wr);
	if (w >= 0) {
		int saved = errno;
		(void)!write(w, "x", 1);
		errno = saved;
	}
}

void cwp__service_stop(void)
{
	on_signal(SIGTERM);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until deadline (mono ms; < 0 = forever) or a stop. true = stop. */
static bool wait_stop(int64_t deadline)
{
	while (!atomic_load(&stop_flag)) {
		int64_t left = deadline < 0 ? -1 : deadline - mono_ms();
		if (deadline >= 0 && left <= 0)
			return false;
		struct pollfd p = {atomic_load(&stop_rd), POLLIN, 0};
		int n = poll(&p, 1, left < 0 || left > 60000 ? 60000 : (int)left);
		if (n > 0) {
			char b[16];
			(void)!read(p.fd, b, sizeof b);
		}
	}
	return true;
}

int cwp__duration_parse(int64_t *ms, const char *s)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
	int64_t v = 0;
	const char *p = s;
	while (p && *p >= '0' && *p <= '9' && v < INT64_C(100000000000))
		v = v * 10 + (*p++ - '0');
	if (!p || p == s)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].unit) == 0) {
			int64_t r = v * units[i].ms;
			if (r < 1000 || r > INT64_C(30) * 86400000)
				return -1;
			*ms = r;
			return 0;
		}
	return -1;
}

/* ---- the service state ---- */

typedef struct pair_status {
	long runs;
	int last_exit;
	int64_t last_run_ms; /* wall clock, ms since the epoch */
	size_t written, failed;
	char last_error[256];
} pair_status;

typedef struct service {
	const cwp__service_opts *o;
	cwp__household hh;
	cwp__creds creds[2];
	cwp__term term;
	cwp__warn_sink sink;
	pthread_mutex_t run_mu; /* one run at a time: schedule or webhook */
	pthread_mutex_t st_mu;  /* status (read by /status on other threads) */
	pair_status st[CWP__MAX_USERS];
	bool interrupted;
	/* The current full run's shared answers (run_all); NULL between runs,
	 * so a webhook's sync reads who plays what afresh. */
	struct emby_shared *shared[2];
} service;

static void log_line(service *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(service *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cwp__redact(line);
	fprintf(s->o->err, "cwprogress: %s\n", line);
	fflush(s->o->err);
}

static void hook_log(void *ud, const char *line)
{
	log_line(ud, "%s", line);
}

static const char *pair_name(const service *s, size_t i, char *buf, size_t n)
{
	const cwp__user_pair *u = &s->hh.users[i];
	snprintf(buf, n, "%s -> %s", u->given[0] ? u->given[0] : "?",
		 u->given[1] ? u->given[1] : "?");
	return buf;
}

/* One sync of user pair i (only: a source item id, or NULL for all). */
static int run_pair(service *s, size_t i, const char *only, cwp_sync_result **rep, char *err,
		    size_t errsz)
{
	const cwp__service_opts *o = s->o;
	cwp__endpoint side[2] = {s->hh.pair.side[0], s->hh.pair.side[1]};
	for (int k = 0; k < 2; k++)
		side[k].user_id = s->hh.users[i].user_id[k];
	cwp__warn_sink runsink = {&s->term, o->verbosity > 0};
	cwp__sync_opts so;
	memset(&so, 0, sizeof(so));
	so.side[0] = &side[0];
	so.side[1] = &side[1];
	so.creds[0] = &s->creds[0];
	so.creds[1] = &s->creds[1];
	so.cfg = s->hh.pair.cfg;
	so.dry_run = o->dry_run;
	so.insecure = o->insecure;
	so.ca_file = o->ca_file;
	so.journal_path = o->journal;
	so.plan_out = o->plan_out;
	so.command = "sync";
	so.term = o->every_ms || o->listen ? NULL : &s->term;
	so.warn = &runsink;
	so.max_in_flight = o->max_in_flight;
	so.catch_signals = true;
	so.lock_timeout_ms = o->lock_timeout_ms;
	so.only = only ? &only : NULL;
	so.n_only = only ? 1 : 0;
	so.shared[0] = s->shared[0];
	so.shared[1] = s->shared[1];
	int rc = cwp__sync_pair(rep, &so, err, errsz);
	const cwp_sync_summary *sum = rc == 0 ? cwp_sync_result_summary(*rep) : NULL;
	int code = sum ? (int)sum->outcome : rc;
	pthread_mutex_lock(&s->st_mu);
	pair_status *st = &s->st[i];
	st->runs++;
	st->last_exit = code;
	st->last_run_ms = cwp__now_ms();
	st->written = sum ? sum->written : 0;
	st->failed = sum ? sum->failed : 0;
	snprintf(st->last_error, sizeof st->last_error, "%s", sum ? sum->error : err);
	pthread_mutex_unlock(&s->st_mu);
	if (sum && sum->interrupted)
		s->interrupted = true;
	return code;
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* A whole run (every pair, caller holds run_mu); reports printed when
 * `report` (once mode), else one log line per run. */
static int run_all(service *s, bool report, cJSON *pairs_json)
{
	int rc = 0;
	size_t written = 0, failed = 0;
	int64_t t0 = mono_ms();
	/* SVC-01: one probe and one /Sessions read per server for all the
	 * pairs of this run, and only this run (APPLY-01: playing now). */
	cwp__sync_shared_new(s->shared);
	for (size_t i = 0; i < s->hh.n_users && !s->interrupted; i++) {
		cwp_sync_result *rep = NULL;
		char err[1024] = "", name[300];
		int code = run_pair(s, i, NULL, &rep, err, sizeof err);
		rc = worst(rc, code);
		pair_name(s, i, name, sizeof name);
		if (rep) {
			written += cwp_sync_result_summary(rep)->written;
			failed += cwp_sync_result_summary(rep)->failed;
		}
		if (pairs_json) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "source_user", s->hh.users[i].user_id[0]);
			cJSON_AddStringToObject(p, "destination_user", s->hh.users[i].user_id[1]);
			cJSON_AddStringToObject(p, "pair", name);
			cJSON_AddNumberToObject(p, "exit_code", code);
			if (rep)
				cJSON_AddItemToObject(p, "report", cwp__report_to_json(rep));
			else
				cJSON_AddStringToObject(p, "error", err);
			cJSON_AddItemToArray(pairs_json, p);
		} else if (report) {
			fprintf(s->o->out, "%s== %s ==%s\n", cwp__so(&s->term, CWP__BOLD), name,
				cwp__so(&s->term, CWP__RESET));
			if (rep)
				cwp__report_print(rep, &s->term,
						  s->o->verbosity < 0 ? CWP__SHOW_QUIET
						  : s->o->explain     ? CWP__SHOW_EXPLAIN
								      : CWP__SHOW_SUMMARY);
			else
				fprintf(s->o->out, "error: %s\n", err);
		} else if (code != 0) {
			log_line(s, "pair %s: exit %d: %s", name, code,
				 rep ? cwp_sync_result_summary(rep)->error : err);
		}
		cwp_sync_result_free(rep);
	}
	cwp__sync_shared_free(s->shared);
	if (!report && !pairs_json)
		log_line(s, "run: %zu pair(s), %zu written, %zu failed, exit %d, %lld ms",
			 s->hh.n_users, written, failed, rc, (long long)(mono_ms() - t0));
	return rc;
}

/* ---- webhooks ---- */

static bool hook_wanted(void *ud, const char *user)
{
	service *s = ud;
	for (size_t i = 0; i < s->hh.n_users; i++)
		if (s->hh.users[i].user_id[0] && strcasecmp(s->hh.users[i].user_id[0], user) == 0)
			return true;
	return false;
}

static int hook_sync(void *ud, const char *user, const char *item)
{
	service *s = ud;
	int rc = 0;
	pthread_mutex_lock(&s->run_mu);
	for (size_t i = 0; i < s->hh.n_users && !s->interrupted; i++) {
		if (!s->hh.users[i].user_id[0] || strcasecmp(s->hh.users[i].user_id[0], user) != 0)
			continue;
		cwp_sync_result *rep = NULL;
		char err[1024] = "", name[300];
		int64_t t0 = mono_ms();
		int code = run_pair(s, i, item, &rep, err, sizeof err);
		const cwp_sync_summary *sum = rep ? cwp_sync_result_summary(rep) : NULL;
		log_line(s,
			 "webhook sync %s item %s: %zu written, %zu failed, exit %d, %lld ms%s%s",
			 pair_name(s, i, name, sizeof name), item, sum ? sum->written : 0,
			 sum ? sum->failed : 0, code, (long long)(mono_ms() - t0), code ? ": " : "",
			 code ? (sum ? sum->error : err) : "");
		cwp_sync_result_free(rep);
		rc = worst(rc, code);
	}
	bool stop = s->interrupted;
	pthread_mutex_unlock(&s->run_mu);
	if (stop)
		cwp__service_stop();
	return rc;
}

static void hook_status(void *ud, cJSON *obj)
{
	service *s = ud;
	cJSON *arr = cJSON_AddArrayToObject(obj, "pairs");
	pthread_mutex_lock(&s->st_mu);
	for (size_t i = 0; arr && i < s->hh.n_users; i++) {
		const pair_status *st = &s->st[i];
		char name[300];
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "pair", pair_name(s, i, name, sizeof name));
		cJSON_AddNumberToObject(p, "runs", (double)st->runs);
		if (st->runs) {
			cJSON_AddNumberToObject(p, "last_exit", st->last_exit);
			cJSON_AddNumberToObject(p, "last_run_ms", (double)st->last_run_ms);
			cJSON_AddNumberToObject(p, "written", (double)st->written);
			cJSON_AddNumberToObject(p, "failed", (double)st->failed);
		}
		if (st->last_error[0])
			cJSON_AddStringToObject(p, "last_error", st->last_error);
		cJSON_AddItemToArray(arr, p);
	}
	pthread_mutex_unlock(&s->st_mu);
}

/* ---- set-up, the loop ---- */

static int setup(service *s, char *err, size_t errsz)
{
	const cwp__service_opts *o = s->o;
	cwp_warnings cfgw = {0, cwp__warn_print, &s->sink};
	int rc = cwp__household_load(&s->hh, o->config, &cfgw, err, errsz);
	if (rc != 0)
		return rc;
	if (o->two_way)
		s->hh.pair.cfg.mode = CWP_MODE_TWO_WAY;
	for (int k = 0; k < 2; k++)
		if (cwp__endpoint_creds(&s->creds[k], &s->hh.pair.side[k], err, errsz) != 0)
			return CWP_EXIT_USAGE;
	cwp__client_extra x[2];
	for (int k = 0; k < 2; k++) {
		cwp__client_extra e = {o->insecure, o->ca_file, o->max_in_flight,
				       NULL,        NULL,       k ? "destination" : "source"};
		x[k] = e;
	}
	return cwp__household_resolve(&s->hh, s->creds, x, err, errsz);
}

static int start_listener(service *s, cwp__hook **h, char *err, size_t errsz)
{
	char *secret = NULL;
	if (cwp__household_secret(&secret, &s->hh, err, errsz) != 0)
		return CWP_EXIT_USAGE;
#ifdef CWP_HAVE_LISTENER
	cwp__hook_options ho = {.listen = s->o->listen,
				.secret = secret,
				.coalesce_ms = s->o->coalesce_ms,
				.wanted = hook_wanted,
				.sync = hook_sync,
				.status = hook_status,
				.log = hook_log,
				.ud = s};
	int rc = cwp__hook_start(h, &ho, err, errsz) == 0 ? 0 : CWP_EXIT_USAGE;
	if (rc == 0) {
		log_line(s, "listening for webhooks on %s:%d", s->o->listen, cwp__hook_port(*h));
		if (s->o->on_listen)
			s->o->on_listen(s->o->ud, cwp__hook_port(*h));
	}
#else
	(void)h;
	snprintf(err, errsz, "--listen: this cwprogress was built without civetweb");
	int rc = CWP_EXIT_USAGE;
#endif
	cwp__secret_free(secret);
	return rc;
}

/* Once: every pair, reports grouped by pair (or {"pairs": [...]}). */
static int run_once(service *s)
{
	cJSON *doc = s->o->json ? cJSON_CreateObject() : NULL;
	cJSON *pairs = doc ? cJSON_AddArrayToObject(doc, "pairs") : NULL;
	pthread_mutex_lock(&s->run_mu);
	int rc = run_all(s, true, pairs);
	pthread_mutex_unlock(&s->run_mu);
	if (doc) {
		cJSON_AddStringToObject(doc, "cwprogress", CWP_VERSION_STRING);
		cJSON_AddStringToObject(doc, "command", "sync");
		cJSON_AddNumberToObject(doc, "exit_code", rc);
		char *txt = cJSON_Print(doc);
		if (txt)
			fprintf(s->o->out, "%s\n", txt);
		free(txt);
		cJSON_Delete(doc);
	} else if (s->hh.n_users > 1) {
		fprintf(s->o->out, "%zu pairs, exit %d\n", s->hh.n_users, rc);
	}
	return s->interrupted ? CWP_SYNC_INTERRUPTED : rc;
}

/* The schedule (and/or webhooks): runs until a stop. */
static int serve(service *s)
{
	const cwp__service_opts *o = s->o;
	cwp__hook *hook = NULL;
	char err[1024];
	if (o->listen && start_listener(s, &hook, err, sizeof err) != 0) {
		fprintf(o->err, "cwprogress sync: %s\n", cwp__redact(err));
		return CWP_EXIT_USAGE;
	}
	int rc = 0;
	for (long run = 1; !atomic_load(&stop_flag); run++) {
		int64_t t0 = mono_ms();
		pthread_mutex_lock(&s->run_mu);
		run_all(s, false, NULL);
		pthread_mutex_unlock(&s->run_mu);
		if (s->interrupted) {
			rc = CWP_SYNC_INTERRUPTED;
			break;
		}
		if (o->max_runs && run >= o->max_runs)
			break;
		if (wait_stop(o->every_ms ? t0 + o->every_ms : -1))
			break;
	}
	cwp__hook_stop(hook);
	if (s->interrupted)
		rc = CWP_SYNC_INTERRUPTED;
	log_line(s, "stopped (exit %d)", rc);
	return rc;
}

int cwp__service_main(const cwp__service_opts *o)
{
	service *s = calloc(1, sizeof(*s));
	if (!s)
		return CWP_EXIT_USAGE;
	s->o = o;
	cwp__term_init(&s->term, o->out, o->err, o->verbosity);
	if (o->json)
		s->term.color_out = false;
	s->sink.term = &s->term;
	s->sink.print = o->verbosity >= 0;
	pthread_mutex_init(&s->run_mu, NULL);
	pthread_mutex_init(&s->st_mu, NULL);
	atomic_store(&stop_flag, 0);
	int rc = CWP_EXIT_USAGE;
	int fds[2] = {-1, -1};
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (pipe(fds) != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0) {
		fprintf(o->err, "cwprogress sync: cannot create a pipe: %s\n", strerror(errno));
		goto done;
	}
	atomic_store(&stop_rd, fds[0]);
	atomic_store(&stop_wr, fds[1]);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	char err[1024];
	rc = setup(s, err, sizeof err);
	if (rc != 0)
		fprintf(o->err, "cwprogress sync: %s\n", cwp__redact(err));
	else if (o->every_ms || o->listen)
		rc = serve(s);
	else
		rc = run_once(s);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
done:
	atomic_store(&stop_wr, -1);
	atomic_store(&stop_rd, -1);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	cwp__creds_free(&s->creds[0]);
	cwp__creds_free(&s->creds[1]);
	cwp__household_free(&s->hh);
	pthread_mutex_destroy(&s->run_mu);
	pthread_mutex_destroy(&s->st_mu);
	cwp__secret_clear();
	free(s);
	return rc;
}
