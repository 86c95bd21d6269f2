"""PAS-model (φ of the computation) on the demo reranker: accuracy against brute-force ablation, and its cost.

Accuracy (layer ``--layer``): ``--pairs`` pairs drawn uniformly (seeded) from the pairs of
``--players`` random neurons of the layer; on the first ``--inputs`` analysis inputs of the demo
(its corpus' training split, as ``[data] inputs = "demo"``) each pair's E[ψ] is computed four ways:

- exact: every pair and single ablated through the model (:func:`hedonic.valuation.pas_exact`
  with ``pairs``, the ablation engine, ``model`` readout): the ground truth;
- PAS-model ``secant`` (the default) and ``hessian`` (PAS-hess' ``rows`` method);
- PAS-exact ``local``: the current default φ, whose synergy is the readout norm's curvature.

Spearman and Pearson against exact, and the median |ψ|. Cost: the secant over the whole layer
(all n players) on ``--timing-inputs`` inputs for each of ``--timing-layers``: wall and CPU
seconds per input, and the row rate; then the estimated FLOPs of one row (3 × a forward of the
later blocks at the batch's token count, plus the projection on every player: :func:`row_flops`) to extrapolate to
an 8B decoder (n = 14336, d = 4096, 32 layers) at an assumed GPU throughput, labelled as an
estimate. The accuracy runs in ``--accuracy-dtype`` (float64 by default: float32 rounding of the
logits is as large as many pairs' ψ), the cost in float32, the demo's dtype. Timings are from this run on a possibly shared machine
(load average printed).

Run: ``.venv/bin/python benchmarks/valuation_model.py [--inputs 12 --pairs 2000 --players 256]``
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import torch
from scipy.stats import pearsonr, spearmanr

from hedonic.data import build_demo_corpus, iter_batches
from hedonic.models import ModelAdapter, TokenBatch, load_demo_model
from hedonic.valuation import pas_exact, pas_model

GPU_FLOPS = 400e12
"""Assumed sustained GPU throughput for the estimate: 40% of an H100's dense bf16 peak."""
EIGHT_B = {"d": 4096, "n": 14336, "layers": 32, "kv": 1024, "tokens": 150, "inputs": 1000}
"""LLaMA-3-8B's shape (GQA: 1024-wide keys and values) and the README's 8B workload (inputs of ~150 tokens, PAS on 1000)."""


def row_flops(d: int, n: int, kv: int, tokens: int, later: int, mlp: int) -> float:
    """FLOPs of one secant row: forward + backward (≈ 3 forwards) of ``later`` blocks at ``tokens``, plus the projection.

    A block's forward per token: 2 × its weights' multiply-adds (q, o: d²; k, v: d·kv; ``mlp``
    matrices of d·n: 2 for BERT, 3 for a gated LLaMA MLP) plus attention's 4·tokens·d; the
    projection of the gradient on every player: 2·tokens·d·n per row.
    """
    block = 2 * (2 * d * d + 2 * d * kv + mlp * d * n) + 4 * tokens * d
    return 3 * later * tokens * block + 2 * tokens * d * n


def demo_batches(adapter: ModelAdapter, count: int) -> list[TokenBatch]:
    pairs = build_demo_corpus().train.pairs[:count]
    return list(iter_batches(adapter, pairs, 16, 128))


def accuracy(adapter: ModelAdapter, layer: int, batches: list[TokenBatch], players: int, pairs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(adapter.intermediate_size, players, replace=False))
    rows, cols = np.triu_indices(players, 1)
    drawn = np.sort(rng.choice(len(rows), pairs, replace=False))
    first, second = rows[drawn], cols[drawn]
    start = time.perf_counter()
    exact = pas_exact(adapter, layer, batches, readout="model", pairs=np.stack([chosen[first], chosen[second]], 1))
    exact_s = time.perf_counter() - start
    at = np.searchsorted(exact.neurons, chosen)
    truth = exact.phi[at[first], at[second]]
    inputs = sum(len(batch) for batch in batches)
    print(f"layer {layer}: {pairs} pairs of {players} random neurons, {inputs} inputs; exact ablation {exact_s:.0f} s")
    print(
        f"  median |ψ| {np.median(np.abs(truth)):.3g}, 90th percentile {np.quantile(np.abs(truth), 0.9):.3g}, max {np.abs(truth).max():.3g}"
    )
    estimates = {
        "PAS-model secant": lambda: pas_model(adapter, layer, batches, neurons=chosen),
        "PAS-model hessian": lambda: pas_model(adapter, layer, batches, neurons=chosen, estimate="hessian"),
        "PAS-exact local": lambda: pas_exact(adapter, layer, batches, neurons=chosen),
    }
    for name, build in estimates.items():
        start = time.perf_counter()
        values = build().phi[first, second]
        seconds = time.perf_counter() - start
        print(
            f"  {name:<18} Spearman {spearmanr(values, truth).statistic:.4f}  Pearson {pearsonr(values, truth).statistic:.4f}  "
            f"median |error| {np.median(np.abs(values - truth)):.3g}  ({seconds:.0f} s)",
            flush=True,
        )


def cost(adapter: ModelAdapter, layer: int, batches: list[TokenBatch]) -> float:
    """Secant over all n players; prints the rates and returns the measured row FLOP/s (wall)."""
    inputs = sum(len(batch) for batch in batches)
    tokens = int(batches[0].input_ids.shape[1])
    n, later = adapter.intermediate_size, adapter.num_layers - 1 - layer
    cpu, wall = time.process_time(), time.perf_counter()
    pas_model(adapter, layer, batches)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rows = n * inputs + inputs
    flops = rows * row_flops(adapter.hidden_size, n, adapter.hidden_size, tokens, later, mlp=2)
    print(
        f"layer {layer} ({later} later blocks, {tokens} tokens, n = {n}): {wall / inputs:.1f} s wall, {cpu / inputs:.1f} s CPU "
        f"per input; {rows / wall:.1f} rows/s; ≈ {flops / wall / 1e9:.1f} GFLOP/s by the row model",
        flush=True,
    )
    return flops / wall


def extrapolate(rate: float) -> None:
    shape = EIGHT_B
    layer_rows = shape["n"] * shape["inputs"]
    print(f"8B estimate (n = {shape['n']}, d = {shape['d']}, {shape['tokens']} tokens, {shape['inputs']} inputs; NOT measured):")
    for later in (31, 16, 1):
        flops = layer_rows * row_flops(shape["d"], shape["n"], shape["kv"], shape["tokens"], later, mlp=3)
        print(
            f"  layer with {later:>2} later blocks: {flops:.3g} FLOP per layer = {flops / GPU_FLOPS / 3600:.1f} h on one GPU at "
            f"{GPU_FLOPS / 1e12:.0f} TFLOP/s ({flops / shape['inputs'] / GPU_FLOPS:.0f} s per input), "
            f"{flops / rate / 86400:.0f} days at this CPU's rate"
        )
    print(f"  sums: 2 × n² float64 = {16 * shape['n'] ** 2 / 2**30:.1f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--inputs", type=int, default=12)
    parser.add_argument("--players", type=int, default=256)
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--timing-inputs", type=int, default=2)
    parser.add_argument("--timing-layers", type=int, nargs="*", default=[3, 4])
    parser.add_argument("--accuracy-dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    print(f"load average {os.getloadavg()}, torch threads {torch.get_num_threads()}")
    if options.pairs:
        exact = load_demo_model(dtype=getattr(torch, options.accuracy_dtype))
        print(f"accuracy in {options.accuracy_dtype} (float32 rounding of the logit, ~1e-7, is the size of many pairs' ψ)")
        accuracy(exact, options.layer, demo_batches(exact, options.inputs), options.players, options.pairs, options.seed)
    adapter = load_demo_model()
    rates = [cost(adapter, layer, demo_batches(adapter, options.timing_inputs)) for layer in options.timing_layers]
    if rates:
        extrapolate(float(np.mean(rates)))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
