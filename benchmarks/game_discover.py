"""Benchmark of every game of ``hedonic.game.discover`` on synthetic φ with planted groups.

The planted φ is :func:`hedonic.game.heterogeneous_valuation` with :data:`hedonic.game.REALISTIC`
(issue 27): group sizes 3…128 drawn from P(s) ∝ s⁻², within-group strengths a_i·a_j spanning
×3 (1…3), 20% true singletons, a fifth of the groups in mutually repelling pairs (φ = −1 between
them), symmetric Gaussian noise σ, zero diagonal; ``--uniform`` plays the earlier benchmark
instead (:func:`hedonic.game.planted_valuation`: sizes 4…32, signal 1). For n = 1536 and
n = 14336 and σ in 0.1..0.5, prints for each game of ``GAME_METHODS`` with its defaults: wall
and CPU time of ``discover`` (stability checks included), the adjusted Rand index against the
planted groups, the size distribution (largest coalition, singleton share, share of neurons in
sizes > 32) and the stability statement. At n = 14336 it also times ``hedonic discover --phi FILE
--out P.json`` end to end with the defaults (process start, loading the safetensors φ, the game,
the checks, writing) and reports that process's CPU time. Ratios to the default game's time are
printed per row; nothing is compared to a fixed bar.

Run: ``.venv/bin/python benchmarks/game_discover.py [--quick] [--noise 0.3] [--uniform]`` (``--quick``: n = 1536 only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from hedonic.game import DEFAULTS, GAME_METHODS, Partition, discover, heterogeneous_valuation, planted_valuation
from hedonic.game.size_distribution import share_above
from hedonic.valuation import Valuation, save_valuation

NOISE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5)


def planted(n: int, noise: float, uniform: bool) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's φ and true labels (module docstring), seed 0."""
    return planted_valuation(n, noise, seed=0) if uniform else heterogeneous_valuation(n, noise, seed=0)


def summary(partition: Partition) -> str:
    """Largest coalition, singleton share, share of neurons in sizes > 32."""
    return f"largest {partition.largest()}, singletons {partition.singleton_share():.0%}, in sizes > 32 {share_above(partition.sizes(), 32):.0%}"


def one_size(n: int, noises: tuple[float, ...], uniform: bool) -> None:
    """Every game on planted φ of n players at each noise level."""
    for noise in noises:
        start = time.perf_counter()
        phi, truth = planted(n, noise, uniform)
        sizes = np.bincount(truth)
        print(
            f"\nn = {n}, noise σ = {noise} ({(sizes > 1).sum()} planted groups, largest {sizes.max()}, {share_above(sizes, 32):.0%} of neurons in groups > 32; φ made in {time.perf_counter() - start:.1f} s)"
        )
        reference = None
        for name in GAME_METHODS:
            start, cpu = time.perf_counter(), time.process_time()
            partition = discover(phi, method=name)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            reference = reference or seconds
            ari = adjusted_rand_score(truth, partition.labels())
            statement = partition.stability.statement if partition.stability else ""
            print(
                f"  {name:20s} ARI {ari:.3f}  {seconds:6.2f} s wall ({seconds / reference:5.2f}× {DEFAULTS.method}), {cpu:6.2f} s CPU; {summary(partition)}"
            )
            print(f"  {'':20s} {statement}")


def end_to_end(n: int, noise: float, folder: Path, uniform: bool) -> None:
    """``hedonic discover --phi`` with the defaults on a planted φ saved as a valuation artifact (wall and the child's CPU time)."""
    phi, truth = planted(n, noise, uniform)
    path = folder / f"phi{n}.safetensors"
    save_valuation(Valuation(phi, "planted", np.arange(n, dtype=np.int64)), path)
    del phi
    out = folder / "partition.json"
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(
        [Path(sys.executable).with_name("hedonic").as_posix(), "discover", "--phi", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160", "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    seconds = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    from hedonic.game import load_partition

    ari = adjusted_rand_score(truth, load_partition(out).labels()) if result.returncode == 0 else float("nan")
    print(
        f"\n`hedonic discover --phi` (defaults) on n = {n}, σ = {noise}: {seconds:.1f} s end to end ({cpu:.1f} s CPU), "
        f"load {os.getloadavg()[0]:.1f}, exit code {result.returncode}, ARI {ari:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 1536 only")
    parser.add_argument("--noise", type=float, action="append", help="noise levels (default 0.1..0.5)")
    parser.add_argument("--uniform", action="store_true", help="the earlier planted φ (sizes 4..32, one strength)")
    arguments = parser.parse_args()
    noises = tuple(arguments.noise or NOISE_LEVELS)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times less so)")
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    one_size(1536, noises, arguments.uniform)
    if not arguments.quick:
        with tempfile.TemporaryDirectory() as folder:
            end_to_end(14336, 0.3, Path(folder), arguments.uniform)
        one_size(14336, noises, arguments.uniform)


if __name__ == "__main__":
    main()
