/* Harness for the sync-level conformance layers (see sync_harness.h). */
/* nftw (XSI) and strcasestr: test code on glibc. */
#define _GNU_SOURCE
#include "sync_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "sync.h"
#include "cwp/json.h"
#include "cwp/sync.h"
#include "emby/provider.h"

const char *const ch_side_name[2] = {"source", "destination"};

/* Worker threads per mock: the client keeps up to max_in_flight (4) write
 * connections and a read connection alive at once; with fewer workers than
 * connections a request waits for a keep-alive to time out (2 s). */
#define CH_MOCK_THREADS 8

char *ch_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		/* cppcheck-suppress nullPointerArithmeticRedundantCheck ; buf is set here */
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

int ch_mkdtemp(char *out, size_t sz, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(out, sz, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (n < 0 || (size_t)n >= sz)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

void ch_rmtree(const char *dir)
{
	/* Only folders this harness made (a guard against a wrong path). */
	if (!dir || !*dir || !strstr(dir, "/cwp-"))
		return;
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "could not remove %s: %s\n", dir, strerror(errno));
}

int ch_start(ch_env *e, const char *src_fixture, const char *dst_fixture, const char *src_user,
	     const char *dst_user, char *err, size_t errsz)
{
	memset(e, 0, sizeof(*e));
	const char *fx[2] = {src_fixture, dst_fixture};
	const char *users[2] = {src_user, dst_user};
	if (ch_mkdtemp(e->dir, sizeof(e->dir), "cwp-conf") != 0) {
		snprintf(err, errsz, "cannot make a temporary folder: %s", strerror(errno));
		return -1;
	}
	snprintf(e->pair, sizeof(e->pair), "%s/pair.json", e->dir);
	snprintf(e->journal, sizeof(e->journal), "%s/journal.jsonl", e->dir);
	/* Default journals (none rely on them) stay in the folder. */
	setenv("XDG_STATE_HOME", e->dir, 1);
	unsetenv("NO_COLOR");
	unsetenv("CWPROGRESS_FORCE_COLOR");
	for (int s = 0; s < 2; s++) {
		ch_side *sd = &e->side[s];
		if (cwp_scenario_fixture_user(fx[s], users[s], sd->user, sizeof(sd->user),
					      sd->token, sizeof(sd->token), err, errsz) != 0)
			return -1;
		snprintf(sd->env, sizeof(sd->env), "CWP_CONF_%s_TOKEN",
			 s == CH_SRC ? "SRC" : "DST");
		setenv(sd->env, sd->token, 1);
		mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
		o.fixtures_dir = fx[s];
		o.threads = CH_MOCK_THREADS;
		char merr[1024];
		if (mock_emby_start(&sd->m, &o, merr, sizeof(merr)) != 0) {
			snprintf(err, errsz, "%s mock: %s", ch_side_name[s], merr);
			return -1;
		}
	}
	return 0;
}

void ch_stop(ch_env *e)
{
	for (int s = 0; s < 2; s++) {
		mock_emby_stop(e->side[s].m);
		if (e->side[s].env[0])
			unsetenv(e->side[s].env);
	}
	free(e->out);
	free(e->err);
	ch_rmtree(e->dir);
	memset(e, 0, sizeof(*e));
}

static void set_string(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddStringToObject(o, k, v);
}

int ch_write_pair(ch_env *e, const cJSON *pair, char *err, size_t errsz)
{
	cJSON *p = pair ? cJSON_Duplicate(pair, 1) : cJSON_CreateObject();
	int rc = -1;
	if (!p || !cJSON_IsObject(p)) {
		snprintf(err, errsz, "pair: expected an object");
		goto done;
	}
	for (int s = 0; s < 2; s++) {
		cJSON *o = cJSON_GetObjectItemCaseSensitive(p, ch_side_name[s]);
		if (!o)
			o = cJSON_AddObjectToObject(p, ch_side_name[s]);
		if (!cJSON_IsObject(o)) {
			snprintf(err, errsz, "pair: \"%s\" is not an object", ch_side_name[s]);
			goto done;
		}
		set_string(o, "url", mock_emby_url(e->side[s].m));
		if (!cJSON_GetObjectItemCaseSensitive(o, "user_id"))
			cJSON_AddStringToObject(o, "user_id", e->side[s].user);
		if (!cJSON_GetObjectItemCaseSensitive(o, "token_file"))
			set_string(o, "token_env", e->side[s].env);
	}
	char *text = cJSON_Print(p);
	FILE *f = fopen(e->pair, "w");
	if (!text || !f || fputs(text, f) == EOF) {
		snprintf(err, errsz, "cannot write %s", e->pair);
		if (f)
			fclose(f);
		cJSON_free(text);
		goto done;
	}
	cJSON_free(text);
	if (fclose(f) != 0) {
		snprintf(err, errsz, "cannot write %s", e->pair);
		goto done;
	}
	rc = 0;
done:
	cJSON_Delete(p);
	return rc;
}

static char *read_stream(FILE *f)
{
	if (fflush(f) != 0)
		return strdup("");
	long len = ftell(f);
	if (len < 0)
		return strdup("");
	rewind(f);
	char *buf = malloc((size_t)len + 1);
	if (!buf)
		return NULL;
	size_t got = fread(buf, 1, (size_t)len, f);
	buf[got] = '\0';
	return buf;
}

/* stderr on a pseudo-terminal (CLI-06: progress bars are drawn only on a
 * terminal): a thread drains the master side so that the run never blocks
 * on a full terminal buffer. */
typedef struct pty_reader {
	int master;
	char *buf;
	size_t len, cap;
} pty_reader;

static void *drain_pty(void *arg)
{
	pty_reader *r = arg;
	char chunk[4096];
	for (;;) {
		ssize_t n = read(r->master, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* EIO once the slave side is closed */
			break;
		if (r->len + (size_t)n + 1 > r->cap) {
			size_t ncap = (r->len + (size_t)n + 1) * 2;
			char *nb = realloc(r->buf, ncap);
			if (!nb)
				break;
			r->buf = nb;
			r->cap = ncap;
		}
		memcpy(r->buf + r->len, chunk, (size_t)n);
		r->len += (size_t)n;
		r->buf[r->len] = '\0';
	}
	return NULL;
}

static FILE *open_tty(pty_reader *r, pthread_t *th)
{
	int slave = -1;
	memset(r, 0, sizeof(*r));
	r->master = -1;
	if (openpty(&r->master, &slave, NULL, NULL, NULL) != 0)
		return NULL;
	struct termios tio;
	if (tcgetattr(slave, &tio) == 0) {
		cfmakeraw(&tio); /* bytes as written: no \n -> \r\n */
		tcsetattr(slave, TCSANOW, &tio);
	}
	FILE *f = fdopen(slave, "w");
	if (!f || pthread_create(th, NULL, drain_pty, r) != 0) {
		if (f)
			fclose(f);
		else
			close(slave);
		close(r->master);
		r->master = -1;
		return NULL;
	}
	return f;
}

int ch_sync(ch_env *e, const char *const *args, size_t nargs)
{
	enum { FIXED = 5 };
	char **argv = calloc(nargs + FIXED + 1, sizeof(*argv));
	char **orig = calloc(nargs + FIXED + 1, sizeof(*orig));
	int argc = 0;
	e->rc = -1;
	if (!argv || !orig)
		goto done;
	const char *fixed[FIXED] = {"sync", "--config", e->pair, "--journal", e->journal};
	for (size_t i = 0; i < FIXED; i++)
		argv[argc++] = strdup(fixed[i]);
	for (size_t i = 0; i < nargs; i++)
		argv[argc++] = strdup(args[i]);
	/* getopt may permute argv: keep the originals to free them. */
	memcpy(orig, argv, (size_t)argc * sizeof(*argv));
	pty_reader pr;
	pthread_t th;
	FILE *out = tmpfile(), *err = e->err_tty ? open_tty(&pr, &th) : tmpfile();
	if (out && err) {
		e->rc = cwp__cmd_sync(argc, argv, out, err);
		free(e->out);
		free(e->err);
		e->out = read_stream(out);
		e->err = e->err_tty ? NULL : read_stream(err);
	}
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	if (err && e->err_tty) {
		/* the slave is closed: the reader sees EIO and ends */
		pthread_join(th, NULL);
		close(pr.master);
		e->err = pr.buf ? pr.buf : strdup("");
	}
done:
	for (int i = 0; orig && i < argc; i++)
		free(orig[i]);
	free(orig);
	free(argv);
	return e->rc;
}

static int engine_config(cwp_config *cfg, const cJSON *pair, char *err, size_t errsz)
{
	cwp_config init = CWP_CONFIG_INIT;
	*cfg = init;
	if (!pair)
		return 0;
	char *txt = cJSON_PrintUnformatted(pair);
	int rc = txt ? cwp_config_parse(cfg, txt, strlen(txt), NULL) : CWP_ENOMEM;
	cJSON_free(txt);
	if (rc)
		snprintf(err, errsz, "the pair's features: %s", cwp_error_last());
	return rc ? -1 : 0;
}

int ch_sync_engine(ch_env *e, const cJSON *pair, bool dry_run, cwp_sync_result **out, char *err,
		   size_t errsz)
{
	*out = NULL;
	emby_client *cl[2] = {NULL, NULL};
	cwp_sync_provider p[2];
	cwp_sync_options o = CWP_SYNC_OPTIONS_INIT;
	int rc = engine_config(&o.config, pair, err, errsz);
	for (int s = 0; s < 2 && !rc; s++) {
		emby_options eo = EMBY_OPTIONS_INIT;
		eo.base_url = mock_emby_url(e->side[s].m);
		eo.user_id = e->side[s].user;
		eo.token = e->side[s].token;
		eo.label = ch_side_name[s];
		if (emby_client_new(&cl[s], &eo) != 0 || emby_provider_init(&p[s], cl[s]) != 0) {
			snprintf(err, errsz, "%s: %s", ch_side_name[s], cwp_error_last());
			rc = -1;
		}
	}
	o.dry_run = dry_run;
	o.journal_path = e->journal;
	o.labels[0] = ch_side_name[0];
	o.labels[1] = ch_side_name[1];
	if (!rc && cwp_sync_run(out, &p[0], &p[1], &o) != 0) {
		snprintf(err, errsz, "cwp_sync_run: %s", cwp_error_last());
		rc = -1;
	}
	emby_client_free(cl[0]);
	emby_client_free(cl[1]);
	e->rc = *out ? (int)cwp_sync_result_summary(*out)->outcome : -1;
	return rc;
}

size_t ch_count_writes(const cJSON *journal)
{
	size_t n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, journal) n += ch_is_write(it);
	return n;
}

cJSON *ch_report(const ch_env *e)
{
	return e->out && *e->out ? cwp_json_parse_str(e->out) : NULL;
}

/* Normalise one report item for the dry/real comparison. */
static void normalise_item(cJSON *it)
{
	cJSON_DeleteItemFromObjectCaseSensitive(it, "error");
	cJSON_DeleteItemFromObjectCaseSensitive(it, "http_status");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "status");
	if (cJSON_IsString(st) &&
	    (!strcmp(st->valuestring, "would_write") || !strcmp(st->valuestring, "written") ||
	     !strcmp(st->valuestring, "failed"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(it, "status");
		cJSON_AddStringToObject(it, "status", "write");
	}
}

static bool same_member(const cJSON *a, const cJSON *b, const char *k, const char *where, char *why,
			size_t whysz)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, k);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, k);
	if ((!x && !y) || (x && y && cJSON_Compare(x, y, true)))
		return true;
	char *xs = x ? cJSON_PrintUnformatted(x) : NULL;
	char *ys = y ? cJSON_PrintUnformatted(y) : NULL;
	snprintf(why, whysz, "%s%s: dry run %s, real run %s", where, k, xs ? xs : "(absent)",
		 ys ? ys : "(absent)");
	cJSON_free(xs);
	cJSON_free(ys);
	return false;
}

bool ch_same_plan(const cJSON *dry, const cJSON *real, char *why, size_t whysz)
{
	bool ok = false;
	cJSON *di = NULL, *ri = NULL, *ds = NULL, *rs = NULL;
	if (!cJSON_IsObject(dry) || !cJSON_IsObject(real)) {
		snprintf(why, whysz, "a report is not a JSON object");
		return false;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dry, "dry_run")) ||
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(real, "dry_run"))) {
		snprintf(why, whysz,
			 "dry_run marker: expected true on the dry run, false on the real");
		return false;
	}
	static const char *const top[] = {"mode", "disabled", "warnings", NULL};
	for (size_t i = 0; top[i]; i++)
		if (!same_member(dry, real, top[i], "", why, whysz))
			return false;
	for (int s = 0; s < 2; s++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(dry, "servers"), ch_side_name[s]);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(real, "servers"), ch_side_name[s]);
		char where[64];
		snprintf(where, sizeof(where), "servers.%s.", ch_side_name[s]);
		static const char *const sk[] = {"read", "indexed", "confirmed_zeros", NULL};
		for (size_t i = 0; sk[i]; i++)
			if (!same_member(a, b, sk[i], where, why, whysz))
				return false;
	}
	ds = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dry, "summary"), 1);
	rs = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(real, "summary"), 1);
	di = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dry, "items"), 1);
	ri = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(real, "items"), 1);
	if (!cJSON_IsObject(ds) || !cJSON_IsObject(rs) || !cJSON_IsArray(di) ||
	    !cJSON_IsArray(ri)) {
		snprintf(why, whysz, "a report has no summary or items");
		goto done;
	}
	static const char *const volatile_sum[] = {"written", "failed", NULL};
	for (size_t i = 0; volatile_sum[i]; i++) {
		cJSON_DeleteItemFromObjectCaseSensitive(ds, volatile_sum[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(rs, volatile_sum[i]);
	}
	if (!cJSON_Compare(ds, rs, true)) {
		char *a = cJSON_PrintUnformatted(ds), *b = cJSON_PrintUnformatted(rs);
		snprintf(why, whysz, "summary: dry run %s, real run %s", a ? a : "?", b ? b : "?");
		cJSON_free(a);
		cJSON_free(b);
		goto done;
	}
	int n = cJSON_GetArraySize(di);
	if (n != cJSON_GetArraySize(ri)) {
		snprintf(why, whysz, "items: dry run %d, real run %d", n, cJSON_GetArraySize(ri));
		goto done;
	}
	for (int i = 0; i < n; i++) {
		cJSON *a = cJSON_GetArrayItem(di, i), *b = cJSON_GetArrayItem(ri, i);
		normalise_item(a);
		normalise_item(b);
		if (!cJSON_Compare(a, b, true)) {
			char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
			snprintf(why, whysz, "item %d:\n  dry run  %s\n  real run %s", i,
				 x ? x : "?", y ? y : "?");
			cJSON_free(x);
			cJSON_free(y);
			goto done;
		}
	}
	ok = true;
done:
	cJSON_Delete(di);
	cJSON_Delete(ri);
	cJSON_Delete(ds);
	cJSON_Delete(rs);
	return ok;
}

bool ch_has_token(const ch_env *e, const char *text)
{
	if (!text)
		return false;
	for (int s = 0; s < 2; s++)
		if (e->side[s].token[0] && strstr(text, e->side[s].token))
			return true;
	return false;
}
