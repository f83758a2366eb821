/* The pair file of `cwprogress sync` (docs/USAGE.md): both servers and the
 * progress feature's configuration (SPEC §3).
 *
 *   {"source":      {"url", "user_id", "token_env" | "token_file",
 *                    "username", "password_env", "libraries", "label",
 *                    "ca_file", "page_size", "max_in_flight",
 *                    "connect_timeout_ms", "timeout_ms", "max_attempts",
 *                    "backoff_ms", "max_response_bytes"},
 *    "destination": {…},
 *    "features": {"progress": {…}}}
 *
 * Tokens themselves are refused in the file (CLI-04), and so is any way of
 * turning TLS verification off (CLI-05: only `--insecure`). */
#ifndef CWP_CLI_PAIR_H
#define CWP_CLI_PAIR_H

#include "cwp/cwp.h"

struct cJSON;

enum { CWP__SRC = 0, CWP__DST = 1 };

typedef struct cwp__endpoint {
	char *label;        /* how output names the side; default "source"/"destination" */
	char *url;          /* http(s)://host[:port][/prefix] */
	char *user_id;      /* required unless username is given */
	char *token_env;    /* name of the environment variable holding the token */
	char *token_file;   /* or a private file holding it */
	char *username;     /* AuthenticateByName, with password_env */
	char *password_env; /* name of the environment variable holding the password */
	char *ca_file;
	char **libraries;
	size_t n_libraries;
	int page_size;     /* 0 = client default */
	int max_in_flight; /* 0 = client default */
	/* READ-07/08 knobs (0 = client default): short ones let the fault
	 * tests (cli/tests/faults.c) and slow links set them per server. */
	int connect_timeout_ms, timeout_ms, max_attempts, backoff_ms, max_response_bytes;
} cwp__endpoint;

typedef struct cwp__pair {
	cwp__endpoint side[2];
	cwp_config cfg;
} cwp__pair;

/* Parse pair text. Errors (CWP_ECONFIG, CWP_EPARSE) name the file, the key
 * and what is wrong in err; *out is zeroed then and needs no free. Unknown
 * keys are warnings. */
int cwp__pair_parse(cwp__pair *out, const char *text, size_t len, const char *name, cwp_warnings *w,
		    char *err, size_t errsz);
int cwp__pair_load(cwp__pair *out, const char *path, cwp_warnings *w, char *err, size_t errsz);
void cwp__pair_free(cwp__pair *p);

/* One side from its JSON object (used by the pair file and the journal's
 * header). side_name is "source" or "destination" for messages. */
int cwp__endpoint_from_json(cwp__endpoint *out, const struct cJSON *obj, const char *side_name,
			    const char *file, cwp_warnings *w, char *err, size_t errsz);
void cwp__endpoint_free(cwp__endpoint *e);
/* The endpoint's JSON, without any secret (for journals and reports). */
struct cJSON *cwp__endpoint_to_json(const cwp__endpoint *e);

/* The credentials of an endpoint, read now from the environment or the token
 * file. Errors name the variable or the file, never a value. */
typedef struct cwp__creds {
	char *token;
	char *password;
} cwp__creds;
int cwp__endpoint_creds(cwp__creds *out, const cwp__endpoint *e, char *err, size_t errsz);
void cwp__creds_free(cwp__creds *c);

/* Endpoint → Emby client: the one place every verb turns a pair-file side
 * (and its credentials) into a client. `extra` holds what the command line
 * adds: --insecure, --ca-file, --max-in-flight and the progress bar. */
struct emby_client;
struct emby_shared;
typedef struct cwp__client_extra {
	bool insecure;
	const char *ca_file; /* overrides the endpoint's */
	int max_in_flight;   /* 0: the endpoint's or the client's default */
	void (*progress)(void *ud, const char *phase, size_t done, size_t total);
	void *progress_ud;
	const char *default_label; /* when the endpoint has none */
} cwp__client_extra;
/* CWP_EXIT_USAGE-worthy failures return non-zero with err set. */
int cwp__client_new(struct emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
		    const cwp__client_extra *x, char *err, size_t errsz);
/* The same, with the client's response hook (emby_options.on_response), for
 * `record`, which keeps every answer a sync reads. */
typedef void (*cwp__response_hook)(void *ud, const char *method, const char *path_query,
				   long status, const char *body, size_t len);
int cwp__client_new_hooked(struct emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
			   const cwp__client_extra *x, cwp__response_hook on_response, void *ud,
			   char *err, size_t errsz);
/* The same, sharing the probe's and /Sessions' answers with the other pairs
 * of a household run (SVC-01; emby_options.shared; borrowed, may be NULL). */
int cwp__client_new_shared(struct emby_client **out, const cwp__endpoint *ep, const cwp__creds *cr,
			   const cwp__client_extra *x, struct emby_shared *shared, char *err,
			   size_t errsz);

/* Read a whole file into a NUL-terminated buffer (caller frees). */
int cwp__read_file(char **out, size_t *len, const char *path, size_t max, char *err, size_t errsz);

#endif
