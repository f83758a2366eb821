/* Fuzz target: index JSON (CLI-02), object and JSON-lines forms:
 * cwp_index_parse (buffer), cwp_index_load (file, streamed member by member),
 * cwp_index_write and cwp_match_new.
 *
 * Checks: the buffer parser and the file loader agree (same outcome, same
 * warnings, same index); write → parse → write gives identical bytes in both
 * forms, with no warning on the writer's own output; the JSON-lines form holds
 * the same index as the object form; an index is in strict key order and
 * finds each record by its key; matching an index against a copy of itself
 * matches every key to its own key (KEY-06: the exact key first). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cwp/index.h"
#include "fuzz_util.h"

/* One scratch file per process for cwp_index_load, removed at exit. */
static char scratch_path[64];

static void remove_scratch(void)
{
	if (scratch_path[0])
		unlink(scratch_path);
}

static const char *write_scratch(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!scratch_path[0]) {
		const char *tmp = getenv("TMPDIR");
		int fd;
		snprintf(scratch_path, sizeof(scratch_path), "%s/cwp-index-fuzz-XXXXXX",
			 tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		fd = mkstemp(scratch_path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_scratch);
	}
	f = fopen(scratch_path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return scratch_path;
}

/* cwp_index_write into a heap buffer (caller frees). */
static char *write_index(const cwp_index *idx, unsigned flags, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (!f)
		abort();
	rc = cwp_index_write(idx, f, flags);
	FUZZ_CHECK(rc == CWP_OK, "cwp_index_write(%s) gave %d: %s",
		   flags & CWP_INDEX_JSONL ? "jsonl" : "object", rc, cwp_error_last());
	if (fclose(f) != 0)
		abort();
	return buf;
}

static void check_order(const cwp_index *idx)
{
	size_t i, n = cwp_index_size(idx);
	for (i = 0; i < n; i++) {
		const cwp_record *r = cwp_index_at(idx, i);
		FUZZ_CHECK(r && r->key, "record %zu without a key", i);
		FUZZ_CHECK(cwp_index_get(idx, r->key) == r, "record %zu not found by its key", i);
		FUZZ_CHECK(r->type == CWP_TYPE_MOVIE || r->type == CWP_TYPE_EPISODE,
			   "record %zu of type %d", i, (int)r->type);
		if (i > 0)
			FUZZ_CHECK(strcmp(cwp_index_at(idx, i - 1)->key, r->key) < 0,
				   "not in strict key order at %zu", i);
	}
}

/* Parse text the writer produced: no error, no warning. */
static cwp_index *reparse(const char *text, size_t len, const char *what)
{
	cwp_index *idx = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT;
	int rc = cwp_index_parse(&idx, text, len, &w);

	FUZZ_CHECK(rc == CWP_OK, "the writer's %s output does not parse (%d: %s)", what, rc,
		   cwp_error_last());
	FUZZ_CHECK(w.count == 0, "the writer's %s output gives %zu warnings", what, w.count);
	return idx;
}

static void check_round_trip(const cwp_index *idx)
{
	size_t la, lb, lc, ld, le, i;
	char *a = write_index(idx, 0, &la);
	cwp_index *idx2 = reparse(a, la, "object");
	char *b = write_index(idx2, 0, &lb);
	char *c = write_index(idx, CWP_INDEX_JSONL, &lc);
	cwp_index *idx3 = reparse(c, lc, "JSON-lines");
	char *d = write_index(idx3, 0, &ld);
	char *e = write_index(idx3, CWP_INDEX_JSONL, &le);
	cwp_match *m = NULL;

	FUZZ_CHECK(cwp_index_size(idx2) == cwp_index_size(idx), "%zu records, %zu after a trip",
		   cwp_index_size(idx), cwp_index_size(idx2));
	FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0,
		   "write -> parse -> write changed the object form:\n%.*s\n---\n%.*s", (int)la, a,
		   (int)lb, b);
	FUZZ_CHECK(la == ld && memcmp(a, d, la) == 0,
		   "the JSON-lines form holds another index:\n%.*s\n---\n%.*s", (int)la, a, (int)ld,
		   d);
	FUZZ_CHECK(lc == le && memcmp(c, e, lc) == 0,
		   "write -> parse -> write changed the JSON-lines form");
	check_order(idx2);

	/* KEY-06: the exact key first. */
	FUZZ_CHECK(cwp_match_new(&m, idx, idx2) == CWP_OK, "cwp_match_new failed");
	for (i = 0; i < cwp_index_size(idx); i++) {
		const cwp_record *dst = cwp_match_dst(m, i);
		FUZZ_CHECK(dst && strcmp(dst->key, cwp_index_at(idx, i)->key) == 0,
			   "KEY-06: %s matched to %s", cwp_index_at(idx, i)->key,
			   dst ? dst->key : "(nothing)");
		FUZZ_CHECK(cwp_match_dst_used(m, i), "KEY-06: destination %zu unused", i);
	}
	cwp_match_free(m);
	cwp_index_free(idx2);
	cwp_index_free(idx3);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cwp_index *idx = NULL, *loaded = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT, wl = CWP_WARNINGS_INIT;
	int rc, rcl;

	cwp_error_clear();
	rc = cwp_index_parse(&idx, (const char *)data, size, &w);
	FUZZ_CHECK(rc == CWP_OK || rc == CWP_EPARSE, "cwp_index_parse gave %d: %s", rc,
		   cwp_error_last());
	if (rc != CWP_OK) {
		FUZZ_CHECK(idx == NULL, "a refused index was returned");
		FUZZ_CHECK(cwp_error_last()[0] != '\0', "a refused index without a message");
	}

	rcl = cwp_index_load(&loaded, write_scratch(data, size), &wl);
	FUZZ_CHECK(rcl == rc, "cwp_index_load gave %d, cwp_index_parse %d: %s", rcl, rc,
		   cwp_error_last());
	FUZZ_CHECK(wl.count == w.count, "cwp_index_load warned %zu times, cwp_index_parse %zu",
		   wl.count, w.count);

	if (rc == CWP_OK) {
		size_t la, lb;
		char *a, *b;
		check_order(idx);
		a = write_index(idx, 0, &la);
		b = write_index(loaded, 0, &lb);
		FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0,
			   "cwp_index_load and cwp_index_parse built different indexes");
		free(a);
		free(b);
		check_round_trip(idx);
	}
	cwp_index_free(idx);
	cwp_index_free(loaded);
	return 0;
}
