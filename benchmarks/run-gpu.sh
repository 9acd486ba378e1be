#!/usr/bin/env bash
# Produces the raw benchmark outputs BENCHMARKS.md and benchmarks/plot.sh use, on the machine it
# runs on (meant for the GPU machine; works on lavapipe too):
#
#   <date>-<label>-vw-info.txt         vw-info (when the binary is there)
#   <date>-<label>-alloc.txt           vw-bench-alloc, default options
#   <date>-<label>-transfer.txt        vw-bench-transfer, default sizes 4 KiB ... 1 GiB
#   <date>-<label>-transfer-knobs.txt  vw-bench-transfer --sizes=256M,1G for a sweep of
#                                      TransferOptions: slot sizes 8/16/32/64 MiB x 4/8/16 copy
#                                      threads (4 slots), and 2/3/6 slots at 32 MiB, 16 threads;
#                                      one "=== chunk=.. slots=.. threads=.." section each
#
#   benchmarks/run-gpu.sh [BIN_DIR [OUT_DIR]]
#
# BIN_DIR holds vw-bench-alloc and vw-bench-transfer (and optionally vw-info and the
# libbenchmark shared library vw-bench-alloc links); default: .run/ if it exists, else
# build/portable/benchmarks. Build them here with the portable preset (static libstdc++, runs on
# the GPU machine's older or newer C library):
#   cmake --preset portable && cmake --build --preset portable --target vw-bench-alloc vw-bench-transfer vw-info
# OUT_DIR: default $OUT when set (the device runner brings it back), else benchmarks/results.
# <label>: h100, h200, lavapipe, or the device name in lower case; LABEL=... overrides.
# QUICK=1: small sizes and a two-point sweep, to try the script out in a minute.
#
# The GPU machine has the NVIDIA driver but no Vulkan loader: when libvulkan.so.1 is missing and
# a libvulkan1_*.deb is found in .gl/, BIN_DIR or the current directory, it is unpacked into /
# (dpkg -x) and ldconfig is run, as ../shared/GPU.md describes. VK_DRIVER_FILES is pointed at
# the NVIDIA ICD when the loader would otherwise find no driver.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${1:-}"
if [[ -z "$bin" ]]; then
    if [[ -x .run/vw-bench-transfer ]]; then bin=.run; else bin=build/portable/benchmarks; fi
fi
out="${2:-${OUT:-benchmarks/results}}"
mkdir -p "$out"
for program in vw-bench-alloc vw-bench-transfer; do
    [[ -x "$bin/$program" ]] || { echo "run-gpu.sh: $bin/$program not found (see the comment at the top)" >&2; exit 1; }
done
info="$bin/vw-info"
[[ -x "$info" ]] || info="$(dirname "$bin")/tools/vw-info"

# ---- Vulkan loader ----------------------------------------------------------------------------
if ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
    deb="$(ls .gl/libvulkan1_*.deb "$bin"/libvulkan1_*.deb ./libvulkan1_*.deb 2>/dev/null | head -n 1 || true)"
    if [[ -z "$deb" ]]; then
        echo "run-gpu.sh: no Vulkan loader (libvulkan.so.1) and no libvulkan1_*.deb to unpack" >&2
        exit 1
    fi
    echo "run-gpu.sh: unpacking the Vulkan loader from $deb"
    dpkg -x "$deb" /
    ldconfig
fi
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
    for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
        if [[ -f "$icd" ]]; then export VK_DRIVER_FILES="$icd"; break; fi
    done
fi
export LD_LIBRARY_PATH="$root/$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# ---- What machine ----------------------------------------------------------------------------
date="$(date -u +%Y-%m-%d)"
probe="$("$bin/vw-bench-transfer" --sizes=4K 2>&1 || true)"
device="$(printf '%s\n' "$probe" | sed -n 's/^device: *//p' | head -n 1)"
if [[ -z "$device" ]]; then
    echo "run-gpu.sh: vw-bench-transfer cannot run here:" >&2
    printf '%s\n' "$probe" | tail -n 5 >&2
    echo "(VK_LOADER_DEBUG=error,warn shows what the Vulkan loader found)" >&2
    exit 1
fi
if [[ -z "${LABEL:-}" ]]; then
    case "$device" in
        *H100*) LABEL=h100 ;;
        *H200*) LABEL=h200 ;;
        *llvmpipe*) LABEL=lavapipe ;;
        *) LABEL="$(echo "$device" | sed -E 's/ \(.*//; s/[^A-Za-z0-9]+/-/g; s/-+$//' | tr 'A-Z' 'a-z')" ;;
    esac
fi
prefix="$out/$date-$LABEL"
echo "run-gpu.sh: $device -> $prefix-*.txt"

sizes_args=()
alloc_args=()
sweep_sizes="256M,1G"
chunks=(8M 16M 32M 64M); threads=(4 8 16); slots=(2 3 6)
if [[ "${QUICK:-0}" == 1 ]]; then
    sizes_args=(--sizes=64K,1M,16M)
    alloc_args=(--benchmark_min_time=0.01)
    sweep_sizes="16M"
    chunks=(4M 8M); threads=(1 2); slots=(2)
fi

# ---- Runs ------------------------------------------------------------------------------------
if [[ -x "$info" ]]; then
    "$info" > "$prefix-vw-info.txt" 2>&1 || echo "run-gpu.sh: vw-info failed (kept its output)" >&2
fi

"$bin/vw-bench-alloc" "${alloc_args[@]}" > "$prefix-alloc.txt" 2>&1   # Google Benchmark prints the date first
echo "run-gpu.sh: $prefix-alloc.txt"

"$bin/vw-bench-transfer" "${sizes_args[@]}" > "$prefix-transfer.txt" 2>&1
echo "run-gpu.sh: $prefix-transfer.txt"

{
    echo "vw-bench-transfer sweep of TransferOptions, --sizes=$sweep_sizes, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "device: $device"
    for chunk in "${chunks[@]}"; do
        for thread in "${threads[@]}"; do
            echo "=== chunk=$chunk slots=4 threads=$thread"
            "$bin/vw-bench-transfer" --sizes="$sweep_sizes" --chunk="$chunk" --slots=4 --threads="$thread"
        done
    done
    largest="${threads[${#threads[@]}-1]}"
    for slot in "${slots[@]}"; do
        chunk=32M; [[ "${QUICK:-0}" == 1 ]] && chunk=8M
        echo "=== chunk=$chunk slots=$slot threads=$largest"
        "$bin/vw-bench-transfer" --sizes="$sweep_sizes" --chunk="$chunk" --slots="$slot" --threads="$largest"
    done
} > "$prefix-transfer-knobs.txt" 2>&1
echo "run-gpu.sh: $prefix-transfer-knobs.txt"
echo "run-gpu.sh: done; draw the charts with benchmarks/plot.sh"
