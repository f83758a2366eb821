#!/bin/bash -eu
# OSS-Fuzz unit-test hook: replay every target's seed corpus and regressions
# (CTest label fuzzreg) with the binaries build.sh just built.
build="$WORK/cwprogress-build"
ctest --test-dir "$build" -L fuzzreg --output-on-failure -j"$(nproc)"
