/* The progress feature's configuration (SPEC §3, CFG-01, CFG-02). */
#ifndef CWP_CONFIG_H
#define CWP_CONFIG_H

#include "cwp/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

typedef enum cwp_mode { CWP_MODE_ONE_WAY = 0, CWP_MODE_TWO_WAY = 1 } cwp_mode;
typedef enum cwp_truth { CWP_TRUTH_SOURCE = 0, CWP_TRUTH_DESTINATION = 1 } cwp_truth;

typedef struct cwp_config {
	bool enable;
	bool add;
	bool remove;
	int64_t min_seconds;
	int64_t delta_seconds;
	double max_percent;
	int64_t max_percent_min_duration_seconds;
	int64_t timestamp_tolerance_seconds;
	bool replay_enabled;
	bool propagate_timestamp_updates;
	cwp_mode mode;
	cwp_truth source_of_truth;
} cwp_config;

#define CWP_CONFIG_INIT                                                                 \
	{                                                                               \
		true, true, false, 60, 30, 95.0, 0, 30, false, false, CWP_MODE_ONE_WAY, \
		    CWP_TRUTH_SOURCE                                                    \
	}

/* Read `features.progress` (or a bare `progress`) of a pair configuration
 * into *out, starting from CWP_CONFIG_INIT. Snake_case and camelCase names
 * (minSeconds, deltaSeconds, maxPercent, maxPercentMinDurationSeconds,
 * timestampToleranceSeconds, replayEnabled, propagateTimestampUpdates,
 * sourceOfTruth) are accepted. A configured 0 means 0 (CFG-01). A wrong type
 * or out-of-range value → CWP_ECONFIG with a message naming the key, the
 * value and the allowed range, and *out untouched (CFG-02). Unknown keys are
 * warnings. A root without a progress section gives the defaults. */
int cwp_config_from_json(cwp_config *out, const struct cJSON *root, cwp_warnings *w);

/* The same from JSON text; text that is not a JSON object → CWP_ECONFIG. */
int cwp_config_parse(cwp_config *out, const char *text, size_t len, cwp_warnings *w);

/* {"features": {"progress": {...}}} with every key in snake_case; caller owns it. */
struct cJSON *cwp_config_to_json(const cwp_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
