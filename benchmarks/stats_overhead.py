"""Statistics-collection overhead: ``collect_stats`` vs a bare forward pass over the same batches.

Workload: ``--inputs`` pairs of the demo corpus (train split), tokenised once into batches of
``--batch-size`` (tokenisation is not timed), on the demo reranker and on a tiny LLaMA. Timed, in
interleaved rounds (``--rounds``; the median round is reported):

- bare forward: ``adapter.logits(batch)`` for every batch (no hooks, no gradients);
- OCA statistics: Σa, Σ|a|, Σa², Σaaᵀ of ``--layers`` (all neurons, readout tokens), the full
  forward pass run (``stop_early=False``) — the overhead the goal ratio ≤ 1.25 refers to;
- the same with ``stop_early=True`` (the layers after the last analysed one are skipped);
- PAS-grad statistics (Σvvᵀ as well) for the ``local`` and the ``model`` readout.

Prints each time and its ratio to the bare forward, all measured in this run.

Run: ``.venv/bin/python benchmarks/stats_overhead.py [--inputs 32 --batch-size 16 --max-length 128 --layers 2,3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import torch

from hedonic.models import ModelAdapter, TokenBatch, load_demo_model
from hedonic.stats import collect_stats
from hedonic.testing import tiny_model

DEMO_MODEL = "demo reranker (MiniLM-L6 + shipped LoRA adapter)"


def corpus_batches(adapter: ModelAdapter, inputs: int, batch_size: int, max_length: int) -> list[TokenBatch]:
    """The first ``inputs`` demo-corpus training pairs, tokenised into batches."""
    from hedonic.data import build_demo_corpus, iter_batches

    pairs = list(build_demo_corpus().train.pairs)[:inputs]
    return list(iter_batches(adapter, pairs, batch_size, max_length))


def timed(function: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def measure(adapter: ModelAdapter, batches: list[TokenBatch], layers: list[int], rounds: int) -> dict[str, float]:
    """Median seconds per workload over ``rounds`` interleaved rounds (after one warm-up round)."""

    def bare() -> None:
        for batch in batches:
            adapter.logits(batch)

    workloads: dict[str, Callable[[], object]] = {
        "bare forward": bare,
        "OCA statistics (full forward)": lambda: collect_stats(adapter, batches, layers, stop_early=False),
        "OCA statistics (stop early)": lambda: collect_stats(adapter, batches, layers),
        "PAS-grad statistics, local readout": lambda: collect_stats(adapter, batches, layers, grad="local"),
        "PAS-grad statistics, model readout": lambda: collect_stats(adapter, batches, layers, grad="model"),
    }
    times: dict[str, list[float]] = {name: [] for name in workloads}
    for round_index in range(rounds + 1):
        for name, workload in workloads.items():
            seconds = timed(workload)
            if round_index:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def report(title: str, adapter: ModelAdapter, batches: list[TokenBatch], layers: list[int], rounds: int) -> None:
    """Print the timings and ratios of one model."""
    tokens = sum(int(batch.attention_mask.sum()) for batch in batches)
    print(f"\n{title}")
    print(
        f"  {sum(len(b) for b in batches)} inputs in {len(batches)} batches, {tokens} tokens; layers {layers} of "
        f"{adapter.num_layers}, n = {adapter.intermediate_size}, d = {adapter.hidden_size}; median of {rounds} rounds"
    )
    medians = measure(adapter, batches, layers, rounds)
    bare = medians["bare forward"]
    for name, seconds in medians.items():
        print(f"  {name:<38} {seconds * 1000:9.1f} ms   ratio {seconds / bare:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--layers", default="2,3", help="layers of the demo model")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device cpu")

    adapter = load_demo_model()
    batches = corpus_batches(adapter, args.inputs, args.batch_size, args.max_length)
    report(DEMO_MODEL, adapter, batches, [int(x) for x in args.layers.split(",")], args.rounds)

    tiny = tiny_model("llama", seed=0, layers=4, hidden=64, intermediate=256)
    from hedonic.data import build_demo_corpus

    pairs = list(build_demo_corpus().train.pairs)[: args.inputs]
    tiny_batches = [
        tiny.encode([p.query for p in pairs[i : i + args.batch_size]], [p.text for p in pairs[i : i + args.batch_size]], 64)
        for i in range(0, len(pairs), args.batch_size)
    ]
    report("tiny LLaMA (4 layers, d = 64, n = 256; words outside its vocabulary map to [UNK])", tiny, tiny_batches, [1, 2], args.rounds)


if __name__ == "__main__":
    main()
