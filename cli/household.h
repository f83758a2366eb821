/* Households (SVC-01) and the service's part of the pair file: a pair file
 * may list several user pairs and a webhook secret beside the usual servers
 * and features (docs/USAGE.md, "Households", "Run it as a service"):
 *
 *   {"source": {...}, "destination": {...}, "features": {...},
 *    "users": [{"source": "alice", "destination": "alice"},
 *              {"source": "<32-hex id>", "destination": "bob"}],
 *    "webhook": {"secret_env": "CWP_WEBHOOK_SECRET"} | {"secret_file": PATH}}
 *
 * Each user is an id (32 hex characters) or a name, resolved through GET
 * /Users with the side's token (an admin API key lists every user). Without
 * "users" the file is one pair, as before. */
#ifndef CWP_CLI_HOUSEHOLD_H
#define CWP_CLI_HOUSEHOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "pair.h"

#define CWP__MAX_USERS 64

typedef struct cwp__user_pair {
	char *given[2];   /* as written: id or name */
	char *user_id[2]; /* resolved ids (NULL until resolved) */
	char *name[2];    /* the user's name when known */
} cwp__user_pair;

typedef struct cwp__household {
	cwp__pair pair; /* the servers and features, as one pair file */
	bool has_users; /* the file has "users" */
	cwp__user_pair users[CWP__MAX_USERS];
	size_t n_users;                 /* 1 without "users": the pair's own user ids */
	char *secret_env, *secret_file; /* "webhook" */
} cwp__household;

/* Read the file; errors (exit 2) name the file and the key. Without
 * "users", users[0] holds the sides' user_id (or username). */
int cwp__household_load(cwp__household *out, const char *path, cwp_warnings *w, char *err,
			size_t errsz);
void cwp__household_free(cwp__household *h);

/* Resolve names to ids through GET /Users on each side (one request per
 * side, only when a name is given), then refuse two pairs with the same
 * destination user. creds are both sides' credentials; x as for
 * cwp__client_new. A name that matches no user, or several, is an error
 * naming it (exit 2); a server that cannot be asked is exit 3. */
int cwp__household_resolve(cwp__household *h, const cwp__creds creds[2],
			   const cwp__client_extra x[2], char *err, size_t errsz);

/* The webhook secret, read now (environment or a private file, as tokens:
 * CLI-04). Registered for redaction. */
int cwp__household_secret(char **out, const cwp__household *h, char *err, size_t errsz);

/* Is the pair file a household, or does it configure a webhook? Cheap
 * check (parses the file); false when it cannot be read. */
bool cwp__household_is(const char *path);

#endif
