"""Exact all-pairs ablation synergy (PAS-exact, ``local`` readout) in closed form: time, memory, brute-force ratio.

Cases, each run in its own spawned process so that its peak resident memory (``ru_maxrss``) is its own:

- ``demo``: the demo reranker (MiniLM-L6, BERT: LayerNorm, pooler tanh, classifier), all pairs of
  layer ``--layer`` (n = 1536, d = 384) on ``--demo-inputs`` held-out demo-corpus pairs. BERT's
  tanh acts on a d-vector, so every pair costs O(d) per input: the cost per input is reported and
  extrapolated linearly to ``--target-inputs``. Same run: brute force (one hooked full forward of
  the model per ablated set) on ``--brute-neurons`` neurons, against the closed form on the same
  neurons and inputs (time ratio and max relative difference), and the brute force extrapolated
  to the full layer.
- ``decoder``: synthetic weights of the same width (n = 1536, d = 384) with a LayerNorm and a linear
  score head (the decoder path, O(1) per pair and input), over ``--target-inputs`` inputs.
- ``llama8b``: synthetic weights of LLaMA-3.1-8B's MLP shape (n = 14336, d = 4096), RMSNorm and a
  linear score head, over ``--big-inputs`` inputs: setup (G = DᵀD) and streaming time, peak memory,
  and the streaming time extrapolated linearly to ``--target-inputs``.

The machine may be shared: the load average is printed; timings are from this run only.
Run: ``.venv/bin/python benchmarks/pas_exact_closed_form.py [--cases demo,decoder,llama8b --threads 1]``
"""

from __future__ import annotations

import argparse
import copy
import itertools
import multiprocessing
import os
import resource
import time
from typing import Any

import numpy as np
import torch

from hedonic.ablation import NormReadout, norm_readout, zeroed_neurons
from hedonic.models import ModelAdapter, TokenBatch, load_demo_model
from hedonic.valuation.pairwise import PairwiseSynergy, readout_rows

GIB = 1 << 30


DEMO_MODEL = "demo reranker (MiniLM-L6 + shipped LoRA adapter)"


def demo_batches(adapter: ModelAdapter, count: int, batch_size: int, max_length: int) -> list[TokenBatch]:
    """``count`` held-out pairs of the demo corpus, tokenised in batches."""
    from hedonic.data import DemoCorpusConfig, build_demo_corpus, iter_batches

    pairs = build_demo_corpus(DemoCorpusConfig(seed=0)).heldout.pairs[:count]
    return list(iter_batches(adapter, pairs, batch_size, max_length))


def peak_gib() -> float:
    """Peak resident memory of this process so far, GiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)


def demo_case(options: argparse.Namespace) -> dict[str, Any]:
    adapter = load_demo_model()
    layer, n = options.layer, adapter.intermediate_size
    batches = demo_batches(adapter, options.demo_inputs, options.batch_size, options.max_length)
    start = time.perf_counter()
    rows = [readout_rows(adapter, batch, layer) for batch in batches]
    capture = time.perf_counter() - start
    synergy = PairwiseSynergy(norm_readout(adapter, layer), adapter.w_out(layer))
    start = time.perf_counter()
    for residual, activations in rows:
        synergy.update(residual, activations)
    phi = synergy.mean()
    closed = time.perf_counter() - start
    inputs = synergy.count
    per_input = closed / inputs

    subset = torch.as_tensor(np.random.default_rng(0).choice(n, options.brute_neurons, replace=False))
    brute_batch = batches[0].select(slice(0, options.brute_inputs))
    start = time.perf_counter()
    small = PairwiseSynergy(norm_readout(adapter, layer), adapter.w_out(layer)[:, subset])
    small.update(*readout_rows(adapter, brute_batch, layer, subset))
    small_phi = small.mean()
    small_closed = time.perf_counter() - start
    brute, brute_seconds, forwards = brute_force(adapter, brute_batch, layer, subset.tolist())
    error = float((small_phi - brute).abs().max() / brute.abs().max())
    exact_model = ModelAdapter(copy.deepcopy(adapter.model).to(torch.float64), adapter.tokenizer)
    exact_small = PairwiseSynergy(norm_readout(exact_model, layer), exact_model.w_out(layer)[:, subset])
    exact_small.update(*readout_rows(exact_model, brute_batch, layer, subset))
    brute64 = brute_force(exact_model, brute_batch, layer, subset.tolist())[0]
    error64 = float((exact_small.mean() - brute64).abs().max() / brute64.abs().max())
    per_forward = brute_seconds / forwards
    full_forwards = 1 + n + n * (n - 1) // 2
    return {
        "model": DEMO_MODEL,
        "layer": layer,
        "n": n,
        "d": adapter.hidden_size,
        "inputs": inputs,
        "tokens": max(batch.input_ids.shape[1] for batch in batches),
        "capture_s": capture,
        "closed_s": closed,
        "per_input_s": per_input,
        "target_s": per_input * options.target_inputs + capture / inputs * options.target_inputs,
        "phi_max": float(phi.abs().max()),
        "brute_neurons": len(subset),
        "brute_inputs": len(brute_batch),
        "brute_s": brute_seconds,
        "brute_forwards": forwards,
        "small_closed_s": small_closed,
        "ratio": brute_seconds / small_closed,
        "max_rel_error": error,
        "max_rel_error_float64": error64,
        "brute_full_s": per_forward * full_forwards,
        "brute_full_forwards": full_forwards,
        "full_closed_same_inputs_s": capture / inputs * len(brute_batch) + per_input * len(brute_batch),
        "peak_gib": peak_gib(),
    }


def brute_force(adapter: ModelAdapter, batch: TokenBatch, layer: int, neurons: list[int]) -> tuple[torch.Tensor, float, int]:
    """(E[ψ] (k, k) float64, seconds, forwards) by one hooked full forward per ablated set (the reference path)."""
    readout = norm_readout(adapter, layer)
    start = time.perf_counter()

    def score(ablated: list[int]) -> torch.Tensor:
        with zeroed_neurons(adapter, layer, ablated):
            return readout(readout_rows(adapter, batch, layer)[0])

    clean = score([])
    singles = {i: score([i]) for i in neurons}
    k = len(neurons)
    psi = torch.zeros(k, k, dtype=torch.float64)
    for (row, i), (col, j) in itertools.combinations(enumerate(neurons), 2):
        psi[row, col] = psi[col, row] = (singles[i] + singles[j] - score([i, j]) - clean).mean()
    return psi, time.perf_counter() - start, 1 + k + k * (k - 1) // 2


def synthetic_case(norm: str, n: int, d: int, inputs: int, options: argparse.Namespace) -> dict[str, Any]:
    """All pairs of n synthetic neurons (linear score head) over ``inputs`` random inputs, in chunks of ``batch_size``."""
    generator = torch.Generator().manual_seed(0)
    device = torch.device(options.device)
    readout = NormReadout(
        norm,  # type: ignore[arg-type]
        1e-5,
        torch.randn(1, d, generator=generator, dtype=torch.float64).to(device),
        torch.zeros(1, dtype=torch.float64, device=device),
        None,
        torch.ones(1, dtype=torch.float64, device=device),
        0.0,
    )
    w_out = (0.02 * torch.randn(d, n, generator=generator)).to(device)
    start = time.perf_counter()
    synergy = PairwiseSynergy(readout, w_out)
    sync(device)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    for first in range(0, inputs, options.batch_size):
        count = min(options.batch_size, inputs - first)
        residual = torch.randn(count, d, generator=generator).to(device)
        activations = torch.randn(count, n, generator=generator).to(device)
        synergy.update(residual, activations)
    sync(device)
    stream = time.perf_counter() - start
    start = time.perf_counter()
    phi = synergy.mean()
    sync(device)
    finish = time.perf_counter() - start
    return {
        "n": n,
        "d": d,
        "norm": norm,
        "inputs": inputs,
        "setup_s": setup,
        "stream_s": stream,
        "mean_s": finish,
        "per_input_s": stream / inputs,
        "pair_input_ns": stream / (inputs * n * n / 2) * 1e9,
        "target_s": setup + finish + stream / inputs * options.target_inputs,
        "phi_max": float(phi.abs().max()),
        "peak_gib": peak_gib(),
        "cuda_peak_gib": torch.cuda.max_memory_allocated(device) / GIB if device.type == "cuda" else None,
    }


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_case(name: str, options: argparse.Namespace) -> dict[str, Any]:
    """One case in this (spawned) process."""
    os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if options.threads is not None:
        torch.set_num_threads(options.threads)
    baseline = peak_gib()
    if name == "demo":
        result = demo_case(options)
    elif name == "decoder":
        result = synthetic_case("layer", 1536, 384, options.target_inputs, options)
    else:
        result = synthetic_case("rms", 14336, 4096, options.big_inputs, options)
    result["baseline_gib"] = baseline
    result["threads"] = torch.get_num_threads()
    return result


def report(name: str, result: dict[str, Any], target: int) -> None:
    print(f"\n== {name} (torch threads {result['threads']}) ==")
    if name == "demo":
        print(f"model: {result['model']}; layer {result['layer']}, n = {result['n']}, d = {result['d']}")
        print(
            f"closed form, all {result['n'] * (result['n'] - 1) // 2} pairs, {result['inputs']} inputs "
            f"(≤ {result['tokens']} tokens): capture {result['capture_s']:.2f} s + pairs {result['closed_s']:.1f} s "
            f"= {result['per_input_s']:.2f} s per input (BERT tanh: O(n²·d) per input)"
        )
        print(f"  extrapolated linearly to {target} inputs: {result['target_s'] / 60:.1f} min")
        print(
            f"brute force, {result['brute_neurons']} neurons x {result['brute_inputs']} inputs: "
            f"{result['brute_forwards']} hooked forwards in {result['brute_s']:.1f} s; closed form on the same "
            f"neurons and inputs {result['small_closed_s']:.3f} s; ratio brute/closed = {result['ratio']:.0f}; "
            f"max relative difference {result['max_rel_error']:.1e} (float32 model: the brute force's own rounding "
            f"of f_i + f_j − f_ij − f_0); with the model in float64: {result['max_rel_error_float64']:.1e}"
        )
        print(
            f"  brute force for the full layer ({result['brute_full_forwards']} forwards on the same "
            f"{result['brute_inputs']} inputs), extrapolated: {result['brute_full_s'] / 3600:.1f} h vs closed form "
            f"{result['full_closed_same_inputs_s']:.1f} s: ratio {result['brute_full_s'] / result['full_closed_same_inputs_s']:.0f}"
        )
    else:
        print(f"synthetic {result['norm']} + linear score head, n = {result['n']}, d = {result['d']}, {result['inputs']} inputs")
        print(
            f"setup (G = DᵀD) {result['setup_s']:.1f} s, streaming {result['stream_s']:.1f} s "
            f"({result['per_input_s']:.3f} s per input, {result['pair_input_ns']:.2f} ns per pair and input), "
            f"mean {result['mean_s']:.1f} s"
        )
        print(f"  extrapolated to {target} inputs: {result['target_s']:.0f} s ({result['target_s'] / 60:.1f} min)")
        if result["cuda_peak_gib"] is not None:
            print(f"  CUDA peak allocated {result['cuda_peak_gib']:.2f} GiB")
    print(f"peak resident memory {result['peak_gib']:.2f} GiB (process baseline {result['baseline_gib']:.2f} GiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="demo,decoder,llama8b")
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--demo-inputs", type=int, default=4)
    parser.add_argument("--brute-neurons", type=int, default=32)
    parser.add_argument("--brute-inputs", type=int, default=4)
    parser.add_argument("--big-inputs", type=int, default=100)
    parser.add_argument("--target-inputs", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--device", default="cpu", help="device of the synthetic cases")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    options = parser.parse_args()
    print(f"load average (1, 5, 15 min): {os.getloadavg()}; CPUs: {os.cpu_count()}")
    context = multiprocessing.get_context("spawn")
    for name in options.cases.split(","):
        with context.Pool(1) as pool:
            result = pool.apply(run_case, (name, options))
        report(name, result, options.target_inputs)


if __name__ == "__main__":
    main()
