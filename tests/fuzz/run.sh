#!/usr/bin/env bash
# run.sh [SECONDS] — the fuzzers' short run, part of the test command:
# builds them with clang-14 (ASan, UBSan, libFuzzer) in build-fuzz (or
# $FUZZ_BUILD_DIR), runs every input under regressions/ (each once: a crash
# or property failure found earlier stays fixed), then fuzzes each target for
# SECONDS (default 5) from its seeds. New inputs go to a temporary directory;
# the repository is not changed. A failure leaves the input in
# $FUZZ_BUILD_DIR/artifacts and exits non-zero.
#
# The same clang build compiles the broker with -Wthread-safety
# -Werror=thread-safety: a member guarded by a mutex and used without it
# does not build.
#
# For long campaigns see campaign.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${FUZZ_BUILD_DIR:-build-fuzz}
secs=${1:-5}
targets=(policy csv normalise merkle export request_limits)

cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRIEC_BUILD_FUZZERS=ON -DRIEC_BUILD_TESTS=OFF -DRIEC_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" --target riec_fuzzers riec-broker

seeds() {  # the seed directories of a target
  case "$1" in
    policy) echo policy/convenants policy/testdata/broken ;;
    *) echo "tests/fuzz/corpus/$1" ;;
  esac
}

mkdir -p "$dir/artifacts"
for t in "${targets[@]}"; do
  bin="$dir/tests/fuzz/fuzz_$t"
  if compgen -G "tests/fuzz/regressions/$t/*" >/dev/null; then
    "$bin" -artifact_prefix="$dir/artifacts/$t-" tests/fuzz/regressions/"$t"/* 2>"$dir/artifacts/$t-regressions.log" ||
      { cat "$dir/artifacts/$t-regressions.log" >&2; echo "fuzz: $t: a regression input fails again" >&2; exit 1; }
  fi
  work=$(mktemp -d)
  # shellcheck disable=SC2046
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/$t-" "$work" $(seeds "$t") 2>"$dir/artifacts/$t.log"; then
    tail -n 40 "$dir/artifacts/$t.log" >&2
    echo "fuzz: $t failed; the input is in $dir/artifacts/ — add it to tests/fuzz/regressions/$t/ with the fix" >&2
    rm -rf "$work"
    exit 1
  fi
  echo "fuzz: $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/artifacts/$t.log" | grep -o '[0-9]*$') runs in ${secs}s, no failure"
  rm -rf "$work"
done
