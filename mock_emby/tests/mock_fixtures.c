/* Fixtures: the bundled demo servers have the promised shapes and give a
 * sync real work; a malformed fixture stops the start with the file and the
 * JSON path; hand-written minimal fixtures, recordings, the generator, and
 * the mock-emby binary (URL, SIGINT/SIGTERM, --state-out). */
#include "mock_test.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cwp/json.h"

/* ---- the demo servers ---- */

typedef struct lib {
	cJSON *env; /* all items, Recursive */
	cJSON *ud;  /* alice's user data by item id */
} lib;

static lib load_lib(const char *name, const char *uid, const char *token)
{
	lib l;
	mock_emby *m = mt_start(name);
	char q[256];
	snprintf(q, sizeof q,
		 "/Users/%s/Items?Recursive=true&Fields=ProviderIds,ProductionYear,"
		 "UserDataLastPlayedDate,UserDataPlayCount",
		 uid);
	mt_resp r = mt_get(m, q, token);
	assert_int_equal_dec(r.status, 200);
	l.env = mt_json(&r);
	mt_free(&r);
	char *s = mock_emby_userdata_json(m, uid);
	l.ud = cwp_json_parse_str(s);
	mock_emby_free(s);
	mock_emby_stop(m);
	return l;
}

static void free_lib(lib *l)
{
	cJSON_Delete(l->env);
	cJSON_Delete(l->ud);
}

static const char *s_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A provider id by case-insensitive name. */
static const char *pid(const cJSON *item, const char *name)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(item, "ProviderIds"))
	{
		if (strcasecmp(c->string, name) == 0 && cJSON_IsString(c) && c->valuestring[0])
			return c->valuestring;
	}
	return NULL;
}

static bool is_hex32(const char *s)
{
	if (!s || strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
			return false;
	return true;
}

static bool seven_digit_date(const char *s)
{
	return s && strlen(s) == 28 && s[19] == '.' && s[27] == 'Z';
}

static void fixtures_demo_servers_have_the_promised_shapes(void **state)
{
	(void)state;
	struct {
		const char *name, *uid, *token;
	} servers[] = {{"demo-a", A_ALICE, A_TOKEN}, {"demo-b", B_ALICE, B_TOKEN}};
	for (size_t s = 0; s < 2; s++) {
		lib l = load_lib(servers[s].name, servers[s].uid, servers[s].token);
		int movies = 0, series = 0, no_ids = 0, null_rt = 0, specials = 0, multi = 0;
		int tmdb_spellings = 0;
		bool seen_spelling[3] = {false, false, false};
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(l.env, "Items");
		const cJSON *it;
		cJSON_ArrayForEach(it, items)
		{
			const char *type = s_of(it, "Type"), *id = s_of(it, "Id");
			assert_non_null(type);
			assert_non_null(id);
			for (const char *p = id; *p; p++)
				assert_true(isdigit((unsigned char)*p));
			assert_true(is_hex32(s_of(it, "ServerId")));
			if (s_of(it, "DateCreated"))
				assert_true(seven_digit_date(s_of(it, "DateCreated")));
			const cJSON *pids = cJSON_GetObjectItemCaseSensitive(it, "ProviderIds");
			const cJSON *c;
			cJSON_ArrayForEach(c, pids)
			{
				if (strcmp(c->string, "Tmdb") == 0)
					seen_spelling[0] = true;
				if (strcmp(c->string, "TMDB") == 0)
					seen_spelling[1] = true;
				if (strcmp(c->string, "tmdb") == 0)
					seen_spelling[2] = true;
			}
			if (strcmp(type, "Movie") == 0) {
				movies++;
				if (!pid(it, "tmdb") && !pid(it, "imdb"))
					no_ids++;
				const cJSON *rt =
				    cJSON_GetObjectItemCaseSensitive(it, "RunTimeTicks");
				null_rt += cJSON_IsNull(rt);
				/* another movie with the same ids: a second version */
				const cJSON *o;
				cJSON_ArrayForEach(o, items)
				{
					if (o != it && pid(it, "imdb") && pid(o, "imdb") &&
					    strcmp(pid(it, "imdb"), pid(o, "imdb")) == 0)
						multi++;
				}
			}
			if (strcmp(type, "Series") == 0)
				series++;
			if (strcmp(type, "Episode") == 0) {
				assert_non_null(s_of(it, "SeriesId"));
				const cJSON *season =
				    cJSON_GetObjectItemCaseSensitive(it, "ParentIndexNumber");
				specials += cJSON_IsNumber(season) && season->valuedouble == 0;
			}
		}
		for (size_t k = 0; k < 3; k++)
			tmdb_spellings += seen_spelling[k];
		if (movies < 40 || series < 3 || no_ids < 1 || null_rt < 1 || specials < 3 ||
		    multi < 2)
			fail_msg("%s: movies %d series %d no-ids %d null-runtime %d specials %d "
				 "multi %d",
				 servers[s].name, movies, series, no_ids, null_rt, specials, multi);
		if (s == 1 && tmdb_spellings < 3)
			fail_msg("demo-b: provider names are not in mixed case");
		/* user data: a rewatch (played with a position) and a next-up at 0 */
		int rewatch = 0, next_up = 0;
		const cJSON *u;
		cJSON_ArrayForEach(u, l.ud)
		{
			const cJSON *pos =
			    cJSON_GetObjectItemCaseSensitive(u, "PlaybackPositionTicks");
			bool played = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "Played"));
			rewatch += played && pos->valuedouble > 0;
			next_up +=
			    pos->valuedouble == 0 &&
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "cwpResumable"));
			const char *d = s_of(u, "LastPlayedDate");
			(void)d;
		}
		if (rewatch < 1 || (s == 0 && next_up < 1))
			fail_msg("%s: rewatch %d next-up %d", servers[s].name, rewatch, next_up);
		free_lib(&l);
	}
}

static void fixtures_demo_episodes_carry_only_episode_ids_and_ids_collide(void **state)
{
	(void)state;
	lib l = load_lib("demo-a", A_ALICE, A_TOKEN);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(l.env, "Items");
	int episodes_with_own_ids = 0, collisions = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, items)
	{
		if (strcmp(s_of(it, "Type"), "Episode") == 0 && pid(it, "tvdb")) {
			episodes_with_own_ids++;
			/* never the series' ids */
			const cJSON *sr;
			cJSON_ArrayForEach(sr, items)
			{
				if (strcmp(s_of(sr, "Id"), s_of(it, "SeriesId")) == 0)
					assert_string_not_equal(pid(sr, "tvdb"), pid(it, "tvdb"));
			}
		}
		const cJSON *o;
		cJSON_ArrayForEach(o, items)
		{
			if (pid(it, "tmdb") && pid(o, "tvdb") &&
			    strcmp(pid(it, "tmdb"), pid(o, "tvdb")) == 0)
				collisions++;
		}
	}
	assert_true(episodes_with_own_ids >= 10);
	assert_true(collisions >= 1);
	free_lib(&l);
}

static const cJSON *by_imdb_or_tmdb(const cJSON *env, const cJSON *item)
{
	const cJSON *o;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(env, "Items"))
	{
		if (strcmp(s_of(o, "Type"), s_of(item, "Type")) != 0)
			continue;
		if (pid(item, "tmdb") && pid(o, "tmdb") &&
		    strcmp(pid(item, "tmdb"), pid(o, "tmdb")) == 0)
			return o;
	}
	return NULL;
}

static double ticks_of(const cJSON *ud)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ud, "PlaybackPositionTicks");
	return cJSON_IsNumber(p) ? p->valuedouble : 0;
}

static void fixtures_demo_user_data_gives_a_sync_real_work(void **state)
{
	(void)state;
	lib a = load_lib("demo-a", A_ALICE, A_TOKEN);
	lib b = load_lib("demo-b", B_ALICE, B_TOKEN);
	int shared = 0, only_a = 0, ahead = 0, behind_newer = 0, behind_older = 0,
	    near_complete = 0, below_min = 0, zero_vs_progress = 0, ids_disjoint = 1;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(a.env, "Items"))
	{
		if (strcmp(s_of(it, "Type"), "Movie") != 0)
			continue;
		const cJSON *other = by_imdb_or_tmdb(b.env, it);
		if (!other)
			continue;
		shared++;
		if (strcmp(s_of(it, "Id"), s_of(other, "Id")) == 0)
			ids_disjoint = 0;
		const cJSON *ua = cJSON_GetObjectItemCaseSensitive(a.ud, s_of(it, "Id"));
		const cJSON *ub = cJSON_GetObjectItemCaseSensitive(b.ud, s_of(other, "Id"));
		double pa = ticks_of(ua), pb = ticks_of(ub);
		const char *da = s_of(ua, "LastPlayedDate"), *db = s_of(ub, "LastPlayedDate");
		const cJSON *rt = cJSON_GetObjectItemCaseSensitive(it, "RunTimeTicks");
		double pct =
		    cJSON_IsNumber(rt) && rt->valuedouble > 0 ? pa * 100 / rt->valuedouble : 0;
		if (pa > 0 && pb == 0 && !ub)
			only_a++;
		if (pa > 0 && pb > 0 && pa > pb)
			ahead++;
		if (pa > 0 && pb > pa && da && db && strcmp(da, db) > 0)
			behind_newer++;
		if (pa > 0 && pb > pa && da && db && strcmp(da, db) < 0)
			behind_older++;
		if (pct >= 95)
			near_complete++;
		if (pa > 0 && pa < 60 * 10000000.0)
			below_min++;
		if (ua && pa == 0 && pb > 0)
			zero_vs_progress++;
	}
	if (shared < 30 || only_a < 2 || ahead < 2 || behind_newer < 1 || behind_older < 1 ||
	    near_complete < 1 || below_min < 1 || zero_vs_progress < 1 || !ids_disjoint)
		fail_msg(
		    "shared %d only-A %d ahead %d behind-newer %d behind-older %d near-complete %d "
		    "below-min %d zero-vs-progress %d ids-disjoint %d",
		    shared, only_a, ahead, behind_newer, behind_older, near_complete, below_min,
		    zero_vs_progress, ids_disjoint);
	free_lib(&a);
	free_lib(&b);
}

/* ---- bad fixtures ---- */

#define SERVER_OK                                                                                  \
	"{\"ServerName\": \"t\", \"Id\": \"00112233445566778899aabbccddeeff\",\n"                  \
	" \"Libraries\": [{\"Id\": \"1\", \"Name\": \"Movies\", \"CollectionType\": "              \
	"\"movies\"}],\n"                                                                          \
	" \"Users\": [{\"Id\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"Name\": \"u\", \"Token\": " \
	"\"t1\"}]}"
#define ITEMS_OK \
	"[{\"Id\": \"100\", \"Type\": \"Movie\", \"Name\": \"A\", \"cwpLibraryId\": \"1\"}]"
#define USER_FILE "userdata/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"

typedef struct bad_case {
	const char *what;
	const char *server, *items, *ud_name, *ud, *extra_name, *extra;
	const char *want_file, *want_path;
} bad_case;

static void fixtures_malformed_fixture_names_the_file_and_json_path(void **state)
{
	(void)state;
	const bad_case cases[] = {
	    {"server not JSON", "{\"ServerName\": ", ITEMS_OK, NULL, NULL, NULL, NULL,
	     "server.json", "$: invalid JSON"},
	    {"no users", "{\"ServerName\": \"t\", \"Id\": \"00112233445566778899aabbccddeeff\"}",
	     ITEMS_OK, NULL, NULL, NULL, NULL, "server.json", "$.Users"},
	    {"user id",
	     "{\"ServerName\": \"t\", \"Id\": \"00112233445566778899aabbccddeeff\", \"Users\": "
	     "[{\"Id\": "
	     "\"42\", \"Name\": \"u\"}]}",
	     ITEMS_OK, NULL, NULL, NULL, NULL, "server.json", "$.Users[0].Id"},
	    {"shared token",
	     "{\"ServerName\": \"t\", \"Id\": \"00112233445566778899aabbccddeeff\", \"Users\": "
	     "[{\"Id\": "
	     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"Name\": \"u\", \"Token\": \"x\"}, {\"Id\": "
	     "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"Name\": \"v\", \"Token\": \"x\"}]}",
	     ITEMS_OK, NULL, NULL, NULL, NULL, "server.json", "$.Users[1].Token"},
	    {"typo key",
	     "{\"ServerName\": \"t\", \"Id\": \"00112233445566778899aabbccddeeff\", \"Libaries\": "
	     "[], \"Users\": "
	     "[{\"Id\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"Name\": \"u\"}]}",
	     ITEMS_OK, NULL, NULL, NULL, NULL, "server.json", "$.Libaries"},
	    {"items not array", SERVER_OK, "{\"Name\": 1}", NULL, NULL, NULL, NULL, "items.json",
	     "$.Items"},
	    {"item without id", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\"}, {\"Type\": \"Movie\"}]", NULL, NULL, NULL,
	     NULL, "items.json", "$[1].Id"},
	    {"numeric provider id", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\", \"ProviderIds\": {\"Tmdb\": 603}}]", NULL, NULL,
	     NULL, NULL, "items.json", "$[0].ProviderIds.Tmdb"},
	    {"negative runtime", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\", \"RunTimeTicks\": -5}]", NULL, NULL, NULL, NULL,
	     "items.json", "$[0].RunTimeTicks"},
	    {"duplicate item", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\"}, {\"Id\": \"1\", \"Type\": \"Movie\"}]", NULL,
	     NULL, NULL, NULL, "items.json", "$[1].Id"},
	    {"unknown library", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\", \"cwpLibraryId\": \"9\"}]", NULL, NULL, NULL,
	     NULL, "items.json", "$[0].cwpLibraryId"},
	    {"bad date", SERVER_OK,
	     "[{\"Id\": \"1\", \"Type\": \"Movie\", \"DateCreated\": \"soon\"}]", NULL, NULL, NULL,
	     NULL, "items.json", "$[0].DateCreated"},
	    {"trailing text", SERVER_OK, ITEMS_OK " ]", NULL, NULL, NULL, NULL, "items.json",
	     "unexpected text"},
	    {"userdata of an unknown user", SERVER_OK, ITEMS_OK,
	     "userdata/cccccccccccccccccccccccccccccccc.json", "{}", NULL, NULL,
	     "cccccccccccccccccccccccccccccccc.json", "$: no user"},
	    {"userdata of an unknown item", SERVER_OK, ITEMS_OK, USER_FILE, "{\"999\": {}}", NULL,
	     NULL, USER_FILE, "$[\"999\"]"},
	    {"userdata bad ticks", SERVER_OK, ITEMS_OK, USER_FILE,
	     "{\"100\": {\"PlaybackPositionTicks\": \"12\"}}", NULL, NULL, USER_FILE,
	     "$[\"100\"].PlaybackPositionTicks"},
	    {"userdata bad date", SERVER_OK, ITEMS_OK, USER_FILE,
	     "{\"100\": {\"LastPlayedDate\": \"2024-13-01T00:00:00Z\"}}", NULL, NULL, USER_FILE,
	     "$[\"100\"].LastPlayedDate"},
	    {"userdata bad annotation", SERVER_OK, ITEMS_OK, USER_FILE,
	     "{\"100\": {\"cwpResumeable\": true}}", NULL, NULL, USER_FILE,
	     "$[\"100\"].cwpResumeable"},
	    {"sessions not array", SERVER_OK, ITEMS_OK, NULL, NULL, "sessions.json", "{}",
	     "sessions.json", "$"},
	    {"recording status", SERVER_OK, ITEMS_OK, NULL, NULL, "recordings/quirk.json",
	     "{\"request\": {\"path\": \"/x\"}, \"response\": {\"status\": \"200\"}}",
	     "recordings/quirk.json", "$.response.status"},
	    {"recording path", SERVER_OK, ITEMS_OK, NULL, NULL, "recordings/quirk.json",
	     "[{\"request\": {\"path\": \"/x\"}, \"response\": {}}, {\"request\": {\"path\": "
	     "\"x\"}, \"response\": {}}]",
	     "recordings/quirk.json", "$[1].request.path"},
	    {"no items file", SERVER_OK, NULL, NULL, NULL, NULL, NULL, "items.json", "cannot read"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const bad_case *c = &cases[i];
		char *dir = mt_tmpdir();
		mt_write(dir, "server.json", c->server);
		if (c->items)
			mt_write(dir, "items.json", c->items);
		if (c->ud_name)
			mt_write(dir, c->ud_name, c->ud);
		if (c->extra_name)
			mt_write(dir, c->extra_name, c->extra);
		mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
		o.fixtures_dir = dir;
		mock_emby *m = NULL;
		char err[1024] = "";
		int rc = mock_emby_start(&m, &o, err, sizeof err);
		if (rc == 0) {
			mock_emby_stop(m);
			fail_msg("%s: started", c->what);
		}
		assert_null(m);
		if (!strstr(err, c->want_file) || !strstr(err, c->want_path))
			fail_msg("%s: message '%s' lacks '%s' or '%s'", c->what, err, c->want_file,
				 c->want_path);
		mt_rmtree(dir);
		free(dir);
	}
}

static void fixtures_hand_written_minimal_fixture_serves(void **state)
{
	(void)state;
	char *dir = mt_tmpdir();
	mt_write(dir, "server.json",
		 "{\"ServerName\": \"Tiny\", \"Id\": \"00112233445566778899aabbccddeeff\",\n"
		 " \"Libraries\": [{\"Id\": \"1\", \"Name\": \"Movies\", \"CollectionType\": "
		 "\"movies\"},\n"
		 "               {\"Id\": \"2\", \"Name\": \"Shows\", \"CollectionType\": "
		 "\"tvshows\"}],\n"
		 " \"Users\": [{\"Id\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"Name\": \"u\", "
		 "\"Token\": \"tiny-token\"}]}\n");
	mt_write(
	    dir, "items.json",
	    "{\"Items\": [\n"
	    " {\"Id\": \"10\", \"Type\": \"Movie\", \"Name\": \"M\", \"RunTimeTicks\": "
	    "60000000000,\n"
	    "  \"ProviderIds\": {\"Tmdb\": \"1\"}, \"Extra\": {\"Any\": [1, 2]}, \"cwpLibraryId\": "
	    "\"1\"},\n"
	    " {\"Id\": \"20\", \"Type\": \"Series\", \"Name\": \"S\", \"cwpLibraryId\": \"2\"},\n"
	    " {\"Id\": \"21\", \"Type\": \"Episode\", \"Name\": \"E\", \"SeriesId\": \"20\",\n"
	    "  \"ParentIndexNumber\": 0, \"IndexNumber\": 1}\n"
	    "], \"TotalRecordCount\": 3}\n");
	mt_write(dir, "userdata/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json",
		 "{\"21\": {\"PlaybackPositionTicks\": 50000000, \"Played\": false}}\n");
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	mock_emby *m = mt_start_opts(&o);
	mt_resp r = mt_get(m,
			   "/Users/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
			   "Items?Recursive=true&ParentId=2&Filters=IsResumable",
			   "tiny-token");
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 1); /* the episode, in its series' library */
	assert_true(mt_has_item(j, "21"));
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/Users/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Items/10", "tiny-token");
	j = mt_json(&r);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "Extra"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "cwpLibraryId"));
	cJSON_Delete(j);
	mt_free(&r);
	/* the admin token is random without AdminToken: 32 hex characters */
	assert_true(is_hex32(mock_emby_admin_token(m)));
	mock_emby_stop(m);
	mt_rmtree(dir);
	free(dir);
}

static void fixtures_recordings_replay_before_the_model(void **state)
{
	(void)state;
	char *dir = mt_tmpdir();
	char src[4096];
	snprintf(src, sizeof src, "%s", mt_fixture("demo-a"));
	/* a copy of demo-a's server and items with a recordings/ folder */
	const char *files[] = {"server.json", "items.json"};
	for (size_t i = 0; i < 2; i++) {
		char p[4096 + 64];
		snprintf(p, sizeof p, "%s/%s", src, files[i]);
		FILE *f = fopen(p, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		char *t = malloc((size_t)n + 1);
		assert_int_equal_dec(fread(t, 1, (size_t)n, f), n);
		t[n] = '\0';
		fclose(f);
		mt_write(dir, files[i], t);
		free(t);
	}
	mt_write(dir, "recordings/resume-quirk.json",
		 "{\"request\": {\"method\": \"GET\", \"path\": \"/Users/*/Items/Resume\", "
		 "\"query\": {\"Limit\": \"3\"}},\n"
		 " \"response\": {\"status\": 200, \"headers\": {\"X-Recorded\": \"yes\"},\n"
		 "              \"body\": {\"Items\": [{\"Id\": \"1\", \"Type\": \"Movie\"}], "
		 "\"TotalRecordCount\": 99}}}\n");
	mt_write(
	    dir, "recordings/z-error.json",
	    "[{\"request\": {\"path\": \"/Users/*/Items/240060\"},\n"
	    "  \"response\": {\"status\": 500, \"body_text\": \"Unrecognized Guid format.\"}}]\n");
	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = dir;
	mock_emby *m = mt_start_opts(&o);
	mt_resp r = mt_get(m, "/emby/Users/" A_ALICE "/Items/Resume?limit=3", A_TOKEN);
	assert_int_equal_dec(r.status, 200);
	assert_non_null(strstr(r.headers, "X-Recorded: yes"));
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 99);
	cJSON_Delete(j);
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/Resume?Limit=4", A_TOKEN); /* the model */
	assert_null(strstr(r.headers, "X-Recorded"));
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/" A_INCEPTION, A_TOKEN);
	assert_int_equal_dec(r.status, 500);
	assert_string_equal(r.body, "Unrecognized Guid format.");
	mt_free(&r);
	r = mt_get(m, "/Users/" A_ALICE "/Items/Resume?Limit=3", NULL); /* still needs a token */
	assert_int_equal_dec(r.status, 401);
	mt_free(&r);
	mock_emby_stop(m);
	mt_rmtree(dir);
	free(dir);
}

/* ---- the generator ---- */

static char *slurp(const char *dir, const char *name)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "rb");
	if (!f)
		fail_msg("cannot open %s", p);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *t = malloc((size_t)n + 1);
	assert_non_null(t);
	assert_int_equal_dec(fread(t, 1, (size_t)n, f), n);
	t[n] = '\0';
	fclose(f);
	return t;
}

static void fixtures_generator_is_deterministic_and_loads(void **state)
{
	(void)state;
	char *d1 = mt_tmpdir(), *d2 = mt_tmpdir(), *d3 = mt_tmpdir();
	mock_emby_gen_options g = MOCK_EMBY_GEN_OPTIONS_INIT;
	g.items = 700;
	g.resumable = 50;
	g.played = 20;
	g.seed = 3;
	char err[512];
	assert_int_equal(mock_emby_generate_fixtures(d1, &g, err, sizeof err), 0);
	assert_int_equal(mock_emby_generate_fixtures(d2, &g, err, sizeof err), 0);
	g.seed = 4;
	assert_int_equal(mock_emby_generate_fixtures(d3, &g, err, sizeof err), 0);
	char uid[33], uid4[33], udname[64];
	mock_emby_generated_user_id(3, uid);
	mock_emby_generated_user_id(4, uid4);
	assert_string_not_equal(uid, uid4);
	snprintf(udname, sizeof udname, "userdata/%s.json", uid);
	const char *names[] = {"server.json", "items.json", udname};
	for (size_t i = 0; i < 3; i++) {
		char *a = slurp(d1, names[i]), *b = slurp(d2, names[i]);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	char *a = slurp(d1, "items.json"), *c = slurp(d3, "items.json");
	assert_string_not_equal(a, c);
	free(a);
	free(c);

	mock_emby_options o = MOCK_EMBY_OPTIONS_INIT;
	o.fixtures_dir = d1;
	mock_emby *m = mt_start_opts(&o);
	char q[512];
	snprintf(q, sizeof q, "/Users/%s/Items?Recursive=true&Limit=0", uid);
	mt_resp r = mt_get(m, q, "bench-token-not-secret");
	cJSON *j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 700);
	cJSON_Delete(j);
	mt_free(&r);
	snprintf(q, sizeof q,
		 "/Users/%s/"
		 "Items?Recursive=true&IncludeItemTypes=Movie,Episode&Filters=IsResumable&Limit=0",
		 uid);
	r = mt_get(m, q, "bench-token-not-secret");
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 50);
	cJSON_Delete(j);
	mt_free(&r);
	snprintf(q, sizeof q, "/Users/%s/Items?Recursive=true&Filters=IsPlayed&Limit=0", uid);
	r = mt_get(m, q, "bench-token-not-secret");
	j = mt_json(&r);
	assert_int_equal_dec(mt_total(j), 20);
	cJSON_Delete(j);
	mt_free(&r);
	mock_emby_stop(m);
	mt_rmtree(d1);
	mt_rmtree(d2);
	mt_rmtree(d3);
	free(d1);
	free(d2);
	free(d3);
}

/* ---- the mock-emby binary ---- */

static const char *binary(void)
{
	static char path[4096];
	const char *bin = getenv("CWP_BINARY_DIR");
	snprintf(path, sizeof path, "%s/bin/mock-emby", bin && *bin ? bin : CWP_BINARY_DIR);
	return path;
}

/* Run mock-emby with args; returns its pid, its stdout (read end) in *out. */
static pid_t spawn(char *const argv[], int *out, int *errfd)
{
	int po[2], pe[2];
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	*out = po[0];
	*errfd = pe[0];
	return pid;
}

static void read_line(int fd, char *buf, size_t n)
{
	size_t len = 0;
	while (len + 1 < n) {
		ssize_t got = read(fd, buf + len, 1);
		if (got <= 0 || buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = '\0';
}

static int wait_exit(pid_t pid)
{
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void binary_serves_until_signal_and_writes_state(void **state)
{
	(void)state;
	int sigs[] = {SIGTERM, SIGINT};
	for (size_t i = 0; i < 2; i++) {
		char *dir = mt_tmpdir();
		char statef[4096];
		snprintf(statef, sizeof statef, "%s/state.json", dir);
		char *argv[] = {(char *)binary(), "--fixtures",  (char *)mt_fixture("demo-a"),
				"--listen",       "127.0.0.1:0", "--state-out",
				statef,           NULL};
		int out, errfd;
		pid_t pid = spawn(argv, &out, &errfd);
		char url[256];
		read_line(out, url, sizeof url);
		if (strncmp(url, "http://127.0.0.1:", 17) != 0) {
			kill(pid, SIGKILL);
			wait_exit(pid);
			fail_msg("first line is not a URL: '%s'", url);
		}
		/* talk to it with curl */
		CURL *c = curl_easy_init();
		char u[512];
		snprintf(u, sizeof u, "%s/Users/%s/Items/%s/UserData", url, A_ALICE, A_INCEPTION);
		struct curl_slist *h = curl_slist_append(NULL, "X-Emby-Token: " A_TOKEN);
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_URL, u);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"PlaybackPositionTicks\": 4242}");
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
		CURLcode rc = curl_easy_perform(c);
		long status = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		kill(pid, sigs[i]);
		int code = wait_exit(pid);
		close(out);
		close(errfd);
		assert_int_equal(rc, CURLE_OK);
		assert_int_equal_dec(status, 204);
		assert_int_equal_dec(code, 0);
		char *s = slurp(dir, "state.json");
		cJSON *j = cwp_json_parse_str(s);
		free(s);
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, A_ALICE), A_INCEPTION);
		assert_int_equal_dec(mt_num(e, "PlaybackPositionTicks"), 4242);
		cJSON_Delete(j);
		mt_rmtree(dir);
		free(dir);
	}
}

static void binary_refuses_bad_arguments_and_fixtures(void **state)
{
	(void)state;
	char *dir = mt_tmpdir();
	mt_write(dir, "server.json", "{\"ServerName\": 5}");
	struct {
		char *args[6];
		int code;
		const char *msg;
	} cases[] = {
	    {{NULL}, 2, "--fixtures"},
	    {{"--fixtures", dir, NULL}, 1, "$.ServerName"},
	    {{"--fixtures", (char *)"/nonexistent-fixture-dir", NULL}, 1, "server.json"},
	    {{"--bogus", "1", NULL}, 2, "bogus"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[8] = {(char *)binary()};
		for (size_t k = 0; cases[i].args[k]; k++)
			argv[k + 1] = cases[i].args[k];
		int out, errfd;
		pid_t pid = spawn(argv, &out, &errfd);
		char msg[4096] = "";
		size_t len = 0;
		ssize_t got;
		while (len + 1 < sizeof msg &&
		       (got = read(errfd, msg + len, sizeof msg - 1 - len)) > 0)
			len += (size_t)got;
		msg[len] = '\0';
		int code = wait_exit(pid);
		close(out);
		close(errfd);
		if (code != cases[i].code || !strstr(msg, cases[i].msg))
			fail_msg("case %zu: exit %d, stderr: %s", i, code, msg);
	}
	mt_rmtree(dir);
	free(dir);
}

static void binary_takes_the_admin_token_from_the_environment(void **state)
{
	(void)state;
	setenv("MOCK_EMBY_ADMIN_TOKEN", "env-admin-not-secret", 1);
	char *argv[] = {(char *)binary(), "--fixtures", (char *)mt_fixture("demo-b"), NULL};
	int out, errfd;
	pid_t pid = spawn(argv, &out, &errfd);
	unsetenv("MOCK_EMBY_ADMIN_TOKEN");
	char url[256], u[512];
	read_line(out, url, sizeof url);
	long status[2] = {0, 0};
	const char *tokens[] = {"env-admin-not-secret", "demo-b-admin-token-not-secret"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(u, sizeof u, "%s/__mock/journal?api_key=%s", url, tokens[i]);
		CURL *c = curl_easy_init();
		curl_easy_setopt(c, CURLOPT_URL, u);
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
		curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status[i]);
		curl_easy_cleanup(c);
	}
	kill(pid, SIGTERM);
	int code = wait_exit(pid);
	close(out);
	close(errfd);
	assert_int_equal_dec(status[0], 200);
	assert_int_equal_dec(status[1], 401);
	assert_int_equal_dec(code, 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(fixtures_demo_servers_have_the_promised_shapes),
    cmocka_unit_test(fixtures_demo_episodes_carry_only_episode_ids_and_ids_collide),
    cmocka_unit_test(fixtures_demo_user_data_gives_a_sync_real_work),
    cmocka_unit_test(fixtures_malformed_fixture_names_the_file_and_json_path),
    cmocka_unit_test(fixtures_hand_written_minimal_fixture_serves),
    cmocka_unit_test(fixtures_recordings_replay_before_the_model),
    cmocka_unit_test(fixtures_generator_is_deterministic_and_loads),
    cmocka_unit_test(binary_serves_until_signal_and_writes_state),
    cmocka_unit_test(binary_refuses_bad_arguments_and_fixtures),
    cmocka_unit_test(binary_takes_the_admin_token_from_the_environment),
};

CWP_TEST_MAIN(tests)
