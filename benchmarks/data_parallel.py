"""Data-parallel PAS-exact and held-out evaluation: 1 vs N processes (gloo, CPU) agree; memory per rank; speed.

Each case runs once in one process and once under ``torchrun --nproc_per_node N`` (every rank one
torch thread), in fresh processes, and rank 0 writes what it computed. Printed: the largest
absolute and relative (to the largest entry) differences between the two, the wall time of each
stage and their ratio, and every rank's peak resident memory (``ru_maxrss``) above its level
before the stage.

- ``demo``: the demo reranker (MiniLM-L6 + LoRA), layer 3 (n = 1536, d = 384): PAS-exact φ (closed
  form, local readout, with E|ψ|) on ``--inputs`` analysis pairs of the demo corpus, then the
  synergy of ``--coalitions`` random coalitions of 4–32 neurons on ``--heldout`` held-out pairs.
- ``memory``: PAS-exact's closed form at n = ``--neurons`` (d = 1024, random weights, RMSNorm and a linear
  score head): its n×n float64 sums dominate, so the memory per rank is visible above the noise.

The machine may be shared: the load average is printed; timings are from this run only.
Run: ``.venv/bin/python benchmarks/data_parallel.py [--processes 2 --cases demo,memory]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch

MIB = 1 << 20


def peak_mib() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def demo_case(options: argparse.Namespace, out: Path, parallel: Any) -> dict[str, Any]:
    """PAS-exact φ and the synergy of random coalitions on the demo reranker, this process's share."""
    from hedonic.ablation import AblationEngine
    from hedonic.data import DemoCorpusConfig, build_demo_corpus, iter_batches
    from hedonic.evaluation import save_synergy
    from hedonic.evaluation.synergy_evaluation import evaluate_synergy
    from hedonic.models import load_demo_model
    from hedonic.valuation import save_valuation
    from hedonic.valuation.exact import pas_exact_with_magnitude

    adapter, layer = load_demo_model(), 3
    corpus = build_demo_corpus(DemoCorpusConfig(seed=0))
    train = list(iter_batches(adapter, corpus.train.pairs[: options.inputs], 8, 128))
    heldout_pairs = list(corpus.heldout.candidate_pairs())[: options.heldout]
    heldout = list(iter_batches(adapter, heldout_pairs, 16, 128))
    rng = np.random.default_rng(0)
    coalitions = [rng.choice(1536, size=int(rng.integers(4, 33)), replace=False).tolist() for _ in range(options.coalitions)]
    result: dict[str, Any] = {}
    before, start = peak_mib(), time.perf_counter()
    signed, magnitude = pas_exact_with_magnitude(adapter, layer, train, parallel=parallel)
    result["pas_exact"] = {"seconds": time.perf_counter() - start, "peak_mib": peak_mib() - before}
    before, start = peak_mib(), time.perf_counter()
    engine = AblationEngine(adapter, layer, heldout, token_states=False, parallel=parallel)
    synergy = evaluate_synergy(engine, coalitions, input_ids=[pair.pair_id for pair in heldout_pairs])
    result["evaluation"] = {"seconds": time.perf_counter() - start, "peak_mib": peak_mib() - before}
    if parallel is None or parallel.writer:
        save_valuation(signed, out / "phi.safetensors")
        save_valuation(magnitude, out / "phi_abs.safetensors")
        save_synergy(synergy, out / "synergy.json")
    return result


def memory_case(options: argparse.Namespace, out: Path, parallel: Any) -> dict[str, Any]:
    """PAS-exact's closed form at n = ``options.neurons`` on random inputs, this process's share of them."""
    from hedonic.ablation import NormReadout
    from hedonic.valuation.pairwise import PairwiseSynergy

    n, d, inputs = options.neurons, 1024, 8
    generator = torch.Generator().manual_seed(0)
    readout = NormReadout(
        "rms",
        1e-5,
        torch.randn(1, d, generator=generator, dtype=torch.float64),
        torch.zeros(1, dtype=torch.float64),
        None,
        torch.ones(1, dtype=torch.float64),
        0.0,
    )
    w_out = 0.02 * torch.randn(d, n, generator=generator)
    rows = [(torch.randn(1, d, generator=generator), torch.randn(1, n, generator=generator)) for _ in range(inputs)]
    before, start = peak_mib(), time.perf_counter()
    synergy = PairwiseSynergy(readout, w_out)
    for _, row in enumerate(rows) if parallel is None else parallel.shard(rows):
        synergy.update(*row)
    if parallel is not None:
        synergy.all_reduce(parallel)
    mean = synergy.mean()
    result = {"closed_form": {"seconds": time.perf_counter() - start, "peak_mib": peak_mib() - before}}
    if parallel is None or parallel.writer:
        np.save(out / "phi.npy", mean.to(torch.float32).numpy())
    return result


CASES = {"demo": demo_case, "memory": memory_case}


def worker(options: argparse.Namespace) -> None:
    """One process of a case (under torchrun when WORLD_SIZE > 1): run it, write rank<r>.json."""
    from hedonic.stats import DataParallel, launched_by_torchrun, process_group

    torch.set_num_threads(1)
    out = Path(options.out)
    with process_group("cpu") if launched_by_torchrun() else nullcontext((0, 1)) as (rank, _world):
        result = CASES[options.worker](options, out, DataParallel.current())
    (out / f"rank{rank}.json").write_text(json.dumps(result))


def launch(case: str, processes: int, options: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    """Run ``case`` in ``processes`` fresh processes; returns every rank's record."""
    folder.mkdir(parents=True)
    arguments = [__file__, "--worker", case, "--out", str(folder), *options.passthrough]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HEDONIC_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}
    if processes == 1:
        command = [sys.executable, *arguments]
    else:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes), *arguments]
    subprocess.run(command, env=env, check=True)
    return [json.loads((folder / f"rank{rank}.json").read_text()) for rank in range(processes)]


def differences(one: np.ndarray, many: np.ndarray) -> str:
    gap = float(np.abs(one - many).max())
    return f"max abs {gap:.2e}, max rel {gap / max(float(np.abs(one).max()), 1e-300):.2e}"


def compare(case: str, single: Path, parallel: Path) -> None:
    """Print the differences between what one and N processes wrote."""
    if case == "memory":
        print(f"  φ (n×n): {differences(np.load(single / 'phi.npy'), np.load(parallel / 'phi.npy'))}")
        return
    from hedonic.evaluation import load_synergy
    from hedonic.evaluation.synergy import METRICS
    from hedonic.valuation import load_valuation

    for name in ("phi", "phi_abs"):
        a, b = load_valuation(single / f"{name}.safetensors").phi, load_valuation(parallel / f"{name}.safetensors").phi
        print(f"  {name} ({a.shape[0]}×{a.shape[0]}, float32): {differences(a, b)}")
    a, b = load_synergy(single / "synergy.json"), load_synergy(parallel / "synergy.json")
    print(f"  synergy clean f(x) ({len(a.clean)} inputs): {differences(a.clean, b.clean)}")
    for metric in METRICS:
        x, y = a.metric(metric), b.metric(metric)
        kept = ~(np.isnan(x) | np.isnan(y))
        print(f"  synergy {metric} ({kept.sum()} coalitions): {differences(x[kept], y[kept])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cases", default="demo,memory")
    parser.add_argument("--inputs", type=int, default=24)
    parser.add_argument("--heldout", type=int, default=160)
    parser.add_argument("--coalitions", type=int, default=40)
    parser.add_argument("--neurons", type=int, default=8192)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options)
        return
    options.passthrough = [
        f"--inputs={options.inputs}",
        f"--heldout={options.heldout}",
        f"--coalitions={options.coalitions}",
        f"--neurons={options.neurons}",
    ]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; one torch thread per process")
    with tempfile.TemporaryDirectory() as scratch:
        for case in options.cases.split(","):
            one = launch(case, 1, options, Path(scratch) / case / "1")
            many = launch(case, options.processes, options, Path(scratch) / case / str(options.processes))
            print(f"\n== {case}: 1 vs {options.processes} processes ==")
            for stage in one[0]:
                ranks = ", ".join(f"{record[stage]['peak_mib']:.0f}" for record in many)
                ratio = one[0][stage]["seconds"] / max(record[stage]["seconds"] for record in many)
                print(
                    f"  {stage}: {one[0][stage]['seconds']:.1f} s vs {max(r[stage]['seconds'] for r in many):.1f} s "
                    f"(speed-up {ratio:.2f}); peak RSS above the stage's start: 1 process {one[0][stage]['peak_mib']:.0f} MiB, "
                    f"ranks {ranks} MiB"
                )
            compare(case, Path(scratch) / case / "1", Path(scratch) / case / str(options.processes))


if __name__ == "__main__":
    main()
