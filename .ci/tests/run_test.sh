#!/usr/bin/env bash
# Test of .ci/run itself (CTest: ci.run_stops_at_first_failure, label unit).
#
# Copies .ci/run into a scratch tree where every command it runs is a stub:
# `cmake` and `ctest` on PATH, and every script of the tree it names
# (.ci/*, fuzz/*). Each stub logs its call; the K-th call fails (exit 7).
# For every K the run must exit 7 at once with exactly K calls logged:
# a failing step (the Debug test workflow among them) ends the run and
# nothing after it runs. With no failure, every step runs, in order.
# It also checks that the README's test command is what .ci/run runs
# first, one command per step, and that no step line is an `&&` list.
#
#   .ci/tests/run_test.sh [SOURCE_DIR]
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
run="$src/.ci/run"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# The step lines of .ci/run: `step NAME COMMAND...`.
mapfile -t steps < <(sed -n 's/^step [^ ]* //p' "$run")
[ "${#steps[@]}" -ge 3 ] || fail ".ci/run has ${#steps[@]} step lines"

# Static checks: set -euo pipefail, no && list outside comments.
grep -qx 'set -euo pipefail' "$run" || fail ".ci/run does not set -euo pipefail"
if grep -v '^[[:space:]]*#' "$run" | grep -n '&&' >&2; then
	fail ".ci/run has an && list (bash does not stop on its first command's failure)"
fi

# The README's test command (the line after "Run every test"), split on &&,
# is .ci/run's first steps in the same order.
readme_cmd="$(sed -n '/^Run every test/,/^```$/p' "$src/README.md" | sed -n '/^```sh$/{n;p;q}')"
[ -n "$readme_cmd" ] || fail "README.md: no test command after \"Run every test\""
i=0
while IFS= read -r part; do
	part="$(echo "$part" | sed 's/^ *//; s/ *$//')"
	[ -n "$part" ] || continue
	[ "${steps[$i]:-}" = "$part" ] ||
		fail "README's command part $((i + 1)) \"$part\" is not .ci/run's step $((i + 1)) (\"${steps[$i]:-}\")"
	i=$((i + 1))
done < <(echo "$readme_cmd" | sed 's/ && /\n/g')

# The scratch tree: .ci/run itself plus a stub for every script it names.
tree="$tmp/tree"
mkdir -p "$tree/.ci" "$tmp/bin"
cp "$run" "$tree/.ci/run"
stub() { # stub PATH NAME
	mkdir -p "$(dirname "$1")"
	cat >"$1" <<STUB
#!/bin/sh
echo "$2 \$*" >>"\$CI_LOG"
[ "\$(wc -l <"\$CI_LOG")" -ne "\${CI_FAIL_AT:-0}" ] || exit 7
exit 0
STUB
	chmod +x "$1"
}
stub "$tmp/bin/cmake" cmake
stub "$tmp/bin/ctest" ctest
for word in $(printf '%s\n' "${steps[@]}" | tr ' ' '\n' | grep -E '^(\./)?(\.ci|fuzz|cmake)/' | sort -u); do
	[ "$word" = ".ci/run" ] || stub "$tree/${word#./}" "$word"
done

# Run it: $1 = the call that fails (0: none). Prints the exit status.
ci() {
	: >"$tmp/log"
	local rc=0
	CI_LOG="$tmp/log" CI_FAIL_AT="$1" PATH="$tmp/bin:$PATH" \
		bash "$tree/.ci/run" >"$tmp/out" 2>&1 </dev/null || rc=$?
	echo "$rc"
}

n="${#steps[@]}"
rc="$(ci 0)"
[ "$rc" -eq 0 ] || fail "no failing step: .ci/run exited $rc"
calls="$(wc -l <"$tmp/log")"
[ "$calls" -eq "$n" ] || fail "no failing step: $calls calls for $n steps"
mapfile -t logged <"$tmp/log"
for ((k = 0; k < n; k++)); do
	# `env VAR=1 cmd 'a'` logs as `cmd a`.
	want="$(echo "${steps[$k]}" | sed -E "s/^env ([A-Z_]+=[^ ]* )+//; s/^\.\///; s/[\"']//g")"
	got="$(echo "${logged[$k]:-}" | sed 's/ *$//')"
	[ "$got" = "$want" ] || fail "step $((k + 1)): ran \"$got\", expected \"$want\""
done

for ((k = 1; k <= n; k++)); do
	rc="$(ci "$k")"
	calls="$(wc -l <"$tmp/log")"
	if [ "$rc" -ne 7 ] || [ "$calls" -ne "$k" ]; then
		fail "step $k (${steps[$((k - 1))]}) failing: exit $rc after $calls calls (want 7 after $k)"
		sed 's/^/  | /' "$tmp/out" >&2
	fi
	grep -q 'FAILED' "$tmp/out" || fail "step $k failing: no FAILED banner"
done

if [ "$fails" -ne 0 ]; then
	echo "$fails failed" >&2
	exit 1
fi
echo ".ci/run: $n steps; each failing step ends the run with its status, nothing after it runs"
