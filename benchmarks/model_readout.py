"""The ``model`` readout before and after the fast path, side by side in one run.

Workload: ``--coalitions`` coalitions of sizes 4–32 (random neurons of the layer, seeded), on
the first ``--inputs`` held-out pairs of the demo corpus, at each of ``--layers`` of the demo
reranker (and SmolLM2-135M layer 20 with ``--smollm2``).

Two figures per layer, each measured on both paths in the same run, alternating, best of
``--repeats``:

1. **rate**, set·inputs per second of the ``model`` readout on the same sets. *Before*: today's
   path as it was (inputs in file order, every block after the layer on every token, the
   clean forward as reference), inlined here; *after*: inputs sorted by length
   (:func:`hedonic.data.by_length`) and the engine's stacked path (the last block's MLP on the
   readout token only).
2. **evaluation of ``na``**, seconds to ablate what the metric needs. *Before*: every single,
   pair, C and C∖k of each coalition (the sets the evaluation used to ablate whatever the
   metrics); *after*: singles and C (:class:`hedonic.evaluation.SynergyPlan`). Also ``pair``
   with at most ``--max-pairs`` sampled pairs per coalition.

Agreement: the fast path against one hook-and-forward per set (:func:`hedonic.ablation.reference_effects`)
on ``--check-sets`` sets, max |difference| relative to the largest |Δ|; and the frozen-norm path against
its reference.

Run: ``.venv/bin/python benchmarks/model_readout.py [--inputs 32 --layers 3 4 --smollm2]``
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.ablation.cache import LayerCache
from hedonic.ablation.closed_form import removed
from hedonic.ablation.sets import pad_sets
from hedonic.ablation.stacked import block_output, resumed_after
from hedonic.data import build_demo_corpus, by_length, iter_batches
from hedonic.evaluation import METRICS, SynergyPlan, required_sets
from hedonic.models import ModelAdapter, open_model


def before_effects(adapter: ModelAdapter, engine: AblationEngine, sets: list[tuple[int, ...]]) -> np.ndarray:
    """Δ (K, X) through the ``model`` readout as the engine computed it before the fast path."""
    padded = pad_sets(sets, adapter.intermediate_size)
    columns = []
    for cache in engine.caches:
        rows = max(1, engine.max_rows // len(cache))
        parts = [_before_chunk(adapter, cache, torch.as_tensor(padded[k : k + rows])) for k in range(0, len(padded), rows)]
        columns.append(torch.cat(parts).numpy())
    return np.concatenate(columns, axis=1)


def _before_chunk(adapter: ModelAdapter, cache: LayerCache, sets: torch.Tensor) -> torch.Tensor:
    assert cache.token_residual is not None and cache.token_terms is not None
    with torch.no_grad():
        ablated = cache.token_residual.unsqueeze(0) - removed(cache.token_terms, sets)
        stacked = block_output(adapter, cache.layer, ablated.flatten(0, 1))
        with resumed_after(adapter, cache.layer, stacked):
            logits = adapter.logits(cache.batch.repeat(sets.shape[0]))
    return cache.clean_logits.unsqueeze(0) - logits.to(torch.float64).view(sets.shape[0], len(cache))


def best_of(repeats: int, *calls: Callable[[], object]) -> list[float]:
    """Seconds of each call, best of ``repeats`` rounds, the calls alternating within a round."""
    best = [float("inf")] * len(calls)
    for _ in range(repeats):
        for k, call in enumerate(calls):
            start = time.perf_counter()
            call()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def coalitions_of(n: int, count: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [sorted(rng.choice(n, size=int(rng.integers(4, 33)), replace=False).tolist()) for _ in range(count)]


def measure(adapter: ModelAdapter, name: str, layer: int, pairs: list, options: argparse.Namespace) -> None:
    plain = list(iter_batches(adapter, pairs, options.batch_size, options.max_length))
    ordered = list(iter_batches(adapter, by_length(adapter, pairs, options.max_length), options.batch_size, options.max_length))
    padded_tokens = [sum(b.input_ids.numel() for b in batches) for batches in (plain, ordered)]
    real = sum(int(b.attention_mask.sum()) for b in plain)
    before_engine = AblationEngine(adapter, layer, plain)
    after_engine = AblationEngine(adapter, layer, ordered)
    coalitions = coalitions_of(adapter.intermediate_size, options.coalitions, options.seed)
    rate_sets = required_sets(coalitions, SynergyPlan(("na",)))[: options.rate_sets]
    X = len(pairs)
    print(
        f"\n{name} layer {layer} of {adapter.num_layers}: {X} inputs, {real} real tokens, padded {padded_tokens[0]} (file order) / {padded_tokens[1]} (by length)"
    )
    seconds = best_of(
        options.repeats,
        lambda: before_effects(adapter, before_engine, rate_sets),
        lambda: after_engine.effects(rate_sets, "model"),
    )
    rates = [len(rate_sets) * X / s for s in seconds]
    print(f"  rate on {len(rate_sets)} sets: before {rates[0]:.0f}, after {rates[1]:.0f} set·inputs/s; RATIO {rates[1] / rates[0]:.2f}x")

    everything = required_sets(coalitions, SynergyPlan(METRICS, max_pairs=None))
    needed = required_sets(coalitions, SynergyPlan(("na", "na_abs")))
    sampled = required_sets(coalitions, SynergyPlan(("pair", "pair_abs"), max_pairs=options.max_pairs, seed=options.seed))
    per_set = [s / len(rate_sets) for s in seconds]
    before_na, after_na = len(everything) * per_set[0], len(needed) * per_set[1]
    print(
        f"  na of {len(coalitions)} coalitions: before {len(everything)} sets ({before_na:.0f} s at the measured rate), after "
        f"{len(needed)} sets ({after_na:.1f} s); RATIO {before_na / after_na:.0f}x"
    )
    print(
        f"  pair: {len(sampled)} sets with at most {options.max_pairs} pairs per coalition "
        f"({len(sampled) * per_set[1]:.1f} s); RATIO vs every pair before {before_na / (len(sampled) * per_set[1]):.0f}x"
    )
    check = rate_sets[: options.check_sets] + [tuple(c[:2]) for c in coalitions[: options.check_sets]]
    for freeze in (False, True):
        batch = ordered[0]
        engine = AblationEngine(adapter, layer, batch)
        fast = engine.effects(check, "model", freeze_norms=freeze).delta
        _, reference = reference_effects(adapter, batch, layer, [list(s) for s in check], readout="model", freeze_norms=freeze)
        error = np.abs(fast - reference).max() / np.abs(reference).max()
        print(
            f"  fast path vs one forward per set ({len(check)} sets, {'frozen norms' if freeze else 'free norms'}): max relative difference {error:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--layers", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--smollm2", action="store_true", help="also SmolLM2-135M layer 20 (relevance adapter)")
    parser.add_argument("--coalitions", type=int, default=10)
    parser.add_argument("--rate-sets", type=int, default=48)
    parser.add_argument("--max-pairs", type=int, default=64)
    parser.add_argument("--check-sets", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    print(f"torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f}")
    pairs = list(build_demo_corpus().heldout.candidate_pairs())[: options.inputs]
    demo = open_model("demo")
    for layer in options.layers:
        measure(demo, "demo reranker (MiniLM-L6)", layer, pairs, options)
    if options.smollm2:
        measure(open_model("smollm2"), "SmolLM2-135M (relevance)", 20, pairs, options)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
