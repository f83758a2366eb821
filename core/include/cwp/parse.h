/* Ticks and timestamps (SPEC §1, UNIT-01..08): small, bounds-checked,
 * hand-written parsers of untrusted input. They are fuzz targets.
 *
 * The rule that matters: a parse error is never zero (UNIT-03). Every parser
 * here returns CWP_OK with a value, CWP_EABSENT when the value is absent by
 * definition (JSON null, missing, Emby's zero date), or CWP_EINVAL when the
 * input is invalid; on anything but CWP_OK the output is left untouched. */
#ifndef CWP_PARSE_H
#define CWP_PARSE_H

#include "cwp/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

#define CWP_TICKS_PER_MS 10000

/* UNIT-02: a decimal integer string: one or more ASCII digits, nothing else
 * (no sign, no space, no fraction, no exponent), value fitting int64. */
int cwp_ticks_parse(int64_t *out, const char *s, size_t len);

/* UNIT-02: a tick value from a JSON node: an integral, non-negative JSON number
 * not above 2^53 - 1, or a string accepted by cwp_ticks_parse. NULL node or
 * JSON null → CWP_EABSENT; anything else invalid → CWP_EINVAL. (2^53 itself is
 * refused too: once parsed into a double it cannot be told from 2^53 + 1. An
 * integral number written with an exponent, 1e3, is read as its value: cJSON
 * keeps no lexeme; the string "1e3" is invalid.) */
int cwp_ticks_from_json(int64_t *out, const struct cJSON *node);

/* UNIT-01: floor(ticks / 10000) for ticks >= 0. */
int64_t cwp_ticks_to_ms(int64_t ticks);

/* UNIT-01: ms * 10000; CWP_ERANGE when ms < 0 or the product overflows. */
int cwp_ms_to_ticks(int64_t *out, int64_t ms);

/* UNIT-05: `YYYY-MM-DDTHH:MM:SS` + optional `.f` (1-7 digits) + optional zone
 * (`Z`, `±HH:MM`, `±HHMM`); no zone = UTC. Result: milliseconds since the Unix
 * epoch, UTC, truncated to ms (UNIT-08). Years 0001-9999; fields range-checked
 * (month 1-12, day within the month, leap years, hour 0-23, minute 0-59,
 * second 0-59, zone within ±23:59). Emby's zero date (0001-01-01T00:00:00,
 * any fraction or zone) → CWP_EABSENT. */
int cwp_time_parse(int64_t *out_ms, const char *s, size_t len);

/* UNIT-05: a timestamp from JSON: a string (cwp_time_parse) or an integer
 * number: epoch seconds, or epoch milliseconds when >= 10^11. Integer 0 or
 * negative, fractions, and other types → CWP_EABSENT/CWP_EINVAL; NULL or JSON
 * null → CWP_EABSENT. */
int cwp_time_from_json(int64_t *out_ms, const struct cJSON *node);

/* UNIT-07: `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 digits; the last four are 0 since
 * the value is in ms). buf must hold CWP_TIME_BUFSZ bytes. CWP_ERANGE outside
 * years 0001-9999. */
#define CWP_TIME_BUFSZ 32
int cwp_time_format(char *buf, size_t bufsz, int64_t ms);

#ifdef __cplusplus
}
#endif
#endif
