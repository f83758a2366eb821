/* A pseudo-terminal for the tests of terminal output (CLI-06's progress
 * bar), or the reason there is none: a container without /dev/pts has none,
 * and the tests that need one skip there with that reason (cmocka skip())
 * before they allocate anything. Header-only: each test binary that needs a
 * terminal includes it. cmake/CwpCiTests.cmake runs those tests once more
 * with /dev/pts hidden (.ci/tests/without-pts.sh) to prove the skip. */
#ifndef CWP_PTY_H
#define CWP_PTY_H

#include <errno.h>
#include <pty.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Opens a master/slave pair; false with why filled when there is none. */
static inline bool cwp_test_openpty(int *master, int *slave, char *why, size_t whysz)
{
	*master = *slave = -1;
	if (openpty(master, slave, NULL, NULL, NULL) == 0)
		return true;
	snprintf(why, whysz,
		 "needs a pseudo-terminal and this machine has none (openpty: %s; "
		 "is /dev/pts mounted?)",
		 strerror(errno));
	return false;
}

#endif
