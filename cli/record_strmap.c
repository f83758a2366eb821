/* `cwprogress record`: a string -> index map (open addressing, FNV-1a), for
 * the store's ids, the redactor's placeholders and a listing's seen ids. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cwp/common.h"
#include "record.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static int strmap_grow(cwp__strmap *m)
{
	size_t ns = m->nslots ? m->nslots * 2 : 64;
	size_t *slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return CWP_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t h = (size_t)hash_str(m->keys[i]) & (ns - 1);
		while (slots[h])
			h = (h + 1) & (ns - 1);
		slots[h] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = ns;
	return CWP_OK;
}

static size_t *strmap_slot(const cwp__strmap *m, const char *key)
{
	if (!m->nslots)
		return NULL;
	size_t h = (size_t)hash_str(key) & (m->nslots - 1);
	while (m->slots[h] && strcmp(m->keys[m->slots[h] - 1], key) != 0)
		h = (h + 1) & (m->nslots - 1);
	return &m->slots[h];
}

bool cwp__strmap_get(const cwp__strmap *m, const char *key, size_t *val)
{
	size_t *slot = strmap_slot(m, key);
	if (!slot || !*slot)
		return false;
	if (val)
		*val = m->vals[*slot - 1];
	return true;
}

int cwp__strmap_put(cwp__strmap *m, const char *key, size_t val, bool *had, size_t *val_out)
{
	size_t *slot = strmap_slot(m, key);
	if (slot && *slot) {
		if (had)
			*had = true;
		if (val_out)
			*val_out = m->vals[*slot - 1];
		return CWP_OK;
	}
	if ((m->n + 1) * 2 > m->nslots) {
		if (strmap_grow(m) != CWP_OK)
			return CWP_ENOMEM;
		slot = strmap_slot(m, key);
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		char **k = realloc(m->keys, cap * sizeof(*k));
		if (!k)
			return CWP_ENOMEM;
		m->keys = k;
		size_t *v = realloc(m->vals, cap * sizeof(*v));
		if (!v)
			return CWP_ENOMEM;
		m->vals = v;
		m->cap = cap;
	}
	char *copy = strdup(key);
	if (!copy)
		return CWP_ENOMEM;
	m->keys[m->n] = copy;
	m->vals[m->n] = val;
	m->n++;
	*slot = m->n;
	if (had)
		*had = false;
	if (val_out)
		*val_out = val;
	return CWP_OK;
}

void cwp__strmap_free(cwp__strmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
