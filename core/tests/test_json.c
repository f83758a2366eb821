/* cwp/json.h: cJSON's parser behind one lock, so that threads may parse at
 * once. The thread case is the one that matters under ThreadSanitizer (the
 * `tsan` preset builds cJSON from source, instrumented): without the lock,
 * cJSON 1.7.15's static global_error is written by every parse and TSan
 * reports the race. */
#include "cwp_test.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp/json.h"

static void json_parse_reads_exactly_len_bytes(void **state)
{
	(void)state;
	const char buf[] = "[1,2]trailing";
	cJSON *v = cwp_json_parse(buf, 5);
	assert_true(cJSON_IsArray(v));
	assert_int_equal(cJSON_GetArraySize(v), 2);
	cJSON_Delete(v);
	assert_null(cwp_json_parse(buf, 4));      /* cut inside the value */
	v = cwp_json_parse(buf, sizeof(buf) - 1); /* bytes after the value: as cJSON */
	assert_int_equal(cJSON_GetArraySize(v), 2);
	cJSON_Delete(v);
	assert_null(cwp_json_parse(NULL, 0));
}

static void json_parse_opts_sets_end_after_the_value(void **state)
{
	(void)state;
	const char buf[] = "{\"a\":1} {\"b\":2}";
	const char *end = NULL;
	cJSON *v = cwp_json_parse_opts(buf, sizeof(buf) - 1, &end, false);
	assert_non_null(v);
	assert_ptr_equal(end, buf + 7);
	cJSON_Delete(v);
	assert_null(cwp_json_parse_opts(buf, sizeof(buf), &end, true));
}

static void json_parse_str_reads_a_c_string(void **state)
{
	(void)state;
	cJSON *v = cwp_json_parse_str("{\"k\":\"v\"}");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(v, "k")->valuestring, "v");
	cJSON_Delete(v);
	assert_null(cwp_json_parse_str("{"));
	assert_null(cwp_json_parse_str(NULL));
}

enum { THREADS = 4, ROUNDS = 2000 };

/* Each thread parses good and bad inputs (a refused parse writes cJSON's
 * error position too) and counts what came out wrong. */
static void *parse_many(void *arg)
{
	int *wrong = arg;
	for (int i = 0; i < ROUNDS; i++) {
		cJSON *v = cwp_json_parse_str("{\"PlaybackPositionTicks\":36000000000}");
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "PlaybackPositionTicks")))
			(*wrong)++;
		cJSON_Delete(v);
		if (cwp_json_parse("{\"a\":", 5))
			(*wrong)++;
	}
	return NULL;
}

static void json_parse_on_many_threads_at_once(void **state)
{
	(void)state;
	pthread_t th[THREADS];
	int wrong[THREADS] = {0};
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, parse_many, &wrong[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal_dec(wrong[i], 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_parse_reads_exactly_len_bytes),
	    cmocka_unit_test(json_parse_opts_sets_end_after_the_value),
	    cmocka_unit_test(json_parse_str_reads_a_c_string),
	    cmocka_unit_test(json_parse_on_many_threads_at_once),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
