/* Fuzz target: the pair configuration (SPEC §3, CFG-01, CFG-02),
 * cwp_config_parse, cwp_config_from_json and cwp_config_to_json.
 *
 * The input is read as a whole pair configuration, and (when it is JSON) also
 * as the body of features.progress, which reaches the per-key checks without
 * the fuzzer having to invent the wrapper. Checks: an accepted configuration
 * has every value in its SPEC range; a refused one leaves *out untouched and
 * sets a message; to_json → parse gives the same configuration back, with no
 * warning; parsing is deterministic. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/config.h"
#include "fuzz_util.h"

static void check_bool_byte(const bool *b, const char *name)
{
	unsigned char c;
	memcpy(&c, b, 1);
	FUZZ_CHECK(c <= 1, "%s holds the byte %u", name, c);
}

static void check_ranges(const cwp_config *c)
{
	check_bool_byte(&c->enable, "enable");
	check_bool_byte(&c->add, "add");
	check_bool_byte(&c->remove, "remove");
	check_bool_byte(&c->replay_enabled, "replay_enabled");
	check_bool_byte(&c->propagate_timestamp_updates, "propagate_timestamp_updates");
	FUZZ_CHECK(c->min_seconds >= 0, "min_seconds %lld", (long long)c->min_seconds);
	FUZZ_CHECK(c->delta_seconds >= 0, "delta_seconds %lld", (long long)c->delta_seconds);
	FUZZ_CHECK(c->max_percent >= 0 && c->max_percent <= 100, "max_percent %.17g",
		   c->max_percent);
	FUZZ_CHECK(c->max_percent_min_duration_seconds >= 0, "max_percent_min_duration %lld",
		   (long long)c->max_percent_min_duration_seconds);
	FUZZ_CHECK(c->timestamp_tolerance_seconds >= 0 && c->timestamp_tolerance_seconds <= 300,
		   "timestamp_tolerance_seconds %lld", (long long)c->timestamp_tolerance_seconds);
	FUZZ_CHECK(c->mode == CWP_MODE_ONE_WAY || c->mode == CWP_MODE_TWO_WAY, "mode %d",
		   (int)c->mode);
	FUZZ_CHECK(c->source_of_truth == CWP_TRUTH_SOURCE ||
		       c->source_of_truth == CWP_TRUTH_DESTINATION,
		   "source_of_truth %d", (int)c->source_of_truth);
}

static int same_config(const cwp_config *a, const cwp_config *b)
{
	return a->enable == b->enable && a->add == b->add && a->remove == b->remove &&
	       a->min_seconds == b->min_seconds && a->delta_seconds == b->delta_seconds &&
	       a->max_percent == b->max_percent &&
	       a->max_percent_min_duration_seconds == b->max_percent_min_duration_seconds &&
	       a->timestamp_tolerance_seconds == b->timestamp_tolerance_seconds &&
	       a->replay_enabled == b->replay_enabled &&
	       a->propagate_timestamp_updates == b->propagate_timestamp_updates &&
	       a->mode == b->mode && a->source_of_truth == b->source_of_truth;
}

/* to_json → text → parse must give the same configuration and no warning. */
static void check_round_trip(const cwp_config *cfg)
{
	cwp_config back = CWP_CONFIG_INIT;
	cwp_warnings w = CWP_WARNINGS_INIT;
	cJSON *j = cwp_config_to_json(cfg);
	char *text, *text2;
	int rc;

	FUZZ_CHECK(j != NULL, "cwp_config_to_json returned NULL");
	text = cJSON_PrintUnformatted(j);
	FUZZ_CHECK(text != NULL, "cannot print the config JSON");
	rc = cwp_config_parse(&back, text, strlen(text), &w);
	FUZZ_CHECK(rc == CWP_OK, "own config JSON refused (%d: %s): %s", rc, cwp_error_last(),
		   text);
	FUZZ_CHECK(w.count == 0, "own config JSON gave %zu warnings: %s", w.count, text);
	FUZZ_CHECK(same_config(cfg, &back), "config changed in a round trip: %s", text);
	cJSON_Delete(j);

	j = cwp_config_to_json(&back);
	FUZZ_CHECK(j != NULL, "cwp_config_to_json returned NULL");
	text2 = cJSON_PrintUnformatted(j);
	FUZZ_CHECK(text2 && strcmp(text, text2) == 0, "config JSON not stable: %s vs %s", text,
		   text2 ? text2 : "(null)");
	cJSON_free(text2);
	cJSON_free(text);
	cJSON_Delete(j);
}

static void check_result(int rc, const cwp_config *cfg, const cwp_config *before)
{
	FUZZ_CHECK(rc <= 0, "config read returned %d", rc);
	if (rc == CWP_OK) {
		check_ranges(cfg);
		check_round_trip(cfg);
	} else {
		FUZZ_CHECK(memcmp(cfg, before, sizeof(*cfg)) == 0,
			   "a refused configuration (%d) changed *out", rc);
		FUZZ_CHECK(cwp_error_last()[0] != '\0',
			   "a refused configuration (%d) has no message", rc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cwp_config cfg, before, again;
	cwp_warnings w = CWP_WARNINGS_INIT, w2 = CWP_WARNINGS_INIT;
	cJSON *root, *wrapper, *features;
	int rc, rc2;

	/* A pattern that no valid configuration has, so "untouched" is visible. */
	memset(&cfg, 0x5a, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	memcpy(&again, &cfg, sizeof(cfg));
	cwp_error_clear();
	rc = cwp_config_parse(&cfg, (const char *)data, size, &w);
	check_result(rc, &cfg, &before);

	/* Deterministic: the same text, the same outcome and warnings. */
	rc2 = cwp_config_parse(&again, (const char *)data, size, &w2);
	FUZZ_CHECK(rc == rc2 && w.count == w2.count && (rc != CWP_OK || same_config(&cfg, &again)),
		   "two parses of one text differ (%d/%d)", rc, rc2);

	/* The input as the progress section itself. */
	root = cwp_json_parse((const char *)data, size);
	if (!root)
		return 0;
	wrapper = cJSON_CreateObject();
	features = cJSON_AddObjectToObject(wrapper, "features");
	if (!wrapper || !features) {
		cJSON_Delete(root);
		cJSON_Delete(wrapper);
		return 0;
	}
	cJSON_AddItemToObject(features, "progress", root);
	memset(&cfg, 0x5a, sizeof(cfg));
	cwp_error_clear();
	rc = cwp_config_from_json(&cfg, wrapper, NULL);
	check_result(rc, &cfg, &before);
	cJSON_Delete(wrapper);
	return 0;
}
