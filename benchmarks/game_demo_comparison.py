"""Held-out comparison of each game on the demo model: which game's coalitions are most synergistic?

For every game variant, the demo run directory ``--base`` (a finished ``hedonic demo`` run; its
statistics and φ are reused, not recomputed) is copied and the pipeline is rerun with the base's
configuration and that ``[game]`` (meaning and the decomposition switched off; ``--eval-max-size`` sets the largest
coalition the evaluation scores, ``--significance-draws 0`` skips the per-coalition tests): partitions, size-matched baselines and held-out synergy are
recomputed. Printed per variant: the size distribution of its partitions (largest coalition, share
of neurons in sizes > 32, the power-law fit), the game's time, the verdict against each baseline
(the pipeline's: Brunner–Munzel, Holm, on ``na_abs``), and per evaluated layer and metric the
median per-coalition value of hedonic and of each baseline, Cliff's δ of hedonic vs the baseline
(positive: hedonic ahead on the typical coalition) and the Mann–Whitney p-value, Holm-adjusted
over the baselines. All numbers come from this run.

Run: ``.venv/bin/python benchmarks/game_demo_comparison.py --base hedonic-runs/demo --out /tmp/games``
(``--variants additive,top-cover`` to restrict; each variant takes a few minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

from hedonic.evaluation.verdict import verdict_from_dict
from hedonic.game import load_partition
from hedonic.game.size_distribution import share_above
from hedonic.pipeline import run_pipeline
from hedonic.pipeline.config import load_config, size_bounds

METRICS = ("pair", "na", "pair_abs", "na_abs")
VARIANTS: dict[str, dict[str, Any]] = {
    "additive": {"method": "additive", "tau": "auto", "max_size": "auto"},
    "additive-none": {"method": "additive", "tau": "auto", "max_size": "none"},
    "additive-noise": {"method": "additive", "tau": "noise", "max_size": "auto"},
    "additive-noise-none": {"method": "additive", "tau": "noise", "max_size": "none"},
    "additive-noise-32": {"method": "additive", "tau": "noise", "max_size": 32},
    "additive-modularity": {"method": "additive", "tau": "modularity", "max_size": "auto"},
    "additive-individual": {"method": "additive-individual", "tau": "auto", "max_size": "auto"},
    "top-cover": {"method": "top-cover", "max_size": "auto"},
    "top-cover-32": {"method": "top-cover", "max_size": 32},
    "pac-top-cover": {"method": "pac-top-cover", "max_size": "auto"},
}
"""Game variants compared: name → [game] keys changed from the run's configuration (``additive-noise-32``:
the default before issue 27, the ``noise`` τ rule capped at the evaluation's 32)."""


def holm(p_values: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order as given)."""
    order = np.argsort(p_values)
    adjusted = np.empty(len(p_values))
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted.tolist()


def cliffs_delta(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Cliff's δ = P(X > Y) − P(X < Y) and the two-sided Mann–Whitney p-value."""
    test = mannwhitneyu(x, y, alternative="two-sided")
    return 2.0 * float(test.statistic) / (len(x) * len(y)) - 1.0, float(test.pvalue)


def metric_values(path: Path, metric: str) -> np.ndarray:
    """Per-coalition values of ``metric`` from a synergy file (coalitions without a value dropped)."""
    document = json.loads(path.read_text())
    values = [c["metrics"][metric] for c in document["coalitions"] if c["metrics"].get(metric) is not None]
    return np.asarray(values, dtype=np.float64)


def compare_layer(folder: Path) -> None:
    """Print medians, Cliff's δ and Holm-adjusted Mann–Whitney p of hedonic vs each baseline."""
    baselines = sorted(p.stem.removeprefix("synergy_") for p in folder.glob("synergy_*.json") if p.stem != "synergy_hedonic")
    for metric in METRICS:
        hedonic = metric_values(folder / "synergy_hedonic.json", metric)
        rows = []
        for name in baselines:
            other = metric_values(folder / f"synergy_{name}.json", metric)
            delta, p = cliffs_delta(hedonic, other) if len(hedonic) and len(other) else (float("nan"), 1.0)
            rows.append((name, float(np.median(other)) if len(other) else float("nan"), len(other), delta, p))
        adjusted = holm([row[4] for row in rows])
        cells = ", ".join(
            f"{name} δ {delta:+.2f} (p {p:.3f}, median {median:.2e}, n={count})"
            for (name, median, count, delta, _), p in zip(rows, adjusted, strict=True)
        )
        print(f"    {metric:8s} hedonic median {np.median(hedonic):.2e} (n={len(hedonic)}): {cells}")


def partition_summary(run: Path, layer: int, size_range: tuple[int, int | None]) -> str:
    """Coalition count, largest, share of neurons in sizes > 32, singletons, coalitions in the evaluated range
    (``None``: no upper bound), the power-law fit."""
    partition = load_partition(run / "partitions" / f"layer{layer}.json")
    sizes = partition.sizes()
    low, high = size_range
    evaluated = len(partition.in_size_range(low, partition.largest() if high is None else high))
    fit = partition.power_law()
    return (
        f"{len(sizes)} coalitions, largest {partition.largest()}, neurons in sizes > 32 {share_above(sizes, 32):.1%}, "
        f"singletons {partition.singleton_share():.0%}, {evaluated} coalitions of size {low}-{high or 'any'}; "
        f"{'no power-law fit' if fit is None else fit.statement()}; τ rule {partition.parameters.get('tau_rule', '-')}"
    )


def verdict_lines(folder: Path) -> list[str]:
    """The pipeline's verdict against each baseline (comparison context), one line each."""
    context = json.loads((folder / "comparison.json").read_text())["context"]
    return [verdict_from_dict(entry).line() for entry in context.get("verdict", [])]


def run_variant(
    base: Path, target: Path, name: str, changes: dict[str, Any], eval_max_size: int | None, draws: int | None, max_coalitions: int | None
) -> None:
    """Copy ``base`` to ``target``, rerun the pipeline with the variant's game, print its comparison."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("report.html", "tracking", "meaning"))
    demo = load_config(base / "config.toml")
    evaluation = demo.evaluation if eval_max_size is None else dataclasses.replace(demo.evaluation, max_size=eval_max_size)
    evaluation = evaluation if draws is None else dataclasses.replace(evaluation, significance_draws=draws)
    evaluation = evaluation if max_coalitions is None else dataclasses.replace(evaluation, max_coalitions=max_coalitions)
    config = dataclasses.replace(
        demo,
        out_dir=str(target),
        game=dataclasses.replace(demo.game, **changes),
        evaluation=evaluation,
        meaning=dataclasses.replace(demo.meaning, enabled=False),
        decomposition=dataclasses.replace(demo.decomposition, enabled=False),
    )
    start = time.perf_counter()
    result = run_pipeline(config)
    seconds = time.perf_counter() - start
    timings = result.timings
    game_seconds = sum(v for k, v in timings.items() if k.startswith("partition-"))
    print(f"\n== {name} ({changes}): pipeline rerun {seconds:.0f} s, partition stages {game_seconds:.1f} s")
    for layer in result.evaluated:
        print(f"  layer {layer}: {partition_summary(target, layer, size_bounds(evaluation.min_size, evaluation.max_size))}")
        for line in verdict_lines(target / "evaluation" / f"layer{layer}"):
            print(f"    {line}")
        compare_layer(target / "evaluation" / f"layer{layer}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="a finished `hedonic demo` run directory")
    parser.add_argument("--out", type=Path, required=True, help="folder for one run directory per variant")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, from {', '.join(VARIANTS)}")
    parser.add_argument("--eval-max-size", type=int, default=None, help="largest coalition the evaluation scores (default: the base run's)")
    parser.add_argument(
        "--significance-draws",
        type=int,
        default=None,
        help="random groups per size for the per-coalition tests (0: none, faster; the verdict does not use them)",
    )
    parser.add_argument(
        "--max-coalitions", type=int, default=None, help="coalitions per method and layer evaluated (0: all; default: the base run's)"
    )
    arguments = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name in arguments.variants.split(","):
        run_variant(
            arguments.base,
            arguments.out / name,
            name,
            VARIANTS[name],
            arguments.eval_max_size,
            arguments.significance_draws,
            arguments.max_coalitions,
        )


if __name__ == "__main__":
    main()
