"""Power and false links of the tracking link tests, on planted routing (README "Reading the results").

Three measurements, printed as tables from one run:

1. **Planted model.** A tiny random LLaMA (default d = 384, n = 1536: MiniLM's sizes), 30 source
   and 30 target coalitions of 24 neurons, 6 persist + 1 split + 1 merge events planted
   (10 links, :func:`hedonic.tracking.planting.planted_design`) into the model's weights at each
   strength s. Per s: what the shares rule and the paper's relative-threshold rule (τ = 0.3) say,
   the planted links found by the weight test and the causal test (and other links found: false
   links), and the planted events (of 9 planted source coalitions) read from each test's links.
2. **Spike-in into the demo model's real weights** (``--model demo``, layers ``--layer`` → +1):
   the same number of coalitions of random neurons, ``--links`` one-to-one links planted into the
   virtual weights; planted links found per strength by each weight statistic (``polish``, the
   default, and ``influence``, the E|a|-weighted terms of S) with the layer's own E|a|
   (``--run RUN_DIR``: its statistics; else uniform).
3. **Shuffled partitions of the real layer pair**: ``--shuffles`` random partitions with those
   sizes and nothing planted; every specific link is a false link.
4. With ``--run``: the run's own tracked coalitions of the pair, their specific links, and those
   left after rotating the residual stream between the layers at random (the read rows times a
   random orthogonal matrix: each coalition's internal geometry stays, the routing goes), for
   ``--rotations`` rotations.

    .venv/bin/python benchmarks/tracking_power.py [--run hedonic-runs/demo --layer 2] [--no-causal] [--d 384 --n 1536]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch

from hedonic.game import Partition
from hedonic.models import ModelAdapter, TokenBatch, open_model
from hedonic.testing import TINY_VOCAB, tiny_model
from hedonic.tracking import (
    CausalSettings,
    LinkThresholds,
    ShareThresholds,
    Thresholds,
    VirtualMap,
    causal_links,
    classify,
    collect_input_activity,
    plant_links,
    planted_design,
    planted_events_found,
    planted_found,
    planted_model,
    run_dir_inputs,
    tracked,
    virtual_map,
    weight_links,
)
from hedonic.tracking.bootstrap import influence_from_units


def random_partition(rng: np.random.Generator, n: int, coalitions: int, size: int, layer: int) -> Partition:
    """``coalitions`` disjoint random groups of ``size`` of the n neurons."""
    chosen = rng.permutation(n)[: coalitions * size]
    groups = [sorted(chosen[k * size : (k + 1) * size].tolist()) for k in range(coalitions)]
    return Partition.from_coalitions(groups, "random", neurons=sorted(chosen.tolist()), layer=layer)


def token_batches(count: int, tokens: int, seed: int) -> list[TokenBatch]:
    """Random word sequences of the tiny vocabulary, 16 per batch."""
    ids = torch.randint(5, len(TINY_VOCAB), (count, tokens), generator=torch.Generator().manual_seed(seed))
    return [TokenBatch(ids[k : k + 16], torch.ones_like(ids[k : k + 16]), None) for k in range(0, count, 16)]


def planted_model_table(args: argparse.Namespace) -> None:
    """Measurement 1 (module docstring)."""
    model = tiny_model("llama", hidden=args.d, intermediate=args.n, layers=2, heads=4, vocab_size=64, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    source, target = (random_partition(rng, args.n, args.coalitions, args.size, layer) for layer in (0, 1))
    batches = token_batches(args.inputs, 16, args.seed)
    mean_abs = np.zeros(args.n)
    mean_abs[list(source.neurons)] = collect_input_activity(model, batches, {0: np.asarray(source.neurons)}, tokens="all")[0].mean_abs()
    design = planted_design(args.coalitions, args.coalitions, seed=args.seed)
    print(
        f"\n1. planted model: tiny LLaMA d = {args.d}, n = {args.n}, {args.coalitions} → {args.coalitions} coalitions of {args.size}; "
        f"{len(design.links)} planted links, {len(design.events)} planted source events; causal on {args.inputs} inputs × 16 tokens, {args.groups} random groups"
    )
    print(
        "| s | shares rule: events found (vanish) | τ = 0.3 rule: persist / split / vanish | weight links: planted (false) | events from weight links "
        "| causal links: planted (false) | events from causal links | weight s / causal s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for strength in args.strengths:
        with planted_model(model, 0, source, target, design, strength, seed=args.seed):
            start = time.process_time()
            units, weights = weight_links(virtual_map(model, 0), source, target, None)
            weight_cpu = time.process_time() - start
            influence = influence_from_units(units, source, mean_abs[list(source.neurons)])
            causal = None
            if args.causal:
                start = time.process_time()
                causal = causal_links(
                    model, 0, source, target, batches, CausalSettings(inputs=args.inputs, random_groups=args.groups, seed=args.seed)
                )
                causal_cpu = time.process_time() - start
        shares = classify(influence, ShareThresholds())
        tau = classify(influence, Thresholds(tau=0.3)).percentages()
        row = [
            f"{strength:g}",
            f"{planted_events_found(design, shares)} of {len(design.events)} ({shares.percentages()['vanish']:.0f}% vanish)",
            f"{tau['persist']:.0f}% / {tau['split']:.0f}% / {tau['vanish']:.0f}%",
            _found(design, weights.pairs()),
            f"{planted_events_found(design, classify(influence, LinkThresholds(), weights.pairs()))} of {len(design.events)}",
        ]
        if causal is not None:
            row += [
                _found(design, causal.tests.pairs()),
                f"{planted_events_found(design, classify(influence, LinkThresholds(), causal.tests.pairs()))} of {len(design.events)}",
            ]
            row += [f"{weight_cpu:.2f} / {causal_cpu:.1f}"]
        else:
            row += ["–", "–", f"{weight_cpu:.2f} / –"]
        print("| " + " | ".join(row) + " |", flush=True)


def _found(design, links) -> str:  # noqa: ANN001
    planted, other = planted_found(design, sorted(links))
    return f"{planted} of {len(design.links)} ({other})"


def real_layer_tables(args: argparse.Namespace) -> None:
    """Measurements 2 and 3 (module docstring)."""
    model: ModelAdapter = open_model(args.model)
    layer, n = args.layer, model.intermediate_size
    mean_abs = None
    if args.run is not None:
        inputs = run_dir_inputs(args.run)
        mean_abs = inputs.weights(n).get(layer)
    vmap = virtual_map(model, layer)
    rng = np.random.default_rng(args.seed)
    source, target = (random_partition(rng, n, args.coalitions, args.size, layer + k) for k in (0, 1))
    design = planted_design(args.coalitions, args.coalitions, persist=args.links, split=0, merge=0, seed=args.seed)
    weighting = "E|a| of the run" if mean_abs is not None else "uniform E|a|"
    print(
        f"\n2. spike-in: {args.model} layers {layer} → {layer + 1}, {args.coalitions} → {args.coalitions} random coalitions of {args.size}, "
        f"{args.links} planted one-to-one links, {weighting}"
    )
    print("| s | polish: planted (other) | influence: planted (other) |")
    print("|---|---|---|")
    for strength in args.strengths:
        planted = plant_links(vmap, source, target, design, strength, seed=args.seed)
        cells = [
            _found(design, weight_links(planted, source, target, mean_abs, statistic=name)[1].pairs()) for name in ("polish", "influence")
        ]
        print(f"| {strength:g} | " + " | ".join(cells) + " |", flush=True)
    counts: dict[str, list[int]] = {"polish": [], "influence": []}
    for shuffle in range(args.shuffles):
        rng = np.random.default_rng([args.seed, shuffle])
        source, target = (random_partition(rng, n, args.coalitions, args.size, layer + k) for k in (0, 1))
        for name in counts:
            counts[name].append(len(weight_links(vmap, source, target, mean_abs, statistic=name)[1].links))
    print(
        f"\n3. shuffled partitions of layers {layer} → {layer + 1} ({args.shuffles} shuffles, {args.coalitions} × {args.coalitions} links each):"
    )
    for name, found in counts.items():
        print(f"{name}: {sum(found)} false links in all, shuffles with any: {sum(k > 0 for k in found)} (per shuffle {found})")


def rotation_table(args: argparse.Namespace) -> None:
    """Measurement 4 (module docstring)."""
    model = open_model(args.model)
    inputs = run_dir_inputs(args.run)
    layer = args.layer
    source, target = tracked(inputs.partitions[layer], 10), tracked(inputs.partitions[layer + 1], 10)
    vmap = virtual_map(model, layer)
    counts = []
    for rotation in range(args.rotations + 1):
        rotated = vmap
        if rotation:
            generator = torch.Generator().manual_seed(rotation)
            orthogonal, _ = torch.linalg.qr(torch.randn(vmap.write.shape[0], vmap.write.shape[0], generator=generator))
            rotated = VirtualMap({name: read @ orthogonal for name, read in vmap.read.items()}, vmap.write, vmap.folded)
        counts.append(len(weight_links(rotated, source, target, None)[1].links))
    print(
        f"\n4. the run's tracked coalitions, layers {layer} → {layer + 1} ({len(source.coalitions)} → {len(target.coalitions)}): "
        f"{counts[0]} specific links; after {args.rotations} random rotations of the residual stream: {counts[1:]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--d", type=int, default=384, help="hidden size of the planted model")
    parser.add_argument("--n", type=int, default=1536, help="MLP neurons of the planted model")
    parser.add_argument("--coalitions", type=int, default=30, help="coalitions per layer")
    parser.add_argument("--size", type=int, default=24, help="neurons per coalition")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.0, 0.05, 0.1, 0.2, 0.4, 1.0])
    parser.add_argument("--inputs", type=int, default=32, help="inputs of the causal test")
    parser.add_argument("--groups", type=int, default=64, help="random groups of the causal test")
    parser.add_argument("--no-causal", dest="causal", action="store_false", help="skip the causal test on the planted model")
    parser.add_argument("--model", default="demo", help="the real model of measurements 2 and 3")
    parser.add_argument("--layer", type=int, default=2)
    parser.add_argument("--links", type=int, default=12, help="planted links in the real model")
    parser.add_argument("--shuffles", type=int, default=20)
    parser.add_argument("--run", type=Path, default=None, help="a run directory of that model, for its E|a|")
    parser.add_argument("--rotations", type=int, default=5, help="random rotations of measurement 4")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{torch.get_num_threads()} torch threads; load {os.getloadavg()[0]:.1f}")
    planted_model_table(args)
    real_layer_tables(args)
    if args.run is not None:
        rotation_table(args)


if __name__ == "__main__":
    main()
