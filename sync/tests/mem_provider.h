/* An in-memory server behind the sync engine's provider interface: no HTTP,
 * deterministic, fast. Items are movies identified by a tmdb id. */
#ifndef CWP_SYNC_MEM_PROVIDER_H
#define CWP_SYNC_MEM_PROVIDER_H

#include "cwp/sync.h"

#define MEM_MAX_ITEMS 64

typedef struct mem_item {
	char id[16];
	const char *idp; /* = id: resolve hands out &idp as a one-id list */
	char tmdb[16];
	char title[32];
	int64_t pos_ms, dur_ms, last_played; /* last_played 0: none */
	bool played, playing;
	int refuse_status;  /* answer writes with this HTTP status (not applied) */
	bool write_timeout; /* apply the write, but never answer it */
} mem_item;

typedef struct mem_server {
	mem_item items[MEM_MAX_ITEMS];
	size_t n;
	size_t writes, unwatches; /* writes applied, unwatches applied */
	bool fail_index;
	char err[128];
} mem_server;

/* Add a movie; returns it for further settings. */
mem_item *mem_add(mem_server *s, const char *id, const char *tmdb, int64_t pos_ms,
		  int64_t last_played);
mem_item *mem_find(mem_server *s, const char *id);
void mem_provider_init(cwp_sync_provider *out, mem_server *s);

#endif
