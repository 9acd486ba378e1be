#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (fuzz/corpus/): deterministic, small inputs of several lengths
and shapes. The harness reads integers from the end of its input and bytes from the front
(FuzzedDataProvider), so every input is a valid program; these give the fuzzer varied starts:
short and long programs, all-zero and all-ones (the extreme sizes and offsets), ascending bytes
and pseudo-random ones. Re-running it rewrites the same files."""
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")
os.makedirs(corpus, exist_ok=True)

seeds = {
    "zeros-64": bytes(64),
    "ones-64": b"\xff" * 64,
    "ascending-256": bytes(range(256)),
    "descending-256": bytes(reversed(range(256))),
    "alternating-128": b"\x00\xff" * 64,
}
generator = random.Random(20240606)
for length in (8, 16, 32, 48, 96, 160, 256, 384, 512, 768, 1024):
    seeds["random-%d" % length] = bytes(generator.randrange(256) for _ in range(length))
# Step selectors only (small values): long programs of the common operations.
seeds["small-values-512"] = bytes(generator.randrange(16) for _ in range(512))

for name, data in seeds.items():
    with open(os.path.join(corpus, name), "wb") as out:
        out.write(data)
print("%d seeds in %s" % (len(seeds), corpus))
