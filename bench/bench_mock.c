/* bench_mock: how fast the mock Emby server answers, so that it is never what
 * a client benchmark measures (docs/PERFORMANCE.md, "mock").
 *
 *   bench_mock [--requests N] [--items N] [--resumable N] [--pages N]
 *
 * 1. small requests per second from one client over one keep-alive
 *    connection (libcurl easy handle reused), on the demo-a fixtures;
 * 2. the time to serve one 500-item page of a generated library of --items
 *    items (default 100,000), for the queries a sync client sends.
 * Targets (issue 3): >= 5,000 requests/s and <= 20 ms per page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "mock_emby/mock_emby.h"

#ifndef CWP_SOURCE_DIR
#define CWP_SOURCE_DIR "."
#endif

#define A_ALICE     "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#define A_TOKEN     "demo-a-token-not-secret"
#define BENCH_TOKEN "bench-token-not-secret"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct counter {
	size_t bytes;
} counter;

static size_t count_bytes(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	((counter *)ud)->bytes += s * n;
	return s * n;
}

/* GET url on the reused handle; returns the status, adds the body size. */
static long get(CURL *c, const char *url, struct curl_slist *h, counter *cnt)
{
	long status = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_bytes);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, cnt);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static int small_requests(size_t n)
{
	char err[1024], url[512];
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	char fixtures[4096];
	snprintf(fixtures, sizeof fixtures, "%s/mock_emby/fixtures/demo-a", CWP_SOURCE_DIR);
	o.fixtures_dir = fixtures;
	mock_emby *m = NULL;
	if (mock_emby_start(&m, &o, err, sizeof err) != 0) {
		fprintf(stderr, "bench_mock: %s\n", err);
		return 1;
	}
	const char *paths[] = {"/System/Info/Public", "/Users/" A_ALICE "/Items/240060",
			       "/emby/Users/" A_ALICE
			       "/Items?Ids=240060,240013&Fields=ProviderIds"};
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_TOKEN);
	int rc = 0;
	for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
		CURL *c = curl_easy_init();
		counter cnt = {0};
		long conns = 0;
		snprintf(url, sizeof url, "%s%s", mock_emby_url(m), paths[p]);
		get(c, url, h, &cnt); /* connect outside the timing */
		cnt.bytes = 0;
		double t0 = now_s();
		for (size_t i = 0; i < n; i++) {
			if (get(c, url, h, &cnt) != 200) {
				fprintf(stderr, "bench_mock: %s failed\n", paths[p]);
				rc = 1;
				break;
			}
		}
		double dt = now_s() - t0;
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
		printf(
		    "keep-alive GET %-62s %zu requests in %.3f s = %8.0f req/s (%.0f bytes each, "
		    "%ld new connection(s) in the last request)\n",
		    paths[p], n, dt, (double)n / dt, (double)cnt.bytes / (double)n, conns);
		curl_easy_cleanup(c);
	}
	curl_slist_free_all(h);
	mock_emby_stop(m);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int pages(size_t items, size_t resumable, size_t npages)
{
	char dir[] = "/tmp/bench_mock_XXXXXX";
	char err[1024], url[1024], cmd[256];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	mock_emby_gen_options g = MOCK_EMBY_GEN_OPTIONS_INIT;
	g.items = items;
	g.resumable = resumable;
	g.played = items / 20;
	g.seed = 1;
	double t0 = now_s();
	if (mock_emby_generate_fixtures(dir, &g, err, sizeof err) != 0) {
		fprintf(stderr, "bench_mock: %s\n", err);
		return 1;
	}
	double t_gen = now_s() - t0;
	char uid[33];
	mock_emby_generated_user_id(1, uid);
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	mock_emby *m = NULL;
	t0 = now_s();
	if (mock_emby_start(&m, &o, err, sizeof err) != 0) {
		fprintf(stderr, "bench_mock: %s\n", err);
		return 1;
	}
	printf("generated %zu items (%zu resumable) in %.2f s; loaded in %.2f s\n", items,
	       resumable, t_gen, now_s() - t0);
	struct {
		const char *what, *query;
		size_t start;
	} qs[] = {
	    {"all Movie+Episode rows, no filter",
	     "Recursive=true&IncludeItemTypes=Movie,Episode&EnableUserData=true"
	     "&Fields=ProviderIds,RunTimeTicks,ProductionYear,ParentIndexNumber,IndexNumber,"
	     "SeriesId,"
	     "SeriesName,UserDataLastPlayedDate,UserDataPlayCount&EnableTotalRecordCount=true&"
	     "Limit=500",
	     items / 2},
	    {"Filters=IsResumable (READ-01 query)",
	     "Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsResumable&EnableUserData=true"
	     "&Fields=ProviderIds,RunTimeTicks,ProductionYear,ParentIndexNumber,IndexNumber,"
	     "SeriesId,"
	     "SeriesName,UserDataLastPlayedDate,UserDataPlayCount&EnableTotalRecordCount=true&"
	     "Limit=500",
	     resumable / 2},
	    {"IsResumable + SortBy=DatePlayed Descending",
	     "Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsResumable&SortBy=DatePlayed"
	     "&SortOrder=Descending&Fields=UserDataLastPlayedDate&Limit=500",
	     resumable / 2},
	};
	double *times = calloc(npages, sizeof *times);
	struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " BENCH_TOKEN);
	CURL *c = curl_easy_init();
	int rc = 0;
	for (size_t k = 0; k < sizeof qs / sizeof qs[0] && times && c; k++) {
		snprintf(url, sizeof url, "%s/Users/%s/Items?%s&StartIndex=%zu", mock_emby_url(m),
			 uid, qs[k].query, qs[k].start);
		counter cnt = {0};
		get(c, url, h, &cnt); /* warm up, connect */
		cnt.bytes = 0;
		for (size_t i = 0; i < npages; i++) {
			double s = now_s();
			if (get(c, url, h, &cnt) != 200) {
				fprintf(stderr, "bench_mock: page request failed\n");
				rc = 1;
				break;
			}
			times[i] = (now_s() - s) * 1000.0;
		}
		qsort(times, npages, sizeof *times, cmp_double);
		printf("500-item page of %zu items, %-44s min %6.2f ms, median %6.2f ms, p95 %6.2f "
		       "ms, "
		       "%.0f KB per page\n",
		       items, qs[k].what, times[0], times[npages / 2], times[npages * 95 / 100],
		       (double)cnt.bytes / (double)npages / 1024.0);
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(times);
	mock_emby_stop(m);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_mock: could not remove %s\n", dir);
	return rc;
}

static size_t arg(const char *s)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	if (!end || *end || v == 0 || v > 10000000ULL) {
		fprintf(stderr, "bench_mock: bad number %s\n", s);
		exit(2);
	}
	return (size_t)v;
}

int main(int argc, char **argv)
{
	size_t requests = 20000, items = 100000, resumable = 20000, npages = 50;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--requests") == 0)
			requests = arg(argv[i + 1]);
		else if (strcmp(argv[i], "--items") == 0)
			items = arg(argv[i + 1]);
		else if (strcmp(argv[i], "--resumable") == 0)
			resumable = arg(argv[i + 1]);
		else if (strcmp(argv[i], "--pages") == 0)
			npages = arg(argv[i + 1]);
		else {
			fprintf(stderr,
				"usage: bench_mock [--requests N] [--items N] [--resumable N] "
				"[--pages N]\n");
			return 2;
		}
	}
	curl_global_init(CURL_GLOBAL_ALL);
	int rc = small_requests(requests);
	if (rc == 0)
		rc = pages(items, resumable, npages);
	curl_global_cleanup();
	return rc;
}
