/* APPLY-03/05/06: writes through curl multi, at most max_in_flight at once,
 * connections reused, each request retried per READ-07 without blocking the
 * others (a waiting retry holds its slot until its time comes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

typedef enum slot_state { SLOT_IDLE, SLOT_RUNNING, SLOT_WAITING } slot_state;

typedef struct slot {
	CURL *h;
	slot_state state;
	size_t wi; /* the write it carries */
	int stage; /* 0: DELETE PlayedItems (unwatch), 1: POST UserData */
	int attempt;
	int64_t not_before;
	emby_xfer x;
	emby_buf path;
} slot;

static int stage_url(emby_client *c, slot *s, const emby_write *w)
{
	s->path.len = 0;
	int rc = emby__buf_str(&s->path, "/Users/");
	if (rc == CWP_OK)
		rc = emby__buf_escape(&s->path, c->user_id);
	if (rc == CWP_OK)
		rc = emby__buf_str(&s->path, s->stage == 0 ? "/PlayedItems/" : "/Items/");
	if (rc == CWP_OK)
		rc = emby__buf_escape(&s->path, w->item_id);
	if (rc == CWP_OK && s->stage == 1)
		rc = emby__buf_str(&s->path, "/UserData");
	if (rc != CWP_OK)
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	s->x.method = s->stage == 0 ? "DELETE" : "POST";
	s->x.post_body = s->stage == 0 ? NULL : w->body;
	return emby__xfer_url(c, &s->x, s->path.p, NULL);
}

static int launch(emby_client *c, slot *s)
{
	int rc = emby__xfer_setup(c, s->h, &s->x);
	if (rc != CWP_OK)
		return rc;
	if (curl_multi_add_handle(c->multi, s->h) != CURLM_OK)
		return emby__fail(c, CWP_ERROR, "%s: libcurl multi refused a request", c->label);
	c->stats.requests++;
	s->state = SLOT_RUNNING;
	return CWP_OK;
}

/* Copy a message, cut to fit (write errors have a fixed-size field). */
static void copy_cut(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void record(emby_write *w, int code, long status, const char *msg)
{
	w->result = code;
	w->http_status = (int)status;
	copy_cut(w->error, sizeof(w->error), code == CWP_OK ? "" : msg);
}

static bool write_valid(const emby_write *w)
{
	return w->item_id && w->item_id[0] && w->body;
}

int emby_write_batch(emby_client *c, emby_write *writes, size_t n)
{
	return emby_write_batch_cancel(c, writes, n, NULL, NULL);
}

/* Stop starting writes: every write not yet started stays "not sent". */
static size_t cancel_rest(emby_write *writes, size_t n, size_t *next)
{
	size_t k = 0;
	for (; *next < n; (*next)++, k++)
		record(&writes[*next], CWP_ERROR, 0, "not sent: the run was interrupted");
	return k;
}

int emby_write_batch_cancel(emby_client *c, emby_write *writes, size_t n, int (*cancel)(void *ud),
			    void *ud)
{
	int rc = CWP_OK;
	slot *slots = NULL;
	size_t n_slots = 0, next = 0, done = 0, failed = 0;
	char first_err[256] = "";

	c->err[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		writes[i].result = CWP_ERROR;
		writes[i].http_status = 0;
		writes[i].unwatch_failed = false;
		writes[i].started = false;
		writes[i].unwatched = false;
		snprintf(writes[i].error, sizeof(writes[i].error), "not sent");
	}
	/* A write without an item or a body is refused here, never sent. */
	size_t invalid = 0;
	for (size_t i = 0; i < n; i++) {
		if (!write_valid(&writes[i])) {
			record(&writes[i], CWP_EINVAL, 0,
			       "write without an item id or a body: not sent");
			invalid++;
		}
	}
	done = invalid;
	failed = invalid;
	if (invalid)
		copy_cut(first_err, sizeof(first_err), "a write without an item id or a body");
	if (done == n)
		goto summary;
	rc = emby__ensure_user(c);
	if (rc != CWP_OK) {
		for (size_t i = 0; i < n; i++)
			record(&writes[i], rc, 0, c->err);
		return rc;
	}
	if (!c->multi) {
		c->multi = curl_multi_init();
		if (!c->multi)
			return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
		curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->max_in_flight);
		curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->max_in_flight + 1);
	}
	n_slots = (size_t)c->max_in_flight < n ? (size_t)c->max_in_flight : n;
	slots = calloc(n_slots, sizeof(*slots));
	if (!slots)
		return emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
	for (size_t i = 0; i < n_slots; i++)
		if (!(slots[i].h = curl_easy_init())) {
			rc = emby__fail(c, CWP_ENOMEM, "%s: out of memory", c->label);
			goto done;
		}
	emby__progress(c, "write", 0, n);

	while (done < n) {
		int64_t now = emby__now_ms();
		long wait_ms = 1000;
		for (size_t i = 0; i < n_slots; i++) {
			slot *s = &slots[i];
			while (s->state == SLOT_IDLE && next < n && !write_valid(&writes[next]))
				next++;
			if (s->state == SLOT_IDLE && next < n && cancel && cancel(ud) < 0) {
				size_t k = cancel_rest(writes, n, &next);
				done += k;
				failed += k;
				if (k && !first_err[0])
					copy_cut(first_err, sizeof(first_err), "interrupted");
			}
			if (s->state == SLOT_IDLE && next < n) {
				writes[next].started = true;
				s->wi = next++;
				s->stage = writes[s->wi].unwatch_first ? 0 : 1;
				s->attempt = 1;
				rc = stage_url(c, s, &writes[s->wi]);
				if (rc == CWP_OK)
					rc = launch(c, s);
				if (rc != CWP_OK)
					goto done;
			} else if (s->state == SLOT_WAITING) {
				if (s->not_before <= now) {
					rc = launch(c, s);
					if (rc != CWP_OK)
						goto done;
				} else if (s->not_before - now < wait_ms) {
					wait_ms = (long)(s->not_before - now);
				}
			}
		}
		int running = 0;
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			rc = emby__fail(c, CWP_ERROR, "%s: libcurl multi failed", c->label);
			goto done;
		}
		CURLMsg *msg;
		int left;
		bool finished_any = false;
		while ((msg = curl_multi_info_read(c->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *h = msg->easy_handle;
			CURLcode cc = msg->data.result;
			slot *s = NULL;
			for (size_t i = 0; i < n_slots && !s; i++)
				if (slots[i].h == h)
					s = &slots[i];
			curl_multi_remove_handle(c->multi, h);
			if (!s)
				continue;
			finished_any = true;
			emby_write *w = &writes[s->wi];
			int code = CWP_OK;
			int64_t delay = 0;
			emby_outcome out = emby__judge(c, &s->x, h, cc, s->attempt, &code, &delay);
			if (out == EMBY_OUT_RETRY) {
				c->stats.retries++;
				s->attempt++;
				s->not_before = emby__now_ms() + delay;
				s->state = SLOT_WAITING;
				continue;
			}
			if (out == EMBY_OUT_OK && s->stage == 0) {
				w->unwatched = true;
				s->stage = 1;
				s->attempt = 1;
				rc = stage_url(c, s, w);
				if (rc == CWP_OK)
					rc = launch(c, s);
				if (rc != CWP_OK)
					goto done;
				continue;
			}
			record(w, code, s->x.status, c->err);
			if (out != EMBY_OUT_OK) {
				w->unwatch_failed = s->stage == 0;
				if (failed++ == 0)
					copy_cut(first_err, sizeof(first_err), c->err);
			}
			s->state = SLOT_IDLE;
			done++;
			emby__progress(c, "write", done, n);
		}
		if (done >= n)
			break;
		while (next < n && !write_valid(&writes[next]))
			next++;
		bool can_start = false;
		for (size_t i = 0; i < n_slots && !can_start; i++)
			can_start = slots[i].state == SLOT_IDLE && next < n;
		if (finished_any || can_start)
			continue;
		if (running == 0 && wait_ms > 0) {
			/* Only retries are waiting: sleep until the first one. */
			emby__sleep_ms(wait_ms);
			continue;
		}
		curl_multi_poll(c->multi, NULL, 0, (int)(wait_ms > 0 ? wait_ms : 0), NULL);
	}
summary:
	if (failed > 0) {
		rc = emby__fail(c, CWP_ERROR, "%s: %zu of %zu writes failed; first: %s", c->label,
				failed, n, first_err);
		goto done;
	}
	rc = CWP_OK;
done:
	if (slots) {
		for (size_t i = 0; i < n_slots; i++) {
			if (slots[i].h) {
				if (slots[i].state == SLOT_RUNNING)
					curl_multi_remove_handle(c->multi, slots[i].h);
				curl_easy_cleanup(slots[i].h);
			}
			emby__xfer_free(&slots[i].x);
			emby__buf_free(&slots[i].path);
		}
		free(slots);
	}
	return rc;
}
