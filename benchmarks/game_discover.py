"""Benchmark of every game of ``hedonic.game.discover`` on synthetic φ with planted groups (sizes 4..32).

For n = 1536 and n = 14336 and planted noise σ in 0.1..0.5 (signal 1 inside the hidden groups,
80% of the players in groups, symmetric Gaussian noise, zero diagonal), prints for each game of
``GAME_METHODS`` with its defaults: wall and CPU time of ``discover`` (stability checks
included), the adjusted Rand index against the planted groups, the size distribution (largest
coalition, singleton share, share of neurons in sizes 3..64) and the stability statement. At
n = 14336 it also times ``hedonic discover --phi FILE --out P.json`` end to end with the
defaults (process start, loading the safetensors φ, the game, the checks, writing). Ratios to the
default game's time are printed per row; nothing is compared to a fixed bar.

Run: ``.venv/bin/python benchmarks/game_discover.py [--quick] [--noise 0.3]`` (``--quick``: n = 1536 only).
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

from hedonic.game import DEFAULTS, GAME_METHODS, Partition, discover, planted_valuation
from hedonic.valuation import Valuation, save_valuation

NOISE_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5)


def summary(partition: Partition) -> str:
    """Largest coalition, singleton share, share of neurons in sizes 3..64."""
    sizes = partition.sizes()
    usable = sizes[(sizes >= 3) & (sizes <= 64)].sum() / partition.n_players
    return f"largest {partition.largest()}, singletons {partition.singleton_share():.0%}, in sizes 3-64 {usable:.0%}"


def one_size(n: int, noises: tuple[float, ...]) -> None:
    """Every game on planted φ of n players at each noise level."""
    for noise in noises:
        start = time.perf_counter()
        phi, truth = planted_valuation(n, noise, seed=0)
        print(f"\nn = {n}, noise σ = {noise} ({len(np.unique(truth))} true coalitions, φ made in {time.perf_counter() - start:.1f} s)")
        reference = None
        for name in GAME_METHODS:
            start, cpu = time.perf_counter(), time.process_time()
            partition = discover(phi, method=name)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            reference = reference or seconds
            ari = adjusted_rand_score(truth, partition.labels())
            statement = partition.stability.statement if partition.stability else ""
            print(f"  {name:20s} ARI {ari:.3f}  {seconds:6.2f} s wall ({seconds / reference:5.2f}× {DEFAULTS.method}), {cpu:6.2f} s CPU; {summary(partition)}")
            print(f"  {'':20s} {statement}")


def end_to_end(n: int, noise: float, folder: Path) -> None:
    """``hedonic discover --phi`` with the defaults on a planted φ saved as a valuation artifact."""
    phi, truth = planted_valuation(n, noise, seed=0)
    path = folder / f"phi{n}.safetensors"
    save_valuation(Valuation(phi, "planted", np.arange(n, dtype=np.int64)), path)
    del phi
    out = folder / "partition.json"
    start = time.perf_counter()
    result = subprocess.run(
        [Path(sys.executable).with_name("hedonic").as_posix(), "discover", "--phi", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160", "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    seconds = time.perf_counter() - start
    from hedonic.game import load_partition

    ari = adjusted_rand_score(truth, load_partition(out).labels()) if result.returncode == 0 else float("nan")
    print(f"\n`hedonic discover --phi` (defaults) on n = {n}, σ = {noise}: {seconds:.1f} s end to end, exit code {result.returncode}, ARI {ari:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 1536 only")
    parser.add_argument("--noise", type=float, action="append", help="noise levels (default 0.1..0.5)")
    arguments = parser.parse_args()
    noises = tuple(arguments.noise or NOISE_LEVELS)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times less so)")
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    one_size(1536, noises)
    if not arguments.quick:
        with tempfile.TemporaryDirectory() as folder:
            end_to_end(14336, 0.3, Path(folder))
        one_size(14336, noises)


if __name__ == "__main__":
    main()
