/* Bump allocator for index records and strings (see arena.h). One index of a
 * million records makes several million small strings; an arena keeps them
 * cheap to allocate and to free, and without per-allocation overhead. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK (1u << 20) /* 1 MiB: large enough that chunk headers are noise */

struct cwp__arena_chunk {
	cwp__arena_chunk *next;
	size_t size; /* usable bytes after the header */
	_Alignas(16) unsigned char data[];
};

void *cwp__arena_alloc(cwp__arena *a, size_t size, size_t align)
{
	size_t off;

	if (a->head) {
		off = (a->used + (align - 1)) & ~(align - 1);
		if (off <= a->head->size && size <= a->head->size - off) {
			a->used = off + size;
			return a->head->data + off;
		}
	}
	/* A new chunk; an oversized request gets a chunk of its own. */
	size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
	if (want > SIZE_MAX - sizeof(cwp__arena_chunk))
		return NULL;
	cwp__arena_chunk *c = malloc(sizeof(*c) + want);
	if (!c)
		return NULL;
	c->size = want;
	a->total += want;
	if (want != ARENA_CHUNK && a->head) {
		/* keep filling the current chunk: put the big one behind it */
		c->next = a->head->next;
		a->head->next = c;
		return c->data;
	}
	c->next = a->head;
	a->head = c;
	a->used = size;
	return c->data;
}

char *cwp__arena_strndup(cwp__arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = cwp__arena_alloc(a, len + 1, 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void cwp__arena_free(cwp__arena *a)
{
	cwp__arena_chunk *c = a->head;
	while (c) {
		cwp__arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}
