/* The progress feature's configuration (SPEC §3, CFG-01, CFG-02).
 *
 * Every value is checked before anything is stored: a wrong type or range
 * fails the whole read with a message naming the key as spelled, the value as
 * given and the allowed range, and leaves the caller's config untouched. The
 * decisions on edge cases (60.0, "true", both spellings, null) are in
 * docs/CONFIG.md. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/config.h"

/* The largest integer setting (68 years in seconds). It stays exact through
 * cJSON's 15-digit number printing (so to_json → parse gives it back; a
 * fuzzer found that 2^53 - 1 does not) and far from overflow when the
 * planner multiplies it by 1000. */
#define CFG_INT_MAX 2147483647.0

enum kind { K_BOOL, K_INT, K_PERCENT, K_MODE, K_TRUTH };

struct key {
	const char *snake;
	const char *camel; /* NULL when the key has one spelling */
	enum kind kind;
	double max; /* K_INT only */
	size_t off;
};

static const struct key keys[] = {
    {"enable", NULL, K_BOOL, 0, offsetof(cwp_config, enable)},
    {"add", NULL, K_BOOL, 0, offsetof(cwp_config, add)},
    {"remove", NULL, K_BOOL, 0, offsetof(cwp_config, remove)},
    {"min_seconds", "minSeconds", K_INT, CFG_INT_MAX, offsetof(cwp_config, min_seconds)},
    {"delta_seconds", "deltaSeconds", K_INT, CFG_INT_MAX, offsetof(cwp_config, delta_seconds)},
    {"max_percent", "maxPercent", K_PERCENT, 0, offsetof(cwp_config, max_percent)},
    {"max_percent_min_duration_seconds", "maxPercentMinDurationSeconds", K_INT, CFG_INT_MAX,
     offsetof(cwp_config, max_percent_min_duration_seconds)},
    {"timestamp_tolerance_seconds", "timestampToleranceSeconds", K_INT, 300,
     offsetof(cwp_config, timestamp_tolerance_seconds)},
    {"replay_enabled", "replayEnabled", K_BOOL, 0, offsetof(cwp_config, replay_enabled)},
    {"propagate_timestamp_updates", "propagateTimestampUpdates", K_BOOL, 0,
     offsetof(cwp_config, propagate_timestamp_updates)},
    {"mode", NULL, K_MODE, 0, offsetof(cwp_config, mode)},
    {"source_of_truth", "sourceOfTruth", K_TRUTH, 0, offsetof(cwp_config, source_of_truth)},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* One parsed value, comparable across spellings. */
union value {
	bool b;
	int64_t i;
	double d;
	int e;
};

/* The JSON text of a value for messages, bounded. */
static void value_text(char *buf, size_t bufsz, const cJSON *node)
{
	char *s = cJSON_PrintUnformatted(node);
	if (!s) {
		snprintf(buf, bufsz, "(unprintable)");
		return;
	}
	size_t n = strlen(s);
	if (n >= bufsz) {
		/* keep it short and say so */
		snprintf(buf, bufsz, "%.*s...", (int)(bufsz - 4), s);
	} else {
		memcpy(buf, s, n + 1);
	}
	cJSON_free(s);
}

static const char *range_text(const struct key *k)
{
	switch (k->kind) {
	case K_BOOL:
		return "true or false";
	case K_INT:
		return k->max < CFG_INT_MAX ? "an integer from 0 to 300"
					    : "an integer from 0 to 2147483647";
	case K_PERCENT:
		return "a number from 0 to 100";
	case K_MODE:
		return "\"one-way\" or \"two-way\"";
	case K_TRUTH:
		return "\"source\" or \"destination\"";
	}
	return "";
}

static int bad_value(const char *where, const char *name, const struct key *k, const cJSON *node)
{
	char v[96];
	value_text(v, sizeof(v), node);
	return cwp_error_set(CWP_ECONFIG, "config: %s%s = %s is not allowed (allowed: %s)", where,
			     name, v, range_text(k));
}

/* Check one node against its key; *out gets the value. */
static int read_value(union value *out, const struct key *k, const cJSON *node, const char *where,
		      const char *name)
{
	switch (k->kind) {
	case K_BOOL:
		if (!cJSON_IsBool(node))
			return bad_value(where, name, k, node);
		out->b = cJSON_IsTrue(node);
		return 0;
	case K_INT: {
		if (!cJSON_IsNumber(node))
			return bad_value(where, name, k, node);
		double v = node->valuedouble;
		if (!isfinite(v) || v != floor(v) || v < 0 || v > k->max)
			return bad_value(where, name, k, node);
		out->i = (int64_t)v;
		return 0;
	}
	case K_PERCENT: {
		if (!cJSON_IsNumber(node))
			return bad_value(where, name, k, node);
		double v = node->valuedouble;
		if (!isfinite(v) || v < 0 || v > 100)
			return bad_value(where, name, k, node);
		/* kept to 6 decimals: cJSON prints 15 significant digits, so
		 * to_json → parse gives the value back exactly (docs/CONFIG.md) */
		v = round(v * 1e6) / 1e6;
		out->d = v == 0 ? 0.0 : v; /* no -0 */
		return 0;
	}
	case K_MODE:
		if (cJSON_IsString(node) && !strcmp(node->valuestring, "one-way")) {
			out->e = CWP_MODE_ONE_WAY;
			return 0;
		}
		if (cJSON_IsString(node) && !strcmp(node->valuestring, "two-way")) {
			out->e = CWP_MODE_TWO_WAY;
			return 0;
		}
		return bad_value(where, name, k, node);
	case K_TRUTH:
		if (cJSON_IsString(node) && !strcmp(node->valuestring, "source")) {
			out->e = CWP_TRUTH_SOURCE;
			return 0;
		}
		if (cJSON_IsString(node) && !strcmp(node->valuestring, "destination")) {
			out->e = CWP_TRUTH_DESTINATION;
			return 0;
		}
		return bad_value(where, name, k, node);
	}
	return cwp_error_set(CWP_ECONFIG, "config: internal: unknown key kind");
}

static bool value_equal(const struct key *k, const union value *a, const union value *b)
{
	switch (k->kind) {
	case K_BOOL:
		return a->b == b->b;
	case K_INT:
		return a->i == b->i;
	case K_PERCENT:
		return a->d == b->d;
	case K_MODE:
	case K_TRUTH:
		return a->e == b->e;
	}
	return false;
}

static void store(cwp_config *c, const struct key *k, const union value *v)
{
	char *p = (char *)c + k->off;
	switch (k->kind) {
	case K_BOOL:
		*(bool *)p = v->b;
		break;
	case K_INT:
		*(int64_t *)p = v->i;
		break;
	case K_PERCENT:
		/* cppcheck-suppress invalidPointerCast ; p is a double member (offsetof) */
		*(double *)p = v->d;
		break;
	case K_MODE:
		*(cwp_mode *)p = (cwp_mode)v->e;
		break;
	case K_TRUTH:
		*(cwp_truth *)p = (cwp_truth)v->e;
		break;
	}
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(name, keys[i].snake) || (keys[i].camel && !strcmp(name, keys[i].camel)))
			return &keys[i];
	return NULL;
}

/* Read the members of the progress section into *c (a scratch copy). */
static int read_section(cwp_config *c, bool *seen_mode, const cJSON *sec, const char *where,
			cwp_warnings *w)
{
	const cJSON *first[NKEYS] = {0};
	union value val[NKEYS];

	for (const cJSON *m = sec->child; m; m = m->next) {
		const char *name = m->string ? m->string : "";
		const struct key *k = find_key(name);
		if (!k) {
			cwp_warn(w, "config: unknown key %s%s ignored", where, name);
			continue;
		}
		size_t i = (size_t)(k - keys);
		if (cJSON_IsNull(m)) {
			/* null means "not set": the default (docs/CONFIG.md) */
			if (first[i])
				return cwp_error_set(CWP_ECONFIG,
						     "config: %s%s is given twice (%s and null)",
						     where, name, first[i]->string);
			continue;
		}
		union value v;
		int rc = read_value(&v, k, m, where, name);
		if (rc)
			return rc;
		if (first[i]) {
			if (!strcmp(first[i]->string, name))
				return cwp_error_set(CWP_ECONFIG, "config: %s%s is given twice",
						     where, name);
			if (!value_equal(k, &val[i], &v)) {
				char a[96], b[96];
				value_text(a, sizeof(a), first[i]);
				value_text(b, sizeof(b), m);
				return cwp_error_set(
				    CWP_ECONFIG,
				    "config: %s%s = %s and %s%s = %s disagree (give "
				    "one spelling, allowed: %s)",
				    where, first[i]->string, a, where, name, b, range_text(k));
			}
			continue;
		}
		first[i] = m;
		val[i] = v;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (!first[i])
			continue;
		store(c, &keys[i], &val[i]);
		if (keys[i].kind == K_MODE)
			*seen_mode = true;
	}
	return 0;
}

int cwp_config_from_json(cwp_config *out, const cJSON *root, cwp_warnings *w)
{
	cwp_config c = CWP_CONFIG_INIT;
	const cJSON *sec = NULL, *bare, *features, *pair_mode;
	const char *where = "";
	bool seen_mode = false;
	int rc;

	if (!out)
		return cwp_error_set(CWP_EINVAL, "config: no output");
	if (!cJSON_IsObject(root))
		return cwp_error_set(CWP_ECONFIG,
				     "config: the pair configuration is not a JSON object");

	features = cJSON_GetObjectItemCaseSensitive(root, "features");
	if (features && !cJSON_IsNull(features)) {
		if (!cJSON_IsObject(features))
			return cwp_error_set(CWP_ECONFIG, "config: features is not an object");
		sec = cJSON_GetObjectItemCaseSensitive(features, "progress");
		if (sec && cJSON_IsNull(sec))
			sec = NULL;
		if (sec && !cJSON_IsObject(sec))
			return cwp_error_set(CWP_ECONFIG,
					     "config: features.progress is not an object");
		where = "features.progress.";
	}
	bare = cJSON_GetObjectItemCaseSensitive(root, "progress");
	if (bare && !cJSON_IsNull(bare)) {
		if (!cJSON_IsObject(bare))
			return cwp_error_set(CWP_ECONFIG, "config: progress is not an object");
		if (sec)
			return cwp_error_set(CWP_ECONFIG, "config: both features.progress and "
							  "progress are given; keep one");
		sec = bare;
		where = "progress.";
	}
	if (sec && (rc = read_section(&c, &seen_mode, sec, where, w)) != 0)
		return rc;

	/* CrossWatch keeps the pair's direction at the top level. */
	pair_mode = cJSON_GetObjectItemCaseSensitive(root, "mode");
	if (pair_mode && !cJSON_IsNull(pair_mode)) {
		union value v;
		const struct key *k = find_key("mode");
		if ((rc = read_value(&v, k, pair_mode, "", "mode")) != 0)
			return rc;
		if (seen_mode && (cwp_mode)v.e != c.mode)
			return cwp_error_set(CWP_ECONFIG,
					     "config: mode = \"%s\" and %smode = \"%s\" disagree",
					     v.e == CWP_MODE_TWO_WAY ? "two-way" : "one-way", where,
					     c.mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way");
		c.mode = (cwp_mode)v.e;
	}
	*out = c;
	return 0;
}

int cwp_config_parse(cwp_config *out, const char *text, size_t len, cwp_warnings *w)
{
	cJSON *root;
	int rc;

	if (!text)
		return cwp_error_set(CWP_ECONFIG, "config: no text");
	root = cwp_json_parse(text, len);
	if (!root)
		return cwp_error_set(CWP_ECONFIG, "config: not valid JSON");
	rc = cwp_config_from_json(out, root, w);
	cJSON_Delete(root);
	return rc;
}

cJSON *cwp_config_to_json(const cwp_config *cfg)
{
	cJSON *root = NULL, *features, *p;

	if (!cfg)
		return NULL;
	root = cJSON_CreateObject();
	if (!root)
		goto fail;
	features = cJSON_AddObjectToObject(root, "features");
	p = features ? cJSON_AddObjectToObject(features, "progress") : NULL;
	if (!p)
		goto fail;
	if (!cJSON_AddBoolToObject(p, "enable", cfg->enable) ||
	    !cJSON_AddBoolToObject(p, "add", cfg->add) ||
	    !cJSON_AddBoolToObject(p, "remove", cfg->remove) ||
	    !cJSON_AddNumberToObject(p, "min_seconds", (double)cfg->min_seconds) ||
	    !cJSON_AddNumberToObject(p, "delta_seconds", (double)cfg->delta_seconds) ||
	    !cJSON_AddNumberToObject(p, "max_percent", cfg->max_percent) ||
	    !cJSON_AddNumberToObject(p, "max_percent_min_duration_seconds",
				     (double)cfg->max_percent_min_duration_seconds) ||
	    !cJSON_AddNumberToObject(p, "timestamp_tolerance_seconds",
				     (double)cfg->timestamp_tolerance_seconds) ||
	    !cJSON_AddBoolToObject(p, "replay_enabled", cfg->replay_enabled) ||
	    !cJSON_AddBoolToObject(p, "propagate_timestamp_updates",
				   cfg->propagate_timestamp_updates) ||
	    !cJSON_AddStringToObject(p, "mode",
				     cfg->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way") ||
	    !cJSON_AddStringToObject(p, "source_of_truth",
				     cfg->source_of_truth == CWP_TRUTH_DESTINATION ? "destination"
										   : "source"))
		goto fail;
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}
