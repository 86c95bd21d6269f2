"""Coalition influence for one synthetic pair of gated-MLP layers, computed block by block.

Default size: n = 14336 neurons per layer, d = 4096 (LLaMA-3.1-8B / Mistral-7B), gate and up
projections combined (``both``), random coalitions of sizes 4–64, random E|a|. Prints, from one
run: the time of the blockwise influence (wall clock and process CPU time, which on a shared
machine is the steadier of the two), the ratio of the per-player influences the tracking stage
needs for its intervals and link tests (:func:`~hedonic.tracking.influence.player_influences`,
one pass reducing each block both ways) to it, and the time of the event classification; the overhead ratio of
the influence over the bare virtual-weight matmuls on the same sample of blocks; and the peak
extra resident memory against the size of one dense n × n virtual-weight matrix.

    .venv/bin/python benchmarks/tracking_pair.py [--n 14336] [--d 4096] [--block-rows R]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import torch

from hedonic.game import Partition
from hedonic.tracking import Thresholds, VirtualMap, classify_events, coalition_influence, player_influences
from hedonic.tracking.influence import BLOCK_VALUES


def random_sizes(rng: np.random.Generator, n: int, low: int = 4, high: int = 64) -> list[int]:
    """Coalition sizes in [low, high] summing to n (n ≥ low)."""
    sizes, left = [], n
    while left > high + low:
        sizes.append(int(rng.integers(low, high + 1)))
        left -= sizes[-1]
    sizes += [left] if left <= high else [left // 2, left - left // 2]
    return sizes


def random_partition(rng: np.random.Generator, n: int, layer: int) -> Partition:
    """Random coalitions of sizes 4–64 over a random permutation of 0..n-1."""
    cuts = np.cumsum(random_sizes(rng, n))[:-1]
    return Partition.from_coalitions(np.split(rng.permutation(n), cuts), "random", layer=layer)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=14336, help="neurons per layer")
    parser.add_argument("--d", type=int, default=4096, help="hidden size")
    parser.add_argument("--block-rows", type=int, default=None, help="rows of W per block (default: automatic)")
    parser.add_argument("--sample-blocks", type=int, default=3, help="blocks timed for the overhead ratio")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    scale = args.d**-0.5
    read = {name: torch.randn(args.n, args.d, generator=generator).mul_(scale) for name in ("gate", "up")}
    vmap = VirtualMap(read, torch.randn(args.d, args.n, generator=generator).mul_(scale))
    source, target = random_partition(rng, args.n, 0), random_partition(rng, args.n, 1)
    mean_abs = rng.gamma(2.0, 0.05, args.n)
    block_rows = args.block_rows or max(1, BLOCK_VALUES // args.n)
    rss_inputs = peak_rss_mib()

    print(f"n = {args.n}, d = {args.d}, projections gate+up, {torch.get_num_threads()} torch threads")
    print(f"coalitions: {len(source.coalitions)} → {len(target.coalitions)} (sizes 4–64), {block_rows} rows per block")

    rows = torch.arange(min(args.n, args.sample_blocks * block_rows))
    start = time.perf_counter()
    for first in range(0, len(rows), block_rows):
        vmap.weights(rows[first : first + block_rows])
    bare = time.perf_counter() - start
    sample = Partition.from_coalitions([[int(i)] for i in rows], "sample")
    start = time.perf_counter()
    coalition_influence(vmap, source, sample, mean_abs, block_rows=block_rows)
    sampled = time.perf_counter() - start

    start, start_cpu = time.perf_counter(), time.process_time()
    influence = coalition_influence(vmap, source, target, mean_abs, block_rows=block_rows)
    influence_s, influence_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    rss_peak = peak_rss_mib()
    start_cpu = time.process_time()
    player_influences(vmap, source, target, mean_abs, block_rows=block_rows)
    players_cpu = time.process_time() - start_cpu
    start = time.perf_counter()
    tracking = classify_events(influence, Thresholds())
    events_s = time.perf_counter() - start

    dense_mib = args.n * args.n * 4 / 2**20
    extra = rss_peak - rss_inputs
    print(f"influence (blockwise, {-(-args.n // block_rows)} blocks): {influence_s:.1f} s wall, {influence_cpu:.1f} s CPU")
    print(
        f"per-player influences (one pass, both reductions): {players_cpu:.1f} s CPU = {players_cpu / influence_cpu:.2f}× the coalition influence"
    )
    print(f"events + matching on S {influence.shape}: {events_s:.2f} s")
    print(f"overhead over bare gate+up matmuls on {len(rows)} rows: {sampled:.2f} s / {bare:.2f} s = {sampled / bare:.2f}×")
    print(f"peak resident memory: {rss_peak:.0f} MiB; inputs (factors, partitions) {rss_inputs:.0f} MiB")
    print(
        f"extra peak during influence: {extra:.0f} MiB = {extra / dense_mib:.2f}× one dense {args.n}×{args.n} float32 W ({dense_mib:.0f} MiB)"
    )
    print(f"events: {tracking.counts()}")
    print("percentages:", {kind: round(value, 1) for kind, value in tracking.percentages().items()})


if __name__ == "__main__":
    main()
