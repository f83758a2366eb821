/* Households (household.h): the pair file's "users" and "webhook". */
#include "household.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cmd.h"
#include "token.h"

#ifdef CWP_HAVE_CLIENT
#include "emby/raw.h"
#endif

/* Any user_id: the pair parser needs one; "users" gives the real ones. */
#define PLACEHOLDER_ID "00000000000000000000000000000000"

static bool is_hex32(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
		      (s[n] >= 'A' && s[n] <= 'F')))
			return false;
	return n == 32;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_users(cwp__household *h, const cJSON *users, const char *path, char *err,
		       size_t errsz)
{
	static const char *const sides[2] = {"source", "destination"};
	if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) < 1 ||
	    cJSON_GetArraySize(users) > CWP__MAX_USERS) {
		snprintf(err, errsz,
			 "%s: users must be an array of 1-%d {\"source\", \"destination\"}", path,
			 CWP__MAX_USERS);
		return CWP_EXIT_USAGE;
	}
	const cJSON *u;
	cJSON_ArrayForEach(u, users)
	{
		size_t i = h->n_users++; /* counted first: freed even when refused */
		for (int s = 0; s < 2; s++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, sides[s]);
			if (!cJSON_IsString(v) || !v->valuestring[0] ||
			    strlen(v->valuestring) > 128) {
				snprintf(err, errsz,
					 "%s: users[%zu].%s must be a user id or a user name (a "
					 "string of 1-128 characters)",
					 path, i, sides[s]);
				return CWP_EXIT_USAGE;
			}
			h->users[i].given[s] = strdup(v->valuestring);
			if (is_hex32(v->valuestring))
				h->users[i].user_id[s] = strdup(v->valuestring);
		}
	}
	return 0;
}

static int parse_webhook(cwp__household *h, const cJSON *wh, const char *path, char *err,
			 size_t errsz)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(wh, "secret_env");
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(wh, "secret_file");
	if (cJSON_GetObjectItemCaseSensitive(wh, "secret")) {
		snprintf(err, errsz,
			 "%s: webhook.secret is refused: put the secret in an environment "
			 "variable (secret_env) or a private file (secret_file)",
			 path);
		return CWP_EXIT_USAGE;
	}
	if (!cJSON_IsObject(wh) || (!cJSON_IsString(env) == !cJSON_IsString(file))) {
		snprintf(err, errsz,
			 "%s: webhook must be {\"secret_env\": NAME} or "
			 "{\"secret_file\": PATH}",
			 path);
		return CWP_EXIT_USAGE;
	}
	h->secret_env = dup_or_null(cJSON_IsString(env) ? env->valuestring : NULL);
	h->secret_file = dup_or_null(cJSON_IsString(file) ? file->valuestring : NULL);
	return 0;
}

/* The file without "users" and "webhook" (and with a placeholder user_id
 * where "users" supplies them) for the pair parser. */
static char *pair_text(cJSON *root, bool users)
{
	cJSON_DeleteItemFromObjectCaseSensitive(root, "users");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "webhook");
	static const char *const sides[2] = {"source", "destination"};
	for (int s = 0; users && s < 2; s++) {
		cJSON *side = cJSON_GetObjectItemCaseSensitive(root, sides[s]);
		if (cJSON_IsObject(side) && !cJSON_GetObjectItemCaseSensitive(side, "user_id"))
			cJSON_AddStringToObject(side, "user_id", PLACEHOLDER_ID);
	}
	return cJSON_PrintUnformatted(root);
}

int cwp__household_load(cwp__household *out, const char *path, cwp_warnings *w, char *err,
			size_t errsz)
{
	memset(out, 0, sizeof(*out));
	char *text = NULL, *ptext = NULL;
	size_t len = 0;
	int rc = cwp__read_file(&text, &len, path, (size_t)1 << 20, err, errsz);
	if (rc != 0)
		return CWP_EXIT_USAGE;
	cJSON *root = cwp_json_parse(text, len);
	rc = CWP_EXIT_USAGE;
	if (!cJSON_IsObject(root)) {
		snprintf(err, errsz, "%s: not a JSON object", path);
		goto done;
	}
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(root, "users");
	const cJSON *wh = cJSON_GetObjectItemCaseSensitive(root, "webhook");
	if ((users && parse_users(out, users, path, err, errsz) != 0) ||
	    (wh && parse_webhook(out, wh, path, err, errsz) != 0))
		goto done;
	out->has_users = users != NULL;
	ptext = pair_text(root, out->has_users);
	if (!ptext || cwp__pair_parse(&out->pair, ptext, strlen(ptext), path, w, err, errsz) != 0)
		goto done;
	if (!out->has_users) {
		for (int s = 0; s < 2; s++) {
			const cwp__endpoint *e = &out->pair.side[s];
			out->users[0].given[s] = dup_or_null(e->user_id ? e->user_id : e->username);
			out->users[0].user_id[s] = dup_or_null(e->user_id);
		}
		out->n_users = 1;
	}
	rc = 0;
done:
	cJSON_Delete(root);
	free(ptext);
	free(text);
	if (rc != 0)
		cwp__household_free(out);
	return rc;
}

void cwp__household_free(cwp__household *h)
{
	for (size_t i = 0; i < h->n_users; i++)
		for (int s = 0; s < 2; s++) {
			free(h->users[i].given[s]);
			free(h->users[i].user_id[s]);
			free(h->users[i].name[s]);
		}
	cwp__pair_free(&h->pair);
	free(h->secret_env);
	free(h->secret_file);
	memset(h, 0, sizeof(*h));
}

bool cwp__household_is(const char *path)
{
	char *text = NULL, err[256];
	size_t len = 0;
	if (cwp__read_file(&text, &len, path, (size_t)1 << 20, err, sizeof err) != 0)
		return false;
	cJSON *root = cwp_json_parse(text, len);
	bool is = cJSON_GetObjectItemCaseSensitive(root, "users") != NULL;
	cJSON_Delete(root);
	free(text);
	return is;
}

int cwp__household_secret(char **out, const cwp__household *h, char *err, size_t errsz)
{
	*out = NULL;
	int rc;
	if (h->secret_env)
		rc = cwp__token_from_env(out, h->secret_env, err, errsz);
	else if (h->secret_file)
		rc = cwp__token_from_file(out, h->secret_file, err, errsz);
	else {
		snprintf(err, errsz,
			 "--listen needs \"webhook\": {\"secret_env\": NAME} or "
			 "{\"secret_file\": PATH} in the pair file");
		return CWP_EXIT_USAGE;
	}
	if (rc != 0)
		return CWP_EXIT_USAGE;
	cwp__secret_add(*out);
	return 0;
}

#ifdef CWP_HAVE_CLIENT
/* Match a name in a /Users answer: exactly one user, case-insensitively. */
static int match_name(cwp__user_pair *u, int s, const cJSON *list, const char *label, char *err,
		      size_t errsz)
{
	const cJSON *hit = NULL, *it;
	int n = 0;
	cJSON_ArrayForEach(it, list)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "Name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");
		if (cJSON_IsString(name) && cJSON_IsString(id) &&
		    strcasecmp(name->valuestring, u->given[s]) == 0) {
			hit = it;
			n++;
		}
	}
	if (n != 1) {
		snprintf(err, errsz, "users: \"%s\" matches %s on %s", u->given[s],
			 n ? "several users" : "no user", label);
		return CWP_EXIT_USAGE;
	}
	u->user_id[s] = strdup(cJSON_GetObjectItemCaseSensitive(hit, "Id")->valuestring);
	u->name[s] = strdup(u->given[s]);
	return 0;
}

/* GET /Users once on side s and resolve every name given for it. */
static int resolve_side(cwp__household *h, int s, const cwp__creds *cr, const cwp__client_extra *x,
			char *err, size_t errsz)
{
	bool need = false;
	for (size_t i = 0; i < h->n_users; i++)
		need |= h->users[i].user_id[s] == NULL;
	if (!need || !h->has_users) /* one pair: the client logs in by name */
		return 0;
	const cwp__endpoint ep = h->pair.side[s]; /* user_id may be the placeholder */
	emby_client *c = NULL;
	emby_raw raw = EMBY_RAW_INIT;
	cJSON *list = NULL;
	int rc = CWP_EXIT_USAGE;
	if (cwp__client_new(&c, &ep, cr, x, err, errsz) != 0)
		goto done;
	if (emby_raw_get(c, "/Users", NULL, &raw) != 0) {
		snprintf(err, errsz,
			 "users: cannot list the users (GET /Users needs an admin API "
			 "key): %s",
			 emby_client_error(c));
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}
	list = cwp_json_parse(raw.body, raw.len);
	if (!cJSON_IsArray(list)) {
		snprintf(err, errsz, "users: GET /Users on %s is not a JSON array",
			 ep.label ? ep.label : (s ? "destination" : "source"));
		rc = CWP_EXIT_READ_FAILED;
		goto done;
	}
	rc = 0;
	for (size_t i = 0; rc == 0 && i < h->n_users; i++)
		if (!h->users[i].user_id[s])
			rc = match_name(&h->users[i], s, list,
					ep.label ? ep.label : (s ? "destination" : "source"), err,
					errsz);
done:
	cJSON_Delete(list);
	emby_raw_free(&raw);
	emby_client_free(c);
	return rc;
}

int cwp__household_resolve(cwp__household *h, const cwp__creds creds[2],
			   const cwp__client_extra x[2], char *err, size_t errsz)
{
	for (int s = 0; s < 2; s++) {
		int rc = resolve_side(h, s, &creds[s], &x[s], err, errsz);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < h->n_users; i++)
		for (size_t j = i + 1; j < h->n_users; j++)
			if (h->users[i].user_id[1] && h->users[j].user_id[1] &&
			    strcasecmp(h->users[i].user_id[1], h->users[j].user_id[1]) == 0) {
				snprintf(err, errsz,
					 "users[%zu] and users[%zu] name the same destination user "
					 "(%s): refused (SVC-01)",
					 i, j, h->users[j].given[1]);
				return CWP_EXIT_USAGE;
			}
	return 0;
}
#else
int cwp__household_resolve(cwp__household *h, const cwp__creds creds[2],
			   const cwp__client_extra x[2], char *err, size_t errsz)
{
	(void)h, (void)creds, (void)x;
	snprintf(err, errsz, "this cwprogress was built without emby_client");
	return CWP_EXIT_USAGE;
}
#endif
