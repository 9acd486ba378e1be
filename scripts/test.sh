#!/usr/bin/env bash
# Installs what is missing, builds the library and its tests, and runs the tests on this
# machine's Vulkan device (the GPU if there is one, else Mesa's lavapipe) with the Khronos
# validation layer on. Extra arguments go to ctest (e.g. -R Allocator).
#
# CI=true selects the "ci" preset (warnings are errors) and then runs the reliability stages
# (docs/reliability.md): the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
# ("asan" preset), the concurrency tests under ThreadSanitizer ("tsan"), the corruption-detection
# tests in a build with VMA's debug margins ("corruption"), scripts/fuzz.sh when it exists
# and is executable, and the API reference (scripts/docs.sh: installs doxygen, graphviz and
# chromium; Doxygen with warnings as errors, the completeness and link checks, the pages loaded
# in headless Chromium, build/docs/reference/allocator-page.png kept). Each stage is announced
# and timed; a summary is printed at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup-deps.sh"

if [ -z "${CI:-}" ]; then
    cmake --preset debug >/dev/null
    cmake --build --preset debug
    ctest --preset debug "$@"
    exit 0
fi

# --- CI -------------------------------------------------------------------------------------
# Every stage runs even when an earlier one failed (a failed build skips its own tests); the
# summary lists each stage with its duration and outcome, and the exit status is 1 if any failed.
summary=()
failed=0
run_start=$(date +%s)

# run_stage NAME COMMAND...: announces, runs and times one stage; returns its exit status.
run_stage() {
    local name=$1 status=0 start
    shift
    start=$(date +%s)
    printf '\n==== [%s] stage %s\n' "$(date +%H:%M:%S)" "$name"
    "$@" || status=$?
    local seconds=$(( $(date +%s) - start ))
    if [ "$status" -eq 0 ]; then
        summary+=("$(printf '%-30s %5d s  passed' "$name" "$seconds")")
    else
        summary+=("$(printf '%-30s %5d s  FAILED (exit %d)' "$name" "$seconds" "$status")")
        failed=1
    fi
    printf '==== [%s] stage %s: %s in %d s\n' "$(date +%H:%M:%S)" "$name" \
        "$([ "$status" -eq 0 ] && echo passed || echo FAILED)" "$seconds"
    return "$status"
}
skip_stage() {
    summary+=("$(printf '%-30s %5s    skipped (%s)' "$1" "-" "$2")")
    printf '\n==== stage %s skipped: %s\n' "$1" "$2"
}
build() { cmake --preset "$1" >/dev/null && cmake --build --preset "$1"; }

# preset, label of its test stage, extra ctest arguments
stages=("ci|whole suite" "asan|whole suite" "tsan|concurrency tests" "corruption|corruption tests")
for entry in "${stages[@]}"; do
    preset=${entry%%|*}
    label=${entry#*|}
    extra=()
    if [ "$preset" = ci ]; then extra=("$@"); fi
    if run_stage "$preset: build" build "$preset"; then
        run_stage "$preset: $label" ctest --preset "$preset" "${extra[@]}" || true
    else
        skip_stage "$preset: $label" "build failed"
    fi
done

if [ -x "$root/scripts/docs.sh" ]; then
    run_stage "docs: API reference" "$root/scripts/docs.sh" || true
else
    skip_stage "docs: API reference" "scripts/docs.sh absent or not executable"
fi

if [ -x "$root/scripts/fuzz.sh" ]; then
    run_stage "fuzz" "$root/scripts/fuzz.sh" || true
else
    skip_stage "fuzz" "scripts/fuzz.sh absent or not executable"
fi

printf '\n==== CI summary\n'
for line in "${summary[@]}"; do printf '  %s\n' "$line"; done
printf '  %-30s %5d s  %s\n' "total" $(( $(date +%s) - run_start )) \
    "$([ "$failed" -eq 0 ] && echo passed || echo FAILED)"
exit "$failed"
