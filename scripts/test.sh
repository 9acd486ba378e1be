#!/usr/bin/env bash
# Installs what is missing, builds the library and its tests, and runs the tests on this
# machine's Vulkan device (the GPU if there is one, else Mesa's lavapipe) with the Khronos
# validation layer on. Extra arguments go to ctest (e.g. -R Allocator).
# CI=true selects the "ci" preset: warnings are errors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup-deps.sh"

preset=debug
if [ -n "${CI:-}" ]; then preset=ci; fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" "$@"
