"""``hedonic evaluate`` on a tiny saved model, hand-made partitions and held-out pairs."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.baselines import random_baseline
from hedonic.evaluation import load_comparison, load_synergy
from hedonic.game import Partition, save_partition
from hedonic.testing import TINY_VOCAB, save_tiny_checkpoint

LAYER = 1
N = 32
SIZES = [6, 5, 5, 4, 4, 3, 3, 2]
WORDS = TINY_VOCAB[5:]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("evaluate")
    saved = save_tiny_checkpoint("llama", root / "ckpt", layers=2)
    run = root / "run"
    labels = np.repeat(np.arange(len(SIZES)), SIZES)
    save_partition(Partition.from_labels(labels, "pac-top-cover", layer=LAYER), run / "partitions" / f"layer{LAYER}.json")
    for seed, name in ((1, "random"), (2, "other")):
        baseline = random_baseline(range(N), SIZES, seed=seed, layer=LAYER)
        if name == "other":
            baseline = Partition.from_coalitions(baseline.coalitions, "other", layer=LAYER)
        save_partition(baseline, run / "baselines" / f"layer{LAYER}" / f"{name}.json")
    rng = np.random.default_rng(0)
    with open(root / "heldout.jsonl", "w") as handle:
        for index in range(10):
            query, text = " ".join(rng.choice(WORDS, 3)), " ".join(rng.choice(WORDS, 8))
            handle.write(json.dumps({"qid": f"q{index}", "docid": f"d{index}", "query": query, "text": text}) + "\n")
    return saved.model_dir, root


def test_run_dir_evaluation_prints_the_table_and_writes_audit_files(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    model_dir, root = setup
    run = root / "run"
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "evaluate", "--layer", str(LAYER), "--model", str(model_dir), "--data", str(root / "heldout.jsonl"),
            "--run-dir", str(run), "--metrics", "pair,pair_abs,na", "--n-resamples", "99", "--n-permutations", "99",
        ])  # fmt: skip
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    assert "pair_abs, coalitions of size 2–6" in printed and "random" in printed and "other" in printed and "Cliff's δ" in printed
    assert "more synergistic than size-matched random groups" in printed and "per-coalition tests:" in printed
    last = printed.strip().splitlines()[-2:]
    assert all(line.startswith("layer 1: hedonic ") and " on pair, local readout " in line for line in last), last
    comparison = load_comparison(run / "evaluation" / f"layer{LAYER}" / "comparison.json")
    assert comparison.methods == ("hedonic", "other", "random") and comparison.metrics == ("pair", "pair_abs", "na")
    assert comparison.summary("hedonic", "pair").count == 8
    assert comparison.context["readout"] == "local" and comparison.context["num_inputs"] == 10
    synergy = load_synergy(run / "evaluation" / f"layer{LAYER}" / "synergy_hedonic.json")
    assert [len(c.neurons) for c in synergy.coalitions] == SIZES
    assert synergy.input_ids[0] == "q0:d0" and synergy.layer == LAYER
    assert comparison.summary("hedonic", "pair").mean == pytest.approx(np.mean([c.metrics["pair"] for c in synergy.coalitions]))
    assert synergy.significance is not None and synergy.significance.settings.draws == 200
    assert synergy.significance.tests.p.shape == (8, 2) and comparison.context["verdict_metric"] == "pair"
    assert [v["baseline"] for v in comparison.context["verdict"]] == ["other", "random"]


def test_coalition_cap_and_explicit_files(setup: tuple[Path, Path], tmp_path: Path) -> None:
    model_dir, root = setup
    run = root / "run"
    out = tmp_path / "cmp.json"
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "evaluate", "--layer", str(LAYER), "--model", str(model_dir), "--data", str(root / "heldout.jsonl"),
            "--partition", str(run / "partitions" / "layer1.json"),
            "--baseline", str(run / "baselines" / "layer1" / "random.json"), "--out", str(out),
            "--min-size", "2", "--max-size", "6", "--max-coalitions", "3", "--metrics", "pair", "--limit", "4",
            "--n-resamples", "50", "--n-permutations", "50", "--significance-draws", "0",
        ])  # fmt: skip
    assert stop.value.code == 0
    assert load_synergy(tmp_path / "synergy_hedonic.json").significance is None
    comparison = load_comparison(out)
    assert comparison.summary("hedonic", "pair").count == 3 and comparison.summary("random", "pair").count == 3
    assert comparison.context["num_inputs"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp.json", "synergy_hedonic.json", "synergy_random.json"]


def test_inputs_that_built_phi_are_refused(setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_dir, root = setup
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "evaluate", "--layer", str(LAYER), "--model", str(model_dir), "--data", str(root / "heldout.jsonl"),
            "--run-dir", str(root / "run"), "--exclude", str(root / "heldout.jsonl"), "--out", str(tmp_path / "x.json"),
        ])  # fmt: skip
    assert stop.value.code == 2
    assert "were used to build φ" in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--metrics", "synergy"], "unknown metric"),
        (["--min-size", "9", "--max-size", "4"], "larger than --max-size"),
        (["--min-size", "20", "--max-size", "30"], "no coalition of size 20–30"),
        (["--rank-test", "t"], "unknown rank test"),
        (["--significance-metrics", "excess"], "per-coalition test metrics"),
        (["--verdict-metric", "ratio", "--metrics", "pair"], "verdict metric"),
    ],
)
def test_bad_arguments_exit_2(setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    model_dir, root = setup
    with pytest.raises(SystemExit) as stop:
        cli.main(
            [
                "evaluate",
                "--layer",
                "1",
                "--model",
                str(model_dir),
                "--data",
                str(root / "heldout.jsonl"),
                "--run-dir",
                str(root / "run"),
                *extra,
            ]
        )
    assert stop.value.code == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_decompose_writes_the_synergy_with_the_norms_free_and_frozen(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model_dir, root = setup
    out = tmp_path / "eval" / "comparison.json"
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main([
            "evaluate", "--layer", str(LAYER), "--model", str(model_dir), "--data", str(root / "heldout.jsonl"),
            "--run-dir", str(root / "run"), "--out", str(out), "--readout", "model", "--decompose", "--metrics", "na,na_abs,pair",
            "--max-pairs", "3", "--max-size", "5", "--significance-draws", "0", "--n-resamples", "50", "--n-permutations", "50",
        ])  # fmt: skip
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    assert "computation (norms frozen): layer 1: hedonic" in printed and "norm share" in printed
    folder = out.parent / "decomposition"
    total, frozen = load_synergy(folder / "synergy_hedonic.json"), load_synergy(folder / "synergy_hedonic_frozen.json")
    assert not total.freeze_norms and frozen.freeze_norms and total.readout == "model" and max(total.sizes()) == 5
    assert all(len(c.pairs) <= 3 for c in total.coalitions) and [c.pairs for c in total.coalitions] == [c.pairs for c in frozen.coalitions]
    assert load_comparison(folder / "comparison_frozen.json").context["freeze_norms"] is True
    assert load_comparison(out).context["freeze_norms"] is False


@pytest.mark.parametrize(("options", "message"), [
    (["--max-size", "lots"], "--max-size 'lots' is not a size"),
    (["--decompose", "--freeze-norms"], "--freeze-norms and --decompose together"),
    (["--max-pairs", "1", "--metrics", "pair"], "max_pairs must be at least 2"),
])  # fmt: skip
def test_bad_size_and_decomposition_options_are_refused(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    model_dir, root = setup
    with pytest.raises(SystemExit) as stop:
        cli.main(["evaluate", "--layer", str(LAYER), "--model", str(model_dir), "--data", str(root / "heldout.jsonl"),
                  "--run-dir", str(root / "run"), "--out", str(tmp_path / "c.json"), *options])  # fmt: skip
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "c.json").exists()
