/* Every cJSON parse of the project, under one mutex (see cwp/json.h). */
#include "cwp/json.h"

#include <pthread.h>
#include <string.h>

#include <cjson/cJSON.h>

/* cJSON's static global_error is the one shared thing this lock guards. */
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

cJSON *cwp_json_parse_opts(const char *buf, size_t len, const char **end,
			   bool require_null_terminated)
{
	if (!buf)
		return NULL;
	pthread_mutex_lock(&parse_lock);
	cJSON *v = cJSON_ParseWithLengthOpts(buf, len, end, require_null_terminated);
	pthread_mutex_unlock(&parse_lock);
	return v;
}

cJSON *cwp_json_parse(const char *buf, size_t len)
{
	return cwp_json_parse_opts(buf, len, NULL, false);
}

cJSON *cwp_json_parse_str(const char *s)
{
	return s ? cwp_json_parse_opts(s, strlen(s) + 1, NULL, false) : NULL;
}
