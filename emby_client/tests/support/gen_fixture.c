/* See gen_fixture.h. */
#include "gen_fixture.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return fopen(path, "w");
}

static void movie(FILE *f, size_t i)
{
	fprintf(
	    f,
	    "{\"Name\":\"Generated Movie %zu\",\"ServerId\":\"0123456789abcdef0123456789abcdef\","
	    "\"Id\":\"1%08zu\",\"Etag\":\"5f1c0e9a3b2d4c6e8f0a1b2c3d4e5f60\","
	    "\"DateCreated\":\"2023-05-01T12:00:00.0000000Z\",\"CanDelete\":false,"
	    "\"CanDownload\":true,\"PremiereDate\":\"2001-01-01T00:00:00.0000000Z\","
	    "\"OfficialRating\":\"PG-13\",\"CommunityRating\":7.4,"
	    "\"RunTimeTicks\":%zu,\"ProductionYear\":%zu,"
	    "\"ProviderIds\":{\"Tmdb\":\"%zu\",\"Imdb\":\"tt%07zu\"},\"IsFolder\":false,"
	    "\"Type\":\"Movie\",\"MediaType\":\"Video\",\"cwpLibraryId\":\"lib-movies\","
	    "\"ImageTags\":{\"Primary\":\"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"},"
	    "\"BackdropImageTags\":[\"1a2b3c4d5e6f708192a3b4c5d6e7f809\"]}",
	    i, i, (size_t)60000000000 + i % 1000 * 10000000, 1950 + i % 70, i + 1, i + 1);
}

static void series(FILE *f, size_t s)
{
	fprintf(
	    f,
	    "{\"Name\":\"Generated Show %zu\",\"ServerId\":\"0123456789abcdef0123456789abcdef\","
	    "\"Id\":\"2%08zu\",\"ProviderIds\":{\"Tvdb\":\"%zu\",\"Tmdb\":\"%zu\"},"
	    "\"IsFolder\":true,\"Type\":\"Series\",\"cwpLibraryId\":\"lib-shows\"}",
	    s, s, 100000 + s, 500000 + s);
}

static void episode(FILE *f, size_t s, size_t e, size_t id)
{
	fprintf(f,
		"{\"Name\":\"Episode %zu\",\"ServerId\":\"0123456789abcdef0123456789abcdef\","
		"\"Id\":\"3%08zu\",\"Etag\":\"5f1c0e9a3b2d4c6e8f0a1b2c3d4e5f60\","
		"\"DateCreated\":\"2023-05-01T12:00:00.0000000Z\",\"CanDelete\":false,"
		"\"CanDownload\":true,\"PremiereDate\":\"2011-01-01T00:00:00.0000000Z\","
		"\"RunTimeTicks\":%zu,\"ProductionYear\":2011,"
		"\"ProviderIds\":{\"Tvdb\":\"%zu\"},\"IsFolder\":false,\"Type\":\"Episode\","
		"\"ParentIndexNumber\":%zu,\"IndexNumber\":%zu,\"SeriesName\":\"Generated Show "
		"%zu\",\"SeriesId\":\"2%08zu\",\"MediaType\":\"Video\","
		"\"ImageTags\":{\"Primary\":\"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"},"
		"\"BackdropImageTags\":[]}",
		e, id, (size_t)27000000000 + e * 10000000, 9000000 + id, e / 20 + 1, e % 20 + 1, s,
		s);
}

int gen_fixture_write(const char *dir, size_t n_movies, size_t n_series, size_t eps_per_series)
{
	FILE *f = open_in(dir, "server.json");
	if (!f)
		return -1;
	fprintf(f, "{\"ServerName\":\"generated\",\"Id\":\"0123456789abcdef0123456789abcdef\","
		   "\"Libraries\":[{\"Id\":\"lib-movies\",\"Name\":\"Movies\"},"
		   "{\"Id\":\"lib-shows\",\"Name\":\"Shows\"}],"
		   "\"Users\":[{\"Id\":\"" GEN_USER_ID "\",\"Name\":\"gen\",\"Token\":\"" GEN_TOKEN
		   "\"}]}\n");
	if (fclose(f) != 0)
		return -1;

	f = open_in(dir, "items.json");
	if (!f)
		return -1;
	fputc('[', f);
	bool first = true;
	for (size_t i = 0; i < n_movies; i++, first = false) {
		if (!first)
			fputs(",\n", f);
		movie(f, i);
	}
	size_t id = 0;
	for (size_t s = 0; s < n_series; s++) {
		if (!first)
			fputs(",\n", f);
		first = false;
		series(f, s);
		for (size_t e = 0; e < eps_per_series; e++, id++) {
			fputs(",\n", f);
			episode(f, s, e, id);
		}
	}
	fputs("]\n", f);
	if (fclose(f) != 0)
		return -1;

	char sub[4096];
	snprintf(sub, sizeof(sub), "%s/userdata", dir);
	if (mkdir(sub, 0700) != 0 && errno != EEXIST)
		return -1;
	f = open_in(dir, "userdata/" GEN_USER_ID ".json");
	if (!f)
		return -1;
	fputc('{', f);
	first = true;
	for (size_t i = 0; i < n_movies; i++, first = false)
		fprintf(f,
			"%s\"1%08zu\":{\"PlaybackPositionTicks\":%zu,\"PlayCount\":0,"
			"\"IsFavorite\":false,\"Played\":false,"
			"\"LastPlayedDate\":\"2024-01-%02zuT20:00:00.0000000Z\"}",
			first ? "" : ",\n", i, (size_t)600000000 * (1 + i % 50), 1 + i % 28);
	for (size_t e = 0; e < id; e++, first = false)
		fprintf(f,
			"%s\"3%08zu\":{\"PlaybackPositionTicks\":%zu,\"PlayCount\":0,"
			"\"IsFavorite\":false,\"Played\":false,"
			"\"LastPlayedDate\":\"2024-02-%02zuT20:00:00.0000000Z\"}",
			first ? "" : ",\n", e, (size_t)600000000 * (1 + e % 30), 1 + e % 28);
	fputs("}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

void gen_fixture_remove(const char *dir)
{
	const char *files[] = {"server.json", "items.json", "userdata/" GEN_USER_ID ".json",
			       "userdata"};
	char path[4096];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(dir);
}
