/* A deliberately broken planner for the port runner's own tests (issue 6):
 * it answers the planner protocol with this project's planner, then breaks
 * exactly one safety rule, so `cwprogress conform` must fail naming it.
 *
 *   broken_planner clear-absent        clears destination keys absent from the source (PLAN-02)
 *   broken_planner ignore-min          upserts positions below min_seconds (PLAN-04)
 *   broken_planner regress             writes positions behind without a newer timestamp (PLAN-04)
 *   broken_planner ignore-max-percent  upserts near-complete items (PLAN-04)
 *   broken_planner clear-anything      turns every skip of a zero source into a clear (PLAN-03) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conform_proto.h"

static void set_str(cJSON *o, const char *name, const char *value)
{
	cJSON_ReplaceItemInObjectCaseSensitive(o, name, cJSON_CreateString(value));
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Turn every decision with reason `from` into an upsert with reason `to`. */
static void upsert_instead(cJSON *decisions, const char *from, const char *to)
{
	cJSON *d;
	cJSON_ArrayForEach(d, decisions)
	{
		if (!strcmp(str_of(d, "reason"), from)) {
			set_str(d, "action", "upsert");
			set_str(d, "reason", to);
		}
	}
}

int main(int argc, char **argv)
{
	static char buf[1 << 22];
	size_t len = fread(buf, 1, sizeof(buf), stdin);
	cJSON *req = cJSON_ParseWithLength(buf, len);
	if (argc < 2 || !req) {
		fprintf(stderr, "usage: broken_planner MODE < request.json\n");
		return 2;
	}
	cJSON *resp = cwp_conform_plan_request(req);
	cJSON *decisions = cJSON_GetObjectItemCaseSensitive(resp, "decisions");
	const char *mode = argv[1];

	if (!strcmp(mode, "clear-absent")) {
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(req, "source");
		const cJSON *dst = cJSON_GetObjectItemCaseSensitive(req, "destination");
		for (const cJSON *m = dst ? dst->child : NULL; m && decisions; m = m->next) {
			if (cJSON_GetObjectItemCaseSensitive(src, m->string))
				continue;
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "key", m->string);
			cJSON_AddStringToObject(d, "direction", "forward");
			cJSON_AddStringToObject(d, "action", "clear");
			cJSON_AddStringToObject(d, "reason", "explicit_zero");
			cJSON_AddItemToArray(decisions, d);
		}
	} else if (!strcmp(mode, "ignore-min")) {
		upsert_instead(decisions, "below_min", "source_ahead");
	} else if (!strcmp(mode, "regress")) {
		upsert_instead(decisions, "would_regress", "source_newer");
	} else if (!strcmp(mode, "ignore-max-percent")) {
		upsert_instead(decisions, "near_complete", "source_ahead");
	} else if (!strcmp(mode, "clear-anything")) {
		cJSON *d;
		cJSON_ArrayForEach(d, decisions)
		{
			const char *r = str_of(d, "reason");
			if (!strcmp(r, "remove_disabled") || !strcmp(r, "destination_newer")) {
				set_str(d, "action", "clear");
				set_str(d, "reason", "explicit_zero");
			}
		}
	} else {
		fprintf(stderr, "broken_planner: unknown mode %s\n", mode);
		return 2;
	}
	char *text = cJSON_PrintUnformatted(resp);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(resp);
	cJSON_Delete(req);
	return 0;
}
