/* cwprogress core: error codes, last-error messages, warnings.
 *
 * Conventions (libgit2/libuv): fallible functions return int, 0 on success and
 * a negative CWP_E* code on failure; outputs come first. A failing function
 * also sets a thread-local message, read with cwp_error_last(). */
#ifndef CWP_COMMON_H
#define CWP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CWP_VERSION_STRING "0.1.0"

typedef enum cwp_error_code {
	CWP_OK = 0,
	CWP_ERROR = -1,     /* generic failure */
	CWP_ENOMEM = -2,    /* out of memory */
	CWP_EINVAL = -3,    /* invalid argument or invalid value */
	CWP_EPARSE = -4,    /* malformed input text (not JSON, wrong shape) */
	CWP_ECONFIG = -5,   /* configuration error (CFG-02) */
	CWP_EIO = -6,       /* file or stream I/O failed */
	CWP_ENOTFOUND = -7, /* no such key, item or file */
	CWP_EABSENT = -8, /* a value is absent (null, missing, zero date); not an error by itself */
	CWP_ERANGE = -9,  /* value out of range, or a buffer too small */
	CWP_EAUTH = -10,  /* 401/403 from a server */
	CWP_ENET = -11,   /* connection failed or dropped */
	CWP_EHTTP = -12,  /* unexpected HTTP status */
	CWP_ETIMEOUT = -13, /* a request timed out */
	CWP_ETOOBIG = -14,  /* response body over the cap (READ-08) */
	CWP_EPAGING = -15,  /* paging_loop (READ-04) */
	CWP_EDECODE = -16,  /* a server answer that is not the expected JSON (READ-05) */
	CWP_EPERM = -17,    /* refused: e.g. a token file readable by group/world (CLI-04) */
} cwp_error_code;

/* A short, static description of a code ("out of memory"). Never NULL. */
const char *cwp_strerror(int code);

/* The message of the last failure in this thread, or "" when there is none.
 * The string is owned by the library and valid until the next failing call in
 * this thread. */
const char *cwp_error_last(void);

/* Forget the last message of this thread. */
void cwp_error_clear(void);

/* Set this thread's last message (printf format) and return code, so that a
 * caller can write `return cwp_error_set(CWP_EINVAL, "...", ...);`. Messages
 * longer than 1 KiB are truncated. */
int cwp_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A sink for non-fatal warnings (UNIT-03: an invalid value that became absent,
 * CFG-02: an unknown configuration key, READ-05: a dropped row).
 * `count` counts every warning; `sink`, when set, receives each message (a
 * temporary string, valid only during the call). A NULL cwp_warnings pointer
 * is accepted everywhere and means "ignore warnings". */
typedef struct cwp_warnings {
	size_t count;
	void (*sink)(void *ud, const char *msg);
	void *ud;
} cwp_warnings;

#define CWP_WARNINGS_INIT     \
	{                     \
		0, NULL, NULL \
	}

void cwp_warn(cwp_warnings *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
