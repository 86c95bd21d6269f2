"""CPU cost of the causal link test's stacked ablations at a given layer shape (default LLaMA-8B: d = 4096, n = 14336).

Builds a random two-layer LLaMA of that shape, ablates P coalitions of 32 neurons and G random
groups at layer 0 on B inputs of T tokens (:func:`hedonic.tracking.causal.causal_effects`, one
stacked forward through block 1 up to its activations) and prints the CPU time per ablated
row·token and the FLOP rate of that block, from one run. The README's estimate for 14336 neurons ×
32 layers scales it.

    .venv/bin/python benchmarks/tracking_causal_cost.py [--d 4096 --n 14336 --tokens 64 --inputs 2]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import torch

from hedonic.game import Partition
from hedonic.models import TokenBatch
from hedonic.testing import TINY_VOCAB, tiny_model
from hedonic.tracking.causal import CausalSettings, ablation_sets, causal_effects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=4096)
    parser.add_argument("--n", type=int, default=14336)
    parser.add_argument("--heads", type=int, default=32)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--inputs", type=int, default=2)
    parser.add_argument("--coalitions", type=int, default=8)
    parser.add_argument("--groups", type=int, default=8)
    args = parser.parse_args()
    start = time.perf_counter()
    model = tiny_model("llama", hidden=args.d, intermediate=args.n, layers=2, heads=args.heads, vocab_size=64)
    print(
        f"random LLaMA d = {args.d}, n = {args.n}, 2 layers, built in {time.perf_counter() - start:.0f} s; {torch.get_num_threads()} torch threads; load {os.getloadavg()[0]:.1f}"
    )
    source = Partition.from_coalitions([list(range(k * 32, k * 32 + 32)) for k in range(args.coalitions)], "x", layer=0)
    target = Partition.from_coalitions([list(range(k * 32, k * 32 + 32)) for k in range(20)], "x", layer=1)
    ids = torch.randint(5, len(TINY_VOCAB), (args.inputs, args.tokens), generator=torch.Generator().manual_seed(0))
    sets = ablation_sets(source, args.groups, 0)
    start_cpu, start = time.process_time(), time.perf_counter()
    causal_effects(model, 0, sets, target, [TokenBatch(ids, torch.ones_like(ids), None)], CausalSettings(random_groups=args.groups))
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    rows = (sets.shape[0] + 1) * args.inputs * args.tokens
    flop = 2 * (4 * args.d * args.d + 2 * args.d * args.n)  # q, k, v, o and gate, up per token (no GQA in this config)
    print(
        f"{sets.shape[0] + 1} stacked rows × {args.inputs} inputs × {args.tokens} tokens = {rows} row·tokens: {cpu:.1f} s CPU, {wall:.1f} s wall"
    )
    print(f"{cpu / rows * 1e3:.2f} ms CPU per row·token; {flop / 1e9:.2f} GFLOP per row·token; {rows * flop / cpu / 1e9:.0f} GFLOP/s")


if __name__ == "__main__":
    main()
