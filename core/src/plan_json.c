/* Plan JSON (CLI-02): emit, stream and parse.
 *
 * Shape: {"mode", "disabled", "summary": {decisions, upserts, clears, skips,
 * by_reason: {<reason>: n}}, "decisions": [{"key", "destination_key"?,
 * "direction", "action", "reason", "source": {record}|null,
 * "destination": {record}|null}]}. Member order is fixed and records come
 * from cwp_record_to_json, so a plan prints the same bytes every time
 * (PLAN-05). docs/FORMATS.md-style notes are in conformance/CONFORMANCE.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/plan.h"
#include "json_write.h"
#include "plan_internal.h"

/* ---- emit -------------------------------------------------------------- */

static cJSON *summary_json(const cwp_plan *plan)
{
	cwp_plan_summary s;
	cJSON *o = cJSON_CreateObject(), *by;

	cwp_plan_summarize(plan, &s);
	if (!o || !cJSON_AddNumberToObject(o, "decisions", (double)s.decisions) ||
	    !cJSON_AddNumberToObject(o, "upserts", (double)s.upserts) ||
	    !cJSON_AddNumberToObject(o, "clears", (double)s.clears) ||
	    !cJSON_AddNumberToObject(o, "skips", (double)s.skips) ||
	    !(by = cJSON_AddObjectToObject(o, "by_reason")))
		goto fail;
	for (int r = 0; r < CWP_REASON__COUNT; r++)
		if (s.by_reason[r] && !cJSON_AddNumberToObject(by, cwp_reason_name((cwp_reason)r),
							       (double)s.by_reason[r]))
			goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static bool add_record(cJSON *o, const char *name, const cwp_record *r)
{
	cJSON *j = r ? cwp_record_to_json(r) : cJSON_CreateNull();
	if (!j)
		return false;
	if (!cJSON_AddItemToObject(o, name, j)) {
		cJSON_Delete(j);
		return false;
	}
	return true;
}

static cJSON *decision_json(const cwp_decision *d)
{
	cJSON *o = cJSON_CreateObject();
	const char *key = d->src && d->src->key ? d->src->key : "";

	if (!o || !cJSON_AddStringToObject(o, "key", key))
		goto fail;
	if (d->dst && d->dst->key && !cJSON_AddStringToObject(o, "destination_key", d->dst->key))
		goto fail;
	if (!cJSON_AddStringToObject(o, "direction", cwp_direction_name(d->direction)) ||
	    !cJSON_AddStringToObject(o, "action", cwp_action_name(d->action)) ||
	    !cJSON_AddStringToObject(o, "reason", cwp_reason_name(d->reason)) ||
	    !add_record(o, "source", d->src) || !add_record(o, "destination", d->dst))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

cJSON *cwp_plan_to_json(const cwp_plan *plan)
{
	cJSON *root, *arr, *sum;

	if (!plan)
		return NULL;
	root = cJSON_CreateObject();
	if (!root ||
	    !cJSON_AddStringToObject(root, "mode",
				     plan->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way") ||
	    !cJSON_AddBoolToObject(root, "disabled", plan->disabled))
		goto fail;
	if (!(sum = summary_json(plan)))
		goto fail;
	cJSON_AddItemToObject(root, "summary", sum);
	if (!(arr = cJSON_AddArrayToObject(root, "decisions")))
		goto fail;
	for (size_t i = 0; i < plan->n; i++) {
		cJSON *d = decision_json(&plan->dec[i]);
		if (!d)
			goto fail;
		cJSON_AddItemToArray(arr, d);
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

static int put_json(FILE *f, const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	int rc = 0;
	if (!s)
		return cwp_error_set(CWP_ENOMEM, "plan: out of memory printing JSON");
	if (fputs(s, f) == EOF)
		rc = cwp_error_set(CWP_EIO, "plan: write failed");
	cJSON_free(s);
	return rc;
}

#define FLUSH_AT ((size_t)1 << 20)

/* ,"name":{record} or ,"name":null */
static void jb_side(cwp__jbuf *b, const char *name, const cwp_record *r)
{
	cwp__jb_name(b, name);
	if (!r) {
		cwp__jb_lit(b, "null");
		return;
	}
	cwp__jb_put(b, "{", 1);
	cwp__jb_record(b, r, NULL, 0, CWP__JB_CJSON);
}

/* One decision, the bytes cJSON prints for decision_json(d). */
static void jb_decision(cwp__jbuf *b, const cwp_decision *d)
{
	cwp__jb_lit(b, "{\"key\":");
	cwp__jb_string(b, d->src && d->src->key ? d->src->key : "");
	if (d->dst && d->dst->key) {
		cwp__jb_name(b, "destination_key");
		cwp__jb_string(b, d->dst->key);
	}
	cwp__jb_name(b, "direction");
	cwp__jb_string(b, cwp_direction_name(d->direction));
	cwp__jb_name(b, "action");
	cwp__jb_string(b, cwp_action_name(d->action));
	cwp__jb_name(b, "reason");
	cwp__jb_string(b, cwp_reason_name(d->reason));
	jb_side(b, "source", d->src);
	jb_side(b, "destination", d->dst);
	cwp__jb_put(b, "}", 1);
}

static int flush(cwp__jbuf *b, FILE *f)
{
	if (b->oom)
		return cwp_error_set(CWP_ENOMEM, "plan: out of memory");
	if (b->len && fwrite(b->p, 1, b->len, f) != b->len)
		return cwp_error_set(CWP_EIO, "plan: write failed");
	b->len = 0;
	return 0;
}

/* Streams one decision per line, so a million-key plan never becomes one
 * JSON tree in memory: each is written straight from the records, the bytes
 * cJSON prints for cwp_plan_to_json's decisions (test_plan_json checks them
 * byte for byte), at several hundred MB/s. */
int cwp_plan_write_json(const cwp_plan *plan, FILE *f)
{
	cJSON *sum = NULL;
	int rc = 0;

	if (!plan || !f)
		return cwp_error_set(CWP_EINVAL, "plan: nothing to write");
	if (fprintf(f, "{\"mode\":\"%s\",\"disabled\":%s,\"summary\":",
		    plan->mode == CWP_MODE_TWO_WAY ? "two-way" : "one-way",
		    plan->disabled ? "true" : "false") < 0) {
		rc = cwp_error_set(CWP_EIO, "plan: write failed");
		goto done;
	}
	if (!(sum = summary_json(plan))) {
		rc = cwp_error_set(CWP_ENOMEM, "plan: out of memory");
		goto done;
	}
	if ((rc = put_json(f, sum)) != 0)
		goto done;
	if (fputs(",\"decisions\":[", f) == EOF) {
		rc = cwp_error_set(CWP_EIO, "plan: write failed");
		goto done;
	}
	cwp__jbuf b = {NULL, 0, 0, false};
	for (size_t i = 0; i < plan->n && rc == 0; i++) {
		cwp__jb_lit(&b, i ? ",\n" : "\n");
		jb_decision(&b, &plan->dec[i]);
		if (b.len >= FLUSH_AT || i + 1 == plan->n)
			rc = flush(&b, f);
	}
	free(b.p);
	if (rc)
		goto done;
	if (fputs(plan->n ? "\n]}\n" : "]}\n", f) == EOF || fflush(f) == EOF || ferror(f))
		rc = cwp_error_set(CWP_EIO, "plan: write failed");
done:
	cJSON_Delete(sum);
	return rc;
}

/* ---- parse -------------------------------------------------------------- */

/* A parsed plan owns its records: their fields live in an internal index
 * (put under unique internal keys, so nothing is merged), the record structs
 * in recs[] carry the decision's real key from keys[]. */
struct cwp__plan_owned {
	cwp_index *idx;
	cwp_record *recs; /* 2 per decision: source, destination */
	char **keys;      /* one per recs[] slot, or NULL */
	size_t nslots;
};

void cwp__plan_owned_free(cwp_plan *plan)
{
	struct cwp__plan_owned *o = plan->owned;
	if (!o)
		return;
	for (size_t i = 0; i < o->nslots; i++)
		free(o->keys[i]);
	free(o->keys);
	free(o->recs);
	cwp_index_free(o->idx);
	free(o);
	plan->owned = NULL;
}

static const char *opt_string(const cJSON *obj, const char *name)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* Fill slot with the record of node (an object, or null/absent → *out NULL). */
static int slot_record(const cwp_record **out, struct cwp__plan_owned *o, size_t slot,
		       const cJSON *node, const char *key, size_t di, const char *what,
		       cwp_warnings *w)
{
	char ukey[48];
	cwp_record *r = &o->recs[slot];
	int rc;

	*out = NULL;
	if (!node || cJSON_IsNull(node))
		return 0;
	if (!cJSON_IsObject(node))
		return cwp_error_set(CWP_EPARSE, "plan: decision %zu: %s is not an object or null",
				     di, what);
	/* \x01 cannot start a canonical key: internal keys never meet real ones */
	snprintf(ukey, sizeof(ukey), "\x01%zu", slot);
	rc = cwp_index_put_json(o->idx, ukey, node, w);
	if (rc == CWP_ENOMEM)
		return rc;
	const cwp_record *stored = cwp_index_get(o->idx, ukey);
	if (stored)
		*r = *stored;
	else
		memset(r, 0, sizeof(*r)); /* dropped (no usable type): keep the key */
	o->keys[slot] = strdup(key);
	if (!o->keys[slot])
		return cwp_error_set(CWP_ENOMEM, "plan: out of memory");
	r->key = o->keys[slot];
	*out = r;
	return 0;
}

static int parse_decision(cwp_decision *d, struct cwp__plan_owned *o, const cJSON *obj, size_t di,
			  cwp_warnings *w)
{
	const char *key, *dkey, *s;
	int a, why, rc;

	memset(d, 0, sizeof(*d));
	if (!cJSON_IsObject(obj))
		return cwp_error_set(CWP_EPARSE, "plan: decision %zu is not an object", di);
	key = opt_string(obj, "key");
	if (!key || !*key)
		return cwp_error_set(CWP_EPARSE, "plan: decision %zu has no \"key\" string", di);
	s = opt_string(obj, "direction");
	if (!s || !strcmp(s, "forward"))
		d->direction = CWP_DIR_FORWARD;
	else if (!strcmp(s, "backward"))
		d->direction = CWP_DIR_BACKWARD;
	else
		return cwp_error_set(CWP_EPARSE,
				     "plan: decision %zu (%s): direction \"%s\" is neither "
				     "forward nor backward",
				     di, key, s);
	if ((a = cwp_action_from_name(opt_string(obj, "action"))) < 0)
		return cwp_error_set(
		    CWP_EPARSE, "plan: decision %zu (%s): action must be upsert, clear or skip", di,
		    key);
	if ((why = cwp_reason_from_name(opt_string(obj, "reason"))) < 0)
		return cwp_error_set(
		    CWP_EPARSE, "plan: decision %zu (%s): missing or unknown reason code", di, key);
	d->action = (cwp_action)a;
	d->reason = (cwp_reason)why;

	/* the source record always exists: it carries the key */
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(obj, "source");
	if ((rc = slot_record(&d->src, o, 2 * di, src, key, di, "source", w)) != 0)
		return rc;
	if (!d->src) {
		cwp_record *r = &o->recs[2 * di];
		memset(r, 0, sizeof(*r));
		if (!(o->keys[2 * di] = strdup(key)))
			return cwp_error_set(CWP_ENOMEM, "plan: out of memory");
		r->key = o->keys[2 * di];
		d->src = r;
	}
	dkey = opt_string(obj, "destination_key");
	return slot_record(&d->dst, o, 2 * di + 1,
			   cJSON_GetObjectItemCaseSensitive(obj, "destination"), dkey ? dkey : key,
			   di, "destination", w);
}

int cwp_plan_parse(cwp_plan **out, const char *buf, size_t len, cwp_warnings *w)
{
	cJSON *root = NULL;
	cwp_plan *p = NULL;
	struct cwp__plan_owned *o;
	const cJSON *mode, *disabled, *decs;
	size_t n;
	int rc = 0;

	if (!out || !buf)
		return cwp_error_set(CWP_EINVAL, "plan: no input");
	root = cwp_json_parse(buf, len);
	if (!root)
		return cwp_error_set(CWP_EPARSE, "plan: not valid JSON");
	if (!cJSON_IsObject(root)) {
		rc = cwp_error_set(CWP_EPARSE, "plan: not a plan object");
		goto done;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->owned = o = calloc(1, sizeof(*o)))) {
		rc = cwp_error_set(CWP_ENOMEM, "plan: out of memory");
		goto done;
	}
	mode = cJSON_GetObjectItemCaseSensitive(root, "mode");
	if (!mode || (cJSON_IsString(mode) && !strcmp(mode->valuestring, "one-way"))) {
		p->mode = CWP_MODE_ONE_WAY;
	} else if (cJSON_IsString(mode) && !strcmp(mode->valuestring, "two-way")) {
		p->mode = CWP_MODE_TWO_WAY;
	} else {
		rc = cwp_error_set(CWP_EPARSE, "plan: mode must be \"one-way\" or \"two-way\"");
		goto done;
	}
	disabled = cJSON_GetObjectItemCaseSensitive(root, "disabled");
	if (disabled && !cJSON_IsBool(disabled)) {
		rc = cwp_error_set(CWP_EPARSE, "plan: disabled must be true or false");
		goto done;
	}
	p->disabled = cJSON_IsTrue(disabled);
	decs = cJSON_GetObjectItemCaseSensitive(root, "decisions");
	if (!cJSON_IsArray(decs)) {
		rc = cwp_error_set(CWP_EPARSE, "plan: no \"decisions\" array");
		goto done;
	}
	n = (size_t)cJSON_GetArraySize(decs);
	if ((rc = cwp_index_new(&o->idx)) != 0)
		goto done;
	if (n) {
		p->dec = calloc(n, sizeof(*p->dec));
		o->recs = calloc(2 * n, sizeof(*o->recs));
		o->keys = calloc(2 * n, sizeof(*o->keys));
		if (!p->dec || !o->recs || !o->keys) {
			rc = cwp_error_set(CWP_ENOMEM, "plan: out of memory for %zu decisions", n);
			goto done;
		}
		o->nslots = 2 * n;
	}
	size_t i = 0;
	for (const cJSON *d = decs->child; d; d = d->next, i++) {
		if ((rc = parse_decision(&p->dec[i], o, d, i, w)) != 0)
			goto done;
		p->n = i + 1;
	}
done:
	cJSON_Delete(root);
	if (rc) {
		cwp_plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* ---- planner input ------------------------------------------------------ */

int cwp_plan_input_index(cwp_index **out, const cJSON *node, const char *what, cwp_warnings *w)
{
	cwp_index *idx = NULL;
	int rc;

	if (!what)
		what = "index";
	if (!out)
		return cwp_error_set(CWP_EINVAL, "%s: no output", what);
	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return cwp_error_set(CWP_EPARSE,
				     "%s: not an index (an object of key → record, or an array of "
				     "records)",
				     what);
	if ((rc = cwp_index_new(&idx)) != 0)
		return rc;
	for (const cJSON *m = node->child; m; m = m->next) {
		/* array form: the record's own "key" member, or its canonical key */
		const char *key = cJSON_IsObject(node) ? m->string : NULL;
		rc = cwp_index_put_json(idx, key, m, w);
		/* a record that cannot be used is dropped with a warning (CLI-02) */
		if (rc != 0 && rc != CWP_EINVAL && rc != CWP_EPARSE) {
			cwp_index_free(idx);
			return rc;
		}
	}
	*out = idx;
	return 0;
}
