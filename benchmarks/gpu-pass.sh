#!/usr/bin/env bash
# The whole check-and-measure pass on the GPU machine in one call (issue 18, ../shared/GPU.md):
# the test suite with the validation layer, vw-info and its demo, the CUDA interop example and
# every benchmark, each step's output kept. Everything lands in one archive, gpu-pass.tar.gz, in
# $OUT (the device runner brings back only a few files) or in OUT_DIR.
#
#   benchmarks/gpu-pass.sh debs      (on the development machine, once: fills .gl/)
#   benchmarks/gpu-pass.sh stage     (on the development machine, after the portable build)
#   benchmarks/gpu-pass.sh [BUILD_DIR [OUT_DIR]]
#
# `stage` copies what the pass runs (test binary, shaders, fault layer, vw-info, examples,
# benchmarks; about 60 MiB less than the build folder) into the ignored .gpu/build/portable, to
# be carried to the GPU machine with .gl/; the pass copies it back to build/portable there.
# BUILD_DIR: a build of the `portable` preset (default build/portable), made on the development
# machine: cmake --preset portable && cmake --build --preset portable
# The machine has the NVIDIA driver but no Vulkan loader nor validation layer: the .deb files
# in .gl/ are unpacked into / first. `benchmarks/gpu-pass.sh debs` (on the development machine)
# fetches them with apt-get download: libvulkan1, vulkan-validationlayers, Google Benchmark's
# shared library, and libegl1 + libglvnd0 (without libEGL.so.1 the NVIDIA ICD loads but hands
# the loader no vkCreateInstance, and every program fails with VK_ERROR_INCOMPATIBLE_DRIVER).
# The tests find their shaders and the fault layer at the paths of the development checkout
# (/work/main): the checkout is linked there when it lives elsewhere.
# STEPS: space-separated subset of: info demo tests cuda alloc overhead transfer tracker pools
# defrag texture fresh (default: all). TRANSFER_RUNS: timed runs per transfer figure (default 5).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ "${1:-}" == debs ]]; then
    set -e
    mkdir -p .gl && cd .gl
    apt-get download libvulkan1 vulkan-validationlayers libbenchmark1debian libegl1 libglvnd0
    ls -l
    exit 0
fi
if [[ "${1:-}" == stage ]]; then
    set -e
    rm -rf .gpu && mkdir -p .gpu/build/portable/tests .gpu/build/portable/tools .gpu/build/portable/benchmarks \
        .gpu/build/portable/examples
    cp build/portable/tests/vw-tests build/portable/tests/*.spv .gpu/build/portable/tests/
    cp -r build/portable/tests/FaultLayer .gpu/build/portable/tests/
    cp build/portable/tools/vw-info .gpu/build/portable/tools/
    cp build/portable/benchmarks/vw-bench-* .gpu/build/portable/benchmarks/
    cp build/portable/examples/vw-example-* build/portable/examples/*.spv .gpu/build/portable/examples/ 2>/dev/null ||
        cp build/portable/examples/vw-example-* .gpu/build/portable/examples/
    strip --strip-debug .gpu/build/portable/*/vw-* 2>/dev/null || true
    du -sh .gpu
    exit 0
fi
if [[ -d .gpu/build/portable && ! -x build/portable/tests/vw-tests ]]; then
    mkdir -p build && cp -r .gpu/build/portable build/
fi
build="${1:-build/portable}"
final="${2:-${OUT:-benchmarks/results}}"
steps="${STEPS:-info demo tests cuda alloc overhead transfer tracker pools defrag texture fresh}"
runs="${TRANSFER_RUNS:-5}"
work="$(mktemp -d)"
mkdir -p "$final"

if [[ ! -e /work/main/tests ]]; then mkdir -p /work && ln -sfn "$root" /work/main; fi
if ! ldconfig -p | grep -q 'libvulkan\.so\.1 ' || ! ldconfig -p | grep -q 'libEGL\.so\.1 '; then
    for deb in .gl/*.deb; do dpkg -x "$deb" /; done
    ldconfig
fi
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
    for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
        if [[ -f "$icd" ]]; then export VK_DRIVER_FILES="$icd"; break; fi
    done
fi

# step NAME SECONDS COMMAND...: runs COMMAND with a time limit, output in NAME.txt, the exit
# status in steps.txt.
step() {
    local name="$1" limit="$2"
    shift 2
    [[ " $steps " == *" $name "* ]] || return 0
    local start=$SECONDS
    timeout --kill-after=10 "$limit" "$@" > "$work/$name.txt" 2>&1
    local rc=$?
    echo "$name rc=$rc ${limit}s-limit $((SECONDS - start))s" | tee -a "$work/steps.txt"
}

{
    date -u '+%Y-%m-%d %H:%M:%S UTC'
    nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max --format=csv 2>&1
    uname -a
    nproc
    echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>&1)"
} > "$work/machine.txt" 2>&1

step info 60 "$build/tools/vw-info"
mkdir -p "$work/demo"
step demo 180 "$build/tools/vw-info" --demo --validate --out "$work/demo"
step tests 200 "$build/tests/vw-tests" --gtest_brief=1 --gtest_output="xml:$work/tests.xml"
step cuda 60 "$build/examples/vw-example-cuda_interop"
step alloc 90 "$build/benchmarks/vw-bench-alloc" --benchmark_min_time=0.2
step overhead 90 "$build/benchmarks/vw-bench-alloc-overhead"
step transfer 300 "$build/benchmarks/vw-bench-transfer" --runs="$runs"
step tracker 120 "$build/benchmarks/vw-bench-tracker"
step pools 120 "$build/benchmarks/vw-bench-pools"
step defrag 120 "$build/benchmarks/vw-bench-defrag"
step texture 120 "$build/benchmarks/vw-bench-texture"
step fresh 120 "$build/benchmarks/vw-bench-fresh-pages"

tar czf "$final/gpu-pass.tar.gz" -C "$work" .
echo "gpu-pass.sh: $final/gpu-pass.tar.gz"
