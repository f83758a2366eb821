#!/bin/bash -eu
# OSS-Fuzz build script for cwprogress. Uses what OSS-Fuzz sets: CC, CXX,
# CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, SRC, WORK, OUT (and SANITIZER).
#
#   $SRC/cwprogress   the project (or CWP_SRC, or the current directory when it
#                     holds fuzz/oss-fuzz/build.sh)
#   $SRC/cjson        cJSON's source tree, built here with the fuzzing flags so
#                     that MemorySanitizer sees every byte it touches. When it is
#                     missing (a local run without network) the system libcjson
#                     is used instead: fine for ASan/UBSan, not for MSan.
#
# Produces in $OUT: <name>_fuzzer, <name>_fuzzer_seed_corpus.zip,
# <name>_fuzzer.dict and <name>_fuzzer.options (where the project has them).

if [ -n "${CWP_SRC:-}" ]; then
	proj="$CWP_SRC"
elif [ -f "$PWD/fuzz/oss-fuzz/build.sh" ]; then
	proj="$PWD"
else
	proj="$SRC/cwprogress"
fi
cjson_src="${CJSON_SRC:-$SRC/cjson}"
build="$WORK/cwprogress-build"
mkdir -p "$OUT" "$WORK"

# 1. cJSON: one translation unit, static, with the sanitizer and coverage flags.
if [ -f "$cjson_src/cJSON.c" ]; then
	prefix="$WORK/cjson-install"
	mkdir -p "$prefix/include/cjson" "$prefix/lib/pkgconfig"
	$CC $CFLAGS -c "$cjson_src/cJSON.c" -o "$WORK/cJSON.o"
	rm -f "$prefix/lib/libcjson.a"
	ar rcs "$prefix/lib/libcjson.a" "$WORK/cJSON.o"
	cp "$cjson_src/cJSON.h" "$prefix/include/cjson/"
	cat >"$prefix/lib/pkgconfig/libcjson.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: libcjson
Description: cJSON built for fuzzing
Version: 1.7.15
Libs: -L\${libdir} -lcjson
Cflags: -I\${includedir} -I\${includedir}/cjson
PC
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	echo "build.sh: cJSON built from $cjson_src (static, instrumented)"
else
	echo "build.sh: $cjson_src not found: using the system libcjson (not instrumented;" \
		"no MemorySanitizer build this way)" >&2
fi

# 2. The fuzz targets and the libraries they drive. CMAKE_BUILD_TYPE is empty so
# that OSS-Fuzz's CFLAGS (optimisation, sanitizers, coverage) are the only ones.
# The targets link cwp_core and cJSON only (the Emby decoders are compiled into
# their targets, fuzz/CMakeLists.txt): no libcurl, nothing uninstrumented
# under MemorySanitizer but the C library, which MSan intercepts.
cmake -S "$proj" -B "$build" -G Ninja \
	-DCMAKE_BUILD_TYPE= \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
	-DBUILD_SHARED_LIBS=OFF \
	-DCWP_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
	-DCWP_BUILD_FUZZ=ON -DCWP_BUILD_TESTS=OFF -DCWP_BUILD_BENCH=OFF \
	-DCWP_WITH_MOCK=OFF -DCWP_WITH_CLI=OFF -DCWP_WITH_CLIENT=OFF \
	-DCWP_SANITIZE=OFF -DCWP_WERROR=OFF
cmake --build "$build" --target fuzz/all -j"$(nproc)"

# 3. Targets, seed corpora (seeds + regressions), dictionaries, options.
for bin in "$build"/bin/*_fuzzer; do
	fuzzer="$(basename "$bin")"
	name="${fuzzer%_fuzzer}"
	cp "$bin" "$OUT/"
	rm -f "$OUT/${fuzzer}_seed_corpus.zip"
	for dir in "$proj/fuzz/corpus/$name" "$proj/fuzz/regressions/$name"; do
		if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
			(cd "$dir" && zip -q -r "$OUT/${fuzzer}_seed_corpus.zip" .)
		fi
	done
	if [ -f "$proj/fuzz/$name.dict" ]; then
		cp "$proj/fuzz/$name.dict" "$OUT/$fuzzer.dict"
	fi
	if [ -f "$proj/fuzz/$name.options" ]; then
		cp "$proj/fuzz/$name.options" "$OUT/$fuzzer.options"
	fi
done
echo "build.sh: $(ls "$OUT" | grep -c '_fuzzer$') fuzz targets in $OUT"
