#!/usr/bin/env python3
# Builds the entry-point table of docs/reliability.md ("### The SQLite loop") from the output of
# the fault-injection loop (tests/Reliability/FaultInjectionTests.cpp):
#
#   cd build/ci && ./tests/vw-tests --gtest_filter='*FaultInjection*:DeviceLoss*' > /tmp/fault-run.txt
#   scripts/fault-table.py /tmp/fault-run.txt        # or: ... | scripts/fault-table.py
#
# (The leading '*' matters: the loop's tests are Scenarios/FaultInjection.*.) It reads the
# per-scenario lines "[  fault   ] NAME: N failure points (T threw, R recovered e#k ...): e=c ...",
# prints the markdown table (entry points in the layer's order, tests/FaultLayer/FaultLayer.cpp's
# VWF_ENTRIES, instance and device ones first), then the points per scenario on one line, and
# checks its sums against the lines themselves and against FaultInjectionTotals' totals line.
# Python 3, standard library only. Exit status 1 if anything does not add up.

import re
import sys
from collections import defaultdict
from pathlib import Path

LAYER = Path(__file__).resolve().parent.parent / "tests" / "FaultLayer" / "FaultLayer.cpp"

# Shown first, in this order, as in the table so far: what instance and device creation reach.
FIRST = [
    "vkCreateInstance",
    "vkCreateDebugUtilsMessengerEXT",
    "vkEnumeratePhysicalDevices",
    "vkEnumerateDeviceExtensionProperties",
    "vkCreateDevice",
    "vkDeviceWaitIdle",
    "vkGetPhysicalDeviceImageFormatProperties",
    "vkGetPhysicalDeviceImageFormatProperties2",
]

SCENARIO = re.compile(
    r"^\[  fault   \] (\w+): (\d+) failure points \((\d+) threw, (\d+) recovered((?: \w+#\d+)*)\):((?: \w+=\d+)*)\s*$"
)
TOTALS = re.compile(r"^\[  fault   \] (\d+) scenarios, (\d+) failure points in all\s*$")
LOSS = re.compile(r"^\[  fault   \] device loss: (\d+) points\s*$")


def layer_entries():
    """(name, fallible) in VWF_ENTRIES order."""
    text = LAYER.read_text()
    block = text[text.index("#define VWF_ENTRIES(X)"):]
    block = block[: block.index("\n\n")]
    return [(name, flag == "1") for name, flag in re.findall(r"X\((\w+),\s*([01])\)", block)]


def injected(entry):
    # result_for() in FaultInjectionTests.cpp
    return "OUT_OF_DEVICE_MEMORY" if entry == "vkAllocateMemory" else "OUT_OF_HOST_MEMORY"


def main():
    source = open(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-" else sys.stdin
    problems = []
    scenarios = []  # (name, points)
    calls = defaultdict(int)
    reached_by = defaultdict(int)
    recovered = defaultdict(int)
    threw_total = recovered_total = 0
    totals = loss = None
    for line in source:
        if m := SCENARIO.match(line):
            name, points, threw, rec = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
            per_entry = {e: int(c) for e, c in re.findall(r"(\w+)=(\d+)", m.group(6))}
            recoveries = re.findall(r"(\w+)#\d+", m.group(5))
            if sum(per_entry.values()) != points:
                problems.append(f"{name}: the entry counts add up to {sum(per_entry.values())}, not {points}")
            if threw + rec != points:
                problems.append(f"{name}: {threw} threw + {rec} recovered is not {points} (a breach stops the loop)")
            if len(recoveries) != rec:
                problems.append(f"{name}: {len(recoveries)} recoveries listed, {rec} counted")
            scenarios.append((name, points))
            for entry, count in per_entry.items():
                calls[entry] += count
                reached_by[entry] += 1
            for entry in recoveries:
                recovered[entry] += 1
            threw_total += threw
            recovered_total += rec
        elif m := TOTALS.match(line):
            totals = int(m.group(1)), int(m.group(2))
        elif m := LOSS.match(line):
            loss = int(m.group(1))

    if not scenarios:
        sys.exit("fault-table: no scenario lines (run the loop with --gtest_filter='*FaultInjection*')")

    entries = layer_entries()
    fallible = [name for name, f in entries if f]
    order = [e for e in FIRST if e in fallible] + [e for e in fallible if e not in FIRST]
    unknown = sorted(set(calls) - set(order))
    if unknown:
        problems.append("entries the layer does not list as fallible: " + ", ".join(unknown))
    order += unknown

    points = sum(p for _, p in scenarios)
    rows = []
    for entry in order:
        if entry not in calls:
            continue
        n, r = calls[entry], recovered[entry]
        outcome = "threw" if r == 0 else f"threw {n - r}, recovered {r}"
        rows.append(f"| `{entry}` | {injected(entry)} | {n} | {reached_by[entry]} | {outcome} |")

    print("| Entry point | Injected result | Failure points | Scenarios | Outcome |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"| **{len(rows)} entry points** | | **{points}** | **{len(scenarios)}** | "
        f"**{threw_total} threw, {recovered_total} recovered, 0 breaches** |"
    )
    print()
    print(", ".join(f"{name} {p}" for name, p in scenarios))
    print()
    unreached = [e for e in fallible if e not in calls]
    print(f"{len(rows)} of {len(fallible)} fallible entry points reached; not reached: {', '.join(unreached) or 'none'}")
    print(f"{len(scenarios)} scenarios, {points} failure points: {threw_total} threw, {recovered_total} recovered")
    if loss is not None:
        print(f"device loss: {loss} points")

    if totals is None:
        problems.append("no totals line (FaultInjectionTotals.FailurePointsPerScenario not run)")
    elif totals != (len(scenarios), points):
        problems.append(f"the totals line says {totals[0]} scenarios and {totals[1]} points; "
                        f"the scenario lines give {len(scenarios)} and {points}")
    for problem in problems:
        print("fault-table: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
