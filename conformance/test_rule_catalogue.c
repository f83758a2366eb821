/* The rule catalogue is complete and honest (issue 6):
 * - docs/SPEC-RULES.md lists exactly the rule IDs of ../shared/SPEC.md (when
 *   that file is present; the copy lets the checks run without it);
 * - every vector names only rules that exist;
 * - every rule of SPEC §1-§4 and §6, and APPLY-01..05 (the pure write
 *   policy), has at least one vector;
 * - conformance/CONFORMANCE.md has a row for every rule; a rule whose issue
 *   is still open may stand as "planned: <issue title>" (printed, and
 *   excused from the vector requirement until its issue lands). */
#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cwp_test.h"

#define MAX_IDS 256
#define ID_LEN  16

struct ids {
	char id[MAX_IDS][ID_LEN];
	unsigned count[MAX_IDS]; /* vectors naming it */
	size_t n;
};

static const char *source_dir(void)
{
	const char *s = getenv("CWP_SOURCE_DIR");
	return s && *s ? s : CWP_SOURCE_DIR;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		size_t got = fread(buf, 1, (size_t)n, f);
		buf[got] = '\0';
	}
	fclose(f);
	return buf;
}

/* A rule ID at p: 2+ capitals, '-', 2 digits, then not a digit. */
static size_t id_at(const char *p)
{
	size_t i = 0;
	while (isupper((unsigned char)p[i]))
		i++;
	if (i < 2 || p[i] != '-' || !isdigit((unsigned char)p[i + 1]) ||
	    !isdigit((unsigned char)p[i + 2]) || isdigit((unsigned char)p[i + 3]))
		return 0;
	return i + 3 < ID_LEN ? i + 3 : 0;
}

static long find_id(const struct ids *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->id[i], id))
			return (long)i;
	return -1;
}

static void add_id(struct ids *s, const char *p, size_t len)
{
	char id[ID_LEN];
	memcpy(id, p, len);
	id[len] = '\0';
	if (find_id(s, id) >= 0 || s->n == MAX_IDS)
		return;
	memcpy(s->id[s->n++], id, len + 1);
}

/* The IDs of the rule lines ("- ID ...") of a markdown file. */
static bool rule_lines(struct ids *s, const char *path)
{
	char *text = slurp(path);
	if (!text)
		return false;
	memset(s, 0, sizeof(*s));
	for (const char *line = text; line && *line;) {
		if (line[0] == '-' && line[1] == ' ') {
			size_t l = id_at(line + 2);
			if (l)
				add_id(s, line + 2, l);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	free(text);
	return true;
}

static struct ids catalogue;

static void load_catalogue(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/SPEC-RULES.md", source_dir());
	if (!rule_lines(&catalogue, path))
		fail_msg("cannot read %s", path);
	if (catalogue.n < 40)
		fail_msg("%s lists only %zu rules", path, catalogue.n);
}

/* The status cell (the last one) of ID's row in CONFORMANCE.md, or NULL:
 * written into buf. A rule whose issue is still open stands there as
 * "planned: <issue title>" (SPEC gains rules before their code lands). */
static const char *row_status(const char *md, const char *id, char *buf, size_t cap)
{
	char row[ID_LEN + 4];
	snprintf(row, sizeof(row), "| %s ", id);
	const char *p = md ? strstr(md, row) : NULL;
	if (!p)
		return NULL;
	const char *end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '|' || end[-1] == '\r'))
		end--;
	const char *cell = end;
	while (cell > p && cell[-1] != '|')
		cell--;
	while (cell < end && *cell == ' ')
		cell++;
	snprintf(buf, cap, "%.*s", (int)(end - cell), cell);
	return buf;
}

static bool is_planned(const char *status)
{
	return status && !strncmp(status, "planned", 7);
}

static char *conformance_md(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/conformance/CONFORMANCE.md", source_dir());
	char *text = slurp(path);
	if (!text)
		fail_msg("cannot read %s", path);
	return text;
}

static void catalogue_copy_matches_shared_spec(void **state)
{
	(void)state;
	struct ids spec;
	char path[4096];
	const char *shared = getenv("CWP_SHARED_DIR");
	load_catalogue();
	if (shared && *shared)
		snprintf(path, sizeof(path), "%s/SPEC.md", shared);
	else
		snprintf(path, sizeof(path), "%s/../shared/SPEC.md", source_dir());
	if (!rule_lines(&spec, path)) {
		print_message("no %s: checking against docs/SPEC-RULES.md only\n", path);
		skip();
	}
	unsigned bad = 0;
	for (size_t i = 0; i < spec.n; i++)
		if (find_id(&catalogue, spec.id[i]) < 0) {
			print_error("%s is in SPEC.md but not in docs/SPEC-RULES.md\n", spec.id[i]);
			bad++;
		}
	for (size_t i = 0; i < catalogue.n; i++)
		if (find_id(&spec, catalogue.id[i]) < 0) {
			print_error("%s is in docs/SPEC-RULES.md but not in SPEC.md\n",
				    catalogue.id[i]);
			bad++;
		}
	if (bad)
		fail_msg("docs/SPEC-RULES.md and %s differ in %u rule(s)", path, bad);
}

/* Count, per catalogue rule, the vectors naming it; report unknown names. */
static unsigned scan_vectors(unsigned *nvec)
{
	char dir[4096];
	unsigned bad = 0;
	snprintf(dir, sizeof(dir), "%s/conformance/vectors", source_dir());
	DIR *top = opendir(dir);
	struct dirent *sub;
	if (!top)
		fail_msg("cannot open %s", dir);
	while ((sub = readdir(top))) {
		if (sub->d_name[0] == '.')
			continue;
		char subdir[4608];
		snprintf(subdir, sizeof(subdir), "%s/%s", dir, sub->d_name);
		DIR *d = opendir(subdir);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
				continue;
			char path[5120];
			snprintf(path, sizeof(path), "%s/%s", subdir, e->d_name);
			char *text = slurp(path);
			cJSON *v = text ? cJSON_Parse(text) : NULL;
			const cJSON *rules = cJSON_GetObjectItemCaseSensitive(v, "rules"), *r;
			free(text);
			if (!cJSON_IsArray(rules) || !cJSON_GetArraySize(rules)) {
				print_error("%s: no \"rules\" list\n", path);
				bad++;
			}
			(*nvec)++;
			cJSON_ArrayForEach(r, rules)
			{
				long i =
				    cJSON_IsString(r) ? find_id(&catalogue, r->valuestring) : -1;
				if (i < 0) {
					char *t = cJSON_PrintUnformatted(r);
					print_error("%s names %s, which is not a rule of SPEC.md\n",
						    path, t ? t : "?");
					cJSON_free(t);
					bad++;
				} else {
					catalogue.count[i]++;
				}
			}
			cJSON_Delete(v);
		}
		closedir(d);
	}
	closedir(top);
	return bad;
}

static void vectors_name_only_rules_of_the_catalogue(void **state)
{
	(void)state;
	unsigned nvec = 0;
	load_catalogue();
	unsigned bad = scan_vectors(&nvec);
	if (nvec == 0)
		fail_msg("no vectors found");
	if (bad)
		fail_msg("%u vector problem(s)", bad);
}

/* §1-§4, §6 and the pure write policy APPLY-01..05 are proven by vectors. */
static bool needs_vector(const char *id)
{
	static const char *const prefixes[] = {"UNIT-", "KEY-", "CFG-", "PLAN-", "TWO-"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(id, prefixes[i], strlen(prefixes[i])))
			return true;
	return !strncmp(id, "APPLY-0", 7) && id[7] >= '1' && id[7] <= '5' && !id[8];
}

static void every_core_rule_has_a_vector(void **state)
{
	(void)state;
	unsigned nvec = 0, missing = 0, needed = 0;
	load_catalogue();
	scan_vectors(&nvec);
	char *md = conformance_md(), status[512];
	for (size_t i = 0; i < catalogue.n; i++) {
		if (!needs_vector(catalogue.id[i]))
			continue;
		needed++;
		if (!catalogue.count[i] &&
		    is_planned(row_status(md, catalogue.id[i], status, sizeof(status)))) {
			print_message("%s has no vector yet: %s\n", catalogue.id[i], status);
			continue;
		}
		if (!catalogue.count[i]) {
			print_error("%s has no vector\n", catalogue.id[i]);
			missing++;
		}
	}
	free(md);
	if (needed < 25)
		fail_msg("only %u core rules found in the catalogue", needed);
	if (missing)
		fail_msg("%u rule(s) without a vector", missing);
}

static void conformance_md_maps_every_rule(void **state)
{
	(void)state;
	unsigned missing = 0, planned = 0, untitled = 0;
	char status[512];
	load_catalogue();
	char *text = conformance_md();
	for (size_t i = 0; i < catalogue.n; i++) {
		const char *st = row_status(text, catalogue.id[i], status, sizeof(status));
		if (!st) {
			print_error("CONFORMANCE.md has no row \"| %s |\"\n", catalogue.id[i]);
			missing++;
		} else if (is_planned(st)) {
			/* Printed so that nobody mistakes a planned rule for a proven one. */
			print_message("planned: %s (%s)\n", catalogue.id[i], st);
			planned++;
			if (strlen(st) < 12) {
				print_error("%s is planned without naming its issue\n",
					    catalogue.id[i]);
				untitled++;
			}
		}
	}
	free(text);
	if (planned)
		print_message("%u rule(s) planned, not yet proven\n", planned);
	if (missing || untitled)
		fail_msg("%u rule(s) missing from CONFORMANCE.md, %u planned without an "
			 "issue",
			 missing, untitled);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(catalogue_copy_matches_shared_spec),
    cmocka_unit_test(vectors_name_only_rules_of_the_catalogue),
    cmocka_unit_test(every_core_rule_has_a_vector),
    cmocka_unit_test(conformance_md_maps_every_rule),
};

CWP_TEST_MAIN(tests)
