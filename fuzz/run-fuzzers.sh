#!/usr/bin/env bash
# Build the `fuzz` preset (clang, libFuzzer, ASan+UBSan) and fuzz every target
# for SECONDS_PER_TARGET (default 30), one fuzzer process at a time, at the
# lowest CPU priority (the machine is shared).
#
#   fuzz/run-fuzzers.sh [options] [SECONDS_PER_TARGET]
#     --targets "ticks time"   only these targets (default: every built target)
#     --out DIR                scratch directory (default: ${TMPDIR:-/tmp}/cwp-fuzz):
#                              DIR/corpus/<name>/ new inputs, DIR/artifacts/<name>/
#                              crashes, DIR/logs/<name>.log libFuzzer's output
#     --merge                  afterwards, merge the new inputs into fuzz/corpus/<name>/
#                              (libFuzzer -merge=1: only inputs that add coverage)
#     --no-build               use the existing build/fuzz
#
# The repository's corpora are read, never written, unless --merge is given.
# Exit status: 0 when no target crashed, 1 when some did (their artifacts are
# listed), 2 on a usage or build error.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build/fuzz"
out="${TMPDIR:-/tmp}/cwp-fuzz"
seconds=30
merge=0
do_build=1
targets=""

while [ $# -gt 0 ]; do
	case "$1" in
	--targets) targets="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--merge) merge=1; shift ;;
	--no-build) do_build=0; shift ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) echo "run-fuzzers: unknown option $1" >&2; exit 2 ;;
	*) seconds="$1"; shift ;;
	esac
done
case "$seconds" in
''|*[!0-9]*) echo "run-fuzzers: SECONDS_PER_TARGET must be a number" >&2; exit 2 ;;
esac

if [ "$do_build" -eq 1 ]; then
	(cd "$root" && cmake --preset fuzz >/dev/null) || exit 2
	# fuzz/all: the fuzz targets and what they link, not the whole tree.
	nice -n 19 cmake --build "$build" --target fuzz/all -j2 || exit 2
fi

if [ -z "$targets" ]; then
	for bin in "$build"/bin/*_fuzzer; do
		[ -x "$bin" ] || continue
		name="$(basename "$bin")"
		targets="$targets ${name%_fuzzer}"
	done
fi
if [ -z "${targets// /}" ]; then
	echo "run-fuzzers: no fuzz target built in $build" >&2
	exit 2
fi

# libFuzzer flags from an OSS-Fuzz style <name>.options file ([libfuzzer] key = value).
options_flags() {
	local file="$here/$1.options" section="" line key value
	[ -f "$file" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		line="${line%%#*}"
		case "$line" in
		\[*\]) section="${line//[\[\] ]/}" ;;
		*=*)
			[ "$section" = "libfuzzer" ] || continue
			key="$(echo "${line%%=*}" | tr -d ' ')"
			value="$(echo "${line#*=}" | sed 's/^ *//; s/ *$//')"
			printf -- '-%s=%s\n' "$key" "$value"
			;;
		esac
	done <"$file"
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

crashed=0
printf '%-12s %10s %12s %8s %8s %10s %s\n' target seconds executions exec/s cov corpus status
for name in $targets; do
	bin="$build/bin/${name}_fuzzer"
	if [ ! -x "$bin" ]; then
		echo "run-fuzzers: $bin not built" >&2
		exit 2
	fi
	mkdir -p "$out/corpus/$name" "$out/artifacts/$name" "$out/logs"
	log="$out/logs/$name.log"
	args=(-max_total_time="$seconds" -print_final_stats=1
	      -artifact_prefix="$out/artifacts/$name/")
	[ -f "$here/$name.dict" ] && args+=(-dict="$here/$name.dict")
	while IFS= read -r f; do [ -n "$f" ] && args+=("$f"); done < <(options_flags "$name")
	dirs=("$out/corpus/$name" "$here/corpus/$name")
	[ -d "$here/regressions/$name" ] && dirs+=("$here/regressions/$name")

	status=ok
	nice -n 19 "$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || status=CRASH
	if ls "$out/artifacts/$name"/crash-* "$out/artifacts/$name"/leak-* \
		"$out/artifacts/$name"/timeout-* "$out/artifacts/$name"/oom-* >/dev/null 2>&1; then
		status=CRASH
	fi
	[ "$status" = ok ] || crashed=1

	execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)"
	rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)"
	cov="$( (grep -Eo 'cov: [0-9]+' "$log" || true) | tail -1 | cut -d' ' -f2)"
	corp="$( (grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" || true) | tail -1 | cut -d' ' -f2)"
	printf '%-12s %10s %12s %8s %8s %10s %s\n' "$name" "$seconds" "${execs:--}" \
		"${rate:--}" "${cov:--}" "${corp:--}" "$status"

	if [ "$merge" -eq 1 ] && [ "$status" = ok ]; then
		nice -n 19 "$bin" -merge=1 "$here/corpus/$name" "$out/corpus/$name" \
			>>"$log" 2>&1 || true
	fi
done

if [ "$crashed" -ne 0 ]; then
	echo "run-fuzzers: crashes found; artifacts:" >&2
	find "$out/artifacts" -type f >&2
	exit 1
fi
