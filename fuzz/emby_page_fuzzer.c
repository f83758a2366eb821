/* Fuzz target: an Emby Items envelope, {"Items": [...], "TotalRecordCount": N}
 * (READ-02, READ-05): emby_decode_page, every row through the item decoders
 * (emby_check.h), and emby_decode_index_page into an index.
 *
 * Checks: a refused page leaves a zeroed page and a message; an accepted one
 * counts its rows and has a non-negative integral total or -1; the index built
 * from a page holds only movie/episode records with a position > 0, no more
 * than the rows that were put, each under its own key. */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "emby_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	emby_page page;
	cwp_index *idx = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT;
	const cJSON *row;
	size_t n_put = 12345, i, rows = 0;
	int rc, rc_idx;

	cwp_error_clear();
	rc = emby_decode_page(&page, buf, size);
	FUZZ_CHECK(rc == CWP_OK || rc == CWP_EDECODE, "emby_decode_page gave %d", rc);
	if (rc != CWP_OK) {
		FUZZ_CHECK(page.root == NULL && page.items == NULL && page.count == 0,
			   "a refused page owns something");
		FUZZ_CHECK(cwp_error_last()[0] != '\0', "a refused page without a message");
	} else {
		FUZZ_CHECK(cJSON_IsArray(page.items), "Items is not an array");
		FUZZ_CHECK(page.total >= -1, "TotalRecordCount %lld", (long long)page.total);
		cJSON_ArrayForEach(row, page.items)
		{
			rows++;
			emby_check_item(row);
		}
		FUZZ_CHECK(rows == page.count, "page.count %zu for %zu rows", page.count, rows);
	}
	emby_page_free(&page);
	emby_page_free(&page); /* a freed page is a zeroed page */

	FUZZ_CHECK(cwp_index_new(&idx) == CWP_OK, "cwp_index_new");
	rc_idx = emby_decode_index_page(idx, buf, size, &n_put, &w);
	FUZZ_CHECK(rc_idx == rc, "emby_decode_index_page %d but emby_decode_page %d", rc_idx, rc);
	if (rc_idx == CWP_OK) {
		FUZZ_CHECK(n_put <= rows, "%zu rows put from a page of %zu", n_put, rows);
		FUZZ_CHECK(cwp_index_size(idx) <= n_put, "%zu records from %zu rows put",
			   cwp_index_size(idx), n_put);
	}
	for (i = 0; i < cwp_index_size(idx); i++) {
		const cwp_record *r = cwp_index_at(idx, i);
		FUZZ_CHECK(r && r->key && r->key[0], "index record %zu without a key", i);
		FUZZ_CHECK(r->type == CWP_TYPE_MOVIE || r->type == CWP_TYPE_EPISODE,
			   "index record of type %d", (int)r->type);
		FUZZ_CHECK(r->has_progress_ms && r->progress_ms > 0,
			   "READ-02: index record %s at %lld ms", r->key,
			   (long long)r->progress_ms);
		FUZZ_CHECK(cwp_index_get(idx, r->key) == r, "record %s not found by its key",
			   r->key);
		if (i > 0)
			FUZZ_CHECK(strcmp(cwp_index_at(idx, i - 1)->key, r->key) < 0,
				   "index not in strict key order at %zu", i);
	}
	cwp_index_free(idx);
	return 0;
}
