"""``hedonic track`` on a tiny saved model: run-directory mode, explicit files, and bad input."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest

from hedonic import cli
from hedonic.game import Partition, save_partition
from hedonic.stats import ActivationStats, save_stats
from hedonic.testing import TinyCheckpoint, save_tiny_checkpoint
from hedonic.tracking import load_events

N = 32  # the tiny models' intermediate size


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoint:
    return save_tiny_checkpoint("gpt2", tmp_path_factory.mktemp("ckpt"), layers=3)


def _partition(layer: int, path: Path) -> Path:
    labels = np.random.default_rng(layer).integers(0, 6, N)
    return save_partition(Partition.from_labels(labels, "random", layer=layer), path)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(args)
    captured = capsys.readouterr()
    return int(stop.value.code or 0), " ".join(captured.out.split()), " ".join(captured.err.split())


def test_run_directory(tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    for layer in (0, 1, 2):
        _partition(layer, run / "partitions" / f"layer{layer}.json")
    zeros = np.zeros(N)
    stats = ActivationStats(0, np.arange(N), "readout", 2, 2, zeros, np.ones(N), zeros)
    save_stats(stats, run / "stats" / "layer0.safetensors")
    model = ["--model", str(checkpoint.model_dir), "--adapter", str(checkpoint.adapter_dir)]
    code, out, _ = _run(
        ["track", "--run-dir", str(run), *model, "--rule", "tau", "--tau", "0.9", "--top-k", "3", "--min-size", "2"], capsys
    )
    assert code == 0
    assert "0→1" in out and "1→2" in out and "persist" in out and "emerge" in out and "rule tau" in out
    assert "E|a| not available for layer(s) 1: uniform weights used" in out
    assert "no intervals: the analysis inputs behind E|a| are unknown" in out
    written = sorted(p.name for p in (run / "tracking").iterdir())
    assert written == ["events_0_1.json", "events_1_2.json", "sankey.html"]
    events = load_events(run / "tracking" / "events_0_1.json")
    assert events.settings["weighting"] == "mean_abs" and events.tracking.thresholds.tau == 0.9
    assert events.settings["folded"] == ["layer 1 ln_2 (γ)"] and events.min_size == 2


def test_run_directory_with_inputs_gives_intervals(tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str]) -> None:
    from hedonic.data.writers import write_jsonl
    from tests.conftest import tiny_pairs

    run = tmp_path / "run"
    for layer in (0, 1):
        save_partition(
            Partition.from_coalitions([range(0, 12), range(12, 32)], "x", layer=layer), run / "partitions" / f"layer{layer}.json"
        )
    write_jsonl(tiny_pairs("t", 5, 3, seed=0), run / "data" / "inputs.jsonl")
    code, out, _ = _run(
        ["track", "--run-dir", str(run), "--model", str(checkpoint.model_dir), "--rule", "shares", "--bootstrap", "30"], capsys
    )
    assert code == 0 and "rule shares" in out and "persist, split, merge, vanish: % of layer ℓ's tracked coalitions" in out
    events = load_events(run / "tracking" / "events_0_1.json")
    assert events.intervals is not None and events.bootstrap["inputs"] == 15 and events.tracking.rule == "shares"
    assert events.min_size == 10 and events.tracking.n_sources == 2


def test_default_rule_reads_the_links_and_causal_measure_runs(
    tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    from hedonic.data.writers import write_jsonl
    from tests.conftest import tiny_pairs

    run = tmp_path / "run"
    for layer in (0, 1):
        save_partition(
            Partition.from_coalitions([range(0, 12), range(12, 32)], "x", layer=layer), run / "partitions" / f"layer{layer}.json"
        )
    write_jsonl(tiny_pairs("t", 5, 3, seed=0), run / "data" / "inputs.jsonl")
    code, out, _ = _run(["track", "--run-dir", str(run), "--model", str(checkpoint.model_dir)], capsys)
    assert code == 0 and "rule links (weights, BH 5%)" in out and "s_min (detection floor)" in out and "no intervals: the links rule" in out
    events = load_events(run / "tracking" / "events_0_1.json")
    assert events.tracking.rule == "links" and events.link_tests is not None and events.floor is not None and events.causal is None
    assert events.intervals is None and events.settings["measure"] == "weights"
    causal = ["--measure", "causal", "--causal-inputs", "6", "--causal-groups", "4", "--out-dir", str(tmp_path / "causal")]
    code, out, _ = _run(["track", "--run-dir", str(run), "--model", str(checkpoint.model_dir), *causal], capsys)
    assert code == 0 and "rule links (causal, BH 5%)" in out and "confirmed" in out and "log effect variance" in out
    events = load_events(tmp_path / "causal" / "events_0_1.json")
    assert events.causal is not None and events.causal.inputs == 6 and events.causal.ablations == 2 + 4 + 1
    assert events.settings["measure"] == "causal" and events.causal.settings.random_groups == 4


def test_explicit_partition_files(tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = _partition(1, tmp_path / "a.json"), _partition(2, tmp_path / "b.json")
    np.save(tmp_path / "e1.npy", np.linspace(0, 1, N))
    out_dir = tmp_path / "out"
    args = ["track", "--partition", str(first), "--partition", str(second), "--model", str(checkpoint.model_dir)]
    code, out, _ = _run([*args, "--mean-abs", str(tmp_path / "e1.npy"), "--out-dir", str(out_dir), "--center"], capsys)
    assert code == 0 and "1→2" in out and "uniform weights" not in out
    events = load_events(out_dir / "events_1_2.json")
    assert events.settings["center"] is True and events.settings["weighting"] == "mean_abs"
    assert (out_dir / "sankey.html").stat().st_size > 100_000  # plotly inlined


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--out-dir is required"),
        (["--out-dir", "OUT"], "no model given"),
        (["--out-dir", "OUT", "--model", "MODEL", "--projection", "gate"], "projection 'gate' does not exist"),
        (["--out-dir", "OUT", "--model", "MODEL", "--rule", "tau", "--tau", "0"], "tau must lie in (0, 1]"),
        (["--out-dir", "OUT", "--model", "MODEL", "--rule", "magic"], "unknown event rule"),
        (["--out-dir", "OUT", "--model", "MODEL", "--rule", "shares", "--alpha", "0"], "alpha threshold must lie in (0, 1]"),
        (["--out-dir", "OUT", "--model", "MODEL", "--measure", "causal"], "--measure causal needs the analysis inputs"),
        (["--out-dir", "OUT", "--model", "MODEL", "--measure", "magic"], "unknown tracking measure"),
        (["--out-dir", "OUT", "--model", "MODEL", "--link-statistic", "magic"], "unknown link statistic"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    files = [arg for layer in (0, 1) for arg in ("--partition", str(_partition(layer, tmp_path / f"layer{layer}.json")))]
    extra = [str(tmp_path) if a == "OUT" else str(checkpoint.model_dir) if a == "MODEL" else a for a in extra]
    code, _, err = _run(["track", *files, *extra], capsys)
    assert code == 2 and message in err


def test_layers_without_a_neighbour_exit_2(tmp_path: Path, checkpoint: TinyCheckpoint, capsys: pytest.CaptureFixture[str]) -> None:
    files = [arg for layer in (0, 2) for arg in ("--partition", str(_partition(layer, tmp_path / f"layer{layer}.json")))]
    code, _, err = _run(["track", *files, "--model", str(checkpoint.model_dir), "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "no two consecutive layers" in err
