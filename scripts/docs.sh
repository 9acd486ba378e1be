#!/usr/bin/env bash
# Builds the HTML API reference and checks it (docs/api-reference.md):
#   1. installs doxygen, graphviz, python3 and chromium if missing (scripts/setup-deps.sh --docs);
#   2. configures the "docs" preset (the library's tests, tools and benchmarks are not built)
#      and builds its `docs` target: Doxygen over include/VulkanWrapper, README.md,
#      BENCHMARKS.md and docs/*.md with warnings as errors, then the completeness check (every
#      public class, function, enum value and template parameter documented) and the internal
#      link check over the HTML;
#   3. unless --no-browser: the `docs-render` target loads the front page, vw::Allocator and
#      vw::Buffer in headless Chromium and keeps build/docs/reference/allocator-page.png.
# The reference is build/docs/reference/html/index.html. Exit status 0 when everything passed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

browser=1
for arg in "$@"; do
    case $arg in
        --no-browser) browser=0 ;;
        -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; echo "usage: $0 [--no-browser]"; exit 0 ;;
        *) echo "docs.sh: unknown option '$arg' (usage: $0 [--no-browser])" >&2; exit 2 ;;
    esac
done

"$root/scripts/setup-deps.sh" --docs
cmake --preset docs >/dev/null
if [ "$browser" -eq 1 ]; then
    cmake --build --preset docs --target docs-render   # builds `docs` first
else
    cmake --build --preset docs
fi
echo "docs.sh: API reference: $root/build/docs/reference/html/index.html"
