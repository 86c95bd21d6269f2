"""Valuation build time: OCA and PAS-grad φ from synthetic statistics of a whole layer.

Sizes: n = 1536, d = 384 (MiniLM-L6) and n = 14336, d = 4096 (LLaMA-3.1-8B / Mistral-7B). The
statistics are sums over ``--rows`` synthetic activation rows with correlated neurons (a low-rank
factor plus noise), and W_out is Gaussian; building them is not timed. Each size is timed once
(``--repeats`` to repeat); φ is float32 (n, n) with a zero diagonal, built in symmetric row blocks.

Prints the build times, the time of one float32 n×n matrix product of the same size for scale,
and the peak-memory estimate of :func:`hedonic.valuation.phi_bytes`.

Run: ``.venv/bin/python benchmarks/valuation_build.py [--sizes 1536:384,14336:4096 --rows 256]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hedonic.stats import ActivationStats
from hedonic.valuation import check_phi, oca, pas_grad, phi_bytes


def synthetic_stats(n: int, rows: int, seed: int) -> ActivationStats:
    """Statistics of ``rows`` activation and attribution rows (rank-32 factor + noise) over ``n`` neurons."""
    generator = np.random.default_rng(seed)
    factor = generator.normal(size=(32, n)).astype(np.float32)

    def sample() -> np.ndarray:
        return (generator.normal(size=(rows, 32)).astype(np.float32) @ factor + generator.normal(size=(rows, n)).astype(np.float32)).astype(
            np.float64
        )

    a, v = sample(), sample()
    return ActivationStats(
        layer=0,
        neurons=np.arange(n),
        tokens="readout",
        count=rows,
        num_inputs=rows,
        sum=a.sum(0),
        sum_abs=np.abs(a).sum(0),
        sum_sq=(a**2).sum(0),
        sum_outer=a.T @ a,
        readout="local",
        sum_v=v.sum(0),
        sum_vv=v.T @ v,
    )


def seconds(function: object, repeats: int) -> float:
    """Median wall-clock seconds of ``repeats`` calls of ``function()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1536:384,14336:4096", help="comma-separated n:d")
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    for size in args.sizes.split(","):
        n, d = (int(x) for x in size.split(":"))
        measure(n, d, args.rows, args.repeats)


def measure(n: int, d: int, rows: int, repeats: int) -> None:
    """Time OCA and PAS-grad on ``rows`` synthetic rows of ``n`` neurons (W_out of width ``d``) and print them."""
    stats = synthetic_stats(n, rows, seed=n)
    w_out = np.random.default_rng(d).normal(size=(d, n)).astype(np.float32)
    budget = 1 << 40  # the benchmark measures time; the estimate is printed below
    results = {}
    oca_time = seconds(lambda: results.__setitem__("oca", oca(stats, w_out, memory_budget=budget)), repeats)
    grad_time = seconds(lambda: results.__setitem__("pas-grad", pas_grad(stats, memory_budget=budget)), repeats)
    for valuation in results.values():
        check_phi(valuation.phi)
    unit = w_out / np.linalg.norm(w_out, axis=0)
    gram_time = seconds(lambda: unit.T @ unit, 1)
    print(f"\nn = {n}, d = {d} ({rows} synthetic rows)")
    print(f"  OCA φ        {oca_time:8.2f} s   (estimated peak {phi_bytes(n, d=d) / 2**30:.2f} GiB besides the statistics)")
    print(f"  PAS-grad φ   {grad_time:8.2f} s   (estimated peak {phi_bytes(n) / 2**30:.2f} GiB besides the statistics)")
    print(f"  for scale: one full float32 Gram matrix DᵀD ({n}×{d} by {d}×{n}) {gram_time:.2f} s; OCA/Gram {oca_time / gram_time:.2f}")


if __name__ == "__main__":
    main()
