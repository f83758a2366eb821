/* bench_client: the Emby client's throughput (docs/PERFORMANCE.md, "client").
 *
 *   1. decode: Items pages decoded from memory (emby_decode_page +
 *      emby_decode_item + cwp_index_put), MB/s of Items JSON;
 *   2. index: N resumable items indexed from a mock over loopback
 *      (items/s, MB/s received, the client process's peak RSS);
 *   3. writes: W writes with 20 ms injected latency per write at 1, 4 and 8
 *      in flight (writes/s, requests per write).
 *
 * The mock runs in a child process (forked before any thread exists), so the
 * peak RSS reported is the client's alone. Usage:
 *   bench_client [--items N] [--writes N] [--writes-serial N] [--delay-ms MS]
 * Defaults: 100000 items, 10000 writes at 4 and 8 in flight, 1000 writes at
 * 1 in flight (10000 would take 200 s at 20 ms each), 20 ms. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "emby/client.h"
#include "emby/decode.h"
#include "gen_fixture.h"
#include "mock_emby/mock_emby.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process: the client's share. */
static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static size_t arg_size(int argc, char **argv, const char *name, size_t def)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], name) != 0)
			continue;
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(argv[i + 1], &end, 10);
		if (errno || !end || *end || end == argv[i + 1]) {
			fprintf(stderr, "bench_client: %s wants a number\n", name);
			exit(2);
		}
		return (size_t)v;
	}
	return def;
}

/* ---- 1. decode from memory ------------------------------------------------ */

/* One page of `n` items shaped like a real answer (the generator's rows plus
 * UserData as Emby nests it). */
static char *make_page(size_t n, size_t *len)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(root, "Items");
	for (size_t i = 0; i < n; i++) {
		char buf[2048];
		bool ep = i % 3 == 2;
		if (ep)
			snprintf(
			    buf, sizeof(buf),
			    "{\"Name\":\"Episode "
			    "%zu\",\"ServerId\":\"0123456789abcdef0123456789abcdef\","
			    "\"Id\":\"3%08zu\",\"Etag\":\"5f1c0e9a3b2d4c6e8f0a1b2c3d4e5f60\","
			    "\"DateCreated\":\"2023-05-01T12:00:00.0000000Z\",\"CanDelete\":false,"
			    "\"CanDownload\":true,\"PremiereDate\":\"2011-01-01T00:00:00."
			    "0000000Z\","
			    "\"RunTimeTicks\":27000000000,\"ProductionYear\":2011,"
			    "\"ProviderIds\":{\"Tvdb\":\"%zu\"},\"IsFolder\":false,\"Type\":"
			    "\"Episode\","
			    "\"ParentIndexNumber\":1,\"IndexNumber\":%zu,\"SeriesName\":\"Show\","
			    "\"SeriesId\":\"2%08zu\",\"MediaType\":\"Video\","
			    "\"ImageTags\":{\"Primary\":\"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"},"
			    "\"BackdropImageTags\":[],\"UserData\":{\"PlaybackPositionTicks\":%zu,"
			    "\"PlayedPercentage\":12.5,\"PlayCount\":0,\"IsFavorite\":false,"
			    "\"Played\":false,\"LastPlayedDate\":\"2024-02-03T20:00:00.0000000Z\"}"
			    "}",
			    i, i, 9000000 + i, i % 20 + 1, i / 50, 600000000 * (1 + i % 30));
		else
			snprintf(
			    buf, sizeof(buf),
			    "{\"Name\":\"Generated Movie %zu\",\"ServerId\":"
			    "\"0123456789abcdef0123456789abcdef\",\"Id\":\"1%08zu\","
			    "\"Etag\":\"5f1c0e9a3b2d4c6e8f0a1b2c3d4e5f60\","
			    "\"DateCreated\":\"2023-05-01T12:00:00.0000000Z\",\"CanDelete\":false,"
			    "\"CanDownload\":true,\"PremiereDate\":\"2001-01-01T00:00:00."
			    "0000000Z\","
			    "\"OfficialRating\":\"PG-13\",\"CommunityRating\":7.4,"
			    "\"RunTimeTicks\":60000000000,\"ProductionYear\":2001,"
			    "\"ProviderIds\":{\"Tmdb\":\"%zu\",\"Imdb\":\"tt%07zu\"},"
			    "\"IsFolder\":false,\"Type\":\"Movie\",\"MediaType\":\"Video\","
			    "\"ImageTags\":{\"Primary\":\"0a1b2c3d4e5f60718293a4b5c6d7e8f9\"},"
			    "\"BackdropImageTags\":[\"1a2b3c4d5e6f708192a3b4c5d6e7f809\"],"
			    "\"UserData\":{\"PlaybackPositionTicks\":%zu,\"PlayedPercentage\":33.3,"
			    "\"PlayCount\":0,\"IsFavorite\":false,\"Played\":false,"
			    "\"LastPlayedDate\":\"2024-01-03T20:00:00.0000000Z\"}}",
			    i, i, i + 1, i + 1, 600000000 * (1 + i % 50));
		cJSON_AddItemToArray(items, cwp_json_parse_str(buf));
	}
	cJSON_AddNumberToObject(root, "TotalRecordCount", (double)n);
	char *s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	*len = strlen(s);
	return s;
}

static int bench_decode(void)
{
	size_t len;
	char *page = make_page(500, &len);
	emby_item *it = malloc(sizeof(*it));
	const int reps = 200;
	size_t rows = 0, bytes = 0;

	/* Decode only (envelope + rows → records). */
	double t0 = now_s();
	for (int r = 0; r < reps; r++) {
		emby_page p;
		if (emby_decode_page(&p, page, len) != CWP_OK)
			return 1;
		for (const cJSON *row = p.items->child; row; row = row->next)
			if (emby_decode_item(it, row, NULL, 0, NULL) == CWP_OK)
				rows++;
		emby_page_free(&p);
		bytes += len;
	}
	double t = now_s() - t0;
	printf("decode: %zu rows, %.1f MB of Items JSON in %.3f s: %.1f MB/s, %.0f rows/s "
	       "(page of 500 items, %zu bytes)\n",
	       rows, (double)bytes / 1e6, t, (double)bytes / 1e6 / t, (double)rows / t, len);

	/* Decode + index put (what emby_index does per page). */
	cwp_index *idx = NULL;
	rows = bytes = 0;
	t0 = now_s();
	for (int r = 0; r < reps / 4; r++) {
		cwp_index_free(idx);
		cwp_index_new(&idx);
		size_t put = 0;
		if (emby_decode_index_page(idx, page, len, &put, NULL) != CWP_OK)
			return 1;
		rows += put;
		bytes += len;
	}
	t = now_s() - t0;
	printf("decode+index: %zu rows, %.1f MB in %.3f s: %.1f MB/s\n", rows, (double)bytes / 1e6,
	       t, (double)bytes / 1e6 / t);
	cwp_index_free(idx);
	free(it);
	free(page);
	return 0;
}

/* ---- the mock in a child process ---------------------------------------- */

typedef struct child {
	pid_t pid;
	int to_child; /* closing it stops the mock */
	char url[128];
} child;

static int start_child(child *ch, const char *dir, const char *faults, int threads)
{
	int up[2], down[2];
	if (pipe(up) != 0 || pipe(down) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		mock_emby_options mo = MOCK_EMBY_OPTIONS_INIT;
		mo.fixtures_dir = dir;
		mo.threads = threads;
		mock_emby *m = NULL;
		char err[512];
		if (mock_emby_start(&m, &mo, err, sizeof(err)) != 0) {
			fprintf(stderr, "mock: %s\n", err);
			_exit(1);
		}
		if (faults && mock_emby_add_faults(m, faults) != 0)
			_exit(1);
		const char *u = mock_emby_url(m);
		if (write(up[1], u, strlen(u) + 1) < 0)
			_exit(1);
		close(up[1]);
		char b;
		while (read(down[0], &b, 1) > 0)
			;
		mock_emby_stop(m);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	ssize_t n = read(up[0], ch->url, sizeof(ch->url) - 1);
	close(up[0]);
	if (n <= 0)
		return -1;
	ch->url[n] = '\0';
	ch->pid = pid;
	ch->to_child = down[1];
	return 0;
}

static void stop_child(child *ch)
{
	close(ch->to_child);
	int st;
	waitpid(ch->pid, &st, 0);
}

static emby_client *client_for(const char *url, int in_flight)
{
	emby_options o = EMBY_OPTIONS_INIT;
	o.base_url = url;
	o.user_id = GEN_USER_ID;
	o.token = GEN_TOKEN;
	o.label = "bench";
	o.max_in_flight = in_flight;
	o.total_timeout_ms = 120000;
	emby_client *c = NULL;
	if (emby_client_new(&c, &o) != CWP_OK) {
		fprintf(stderr, "bench_client: %s\n", cwp_error_last());
		exit(1);
	}
	return c;
}

static int bench_writes(const char *url, size_t n, int in_flight, int delay_ms)
{
	emby_client *c = client_for(url, in_flight);
	emby_write *w = calloc(n, sizeof(*w));
	char(*ids)[24] = calloc(n, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "1%08zu", i);
		w[i].item_id = ids[i];
		w[i].body = "{\"PlaybackPositionTicks\":1234560000,"
			    "\"LastPlayedDate\":\"2024-03-05T20:00:00.0000000Z\"}";
	}
	double t0 = now_s(), cpu0 = cpu_s();
	int rc = emby_write_batch(c, w, n);
	double t = now_s() - t0, cpu = cpu_s() - cpu0;
	emby_stats st;
	emby_client_stats(c, &st);
	printf("writes: %zu at %d in flight, %d ms latency: %.2f s, %.1f writes/s, %.3f requests/"
	       "write, client CPU %.2f s%s%s\n",
	       n, in_flight, delay_ms, t, (double)n / t, (double)st.requests / (double)n, cpu,
	       rc ? ", FAILED: " : "", rc ? emby_client_error(c) : "");
	free(ids);
	free(w);
	emby_client_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n_items = arg_size(argc, argv, "--items", 100000);
	size_t n_writes = arg_size(argc, argv, "--writes", 10000);
	size_t n_serial = arg_size(argc, argv, "--writes-serial", 1000);
	int delay_ms = (int)arg_size(argc, argv, "--delay-ms", 20);
	size_t movies = n_items * 3 / 5, eps_per = 20;
	size_t series = (n_items - movies + eps_per - 1) / eps_per;
	if (movies < n_writes)
		movies = n_writes;
	char dir[] = "/tmp/cwp-bench-client-XXXXXX";
	int rc = 1;
	child ch = {0};

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir) || gen_fixture_write(dir, movies, series, eps_per) != 0) {
		perror("bench_client: fixture");
		return 1;
	}
	char faults[256];
	snprintf(faults, sizeof(faults),
		 "{\"method\":\"POST\",\"route\":\"/Users/*/Items/*/UserData\",\"kind\":\"delay\","
		 "\"delay_ms\":%d}",
		 delay_ms);
	if (start_child(&ch, dir, faults, 16) != 0) {
		fprintf(stderr, "bench_client: mock did not start\n");
		goto done;
	}
	if (bench_decode() != 0)
		goto done;

	long rss0 = peak_rss_kib();
	emby_client *c = client_for(ch.url, 4);
	cwp_index *idx = NULL;
	double t0 = now_s(), cpu0 = cpu_s();
	int irc = emby_index(c, &idx, NULL);
	double t = now_s() - t0, cpu = cpu_s() - cpu0;
	emby_stats st;
	emby_client_stats(c, &st);
	if (irc != CWP_OK) {
		fprintf(stderr, "bench_client: index: %s\n", emby_client_error(c));
		goto done;
	}
	size_t rows = movies + series * eps_per;
	printf("index: %zu resumable items (%zu movies, %zu series x %zu episodes) -> %zu keys in "
	       "%.2f s: %.0f items/s, %.1f MB received (%.1f MB/s), %zu requests, peak RSS "
	       "%.1f MiB (before: %.1f MiB), client CPU %.2f s (%.1f MB/s of CPU)\n",
	       rows, movies, series, eps_per, cwp_index_size(idx), t, (double)rows / t,
	       (double)st.bytes_received / 1e6, (double)st.bytes_received / 1e6 / t, st.requests,
	       (double)peak_rss_kib() / 1024.0, (double)rss0 / 1024.0, cpu,
	       (double)st.bytes_received / 1e6 / cpu);
	cwp_index_free(idx);
	emby_client_free(c);

	rc = 0;
	if (n_serial)
		rc |= bench_writes(ch.url, n_serial, 1, delay_ms);
	rc |= bench_writes(ch.url, n_writes, 4, delay_ms);
	rc |= bench_writes(ch.url, n_writes, 8, delay_ms);
done:
	if (ch.pid)
		stop_child(&ch);
	gen_fixture_remove(dir);
	return rc ? 1 : 0;
}
