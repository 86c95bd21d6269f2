"""The timings of ``scripts/gpu_check.sh``, one printed line per figure.

1. ``stats``: activation statistics (Σa, Σ|a|, Σa², Σaaᵀ of one layer, float64) of a real model in
   bfloat16 (``--dtype``), in tokens per second: the SmolLM2 reranker when it is installed, else the MiniLM demo.
2. ``pas-exact``: the PAS-exact closed form (all pairs, local readout with RMSNorm and a linear
   score head, as a LLaMA decoder) at LLaMA-3.1-8B's MLP shape, n = 14336 neurons, d = 4096, random
   weights: seconds per 1000 inputs (measured on ``--inputs``), peak device memory.
3. ``evaluation``: one held-out evaluation of the same real model: random coalitions of 4–32
   neurons of a middle layer, every set they need ablated on demo-corpus inputs (local readout).
4. ``evaluation-8b``: the closed-form ablation of sets of 32 neurons at the 8B shape (random
   weights, 8 batches of 16 inputs, the Gram blocks of a chunk of sets shared by the batches as in
   the engine): set·inputs per second, the rate that the evaluation of an 8B layer runs at.

``--dry``: tiny sizes on the CPU (a tiny random LLaMA for 1 and 3, n = 256, d = 64 for 2 and 4), so
that the test suite runs every line of this script. ``--device cpu`` measures the CPU rates at the
full sizes (the README scales them).
Run: ``.venv/bin/python scripts/gpu_figures.py [--dry] [--device cuda] [--inputs 32]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from hedonic.ablation import AblationEngine, Contribution, NormReadout
from hedonic.ablation.closed_form import closed_form_effects, project_directions, project_terms, set_gram
from hedonic.errors import HedonicError
from hedonic.models import DTYPES, ModelAdapter, TokenBatch, open_model
from hedonic.testing import tiny_model
from hedonic.valuation.pairwise import PairwiseSynergy

BIG = {"n": 14336, "d": 4096}
TINY = {"n": 256, "d": 64}
GIB = 1 << 30


@dataclass(frozen=True)
class Setup:
    """What every figure needs: the device, the sizes, the real model, its name and dtype."""

    device: torch.device
    dry: bool
    inputs: int
    shape: dict[str, int]
    adapter: ModelAdapter
    name: str
    dtype: str


def real_model(device: torch.device, dry: bool, dtype: str) -> tuple[ModelAdapter, str]:
    """The SmolLM2 reranker when it loads, else the MiniLM demo (a tiny LLaMA when ``dry``), in ``dtype``."""
    if dry:
        adapter = tiny_model("llama", seed=0, layers=4, dtype=DTYPES[dtype])
        return adapter, "tiny llama"
    for name in ("smollm2", "demo"):
        try:
            return open_model(name, dtype=dtype, device=str(device), allow_new_head=True), name
        except (HedonicError, OSError, ValueError):
            continue
    raise SystemExit("gpu_figures: neither the SmolLM2 reranker nor the demo reranker is installed")


def heldout_batches(adapter: ModelAdapter, count: int, batch_size: int = 16) -> list[TokenBatch]:
    """``count`` held-out candidate pairs of the demo corpus, tokenised (≤ 128 tokens)."""
    from hedonic.data import DemoCorpusConfig, build_demo_corpus, iter_batches

    pairs = list(build_demo_corpus(DemoCorpusConfig(seed=0)).heldout.candidate_pairs())[:count]
    return list(iter_batches(adapter, pairs, batch_size, 128))


def timed(device: torch.device, work: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of ``work()``, the device synchronised before and after."""
    synchronise(device)
    start = time.perf_counter()
    result = work()
    synchronise(device)
    return time.perf_counter() - start, result


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory(device: torch.device) -> str:
    """Peak allocated device memory since the last reset, for CUDA; empty on the CPU."""
    if device.type != "cuda":
        return ""
    return f"; peak {torch.cuda.max_memory_allocated(device) / GIB:.2f} GiB"


def statistics_figure(setup: Setup) -> str:
    from hedonic.stats import collect_stats

    adapter, layer = setup.adapter, setup.adapter.num_layers // 2
    batches = heldout_batches(adapter, 32 if setup.dry else 256)
    tokens = sum(int(batch.attention_mask.sum()) for batch in batches)
    collect_stats(adapter, batches[:1], [layer])  # warm-up
    seconds, _ = timed(setup.device, lambda: collect_stats(adapter, batches, [layer]))
    n = adapter.intermediate_size
    return f"stats: {tokens / seconds:,.0f} tokens/s ({setup.name}, {setup.dtype}, layer {layer}, {n} neurons, Σaaᵀ float64; {tokens} tokens in {seconds:.2f} s)"


def random_readout(d: int, device: torch.device, generator: torch.Generator) -> NormReadout:
    """An RMSNorm + linear score head readout of width d (a decoder's local readout), float64."""
    weight = torch.randn(1, d, generator=generator, dtype=torch.float64).to(device)
    zeros, ones = torch.zeros(1, dtype=torch.float64, device=device), torch.ones(1, dtype=torch.float64, device=device)
    return NormReadout("rms", 1e-5, weight, zeros, None, ones, 0.0)


def pas_exact_figure(setup: Setup) -> str:
    n, d, device = setup.shape["n"], setup.shape["d"], setup.device
    generator = torch.Generator().manual_seed(0)
    readout = random_readout(d, device, generator)
    w_out = (0.02 * torch.randn(d, n, generator=generator)).to(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    setup_seconds, synergy = timed(device, lambda: PairwiseSynergy(readout, w_out))
    rows = [
        (torch.randn(1, d, generator=generator).to(device), torch.randn(1, n, generator=generator).to(device))
        for _ in range(setup.inputs + 1)
    ]
    synergy.update(*rows[0])  # warm-up
    seconds, _ = timed(device, lambda: [synergy.update(*row) for row in rows[1:]])
    per_thousand = seconds / setup.inputs * 1000
    return (
        f"pas-exact: {per_thousand:.1f} s per 1000 inputs (closed form, n={n}, d={d}, random weights; "
        f"measured on {setup.inputs} inputs; setup G=DᵀD {setup_seconds:.1f} s{peak_memory(device)})"
    )


def random_coalitions(n: int, count: int, rng: np.random.Generator, sizes: tuple[int, int]) -> list[list[int]]:
    """``count`` random coalitions of sizes uniform in ``sizes`` among n neurons."""
    return [rng.choice(n, size=int(rng.integers(sizes[0], sizes[1] + 1)), replace=False).tolist() for _ in range(count)]


def evaluation_figure(setup: Setup) -> str:
    from hedonic.evaluation.synergy import required_sets
    from hedonic.evaluation.synergy_evaluation import evaluate_synergy

    adapter, layer = setup.adapter, setup.adapter.num_layers // 2
    batches = heldout_batches(adapter, 32 if setup.dry else 160)
    inputs = sum(len(batch) for batch in batches)
    coalitions = random_coalitions(adapter.intermediate_size, 8 if setup.dry else 40, np.random.default_rng(0), (4, 32))
    sets = len(required_sets(coalitions))

    def run() -> Any:
        engine = AblationEngine(adapter, layer, batches, token_states=False)
        return evaluate_synergy(engine, coalitions, input_ids=[str(i) for i in range(inputs)])

    seconds, _ = timed(setup.device, run)
    return f"evaluation: {seconds:.2f} s ({setup.name}, layer {layer}, local readout: {len(coalitions)} coalitions of 4-32, {sets} sets × {inputs} inputs, caching included)"


def evaluation_8b_figure(setup: Setup) -> str:
    """As the engine does it: per chunk of sets one Gram block per set, then every cached batch of 16 inputs."""
    n, d, device = setup.shape["n"], setup.shape["d"], setup.device
    generator = torch.Generator().manual_seed(1)
    readout = random_readout(d, device, generator)
    batch, batches = 16, 2 if setup.dry else 8
    directions = (0.02 * torch.randn(d, n, generator=generator, dtype=torch.float64)).to(device)
    caches = []
    for _ in range(batches):
        residual = torch.randn(batch, d, generator=generator, dtype=torch.float64).to(device)
        term = Contribution.of(torch.randn(batch, n, generator=generator, dtype=torch.float64).to(device), directions)
        caches.append((residual, [term]))
    shared = project_directions(readout, caches[0][1])
    projected = [(residual, project_terms(readout, residual, terms, shared)) for residual, terms in caches]
    chunk, chunks = (16, 2) if setup.dry else (64, 8)
    sets = [torch.as_tensor(np.random.default_rng(k).choice(n, size=(chunk, 32)), device=device) for k in range(chunks + 1)]

    def ablate(chosen: torch.Tensor) -> None:
        gram = set_gram(projected[0][1], chosen)
        for residual, terms in projected:
            closed_form_effects(residual, terms, chosen, readout, gram)

    ablate(sets[0])  # warm-up
    seconds, _ = timed(device, lambda: [ablate(chosen) for chosen in sets[1:]])
    rate = chunk * chunks * batch * batches / seconds
    return (
        f"evaluation-8b: {rate:,.0f} set·inputs/s (closed form as the engine runs it, sets of 32 neurons, n={n}, d={d}, "
        f"random weights; {chunk * chunks} sets × {batch * batches} inputs in {seconds:.2f} s)"
    )


FIGURES = (statistics_figure, pas_exact_figure, evaluation_figure, evaluation_8b_figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry", action="store_true", help="tiny sizes on the CPU (what the test suite runs)")
    parser.add_argument("--device", default="cuda", help="device of the timings (default cuda; --dry forces cpu)")
    parser.add_argument("--inputs", type=int, default=32, help="inputs the PAS-exact figure is measured on")
    parser.add_argument("--dtype", default="bfloat16", choices=sorted(DTYPES), help="dtype of the real model")
    options = parser.parse_args()
    device = torch.device("cpu" if options.dry else options.device)
    adapter, name = real_model(device, options.dry, options.dtype)
    inputs = min(options.inputs, 4) if options.dry else options.inputs
    setup = Setup(device, options.dry, inputs, TINY if options.dry else BIG, adapter, name, options.dtype)
    print(f"gpu_figures on {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}, torch {torch.__version__}", flush=True)
    for figure in FIGURES:
        print(figure(setup), flush=True)


if __name__ == "__main__":
    main()
