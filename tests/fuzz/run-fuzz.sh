#!/bin/sh
# run-fuzz.sh EXE SOURCE_DIR TARGET WORK_DIR: fuzzes one target for a bounded time; fails on
# any crash, sanitizer report, leak, timeout or memory blow-up. TTS_FUZZ_SECONDS sets the
# time (default 20); for long runs also give meson test --timeout-multiplier 0.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

exe=$1
src=$2
target=$3
work=$4
seconds=${TTS_FUZZ_SECONDS:-20}

# libFuzzer adds what it finds to the first corpus folder: a copy in the build tree, kept
# between runs so each starts where the last stopped. The committed seeds and regressions
# are only read.
mkdir -p "$work/corpus" "$work/crashes"
for f in "$src/corpus/$target"/* "$src/regressions/$target"/*; do
  if [ -f "$f" ]; then cp "$f" "$work/corpus/"; fi
done

dict=
if [ -f "$src/$target.dict" ]; then dict="-dict=$src/$target.dict"; fi

# libFuzzer's own exit code on a crash is 77, which meson takes for "skipped".
status=0
# shellcheck disable=SC2086 # $dict is one word or none
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$work/crashes/" $dict "$work/corpus" || status=$?
if [ "$status" -eq 77 ]; then status=1; fi

if [ "$status" -ne 0 ]; then
  echo "$target failed. The input is in $work/crashes/; reproduce with"
  echo "  $exe FILE"
  echo "and once fixed keep it as a regression test: cp FILE $src/regressions/$target/"
fi
exit "$status"
