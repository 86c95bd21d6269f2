"""Data-parallel PAS-exact, PAS-model and held-out synergy: two gloo processes under torchrun give the one-process results.

One torchrun job (module fixture) computes, on a float64 tiny LLaMA with 7 inputs in batches of 3
(the engine's blocks split a batch; the closed form splits every batch, and one rank gets no row
of the last): PAS-exact by the closed form (with |ψ|), PAS-exact by the engine with the model
readout, PAS-model (secant rows, three pairs screened exactly) and the synergy of four coalitions. Rank 0 writes the artifacts; each rank records which
inputs it cached.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine
from hedonic.errors import DataError
from hedonic.evaluation import load_synergy
from hedonic.evaluation.synergy_evaluation import evaluate_synergy
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.stats import DataParallel
from hedonic.testing import tiny_model
from hedonic.valuation import load_valuation
from hedonic.valuation.computation import pas_model
from hedonic.valuation.exact import pas_exact, pas_exact_with_magnitude

QUERIES = ("read the file", "a list", "open data", "the error type", "python code", "search result rank", "a set")
TEXTS = (
    "open the file and read it",
    "the list is a type of data set",
    "python",
    "an error is a value of a type",
    "import the code and test it with a loop",
    "the model is a neuron layer",
    "a dict is not a set",
)
PLAYERS = [1, 4, 6, 11, 20, 31]
COALITIONS = [[1, 4, 6], [2, 9, 17, 30], [0, 5], [3, 8, 12, 21, 27]]
IDS = [f"q{i}:d{i}" for i in range(len(QUERIES))]

SCRIPT = """
import json, os, sys
from pathlib import Path
from hedonic.ablation import AblationEngine
from hedonic.evaluation import save_synergy
from hedonic.evaluation.synergy_evaluation import evaluate_synergy
from hedonic.stats import DataParallel, process_group
from hedonic.valuation import save_valuation
from hedonic.valuation.computation import pas_model
from hedonic.valuation.exact import pas_exact, pas_exact_with_magnitude
from {module} import COALITIONS, IDS, PLAYERS, batches_of, model

out, device = Path(sys.argv[1]), sys.argv[2]
adapter = model()
if device == "cuda":
    device = f"cuda:{{os.environ['LOCAL_RANK']}}"
    adapter.model.to(device)
with process_group(device) as (rank, world_size):
    parallel = DataParallel.current()
    signed, magnitude = pas_exact_with_magnitude(adapter, 1, batches_of(adapter), parallel=parallel)
    by_engine = pas_exact(adapter, 1, batches_of(adapter), readout="model", neurons=PLAYERS, parallel=parallel)
    by_rows = pas_model(adapter, 1, batches_of(adapter), neurons=PLAYERS, exact_pairs=3, parallel=parallel)
    engine = AblationEngine(adapter, 1, batches_of(adapter), parallel=parallel)
    synergy = evaluate_synergy(engine, COALITIONS, input_ids=IDS)
    rows = sum(len(cache) for cache in engine.caches)
    (out / f"rank{{rank}}.json").write_text(json.dumps([engine.columns.start, engine.columns.stop, rows]))
    if parallel.writer:
        save_valuation(signed, out / "signed.safetensors")
        save_valuation(magnitude, out / "magnitude.safetensors")
        save_valuation(by_engine, out / "engine.safetensors")
        save_valuation(by_rows, out / "rows.safetensors")
        save_synergy(synergy, out / "synergy.json")
"""


def model() -> ModelAdapter:
    """The float64 tiny LLaMA both runs use."""
    return tiny_model("llama", seed=3, layers=2, dtype=torch.float64)


def batches_of(adapter: ModelAdapter) -> list[TokenBatch]:
    """The 7 pairs in batches of 3, 3 and 1."""
    return [adapter.encode(QUERIES[i : i + 3], TEXTS[i : i + 3]) for i in range(0, len(QUERIES), 3)]


def differences(single: np.ndarray, both: np.ndarray) -> tuple[float, float]:
    """(max |a − b|, max |a − b| / max |a|) of two arrays."""
    gap = float(np.abs(single - both).max())
    return gap, gap / float(np.abs(single).max())


def run_job(folder: Path, device: str) -> Path:
    """The torchrun job of two processes on ``device`` (``cpu``: gloo; ``cuda``: nccl, one GPU each), into ``folder``."""
    script = folder / "job.py"
    script.write_text(SCRIPT.format(module="test_data_parallel"))
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HEDONIC_NO_PROGRESS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script), str(folder), device]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_job(tmp_path_factory.mktemp("parallel"), "cpu")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_ranks_cache_disjoint_blocks_of_the_inputs(two_processes: Path) -> None:
    blocks = [json.loads((two_processes / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert blocks == [[0, 4, 4], [4, 7, 3]]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_pas_exact_of_two_processes_equals_one(two_processes: Path) -> None:
    adapter = model()
    signed, magnitude = pas_exact_with_magnitude(adapter, 1, batches_of(adapter))
    by_engine = pas_exact(adapter, 1, batches_of(adapter), readout="model", neurons=PLAYERS)
    by_rows = pas_model(adapter, 1, batches_of(adapter), neurons=PLAYERS, exact_pairs=3)
    for name, single in (("signed", signed), ("magnitude", magnitude), ("engine", by_engine), ("rows", by_rows)):
        both = load_valuation(two_processes / f"{name}.safetensors")
        assert both.details["inputs"] == single.details["inputs"] == len(QUERIES)
        np.testing.assert_array_equal(both.neurons, single.neurons)
        assert np.abs(single.phi).max() > 1e-6, name
        _gap, relative = differences(single.phi, both.phi)
        # float32 φ of float64 sums: rounding only; the secant's gradients also pass LLaMA's RMSNorm,
        # which rounds through float32, in stacks of other rows on each rank
        assert relative < (1e-5 if name == "rows" else 1e-6), (name, relative)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_synergy_of_two_processes_equals_one(two_processes: Path) -> None:
    adapter = model()
    single = evaluate_synergy(AblationEngine(adapter, 1, batches_of(adapter)), COALITIONS, input_ids=IDS)
    both = load_synergy(two_processes / "synergy.json")
    assert both.input_ids == single.input_ids
    np.testing.assert_allclose(both.clean, single.clean, rtol=1e-12, atol=0)
    assert [c.neurons for c in both.coalitions] == [c.neurons for c in single.coalitions]
    fields = ("single", "single_abs", "pair_delta", "psi", "psi_abs", "leave_one_out", "whole")
    for field in fields:  # float64 throughout: rounding only, relative to the field's largest value
        one = np.concatenate([np.atleast_1d(getattr(c, field)) for c in single.coalitions])
        two = np.concatenate([np.atleast_1d(getattr(c, field)) for c in both.coalitions])
        assert one.shape == two.shape, field
        if one.size:  # the metrics asked decide the sets: a field they do not need is empty
            assert differences(one, two)[1] < 1e-9, field
    for name in single.coalitions[0].metrics:
        one, two = single.metric(name), both.metric(name)
        assert np.array_equal(np.isnan(one), np.isnan(two)), name
        kept = ~np.isnan(one)
        assert differences(one[kept], two[kept])[1] < 1e-9, name


def test_an_engine_caches_only_its_block_of_the_inputs() -> None:
    adapter = model()
    full = AblationEngine(adapter, 1, batches_of(adapter))
    expected = full.effects(COALITIONS, "local")
    for rank, columns in ((0, range(0, 4)), (1, range(4, 7))):
        engine = AblationEngine(adapter, 1, batches_of(adapter), parallel=DataParallel(rank, 2, torch.device("cpu")))
        assert engine.columns == columns and engine.num_inputs == 7
        assert sum(len(cache) for cache in engine.caches) == len(columns)
        part = engine.effects(COALITIONS, "local")
        np.testing.assert_allclose(part.delta, expected.delta[:, columns.start : columns.stop], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(part.clean, expected.clean[columns.start : columns.stop], rtol=1e-12, atol=0)
        np.testing.assert_allclose(engine.activations(), full.activations()[columns.start : columns.stop], rtol=1e-12, atol=0)


def test_more_processes_than_inputs_is_refused() -> None:
    adapter = model()
    with pytest.raises(DataError, match="7 inputs for 8 processes"):
        AblationEngine(adapter, 1, batches_of(adapter), parallel=DataParallel(0, 8, torch.device("cpu")))


@pytest.mark.cuda
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
@pytest.mark.timeout(180)
def test_two_gpus_over_nccl_equal_one_cpu_process(tmp_path: Path) -> None:
    both = run_job(tmp_path, "cuda")
    test_pas_exact_of_two_processes_equals_one(both)
    test_synergy_of_two_processes_equals_one(both)
