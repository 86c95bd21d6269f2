"""``hedonic collect`` on a tiny saved model: one statistics file per layer, subsets, errors, torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.models import load_model, lora_profile
from hedonic.stats import collect_stats, load_stats
from hedonic.testing import TinyCheckpoint, save_tiny_checkpoint
from hedonic.valuation import top_k

PAIRS = [
    ("read the file", "open the file and read it"),
    ("a list", "the list is a type of data set"),
    ("open data", "python"),
    ("the error type", "an error is a value of a type"),
    ("python code", "import the code and test it with a loop"),
]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoint:
    return save_tiny_checkpoint("gpt2", tmp_path_factory.mktemp("ckpt"), layers=3)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "pairs.jsonl"
    path.write_text("".join(json.dumps({"query": q, "text": t}) + "\n" for q, t in PAIRS))
    return path


def _run(*args: str) -> int:
    with pytest.raises(SystemExit) as stop:
        cli.main(["collect", *map(str, args)])
    return int(stop.value.code)


def _model_args(saved: TinyCheckpoint, data: Path) -> list[str]:
    return [str(saved.model_dir), "--adapter", str(saved.adapter_dir), "--data", str(data)]


def test_writes_one_file_per_layer_equal_to_the_library(saved: TinyCheckpoint, data: Path, tmp_path: Path) -> None:
    code = _run(
        *_model_args(saved, data),
        "--layer",
        "0",
        "--layer",
        "-1",
        "--grad",
        "--readout",
        "model",
        "--batch-size",
        "2",
        "--out-dir",
        tmp_path,
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer0.safetensors", "layer2.safetensors"]
    adapter = load_model(saved.model_dir, saved.adapter_dir)
    batches = [adapter.encode([q for q, _ in PAIRS[i : i + 2]], [t for _, t in PAIRS[i : i + 2]]) for i in range(0, 5, 2)]
    expected = collect_stats(adapter, batches, [0, 2], grad="model")
    for layer in (0, 2):
        written = load_stats(tmp_path / f"layer{layer}.safetensors")
        assert (written.layer, written.count, written.num_inputs, written.readout) == (layer, 5, 5, "model")
        assert written.model == str(saved.model_dir) and written.adapter == str(saved.adapter_dir)
        np.testing.assert_allclose(written.sum_outer, expected[layer].sum_outer, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(written.sum_vv, expected[layer].sum_vv, rtol=1e-6, atol=1e-9)


def test_neuron_subsets(saved: TinyCheckpoint, data: Path, tmp_path: Path) -> None:
    assert _run(*_model_args(saved, data), "--layer", "1", "--diagonal", "--tokens", "all", "--out-dir", tmp_path / "all") == 0
    whole = load_stats(tmp_path / "all" / "layer1.safetensors")
    assert whole.sum_outer is None and whole.tokens == "all" and whole.count > 5
    assert _run(*_model_args(saved, data), "--layer", "1", "--tokens", "all", "--neurons", "variance:6", "--out-dir", tmp_path / "v") == 0
    by_variance = load_stats(tmp_path / "v" / "layer1.safetensors")
    assert by_variance.neurons.tolist() == top_k(whole.variance(), 6).tolist()
    np.testing.assert_allclose(by_variance.sum_sq, whole.sum_sq[by_variance.neurons], rtol=1e-6)
    assert _run(*_model_args(saved, data), "--layer", "1", "--neurons", "lora:4", "--out-dir", tmp_path / "l") == 0
    norms = lora_profile(load_model(saved.model_dir, saved.adapter_dir)).neuron_norms(1)
    assert load_stats(tmp_path / "l" / "layer1.safetensors").neurons.tolist() == top_k(norms, 4).tolist()
    assert _run(*_model_args(saved, data), "--layer", "1", "--neurons", "3,0-1", "--limit", "2", "--out-dir", tmp_path / "e") == 0
    explicit = load_stats(tmp_path / "e" / "layer1.safetensors")
    assert explicit.neurons.tolist() == [0, 1, 3] and explicit.num_inputs == 2


def test_ranked_subsets_of_a_layer_counted_from_the_end(saved: TinyCheckpoint, data: Path, tmp_path: Path) -> None:
    assert _run(*_model_args(saved, data), "--layer", "2", "--diagonal", "--out-dir", tmp_path / "all") == 0
    whole = load_stats(tmp_path / "all" / "layer2.safetensors")
    assert _run(*_model_args(saved, data), "--layer", "-1", "--diagonal", "--neurons", "variance:5", "--out-dir", tmp_path / "v") == 0
    assert load_stats(tmp_path / "v" / "layer2.safetensors").neurons.tolist() == top_k(whole.variance(), 5).tolist()
    assert _run(*_model_args(saved, data), "--layer", "-1", "--diagonal", "--neurons", "lora:3", "--out-dir", tmp_path / "l") == 0
    norms = lora_profile(load_model(saved.model_dir, saved.adapter_dir)).neuron_norms(2)
    assert load_stats(tmp_path / "l" / "layer2.safetensors").neurons.tolist() == top_k(norms, 3).tolist()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layer", "7"], "out of range"),
        ([], "collect needs the layers and the output folder"),
        (["--layer", "0", "--layers", "1"], "--layers 2,3 and --layer 2 --layer 3 both given"),
        (["--layer", "0", "--readout", "logit"], "bad option"),
        (["--layer", "0", "--neurons", "lora:"], "cannot read the neuron subset"),
        (["--layer", "0", "--memory-budget", "0.000001"], "above the memory budget"),
    ],
)
def test_bad_options_exit_2_with_a_hint(
    saved: TinyCheckpoint, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _run(*_model_args(saved, data), *args, "--out-dir", tmp_path) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "hint:" in err


def test_missing_data_exits_2(saved: TinyCheckpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(str(saved.model_dir), "--data", tmp_path / "none.jsonl", "--layer", "0", "--out-dir", tmp_path) == 2
    assert "none.jsonl" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_torchrun_with_two_processes_writes_the_single_process_statistics(saved: TinyCheckpoint, data: Path, tmp_path: Path) -> None:
    hedonic = Path(sys.executable).with_name("hedonic")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HEDONIC_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}
    args = [*_model_args(saved, data), "--layer", "1", "--grad", "--batch-size", "2"]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(hedonic)]
    done = subprocess.run([*torchrun, "collect", *args, "--out-dir", str(tmp_path / "two")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 processes" in done.stdout
    assert _run(*args, "--out-dir", tmp_path / "one") == 0
    two, one = (load_stats(tmp_path / name / "layer1.safetensors") for name in ("two", "one"))
    assert (two.count, two.num_inputs) == (one.count, one.num_inputs) == (5, 5)
    for name in ("sum", "sum_outer", "sum_vv"):
        expected = getattr(one, name)
        np.testing.assert_allclose(getattr(two, name), expected, rtol=0, atol=1e-6 * np.abs(expected).max(), err_msg=name)
