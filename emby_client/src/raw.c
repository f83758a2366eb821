/* Raw GETs for `cwprogress record` (emby/raw.h): the transport of http.c,
 * without decoding. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "emby/raw.h"

int emby_raw_get(emby_client *c, const char *path, const char *query, emby_raw *out)
{
	emby_xfer x = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	c->err[0] = '\0';
	rc = emby__ensure_user(c);
	if (rc != CWP_OK)
		goto done;
	rc = emby__get(c, &x, path, query);
	out->status = x.status;
	if (rc != CWP_OK)
		goto done;
	if (!x.body.p && emby__buf_reserve(&x.body, 0) != CWP_OK) {
		rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		goto done;
	}
	x.body.p[x.body.len] = '\0';
	/* The buffer moves to the caller. */
	out->body = x.body.p;
	out->len = x.body.len;
	x.body.p = NULL;
	x.body.len = x.body.cap = 0;
done:
	emby__xfer_free(&x);
	return rc;
}

void emby_raw_free(emby_raw *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *emby_raw_escape(const char *s)
{
	emby_buf b = {0};
	if (emby__buf_escape(&b, s ? s : "") != CWP_OK) {
		emby__buf_free(&b);
		return NULL;
	}
	if (!b.p && emby__buf_reserve(&b, 0) != CWP_OK)
		return NULL;
	return b.p;
}

int emby_raw_page_size(const emby_client *c)
{
	return c->page_size;
}
