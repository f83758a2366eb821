/* Plan JSON (CLI-02, PLAN-05): emit, stream, parse; parse → emit → parse is
 * the identity, over the plans of every planner vector. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "cwp/cwp.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		size_t got = fread(buf, 1, (size_t)n, f);
		buf[got] = '\0';
	}
	fclose(f);
	return buf;
}

static char *print_plan(const cwp_plan *p)
{
	cJSON *j = cwp_plan_to_json(p);
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!s)
		fail_msg("cannot print a plan");
	return s;
}

/* The plan of one vector file; NULL for config-error vectors. */
static cwp_plan *vector_plan(const char *path, cwp_index **src, cwp_index **dst)
{
	char *text = slurp(path);
	cJSON *v = text ? cwp_json_parse_str(text) : NULL;
	cwp_config cfg = CWP_CONFIG_INIT;
	cwp_plan *p = NULL;

	free(text);
	if (!v)
		fail_msg("%s: not JSON", path);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "config");
	if (cJSON_GetObjectItemCaseSensitive(v, "expected_error") ||
	    (c && cwp_config_from_json(&cfg, c, NULL) != 0)) {
		cJSON_Delete(v);
		return NULL;
	}
	if (cwp_plan_input_index(src, cJSON_GetObjectItemCaseSensitive(v, "source"), "source",
				 NULL) != 0 ||
	    cwp_plan_input_index(dst, cJSON_GetObjectItemCaseSensitive(v, "destination"),
				 "destination", NULL) != 0 ||
	    cwp_plan_new(&p, *src, *dst, &cfg) != 0)
		fail_msg("%s: %s", path, cwp_error_last());
	cJSON_Delete(v);
	return p;
}

static void each_vector(void (*fn)(const char *path, void *ud), void *ud)
{
	char dir[4096];
	const char *root = getenv("CWP_SOURCE_DIR");
	snprintf(dir, sizeof(dir), "%s/conformance/vectors/planner", root ? root : CWP_SOURCE_DIR);
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path, ud);
		n++;
	}
	closedir(d);
	if (n < 50)
		fail_msg("only %u planner vectors found in %s", n, dir);
}

static void roundtrip_one(const char *path, void *ud)
{
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *p = vector_plan(path, &src, &dst), *q = NULL, *r = NULL;
	(void)ud;
	if (!p)
		return;
	char *a = print_plan(p);
	if (cwp_plan_parse(&q, a, strlen(a), NULL) != 0)
		fail_msg("%s: own plan JSON refused: %s", path, cwp_error_last());
	char *b = print_plan(q);
	if (cwp_plan_parse(&r, b, strlen(b), NULL) != 0)
		fail_msg("%s: re-emitted plan JSON refused: %s", path, cwp_error_last());
	char *c = print_plan(r);
	if (strcmp(a, b))
		fail_msg("%s: emit(parse(plan)) differs from the plan:\n  %s\n  %s", path, a, b);
	if (strcmp(b, c))
		fail_msg("%s: parse -> emit -> parse is not the identity:\n  %s\n  %s", path, b, c);
	assert_int_equal_dec(cwp_plan_size(q), cwp_plan_size(p));
	assert_int_equal(cwp_plan_disabled(q), cwp_plan_disabled(p));
	cJSON_free(a);
	cJSON_free(b);
	cJSON_free(c);
	cwp_plan_free(p);
	cwp_plan_free(q);
	cwp_plan_free(r);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void plan_json_roundtrip_over_all_vectors(void **state)
{
	(void)state;
	each_vector(roundtrip_one, NULL);
}

/* PLAN-05: the same inputs give the same bytes, twice over. */
static void deterministic_one(const char *path, void *ud)
{
	cwp_index *s1 = NULL, *d1 = NULL, *s2 = NULL, *d2 = NULL;
	cwp_plan *p = vector_plan(path, &s1, &d1), *q;
	(void)ud;
	if (!p)
		return;
	q = vector_plan(path, &s2, &d2);
	char *a = print_plan(p), *b = print_plan(q);
	if (strcmp(a, b))
		fail_msg("%s: two plans of the same input differ", path);
	cJSON_free(a);
	cJSON_free(b);
	cwp_plan_free(p);
	cwp_plan_free(q);
	cwp_index_free(s1);
	cwp_index_free(d1);
	cwp_index_free(s2);
	cwp_index_free(d2);
}

static void plan_json_is_deterministic(void **state)
{
	(void)state;
	each_vector(deterministic_one, NULL);
}

/* The streamed form has the same content as the tree. */
static void stream_one(const char *path, void *ud)
{
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *p = vector_plan(path, &src, &dst);
	char *buf = NULL;
	size_t len = 0;
	(void)ud;
	if (!p)
		return;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cwp_plan_write_json(p, f), 0);
	fclose(f);
	cJSON *streamed = cwp_json_parse(buf, len);
	cJSON *tree = cwp_plan_to_json(p);
	if (!streamed || !cJSON_Compare(streamed, tree, true))
		fail_msg("%s: cwp_plan_write_json and cwp_plan_to_json differ:\n%s", path, buf);
	assert_true(len > 0 && buf[len - 1] == '\n');
	cJSON_Delete(streamed);
	cJSON_Delete(tree);
	free(buf);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void plan_json_stream_equals_tree(void **state)
{
	(void)state;
	each_vector(stream_one, NULL);
}

static void plan_json_summary_and_shape(void **state)
{
	(void)state;
	const char *idx = "{\"tmdb:1\": {\"type\": \"movie\", \"ids\": {\"tmdb\": \"1\"},"
			  " \"progress_ms\": 600000},"
			  " \"tmdb:2\": {\"type\": \"movie\", \"ids\": {\"tmdb\": \"2\"},"
			  " \"progress_ms\": 1000}}";
	cJSON *j = cwp_json_parse_str(idx);
	cwp_index *src = NULL, *dst = NULL;
	cwp_config cfg = CWP_CONFIG_INIT;
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_input_index(&src, j, "source", NULL), 0);
	assert_int_equal(cwp_index_new(&dst), 0);
	assert_int_equal(cwp_plan_new(&p, src, dst, &cfg), 0);
	char *s = print_plan(p);
	assert_non_null(
	    strstr(s, "\"mode\":\"one-way\",\"disabled\":false,\"summary\":{\"decisions\":2,"
		      "\"upserts\":1,\"clears\":0,\"skips\":1,\"by_reason\":{"
		      "\"destination_missing\":1,\"below_min\":1}}"));
	assert_non_null(strstr(s, "{\"key\":\"tmdb:1\",\"direction\":\"forward\",\"action\":"
				  "\"upsert\",\"reason\":\"destination_missing\",\"source\":{"));
	assert_non_null(strstr(s, "\"destination\":null}"));
	cJSON_free(s);
	cJSON_Delete(j);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

static void plan_json_parse_minimal_decision(void **state)
{
	(void)state;
	const char *t = "{\"decisions\": [{\"key\": \"k\", \"action\": \"skip\", \"reason\": "
			"\"below_min\"}, {\"key\": \"tmdb:1\", \"destination_key\": \"imdb:tt1\","
			" \"direction\": \"backward\", \"action\": \"clear\", \"reason\":"
			" \"explicit_zero\", \"source\": {\"type\": \"movie\", \"progress_ms\": 0},"
			" \"destination\": {\"type\": \"movie\", \"progress_ms\": 5000}}]}";
	cwp_plan *p = NULL;
	assert_int_equal(cwp_plan_parse(&p, t, strlen(t), NULL), 0);
	assert_int_equal_dec(cwp_plan_size(p), 2);
	assert_false(cwp_plan_disabled(p));
	const cwp_decision *a = cwp_plan_at(p, 0), *b = cwp_plan_at(p, 1);
	assert_string_equal(a->src->key, "k");
	assert_null(a->dst);
	assert_int_equal(a->reason, CWP_REASON_BELOW_MIN);
	assert_int_equal(a->direction, CWP_DIR_FORWARD);
	assert_string_equal(b->src->key, "tmdb:1");
	assert_string_equal(b->dst->key, "imdb:tt1");
	assert_int_equal(b->direction, CWP_DIR_BACKWARD);
	assert_int_equal(b->action, CWP_ACTION_CLEAR);
	assert_true(b->src->has_progress_ms && b->src->progress_ms == 0);
	assert_true(b->dst->has_progress_ms && b->dst->progress_ms == 5000);
	cwp_plan_summary s;
	cwp_plan_summarize(p, &s);
	assert_int_equal_dec(s.clears, 1);
	assert_int_equal_dec(s.skips, 1);
	cwp_plan_free(p);
}

static void plan_json_parse_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"decisions\": [",
	    "[]",
	    "{\"mode\": \"one-way\"}",
	    "{\"decisions\": {}}",
	    "{\"mode\": \"both\", \"decisions\": []}",
	    "{\"disabled\": \"no\", \"decisions\": []}",
	    "{\"decisions\": [5]}",
	    "{\"decisions\": [{\"action\": \"skip\", \"reason\": \"below_min\"}]}",
	    "{\"decisions\": [{\"key\": \"\", \"action\": \"skip\", \"reason\": \"below_min\"}]}",
	    "{\"decisions\": [{\"key\": \"k\", \"action\": \"delete\", \"reason\": "
	    "\"below_min\"}]}",
	    "{\"decisions\": [{\"key\": \"k\", \"action\": \"skip\", \"reason\": \"because\"}]}",
	    "{\"decisions\": [{\"key\": \"k\", \"direction\": \"up\", \"action\": \"skip\", "
	    "\"reason\": \"below_min\"}]}",
	    "{\"decisions\": [{\"key\": \"k\", \"action\": \"skip\", \"reason\": \"below_min\", "
	    "\"source\": 7}]}",
	    "{\"decisions\": [{\"key\": \"k\", \"action\": \"skip\", \"reason\": \"below_min\", "
	    "\"destination\": []}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cwp_plan *p = NULL;
		int rc = cwp_plan_parse(&p, bad[i], strlen(bad[i]), NULL);
		if (rc != CWP_EPARSE)
			fail_msg("accepted (%d): %s", rc, bad[i]);
		assert_null(p);
		assert_true(cwp_error_last()[0] != '\0');
	}
}

static void plan_input_index_forms(void **state)
{
	(void)state;
	cwp_index *idx = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cJSON *n = cJSON_CreateNumber(3);
	assert_int_equal(cwp_plan_input_index(&idx, n, "source", NULL), CWP_EPARSE);
	assert_non_null(strstr(cwp_error_last(), "source"));
	assert_int_equal(cwp_plan_input_index(&idx, NULL, "source", NULL), CWP_EPARSE);
	cJSON_Delete(n);
	/* array form: computed keys, KEY-07 merge, a dropped record warns */
	cJSON *a = cwp_json_parse_str(
	    "[{\"type\": \"movie\", \"ids\": {\"tmdb\": \"7\"}, \"progress_ms\": 1},"
	    " {\"type\": \"movie\", \"ids\": {\"tmdb\": \"7\"}, \"progress_ms\": 2},"
	    " {\"key\": \"x:1\", \"type\": \"movie\", \"progress_ms\": 3},"
	    " {\"type\": \"song\"}, 5]");
	assert_int_equal(cwp_plan_input_index(&idx, a, "source", &w), 0);
	assert_int_equal_dec(cwp_index_size(idx), 2);
	assert_int_equal_dec(cwp_index_get(idx, "tmdb:7")->progress_ms, 2);
	assert_non_null(cwp_index_get(idx, "x:1"));
	assert_int_equal_dec(w.count, 2);
	cwp_index_free(idx);
	cJSON_Delete(a);
}

/* What cwp_plan_write_json printed when it printed cJSON trees: the header,
 * cJSON's summary, then each decision as cJSON prints it, one per line. */
static char *cjson_reference(const cwp_plan *p, size_t *len)
{
	cJSON *tree = cwp_plan_to_json(p);
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	assert_non_null(tree);
	assert_non_null(f);
	char *sum = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(tree, "summary"));
	fprintf(f, "{\"mode\":\"%s\",\"disabled\":%s,\"summary\":%s,\"decisions\":[",
		cJSON_GetObjectItemCaseSensitive(tree, "mode")->valuestring,
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tree, "disabled")) ? "true" : "false",
		sum);
	cJSON_free(sum);
	const cJSON *d;
	int i = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(tree, "decisions"))
	{
		char *s = cJSON_PrintUnformatted(d);
		fprintf(f, "%s%s", i++ ? ",\n" : "\n", s);
		cJSON_free(s);
	}
	fputs(i ? "\n]}\n" : "]}\n", f);
	fclose(f);
	cJSON_Delete(tree);
	return out;
}

static void assert_cjson_bytes(const cwp_plan *p, const char *what)
{
	char *buf = NULL, *ref;
	size_t len = 0, rlen = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cwp_plan_write_json(p, f), 0);
	fclose(f);
	ref = cjson_reference(p, &rlen);
	if (len != rlen || memcmp(buf, ref, len) != 0) {
		size_t k = 0;
		while (k < len && k < rlen && buf[k] == ref[k])
			k++;
		fail_msg("%s: streamed plan JSON differs from cJSON's bytes at %zu:\n  got %.80s\n"
			 "  cJSON %.80s",
			 what, k, buf + k, ref + k);
	}
	free(buf);
	free(ref);
}

static void stream_bytes_one(const char *path, void *ud)
{
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *p = vector_plan(path, &src, &dst);
	(void)ud;
	if (!p)
		return;
	assert_cjson_bytes(p, path);
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
}

/* Same bytes as before the writer stopped building cJSON trees: every
 * vector, and numbers and strings where cJSON's printing is particular. */
static void plan_json_stream_bytes_are_cjson_bytes(void **state)
{
	(void)state;
	each_vector(stream_bytes_one, NULL);
	const char *idx =
	    "{\"tmdb:1\": {\"type\": \"movie\", \"ids\": {\"tmdb\": \"1\"}, \"title\": "
	    "\"Q\\\"uote \\\\ tab\\t nl\\n \\u0001 caf\\u00e9\", \"progress_ms\": "
	    "1000000000000000, \"duration_ms\": 3000000000, \"progress_percent\": "
	    "68.64153992274396},"
	    " \"tmdb:2\": {\"type\": \"movie\", \"ids\": {\"tmdb\": \"2\"}, \"progress_ms\": "
	    "\"9007199254740993\", \"year\": 1999, \"progress_percent\": 33.333333333333336},"
	    " \"tmdb:3\": {\"type\": \"episode\", \"ids\": {\"tvdb\": \"3\"}, \"season\": 0,"
	    " \"episode\": 2, \"progress_ms\": 1234567890123456, \"duration_ms\": 2147483648,"
	    " \"progress_percent\": 0.1, \"played\": true, \"progress_at\": "
	    "\"2024-03-01T20:15:00.123Z\", \"item_id\": \"42\"}}";
	cJSON *j = cwp_json_parse_str(idx);
	cwp_index *src = NULL, *dst = NULL;
	cwp_config cfg = CWP_CONFIG_INIT;
	cwp_plan *p = NULL;
	assert_non_null(j);
	assert_int_equal(cwp_plan_input_index(&src, j, "source", NULL), 0);
	assert_int_equal(cwp_plan_input_index(&dst, j, "destination", NULL), 0);
	assert_int_equal(cwp_plan_new(&p, src, dst, &cfg), 0);
	assert_cjson_bytes(p, "extreme values");
	cwp_plan_free(p);
	cwp_index_free(src);
	cwp_index_free(dst);
	cJSON_Delete(j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(plan_json_roundtrip_over_all_vectors),
    cmocka_unit_test(plan_json_is_deterministic),
    cmocka_unit_test(plan_json_stream_equals_tree),
    cmocka_unit_test(plan_json_stream_bytes_are_cjson_bytes),
    cmocka_unit_test(plan_json_summary_and_shape),
    cmocka_unit_test(plan_json_parse_minimal_decision),
    cmocka_unit_test(plan_json_parse_rejects_malformed),
    cmocka_unit_test(plan_input_index_forms),
};

CWP_TEST_MAIN(tests)
