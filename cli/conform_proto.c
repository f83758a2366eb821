/* The planner protocol: this project's planner answering one request. */
#include <cjson/cJSON.h>

#include "cwp/cwp.h"
#include "conform_proto.h"

/* An index from an index JSON object node (the vector's or the request's). */
static cJSON *decisions_json(const cwp_plan *plan)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "decisions");
	for (size_t i = 0; i < cwp_plan_size(plan); i++) {
		const cwp_decision *d = cwp_plan_at(plan, i);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", d->src->key);
		cJSON_AddStringToObject(o, "direction", cwp_direction_name(d->direction));
		cJSON_AddStringToObject(o, "action", cwp_action_name(d->action));
		cJSON_AddStringToObject(o, "reason", cwp_reason_name(d->reason));
		cJSON_AddItemToArray(arr, o);
	}
	return root;
}

cJSON *cwp_conform_plan_request(const cJSON *req)
{
	cwp_config cfg = CWP_CONFIG_INIT;
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *plan = NULL;
	cJSON *resp = NULL;
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(req, "config");

	if (config && cwp_config_from_json(&cfg, config, NULL) != 0) {
		resp = cJSON_CreateObject();
		cJSON_AddStringToObject(resp, "error", "config");
		cJSON_AddStringToObject(resp, "message", cwp_error_last());
		return resp;
	}
	if (cwp_plan_input_index(&src, cJSON_GetObjectItemCaseSensitive(req, "source"), "source",
				 NULL) ||
	    cwp_plan_input_index(&dst, cJSON_GetObjectItemCaseSensitive(req, "destination"),
				 "destination", NULL) ||
	    cwp_plan_new(&plan, src, dst, &cfg)) {
		resp = cJSON_CreateObject();
		cJSON_AddStringToObject(resp, "error", "input");
		cJSON_AddStringToObject(resp, "message", cwp_error_last());
		goto done;
	}
	resp = decisions_json(plan);
done:
	cwp_plan_free(plan);
	cwp_index_free(src);
	cwp_index_free(dst);
	return resp;
}
