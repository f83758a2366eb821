/* Tokens (CLI-04): read only from the environment or from a token file that
 * nobody but its owner can read; never from argv. Every token read is also
 * registered as a secret, so that cwp__redact can scrub it from any message
 * before it is printed, journaled or reported (defence in depth: the client
 * never puts tokens into messages either). */
#ifndef CWP_CLI_TOKEN_H
#define CWP_CLI_TOKEN_H

#include <stddef.h>

/* The value of environment variable `var` (trimmed of surrounding white
 * space) in *out (malloc'd, the caller frees it with cwp__secret_free).
 * Unset or empty: CWP_ENOTFOUND, err names the variable (never a value). */
int cwp__token_from_env(char **out, const char *var, char *err, size_t errsz);

/* The first line of a token file (trimmed). Refused with CWP_EPERM when the
 * file is readable or writable by group or others (st_mode & 077), with
 * CWP_EIO when it cannot be read, CWP_ENOTFOUND when it holds no token. */
int cwp__token_from_file(char **out, const char *path, char *err, size_t errsz);

/* Register s (copied) as a secret for cwp__redact. Empty strings ignored. */
void cwp__secret_add(const char *s);
/* Forget every registered secret (wiping the copies). */
void cwp__secret_clear(void);
/* Wipe and free a token string returned above. NULL is accepted. */
void cwp__secret_free(char *s);

/* Replace every occurrence of a registered secret in s (in place) with
 * "***". Returns s. */
char *cwp__redact(char *s);

#endif
