/* An allocation-free JSON reader for index records (see index_lite.h). */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index_lite.h"
#include "cwp/common.h"

#define LITE_NODES     512
#define LITE_DEPTH     32
#define LITE_MAX_SLICE ((size_t)1 << 20) /* larger records go to cJSON */

typedef struct lp {
	cwp__lite *l;
	const char *s;
	size_t len, i;
	size_t used; /* nodes used */
	int depth;
} lp;

static void skip_ws(lp *p)
{
	while (p->i < p->len) {
		char c = p->s[p->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->i++;
	}
}

static cJSON *new_node(lp *p, int type)
{
	if (p->used == LITE_NODES)
		return NULL;
	cJSON *n = &p->l->nodes[p->used++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

/* A string without escapes at p->s[p->i] == '"', copied NUL-terminated. */
static char *read_string(lp *p)
{
	size_t start = ++p->i;
	while (p->i < p->len) {
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"')
			break;
		if (c == '\\' || c < 0x20)
			return NULL; /* escapes and control characters: cJSON decides */
		p->i++;
	}
	if (p->i >= p->len)
		return NULL;
	size_t n = p->i - start;
	char *d = p->l->str + p->l->str_len;
	memcpy(d, p->s + start, n);
	d[n] = '\0';
	p->l->str_len += n + 1;
	p->i++;
	return d;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 number grammar; the value by strtod, as cJSON computes it. */
static cJSON *read_number(lp *p)
{
	const char *s = p->s;
	size_t i = p->i, start = p->i;
	char buf[64], *end = NULL;

	if (i < p->len && s[i] == '-')
		i++;
	if (i < p->len && s[i] == '0') {
		i++;
	} else if (i < p->len && s[i] >= '1' && s[i] <= '9') {
		while (i < p->len && is_digit(s[i]))
			i++;
	} else {
		return NULL;
	}
	bool integral = true;
	if (i < p->len && s[i] == '.') {
		integral = false;
		if (++i >= p->len || !is_digit(s[i]))
			return NULL;
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
		integral = false;
		i++;
		if (i < p->len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(s[i]))
			return NULL;
		while (i < p->len && is_digit(s[i]))
			i++;
	}
	size_t n = i - start;
	if (n >= sizeof(buf))
		return NULL; /* cJSON reads at most 63 characters of a number */
	double d;
	bool neg = s[start] == '-';
	size_t ndig = n - neg;
	if (!integral || ndig > 15) {
		memcpy(buf, s + start, n);
		buf[n] = '\0';
		d = strtod(buf, &end);
		if (end != buf + n)
			return NULL; /* e.g. a locale whose decimal point is not '.' */
	} else {
		/* up to 15 digits: exact in a double, the value strtod gives */
		int64_t v = 0;
		for (size_t k = start + neg; k < i; k++)
			v = v * 10 + (s[k] - '0');
		d = neg ? -(double)v : (double)v;
	}
	cJSON *node = new_node(p, cJSON_Number);
	if (!node)
		return NULL;
	node->valuedouble = d;
	/* cJSON's saturating valueint */
	if (d >= INT_MAX)
		node->valueint = INT_MAX;
	else if (d <= (double)INT_MIN)
		node->valueint = INT_MIN;
	else
		node->valueint = (int)d;
	p->i = i;
	return node;
}

static bool literal(lp *p, const char *word, size_t n)
{
	if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
		return false;
	p->i += n;
	return true;
}

static cJSON *read_value(lp *p);

/* An object or array at p->s[p->i]. */
static cJSON *read_container(lp *p, bool object)
{
	char close = object ? '}' : ']';
	cJSON *c = new_node(p, object ? cJSON_Object : cJSON_Array), *last = NULL;

	if (!c || ++p->depth > LITE_DEPTH)
		return NULL;
	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return c;
	}
	for (;;) {
		char *name = NULL;
		skip_ws(p);
		if (object) {
			if (p->i >= p->len || p->s[p->i] != '"' || !(name = read_string(p)))
				return NULL;
			skip_ws(p);
			if (p->i >= p->len || p->s[p->i] != ':')
				return NULL;
			p->i++;
		}
		cJSON *v = read_value(p);
		if (!v)
			return NULL;
		v->string = name;
		if (last) {
			last->next = v;
			v->prev = last;
		} else {
			c->child = v;
		}
		last = v;
		skip_ws(p);
		if (p->i < p->len && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->s[p->i] == close) {
			p->i++;
			break;
		}
		return NULL;
	}
	c->child->prev = last; /* cJSON's invariant: the first child's prev is the last */
	p->depth--;
	return c;
}

static cJSON *read_value(lp *p)
{
	cJSON *n;

	skip_ws(p);
	if (p->i >= p->len)
		return NULL;
	switch (p->s[p->i]) {
	case '{':
		return read_container(p, true);
	case '[':
		return read_container(p, false);
	case '"': {
		char *s = read_string(p);
		if (!s || !(n = new_node(p, cJSON_String)))
			return NULL;
		n->valuestring = s;
		return n;
	}
	case 't':
		if (!literal(p, "true", 4) || !(n = new_node(p, cJSON_True)))
			return NULL;
		n->valueint = 1;
		return n;
	case 'f':
		return literal(p, "false", 5) ? new_node(p, cJSON_False) : NULL;
	case 'n':
		return literal(p, "null", 4) ? new_node(p, cJSON_NULL) : NULL;
	default:
		return read_number(p);
	}
}

int cwp__lite_parse(cwp__lite *l, const char *s, size_t len, const cJSON **out)
{
	if (len == 0 || len > LITE_MAX_SLICE)
		return 0;
	if (!l->nodes) {
		l->nodes = malloc(LITE_NODES * sizeof(*l->nodes));
		if (!l->nodes)
			return CWP_ENOMEM;
		l->nnodes = LITE_NODES;
	}
	/* every string byte plus one NUL per string: at most twice the text */
	if (l->str_cap < 2 * len + 2) {
		size_t cap = l->str_cap ? l->str_cap : 4096;
		while (cap < 2 * len + 2)
			cap *= 2;
		char *p = realloc(l->str, cap);
		if (!p)
			return CWP_ENOMEM;
		l->str = p;
		l->str_cap = cap;
	}
	l->str_len = 0;
	lp p = {l, s, len, 0, 0, 0};
	cJSON *root = read_value(&p);
	if (!root || p.i != len)
		return 0;
	*out = root;
	return 1;
}

void cwp__lite_free(cwp__lite *l)
{
	free(l->nodes);
	free(l->str);
	l->nodes = NULL;
	l->str = NULL;
	l->nnodes = l->str_cap = l->str_len = 0;
}
