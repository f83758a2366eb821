/* A generated mock_emby fixture directory (docs/FIXTURES.md format) for the
 * client's bulk tests and bench/bench_client: n_movies movies and n_series
 * series of eps_per_series episodes, every one resumable for one user
 * (GEN_USER_ID, token GEN_TOKEN: fake test values). Items carry the fields a
 * real Emby answer has, so byte counts are realistic. */
#ifndef EMBY_GEN_FIXTURE_H
#define EMBY_GEN_FIXTURE_H

#include <stddef.h>

#define GEN_USER_ID "c0ffee00c0ffee00c0ffee00c0ffee00"
#define GEN_TOKEN   "fake-token-generated"

/* Fill dir (created with mkdtemp by the caller) with server.json, items.json
 * and userdata/. Movie i (from 0) has Id "1%08zu", tmdb i+1; series s has
 * Id "2%08zu", tvdb 100000+s; episode e of series s has Id "3%08zu".
 * Returns 0, or -1 with errno set. */
int gen_fixture_write(const char *dir, size_t n_movies, size_t n_series, size_t eps_per_series);

/* Remove what gen_fixture_write wrote, and dir itself. */
void gen_fixture_remove(const char *dir);

#endif
