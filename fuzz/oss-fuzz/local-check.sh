#!/usr/bin/env bash
# Proves locally what fuzz/oss-fuzz/project.yaml promises, by building the
# fuzz targets through build.sh exactly as OSS-Fuzz's helper does for one
# sanitizer/engine pair (its CC, CFLAGS and LIB_FUZZING_ENGINE), with cJSON
# compiled from Debian's source package (.ci/cjson-source: Debian's patches
# applied), and then running every target:
#
#   msan   clang, -fsanitize=memory with origins, libFuzzer: every target over
#          its whole seed corpus (seeds + regressions, from the zip build.sh
#          made), one run per input; any MemorySanitizer report fails.
#   afl    Debian's afl++ (afl-clang-fast, libAFLDriver.a) with ASan, as
#          OSS-Fuzz's AFL++ builds: every target first replays its corpus
#          through the driver, then afl-fuzz runs it for AFL_SECONDS (default
#          10) from the seeds; a crash fails.
#
#   fuzz/oss-fuzz/local-check.sh msan|afl [OUT_DIR]   (default build/oss-<kind>)
#
# Exit status: 0 clean, 1 a target failed, 2 a build or usage error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kind="${1:-}"
base="${2:-$root/build/oss-$kind}"
case "$kind" in
msan | afl) ;;
*)
	echo "usage: fuzz/oss-fuzz/local-check.sh msan|afl [OUT_DIR]" >&2
	exit 2
	;;
esac

# CWP_CJSON_SRC: another cJSON tree (e.g. upstream 1.7.15 without Debian's patches).
cjson="${CWP_CJSON_SRC:-$("$root/.ci/cjson-source" "$root/build/deps/cjson")}"
case "$cjson" in /*) ;; *) cjson="$root/$cjson" ;; esac
rm -rf "$base"
mkdir -p "$base/work" "$base/out" "$base/seeds"
export SRC="$base/src" WORK="$base/work" OUT="$base/out" CWP_SRC="$root" CJSON_SRC="$cjson"
mkdir -p "$SRC"

# OSS-Fuzz's flags (infra/base-images/base-clang and base-builder).
common="-O1 -fno-omit-frame-pointer -gline-tables-only"
if [ "$kind" = msan ]; then
	export CC=clang CXX=clang++ SANITIZER=memory FUZZING_ENGINE=libfuzzer
	export CFLAGS="$common -fsanitize=memory -fsanitize-memory-track-origins=2 -fsanitize=fuzzer-no-link"
	export LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
else
	export CC=afl-clang-fast CXX=afl-clang-fast++ SANITIZER=address FUZZING_ENGINE=afl
	export CFLAGS="$common -fsanitize=address"
	export LIB_FUZZING_ENGINE="/usr/lib/afl/libAFLDriver.a -fsanitize=address"
	export AFL_QUIET=1
fi
export CXXFLAGS="$CFLAGS"
nice -n 10 bash "$here/build.sh" >"$base/build.log" 2>&1 || {
	tail -30 "$base/build.log" >&2
	echo "local-check: build.sh failed ($base/build.log)" >&2
	exit 2
}

targets=()
for bin in "$OUT"/*_fuzzer; do
	[ -x "$bin" ] && targets+=("$(basename "$bin")")
done
if [ "${#targets[@]}" -eq 0 ]; then
	echo "local-check: build.sh put no target in $OUT" >&2
	exit 2
fi

# Nothing uninstrumented but libc (MSan intercepts it) may be linked in.
for t in "${targets[@]}"; do
	if ldd "$OUT/$t" | grep -E 'libcjson|libcurl' >&2; then
		echo "local-check: $t links a library the sanitizer cannot see" >&2
		exit 1
	fi
done

failed=0
printf '%-22s %8s %s\n' target inputs result
for t in "${targets[@]}"; do
	seeds="$base/seeds/$t"
	mkdir -p "$seeds"
	(cd "$seeds" && unzip -q -o "$OUT/${t}_seed_corpus.zip")
	n="$(find "$seeds" -type f | wc -l)"
	log="$base/$t.log"
	result=clean
	if [ "$kind" = msan ]; then
		# -runs=0: every corpus input once, then exit (OSS-Fuzz's seed check).
		MSAN_OPTIONS=halt_on_error=1 nice -n 10 "$OUT/$t" -runs=0 "$seeds" >"$log" 2>&1 ||
			result=FAILED
		grep -q 'MemorySanitizer' "$log" && result=FAILED
	else
		# The driver replays files given as arguments, one process.
		find "$seeds" -type f -print0 | xargs -0 nice -n 10 "$OUT/$t" >"$log" 2>&1 ||
			result=FAILED
		if [ "$result" = clean ]; then
			AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
				AFL_NO_AFFINITY=1 AFL_SKIP_CRASHES=1 \
				nice -n 10 afl-fuzz -i "$seeds" -o "$base/afl-$t" -V "${AFL_SECONDS:-10}" \
				-- "$OUT/$t" >>"$log" 2>&1 || result=FAILED
			crashes="$(find "$base/afl-$t" -path '*/crashes/id:*' 2>/dev/null | wc -l)"
			execs="$(sed -n 's/^execs_done *: *//p' "$base/afl-$t"/default/fuzzer_stats 2>/dev/null || true)"
			[ "$crashes" -eq 0 ] || result="FAILED ($crashes crashes)"
			[ "$result" != clean ] || result="clean, afl-fuzz ${AFL_SECONDS:-10} s: ${execs:-?} execs"
		fi
	fi
	printf '%-22s %8s %s\n' "$t" "$n" "$result"
	if [ "${result%% *}" != clean ] && [ "${result%%,*}" != clean ]; then
		failed=1
		tail -20 "$log" >&2
	fi
done
exit "$failed"
