/* The command line's side of a sync (sync.h): endpoints → providers → the
 * engine. */
#include "sync.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "journal.h"
#include "lock.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/provider.h"
#endif

static const char *const side_names[2] = {"source", "destination"};

/* APPLY-11: the handler only raises a flag; the engine sees it through the
 * progress callback and starts no new write. */
static atomic_int stop_requested; /* lock-free: safe in a handler, no race */

static void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, 1);
}

struct cli_ctx {
	const cwp__sync_opts *o;
};

static int on_progress(void *payload, const cwp_sync_progress *p)
{
	struct cli_ctx *c = payload;
	if (p->phase != CWP_SYNC_PH_WRITE && c->o->term)
		cwp__bar_clear(c->o->term);
	return c->o->catch_signals && atomic_load(&stop_requested) ? -1 : 0;
}

static void on_warning(void *payload, const char *msg)
{
	struct cli_ctx *c = payload;
	if (c->o->warn)
		cwp__warn_print(c->o->warn, msg);
}

static void on_redact(void *payload, char *msg)
{
	(void)payload;
	cwp__redact(msg);
}

/* The journal's "servers": how undo reaches them again (no secret). */
static char *servers_json(const cwp__sync_opts *o)
{
	cJSON *servers = cJSON_CreateObject();
	for (int s = 0; servers && s < 2; s++)
		cJSON_AddItemToObject(servers, side_names[s], cwp__endpoint_to_json(o->side[s]));
	char *txt = servers ? cJSON_PrintUnformatted(servers) : NULL;
	cJSON_Delete(servers);
	return txt;
}

void cwp__sync_opts_for_pair(cwp__sync_opts *o, const cwp__pair *pair, const cwp__creds creds[2])
{
	memset(o, 0, sizeof(*o));
	for (int s = 0; s < 2; s++) {
		o->side[s] = &pair->side[s];
		o->creds[s] = &creds[s];
	}
	o->cfg = pair->cfg;
	o->command = "sync";
}

#ifndef CWP_HAVE_CLIENT
void cwp__sync_shared_new(struct emby_shared *out[2])
{
	out[0] = out[1] = NULL;
}

void cwp__sync_shared_free(struct emby_shared *sh[2])
{
	sh[0] = sh[1] = NULL;
}

int cwp__sync_pair(cwp_sync_result **out, const cwp__sync_opts *o, char *err, size_t errsz)
{
	(void)o;
	*out = NULL;
	snprintf(err, errsz, "this cwprogress was built without emby_client");
	return CWP_EXIT_USAGE;
}
#else

void cwp__sync_shared_new(struct emby_shared *out[2])
{
	out[0] = out[1] = NULL;
	if (emby_shared_new(&out[0]) != 0 || emby_shared_new(&out[1]) != 0)
		cwp__sync_shared_free(out); /* sharing saves requests; none is needed */
}

void cwp__sync_shared_free(struct emby_shared *sh[2])
{
	for (int s = 0; s < 2; s++) {
		emby_shared_free(sh[s]);
		sh[s] = NULL;
	}
}

static int run_engine(cwp_sync_result **out, const cwp__sync_opts *o,
		      const cwp_sync_provider prov[2], const char *journal, char *err, size_t errsz)
{
	struct cli_ctx ctx = {o};
	cwp_sync_options so = CWP_SYNC_OPTIONS_INIT;
	so.config = o->cfg;
	so.dry_run = o->dry_run;
	so.journal_path = journal;
	so.command = o->command ? o->command : "sync";
	so.plan_out = o->plan_out;
	so.only = o->only;
	so.n_only = o->n_only;
	char *meta = servers_json(o);
	so.journal_meta = meta;
	for (int s = 0; s < 2; s++) {
		so.labels[s] = o->side[s]->label ? o->side[s]->label : side_names[s];
		so.urls[s] = o->side[s]->url;
	}
	so.progress = on_progress;
	so.warning = on_warning;
	so.redact = on_redact;
	so.payload = &ctx;
	struct sigaction sa, old_int, old_term;
	if (o->catch_signals) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop_signal;
		sigemptyset(&sa.sa_mask);
		atomic_store(&stop_requested, 0);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	int rc = cwp_sync_run(out, &prov[0], &prov[1], &so);
	if (o->catch_signals) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	cJSON_free(meta);
	if (rc != 0) {
		snprintf(err, errsz, "%s", cwp_error_last());
		return CWP_EXIT_USAGE;
	}
	return 0;
}

int cwp__sync_pair(cwp_sync_result **out, const cwp__sync_opts *o, char *err, size_t errsz)
{
	*out = NULL;
	if (errsz)
		err[0] = '\0'; /* read (redacted) on the way out, also when nothing failed */
	emby_client *cl[2] = {NULL, NULL};
	cwp_sync_provider prov[2];
	cwp__bar bars[2];
	char jpath[4096];
	const char *journal = o->journal_path;
	int rc = CWP_EXIT_USAGE;
	cwp__lock *lock = NULL;
	const cwp__endpoint *d = o->side[1];
	if (!o->dry_run && !o->no_lock &&
	    cwp__lock_take(&lock, d->url, d->user_id ? d->user_id : d->username,
			   o->command ? o->command : "sync", o->lock_timeout_ms, err, errsz) != 0)
		goto done;
	for (int s = 0; s < 2; s++) {
		bars[s].term = o->term;
		bars[s].label = o->side[s]->label ? o->side[s]->label : side_names[s];
		cwp__client_extra x = {o->insecure,      o->ca_file,
				       o->max_in_flight, o->term ? cwp__bar_progress : NULL,
				       &bars[s],         side_names[s]};
		if (cwp__client_new_shared(&cl[s], o->side[s], o->creds[s], &x, o->shared[s], err,
					   errsz) != 0 ||
		    emby_provider_init(&prov[s], cl[s]) != 0)
			goto done;
	}
	if (!journal && !o->dry_run) {
		if (cwp__journal_default_path(jpath, sizeof(jpath),
					      o->command ? o->command : "sync", err, errsz) != 0)
			goto done;
		journal = jpath;
	}
	rc = run_engine(out, o, prov, journal, err, errsz);
done:
	if (o->term)
		cwp__bar_clear(o->term);
	for (int s = 0; s < 2; s++)
		emby_client_free(cl[s]);
	cwp__lock_release(lock);
	cwp__redact(err);
	return rc;
}
#endif
