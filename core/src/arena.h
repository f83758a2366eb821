/* A bump allocator: many small allocations, one free. Private to cwp_core. */
#ifndef CWP_ARENA_H
#define CWP_ARENA_H

#include <stddef.h>

typedef struct cwp__arena_chunk cwp__arena_chunk;

typedef struct cwp__arena {
	cwp__arena_chunk *head; /* the chunk being filled; older chunks follow */
	size_t used;            /* bytes used in head */
	size_t total;           /* bytes reserved by all chunks (for stats) */
} cwp__arena;

#define CWP__ARENA_INIT    \
	{                  \
		NULL, 0, 0 \
	}

/* size bytes aligned to `align` (a power of two <= 16), or NULL when out of
 * memory. The memory is not zeroed. */
void *cwp__arena_alloc(cwp__arena *a, size_t size, size_t align);

/* A NUL-terminated copy of s[0..len). */
char *cwp__arena_strndup(cwp__arena *a, const char *s, size_t len);

/* Release every chunk; the arena is empty and reusable afterwards. */
void cwp__arena_free(cwp__arena *a);

#endif
