/* Small helpers of the mock: buffers, strings, dates, a string map, query
 * strings and route patterns. No server state here. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <civetweb.h>

/* ---- buffer ---- */

static bool buf_grow(mock_emby__buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (extra > SIZE_MAX - b->len - 1) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void mock_emby__buf_put(mock_emby__buf *b, const char *s, size_t n)
{
	if (!buf_grow(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mock_emby__buf_puts(mock_emby__buf *b, const char *s)
{
	mock_emby__buf_put(b, s, strlen(s));
}

void mock_emby__buf_printf(mock_emby__buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		mock_emby__buf_put(b, small, (size_t)n);
		return;
	}
	if (!buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *mock_emby__buf_take(mock_emby__buf *b)
{
	if (b->oom) {
		mock_emby__buf_free(b);
		return NULL;
	}
	if (!b->p && !buf_grow(b, 0))
		return NULL;
	if (b->len == 0)
		b->p[0] = '\0';
	char *p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void mock_emby__buf_free(mock_emby__buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

/* ---- strings ---- */

char *mock_emby__strdup(const char *s)
{
	return s ? mock_emby__strndup(s, strlen(s)) : NULL;
}

char *mock_emby__strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

bool mock_emby__ieq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	return strcasecmp(a, b) == 0;
}

bool mock_emby__ieqn(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n) == 0;
}

bool mock_emby__parse_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return false;
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return false;
	long long v = 0;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		if (v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = (long)v;
	return true;
}

int mock_emby__read_file(const char *path, char **out, size_t *len)
{
	int rc = -1;
	char *p = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		goto done;
	size_t cap = 0, n = 0;
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 65536 * 2;
			char *np = realloc(p, ncap + 1);
			if (!np) {
				errno = ENOMEM;
				goto done;
			}
			p = np;
			cap = ncap;
		}
		size_t got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				goto done;
			break;
		}
	}
	if (!p) {
		p = malloc(1);
		if (!p)
			goto done;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	p = NULL;
	rc = 0;
done:
	if (f)
		fclose(f);
	free(p);
	return rc;
}

bool mock_emby__json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < -9007199254740992.0 || d > 9007199254740992.0)
		return false;
	int64_t i = (int64_t)d;
	if (i < min || i > max)
		return false;
	*out = i;
	return true;
}

void mock_emby__path_key(char *dst, size_t n, const char *base, const char *key)
{
	bool ident = *key && !isdigit((unsigned char)*key);
	for (const char *p = key; *p && ident; p++)
		ident = isalnum((unsigned char)*p) || *p == '_';
	if (ident)
		snprintf(dst, n, "%s.%s", base, key);
	else
		snprintf(dst, n, "%s[\"%s\"]", base, key);
}

void mock_emby__path_idx(char *dst, size_t n, const char *base, size_t idx)
{
	snprintf(dst, n, "%s[%zu]", base, idx);
}

void mock_emby__random_hex(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16] = {0};
	bool ok = false;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ok = read(fd, raw, sizeof raw) == (ssize_t)sizeof raw;
		close(fd);
	}
	if (!ok) {
		/* No urandom: still unique enough for a test token. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x =
		    (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
		for (size_t i = 0; i < sizeof raw; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			raw[i] = (unsigned char)x;
		}
	}
	for (size_t i = 0; i < 16; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[32] = '\0';
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t mo, int64_t d)
{
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *mo, int64_t *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*mo = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*mo <= 2);
}

static bool digits(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool mock_emby__date_parse(const char *s, int64_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y, mo, d, h, mi, se, frac = 0;
	size_t len = strlen(s);
	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 59)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		size_t nd = 0;
		while (isdigit((unsigned char)p[nd]))
			nd++;
		if (nd < 1 || nd > 7)
			return false;
		digits(p, nd, &frac);
		for (size_t i = nd; i < 7; i++)
			frac *= 10;
		p += nd;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		int64_t oh, om;
		p++;
		if (!digits(p, 2, &oh))
			return false;
		p += 2;
		if (*p == ':')
			p++;
		if (!digits(p, 2, &om) || oh > 23 || om > 59)
			return false;
		p += 2;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p)
		return false;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*out = secs * 10000000 + frac;
	return true;
}

void mock_emby__date_format(char *buf, size_t n, int64_t t)
{
	int64_t secs = t >= 0 ? t / 10000000 : -((-t + 9999999) / 10000000);
	int64_t frac = t - secs * 10000000;
	int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	int64_t sod = secs - days * 86400;
	int64_t y, mo, d;
	civil_from_days(days, &y, &mo, &d);
	snprintf(buf, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%07lldZ", (long long)y,
		 (long long)mo, (long long)d, (long long)(sod / 3600), (long long)(sod / 60 % 60),
		 (long long)(sod % 60), (long long)frac);
}

int64_t mock_emby__now_100ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 10000000 + ts.tv_nsec / 100;
}

/* ---- map ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int map_rehash(mock_emby__map *m, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = hash_str(m->e[i].key) & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

static size_t map_find(const mock_emby__map *m, const char *key)
{
	if (!m->nslots)
		return SIZE_MAX;
	size_t j = hash_str(key) & (m->nslots - 1);
	while (m->slots[j]) {
		size_t i = m->slots[j] - 1;
		if (strcmp(m->e[i].key, key) == 0)
			return j;
		j = (j + 1) & (m->nslots - 1);
	}
	return j;
}

int mock_emby__map_put(mock_emby__map *m, const char *key, void *val)
{
	size_t j = map_find(m, key);
	if (j != SIZE_MAX && m->slots[j]) {
		m->e[m->slots[j] - 1].val = val;
		m->e[m->slots[j] - 1].key = key;
		return 0;
	}
	if (m->n >= UINT32_MAX - 1)
		return -1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		mock_emby__map_entry *e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return -1;
		m->e = e;
		m->cap = cap;
	}
	m->e[m->n].key = key;
	m->e[m->n].val = val;
	m->n++;
	if (m->n * 2 > m->nslots) {
		size_t ns = m->nslots ? m->nslots : 32;
		while (m->n * 2 > ns)
			ns *= 2;
		if (map_rehash(m, ns) != 0) {
			m->n--;
			return -1;
		}
		return 0;
	}
	j = map_find(m, key);
	m->slots[j] = (uint32_t)m->n;
	return 0;
}

void *mock_emby__map_get(const mock_emby__map *m, const char *key)
{
	size_t j = map_find(m, key);
	if (j == SIZE_MAX || !m->slots[j])
		return NULL;
	return m->e[m->slots[j] - 1].val;
}

void mock_emby__map_free(mock_emby__map *m)
{
	free(m->e);
	free(m->slots);
	memset(m, 0, sizeof *m);
}

/* ---- query strings ---- */

static char *url_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	char *tmp = mock_emby__strndup(s, n);
	if (!tmp) {
		free(out);
		return NULL;
	}
	int r = mg_url_decode(tmp, (int)n, out, (int)n + 1, 1);
	free(tmp);
	if (r < 0)
		out[0] = '\0';
	return out;
}

int mock_emby__query_parse(mock_emby__query *q, const char *raw)
{
	memset(q, 0, sizeof *q);
	if (!raw || !*raw)
		return 0;
	size_t cap = 1;
	for (const char *p = raw; *p; p++)
		cap += *p == '&';
	q->p = calloc(cap, sizeof *q->p);
	if (!q->p)
		return -1;
	const char *p = raw;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len) {
			const char *eq = memchr(p, '=', len);
			size_t nlen = eq ? (size_t)(eq - p) : len;
			char *name = url_decode(p, nlen);
			char *value =
			    eq ? url_decode(eq + 1, len - nlen - 1) : mock_emby__strdup("");
			if (!name || !value) {
				free(name);
				free(value);
				mock_emby__query_free(q);
				return -1;
			}
			q->p[q->n].name = name;
			q->p[q->n].value = value;
			q->n++;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return 0;
}

const char *mock_emby__query_get(const mock_emby__query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (mock_emby__ieq(q->p[i].name, name))
			return q->p[i].value;
	return NULL;
}

void mock_emby__query_free(mock_emby__query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->p[i].name);
		free(q->p[i].value);
	}
	free(q->p);
	memset(q, 0, sizeof *q);
}

bool mock_emby__route_match(const char *pat, const char *path)
{
	if (!pat)
		return true;
	for (;;) {
		while (*pat == '/')
			pat++;
		while (*path == '/')
			path++;
		if (!*pat || !*path)
			return !*pat && !*path;
		size_t pl = strcspn(pat, "/"), sl = strcspn(path, "/");
		if (!(pl == 1 && *pat == '*') && (pl != sl || !mock_emby__ieqn(pat, path, pl)))
			return false;
		pat += pl;
		path += sl;
	}
}
