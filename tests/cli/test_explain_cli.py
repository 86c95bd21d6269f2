"""``hedonic explain`` on a tiny saved checkpoint and a run directory made by hand."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.baselines import random_baseline
from hedonic.game import Partition, save_partition
from hedonic.layout import RunLayout
from hedonic.meaning import load_meaning
from hedonic.testing import TINY_VOCAB, save_tiny_checkpoint

LAYER = 1
N = 32
SIZES = [6, 5, 5, 4, 4, 3, 3, 2]
WORDS = TINY_VOCAB[5:]
FAST = ["--n-resamples", "99", "--n-permutations", "99", "--probe-draws", "3", "--min-domain-size", "8"]


def _write_pairs(
    path: Path, queries: int, *, domains: tuple[str | None, ...], labels: bool = True, seed: int = 0, prefix: str = "q"
) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "w") as handle:
        for q in range(queries):
            query = " ".join(rng.choice(WORDS, 3))
            for d in range(4):
                record = {
                    "qid": f"{prefix}{q}",
                    "docid": f"d{q}-{d}",
                    "query": query,
                    "text": " ".join(rng.choice(WORDS, int(rng.integers(4, 9)))),
                }
                if labels:
                    record["label"] = int(d == 0)
                if domains[q % len(domains)] is not None:
                    record["domain"] = domains[q % len(domains)]
                handle.write(json.dumps(record) + "\n")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("explain")
    saved = save_tiny_checkpoint("bert", root / "ckpt", layers=2, intermediate=N)
    layout = RunLayout(root / "run")
    save_partition(Partition.from_labels(np.repeat(np.arange(len(SIZES)), SIZES), "pac-top-cover", layer=LAYER), layout.partition(LAYER))
    kmeans = Partition.from_coalitions(random_baseline(range(N), SIZES, seed=2).coalitions, "kmeans", layer=LAYER)
    save_partition(kmeans, layout.baseline(LAYER, "kmeans"))
    layout.heldout.parent.mkdir(parents=True, exist_ok=True)
    _write_pairs(layout.heldout, 8, domains=("statements", "datamodel"))
    return saved.model_dir, saved.adapter_dir


def test_run_dir_explanation_writes_the_artifact_and_prints_the_tables(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    model_dir, adapter_dir = setup
    run = RunLayout(model_dir.parent.parent / "run")
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(
            ["explain", "--run-dir", str(run.root), "--model", str(model_dir), "--adapter", str(adapter_dir), "--max-queries", "6", *FAST]
        )
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    for text in ("ndcg_drop, coalitions of size", "Most important hedonic coalitions", "Cross-domain ridge probes", "wrote"):
        assert text in printed
    result = load_meaning(run.meaning(LAYER))
    assert result.layer == LAYER and len(result.input_ids) == 24 and result.importance.num_queries == 6
    assert set(result.importance.methods) == {"hedonic", "kmeans", "matched-random"} and result.settings.probe_draws == 3
    assert {s.method for s in result.probes} == {"hedonic", "kmeans", "matched-random"}


def test_two_corpora_become_two_domains_with_qrels(setup: tuple[Path, Path], tmp_path: Path) -> None:
    model_dir, adapter_dir = setup
    run = RunLayout(tmp_path / "run")
    original = RunLayout(model_dir.parent.parent / "run")
    run.partition(LAYER).parent.mkdir(parents=True)
    run.partition(LAYER).write_text(original.partition(LAYER).read_text())
    first, second = tmp_path / "manuals.jsonl", tmp_path / "forums.jsonl"
    _write_pairs(first, 4, domains=(None,), labels=False, seed=1, prefix="m")
    _write_pairs(second, 4, domains=(None,), labels=False, seed=2, prefix="f")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("".join(f"{p}{q} 0 d{q}-1 1\n" for q in range(4) for p in "mf"))
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "explain", "--run-dir", str(run.root), "--layer", str(LAYER), "--model", str(model_dir), "--adapter", str(adapter_dir),
            "--data", str(first), "--data", str(second), "--qrels", str(qrels), "--readout", "local", *FAST,
        ])  # fmt: skip
    assert stop.value.code == 0
    result = load_meaning(run.meaning(LAYER))
    assert set(result.domains) == {"manuals", "forums"} and result.importance.num_ranked == 8
    assert set(result.importance.methods) == {"hedonic", "matched-random"} and result.importance.readout == "local"
    assert {(s.train_domain, s.test_domain) for s in result.probes} == {("manuals", "forums"), ("forums", "manuals")}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--layer", "0"], "no such file"),
        (["--data", "missing.jsonl"], "does not exist"),
        (["--min-size", "7", "--max-size", "9"], "coalition(s) of size 7–9"),
        (["--mode", "sideways"], "mode"),
    ],
)
def test_bad_arguments_exit_2(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], arguments: list[str], message: str) -> None:
    model_dir, adapter_dir = setup
    run = model_dir.parent.parent / "run"
    with pytest.raises(SystemExit) as stop:
        cli.main(["explain", "--run-dir", str(run), "--model", str(model_dir), "--adapter", str(adapter_dir), *arguments, *FAST])
    assert stop.value.code == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_unlabelled_data_and_an_empty_run_dir_exit_2(setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir, _ = setup
    with pytest.raises(SystemExit) as stop:
        cli.main(["explain", "--run-dir", str(tmp_path), "--model", str(model_dir)])
    assert stop.value.code == 2 and "holds no partition" in " ".join(capsys.readouterr().err.split())
    original = RunLayout(model_dir.parent.parent / "run")
    unlabelled = tmp_path / "pairs.jsonl"
    _write_pairs(unlabelled, 3, domains=("a",), labels=False)
    with pytest.raises(SystemExit) as stop:
        cli.main(["explain", "--run-dir", str(original.root), "--model", str(model_dir), "--data", str(unlabelled), "--allow-new-head"])
    assert stop.value.code == 2 and "no label" in " ".join(capsys.readouterr().err.split())
