"""``hedonic valuation``: φ from statistics files or a run directory, PAS-hess / PAS-exact on analysis inputs, subsets, errors."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.data import QueryDocPair, iter_batches
from hedonic.data.writers import write_jsonl
from hedonic.models import load_model
from hedonic.stats import collect_stats, load_stats, save_stats
from hedonic.testing import TinyCheckpoint, save_tiny_checkpoint
from hedonic.valuation import load_valuation, oca, pas_exact, pas_grad, pas_hess, pas_model, top_k
from hedonic.valuation.build import VALUATION_KINDS

QUERIES = ["read the file", "a list", "open data", "python code"]
TEXTS = ["open it", "a set", "the data", "code"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TinyCheckpoint]:
    """A run directory with stats/layer1.safetensors (with gradient sums) of a tiny saved BERT."""
    saved = save_tiny_checkpoint("bert", tmp_path_factory.mktemp("ckpt"), layers=2)
    adapter = load_model(saved.model_dir, saved.adapter_dir)
    batch = adapter.encode(QUERIES, TEXTS)
    stats = collect_stats(adapter, [batch], [1], grad="local", model_name=str(saved.model_dir), adapter_name=str(saved.adapter_dir))
    run = tmp_path_factory.mktemp("run")
    save_stats(stats[1], run / "stats" / "layer1.safetensors")
    write_jsonl(
        [QueryDocPair(f"q{i}", f"d{i}", q, t) for i, (q, t) in enumerate(zip(QUERIES, TEXTS, strict=True))], run / "data" / "inputs.jsonl"
    )
    return run, saved


def _run(*args: object) -> int:
    with pytest.raises(SystemExit) as stop:
        cli.main(["valuation", *map(str, args)])
    return int(stop.value.code)


def test_kinds_are_the_library_kinds() -> None:
    assert {"oca", "pas-grad", "pas-hess", "pas-exact", "pas-model"} <= set(VALUATION_KINDS)


def test_run_dir_oca_uses_the_model_named_in_the_statistics(run_dir: tuple[Path, TinyCheckpoint]) -> None:
    run, saved = run_dir
    assert _run("--run-dir", run, "--layer", 1, "--kind", "oca") == 0
    written = load_valuation(run / "valuation" / "layer1.safetensors")
    stats = load_stats(run / "stats" / "layer1.safetensors")
    expected = oca(stats, load_model(saved.model_dir, saved.adapter_dir).w_out(1).numpy())
    assert written.name == "oca" and written.layer == 1 and written.n == 32
    np.testing.assert_array_equal(written.phi, expected.phi)


def test_pas_grad_with_files_and_a_variance_subset(run_dir: tuple[Path, TinyCheckpoint], tmp_path: Path) -> None:
    run, _ = run_dir
    stats_path = run / "stats" / "layer1.safetensors"
    assert _run("--stats", stats_path, "--kind", "pas-grad", "--neurons", "variance:5", "--out", tmp_path / "phi.safetensors") == 0
    written = load_valuation(tmp_path / "phi.safetensors")
    stats = load_stats(stats_path)
    chosen = top_k(stats.variance(), 5)
    assert written.neurons.tolist() == chosen.tolist() and written.readout == "local"
    np.testing.assert_array_equal(written.phi, pas_grad(stats.select(chosen)).phi)


def test_oca_with_an_explicit_model_and_covariance(run_dir: tuple[Path, TinyCheckpoint], tmp_path: Path) -> None:
    run, saved = run_dir
    out = tmp_path / "cov.safetensors"
    args = ["--stats", run / "stats" / "layer1.safetensors", "--kind", "oca", "--measure", "covariance", "--out", out]
    assert _run(*args, "--model", saved.model_dir, "--adapter", saved.adapter_dir, "--neurons", "0-9", "--layer", 1) == 0
    written = load_valuation(out)
    assert written.details["measure"] == "covariance" and written.neurons.tolist() == list(range(10))


def test_pas_exact_on_the_run_inputs(run_dir: tuple[Path, TinyCheckpoint], tmp_path: Path) -> None:
    run, saved = run_dir
    out = tmp_path / "exact.safetensors"
    assert _run("--run-dir", run, "--layer", 1, "--kind", "pas-exact", "--neurons", "2-7", "--batch-size", 3, "--out", out) == 0
    adapter = load_model(saved.model_dir, saved.adapter_dir)
    batches = [adapter.encode(QUERIES[:3], TEXTS[:3]), adapter.encode(QUERIES[3:], TEXTS[3:])]
    expected = pas_exact(adapter, 1, batches, readout="local", neurons=np.arange(2, 8))
    written = load_valuation(out)
    assert written.name == "pas-exact" and written.neurons.tolist() == list(range(2, 8)) and written.readout == "local"
    np.testing.assert_allclose(written.phi, expected.phi, rtol=1e-6, atol=1e-9)
    assert np.abs(written.phi).max() > 0


def test_pas_hess_on_a_data_file_with_the_model_readout(run_dir: tuple[Path, TinyCheckpoint], tmp_path: Path) -> None:
    run, saved = run_dir
    stats_path, out = run / "stats" / "layer1.safetensors", tmp_path / "hess.safetensors"
    args = ["--stats", stats_path, "--kind", "pas-hess", "--neurons", "variance:5", "--readout", "model", "--out", out]
    assert _run(*args, "--data", run / "data" / "inputs.jsonl", "--limit", 3, "--max-length", 16) == 0
    adapter = load_model(saved.model_dir, saved.adapter_dir)
    pairs = [QueryDocPair(f"q{i}", f"d{i}", q, t) for i, (q, t) in enumerate(zip(QUERIES[:3], TEXTS[:3], strict=True))]
    chosen = top_k(load_stats(stats_path).variance(), 5)
    expected = pas_hess(adapter, 1, iter_batches(adapter, pairs, 16, 16), readout="model", neurons=chosen)
    written = load_valuation(out)
    assert written.name == expected.name and written.neurons.tolist() == chosen.tolist() and written.readout == "model"
    np.testing.assert_allclose(written.phi, expected.phi, rtol=1e-5, atol=1e-8)


def test_pas_model_on_the_run_inputs_reads_the_model(run_dir: tuple[Path, TinyCheckpoint], tmp_path: Path) -> None:
    run, saved = run_dir
    out = tmp_path / "model.safetensors"
    args = ["--run-dir", run, "--layer", 1, "--kind", "pas-model", "--neurons", "2-7", "--batch-size", 3, "--out", out, "--freeze-norms"]
    assert _run(*args) == 0
    adapter = load_model(saved.model_dir, saved.adapter_dir)
    batches = [adapter.encode(QUERIES[:3], TEXTS[:3]), adapter.encode(QUERIES[3:], TEXTS[3:])]
    expected = pas_model(adapter, 1, batches, neurons=np.arange(2, 8), freeze_norms=True)
    written = load_valuation(out)
    assert written.name == "pas-model" and written.readout == "model" and written.details["freeze_norms"] is True
    np.testing.assert_allclose(written.phi, expected.phi, rtol=1e-5, atol=1e-9)
    assert np.abs(written.phi).max() > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "pas-hass"], "unknown valuation kind"),
        (["--kind", "oca"], "needs --layer"),
        (["--kind", "oca", "--layer", "0"], "no such file"),
        (["--kind", "oca", "--layer", "1", "--measure", "spearman"], "unknown --measure"),
        (["--kind", "oca", "--layer", "1", "--memory-budget", "0.000001"], "above the memory budget"),
        (["--kind", "pas-grad", "--layer", "1", "--memory-budget", "0.00001"], "variance:"),
        (["--kind", "pas-grad", "--layer", "1", "--neurons", "40"], "0..31"),
        (["--kind", "pas-exact", "--layer", "1", "--readout", "logit"], "unknown readout"),
        (["--kind", "pas-exact", "--layer", "1", "--freeze-norms"], "for --kind pas-model"),
        (["--kind", "pas-hess", "--layer", "1", "--neurons", "0-3", "--data", "none.jsonl"], "none.jsonl"),
    ],
)
def test_errors_exit_2_with_a_hint(
    run_dir: tuple[Path, TinyCheckpoint], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run, _ = run_dir
    assert _run("--run-dir", run, *args) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "hint:" in err


def test_files_mode_needs_both_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run("--kind", "oca", "--stats", tmp_path / "s.safetensors") == 2
    assert "--run-dir and --layer" in capsys.readouterr().err


def test_model_kinds_without_inputs_say_so(
    run_dir: tuple[Path, TinyCheckpoint], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run, _ = run_dir
    args = ["--stats", run / "stats" / "layer1.safetensors", "--out", tmp_path / "phi.safetensors", "--neurons", "0-3"]
    assert _run(*args, "--kind", "pas-exact") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "pas-exact streams the analysis inputs" in err and "--data" in err
    assert not (tmp_path / "phi.safetensors").exists()
