/* Fault injection (docs/FIXTURES.md, "Faults"): which request a fault hits,
 * and what it does to the answer. The effects themselves are applied by
 * server.c, which owns the connection. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cwp/json.h"

static const struct {
	const char *name;
	enum mock_emby__fault_kind kind;
} kinds[] = {
    {"status", MOCK_EMBY__F_STATUS},
    {"delay", MOCK_EMBY__F_DELAY},
    {"truncate", MOCK_EMBY__F_TRUNCATE},
    {"invalid_json", MOCK_EMBY__F_INVALID_JSON},
    {"drop", MOCK_EMBY__F_DROP},
    {"repeat_page", MOCK_EMBY__F_REPEAT_PAGE},
    {"wrong_total", MOCK_EMBY__F_WRONG_TOTAL},
    {"oversize", MOCK_EMBY__F_OVERSIZE},
};

static void fault_free(mock_emby__fault *f)
{
	free(f->spec);
	free(f->method);
	free(f->route);
	free(f->last_body);
	memset(f, 0, sizeof *f);
}

static int bad(char *err, size_t errsz, const char *what, const char *jp, const char *msg)
{
	if (err && errsz)
		snprintf(err, errsz, "%s: %s: %s", what, jp, msg);
	return -1;
}

/* An optional integer member in [min, max]; *out untouched when absent. */
static int get_long(const cJSON *o, const char *key, long min, long max, long *out, bool *has,
		    const char *what, const char *base, char *err, size_t errsz)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (has)
		*has = v != NULL;
	if (!v)
		return 0;
	int64_t i;
	if (!mock_emby__json_int(v, min, max, &i)) {
		char jp[256], msg[96];
		mock_emby__path_key(jp, sizeof jp, base, key);
		snprintf(msg, sizeof msg, "expected an integer in [%ld, %ld]", min, max);
		return bad(err, errsz, what, jp, msg);
	}
	*out = (long)i;
	return 0;
}

static int parse_one(mock_emby__fault *f, const cJSON *o, const char *what, const char *base,
		     char *err, size_t errsz)
{
	static const char *const keys[] = {"method", "route", "nth",     "every",       "from",
					   "times",  "kind",  "status",  "retry_after", "delay_ms",
					   "total",  "bytes", "comment", NULL};
	char jp[256];
	memset(f, 0, sizeof *f);
	f->retry_after = -1;
	f->status = 503;
	f->delay_ms = 1000;
	f->bytes = 1L << 20;
	if (!cJSON_IsObject(o))
		return bad(err, errsz, what, base, "expected a fault object");
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		bool ok = false;
		for (size_t i = 0; keys[i] && !ok; i++)
			ok = strcmp(c->string, keys[i]) == 0;
		if (!ok) {
			mock_emby__path_key(jp, sizeof jp, base, c->string);
			return bad(err, errsz, what, jp,
				   "unknown key (see docs/FIXTURES.md, Faults)");
		}
	}
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(o, "method");
	if (method) {
		mock_emby__path_key(jp, sizeof jp, base, "method");
		if (!cJSON_IsString(method) || !*method->valuestring)
			return bad(err, errsz, what, jp, "expected a method such as \"GET\"");
		if (!(f->method = mock_emby__strdup(method->valuestring)))
			return bad(err, errsz, what, jp, "out of memory");
	}
	const cJSON *route = cJSON_GetObjectItemCaseSensitive(o, "route");
	if (route) {
		mock_emby__path_key(jp, sizeof jp, base, "route");
		if (!cJSON_IsString(route) || route->valuestring[0] != '/')
			return bad(err, errsz, what, jp,
				   "expected a route pattern such as \"/Users/*/Items\"");
		if (!(f->route = mock_emby__strdup(route->valuestring)))
			return bad(err, errsz, what, jp, "out of memory");
	}
	const char *whens[] = {"nth", "every", "from"};
	for (size_t i = 0; i < 3; i++) {
		bool has = false;
		long n = 0;
		if (get_long(o, whens[i], 1, 1000000000L, &n, &has, what, base, err, errsz))
			return -1;
		if (!has)
			continue;
		if (f->when != MOCK_EMBY__W_ALL) {
			mock_emby__path_key(jp, sizeof jp, base, whens[i]);
			return bad(err, errsz, what, jp, "give only one of nth, every and from");
		}
		f->when = (enum mock_emby__fault_when)(MOCK_EMBY__W_NTH + i);
		f->n = n;
	}
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
	mock_emby__path_key(jp, sizeof jp, base, "kind");
	if (!cJSON_IsString(kind))
		return bad(err, errsz, what, jp,
			   "expected one of status, delay, truncate, invalid_json, drop, "
			   "repeat_page, wrong_total, oversize");
	bool known = false;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !known; i++) {
		if (strcmp(kinds[i].name, kind->valuestring) == 0) {
			f->kind = kinds[i].kind;
			known = true;
		}
	}
	if (!known)
		return bad(err, errsz, what, jp,
			   "unknown kind (status, delay, truncate, invalid_json, drop, "
			   "repeat_page, wrong_total, oversize)");
	bool has_total = false;
	if (get_long(o, "times", 0, 1000000000L, &f->times, NULL, what, base, err, errsz) ||
	    get_long(o, "status", 100, 599, &f->status, NULL, what, base, err, errsz) ||
	    get_long(o, "retry_after", 0, 86400, &f->retry_after, NULL, what, base, err, errsz) ||
	    get_long(o, "delay_ms", 0, 600000, &f->delay_ms, NULL, what, base, err, errsz) ||
	    get_long(o, "total", 0, 2000000000L, &f->total, &has_total, what, base, err, errsz) ||
	    get_long(o, "bytes", 0, 1L << 30, &f->bytes, NULL, what, base, err, errsz))
		return -1;
	if (f->kind == MOCK_EMBY__F_WRONG_TOTAL && !has_total) {
		mock_emby__path_key(jp, sizeof jp, base, "total");
		return bad(err, errsz, what, jp, "wrong_total needs \"total\"");
	}
	char *spec = cJSON_PrintUnformatted(o);
	f->spec = mock_emby__strdup(spec);
	cJSON_free(spec);
	if (!f->spec)
		return bad(err, errsz, what, base, "out of memory");
	return 0;
}

int mock_emby__faults_add(mock_emby *m, const char *json, size_t len, const char *what, char *err,
			  size_t errsz)
{
	int rc = -1;
	mock_emby__fault *tmp = NULL;
	size_t n = 0;
	const char *end = NULL;
	if (err && errsz)
		err[0] = '\0';
	cJSON *root = cwp_json_parse_opts(json, len, &end, 0);
	if (!root) {
		bad(err, errsz, what, "$", "invalid JSON");
		goto done;
	}
	bool arr = cJSON_IsArray(root);
	size_t count = arr ? (size_t)cJSON_GetArraySize(root) : 1;
	tmp = calloc(count ? count : 1, sizeof *tmp);
	if (!tmp)
		goto done;
	for (size_t i = 0; i < count; i++) {
		char jp[64];
		if (arr)
			mock_emby__path_idx(jp, sizeof jp, "$", i);
		else
			snprintf(jp, sizeof jp, "$");
		const cJSON *o = arr ? cJSON_GetArrayItem(root, (int)i) : root;
		n++;
		if (parse_one(&tmp[i], o, what, jp, err, errsz) != 0)
			goto done;
	}
	pthread_mutex_lock(&m->mu);
	if (m->n_faults + n > m->cap_faults) {
		size_t cap = (m->n_faults + n) * 2;
		mock_emby__fault *p = realloc(m->faults, cap * sizeof *p);
		if (!p) {
			pthread_mutex_unlock(&m->mu);
			goto done;
		}
		m->faults = p;
		m->cap_faults = cap;
	}
	memcpy(m->faults + m->n_faults, tmp, n * sizeof *tmp);
	m->n_faults += n;
	pthread_mutex_unlock(&m->mu);
	n = 0;
	rc = 0;
done:
	for (size_t i = 0; i < n; i++)
		fault_free(&tmp[i]);
	free(tmp);
	cJSON_Delete(root);
	if (rc != 0 && err && errsz && !*err)
		snprintf(err, errsz, "%s: out of memory", what);
	return rc;
}

void mock_emby__faults_clear(mock_emby *m)
{
	for (size_t i = 0; i < m->n_faults; i++)
		fault_free(&m->faults[i]);
	m->n_faults = 0;
}

static bool fault_matches(const mock_emby__fault *f, const char *method, const char *route)
{
	return (!f->method || mock_emby__ieq(f->method, method)) &&
	       mock_emby__route_match(f->route, route);
}

void mock_emby__fault_pick(mock_emby *m, const char *method, const char *route,
			   mock_emby__fired *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < m->n_faults; i++) {
		mock_emby__fault *f = &m->faults[i];
		if (!fault_matches(f, method, route))
			continue;
		f->seen++;
		bool fire = f->when == MOCK_EMBY__W_ALL ||
			    (f->when == MOCK_EMBY__W_NTH && f->seen == f->n) ||
			    (f->when == MOCK_EMBY__W_EVERY && f->seen % f->n == 0) ||
			    (f->when == MOCK_EMBY__W_FROM && f->seen >= f->n);
		if (!fire || out->on || (f->times > 0 && f->fired >= f->times))
			continue;
		/* repeat_page needs a previous page; without one it does not fire. */
		if (f->kind == MOCK_EMBY__F_REPEAT_PAGE) {
			if (!f->last_body)
				continue;
			out->repeat_body = mock_emby__strndup(f->last_body, f->last_len);
			if (!out->repeat_body)
				continue;
			out->repeat_len = f->last_len;
		}
		f->fired++;
		out->on = true;
		out->index = i;
		out->kind = f->kind;
		out->status = f->status;
		out->retry_after = f->retry_after;
		out->delay_ms = f->delay_ms;
		out->total = f->total;
		out->bytes = f->bytes;
	}
}

void mock_emby__fault_remember(mock_emby *m, const char *method, const char *route,
			       const char *body, size_t len)
{
	for (size_t i = 0; i < m->n_faults; i++) {
		mock_emby__fault *f = &m->faults[i];
		if (f->kind != MOCK_EMBY__F_REPEAT_PAGE || !fault_matches(f, method, route))
			continue;
		char *copy = mock_emby__strndup(body, len);
		if (!copy)
			continue;
		free(f->last_body);
		f->last_body = copy;
		f->last_len = len;
	}
}

char *mock_emby__faults_json(mock_emby *m)
{
	mock_emby__buf b = {0};
	mock_emby__buf_puts(&b, "[");
	for (size_t i = 0; i < m->n_faults; i++) {
		const mock_emby__fault *f = &m->faults[i];
		mock_emby__buf_printf(&b, "%s{\"fault\":%s,\"seen\":%ld,\"fired\":%ld}",
				      i ? "," : "", f->spec, f->seen, f->fired);
	}
	mock_emby__buf_puts(&b, "]");
	return mock_emby__buf_take(&b);
}
