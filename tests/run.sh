#!/usr/bin/env bash
# run.sh — the test command: installs what is missing (Debian 12), builds
# everything, and runs every test (unit and integration) with ctest; then
# builds the broker and the fuzzers with clang-14 (thread-safety analysis,
# ASan, UBSan) and runs each fuzzer for a few seconds (tests/fuzz/run.sh).
#
#   ./tests/run.sh            build in ./build and run all tests
#   BUILD_DIR=... ./tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
jobs=$(nproc)

./deploy/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIEC_BUILD_TESTS=ON
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
# The benchmark program must keep working; a tiny run checks that (its
# figures are printed, never asserted).
"$build/tests/bench/riec-bench" --smoke
# The clang build: lock annotations checked, fuzzers' regressions and a
# short run of each.
FUZZ_BUILD_DIR="${build}-fuzz" ./tests/fuzz/run.sh "${RIEC_FUZZ_SECONDS:-5}"
