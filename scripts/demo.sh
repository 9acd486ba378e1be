#!/usr/bin/env bash
# Installs what is missing, builds vw-info (release) and runs it: the Vulkan devices of this
# machine, their memory heaps, types, queue families and limits. Arguments go to vw-info
# (--json, --device <index|name part>, --help).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

"$root/scripts/setup-deps.sh"

cmake --preset release >/dev/null
cmake --build --preset release --target vw-info >/dev/null
exec "$root/build/release/tools/vw-info" "$@"
