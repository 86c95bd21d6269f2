"""Benchmark of ``hedonic.game.discover`` on synthetic φ with planted groups (sizes 4..32).

Prints, for n = 1536 and n = 14336: the wall time of ``discover`` with its defaults (PAC-Top-Cover,
m = 50000, max_k = 10, k = 4, size control at 64) and of the exact cover, the φ load time from a
safetensors valuation and the end-to-end time of ``hedonic discover --phi`` at 14336, the size
distribution (largest coalition, singleton share, share of neurons in coalitions of size 3..64),
the share of partner pairs the PAC samples observe, and the adjusted Rand index of the recovered
coalitions against the planted ones at several noise levels. Also the same summary on a φ with no
structure (pure noise). All numbers come from this one run; nothing is compared to a fixed bar.

Run: ``.venv/bin/python benchmarks/game_discover.py [--quick]`` (``--quick`` skips n = 14336).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from hedonic.game import Partition, discover, planted_valuation, uniform_coalitions
from hedonic.valuation import Valuation, load_valuation, save_valuation

NOISE_LEVELS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
PAC_M = 50000
PAC_MAX_K = 10


def summary(partition: Partition) -> str:
    """Largest coalition, singleton share, share of neurons in sizes 3..64, degenerate flag."""
    sizes = partition.sizes()
    usable = sizes[(sizes >= 3) & (sizes <= 64)].sum() / partition.n_players
    return (
        f"{len(sizes)} coalitions, largest {partition.largest()} ({partition.largest() / partition.n_players:.2%}), "
        f"singletons {partition.singleton_share():.1%}, in sizes 3-64 {usable:.1%}, degenerate {partition.degenerate}"
    )


def observed_pair_share(n: int) -> float:
    """Expected share of a player's partners seen in m uniform samples: 1 - (1 - q)^m."""
    sizes = np.arange(2, PAC_MAX_K + 1, dtype=np.float64)
    pair_chance = float(np.mean(sizes * (sizes - 1))) / (n * (n - 1))
    return 1.0 - (1.0 - pair_chance) ** PAC_M


def timed(label: str, phi: np.ndarray, truth: np.ndarray | None, **options: object) -> tuple[Partition, float]:
    """Run discover once; print its time, summary, ARI (when truth is given) and stability line."""
    start, cpu = time.perf_counter(), time.process_time()
    partition = discover(phi, **options)  # type: ignore[arg-type]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ari = "" if truth is None else f", ARI {adjusted_rand_score(truth, partition.labels()):.3f}"
    stability = partition.stability or {}
    print(f"  {label}: {seconds:.2f} s wall, {cpu:.2f} s CPU; {summary(partition)}{ari}")
    print(f"    stability: {stability.get('statement')}; largest friend-gain blocking coalition {stability.get('largest_blocking_coalition')}")
    return partition, seconds


def layer_scale(n: int, noise: float, folder: Path) -> None:
    """Default and exact discover on one planted φ of n players; at large n also load and CLI times."""
    start = time.perf_counter()
    phi, truth = planted_valuation(n, noise, seed=0)
    print(f"\nn = {n}, noise {noise}: planted {len(np.unique(truth))} true coalitions (generated in {time.perf_counter() - start:.1f} s)")
    print(f"  PAC samples observe {observed_pair_share(n):.1%} of each player's partners (m = {PAC_M}, max_k = {PAC_MAX_K})")
    start = time.perf_counter()
    uniform_coalitions(np.random.default_rng(0), n, PAC_M, PAC_MAX_K)
    print(f"  drawing the {PAC_M} coalitions from D: {time.perf_counter() - start:.3f} s")
    _, pac_seconds = timed("discover defaults (pac)", phi, truth)
    _, exact_seconds = timed("discover method=exact", phi, truth, method="exact")
    print(f"  ratio pac / exact wall time: {pac_seconds / exact_seconds:.2f}")
    if n < 10000:
        return
    path = folder / f"phi{n}.safetensors"
    save_valuation(Valuation(phi, "planted", np.arange(n, dtype=np.int64)), path)
    del phi
    start, cpu = time.perf_counter(), time.process_time()
    loaded = load_valuation(path)
    load_seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  load_valuation of {path.stat().st_size / 2**20:.0f} MiB safetensors: {load_seconds:.2f} s wall, {cpu:.2f} s CPU (validation included)")
    print(f"  load + discover defaults: {load_seconds + pac_seconds:.2f} s")
    del loaded
    start = time.perf_counter()
    result = subprocess.run(
        [Path(sys.executable).with_name("hedonic").as_posix(), "discover", "--phi", str(path), "--out", str(folder / "partition.json")],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120", "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    cli_seconds = time.perf_counter() - start
    print(f"  `hedonic discover --phi` end to end (process start, load, discover, write): {cli_seconds:.2f} s, exit code {result.returncode}")


def noise_curve(n: int) -> None:
    """ARI of the default (pac) and exact covers against the planted groups, per noise level."""
    print(f"\nARI vs noise at n = {n} (planted sizes 4..32, 80% of players in groups, signal 1)")
    print("  noise   ARI pac   ARI exact   largest pac/exact   singletons pac/exact")
    for noise in NOISE_LEVELS:
        phi, truth = planted_valuation(n, noise, seed=1)
        pac = discover(phi, stability_samples=2000)
        exact = discover(phi, method="exact", stability_samples=2000)
        print(
            f"  {noise:5.2f}   {adjusted_rand_score(truth, pac.labels()):7.3f}   {adjusted_rand_score(truth, exact.labels()):9.3f}"
            f"   {pac.largest():8d}/{exact.largest():<8d}   {pac.singleton_share():8.1%}/{exact.singleton_share():.1%}"
        )


def unstructured(n: int) -> None:
    """Size distribution on a symmetric pure-noise φ (the reference script's random-φ setting)."""
    rng = np.random.default_rng(7)
    phi = rng.standard_normal((n, n), dtype=np.float32)
    phi = np.triu(phi, 1)
    phi += phi.T
    print(f"\nrandom φ (no structure), n = {n}")
    timed("discover defaults (pac)", phi, None)
    timed("discover method=exact", phi, None, method="exact")


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it; CPU times less so)")
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    with tempfile.TemporaryDirectory() as folder:
        layer_scale(1536, 0.2, Path(folder))
        if not quick:
            layer_scale(14336, 0.2, Path(folder))
    noise_curve(1536)
    unstructured(1536)
    if not quick:
        unstructured(14336)


if __name__ == "__main__":
    main()
