"""How well PAS-grad and PAS-hess rank pairs against PAS-exact (the ablation ground truth): Spearman over all pairs.

For each setting, the three valuations are built from the same inputs and the same players:

- PAS-exact: E[ψ(i, j)], ψ = Δ_ij − Δ_i − Δ_j by zero ablation (``local``: closed form; ``model``:
  the ablation engine, every single and pair ablated);
- PAS-hess: E[−∂²f/∂α_i∂α_j] (``local``: closed form; ``model``: autograd);
- PAS-grad: −E[v_i v_j], v_i = Σ_t a_{i,t} ∂f/∂a_{i,t} (``hedonic.stats.collect_stats`` with a
  gradient readout, then ``hedonic.valuation.gradient``).

Settings: a tiny random LLaMA (float64, ``--tiny-neurons`` neurons of layer 1, ``--tiny-inputs``
random inputs) and the demo reranker (layer ``--layer``, ``--demo-inputs`` held-out demo-corpus
pairs), each on a ``--subset``-neuron subset (seeded random, and the top ones by activation
variance) for the ``local`` readout and the ``model`` readout (demo: the random subset only, its
PAS-exact reruns the later layers for every single and pair), plus all pairs of the full demo
layer for ``local`` (``--full-inputs`` inputs; BERT's pooler makes PAS-exact O(n²·d) per input).
Spearman ρ is over the upper triangle (i < j). Timings are from this run on a possibly shared machine.

Run: ``.venv/bin/python benchmarks/valuation_crosscheck.py [--demo-inputs 16 --full-inputs 32]``
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable

import numpy as np
import torch
from scipy.stats import spearmanr

from hedonic.models import ModelAdapter, TokenBatch, load_demo_model
from hedonic.stats import collect_stats
from hedonic.testing import TINY_VOCAB, tiny_model
from hedonic.valuation import Valuation, pas_exact, pas_grad, pas_hess, top_k_by_variance

DEMO_MODEL = "demo reranker (MiniLM-L6 + shipped LoRA adapter)"


def demo_batches(adapter: ModelAdapter, count: int, batch_size: int) -> list[TokenBatch]:
    """``count`` held-out pairs of the demo corpus in batches of ``batch_size`` (≤ 128 tokens)."""
    from hedonic.data import DemoCorpusConfig, build_demo_corpus, iter_batches

    pairs = build_demo_corpus(DemoCorpusConfig(seed=0)).heldout.pairs[:count]
    return list(iter_batches(adapter, pairs, batch_size, 128))


def tiny_batches(adapter: ModelAdapter, count: int, batch_size: int, seed: int) -> list[TokenBatch]:
    """``count`` random query-text pairs in the tiny vocabulary (3-word queries, 8-word texts)."""
    rng = random.Random(seed)
    words = TINY_VOCAB[5:]
    queries = [" ".join(rng.choices(words, k=3)) for _ in range(count)]
    texts = [" ".join(rng.choices(words, k=8)) for _ in range(count)]
    return [adapter.encode(queries[s : s + batch_size], texts[s : s + batch_size]) for s in range(0, count, batch_size)]


def timed(build: Callable[[], Valuation]) -> tuple[Valuation, float]:
    start = time.perf_counter()
    valuation = build()
    return valuation, time.perf_counter() - start


def upper(phi: np.ndarray) -> np.ndarray:
    return phi[np.triu_indices(phi.shape[0], k=1)]


def compare(title: str, adapter: ModelAdapter, layer: int, batches: list[TokenBatch], neurons: np.ndarray | None, readout: str) -> None:
    """Build the three valuations and print Spearman ρ against PAS-exact and the build times."""
    exact, exact_s = timed(lambda: pas_exact(adapter, layer, batches, readout=readout, neurons=neurons))
    hess, hess_s = timed(lambda: pas_hess(adapter, layer, batches, readout=readout, neurons=neurons))

    def grad() -> Valuation:
        stats = collect_stats(adapter, batches, [layer], neurons=neurons, outer=False, grad=readout)  # type: ignore[arg-type]
        return pas_grad(stats[adapter.check_layer(layer)])

    gradient, grad_s = timed(grad)
    truth = upper(exact.phi)
    rho_hess = spearmanr(upper(hess.phi), truth).statistic
    rho_grad = spearmanr(upper(gradient.phi), truth).statistic
    print(
        f"{title:<46} readout {readout:<5} pairs {truth.size:>8}  Spearman vs PAS-exact: PAS-hess {rho_hess:+.3f}, "
        f"PAS-grad {rho_grad:+.3f}   (build s: exact {exact_s:.1f} [{exact.details['method']}], hess {hess_s:.1f} "
        f"[{hess.details['method']}], grad {grad_s:.1f})",
        flush=True,
    )


def variance_top(adapter: ModelAdapter, layer: int, batches: list[TokenBatch], k: int) -> np.ndarray:
    stats = collect_stats(adapter, batches, [layer], outer=False)
    return top_k_by_variance(stats[adapter.check_layer(layer)], k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny-inputs", type=int, default=64)
    parser.add_argument("--demo-inputs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--subset", type=int, default=64)
    parser.add_argument("--tiny-neurons", type=int, default=256)
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--full-inputs", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    options = parser.parse_args()
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    if options.threads is not None:
        torch.set_num_threads(options.threads)
    print(f"load average {os.getloadavg()}, torch threads {torch.get_num_threads()}")
    rng = np.random.default_rng(options.seed)

    tiny = tiny_model("llama", seed=options.seed, layers=3, hidden=32, intermediate=options.tiny_neurons, dtype=torch.float64)
    batches = tiny_batches(tiny, options.tiny_inputs, options.batch_size, options.seed)
    print(f"tiny LLaMA: {options.tiny_inputs} random inputs")
    subsets = {
        "random": np.sort(rng.choice(options.tiny_neurons, options.subset, replace=False)),
        "top variance": variance_top(tiny, 1, batches, options.subset),
    }
    for name, neurons in subsets.items():
        for readout in ("local", "model"):
            compare(f"tiny LLaMA L1, {options.subset} {name} of {options.tiny_neurons}", tiny, 1, batches, neurons, readout)

    demo = load_demo_model()
    print(f"demo model: {DEMO_MODEL}")
    layer = options.layer
    batches = demo_batches(demo, options.demo_inputs, options.batch_size)
    print(f"{len(batches)} batches, {options.demo_inputs} held-out demo-corpus pairs")
    n = demo.intermediate_size
    subsets = {
        "random": np.sort(rng.choice(n, options.subset, replace=False)),
        "top variance": variance_top(demo, layer, batches, options.subset),
    }
    for name, neurons in subsets.items():
        for readout in ("local", "model") if name == "random" else ("local",):
            compare(f"demo L{layer}, {options.subset} {name} of {n}", demo, layer, batches, neurons, readout)
    if options.full_inputs > 0:
        full = demo_batches(demo, options.full_inputs, options.batch_size)
        compare(f"demo L{layer}, all {n} neurons, {options.full_inputs} inputs", demo, layer, full, None, "local")


if __name__ == "__main__":
    main()
