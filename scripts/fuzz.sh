#!/usr/bin/env bash
# Builds the libFuzzer target (fuzz/, clang-14 with AddressSanitizer, UndefinedBehaviorSanitizer
# and libFuzzer) in build/fuzz and runs it for a bounded time on a copy of the seed corpus
# (fuzz/corpus), with the validation layer on. Exits non-zero when the fuzzer finds a failure
# (sanitizer report, crash, undocumented exception, validation error, VMA assertion, data
# mismatch, leaked allocation); the input that failed is kept under build/fuzz/run/artifacts.
# Prints executions, coverage and time at the end.
#
# Then the picture decoder's target (vw-image-fuzzer: file bytes into vw::load_image) runs for
# IMAGE_FUZZ_SECONDS (default 30) on seeds that vw-image-seeds writes (PNG 8/16-bit, HDR, BMP,
# TGA, JPEG, made from code).
#
# Environment: FUZZ_SECONDS (default 60), IMAGE_FUZZ_SECONDS (default 30), FUZZ_JOBS (build jobs,
# default 2), FUZZ_SEED (libFuzzer's random seed for both targets, default 1 so that CI explores
# the same inputs on every run; 0 picks a new seed each run), FUZZ_ARGS (extra libFuzzer flags).
# Installs nothing itself except through scripts/setup-deps.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

seconds=${FUZZ_SECONDS:-60}
image_seconds=${IMAGE_FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
seed=${FUZZ_SEED:-1}
build="$root/build/fuzz"
run="$build/run"
say() { echo "fuzz: $*" >&2; }

case "$seconds" in '' | *[!0-9]*) say "FUZZ_SECONDS must be a whole number of seconds, not '$seconds'"; exit 2 ;; esac
case "$image_seconds" in '' | *[!0-9]*) say "IMAGE_FUZZ_SECONDS must be a whole number of seconds, not '$image_seconds'"; exit 2 ;; esac
case "$seed" in '' | *[!0-9]*) say "FUZZ_SEED must be a whole number, not '$seed'"; exit 2 ;; esac

"$root/scripts/setup-deps.sh" </dev/null

if [ ! -f "$build/CMakeCache.txt" ]; then
    say "configuring $build with clang-14"
    CXX=clang++-14 cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
fi
say "building"
cmake --build "$build" -j "$jobs" --target vw-allocator-fuzzer vw-image-fuzzer vw-image-seeds >/dev/null

rm -rf "$run"
mkdir -p "$run/corpus" "$run/artifacts"
cp "$root"/fuzz/corpus/* "$run/corpus/"

say "running for ${seconds} s (seed ${seed}) on a copy of fuzz/corpus ($(ls "$run/corpus" | wc -l) seeds)"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
start=$SECONDS
status=0
# -detect_leaks=0: libFuzzer's leak check after each input whose mallocs outnumber its frees
# (the reused environment's caches make many such inputs) scanned the whole heap, lavapipe's and
# the validation layer's included, and took about 30 % of the time. LeakSanitizer still checks
# the whole process when the run ends; a leak that grows with the inputs is reported there.
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
timeout --kill-after=30 $((seconds + 600)) "$build/vw-allocator-fuzzer" \
    -max_total_time="$seconds" -seed="$seed" -max_len=1024 -timeout=60 -rss_limit_mb=4096 -detect_leaks=0 \
    -print_final_stats=1 -artifact_prefix="$run/artifacts/" ${FUZZ_ARGS:-} "$run/corpus" \
    </dev/null >"$run/fuzz.log" 2>&1 || status=$?
elapsed=$((SECONDS - start))

last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$run/fuzz.log" | tail -n 1 || true)
executions=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$run/fuzz.log" | tail -n 1)
per_second=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$run/fuzz.log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")

if [ "$status" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer)|\*\*\* vw-allocator-fuzzer' "$run/fuzz.log"; then
    say "FAILED (exit status $status) after ${elapsed} s; the end of $run/fuzz.log:"
    tail -n 60 "$run/fuzz.log" >&2
    say "failing inputs: $(ls "$run/artifacts" 2>/dev/null | sed "s|^|$run/artifacts/|" | tr '\n' ' ')"
    say "reproduce: $build/vw-allocator-fuzzer <input>"
    exit 1
fi

echo "fuzz: passed"
echo "fuzz: executions: ${executions:-?} (${per_second:-?} per second)"
echo "fuzz: coverage: cov ${cov:-?} ft ${ft:-?}, corpus ${corp:-?} (inputs/bytes)"
echo "fuzz: time: ${elapsed} s (FUZZ_SECONDS=${seconds})"

image_run="$build/image-run"
rm -rf "$image_run"
mkdir -p "$image_run/corpus" "$image_run/artifacts"
"$build/vw-image-seeds" "$image_run/corpus"
say "picture decoder: running for ${image_seconds} s on $(ls "$image_run/corpus" | wc -l) generated seeds"
start=$SECONDS
status=0
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
timeout --kill-after=30 $((image_seconds + 300)) "$build/vw-image-fuzzer" \
    -max_total_time="$image_seconds" -seed="$seed" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$image_run/artifacts/" ${FUZZ_ARGS:-} "$image_run/corpus" \
    </dev/null >"$image_run/fuzz.log" 2>&1 || status=$?
elapsed=$((SECONDS - start))
if [ "$status" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer)|\*\*\* vw-image-fuzzer' "$image_run/fuzz.log"; then
    say "picture decoder FAILED (exit status $status) after ${elapsed} s; the end of $image_run/fuzz.log:"
    tail -n 60 "$image_run/fuzz.log" >&2
    say "failing inputs: $(ls "$image_run/artifacts" 2>/dev/null | sed "s|^|$image_run/artifacts/|" | tr '\n' ' ')"
    say "reproduce: $build/vw-image-fuzzer <input>"
    exit 1
fi
executions=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$image_run/fuzz.log" | tail -n 1)
per_second=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$image_run/fuzz.log" | tail -n 1)
echo "fuzz: picture decoder passed: ${executions:-?} executions (${per_second:-?} per second) in ${elapsed} s"
