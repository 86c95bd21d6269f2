"""``hedonic baselines`` on a tiny saved model with synthetic φ, partition and statistics."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.game import Partition, load_partition, save_partition
from hedonic.stats import ActivationStats, save_stats
from hedonic.testing import save_tiny_checkpoint
from hedonic.valuation import Valuation, save_valuation

LAYER = 1
N = 32


def _write_run(run_dir: Path, *, outer: bool = True) -> Partition:
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(N, N))
    phi = ((noise + noise.T) / 2).astype(np.float32)
    np.fill_diagonal(phi, 0.0)
    save_valuation(Valuation(phi, "oca", np.arange(N), layer=LAYER), run_dir / "valuation" / f"layer{LAYER}.safetensors")
    players = list(range(2, N))
    labels = np.repeat(np.arange(6), [8, 6, 5, 5, 4, 2])
    reference = Partition.from_labels(labels, "hedonic", neurons=players, layer=LAYER)
    save_partition(reference, run_dir / "partitions" / f"layer{LAYER}.json")
    acts = rng.normal(size=(50, N))
    save_stats(
        ActivationStats(
            layer=LAYER,
            neurons=np.arange(N),
            tokens="readout",
            count=50,
            num_inputs=50,
            sum=acts.sum(axis=0),
            sum_abs=np.abs(acts).sum(axis=0),
            sum_sq=(acts**2).sum(axis=0),
            sum_outer=acts.T @ acts if outer else None,
        ),
        run_dir / "stats" / f"layer{LAYER}.safetensors",
    )
    return reference


def test_run_dir_writes_one_partition_per_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = save_tiny_checkpoint("llama", tmp_path / "ckpt", layers=2)
    reference = _write_run(tmp_path / "run")
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(
            [
                "baselines",
                "--run-dir",
                str(tmp_path / "run"),
                "--layer",
                str(LAYER),
                "--model",
                str(saved.model_dir),
                "--adapter",
                str(saved.adapter_dir),
                "--seed",
                "3",
                "--kmeans-n-init",
                "2",
            ]
        )
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    assert "Baselines for layer 1" in printed
    for method in ("spherical-kmeans", "spectral", "agglomerative", "louvain", "random"):
        partition = load_partition(tmp_path / "run" / "baselines" / f"layer{LAYER}" / f"{method}.json")
        assert partition.method == method and partition.neurons == reference.neurons and partition.layer == LAYER
        assert sorted(partition.sizes().tolist()) == sorted(reference.sizes().tolist())
        assert partition.parameters.get("n_init", 2) == 2


def test_files_without_model_or_outer_products_skip_with_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_run(tmp_path / "run", outer=False)
    run = tmp_path / "run"
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "baselines", "--layer", str(LAYER), "--phi", str(run / "valuation" / "layer1.safetensors"),
            "--partition", str(run / "partitions" / "layer1.json"), "--stats", str(run / "stats" / "layer1.safetensors"),
            "--out-dir", str(tmp_path / "out"), "--methods", "spherical-kmeans,agglomerative,random", "--no-match-sizes",
        ])  # fmt: skip
    assert stop.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "skipped spherical-kmeans" in printed and "skipped agglomerative" in printed and "no Σaaᵀ" in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["random.json"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--methods", "kmeans"], "unknown or no baseline methods"),
        (
            ["--layer", "0", "--partition", "{run}/partitions/layer1.json", "--phi", "{run}/valuation/layer1.safetensors"],
            "partition of layer 1, not 0",
        ),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    _write_run(tmp_path / "run")
    with pytest.raises(SystemExit) as stop:
        cli.main(["baselines", "--run-dir", str(tmp_path / "run"), "--layer", str(LAYER), *(a.format(run=tmp_path / "run") for a in extra)])
    assert stop.value.code == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_missing_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["baselines", "--layer", "0", "--phi", str(tmp_path / "phi.npy")])
    assert stop.value.code == 2
    assert "--run-dir" in capsys.readouterr().err
