#!/usr/bin/env bash
# Draws the charts of BENCHMARKS.md from the raw outputs in benchmarks/results/.
#
#   benchmarks/plot.sh [RESULTS_DIR] [CHARTS_DIR]      (defaults: benchmarks/results, benchmarks/charts)
#
# Needs gnuplot (Debian: gnuplot-nox). For each machine label found in the file names
# (<date>-<label>-<kind>.txt, e.g. 2026-11-23-h100-transfer.txt) it draws, from the newest file of
# each kind:
#   alloc-<label>.svg          vw-bench-alloc: ns per allocate + free, wrapper against raw VMA
#                              (and one vkAllocateMemory per buffer), and the wrapper/raw ratio of
#                              every alloc file of that machine against the 1.15 target;
#   transfer-<label>.svg       vw-bench-transfer: upload and readback GB/s across sizes, the engine
#                              against the textbook path, the bus (GPU timestamps; not on CPU
#                              devices) and a one-thread memcpy, with the 50 GB/s DMA figure of
#                              the H100 (GPU.md) on GPUs;
#   transfer-knobs-<label>.svg the TransferOptions sweep of benchmarks/run-gpu.sh
#                              (<date>-<label>-transfer-knobs.txt), upload GB/s per slot size and
#                              thread count. Machines without a sweep get no knob chart, except
#                              h100, whose chart then says the data is missing and how to get it.
# Every chart names the file it was drawn from. Nothing is invented: a missing value (a size the
# run skipped) is a gap.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results="${1:-$here/results}"
charts="${2:-$here/charts}"
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is needed (apt-get install gnuplot-nox)" >&2; exit 1; }
mkdir -p "$charts"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ---- Extraction -------------------------------------------------------------------------------

# alloc_dat FILE -> "kind size wrapper_ns raw_ns ratio" lines (the Summary table), then
# "naive size ns" lines.
alloc_dat() {
    awk '
        # The first Summary table only (paired logs repeat it per repetition).
        /^Summary:/ { summary = !seen; seen = 1; next }
        summary && $1 ~ /^(device-local|staging)$/ && NF == 5 { print $1, $2, $3, $4, $5 }
        /^naive vkAllocateMemory/ { size = $3; ns = $5; print "naive", size, ns }
    ' "$1"
}

# transfer_dat FILE -> one line per size: bytes bus_up textbook_up engine_up staged_up bus_down
# textbook_down engine_down staged_down memcpy ("NaN" where the run skipped the size).
transfer_dat() {
    awk '
        function bytes(value, unit) {
            if (unit == "KiB") return value * 1024
            if (unit == "MiB") return value * 1048576
            if (unit == "GiB") return value * 1073741824
            return value
        }
        /^Throughput, GB\/s/ {
            inside = 1; n = 0
            # "... median   4 KiB   64 KiB ..." : number/unit pairs after "median".
            for (i = 1; i <= NF; ++i) if ($i == "median") start = i + 1
            for (i = start; i + 1 <= NF; i += 2) size[++n] = bytes($i, $(i + 1))
            next
        }
        inside && NF == 0 { inside = 0 }
        inside {
            key = ""
            for (i = 1; i <= NF - n; ++i) key = key (key == "" ? "" : " ") $i
            for (j = 1; j <= n; ++j) { v = $(NF - n + j); value[key, j] = (v == "skipped" ? "NaN" : v) }
            keys[key] = 1
        }
        END {
            split("upload bus (GPU timestamps)|upload textbook (memcpy+copy+fence)|upload engine (default options)|upload engine (direct_access=false)|readback bus (GPU timestamps)|readback textbook (copy+fence+memcpy)|readback engine (default options)|readback engine (direct_access=false)|host memcpy (1 thread)", row, "|")
            for (j = 1; j <= n; ++j) {
                line = size[j]
                for (r = 1; r <= 9; ++r) {
                    # Keys keep the runs of spaces of the output collapsed to one.
                    k = row[r]
                    line = line " " ((k, j) in value ? value[k, j] : "NaN")
                }
                print line
            }
        }
    ' "$1"
}

# knobs_dat FILE -> per configuration (sections headed "=== chunk=32M slots=4 threads=16"):
# "chunk_MiB slots threads up down staged_up staged_down" at the sweep's first (smallest) size:
# up/down the engine with default options, staged_* with direct_access = false.
knobs_dat() {
    awk '
        /^=== / {
            chunk = slots = threads = ""
            for (i = 2; i <= NF; ++i) {
                split($i, kv, "=")
                if (kv[1] == "chunk") { c = kv[2]; sub(/M$/, "", c); chunk = c }
                if (kv[1] == "slots") slots = kv[2]
                if (kv[1] == "threads") threads = kv[2]
            }
            next
        }
        /^Throughput, GB\/s/ { n = 0; for (i = 1; i <= NF; ++i) if ($i == "median") n = (NF - i) / 2; next }
        /^(upload|readback) +engine \((default options|direct_access=false)\)/ {
            v = $(NF - n + 1); if (v == "skipped") v = "NaN"
            staged = ($0 ~ /direct_access=false/)
            if ($1 == "upload") { if (staged) sup = v; else up = v }
            else { if (staged) sdown = v; else down = v }
            if ($1 == "readback" && staged) print chunk, slots, threads, up, down, sup, sdown
        }
    ' "$1" | sort -n -k1,1 -k3,3 -k2,2   # lines join points in order: by slot size, threads, slots
}

# The first size of a sweep file ("--sizes=256M,1G" in its first line -> "256M").
knobs_size() { sed -n '1s/.*--sizes=\([^,]*\).*/\1/p' "$1"; }

# ---- Machines ---------------------------------------------------------------------------------

label_of() { # 2026-11-23-h100-transfer.txt, 2026-12-02-h200-transfer-registered-pass2.txt -> the machine
    local name; name="$(basename "$1" .txt)"
    name="${name#????-??-??-}"
    echo "${name%%-*}"
}

device_line() { # the device name a result file names, else the machine label of its name
    local name
    name="$(grep -m1 -E '^(device:|vw_device:)' "$1" | sed -E 's/^(device:|vw_device:) *//' || true)"
    echo "${name:-$(label_of "$1")}"
}

newest() { ls -1 "$@" 2>/dev/null | sort | tail -n 1; }

shopt -s nullglob
labels=()
for file in "$results"/*-alloc*.txt "$results"/*-transfer*.txt; do
    labels+=("$(label_of "$file")")
done
mapfile -t labels < <(printf '%s\n' "${labels[@]}" h100 | sort -u)

drawn=()
for label in "${labels[@]}"; do
    # Allocation.
    # vw-bench-alloc's runs only: files without its Summary table (vw-bench-alloc-overhead's,
    # paired A/B logs) would draw an empty chart.
    alloc_files=()
    for file in "$results"/*-"$label"-alloc*.txt; do
        [[ -n "$(alloc_dat "$file")" ]] && alloc_files+=("$file")
    done
    if ((${#alloc_files[@]})); then
        main="$(newest "${alloc_files[@]}")"
        alloc_dat "$main" > "$work/alloc.dat"
        ratio_args=""
        index=0
        for file in $(printf '%s\n' "${alloc_files[@]}" | sort); do
            alloc_dat "$file" > "$work/ratio-$index.dat"
            ratio_args="$ratio_args $work/ratio-$index.dat $(basename "$file" .txt)"
            index=$((index + 1))
        done
        gnuplot -e "datafile='$work/alloc.dat'; ratiofiles=\"$ratio_args\"; outfile='$charts/alloc-$label.svg'; \
                    device='$(device_line "$main" | sed "s/'/ /g")'; source='$(basename "$main")'" \
                "$here/alloc.gp"
        drawn+=("alloc-$label.svg <- $(basename "$main")")
    fi

    # Transfers across sizes.
    transfer_files=()
    # The plain run and the named ones (-5runs, -registered-pass2...), not the knob sweeps; the
    # newest by name (date first, then the name's order).
    for file in "$results"/*-"$label"-transfer.txt "$results"/*-"$label"-transfer-*.txt; do
        [[ "$file" == *-transfer-knobs.txt || "$file" == *-transfer-arena.txt ]] || transfer_files+=("$file")
    done
    if ((${#transfer_files[@]})); then
        main="$(newest "${transfer_files[@]}")"
        transfer_dat "$main" > "$work/transfer.dat"
        cpu=0
        if grep -q -E '^device:.*\(CPU\)' "$main"; then cpu=1; fi
        gnuplot -e "datafile='$work/transfer.dat'; outfile='$charts/transfer-$label.svg'; cpu=$cpu; \
                    device='$(device_line "$main" | sed "s/'/ /g")'; source='$(basename "$main")'" \
                "$here/transfer.gp"
        drawn+=("transfer-$label.svg <- $(basename "$main")")
    fi

    # TransferOptions sweep.
    knob_files=("$results"/*-"$label"-transfer-knobs.txt)
    if ((${#knob_files[@]})); then
        main="$(newest "${knob_files[@]}")"
        knobs_dat "$main" > "$work/knobs.dat"
        cpu=0
        if grep -q -E '^device:.*\(CPU\)' "$main"; then cpu=1; fi
        gnuplot -e "datafile='$work/knobs.dat'; outfile='$charts/transfer-knobs-$label.svg'; missing=0; cpu=$cpu; \
                    size='$(knobs_size "$main")'; device='$(device_line "$main" | sed "s/'/ /g")'; source='$(basename "$main")'" \
                "$here/knobs.gp"
        drawn+=("transfer-knobs-$label.svg <- $(basename "$main")")
    elif [[ "$label" == h100 ]]; then
        : > "$work/knobs.dat"
        gnuplot -e "datafile='$work/knobs.dat'; outfile='$charts/transfer-knobs-$label.svg'; missing=1; cpu=0; \
                    size=''; device='NVIDIA H100'; source='none yet'" "$here/knobs.gp"
        drawn+=("transfer-knobs-$label.svg <- no sweep yet (benchmarks/run-gpu.sh makes one)")
    fi
done

printf 'plot.sh: %s\n' "${drawn[@]}"
