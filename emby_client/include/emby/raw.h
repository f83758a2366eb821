/* Raw (verbatim) reads through the client's transport: the same retries
 * (READ-07), timeouts and body cap (READ-08), authentication headers and
 * token-free error messages as every other read of emby_client, but the
 * body is handed back as the server sent it instead of being decoded.
 * For `cwprogress record` (issue 9), which keeps every field of the answers
 * a sync reads. */
#ifndef EMBY_RAW_H
#define EMBY_RAW_H

#include <stddef.h>

#include "emby/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One answer: body NUL-terminated (len bytes before the NUL), status the
 * HTTP status. Owned by the caller; free with emby_raw_free. */
typedef struct emby_raw {
	char *body;
	size_t len;
	long status;
} emby_raw;

#define EMBY_RAW_INIT      \
	{                  \
		NULL, 0, 0 \
	}

/* GET base_url + path (already escaped; emby_raw_escape) + "?" + query
 * (already escaped; NULL or "" for none). 2xx only: any other status, a
 * network error after the retries or an over-large body is a failure whose
 * message is emby_client_error(c). On failure *out is empty. */
int emby_raw_get(emby_client *c, const char *path, const char *query, emby_raw *out);
void emby_raw_free(emby_raw *r);

/* s with every byte but RFC 3986's unreserved characters as %XX, exactly as
 * the client escapes ids in paths and queries. malloc'd (free()); NULL when
 * out of memory. */
char *emby_raw_escape(const char *s);

/* The page size (Limit) the client asks for when it pages (READ-01). */
int emby_raw_page_size(const emby_client *c);

#ifdef __cplusplus
}
#endif
#endif
