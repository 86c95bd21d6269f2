"""Ablation speed on the demo model: closed form and stacked ``model`` readout vs one forward per set.

Workload (issue 5): Pair(C) for ``--coalitions`` random coalitions of ``--size`` neurons of layer
``--layer``, on ``--inputs`` query-passage pairs cut from CPython's ``pydoc_data.topics``. Pair(C)
needs every member and every pair of members ablated: K deduplicated sets.

- ``local`` closed form: one cached forward, then every set's readout with no model forward.
- forward per set: the reference path (zeroing hook, full forward, readout) on
  ``--reference-sets`` random sets of the K, timed and extrapolated linearly to K + 1 forwards
  (the clean pass included); its results are compared with the closed form's on those sets.
- ``model`` readout: ``--model-sets`` of the K sets, stacked ablations rerunning the layers after
  ``--layer``, vs the reference forward per set extrapolated to the same number of sets.

Prints timings and ratios measured in this run.

Run: ``.venv/bin/python benchmarks/ablation_speed.py [--inputs 32 --layer 3 ...]``
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.evaluation import SynergyPlan, effect_table, pairwise_psi, required_sets
from hedonic.models import ModelAdapter, TokenBatch, load_demo_model

P = ParamSpec("P")
R = TypeVar("R")


DEMO_MODEL = "demo reranker (MiniLM-L6 + shipped LoRA adapter)"


def topic_inputs(adapter: ModelAdapter, count: int, max_length: int, seed: int) -> TokenBatch:
    """``count`` (query, passage) pairs from pydoc topics: the passage's first 100 words, 4 of them as query."""
    from pydoc_data.topics import topics

    rng = random.Random(seed)
    passages = [" ".join(text.split()[:100]) for _, text in sorted(topics.items()) if len(text.split()) >= 40]
    chosen = rng.sample(passages, count)
    queries = [" ".join(rng.sample(passage.split(), 4)) for passage in chosen]
    return adapter.encode(queries, chosen, max_length=max_length)


def timed(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, float]:
    """(result, seconds) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    """Parse the options, run both paths on the same inputs, print timings and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--coalitions", type=int, default=200)
    parser.add_argument("--size", type=int, default=8)
    parser.add_argument("--reference-sets", type=int, default=6)
    parser.add_argument("--model-sets", type=int, default=64)
    parser.add_argument("--max-rows", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    options = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    if options.threads is not None:
        torch.set_num_threads(options.threads)

    adapter = load_demo_model()
    batch = topic_inputs(adapter, options.inputs, options.max_length, options.seed)
    rng = np.random.default_rng(options.seed)
    n = adapter.intermediate_size
    coalitions = [sorted(rng.choice(n, options.size, replace=False).tolist()) for _ in range(options.coalitions)]
    sets = required_sets(coalitions, SynergyPlan(("pair",), max_pairs=None))
    print(f"model: {DEMO_MODEL}")
    print(f"device: {adapter.device}, torch threads: {torch.get_num_threads()}, layer {options.layer}/{adapter.num_layers}")
    print(f"inputs: {len(batch)} pairs x {batch.input_ids.shape[1]} tokens; {options.coalitions} coalitions of size {options.size}")
    print(f"sets to ablate for Pair(C): {len(sets)} (singletons and pairs, deduplicated)")

    engine, cache_seconds = timed(AblationEngine, adapter, options.layer, batch, max_rows=options.max_rows)
    effects, ablate_seconds = timed(engine.effects, sets, "local")
    table = effect_table(sets, effects.delta)
    pair, metric_seconds = timed(lambda: np.array([pairwise_psi(c, table)[1].mean() for c in coalitions]))
    closed_seconds = cache_seconds + ablate_seconds + metric_seconds
    print(
        f"\nclosed form (local): {closed_seconds:.3f} s = cache {cache_seconds:.3f} s + ablations "
        f"{ablate_seconds:.3f} s + Pair(C) {metric_seconds:.3f} s; mean |Pair(C)| = {np.abs(pair).mean():.3g}"
    )

    picked = sorted(rng.choice(len(sets), options.reference_sets, replace=False).tolist())
    subset = [list(sets[k]) for k in picked]
    (_, reference), reference_seconds = timed(reference_effects, adapter, batch, options.layer, subset, readout="local")
    per_forward = reference_seconds / (len(subset) + 1)
    extrapolated = per_forward * (len(sets) + 1)
    error = np.abs(reference - effects.delta[picked]).max() / np.abs(reference).max()
    print(
        f"forward per set (local): {reference_seconds:.3f} s for {len(subset)} sets + clean pass = "
        f"{per_forward:.3f} s per forward; extrapolated linearly to {len(sets) + 1} forwards: {extrapolated:.1f} s"
    )
    print(f"  max relative difference closed form vs reference on those sets: {error:.2e}")
    ratio = extrapolated / closed_seconds
    print(f"RATIO closed form vs forward per set (Pair(C), {options.coalitions} coalitions): {ratio:.0f}x")

    model_subset = [list(sets[k]) for k in sorted(rng.choice(len(sets), options.model_sets, replace=False).tolist())]
    stacked, stacked_seconds = timed(engine.effects, model_subset, "model")
    (_, model_reference), model_ref_seconds = timed(
        reference_effects, adapter, batch, options.layer, model_subset[: options.reference_sets], readout="model"
    )
    model_per_forward = model_ref_seconds / (options.reference_sets + 1)
    model_extrapolated = model_per_forward * len(model_subset)
    model_error = np.abs(model_reference - stacked.delta[: options.reference_sets]).max() / np.abs(model_reference).max()
    print(
        f"\nmodel readout, stacked ({options.max_rows} rows per forward, layers after {options.layer} only): "
        f"{stacked_seconds:.3f} s for {len(model_subset)} sets"
    )
    print(
        f"forward per set (model): {model_per_forward:.3f} s per forward, extrapolated to {len(model_subset)} sets: "
        f"{model_extrapolated:.1f} s"
    )
    print(f"  max relative difference stacked vs reference on {options.reference_sets} sets: {model_error:.2e}")
    print(f"RATIO stacked model readout vs forward per set: {model_extrapolated / stacked_seconds:.1f}x")


if __name__ == "__main__":
    main()
