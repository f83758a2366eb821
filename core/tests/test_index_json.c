/* Index JSON (CLI-02): both forms, every field, bad fields (UNIT-03), bad
 * files, deterministic round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "cwp/index.h"

/* ---- helpers ---- */

typedef struct msgs {
	char text[16][512];
	size_t n;
} msgs;

static void sink(void *ud, const char *msg)
{
	msgs *m = ud;
	if (m->n < 16)
		snprintf(m->text[m->n], sizeof(m->text[0]), "%s", msg);
	m->n++;
}

static cwp_index *parse_ok(const char *text, cwp_warnings *w)
{
	cwp_index *idx = NULL;
	int rc = cwp_index_parse(&idx, text, strlen(text), w);
	if (rc != CWP_OK)
		fail_msg("parse failed (%d): %s\ninput: %s", rc, cwp_error_last(), text);
	assert_non_null(idx);
	return idx;
}

static void expect_parse_error(const char *text, const char *want_msg)
{
	cwp_index *idx = (cwp_index *)&idx; /* must be reset to NULL */
	int rc = cwp_index_parse(&idx, text, strlen(text), NULL);
	if (rc != CWP_EPARSE)
		fail_msg("rc %d, expected CWP_EPARSE for: %s", rc, text);
	assert_null(idx);
	if (!strstr(cwp_error_last(), want_msg))
		fail_msg("message \"%s\" lacks \"%s\" (input: %s)", cwp_error_last(), want_msg,
			 text);
}

/* Write idx into a string (caller frees). */
static char *write_str(const cwp_index *idx, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cwp_index_write(idx, f, flags), CWP_OK);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *data_path(const char *name)
{
	const char *root = getenv("CWP_SOURCE_DIR");
	static char path[4096];
	snprintf(path, sizeof(path), "%s/core/tests/data/index/%s", root ? root : CWP_SOURCE_DIR,
		 name);
	return path;
}

#define MATRIX_AT INT64_C(1655913445000)

static void check_sample(const cwp_index *idx)
{
	assert_int_equal(cwp_index_size(idx), 2);
	const cwp_record *m = cwp_index_get(idx, "tmdb:603");
	assert_non_null(m);
	assert_int_equal(m->type, CWP_TYPE_MOVIE);
	assert_string_equal(m->title, "The Matrix");
	assert_true(m->has_year);
	assert_int_equal_dec(m->year, 1999);
	assert_string_equal(m->ids[CWP_ID_TMDB], "603");
	assert_string_equal(m->ids[CWP_ID_IMDB], "tt0133093");
	assert_null(m->ids[CWP_ID_TVDB]);
	assert_true(m->has_progress_ms);
	assert_int_equal_dec(m->progress_ms, 6102177);
	assert_true(m->has_duration_ms);
	assert_int_equal_dec(m->duration_ms, 8889920);
	assert_false(m->has_progress_percent);
	assert_true(m->has_progress_at);
	assert_int_equal_dec(m->progress_at, MATRIX_AT);
	assert_true(m->has_played);
	assert_false(m->played);
	assert_string_equal(m->item_id, "242837");
	assert_false(m->has_season);

	const cwp_record *e = cwp_index_get(idx, "tvdb:81189#s00e03");
	assert_non_null(e);
	assert_int_equal(e->type, CWP_TYPE_EPISODE);
	assert_string_equal(e->show_ids[CWP_ID_TVDB], "81189");
	assert_string_equal(e->ids[CWP_ID_TVDB], "349232");
	assert_true(e->has_season && e->has_episode);
	assert_int_equal_dec(e->season, 0);
	assert_int_equal_dec(e->episode, 3);
	assert_false(e->has_progress_ms);
	assert_true(e->has_progress_percent);
	assert_true(e->progress_percent == 12.5);
	assert_false(e->has_progress_at);
	assert_false(e->has_played);
	assert_null(e->item_id);
	assert_false(e->has_year);
}

/* ---- reading ---- */

static void index_json_object_form_every_field(void **state)
{
	(void)state;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_load(&idx, data_path("sample.json"), &w), CWP_OK);
	check_sample(idx);
	assert_int_equal(w.count, 0);
	cwp_index_free(idx);
}

static void index_json_lines_form_detected(void **state)
{
	(void)state;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_index *idx = NULL;
	/* the second line has no key: its canonical key is computed */
	assert_int_equal(cwp_index_load(&idx, data_path("sample.jsonl"), &w), CWP_OK);
	check_sample(idx);
	assert_int_equal(w.count, 0);
	cwp_index_free(idx);

	/* one line only, "key" not first: still a record, not an index of keys */
	idx = parse_ok("{\"type\": \"movie\", \"key\": \"k1\", \"ids\": {\"tmdb\": \"1\"}}\n", &w);
	assert_int_equal(cwp_index_size(idx), 1);
	assert_non_null(cwp_index_get(idx, "k1"));
	cwp_index_free(idx);
	/* a first member "ids" holds an object but names a record field */
	idx = parse_ok("{\"ids\": {\"tmdb\": \"1\"}, \"type\": \"movie\"}", &w);
	assert_non_null(cwp_index_get(idx, "tmdb:1"));
	cwp_index_free(idx);
	/* values may span lines, and "{}" first is an empty record */
	idx = parse_ok("{}\n{\"type\": \"movie\",\n \"ids\": {\"tmdb\": 2}}\n", &w);
	assert_int_equal(cwp_index_size(idx), 1);
	assert_non_null(cwp_index_get(idx, "tmdb:2"));
	cwp_index_free(idx);
	assert_int_equal(w.count, 1); /* the empty record: no type */
}

static void index_json_keys_named_like_fields_stay_object_form(void **state)
{
	(void)state;
	/* any string can be a writer's key: "episode", "ids" and "type" too */
	const char *text = "{\"episode\": {\"type\": \"movie\", \"ids\": {\"tmdb\": \"1\"}},"
			   " \"ids\": {\"type\": \"movie\"},"
			   " \"type\": {\"type\": \"episode\", \"title\": \"x\"}}";
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_index *idx = parse_ok(text, &w);
	assert_int_equal(cwp_index_size(idx), 3);
	assert_non_null(cwp_index_get(idx, "episode"));
	assert_non_null(cwp_index_get(idx, "ids"));
	assert_non_null(cwp_index_get(idx, "type"));
	assert_int_equal(w.count, 0);
	for (unsigned flags = 0; flags <= CWP_INDEX_JSONL; flags++) {
		char *first = write_str(idx, flags);
		cwp_index *back = parse_ok(first, &w);
		char *second = write_str(back, flags);
		assert_string_equal(first, second);
		assert_int_equal(cwp_index_size(back), 3);
		free(first);
		free(second);
		cwp_index_free(back);
	}
	cwp_index_free(idx);
	/* a lone index member keyed "ids" vs a lone JSON-lines record */
	idx = parse_ok("{\"ids\": {\"type\": \"movie\"}}", &w);
	assert_non_null(cwp_index_get(idx, "ids"));
	cwp_index_free(idx);
	idx = parse_ok("{\"ids\": {\"tmdb\": 7}, \"type\": \"movie\"}", &w);
	assert_non_null(cwp_index_get(idx, "tmdb:7"));
	cwp_index_free(idx);
	idx = parse_ok("{\"episode\": 3, \"type\": \"episode\", \"season\": 1, "
		       "\"show_ids\": {\"tvdb\": 5}}",
		       &w);
	assert_non_null(cwp_index_get(idx, "tvdb:5#s01e03"));
	cwp_index_free(idx);
	assert_int_equal(w.count, 0);
}

static void index_json_empty_inputs_are_empty_indexes(void **state)
{
	(void)state;
	const char *texts[] = {"", "  \n\t", "{}", " {} \n", "\xEF\xBB\xBF{}", "\n\n"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		cwp_index *idx = parse_ok(texts[i], NULL);
		assert_int_equal(cwp_index_size(idx), 0);
		cwp_index_free(idx);
	}
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_parse(&idx, NULL, 0, NULL), CWP_OK);
	assert_int_equal(cwp_index_size(idx), 0);
	cwp_index_free(idx);
}

static void index_json_ids_names_and_values(void **state)
{
	(void)state;
	msgs m = {.n = 0};
	cwp_warnings w = {0, sink, &m};
	cwp_index *idx = parse_ok("{\"k\": {\"type\": \"Movie\", \"ids\": {\"TMDB\": 603, "
				  "\"imdb\": \" 0133093 \", \"Tvmaze\": \"7\", \"tvdb\": \"None\", "
				  "\"trakt\": null, \"tmdb\": \"999\", \"simkl\": \"0042\", "
				  "\"mal\": \"\"}}}",
				  &w);
	const cwp_record *r = cwp_index_get(idx, "k");
	assert_non_null(r);
	assert_string_equal(r->ids[CWP_ID_TMDB], "603"); /* the first spelling wins */
	assert_string_equal(r->ids[CWP_ID_IMDB], "tt0133093");
	assert_string_equal(r->ids[CWP_ID_SIMKL], "42");
	assert_null(r->ids[CWP_ID_TVDB]);
	assert_null(r->ids[CWP_ID_TRAKT]);
	assert_null(r->ids[CWP_ID_MAL]);
	assert_int_equal(m.n, 0); /* absent spellings are not warnings */
	cwp_index_free(idx);
}

static void index_json_numeric_strings_accepted(void **state)
{
	(void)state;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_index *idx =
	    parse_ok("{\"k\": {\"type\": \"episode\", \"year\": \"2008\", \"season\": \"0\", "
		     "\"episode\": \"12\", \"progress_ms\": \"61021779859\", "
		     "\"duration_ms\": \"9223372036854775807\", \"item_id\": 242837, "
		     "\"progress_at\": 1655913445, \"played\": true}}",
		     &w);
	const cwp_record *r = cwp_index_get(idx, "k");
	assert_non_null(r);
	assert_int_equal_dec(r->year, 2008);
	assert_true(r->has_season);
	assert_int_equal_dec(r->season, 0);
	assert_int_equal_dec(r->episode, 12);
	assert_int_equal_dec(r->progress_ms, INT64_C(61021779859));
	assert_int_equal_dec(r->duration_ms, INT64_MAX);
	assert_string_equal(r->item_id, "242837");
	assert_int_equal_dec(r->progress_at, MATRIX_AT);
	assert_true(r->has_played && r->played);
	assert_int_equal(w.count, 0);
	cwp_index_free(idx);
}

/* One bad field: the record stays, that field is absent, one warning naming
 * the key and the field, and the other fields are intact. */
static void expect_bad_field(const char *field, const char *json_value)
{
	char text[512];
	msgs m = {.n = 0};
	cwp_warnings w = {0, sink, &m};
	snprintf(text, sizeof(text),
		 "{\"tmdb:603\": {\"type\": \"movie\", \"progress_ms\": 61000, \"%s\": %s}}", field,
		 json_value);
	if (strcmp(field, "progress_ms") == 0)
		snprintf(text, sizeof(text),
			 "{\"tmdb:603\": {\"type\": \"movie\", \"progress_ms\": %s}}", json_value);
	cwp_index *idx = parse_ok(text, &w);
	const cwp_record *r = cwp_index_get(idx, "tmdb:603");
	assert_non_null(r);
	if (w.count != 1 || m.n != 1)
		fail_msg("%s = %s: %zu warnings, expected 1", field, json_value, w.count);
	if (!strstr(m.text[0], "\"tmdb:603\"") || !strstr(m.text[0], field) ||
	    !strstr(m.text[0], "treated as absent"))
		fail_msg("warning \"%s\" does not name the key and the field %s", m.text[0], field);
	if (strcmp(field, "progress_ms") == 0) {
		assert_false(r->has_progress_ms); /* UNIT-03: absent, never 0 */
	} else {
		assert_true(r->has_progress_ms);
		assert_int_equal_dec(r->progress_ms, 61000);
	}
	if (strcmp(field, "duration_ms") == 0)
		assert_false(r->has_duration_ms);
	if (strcmp(field, "progress_percent") == 0)
		assert_false(r->has_progress_percent);
	if (strcmp(field, "progress_at") == 0)
		assert_false(r->has_progress_at);
	if (strcmp(field, "played") == 0)
		assert_false(r->has_played);
	if (strcmp(field, "year") == 0)
		assert_false(r->has_year);
	if (strcmp(field, "season") == 0)
		assert_false(r->has_season);
	if (strcmp(field, "title") == 0)
		assert_null(r->title);
	if (strcmp(field, "item_id") == 0)
		assert_null(r->item_id);
	cwp_index_free(idx);
}

static void index_json_bad_field_absent_with_warning(void **state)
{
	(void)state;
	expect_bad_field("progress_ms", "-5");
	expect_bad_field("progress_ms", "1.5");
	expect_bad_field("progress_ms", "\"abc\"");
	expect_bad_field("progress_ms", "\"-5\"");
	expect_bad_field("progress_ms", "\"1e3\"");
	expect_bad_field("progress_ms", "true");
	expect_bad_field("progress_ms", "{}");
	expect_bad_field("progress_ms", "9007199254740993");
	expect_bad_field("progress_ms", "\"9223372036854775808\"");
	expect_bad_field("duration_ms", "-1");
	expect_bad_field("duration_ms", "\"12s\"");
	expect_bad_field("progress_percent", "101");
	expect_bad_field("progress_percent", "-0.5");
	expect_bad_field("progress_percent", "\"50\"");
	expect_bad_field("progress_at", "\"yesterday\"");
	expect_bad_field("progress_at", "\"2022-02-30T00:00:00Z\"");
	expect_bad_field("progress_at", "-1");
	expect_bad_field("progress_at", "1.5");
	expect_bad_field("played", "\"yes\"");
	expect_bad_field("played", "1");
	expect_bad_field("year", "\"nineteen\"");
	expect_bad_field("year", "2147483648");
	expect_bad_field("season", "-1");
	expect_bad_field("title", "5");
	expect_bad_field("item_id", "{}");
	expect_bad_field("item_id", "1.5");
	expect_bad_field("ids", "[\"603\"]");
	expect_bad_field("show_ids", "\"81189\"");
	expect_bad_field("item_ids", "\"1\"");
}

static void index_json_absent_values_are_not_warnings(void **state)
{
	(void)state;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_index *idx =
	    parse_ok("{\"k\": {\"type\": \"movie\", \"title\": null, \"year\": null, "
		     "\"progress_ms\": null, \"duration_ms\": 0, \"progress_percent\": null, "
		     "\"progress_at\": \"0001-01-01T00:00:00.0000000Z\", \"played\": null, "
		     "\"item_id\": \"\", \"ids\": null, \"show_ids\": {}, \"unknown\": [1]}}",
		     &w);
	const cwp_record *r = cwp_index_get(idx, "k");
	assert_non_null(r);
	assert_false(r->has_progress_ms || r->has_duration_ms || r->has_progress_percent ||
		     r->has_progress_at || r->has_played || r->has_year);
	assert_null(r->item_id);
	assert_int_equal(w.count, 0);
	cwp_index_free(idx);
	/* progress 0 is explicit (a clear), not absent */
	idx = parse_ok("{\"k\": {\"type\": \"movie\", \"progress_ms\": 0}}", &w);
	assert_true(cwp_index_get(idx, "k")->has_progress_ms);
	assert_int_equal_dec(cwp_index_get(idx, "k")->progress_ms, 0);
	cwp_index_free(idx);
	idx = parse_ok("{\"k\": {\"type\": \"movie\", \"progress_ms\": \"0\"}}", &w);
	assert_true(cwp_index_get(idx, "k")->has_progress_ms);
	cwp_index_free(idx);
	assert_int_equal(w.count, 0);
}

static void index_json_record_without_type_dropped(void **state)
{
	(void)state;
	msgs m = {.n = 0};
	cwp_warnings w = {0, sink, &m};
	cwp_index *idx =
	    parse_ok("{\"a\": {\"ids\": {\"tmdb\": \"1\"}}, \"b\": {\"type\": \"show\"},"
		     " \"c\": {\"type\": 2}, \"d\": 5, \"e\": null, \"f\": [1],"
		     " \"g\": {\"type\": \"movie\"}}",
		     &w);
	assert_int_equal(cwp_index_size(idx), 1);
	assert_non_null(cwp_index_get(idx, "g"));
	assert_int_equal(w.count, 6);
	assert_non_null(strstr(m.text[0], "record \"a\""));
	assert_non_null(strstr(m.text[0], "dropped"));
	assert_non_null(strstr(m.text[1], "\"show\""));
	assert_non_null(strstr(m.text[3], "record \"d\": not a JSON object; dropped"));
	cwp_index_free(idx);

	/* a JSON line that is valid JSON but not an object: dropped too */
	m.n = 0;
	w.count = 0;
	idx = parse_ok("{\"key\": \"x\", \"type\": \"movie\"}\n[1, 2]\n7\n", &w);
	assert_int_equal(cwp_index_size(idx), 1);
	assert_int_equal(w.count, 2);
	assert_non_null(strstr(m.text[0], "index JSON:2: record \"(no key)\": not a JSON object"));
	cwp_index_free(idx);
}

static void index_json_not_json_is_parse_error(void **state)
{
	(void)state;
	expect_parse_error("hello", "index JSON:1: not JSON: invalid value at byte 0");
	expect_parse_error("{", "not JSON: a missing member name at byte 1");
	expect_parse_error("{\"a\"", "missing ':'");
	expect_parse_error("{\"a\": }", "an unexpected character at byte 6");
	expect_parse_error("{\"a\": {\"type\": \"movie\"}", "end of the input inside the index");
	expect_parse_error("{\"a\": {\"type\": \"movie\"}} x", "content after the index object");
	expect_parse_error("{\"a\" {}}", "missing ':'");
	expect_parse_error("{\"a\": {}, }", "a missing member name after ','");
	expect_parse_error("{\"a\": {\"type\": \"mov", "unterminated string");
	expect_parse_error("{\"a\": {\"type\": [}}", "invalid record value");
	expect_parse_error("{\"a\": {\"type\": \"movie\",}}", "invalid record value at byte 6");
	expect_parse_error("{\"a\": tru}", "invalid record value");
	expect_parse_error("{\"a\": 12x}", "invalid record value");
	expect_parse_error("{\"a\": \"x\ny\"}", "control character");
	expect_parse_error("{\"a\": {\"type\": \"movie\"}\n \"b\": {}}", "missing ',' or '}'");
	/* JSON lines: the line number of the bad line */
	expect_parse_error(
	    "{\"key\": \"a\", \"type\": \"movie\"}\n\n{\"key\": \"b\", \"type\": }\n",
	    "index JSON:3: not JSON: invalid line at byte 31");
	expect_parse_error("{\"key\": \"a\", \"type\": \"movie\"},\n", "index JSON:1: not JSON");
}

static void index_json_not_an_index_is_parse_error(void **state)
{
	(void)state;
	const char *want = "not an index: the top-level value is";
	expect_parse_error("[]", "index JSON: not an index: the top-level value is an array");
	expect_parse_error("[{\"key\": \"tmdb:1\", \"type\": \"movie\"}]", want);
	expect_parse_error("42", "the top-level value is a number");
	expect_parse_error(" \"tmdb:1\"", "the top-level value is a string");
	expect_parse_error("null", "the top-level value is null");
	expect_parse_error("true", "the top-level value is a boolean");
}

static void index_json_load_errors_name_the_path(void **state)
{
	(void)state;
	cwp_index *idx = NULL;
	char *p = data_path("no-such-file.json");
	assert_int_equal(cwp_index_load(&idx, p, NULL), CWP_ENOTFOUND);
	assert_null(idx);
	assert_non_null(strstr(cwp_error_last(), p));

	p = data_path("array.json");
	assert_int_equal(cwp_index_load(&idx, p, NULL), CWP_EPARSE);
	assert_non_null(strstr(cwp_error_last(), p));
	assert_non_null(strstr(cwp_error_last(), "not an index: the top-level value is an array"));

	p = data_path("not_json.json");
	assert_int_equal(cwp_index_load(&idx, p, NULL), CWP_EPARSE);
	assert_non_null(strstr(cwp_error_last(), p));
	assert_non_null(strstr(cwp_error_last(), ":1: not JSON"));

	/* a truncated file: an error at its end, after a warned record */
	msgs m = {.n = 0};
	cwp_warnings w = {0, sink, &m};
	p = data_path("truncated.json");
	assert_int_equal(cwp_index_load(&idx, p, &w), CWP_EPARSE);
	assert_null(idx);
	assert_non_null(strstr(cwp_error_last(), ":5: not JSON: the end of the input inside"));
	assert_int_equal(w.count, 1);
	assert_non_null(strstr(m.text[0], p));
	assert_non_null(
	    strstr(m.text[0], ":2: record \"tmdb:603\": progress_ms: invalid value -5"));

	p = data_path("");
	assert_int_equal(cwp_index_load(&idx, p, NULL), CWP_EIO);
	assert_non_null(strstr(cwp_error_last(), "is a directory"));
}

static void index_json_load_empty_then_written_file(void **state)
{
	(void)state;
	char path[] = "/tmp/cwp_index_json_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_load(&idx, path, NULL), CWP_OK);
	assert_int_equal(cwp_index_size(idx), 0);
	cwp_index_free(idx);
	const char *text = "{\"key\": \"tmdb:1\", \"type\": \"movie\"}\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(cwp_index_load(&idx, path, NULL), CWP_OK);
	assert_int_equal(cwp_index_size(idx), 1);
	cwp_index_free(idx);
	unlink(path);
}

static void index_json_buffer_is_not_nul_terminated(void **state)
{
	(void)state;
	const char *full = "{\"tmdb:1\": {\"type\": \"movie\"}}GARBAGE";
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_parse(&idx, full, strlen(full) - 7, NULL), CWP_OK);
	assert_int_equal(cwp_index_size(idx), 1);
	cwp_index_free(idx);
	/* cut inside the value: an error, not a read past the end */
	char *heap = malloc(20);
	memcpy(heap, full, 20);
	assert_int_equal(cwp_index_parse(&idx, heap, 20, NULL), CWP_EPARSE);
	free(heap);
}

static void index_json_duplicate_keys_merge(void **state)
{
	(void)state;
	const char *texts[] = {
	    "{\"tmdb:1\": {\"type\": \"movie\", \"item_id\": \"2\", \"progress_ms\": 5},"
	    " \"tmdb:1\": {\"type\": \"movie\", \"item_id\": \"1\", \"progress_ms\": 9}}",
	    "{\"tmdb:1\": {\"type\": \"movie\", \"item_id\": \"1\", \"progress_ms\": 9},"
	    " \"tmdb:1\": {\"type\": \"movie\", \"item_id\": \"2\", \"progress_ms\": 5}}",
	    "{\"type\": \"movie\", \"ids\": {\"tmdb\": 1}, \"item_id\": \"2\", \"progress_ms\": "
	    "5}\n"
	    "{\"type\": \"movie\", \"ids\": {\"tmdb\": 1}, \"item_id\": \"1\", \"progress_ms\": "
	    "9}\n",
	};
	for (size_t i = 0; i < 3; i++) {
		cwp_index *idx = parse_ok(texts[i], NULL);
		assert_int_equal(cwp_index_size(idx), 1);
		assert_int_equal_dec(cwp_index_get(idx, "tmdb:1")->progress_ms, 9);
		const char *const *ids;
		assert_int_equal(cwp_index_item_ids(idx, "tmdb:1", &ids), 2);
		cwp_index_free(idx);
	}
}

/* ---- writing ---- */

static const char sample_object[] =
    "{\n"
    "  \"tmdb:603\": {\"type\":\"movie\",\"title\":\"The Matrix\",\"year\":1999,"
    "\"ids\":{\"tmdb\":\"603\",\"imdb\":\"tt0133093\"},\"show_ids\":{},\"season\":null,"
    "\"episode\":null,\"progress_ms\":6102177,\"duration_ms\":8889920,"
    "\"progress_percent\":null,\"progress_at\":\"2022-06-22T15:57:25.0000000Z\","
    "\"played\":false,\"item_id\":\"242837\"},\n"
    "  \"tvdb:81189#s00e03\": {\"type\":\"episode\",\"title\":\"Breaking Bad\",\"year\":null,"
    "\"ids\":{\"tvdb\":\"349232\"},\"show_ids\":{\"tvdb\":\"81189\"},\"season\":0,"
    "\"episode\":3,\"progress_ms\":null,\"duration_ms\":null,\"progress_percent\":12.5,"
    "\"progress_at\":null,\"played\":null,\"item_id\":null}\n"
    "}\n";

static const char sample_lines[] =
    "{\"key\":\"tmdb:603\",\"type\":\"movie\",\"title\":\"The Matrix\",\"year\":1999,"
    "\"ids\":{\"tmdb\":\"603\",\"imdb\":\"tt0133093\"},\"show_ids\":{},\"season\":null,"
    "\"episode\":null,\"progress_ms\":6102177,\"duration_ms\":8889920,"
    "\"progress_percent\":null,\"progress_at\":\"2022-06-22T15:57:25.0000000Z\","
    "\"played\":false,\"item_id\":\"242837\"}\n"
    "{\"key\":\"tvdb:81189#s00e03\",\"type\":\"episode\",\"title\":\"Breaking Bad\","
    "\"year\":null,\"ids\":{\"tvdb\":\"349232\"},\"show_ids\":{\"tvdb\":\"81189\"},"
    "\"season\":0,\"episode\":3,\"progress_ms\":null,\"duration_ms\":null,"
    "\"progress_percent\":12.5,\"progress_at\":null,\"played\":null,\"item_id\":null}\n";

static void index_json_write_exact_bytes(void **state)
{
	(void)state;
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_load(&idx, data_path("sample.json"), NULL), CWP_OK);
	char *obj = write_str(idx, 0), *lines = write_str(idx, CWP_INDEX_JSONL);
	assert_string_equal(obj, sample_object);
	assert_string_equal(lines, sample_lines);
	free(obj);
	free(lines);
	cwp_index_free(idx);

	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	obj = write_str(idx, 0);
	lines = write_str(idx, CWP_INDEX_JSONL);
	assert_string_equal(obj, "{}\n");
	assert_string_equal(lines, "");
	free(obj);
	free(lines);
	cwp_index_free(idx);
}

/* An index with awkward values for the round trips. */
static cwp_index *awkward_index(void)
{
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	cwp_record a = {0};
	a.type = CWP_TYPE_MOVIE;
	a.title =
	    "Quote \" backslash \\ tab \t nl \n ctrl \x01 del \x7f utf8 \xc3\xa9 \xe2\x80\x94";
	a.ids[CWP_ID_IMDB] = "tt0000001";
	a.item_id = "b";
	a.progress_ms = INT64_C(9007199254740993); /* above 2^53: written as a string */
	a.has_progress_ms = true;
	a.duration_ms = INT64_MAX;
	a.has_duration_ms = true;
	a.progress_percent = 100.0 / 3.0;
	a.has_progress_percent = true;
	a.progress_at = INT64_C(-62135596799000) + 1;
	a.has_progress_at = true;
	a.played = true;
	a.has_played = true;
	assert_int_equal(cwp_index_put(idx, &a), CWP_OK);
	a.item_id = "a"; /* a second version, not preferred over... the smaller id wins */
	assert_int_equal(cwp_index_put(idx, &a), CWP_OK);
	a.item_id = "c";
	assert_int_equal(cwp_index_put(idx, &a), CWP_OK);
	cwp_record b = {0};
	b.type = CWP_TYPE_EPISODE;
	b.title = "Show";
	b.has_season = b.has_episode = true;
	b.season = 0;
	b.episode = 0;
	b.progress_percent = 0.1;
	b.has_progress_percent = true;
	assert_int_equal(cwp_index_put(idx, &b), CWP_OK);
	cwp_record c = {0};
	c.type = CWP_TYPE_MOVIE;
	c.key = "given|key with \"quotes\"";
	for (int k = 0; k < CWP_ID_COUNT; k++) {
		c.ids[k] = k == CWP_ID_IMDB ? "tt42" : "42";
		c.show_ids[k] = k == CWP_ID_IMDB ? "tt7" : "7";
	}
	c.progress_ms = 0;
	c.has_progress_ms = true;
	assert_int_equal(cwp_index_put(idx, &c), CWP_OK);
	return idx;
}

static void index_json_round_trip_identical_bytes(void **state)
{
	(void)state;
	cwp_index *idx = awkward_index();
	for (unsigned flags = 0; flags <= CWP_INDEX_JSONL; flags++) {
		cwp_warnings w = CWP_WARNINGS_INIT;
		char *first = write_str(idx, flags);
		cwp_index *back = parse_ok(first, &w);
		assert_int_equal(w.count, 0);
		assert_int_equal(cwp_index_size(back), cwp_index_size(idx));
		char *second = write_str(back, flags);
		assert_string_equal(first, second);
		/* and the other form of the re-read index matches too */
		char *other1 = write_str(idx, flags ^ CWP_INDEX_JSONL);
		char *other2 = write_str(back, flags ^ CWP_INDEX_JSONL);
		assert_string_equal(other1, other2);
		const char *const *ids;
		assert_int_equal(cwp_index_item_ids(back, "imdb:tt0000001", &ids), 3);
		assert_string_equal(cwp_index_get(back, "imdb:tt0000001")->item_id, "a");
		assert_int_equal_dec(cwp_index_get(back, "imdb:tt0000001")->progress_ms,
				     INT64_C(9007199254740993));
		assert_true(cwp_index_get(back, "imdb:tt0000001")->progress_percent == 100.0 / 3.0);
		free(first);
		free(second);
		free(other1);
		free(other2);
		cwp_index_free(back);
	}
	cwp_index_free(idx);
}

static void record_to_json_matches_the_writer(void **state)
{
	(void)state;
	cwp_index *idx = awkward_index();
	for (size_t i = 0; i < cwp_index_size(idx); i++) {
		const cwp_record *r = cwp_index_at(idx, i);
		cJSON *j = cwp_record_to_json(r);
		assert_non_null(j);
		assert_null(cJSON_GetObjectItemCaseSensitive(j, "key"));
		/* put it back: same record, so the writer prints the same line */
		cwp_index *one = NULL;
		assert_int_equal(cwp_index_new(&one), CWP_OK);
		cwp_warnings w = CWP_WARNINGS_INIT;
		assert_int_equal(cwp_index_put_json(one, r->key, j, &w), CWP_OK);
		assert_int_equal(w.count, 0);
		const cwp_record *back = cwp_index_get(one, r->key);
		assert_non_null(back);
		assert_int_equal(cwp_record_prefer(r, back), 0);
		cJSON_Delete(j);
		cwp_index_free(one);
	}
	cwp_index_free(idx);
	assert_null(cwp_record_to_json(NULL));
}

static void put_json_direct_computes_key_and_reports_drops(void **state)
{
	(void)state;
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	cJSON *o =
	    cwp_json_parse_str("{\"type\": \"movie\", \"title\": \"Alien\", \"year\": 1979}");
	cwp_warnings w = CWP_WARNINGS_INIT;
	assert_int_equal(cwp_index_put_json(idx, NULL, o, &w), CWP_OK);
	assert_non_null(cwp_index_get(idx, "movie|title:alien|year:1979"));
	assert_int_equal(cwp_index_put_json(idx, "", o, &w), CWP_OK); /* empty key: computed */
	assert_int_equal(w.count, 1);
	cJSON_Delete(o);
	o = cwp_json_parse_str("{\"title\": \"no type\"}");
	assert_int_equal(cwp_index_put_json(idx, "k", o, &w), CWP_EINVAL);
	assert_int_equal(w.count, 2);
	assert_int_equal(cwp_index_put_json(idx, "k", NULL, &w), CWP_EINVAL);
	assert_int_equal(w.count, 3);
	cJSON_Delete(o);
	/* no key, and the computed one would not fit: dropped, not truncated */
	char title[700];
	memset(title, 'a', sizeof(title) - 1);
	title[sizeof(title) - 1] = '\0';
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "movie");
	cJSON_AddStringToObject(o, "title", title);
	msgs m = {.n = 0};
	cwp_warnings w2 = {0, sink, &m};
	assert_int_equal(cwp_index_put_json(idx, NULL, o, &w2), CWP_EINVAL);
	assert_int_equal(w2.count, 1);
	assert_non_null(strstr(m.text[0], "would be longer than 511 bytes; dropped"));
	/* a given key of any length is kept as it is */
	assert_int_equal(cwp_index_put_json(idx, title, o, &w2), CWP_OK);
	assert_non_null(cwp_index_get(idx, title));
	assert_int_equal(cwp_index_size(idx), 2);
	cJSON_Delete(o);
	cwp_index_free(idx);
}

static void index_json_many_records_both_forms(void **state)
{
	(void)state;
	cwp_index *idx = NULL;
	assert_int_equal(cwp_index_new(&idx), CWP_OK);
	for (unsigned i = 0; i < 30000; i++) {
		char tmdb[16], item[16];
		snprintf(tmdb, sizeof(tmdb), "%u", (i * 7919u) % 30000u + 1u);
		snprintf(item, sizeof(item), "%u", i);
		cwp_record r = {0};
		r.type = i % 3 ? CWP_TYPE_MOVIE : CWP_TYPE_EPISODE;
		r.has_season = r.has_episode = true;
		r.season = (int32_t)(i % 5);
		r.episode = (int32_t)(i % 17);
		r.ids[CWP_ID_TMDB] = tmdb;
		r.show_ids[CWP_ID_TVDB] = tmdb;
		r.item_id = item;
		r.progress_ms = i;
		r.has_progress_ms = true;
		assert_int_equal(cwp_index_put(idx, &r), CWP_OK);
	}
	for (unsigned flags = 0; flags <= CWP_INDEX_JSONL; flags++) {
		char *text = write_str(idx, flags);
		cwp_index *back = parse_ok(text, NULL);
		assert_int_equal(cwp_index_size(back), cwp_index_size(idx));
		char *again = write_str(back, flags);
		assert_string_equal(text, again);
		free(text);
		free(again);
		cwp_index_free(back);
	}
	cwp_index_free(idx);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(index_json_object_form_every_field),
    cmocka_unit_test(index_json_lines_form_detected),
    cmocka_unit_test(index_json_keys_named_like_fields_stay_object_form),
    cmocka_unit_test(index_json_empty_inputs_are_empty_indexes),
    cmocka_unit_test(index_json_ids_names_and_values),
    cmocka_unit_test(index_json_numeric_strings_accepted),
    cmocka_unit_test(index_json_bad_field_absent_with_warning),
    cmocka_unit_test(index_json_absent_values_are_not_warnings),
    cmocka_unit_test(index_json_record_without_type_dropped),
    cmocka_unit_test(index_json_not_json_is_parse_error),
    cmocka_unit_test(index_json_not_an_index_is_parse_error),
    cmocka_unit_test(index_json_load_errors_name_the_path),
    cmocka_unit_test(index_json_load_empty_then_written_file),
    cmocka_unit_test(index_json_buffer_is_not_nul_terminated),
    cmocka_unit_test(index_json_duplicate_keys_merge),
    cmocka_unit_test(index_json_write_exact_bytes),
    cmocka_unit_test(index_json_round_trip_identical_bytes),
    cmocka_unit_test(record_to_json_matches_the_writer),
    cmocka_unit_test(put_json_direct_computes_key_and_reports_drops),
    cmocka_unit_test(index_json_many_records_both_forms),
};

CWP_TEST_MAIN(tests)
