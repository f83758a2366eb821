/* Conformance vectors as data (conformance/CONFORMANCE.md):
 *
 *   vectors/planner/<name>.json  config + source index + destination index →
 *                           the full decision list (SPEC §1-§4, §6)
 *   vectors/policy/<name>.json   config + source record + fresh target state →
 *                           the write decision and body (SPEC §5, APPLY-01..05)
 *
 * Usage: test_planner_vectors [VECTOR.json ...]; without arguments every
 * vector under CWP_SOURCE_DIR/conformance/vectors is run. CTest passes one
 * file per entry. On a mismatch the diff names the key, the expected and the
 * actual decision. */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "cwp/json.h"

#include "cwp_test.h"
#include "cwp/cwp.h"

/* ---- small helpers ------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(n) ? n->valuestring : dflt;
}

/* The diff of one vector, printed when it fails. */
struct report {
	char text[16384];
	size_t len;
	unsigned problems;
};

static void note(struct report *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void note(struct report *r, const char *fmt, ...)
{
	va_list ap;
	r->problems++;
	if (r->len >= sizeof(r->text) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len +=
		    (size_t)n < sizeof(r->text) - r->len ? (size_t)n : sizeof(r->text) - r->len - 1;
}

/* Config of a vector: its "config" member, defaults when absent. */
static int vector_config(cwp_config *cfg, const cJSON *vec, cwp_warnings *w)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(vec, "config");
	cwp_config d = CWP_CONFIG_INIT;
	*cfg = d;
	return c ? cwp_config_from_json(cfg, c, w) : 0;
}

static void check_message(struct report *r, const cJSON *vec)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(vec, "expected_message");
	const cJSON *it;
	cJSON_ArrayForEach(it, m)
	{
		if (cJSON_IsString(it) && !strstr(cwp_error_last(), it->valuestring))
			note(r, "    error message \"%s\" does not name \"%s\"\n", cwp_error_last(),
			     it->valuestring);
	}
}

static void check_warnings(struct report *r, const cJSON *vec, const cwp_warnings *w)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(vec, "expected_warnings");
	if (cJSON_IsNumber(n) && (double)w->count != n->valuedouble)
		note(r, "    %zu warnings, expected %g\n", w->count, n->valuedouble);
}

/* ---- planner vectors ---------------------------------------------------- */

struct got {
	const char *dir, *key, *action, *reason;
	bool matched;
};

static cJSON *reversed(const cJSON *node)
{
	cJSON *copy = cJSON_Duplicate(node, true);
	cJSON *out = cJSON_IsArray(node) ? cJSON_CreateArray() : cJSON_CreateObject();
	if (!copy || !out) {
		cJSON_Delete(copy);
		cJSON_Delete(out);
		return NULL;
	}
	while (copy->child) {
		cJSON *last = copy->child;
		while (last->next)
			last = last->next;
		cJSON_DetachItemViaPointer(copy, last);
		if (cJSON_IsArray(out))
			cJSON_AddItemToArray(out, last);
		else
			cJSON_AddItemToObject(out, last->string, last); /* keeps the name */
	}
	cJSON_Delete(copy);
	return out;
}

/* Plan the vector's inputs (reversed when asked) and print the plan JSON. */
static char *plan_text(struct report *r, const cJSON *src_j, const cJSON *dst_j,
		       const cwp_config *cfg, cwp_warnings *w, cwp_plan **keep,
		       cwp_index **keep_src, cwp_index **keep_dst)
{
	cwp_index *src = NULL, *dst = NULL;
	cwp_plan *plan = NULL;
	char *text = NULL;
	cJSON *j = NULL;

	if (cwp_plan_input_index(&src, src_j, "source", w) != 0 ||
	    cwp_plan_input_index(&dst, dst_j, "destination", w) != 0) {
		note(r, "    input refused: %s\n", cwp_error_last());
		goto done;
	}
	if (cwp_plan_new(&plan, src, dst, cfg) != 0) {
		note(r, "    cwp_plan_new failed: %s\n", cwp_error_last());
		goto done;
	}
	j = cwp_plan_to_json(plan);
	text = j ? cJSON_PrintUnformatted(j) : NULL;
	if (!text)
		note(r, "    cwp_plan_to_json failed\n");
done:
	cJSON_Delete(j);
	if (keep && text) {
		*keep = plan;
		*keep_src = src;
		*keep_dst = dst;
	} else {
		cwp_plan_free(plan);
		cwp_index_free(src);
		cwp_index_free(dst);
	}
	return text;
}

static void compare_decisions(struct report *r, const cJSON *expected, const cwp_plan *plan)
{
	size_t n = cwp_plan_size(plan), ne = 0;
	struct got *got = calloc(n ? n : 1, sizeof(*got));
	const cJSON *e;

	if (!got) {
		note(r, "    out of memory\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const cwp_decision *d = cwp_plan_at(plan, i);
		got[i].dir = cwp_direction_name(d->direction);
		got[i].key = d->src->key;
		got[i].action = cwp_action_name(d->action);
		got[i].reason = cwp_reason_name(d->reason);
	}
	cJSON_ArrayForEach(e, expected)
	{
		const char *key = str_or(e, "key", NULL), *dir = str_or(e, "direction", "forward");
		const char *act = str_or(e, "action", "?"), *why = str_or(e, "reason", "?");
		size_t i;
		ne++;
		if (!key) {
			note(r, "    vector error: expected decision %zu has no key\n", ne - 1);
			continue;
		}
		for (i = 0; i < n; i++)
			if (!got[i].matched && !strcmp(got[i].dir, dir) && !strcmp(got[i].key, key))
				break;
		if (i == n) {
			note(r, "    - %s %s: expected %s/%s, planner gave no decision\n", dir, key,
			     act, why);
			continue;
		}
		got[i].matched = true;
		if (strcmp(got[i].action, act) || strcmp(got[i].reason, why))
			note(r, "    ~ %s %s: expected %s/%s, planner gave %s/%s\n", dir, key, act,
			     why, got[i].action, got[i].reason);
	}
	for (size_t i = 0; i < n; i++)
		if (!got[i].matched)
			note(r, "    + %s %s: unexpected decision %s/%s\n", got[i].dir, got[i].key,
			     got[i].action, got[i].reason);
	if (!r->problems) {
		/* PLAN-05: key order per direction, forward first */
		size_t i = 0;
		cJSON_ArrayForEach(e, expected)
		{
			if (strcmp(got[i].key, str_or(e, "key", "")) ||
			    strcmp(got[i].dir, str_or(e, "direction", "forward"))) {
				note(
				    r,
				    "    order: decision %zu is %s %s, expected %s %s (PLAN-05 key "
				    "order)\n",
				    i, got[i].dir, got[i].key, str_or(e, "direction", "forward"),
				    str_or(e, "key", ""));
				break;
			}
			i++;
		}
	}
	free(got);
}

static void run_planner_vector(struct report *r, const cJSON *vec)
{
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_config cfg;
	const char *want_err = str_or(vec, "expected_error", NULL);
	const cJSON *src_j = cJSON_GetObjectItemCaseSensitive(vec, "source");
	const cJSON *dst_j = cJSON_GetObjectItemCaseSensitive(vec, "destination");
	const cJSON *expected = cJSON_GetObjectItemCaseSensitive(vec, "expected");
	cwp_plan *plan = NULL;
	cwp_index *src = NULL, *dst = NULL;
	char *text = NULL, *text_rev = NULL;
	cJSON *src_rev = NULL, *dst_rev = NULL;
	int rc = vector_config(&cfg, vec, &w);

	if (want_err && !strcmp(want_err, "config")) {
		if (rc != CWP_ECONFIG)
			note(r, "    expected a configuration error, got %d (%s)\n", rc,
			     rc ? cwp_error_last() : "accepted");
		else
			check_message(r, vec);
		return;
	}
	if (rc) {
		note(r, "    configuration refused: %s\n", cwp_error_last());
		return;
	}
	if (!cJSON_IsArray(expected)) {
		note(r, "    vector error: no \"expected\" array\n");
		return;
	}
	text = plan_text(r, src_j, dst_j, &cfg, &w, &plan, &src, &dst);
	if (!text)
		return;
	compare_decisions(r, expected, plan);
	check_warnings(r, vec, &w);
	const cJSON *dis = cJSON_GetObjectItemCaseSensitive(vec, "expected_disabled");
	if (cJSON_IsBool(dis) && cJSON_IsTrue(dis) != cwp_plan_disabled(plan))
		note(r, "    plan %s disabled, expected %s\n",
		     cwp_plan_disabled(plan) ? "is" : "is not", cJSON_IsTrue(dis) ? "so" : "not");

	/* PLAN-05 and KEY-07: the plan does not depend on input order, and is
	 * the same bytes every time */
	src_rev = reversed(src_j);
	dst_rev = reversed(dst_j);
	text_rev = plan_text(r, src_rev, dst_rev, &cfg, NULL, NULL, NULL, NULL);
	if (text_rev && strcmp(text, text_rev))
		note(r,
		     "    PLAN-05: the plan changes when the input order is reversed\n"
		     "      in order: %.600s\n      reversed: %.600s\n",
		     text, text_rev);

	cJSON_Delete(src_rev);
	cJSON_Delete(dst_rev);
	cJSON_free(text);
	cJSON_free(text_rev);
	cwp_plan_free(plan);
	cwp_index_free(src);
	cwp_index_free(dst);
}

/* ---- policy vectors ----------------------------------------------------- */

/* Emby's view of the target item: {"RunTimeTicks", "UserData":
 * {"PlaybackPositionTicks", "LastPlayedDate", "Played"}, "playing"} with the
 * core's parsers (UNIT-01..06): an invalid value is absent, with a warning. */
static void target_state(cwp_target_state *t, const cJSON *j, cwp_warnings *w)
{
	const cJSON *ud = cJSON_GetObjectItemCaseSensitive(j, "UserData");
	const cJSON *n;
	int64_t v;
	int rc;

	memset(t, 0, sizeof(*t));
	n = cJSON_GetObjectItemCaseSensitive(j, "RunTimeTicks");
	rc = cwp_ticks_from_json(&v, n);
	if (rc == 0 && v > 0) { /* UNIT-04: 0 is no duration */
		t->duration_ms = cwp_ticks_to_ms(v);
		t->has_duration = t->duration_ms > 0;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "target: invalid RunTimeTicks");
	}
	n = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	rc = cwp_ticks_from_json(&v, n);
	if (rc == 0) {
		t->position_ms = cwp_ticks_to_ms(v);
		t->has_position = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "target: invalid PlaybackPositionTicks");
	}
	n = cJSON_GetObjectItemCaseSensitive(ud, "LastPlayedDate");
	rc = cwp_time_from_json(&v, n);
	if (rc == 0) {
		t->last_played_at = v;
		t->has_last_played = true;
	} else if (rc == CWP_EINVAL) {
		cwp_warn(w, "target: invalid LastPlayedDate");
	}
	t->played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ud, "Played"));
	t->playing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "playing"));
}

static void run_policy_vector(struct report *r, const cJSON *vec)
{
	cwp_warnings w = CWP_WARNINGS_INIT;
	cwp_config cfg;
	cwp_target_state t;
	cwp_index *idx = NULL;
	cJSON *arr = NULL, *body = NULL;
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(vec, "expected");
	const cJSON *src_j = cJSON_GetObjectItemCaseSensitive(vec, "source");
	char buf[256];

	if (vector_config(&cfg, vec, &w) != 0) {
		note(r, "    configuration refused: %s\n", cwp_error_last());
		return;
	}
	if (!cJSON_IsObject(exp) || !cJSON_IsObject(src_j)) {
		note(r,
		     "    vector error: policy vectors need \"source\" and \"expected\" objects\n");
		return;
	}
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, cJSON_Duplicate(src_j, true));
	if (cwp_plan_input_index(&idx, arr, "source", &w) != 0 || cwp_index_size(idx) != 1) {
		note(r, "    source record refused: %s\n", cwp_error_last());
		goto done;
	}
	const cwp_record *src = cwp_index_at(idx, 0);
	target_state(&t, cJSON_GetObjectItemCaseSensitive(vec, "target"), &w);
	cwp_decision d = cwp_policy_decide(src, &t, &cfg);

	const char *act = str_or(exp, "action", "?"), *why = str_or(exp, "reason", "?");
	if (strcmp(act, cwp_action_name(d.action)) || strcmp(why, cwp_reason_name(d.reason)))
		note(r, "    ~ %s: expected %s/%s, policy gave %s/%s\n", src->key, act, why,
		     cwp_action_name(d.action), cwp_reason_name(d.reason));
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(exp, "write_ms");
	if (cJSON_IsNumber(n) && n->valuedouble != (double)d.write_ms)
		note(r, "    write_ms %lld, expected %.0f\n", (long long)d.write_ms,
		     n->valuedouble);
	n = cJSON_GetObjectItemCaseSensitive(exp, "unwatch_first");
	if (cJSON_IsBool(n) && cJSON_IsTrue(n) != d.unwatch_first)
		note(r, "    unwatch_first %s, expected %s\n", d.unwatch_first ? "true" : "false",
		     cJSON_IsTrue(n) ? "true" : "false");
	n = cJSON_GetObjectItemCaseSensitive(exp, "body");
	if (n) {
		int rc = cwp_write_body(buf, sizeof(buf), &d);
		if (cJSON_IsNull(n)) {
			if (rc == 0)
				note(r, "    a body for a skip: %s\n", buf);
		} else if (rc != 0) {
			note(r, "    no body (%s), expected one\n", cwp_error_last());
		} else {
			body = cwp_json_parse_str(buf);
			char *want = cJSON_PrintUnformatted(n);
			if (!body || !cJSON_Compare(body, n, true))
				note(r, "    body %s, expected %s\n", buf, want ? want : "?");
			cJSON_free(want);
		}
	}
	check_warnings(r, vec, &w);
done:
	cJSON_Delete(body);
	cJSON_Delete(arr);
	cwp_index_free(idx);
}

/* ---- cmocka glue -------------------------------------------------------- */

static void vector_test(void **state)
{
	const char *path = *state;
	struct report r;
	size_t len = 0;
	char *text = read_file(path, &len);
	cJSON *vec = NULL;

	memset(&r, 0, sizeof(r));
	if (!text)
		fail_msg("%s: cannot read", path);
	vec = cwp_json_parse(text, len);
	free(text);
	if (!cJSON_IsObject(vec)) {
		cJSON_Delete(vec);
		fail_msg("%s: not a JSON object", path);
	}
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(vec, "rules");
	if (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) == 0 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(vec, "description")))
		note(&r, "    vector error: needs \"rules\" (non-empty) and \"description\"\n");
	else if (cJSON_GetObjectItemCaseSensitive(vec, "target"))
		run_policy_vector(&r, vec);
	else
		run_planner_vector(&r, vec);
	if (r.problems) {
		char *rl = cJSON_PrintUnformatted(rules);
		print_error("FAIL %s %s\n%s", path, rl ? rl : "", r.text);
		cJSON_free(rl);
		cJSON_Delete(vec);
		fail_msg("%u problem(s) in %s", r.problems, path);
	}
	cJSON_Delete(vec);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json under dir, sorted, appended to *paths. */
static void list_dir(char ***paths, size_t *n, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t start = *n;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		char **np = realloc(*paths, (*n + 1) * sizeof(**paths));
		size_t pl = strlen(dir) + l + 2;
		char *p = malloc(pl);
		if (!np || !p) {
			free(p);
			if (np)
				*paths = np;
			break;
		}
		*paths = np;
		snprintf(p, pl, "%s/%s", dir, e->d_name);
		(*paths)[(*n)++] = p;
	}
	closedir(d);
	qsort(*paths + start, *n - start, sizeof(**paths), by_name);
}

int main(int argc, char **argv)
{
	char **paths = NULL;
	size_t n = 0;
	int rc;

	if (argc > 1) {
		paths = calloc((size_t)argc, sizeof(*paths));
		for (int i = 1; paths && i < argc; i++)
			paths[n++] = strdup(argv[i]);
	} else {
		const char *root = getenv("CWP_SOURCE_DIR");
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/conformance/vectors/planner",
			 root ? root : CWP_SOURCE_DIR);
		list_dir(&paths, &n, dir);
		snprintf(dir, sizeof(dir), "%s/conformance/vectors/policy",
			 root ? root : CWP_SOURCE_DIR);
		list_dir(&paths, &n, dir);
	}
	struct CMUnitTest *tests = calloc(n ? n : 1, sizeof(*tests));
	if (!tests || !n) {
		fprintf(stderr, "test_planner_vectors: no vectors\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		tests[i].name = base ? base + 1 : paths[i];
		tests[i].test_func = vector_test;
		tests[i].initial_state = paths[i];
	}
	rc = _cmocka_run_group_tests("conformance_vectors", tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return rc;
}
