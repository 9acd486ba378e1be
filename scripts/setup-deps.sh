#!/usr/bin/env bash
# Installs what VulkanWrapper needs on a Debian 12 (or newer) machine.
# Harmless to repeat and silent when everything is present.
#
# --docs also installs what the API reference needs (scripts/docs.sh, the `docs` and
# `docs-render` CMake targets): doxygen, graphviz, python3 and chromium. Building and testing
# the library never needs them.
#
# Debian packages come from the configured apt suites. VMA
# (libvulkan-memory-allocator-dev) is header-only; where the configured suites
# lack it (Debian 12), that one package is fetched from the trixie suite of the
# mirror this machine already uses, through a temporary sources list, and
# unpacked into .deps/vma under the project. The system's sources are never
# changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
vma_prefix="$root/.deps/vma"
vma_config="$vma_prefix/usr/share/cmake/VulkanMemoryAllocator/VulkanMemoryAllocatorConfig.cmake"
vma_suite=trixie

packages=(g++ cmake ninja-build libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers
          libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libexpat1-dev libstb-dev glslc
          clang libclang-rt-14-dev libfuzzer-14-dev
          pkgconf meson lintian)

say() { echo "setup-deps: $*" >&2; }
die() { say "error: $*"; exit 1; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Runs a command as root. $what (set by the caller) says what it is for, for the messages.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif ! command -v sudo >/dev/null 2>&1; then
        die "not root and sudo is not installed: run this script as root ($what)"
    elif [ -t 0 ]; then
        sudo "$@"
    elif sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        die "sudo needs a password and there is no terminal to ask for it: run this script once from a terminal or as root ($what)"
    fi
}

# apt-get update exits 0 even when a source cannot be reached: read its warnings.
apt_update_checked() {
    local log
    log=$(mktemp)
    if ! "$@" 2>"$log" >/dev/null || grep -qE '^(W|E): (Failed to fetch|Some index files failed|Unable to)' "$log"; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

docs=0
for arg in "$@"; do
    case $arg in
        --docs) docs=1 ;;
        -h|--help) echo "usage: $0 [--docs]   (--docs: also doxygen, graphviz, python3, chromium for the API reference)"; exit 0 ;;
        *) die "unknown option '$arg' (usage: $0 [--docs])" ;;
    esac
done
if [ "$docs" -eq 1 ]; then
    packages+=(doxygen graphviz python3 chromium)
fi

command -v dpkg-query >/dev/null 2>&1 || die "this script needs a Debian-based system (dpkg/apt not found)"

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

lists_updated=0
what=""
apt_update() {
    [ "$lists_updated" -eq 1 ] && return
    say "updating apt package lists"
    what="apt-get update, to install $*"
    apt_update_checked as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed (no network, or a source unreachable); cannot install: $*"
    lists_updated=1
}

if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt_update "${missing[*]}"
    what="apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install failed for: ${missing[*]}"
fi

# VMA: system package, else the configured suites, else the project-local prefix.
if installed libvulkan-memory-allocator-dev || [ -f "$vma_config" ]; then
    exit 0
fi
candidate=$(apt-cache policy libvulkan-memory-allocator-dev 2>/dev/null | awk '/Candidate:/ {print $2}')
if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    apt_update libvulkan-memory-allocator-dev
    candidate=$(apt-cache policy libvulkan-memory-allocator-dev 2>/dev/null | awk '/Candidate:/ {print $2}')
fi
if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
    say "installing libvulkan-memory-allocator-dev"
    what="apt-get install libvulkan-memory-allocator-dev"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvulkan-memory-allocator-dev >/dev/null \
        || die "apt-get install libvulkan-memory-allocator-dev failed"
    exit 0
fi

# The configured suites lack VMA: find the mirror serving this release's main
# suite in the apt configuration and fetch the package from its trixie suite.
. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}
mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null \
         | awk -v c="$codename" '$1 == c {print $2; exit}')
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
             | awk -v c="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/) { if ($(i+1) == c) { print $i; exit } break } }')
fi
if [ -z "$mirror" ]; then
    mirror=$(awk -v c="$codename" '
        /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == c) found = uri }
        /^$/ && found { print found; exit } END { if (found) print found }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
fi
[ -n "$mirror" ] || die "no apt source for suite '$codename' found in the apt configuration; install libvulkan-memory-allocator-dev (VMA 3.x) by hand, or unpack it under $vma_prefix"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
signed_by=""
[ -f "$keyring" ] && signed_by="[signed-by=$keyring] "

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial"
echo "deb ${signed_by}${mirror%/} $vma_suite main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
          -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
          -o Debug::NoLocking=1 -q=2)
say "fetching libvulkan-memory-allocator-dev from the $vma_suite suite into $vma_prefix"
apt_update_checked apt-get "${apt_opts[@]}" update \
    || die "could not read the $vma_suite suite of $mirror (no network?)"
(cd "$work" && apt-get "${apt_opts[@]}" download libvulkan-memory-allocator-dev >/dev/null 2>"$work/err") \
    || { cat "$work/err" >&2; die "could not download libvulkan-memory-allocator-dev from the $vma_suite suite"; }
rm -rf "$vma_prefix.tmp"
mkdir -p "$vma_prefix.tmp"
dpkg-deb -x "$work"/libvulkan-memory-allocator-dev_*.deb "$vma_prefix.tmp"
[ -f "$vma_prefix.tmp/usr/share/cmake/VulkanMemoryAllocator/VulkanMemoryAllocatorConfig.cmake" ] \
    || die "the downloaded package has no CMake config"
rm -rf "$vma_prefix"
mv "$vma_prefix.tmp" "$vma_prefix"
