/* Fuzz target: plan JSON round trip (CLI-02, PLAN-05): cwp_plan_parse →
 * cwp_plan_write_json / cwp_plan_to_json → cwp_plan_parse → the same plan.
 *
 * Checks: a refused plan sets a message; an accepted one has a consistent
 * summary; its streamed JSON (cwp_plan_write_json) and its tree
 * (cwp_plan_to_json) hold the same content; either parses back, without a
 * warning, to a plan equal decision by decision (key, direction, action,
 * reason, both records field by field), and writing that plan again gives the
 * same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp/plan.h"
#include "fuzz_util.h"

static char *stream_plan(const cwp_plan *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	int rc;

	if (!f)
		abort();
	rc = cwp_plan_write_json(p, f);
	FUZZ_CHECK(rc == CWP_OK, "cwp_plan_write_json gave %d: %s", rc, cwp_error_last());
	if (fclose(f) != 0)
		abort();
	return buf;
}

static char *tree_plan(const cwp_plan *p)
{
	cJSON *j = cwp_plan_to_json(p);
	char *s;

	FUZZ_CHECK(j != NULL, "cwp_plan_to_json returned NULL");
	s = cJSON_PrintUnformatted(j);
	FUZZ_CHECK(s != NULL, "cannot print a plan");
	cJSON_Delete(j);
	return s;
}

static cwp_plan *reparse(const char *text, size_t len, const char *what)
{
	cwp_plan *p = NULL;
	cwp_warnings w = CWP_WARNINGS_INIT;
	int rc = cwp_plan_parse(&p, text, len, &w);

	FUZZ_CHECK(rc == CWP_OK, "the %s plan JSON does not parse (%d: %s):\n%.*s", what, rc,
		   cwp_error_last(), (int)len, text);
	FUZZ_CHECK(w.count == 0, "the %s plan JSON gives %zu warnings", what, w.count);
	return p;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Records compare through their JSON (every field, has_ flags included). */
static int same_record(const cwp_record *a, const cwp_record *b)
{
	cJSON *ja, *jb;
	int same;

	if (!a || !b)
		return a == b;
	if (!same_str(a->key, b->key))
		return 0;
	ja = cwp_record_to_json(a);
	jb = cwp_record_to_json(b);
	FUZZ_CHECK(ja && jb, "cwp_record_to_json returned NULL");
	same = cJSON_Compare(ja, jb, 1);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}

static void check_same_plan(const cwp_plan *a, const cwp_plan *b, const char *what)
{
	size_t i;

	FUZZ_CHECK(cwp_plan_size(a) == cwp_plan_size(b), "%s: %zu decisions, then %zu", what,
		   cwp_plan_size(a), cwp_plan_size(b));
	FUZZ_CHECK(cwp_plan_disabled(a) == cwp_plan_disabled(b), "%s: disabled changed", what);
	for (i = 0; i < cwp_plan_size(a); i++) {
		const cwp_decision *x = cwp_plan_at(a, i), *y = cwp_plan_at(b, i);
		FUZZ_CHECK(x->action == y->action && x->reason == y->reason &&
			       x->direction == y->direction,
			   "%s: decision %zu changed (%s/%s -> %s/%s)", what, i,
			   cwp_action_name(x->action), cwp_reason_name(x->reason),
			   cwp_action_name(y->action), cwp_reason_name(y->reason));
		FUZZ_CHECK(same_record(x->src, y->src), "%s: decision %zu: source changed", what,
			   i);
		FUZZ_CHECK(same_record(x->dst, y->dst), "%s: decision %zu: destination changed",
			   what, i);
	}
}

static void check_summary(const cwp_plan *p)
{
	cwp_plan_summary s;
	size_t r, by = 0;

	cwp_plan_summarize(p, &s);
	FUZZ_CHECK(s.decisions == cwp_plan_size(p) && s.upserts + s.clears + s.skips == s.decisions,
		   "summary %zu = %zu + %zu + %zu for %zu decisions", s.decisions, s.upserts,
		   s.clears, s.skips, cwp_plan_size(p));
	for (r = 0; r < CWP_REASON__COUNT; r++)
		by += s.by_reason[r];
	FUZZ_CHECK(by == s.decisions, "by_reason adds up to %zu of %zu", by, s.decisions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cwp_plan *p = NULL, *p2, *p3;
	cwp_warnings w = CWP_WARNINGS_INIT;
	char *a, *b, *t, *t3;
	size_t la, lb;
	cJSON *ja, *jt;
	int rc;

	cwp_error_clear();
	rc = cwp_plan_parse(&p, (const char *)data, size, &w);
	FUZZ_CHECK(rc == CWP_OK || rc == CWP_EPARSE || rc == CWP_EINVAL,
		   "cwp_plan_parse gave %d: %s", rc, cwp_error_last());
	if (rc != CWP_OK) {
		FUZZ_CHECK(cwp_error_last()[0] != '\0', "a refused plan without a message");
		return 0;
	}
	check_summary(p);

	/* The streamed form and the tree hold the same JSON. */
	a = stream_plan(p, &la);
	t = tree_plan(p);
	ja = cwp_json_parse(a, la);
	jt = cwp_json_parse_str(t);
	FUZZ_CHECK(ja && jt, "the plan's own JSON is not JSON");
	FUZZ_CHECK(cJSON_Compare(ja, jt, 1), "cwp_plan_write_json and cwp_plan_to_json differ");
	cJSON_Delete(ja);
	cJSON_Delete(jt);

	/* parse → write → parse: the same plan, the same bytes. */
	p2 = reparse(a, la, "streamed");
	check_same_plan(p, p2, "write_json round trip");
	b = stream_plan(p2, &lb);
	FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0,
		   "write -> parse -> write changed the bytes:\n%.*s\n---\n%.*s", (int)la, a,
		   (int)lb, b);
	p3 = reparse(t, strlen(t), "tree");
	check_same_plan(p, p3, "to_json round trip");
	t3 = tree_plan(p3);
	FUZZ_CHECK(strcmp(t, t3) == 0, "to_json -> parse -> to_json changed the bytes");

	cJSON_free(t);
	cJSON_free(t3);
	free(a);
	free(b);
	cwp_plan_free(p);
	cwp_plan_free(p2);
	cwp_plan_free(p3);
	return 0;
}
