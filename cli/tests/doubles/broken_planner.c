/* A deliberately broken planner for the port runner's own tests (issue 6):
 * it answers the planner protocol with this project's planner, then breaks
 * exactly one safety rule, so `cwprogress conform` must fail naming it.
 *
 *   broken_planner clear-absent        clears destination keys absent from the source (PLAN-02)
 *   broken_planner ignore-min          upserts positions below min_seconds (PLAN-04)
 *   broken_planner regress             writes positions behind without a newer timestamp (PLAN-04)
 *   broken_planner ignore-max-percent  upserts near-complete items (PLAN-04)
 *   broken_planner clear-anything      turns every skip of a zero source into a clear (PLAN-03)
 *
 * and the runner's own checks (issue 14):
 *
 *   broken_planner hang            reads the request, then never answers (the timeout)
 *   broken_planner duplicate       gives the first decision twice
 *   broken_planner unknown-reason  says "missing_on_destination" for destination_missing
 *   broken_planner reverse-order   right decisions, reversed order (PLAN-05)
 *   broken_planner local-time      reads zone-less timestamps as local time: right
 *                                  in UTC, wrong in any other TZ (UNIT-05) */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* "YYYY-MM-DDTHH:MM:SS[.f]" without a zone, read as local time as a
 * careless port would, rewritten as the UTC instant it names then. */
static void localize(cJSON *rec)
{
	cJSON *at = cJSON_GetObjectItemCaseSensitive(rec, "progress_at");
	struct tm tm = {0};
	char out[32];
	if (!cJSON_IsString(at) || strlen(at->valuestring) < 19 ||
	    strpbrk(at->valuestring + 19, "Z+-"))
		return;
	if (sscanf(at->valuestring, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	struct tm utc;
	if (t == (time_t)-1 || !gmtime_r(&t, &utc))
		return;
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &utc);
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "progress_at", cJSON_CreateString(out));
}

static void localize_index(cJSON *idx)
{
	cJSON *rec;
	cJSON_ArrayForEach(rec, idx)
	{
		localize(rec);
	}
}

/* Modes that change the request or the answer's shape; false: not one. */
static bool runner_mode(const char *mode, cJSON *req, cJSON **resp)
{
	if (!strcmp(mode, "hang")) {
		for (;;)
			pause();
	}
	if (!strcmp(mode, "local-time")) {
		localize_index(cJSON_GetObjectItemCaseSensitive(req, "source"));
		localize_index(cJSON_GetObjectItemCaseSensitive(req, "destination"));
		*resp = cwp_conform_plan_request(req);
		return true;
	}
	*resp = cwp_conform_plan_request(req);
	cJSON *decisions = cJSON_GetObjectItemCaseSensitive(*resp, "decisions");
	if (!strcmp(mode, "duplicate")) {
		if (decisions && decisions->child)
			cJSON_AddItemToArray(decisions, cJSON_Duplicate(decisions->child, true));
	} else if (!strcmp(mode, "unknown-reason")) {
		cJSON *d;
		cJSON_ArrayForEach(d, decisions)
		{
			if (!strcmp(str_of(d, "reason"), "destination_missing"))
				set_str(d, "reason", "missing_on_destination");
		}
	} else if (!strcmp(mode, "reverse-order")) {
		cJSON *rev = cJSON_CreateArray();
		while (decisions && decisions->child) {
			cJSON *last = decisions->child;
			while (last->next)
				last = last->next;
			cJSON_AddItemToArray(rev, cJSON_DetachItemViaPointer(decisions, last));
		}
		cJSON_ReplaceItemInObjectCaseSensitive(*resp, "decisions", rev);
	} else {
		cJSON_Delete(*resp);
		*resp = NULL;
		return false;
	}
	return true;
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
	const char *mode = argv[1];
	cJSON *resp = NULL;
	if (runner_mode(mode, req, &resp))
		goto answer;
	resp = cwp_conform_plan_request(req);
	cJSON *decisions = cJSON_GetObjectItemCaseSensitive(resp, "decisions");

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
answer:;
	char *text = cJSON_PrintUnformatted(resp);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(resp);
	cJSON_Delete(req);
	return 0;
}
