/* undo's internals shared by undo_load.c and undo.c (not installed). */
#ifndef CWP_SYNC_UNDO_INTERNAL_H
#define CWP_SYNC_UNDO_INTERNAL_H

#include "internal.h"

/* A UserData state as undo compares it (ms precision, UNIT-08). */
typedef struct cwp__undo_state {
	int64_t ms;
	bool has_date;
	int64_t date;
	bool played;
} cwp__undo_state;

typedef struct cwp__undo_expect {
	cwp__undo_state after;  /* what the newest run's steps left */
	bool uncertain;         /* its write got no answer: it may not have landed */
	cwp__undo_state before; /* the newest run's previous state */
	char body[192];         /* the restore */
} cwp__undo_expect;

struct cwp_undo {
	cwp_undo_item *items;
	cwp__undo_expect *exp;
	size_t n;
	char *server[2];
	const char *failed_phase;
};

#endif
