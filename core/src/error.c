/* Error codes, thread-local last-error messages and warnings. */
#include <stdarg.h>
#include <stdio.h>

#include "cwp/common.h"

#define CWP_ERROR_MSG_MAX 1024

static _Thread_local char last_error[CWP_ERROR_MSG_MAX];

const char *cwp_strerror(int code)
{
	switch (code) {
	case CWP_OK:
		return "success";
	case CWP_ERROR:
		return "failure";
	case CWP_ENOMEM:
		return "out of memory";
	case CWP_EINVAL:
		return "invalid value";
	case CWP_EPARSE:
		return "malformed input";
	case CWP_ECONFIG:
		return "configuration error";
	case CWP_EIO:
		return "I/O error";
	case CWP_ENOTFOUND:
		return "not found";
	case CWP_EABSENT:
		return "value absent";
	case CWP_ERANGE:
		return "out of range";
	case CWP_EAUTH:
		return "authentication failed";
	case CWP_ENET:
		return "network error";
	case CWP_EHTTP:
		return "unexpected HTTP status";
	case CWP_ETIMEOUT:
		return "timed out";
	case CWP_ETOOBIG:
		return "response too large";
	case CWP_EPAGING:
		return "paging loop";
	case CWP_EDECODE:
		return "unexpected server answer";
	case CWP_EPERM:
		return "refused";
	default:
		return "unknown error";
	}
}

const char *cwp_error_last(void)
{
	return last_error;
}

void cwp_error_clear(void)
{
	last_error[0] = '\0';
}

int cwp_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return code;
}

void cwp_warn(cwp_warnings *w, const char *fmt, ...)
{
	char msg[CWP_ERROR_MSG_MAX];
	va_list ap;

	if (!w)
		return;
	w->count++;
	if (!w->sink)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->sink(w->ud, msg);
}
