#!/bin/sh
# Runs a command on a machine without pseudo-terminals, as a container without
# /dev/pts is: a private mount namespace with an empty tmpfs over /dev/pts
# (openpty then fails with ENODEV). The tests that need a terminal must skip
# there, saying why (cmake/CwpCiTests.cmake). Exits 77, CTest's skip, when
# this machine cannot make such a namespace (no unshare, not allowed).
#
#   .ci/tests/without-pts.sh COMMAND [ARG...]
if ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
	echo "without-pts: cannot make a mount namespace here (unshare -m): not tested"
	exit 77
fi
exec unshare -m sh -c 'mount -t tmpfs -o size=4k cwp-no-pts /dev/pts && exec "$@"' sh "$@"
