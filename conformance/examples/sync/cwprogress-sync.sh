#!/bin/sh
# cwprogress's own sync behind the `cwprogress conform --sync-cmd` contract
# (docs/PORTING.md, "The sync runner"): the runner's environment becomes one
# `cwprogress sync` call. A port wraps its own tool the same way:
#
#   cwprogress conform --sync-cmd "sh /usr/share/cwprogress/conformance/examples/sync/cwprogress-sync.sh"
#
# CWP_CONFORM_PAIR is a pair file whose token_env names CWP_SOURCE_TOKEN and
# CWP_DESTINATION_TOKEN (set by the runner): no token is ever on a command
# line. CWPROGRESS picks the binary (default: cwprogress on PATH).
set -eu
: "${CWPROGRESS:=cwprogress}"
# The run's journal and lock live in the state folder the runner keeps for
# the whole scenario (and removes afterwards).
export XDG_STATE_HOME="$CWP_CONFORM_STATE"
set -- sync --config "$CWP_CONFORM_PAIR" --journal "$CWP_CONFORM_STATE/journal.jsonl"
if [ "${CWP_CONFORM_DRY_RUN:-0}" = 1 ]; then
	set -- "$@" --dry-run
fi
if [ "${CWP_CONFORM_REPORT:-json}" = json ]; then
	set -- "$@" --json
fi
exec "$CWPROGRESS" "$@"
