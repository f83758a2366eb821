/* Loading scenarios and preparing their servers (see scenario.h). */
#define _GNU_SOURCE /* strndup */
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "cwp/json.h"

#define MSG(...) cwp_scenario_appendf(msg, __VA_ARGS__)

const char *const cwp_scenario_side_name[2] = {"source", "destination"};

/* Worker threads per mock: a client keeps up to 4 write connections and a
 * read connection alive at once; with fewer workers a request waits for a
 * keep-alive to time out. */
#define SCN_MOCK_THREADS 8
/* Fixture and scenario files are small; anything larger is a mistake. */
#define SCN_MAX_FILE ((long)16 << 20)

void cwp_scenario_appendf(char **buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t old = *buf ? strlen(*buf) : 0;
	char *nb = realloc(*buf, old + (size_t)n + 1);
	if (!nb)
		return;
	va_start(ap, fmt);
	vsnprintf(nb + old, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*buf = nb;
}

/* A small JSON file; NULL with the reason appended to *msg. */
static cJSON *load_json(const char *dir, const char *name, char **msg)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long len = -1;
	if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < SCN_MAX_FILE &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)len)) != NULL &&
	    fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	if (f)
		fclose(f);
	cJSON *j = text ? cwp_json_parse(text, (size_t)len) : NULL;
	if (!j)
		MSG("%s: %s\n", path,
		    !f     ? strerror(errno)
		    : text ? "not valid JSON"
			   : "empty, too large or unreadable");
	free(text);
	return j;
}

/* Unknown keys are errors: a misspelt expectation must not pass silently. */
static void check_keys(const cJSON *o, const char *const *allowed, const char *where, char **msg)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, o)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(c->string, allowed[i]);
		if (!ok)
			MSG("scenario.json: unknown key %s%s\n", where, c->string);
	}
}

static int side_of(const char *name)
{
	for (int s = 0; s < 2; s++)
		if (!strcmp(name, cwp_scenario_side_name[s]))
			return s;
	return -1;
}

/* Each member of a per-side object must name a side and have this type. */
static void check_sides(const cJSON *o, cJSON_bool (*type)(const cJSON *), const char *what,
			const char *shape, char **msg)
{
	const cJSON *x;
	if (o && !cJSON_IsObject(o))
		MSG("scenario.json: %s: an object %s\n", what, shape);
	cJSON_ArrayForEach(x, o)
	{
		if (side_of(x->string) < 0 || !type(x))
			MSG("scenario.json: %s.%s: expected %s\n", what, x->string, shape);
	}
}

static const char *const expect_keys[] = {"exit_code",
					  "writes",
					  "order",
					  "requests",
					  "userdata",
					  "report",
					  "report_absent",
					  "report_fields",
					  "summary",
					  "journal",
					  "stderr",
					  "stdout",
					  "stdout_absent",
					  "stderr_absent",
					  "second_run_writes_nothing",
					  "second_run_exit_code",
					  NULL};

static void check_expect(const cJSON *exp, const char *where, char **msg)
{
	if (!cJSON_IsObject(exp)) {
		MSG("scenario.json: %sexpect is missing\n", where);
		return;
	}
	char w[64];
	snprintf(w, sizeof(w), "%sexpect.", where);
	check_keys(exp, expect_keys, w, msg);
	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(exp, "exit_code")))
		MSG("scenario.json: %sexpect.exit_code is required\n", where);
	if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(exp, "second_run_writes_nothing")))
		MSG("scenario.json: %sexpect.second_run_writes_nothing (true/false) is "
		    "required\n",
		    where);
	const cJSON *writes = cJSON_GetObjectItemCaseSensitive(exp, "writes"), *x;
	if (!cJSON_IsObject(writes))
		MSG("scenario.json: %sexpect.writes is required ({} = no write on either "
		    "side)\n",
		    where);
	cJSON_ArrayForEach(x, writes)
	{
		if (side_of(x->string) < 0)
			MSG("scenario.json: expect.writes: unknown side %s\n", x->string);
	}
}

static void read_args(cwp_scenario_step *st, char **msg)
{
	const cJSON *r;
	if (st->args && !cJSON_IsArray(st->args))
		MSG("scenario.json: args: a list of strings\n");
	cJSON_ArrayForEach(r, st->args)
	{
		if (!cJSON_IsString(r) || !strcmp(r->valuestring, "--config") ||
		    !strcmp(r->valuestring, "--journal") || !strcmp(r->valuestring, "--json")) {
			MSG("scenario.json: args: strings, without --config/--journal/--json (the "
			    "runner gives them)\n");
			continue;
		}
		if (!strcmp(r->valuestring, "--dry-run") || !strcmp(r->valuestring, "-n"))
			st->dry_run = true;
		if (!strcmp(r->valuestring, "--two-way"))
			st->two_way = true;
	}
}

/* One step from an object (the scenario's top level or one of `steps`). */
static void read_step(cwp_scenario *sc, cwp_scenario_step *st, const cJSON *o, const char *where,
		      char **msg)
{
	st->args = cJSON_GetObjectItemCaseSensitive(o, "args");
	st->faults = cJSON_GetObjectItemCaseSensitive(o, "faults");
	st->sessions = cJSON_GetObjectItemCaseSensitive(o, "sessions");
	st->userdata = cJSON_GetObjectItemCaseSensitive(o, "userdata");
	st->fixtures = cJSON_GetObjectItemCaseSensitive(o, "fixtures");
	st->expect = cJSON_GetObjectItemCaseSensitive(o, "expect");
	read_args(st, msg);
	check_expect(st->expect, where, msg);
	check_sides(st->faults, cJSON_IsArray, "faults", "{\"source\"|\"destination\": [fault]}",
		    msg);
	check_sides(st->sessions, cJSON_IsString, "sessions",
		    "{\"source\"|\"destination\": \"<item id>\"}", msg);
	check_sides(st->userdata, cJSON_IsObject, "userdata",
		    "{\"source\"|\"destination\": {\"<item id>\": {UserData}}}", msg);
	check_sides(st->fixtures, cJSON_IsString, "fixtures",
		    "{\"source\"|\"destination\": \"<folder of the scenario>\"}", msg);
	const cJSON *drc = cJSON_GetObjectItemCaseSensitive(o, "dry_run_check");
	st->dry_run_check =
	    cJSON_IsBool(drc) ? cJSON_IsTrue(drc) : !sc->human && !st->faults && !st->dry_run;
	if (st->dry_run_check && sc->human)
		MSG("scenario.json: dry_run_check needs the JSON report (not \"human\")\n");
}

static const char *const top_keys[] = {
    "rules",   "description", "args", "sessions",   "faults", "expect", "dry_run_check",
    "comment", "human",       "env",  "stderr_tty", "steps",  NULL};
static const char *const step_keys[] = {"args",     "faults",   "sessions",
					"userdata", "fixtures", "dry_run_check",
					"expect",   "comment",  NULL};

static void read_steps(cwp_scenario *sc, const cJSON *steps, char **msg)
{
	if (!steps) {
		sc->steps = calloc(1, sizeof(*sc->steps));
		if (sc->steps) {
			sc->n_steps = 1;
			read_step(sc, &sc->steps[0], sc->doc, "", msg);
		}
		return;
	}
	static const char *const per_step[] = {"args",   "faults",        "sessions",
					       "expect", "dry_run_check", NULL};
	for (size_t i = 0; per_step[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(sc->doc, per_step[i]))
			MSG("scenario.json: with \"steps\", %s goes in each step\n", per_step[i]);
	int n = cJSON_GetArraySize(steps);
	if (!cJSON_IsArray(steps) || n < 1) {
		MSG("scenario.json: steps: a non-empty list of runs\n");
		return;
	}
	sc->steps = calloc((size_t)n, sizeof(*sc->steps));
	if (!sc->steps)
		return;
	sc->n_steps = (size_t)n;
	for (int i = 0; i < n; i++) {
		const cJSON *o = cJSON_GetArrayItem(steps, i);
		char where[32];
		snprintf(where, sizeof(where), "steps[%d].", i);
		if (!cJSON_IsObject(o)) {
			MSG("scenario.json: %s is not an object\n", where);
			continue;
		}
		check_keys(o, step_keys, where, msg);
		if (i == 0 && cJSON_GetObjectItemCaseSensitive(o, "fixtures"))
			MSG("scenario.json: steps[0].fixtures: the first run uses source/ and "
			    "destination/\n");
		read_step(sc, &sc->steps[i], o, where, msg);
	}
}

int cwp_scenario_load(cwp_scenario **out, const char *dir, char **msg)
{
	size_t before = *msg ? strlen(*msg) : 0;
	cwp_scenario *sc = calloc(1, sizeof(*sc));
	*out = NULL;
	if (!sc || !(sc->dir = strdup(dir))) {
		MSG("out of memory\n");
		free(sc);
		return -1;
	}
	sc->doc = load_json(dir, "scenario.json", msg);
	sc->pair = load_json(dir, "pair.json", msg);
	if (sc->doc && sc->pair) {
		check_keys(sc->doc, top_keys, "", msg);
		sc->rules = cJSON_GetObjectItemCaseSensitive(sc->doc, "rules");
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(sc->doc, "description");
		if (!cJSON_IsArray(sc->rules) || !cJSON_GetArraySize(sc->rules))
			MSG("scenario.json: \"rules\" must be a non-empty list\n");
		if (!cJSON_IsString(desc) || !*desc->valuestring)
			MSG("scenario.json: \"description\" must say what the scenario proves\n");
		sc->human = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc->doc, "human"));
		sc->stderr_tty =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc->doc, "stderr_tty"));
		sc->env = cJSON_GetObjectItemCaseSensitive(sc->doc, "env");
		const cJSON *x;
		cJSON_ArrayForEach(x, sc->env)
		{
			if (!cJSON_IsString(x) || strstr(x->string, "TOKEN"))
				MSG("scenario.json: env: {\"NAME\": \"value\"} strings (no "
				    "tokens)\n");
		}
		if (!cJSON_IsObject(sc->pair))
			MSG("pair.json: expected an object\n");
		read_steps(sc, cJSON_GetObjectItemCaseSensitive(sc->doc, "steps"), msg);
	}
	if ((*msg ? strlen(*msg) : 0) > before || !sc->steps) {
		if (!*msg)
			MSG("out of memory\n");
		cwp_scenario_free(sc);
		return -1;
	}
	*out = sc;
	return 0;
}

void cwp_scenario_free(cwp_scenario *sc)
{
	if (!sc)
		return;
	free(sc->steps);
	cJSON_Delete(sc->doc);
	cJSON_Delete(sc->pair);
	free(sc->dir);
	free(sc);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t cwp_scenario_list(char ***out, const char *root)
{
	DIR *d = opendir(root);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char path[PATH_MAX * 2];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/scenario.json", root, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		char **nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		size_t l = strlen(root) + strlen(de->d_name) + 2;
		if (!(v[n] = malloc(l)))
			break;
		snprintf(v[n++], l, "%s/%s", root, de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	return n;
}

void cwp_scenario_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int cwp_scenario_fixture_user(const char *fixture, const char *want, char *id, size_t idsz,
			      char *token, size_t toksz, char *err, size_t errsz)
{
	char *msg = NULL;
	cJSON *root = load_json(fixture, "server.json", &msg);
	int rc = -1;
	const cJSON *u;
	if (!root) {
		snprintf(err, errsz, "%s", msg ? msg : "out of memory");
		goto done;
	}
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(root, "Users"))
	{
		const cJSON *uid = cJSON_GetObjectItemCaseSensitive(u, "Id");
		const cJSON *tok = cJSON_GetObjectItemCaseSensitive(u, "Token");
		if (!cJSON_IsString(uid) || (want && strcmp(uid->valuestring, want)))
			continue;
		if (!cJSON_IsString(tok)) {
			snprintf(err, errsz, "%s/server.json: user %s has no Token", fixture,
				 uid->valuestring);
			goto done;
		}
		snprintf(id, idsz, "%s", uid->valuestring);
		snprintf(token, toksz, "%s", tok->valuestring);
		rc = 0;
		goto done;
	}
	snprintf(err, errsz, "%s/server.json: no user %s", fixture, want ? want : "at all");
done:
	free(msg);
	cJSON_Delete(root);
	return rc;
}

const char *cwp_scenario_pair_user(const cwp_scenario *sc, int side)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(sc->pair, cwp_scenario_side_name[side]);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "user_id");
	return cJSON_IsString(u) ? u->valuestring : NULL;
}

/* Restart one side from another fixture folder on the same port. */
static int restart_side(const cwp_scenario *sc, mock_emby **m, const char *folder, char **msg)
{
	char fx[PATH_MAX], listen[64], err[1024];
	if (strchr(folder, '/') || !strcmp(folder, "..") || !*folder) {
		MSG("scenario.json: fixtures: \"%s\" is not a folder of the scenario\n", folder);
		return -1;
	}
	snprintf(fx, sizeof(fx), "%s/%s", sc->dir, folder);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", mock_emby_port(*m));
	mock_emby_stop(*m);
	*m = NULL;
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = fx;
	o.listen = listen;
	o.threads = SCN_MOCK_THREADS;
	if (mock_emby_start(m, &o, err, sizeof(err)) != 0) {
		MSG("cannot restart the server from %s on %s: %s\n", fx, listen, err);
		return -1;
	}
	return 0;
}

static void set_userdata(mock_emby *m, const char *user, const cJSON *items, const char *side,
			 char **msg)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		char *t = cJSON_PrintUnformatted(it);
		if (!cJSON_IsObject(it) || !t ||
		    mock_emby_set_userdata(m, user, it->string, t) != 0)
			MSG("scenario.json: userdata.%s.%s: not a UserData object of an item "
			    "there\n",
			    side, it->string);
		cJSON_free(t);
	}
}

int cwp_scenario_step_setup(const cwp_scenario *sc, size_t step, mock_emby *m[2],
			    const char *const user[2], char **msg)
{
	size_t before = *msg ? strlen(*msg) : 0;
	const cwp_scenario_step *st = &sc->steps[step];
	const cwp_scenario_step *prev = step ? &sc->steps[step - 1] : NULL;
	for (int s = 0; s < 2; s++) {
		const char *side = cwp_scenario_side_name[s];
		const cJSON *fx = cJSON_GetObjectItemCaseSensitive(st->fixtures, side);
		if (cJSON_IsString(fx) && restart_side(sc, &m[s], fx->valuestring, msg) != 0)
			return -1;
		set_userdata(m[s], user[s], cJSON_GetObjectItemCaseSensitive(st->userdata, side),
			     side, msg);
		if (prev && cJSON_GetObjectItemCaseSensitive(prev->sessions, side))
			mock_emby_set_playing(m[s], user[s], NULL);
		const cJSON *play = cJSON_GetObjectItemCaseSensitive(st->sessions, side);
		if (cJSON_IsString(play) &&
		    mock_emby_set_playing(m[s], user[s], play->valuestring) != 0)
			MSG("scenario.json: sessions.%s: \"%s\" is not an item of that server\n",
			    side, play->valuestring);
		mock_emby_clear_faults(m[s]);
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(st->faults, side);
		char *t = f ? cJSON_PrintUnformatted(f) : NULL;
		if (f && (!t || mock_emby_add_faults(m[s], t) != 0))
			MSG("scenario.json: faults.%s is not a valid fault list\n", side);
		cJSON_free(t);
		mock_emby_journal_clear(m[s]);
	}
	return (*msg ? strlen(*msg) : 0) > before ? -1 : 0;
}
