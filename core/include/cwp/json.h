/* cJSON's parser, safe to call on several threads at once.
 *
 * cJSON 1.7.15 (Debian 12's libcjson) records the position of the last parse
 * error in a static variable that every parse writes, a successful one too,
 * so two threads that parse at the same time race on it (ThreadSanitizer
 * reports it once cJSON itself is instrumented: the `tsan` preset). cwprogress
 * parses on several threads (plan's two index loads, the mock's worker
 * threads beside in-process clients), so every parse in the project goes
 * through these functions, which parse under one process-wide mutex; code
 * that embeds the libraries and parses JSON on its own threads should call
 * them as well. The lock is held for the parse only, never for anything
 * done with the tree. cJSON_GetErrorPtr stays unusable from threads
 * (STYLE.md): a refused parse is just NULL here. */
#ifndef CWP_JSON_H
#define CWP_JSON_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* cJSON_ParseWithLength: at most len bytes (no NUL needed); NULL when they
 * do not start with a JSON value, or out of memory. Like cJSON, bytes after
 * the value are not looked at (cwp_json_parse_opts reports where it ended). */
struct cJSON *cwp_json_parse(const char *buf, size_t len);

/* cJSON_Parse: a NUL-terminated string; NULL for a NULL string. */
struct cJSON *cwp_json_parse_str(const char *s);

/* cJSON_ParseWithLengthOpts: *end (when not NULL) is set to the first byte
 * after the value (or the failing byte); require_null_terminated refuses
 * trailing bytes other than whitespace up to a NUL. */
struct cJSON *cwp_json_parse_opts(const char *buf, size_t len, const char **end,
				  bool require_null_terminated);

#ifdef __cplusplus
}
#endif

#endif
