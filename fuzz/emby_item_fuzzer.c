/* Fuzz target: one Emby item object and its UserData (READ-02, §5):
 * emby_decode_item (with and without EMBY_DECODE_ANY_POSITION, with and
 * without series ids), emby_decode_state, emby_decode_userdata (the input
 * itself read as a UserData object, as DELETE PlayedItems returns one) and
 * emby_decode_provider_ids. The checks are in emby_check.h: valid records
 * only, positions from valid ticks only (an invalid value never becomes 0),
 * positive durations, normalized ids, the same record whatever the flags. */
#include <stdint.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "emby_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *item = cwp_json_parse((const char *)data, size);

	/* Not JSON is the page decoder's business; a NULL item is still an input. */
	emby_check_item(item);
	cJSON_Delete(item);
	return 0;
}
