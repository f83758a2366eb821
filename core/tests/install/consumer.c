/* Uses the installed headers and library: parse ticks, build a key. */
#include <stdio.h>
#include <string.h>

#include <cwp/cwp.h>

int main(void)
{
	int64_t ticks = 0;
	char key[CWP_KEY_MAX];
	cwp_record r;

	memset(&r, 0, sizeof(r));
	r.type = CWP_TYPE_MOVIE;
	r.ids[CWP_ID_TMDB] = "603";
	if (cwp_ticks_parse(&ticks, "6000000000", 10) != 0 || cwp_ticks_to_ms(ticks) != 600000)
		return 1;
	if (cwp_record_key(key, sizeof(key), &r) != 0 || strcmp(key, "tmdb:603") != 0)
		return 1;
	printf("consumer ok: %s at %lld ms\n", key, (long long)cwp_ticks_to_ms(ticks));
	return 0;
}
