/* The pair file: both servers and the progress configuration. */
#include "pair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/client.h"
#endif

int cwp__read_file(char **out, size_t *len, const char *path, size_t max, char *err, size_t errsz)
{
	int rc = 0;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		return CWP_EIO;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				snprintf(err, errsz, "out of memory reading %s", path);
				rc = CWP_ENOMEM;
				goto done;
			}
			buf = nb;
			cap = ncap;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n > max) {
			snprintf(err, errsz, "%s is larger than %zu bytes", path, max);
			rc = CWP_ETOOBIG;
			goto done;
		}
		if (r == 0) {
			if (ferror(f)) {
				snprintf(err, errsz, "cannot read %s", path);
				rc = CWP_EIO;
				goto done;
			}
			break;
		}
	}
	buf[n] = 0;
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
done:
	free(buf);
	fclose(f);
	return rc;
}

static int dup_string(char **dst, const cJSON *obj, const char *key, const char *where, char *err,
		      size_t errsz)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring || !*v->valuestring) {
		snprintf(err, errsz, "%s.%s must be a non-empty string", where, key);
		return CWP_ECONFIG;
	}
	*dst = strdup(v->valuestring);
	if (!*dst) {
		snprintf(err, errsz, "out of memory");
		return CWP_ENOMEM;
	}
	return 0;
}

static int get_int(int *dst, const cJSON *obj, const char *key, int lo, int hi, const char *where,
		   char *err, size_t errsz)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
	    v->valuedouble != (double)(int)v->valuedouble) {
		snprintf(err, errsz, "%s.%s must be an integer from %d to %d", where, key, lo, hi);
		return CWP_ECONFIG;
	}
	*dst = (int)v->valuedouble;
	return 0;
}

static const char *const endpoint_keys[] = {
    "label",      "url",          "user_id",       "token_env",
    "token_file", "username",     "password_env",  "ca_file",
    "libraries",  "page_size",    "max_in_flight", "connect_timeout_ms",
    "timeout_ms", "max_attempts", "backoff_ms",    "max_response_bytes",
    NULL,
};

void cwp__endpoint_free(cwp__endpoint *e)
{
	if (!e)
		return;
	free(e->label);
	free(e->url);
	free(e->user_id);
	free(e->token_env);
	free(e->token_file);
	free(e->username);
	free(e->password_env);
	free(e->ca_file);
	for (size_t i = 0; i < e->n_libraries; i++)
		free(e->libraries[i]);
	free(e->libraries);
	memset(e, 0, sizeof(*e));
}

int cwp__endpoint_from_json(cwp__endpoint *out, const cJSON *obj, const char *side_name,
			    const char *file, cwp_warnings *w, char *err, size_t errsz)
{
	int rc = 0;
	char where[128];
	cwp__endpoint e;
	memset(&e, 0, sizeof(e));
	memset(out, 0, sizeof(*out));
	snprintf(where, sizeof(where), "%s: %s", file, side_name);
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errsz,
			 "%s must be an object with url, user_id and token_env or token_file",
			 where);
		return CWP_ECONFIG;
	}
	/* CLI-04: a token or password written into the file is refused, not
	 * used; CLI-05: verification is only turned off on the command line. */
	static const char *const refused[] = {"token", "api_key", "password", "access_token", NULL};
	for (size_t i = 0; refused[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(obj, refused[i])) {
			snprintf(err, errsz,
				 "%s.%s: secrets are not accepted in the pair file; name an "
				 "environment variable (token_env, password_env) or a private "
				 "token file (token_file) instead",
				 where, refused[i]);
			return CWP_ECONFIG;
		}
	if (cJSON_GetObjectItemCaseSensitive(obj, "insecure") ||
	    cJSON_GetObjectItemCaseSensitive(obj, "verify_tls")) {
		snprintf(err, errsz,
			 "%s: TLS verification can only be turned off with --insecure on the "
			 "command line",
			 where);
		return CWP_ECONFIG;
	}
	for (const cJSON *it = obj->child; it; it = it->next) {
		bool known = false;
		for (size_t i = 0; endpoint_keys[i]; i++)
			if (it->string && !strcmp(it->string, endpoint_keys[i]))
				known = true;
		if (!known)
			cwp_warn(w, "%s: unknown key '%s' ignored", where,
				 it->string ? it->string : "");
	}
	if ((rc = dup_string(&e.label, obj, "label", where, err, errsz)) ||
	    (rc = dup_string(&e.url, obj, "url", where, err, errsz)) ||
	    (rc = dup_string(&e.user_id, obj, "user_id", where, err, errsz)) ||
	    (rc = dup_string(&e.token_env, obj, "token_env", where, err, errsz)) ||
	    (rc = dup_string(&e.token_file, obj, "token_file", where, err, errsz)) ||
	    (rc = dup_string(&e.username, obj, "username", where, err, errsz)) ||
	    (rc = dup_string(&e.password_env, obj, "password_env", where, err, errsz)) ||
	    (rc = dup_string(&e.ca_file, obj, "ca_file", where, err, errsz)) ||
	    (rc = get_int(&e.page_size, obj, "page_size", 1, 10000, where, err, errsz)) ||
	    (rc = get_int(&e.max_in_flight, obj, "max_in_flight", 1, 64, where, err, errsz)) ||
	    (rc = get_int(&e.connect_timeout_ms, obj, "connect_timeout_ms", 1, 600000, where, err,
			  errsz)) ||
	    (rc = get_int(&e.timeout_ms, obj, "timeout_ms", 1, 3600000, where, err, errsz)) ||
	    (rc = get_int(&e.max_attempts, obj, "max_attempts", 1, 10, where, err, errsz)) ||
	    (rc = get_int(&e.backoff_ms, obj, "backoff_ms", 1, 60000, where, err, errsz)) ||
	    (rc = get_int(&e.max_response_bytes, obj, "max_response_bytes", 1024, INT32_MAX, where,
			  err, errsz)))
		goto done;
	if (!e.label && !(e.label = strdup(side_name))) {
		rc = CWP_ENOMEM;
		snprintf(err, errsz, "out of memory");
		goto done;
	}
	if (!e.url) {
		snprintf(err, errsz, "%s.url is required (http://host:8096 or https://…)", where);
		rc = CWP_ECONFIG;
		goto done;
	}
	if (strncmp(e.url, "http://", 7) && strncmp(e.url, "https://", 8)) {
		snprintf(err, errsz, "%s.url '%s' must start with http:// or https://", where,
			 e.url);
		rc = CWP_ECONFIG;
		goto done;
	}
	if (!e.user_id && !e.username) {
		snprintf(err, errsz, "%s.user_id is required (or username with password_env)",
			 where);
		rc = CWP_ECONFIG;
		goto done;
	}
	if (e.token_env && e.token_file) {
		snprintf(err, errsz, "%s: give token_env or token_file, not both", where);
		rc = CWP_ECONFIG;
		goto done;
	}
	if (!e.token_env && !e.token_file && !(e.username && e.password_env)) {
		snprintf(err, errsz,
			 "%s: no credentials: give token_env (an environment variable's name), "
			 "token_file, or username with password_env",
			 where);
		rc = CWP_ECONFIG;
		goto done;
	}
	const cJSON *libs = cJSON_GetObjectItemCaseSensitive(obj, "libraries");
	if (libs && !cJSON_IsNull(libs)) {
		if (!cJSON_IsArray(libs)) {
			snprintf(err, errsz, "%s.libraries must be an array of library ids", where);
			rc = CWP_ECONFIG;
			goto done;
		}
		size_t n = (size_t)cJSON_GetArraySize(libs);
		e.libraries = calloc(n ? n : 1, sizeof(char *));
		if (!e.libraries) {
			rc = CWP_ENOMEM;
			snprintf(err, errsz, "out of memory");
			goto done;
		}
		const cJSON *l;
		cJSON_ArrayForEach(l, libs)
		{
			if (!cJSON_IsString(l) || !l->valuestring || !*l->valuestring) {
				snprintf(
				    err, errsz,
				    "%s.libraries[%zu] must be a non-empty string (a library id)",
				    where, e.n_libraries);
				rc = CWP_ECONFIG;
				goto done;
			}
			if (!(e.libraries[e.n_libraries] = strdup(l->valuestring))) {
				rc = CWP_ENOMEM;
				snprintf(err, errsz, "out of memory");
				goto done;
			}
			e.n_libraries++;
		}
	}
	*out = e;
	memset(&e, 0, sizeof(e));
done:
	cwp__endpoint_free(&e);
	return rc;
}

cJSON *cwp__endpoint_to_json(const cwp__endpoint *e)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	struct {
		const char *k, *v;
	} f[] = {{"label", e->label},
		 {"url", e->url},
		 {"user_id", e->user_id},
		 {"token_env", e->token_env},
		 {"token_file", e->token_file},
		 {"username", e->username},
		 {"password_env", e->password_env},
		 {"ca_file", e->ca_file}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].v && !cJSON_AddStringToObject(o, f[i].k, f[i].v))
			goto fail;
	if (e->n_libraries) {
		cJSON *a = cJSON_AddArrayToObject(o, "libraries");
		if (!a)
			goto fail;
		for (size_t i = 0; i < e->n_libraries; i++)
			if (!cJSON_AddItemToArray(a, cJSON_CreateString(e->libraries[i])))
				goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

void cwp__pair_free(cwp__pair *p)
{
	if (!p)
		return;
	cwp__endpoint_free(&p->side[0]);
	cwp__endpoint_free(&p->side[1]);
}

int cwp__pair_parse(cwp__pair *out, const char *text, size_t len, const char *name, cwp_warnings *w,
		    char *err, size_t errsz)
{
	int rc = 0;
	cwp__pair p;
	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	cJSON *root = cwp_json_parse(text, len);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errsz, "%s: not a JSON object (see docs/USAGE.md for the pair file)",
			 name);
		rc = CWP_EPARSE;
		goto done;
	}
	for (const cJSON *it = root->child; it; it = it->next)
		if (!it->string ||
		    (strcmp(it->string, "source") && strcmp(it->string, "destination") &&
		     strcmp(it->string, "features") && strcmp(it->string, "progress")))
			cwp_warn(w, "%s: unknown key '%s' ignored", name,
				 it->string ? it->string : "");
	static const char *const sides[2] = {"source", "destination"};
	for (int s = 0; s < 2; s++) {
		const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, sides[s]);
		if (!obj) {
			snprintf(err, errsz, "%s: the \"%s\" server is missing", name, sides[s]);
			rc = CWP_ECONFIG;
			goto done;
		}
		if ((rc = cwp__endpoint_from_json(&p.side[s], obj, sides[s], name, w, err, errsz)))
			goto done;
	}
	cwp_config cfg = CWP_CONFIG_INIT;
	if ((rc = cwp_config_from_json(&cfg, root, w))) {
		snprintf(err, errsz, "%s: %s", name, cwp_error_last());
		rc = CWP_ECONFIG;
		goto done;
	}
	p.cfg = cfg;
	*out = p;
	memset(&p, 0, sizeof(p));
done:
	cwp__pair_free(&p);
	cJSON_Delete(root);
	return rc;
}

int cwp__pair_load(cwp__pair *out, const char *path, cwp_warnings *w, char *err, size_t errsz)
{
	char *text = NULL;
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	int rc = cwp__read_file(&text, &len, path, (size_t)1 << 20, err, errsz);
	if (rc)
		return rc;
	rc = cwp__pair_parse(out, text, len, path, w, err, errsz);
	free(text);
	return rc;
}

int cwp__endpoint_creds(cwp__creds *out, const cwp__endpoint *e, char *err, size_t errsz)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	char sub[384];
	if (e->token_env)
		rc = cwp__token_from_env(&out->token, e->token_env, sub, sizeof(sub));
	else if (e->token_file)
		rc = cwp__token_from_file(&out->token, e->token_file, sub, sizeof(sub));
	if (!rc && !out->token && e->password_env) {
		rc = cwp__token_from_env(&out->password, e->password_env, sub, sizeof(sub));
		if (rc == CWP_ENOTFOUND) {
			/* An empty password is a real (if unwise) Emby set-up. */
			const char *v = getenv(e->password_env);
			if (v) {
				rc = 0;
				out->password = strdup("");
				if (!out->password)
					rc = CWP_ENOMEM;
			}
		}
	}
	if (rc) {
		snprintf(err, errsz, "%s: %s", e->label ? e->label : "server", sub);
		cwp__creds_free(out);
	}
	return rc;
}

void cwp__creds_free(cwp__creds *c)
{
	if (!c)
		return;
	cwp__secret_free(c->token);
	cwp__secret_free(c->password);
	c->token = c->password = NULL;
}

#ifdef CWP_HAVE_CLIENT
/* Every client of the command line is made here. */
static int client_new(emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
		      const cwp__client_extra *x, cwp__response_hook on_response, void *ud,
		      struct emby_shared *shared, char *err, size_t errsz)
{
	emby_options eo = EMBY_OPTIONS_INIT;
	eo.base_url = ep->url;
	eo.user_id = ep->user_id;
	eo.token = cr ? cr->token : NULL;
	eo.username = ep->username;
	eo.password = cr ? cr->password : NULL;
	eo.label = ep->label ? ep->label : x->default_label;
	eo.insecure = x->insecure;
	eo.ca_file = x->ca_file ? x->ca_file : ep->ca_file;
	if (ep->page_size > 0)
		eo.page_size = ep->page_size;
	if (ep->connect_timeout_ms > 0)
		eo.connect_timeout_ms = ep->connect_timeout_ms;
	if (ep->timeout_ms > 0)
		eo.total_timeout_ms = ep->timeout_ms;
	if (ep->max_attempts > 0)
		eo.max_attempts = ep->max_attempts;
	if (ep->backoff_ms > 0)
		eo.backoff_ms = ep->backoff_ms;
	if (ep->max_response_bytes > 0)
		eo.max_body = (size_t)ep->max_response_bytes;
	if (x->max_in_flight > 0)
		eo.max_in_flight = x->max_in_flight;
	else if (ep->max_in_flight > 0)
		eo.max_in_flight = ep->max_in_flight;
	eo.libraries = (const char *const *)ep->libraries;
	eo.n_libraries = ep->n_libraries;
	eo.progress = x->progress;
	eo.progress_ud = x->progress_ud;
	eo.on_response = on_response;
	eo.on_response_ud = ud;
	eo.shared = shared;
	if (emby_client_new(out, &eo) != 0) {
		snprintf(err, errsz, "%s: %s", eo.label ? eo.label : "server", cwp_error_last());
		cwp__redact(err);
		return CWP_EINVAL;
	}
	return 0;
}

int cwp__client_new(emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
		    const cwp__client_extra *x, char *err, size_t errsz)
{
	return client_new(out, ep, cr, x, NULL, NULL, NULL, err, errsz);
}

int cwp__client_new_hooked(emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
			   const cwp__client_extra *x, cwp__response_hook on_response, void *ud,
			   char *err, size_t errsz)
{
	return client_new(out, ep, cr, x, on_response, ud, NULL, err, errsz);
}

int cwp__client_new_shared(emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
			   const cwp__client_extra *x, struct emby_shared *shared, char *err,
			   size_t errsz)
{
	return client_new(out, ep, cr, x, NULL, NULL, shared, err, errsz);
}
#endif
