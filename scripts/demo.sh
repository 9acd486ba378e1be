#!/usr/bin/env bash
# Installs what is missing, builds vw-info (release) and runs `vw-info --demo`: the Vulkan
# devices of this machine with their memory heaps, budgets and limits, then the allocator page
# end to end on the chosen device (the GPU if there is one, else Mesa's lavapipe): buffers and
# images, a verified upload and readback, a thousand small buffers and a few large ones; it
# prints the statistics and the largest live allocations and writes build/demo/vw-memory.json
# and build/demo/vw-memory-map.svg. With arguments, runs vw-info with them instead
# (--bench, --json, --device <index|name part>, --help).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup-deps.sh"

cmake --preset release >/dev/null
cmake --build --preset release --target vw-info >/dev/null
if [ "$#" -eq 0 ]; then
    set -- --demo --out "$root/build/demo"
fi
exec "$root/build/release/tools/vw-info" "$@"
