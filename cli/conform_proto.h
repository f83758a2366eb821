/* The planner protocol (cwprogress-planner/1, docs/PORTING.md), shared by
 * `cwprogress conform --planner` and the broken test doubles. */
#ifndef CWP_CLI_CONFORM_PROTO_H
#define CWP_CLI_CONFORM_PROTO_H

#include <cjson/cJSON.h>

/* Plan one protocol request with this project's planner. Returns the
 * response object, {"decisions": [...]} or {"error": "config"|"input",
 * "message": ...}; the caller owns it (cJSON_Delete). */
cJSON *cwp_conform_plan_request(const cJSON *req);

#endif
