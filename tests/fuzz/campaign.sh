#!/usr/bin/env bash
# campaign.sh TARGET [HOURS] [JOBS] — a long fuzzing campaign of one target
# (policy, csv, normalise, merkle, export, request_limits): HOURS (default
# 8) with JOBS parallel workers (default: the number of cores). The corpus
# grows in fuzz-corpus/TARGET (kept between campaigns, not committed);
# failures land in fuzz-artifacts/. Each failure becomes a regression: fix
# it, then copy the input to tests/fuzz/regressions/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: campaign.sh TARGET [HOURS] [JOBS]}
hours=${2:-8}
jobs=${3:-$(nproc)}
dir=${FUZZ_BUILD_DIR:-build-fuzz}
./tests/fuzz/run.sh 1 >/dev/null  # builds, and checks the regressions
mkdir -p "fuzz-corpus/$target" fuzz-artifacts
case "$target" in
  policy) seeds=(policy/convenants policy/testdata/broken) ;;
  *) seeds=("tests/fuzz/corpus/$target") ;;
esac
exec "$dir/tests/fuzz/fuzz_$target" -max_total_time=$((hours * 3600)) -jobs="$jobs" -workers="$jobs" \
  -timeout=10 -rss_limit_mb=4096 -artifact_prefix=fuzz-artifacts/"$target"- \
  "fuzz-corpus/$target" "${seeds[@]}"
