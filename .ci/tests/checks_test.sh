#!/usr/bin/env bash
# Test of the style gates in .ci/checks (CTest: ci.checks_gates, label unit),
# in a scratch git repository holding a copy of .ci/checks and of the
# project's .clang-format: each gate must fail on what it guards against
# and pass once the tree is right.
#
#   .ci/tests/checks_test.sh [SOURCE_DIR]
set -euo pipefail
src="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
for tool in git clang-format pmccabe; do
	command -v "$tool" >/dev/null || {
		echo "checks_test: no $tool (.ci/setup installs it): not tested"
		exit 77
	}
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
cd "$tmp"
git init -q .
mkdir .ci lib
cp "$src/.ci/checks" .ci/checks
cp "$src/.clang-format" .clang-format
printf '# comment lines are kept\n' >.ci/complexity-exceptions

# A function of 90 lines (over the 80-line limit) and a small one.
{
	echo 'int big(int x);'
	echo 'int big(int x)'
	echo '{'
	for i in $(seq 1 86); do printf '\tx += %d;\n' "$i"; done
	echo '	return x;'
	echo '}'
	echo 'int small(int x);'
	echo 'int small(int x)'
	echo '{'
	echo '	return x + 1;'
	echo '}'
} >lib/a.c
git add -A
expect() { # expect 0|1 "what" GATE... ; output in $tmp/out
	local want="$1" what="$2" rc=0
	shift 2
	bash .ci/checks "$@" >"$tmp/out" 2>&1 || rc=$?
	if { [ "$want" -eq 0 ] && [ "$rc" -ne 0 ]; } || { [ "$want" -ne 0 ] && [ "$rc" -eq 0 ]; }; then
		fail "$what: .ci/checks $* exited $rc"
		sed 's/^/  | /' "$tmp/out" >&2
	fi
}

expect 1 "an unlisted function over the limit" complexity
grep -q 'lib/a.c:big: 90 lines' "$tmp/out" || fail "the message does not name lib/a.c:big and its 90 lines"
expect 0 "format of a formatted file" format
expect 0 "regenerate" complexity --regenerate
grep -qx '90 1 lib/a.c:big' .ci/complexity-exceptions || fail "--regenerate did not list big as \"90 1 lib/a.c:big\""
grep -q '^# comment lines are kept' .ci/complexity-exceptions || fail "--regenerate dropped the comments"
expect 0 "a listed function at its figures" complexity

# It grows: one more line.
sed -i 's/^\treturn x;$/\tx += 1000;\n\treturn x;/' lib/a.c
git add -A
expect 1 "a listed function that grew" complexity
grep -q 'grew to 91 lines' "$tmp/out" || fail "growth is not reported"

# It shrinks below the limit: the list must lose it.
sed -i '/^\tx += [0-9]*;$/d' lib/a.c
git add -A
expect 1 "a listed function back within the limits" complexity
grep -q 'remove it' "$tmp/out" || fail "a function back within the limits is not reported"
expect 0 "update" complexity --update
grep -q 'lib/a.c:big' .ci/complexity-exceptions && fail "--update kept a function within the limits"
expect 0 "after update" complexity

# --update never adds a function.
printf 'int more(int x);\nint more(int x)\n{\n' >lib/b.c
for i in $(seq 1 85); do printf '\tx -= %d;\n' "$i" >>lib/b.c; done
printf '\treturn x;\n}\n' >>lib/b.c
git add -A
expect 0 "update with a new big function" complexity --update
grep -q 'lib/b.c:more' .ci/complexity-exceptions && fail "--update added a new function"
expect 1 "the new big function" complexity
git rm -q -f lib/b.c

# format: a line as clang-format would not lay it out.
printf 'int  odd ( void ) ;\n' >lib/c.c
git add -A
expect 1 "a misformatted file" format
git rm -q -f lib/c.c

# json-lock: cJSON parsed directly, then through the lock.
printf '#include <cjson/cJSON.h>\nvoid *p(const char *s);\nvoid *p(const char *s)\n{\n\treturn cJSON_Parse(s);\n}\n' >lib/j.c
git add -A
expect 1 "a direct cJSON_Parse" json-lock
grep -q 'lib/j.c:5' "$tmp/out" || fail "json-lock does not name lib/j.c:5"
sed -i 's/cJSON_Parse(s)/cwp_json_parse_str(s)/' lib/j.c
git add -A
expect 0 "a parse through cwp_json_parse_str" json-lock

expect 1 "an unknown gate" nonsense

if [ "$fails" -ne 0 ]; then
	echo "$fails failed" >&2
	exit 1
fi
echo ".ci/checks: format, complexity (list, growth, shrink, --update, --regenerate) and json-lock gates checked"
