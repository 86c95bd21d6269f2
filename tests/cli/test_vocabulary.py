"""One command-line vocabulary (issue 29 item 2): ``--run-dir``, ``--layer L`` (repeatable), ``--out`` for a file,
``--out-dir`` for a folder; each former spelling still works this release and warns; ``hedonic explain`` and
``hedonic track`` run with the defaults of ``[meaning]`` and ``[tracking]``.

Where a command would go on to the expensive work, the stage's function is replaced by one that records
its arguments and stops the command: what is tested is what reaches it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest

import hedonic.meaning
import hedonic.pipeline.run
import hedonic.report.build
import hedonic.tracking
from hedonic import cli
from hedonic.data import QueryDocPair
from hedonic.data.writers import write_jsonl
from hedonic.game import Partition, save_partition
from hedonic.layout import RunLayout
from hedonic.pipeline.config import DataSection, EvaluationSection, MeaningSection, RunConfig, TrackingSection, config_toml
from hedonic.testing import TINY_VOCAB, TinyCheckpoint

N = 32  # the tiny checkpoint's intermediate size


def tiny_pairs(prefix: str, queries: int, docs: int, seed: int) -> list[QueryDocPair]:
    """``queries`` × ``docs`` pairs of random words, the first document of each query relevant, in two domains."""
    rng = np.random.default_rng(seed)
    words = [word for word in TINY_VOCAB if not word.startswith("[")]
    return [
        QueryDocPair(
            f"{prefix}{q}", f"d{q}-{d}", " ".join(rng.choice(words, 3)), " ".join(rng.choice(words, 6)), float(d == 0), "ab"[q % 2]
        )
        for q in range(queries)
        for d in range(docs)
    ]


class Reached(Exception):
    """Raised by a replaced stage function: the command got there, with these arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("reached")
        self.args_seen, self.kwargs = args, kwargs


def _stop(*args: Any, **kwargs: Any) -> Any:
    raise Reached(*args, **kwargs)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> RunLayout:
    """Partitions (hedonic and one baseline) of layers 0 and 1, and the held-out and analysis pairs."""
    layout = RunLayout(tmp_path_factory.mktemp("vocabulary") / "run")
    for layer in (0, 1):
        labels = np.random.default_rng(layer).integers(0, 6, N)
        save_partition(Partition.from_labels(labels, "additive", layer=layer), layout.partition(layer))
        save_partition(Partition.from_labels(labels[::-1].copy(), "random", layer=layer), layout.baseline(layer, "random"))
    write_jsonl(tiny_pairs("test", 4, 4, seed=1), layout.heldout)
    write_jsonl(tiny_pairs("train", 4, 4, seed=0), layout.inputs)
    return layout


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[Reached | int, str]:
    """(what the replaced stage function received, or the exit code; stderr on one line)."""
    capsys.readouterr()
    try:
        cli.main(argv)
    except Reached as reached:
        return reached, " ".join(capsys.readouterr().err.split())
    except SystemExit as stop:
        return int(stop.code or 0), " ".join(capsys.readouterr().err.split())
    raise AssertionError(f"{argv} neither reached the stage nor exited")


def _model(checkpoint: TinyCheckpoint) -> list[str]:
    return ["--model", str(checkpoint.model_dir), "--adapter", str(checkpoint.adapter_dir)]


def test_explain_runs_with_the_defaults_of_the_meaning_table(
    run_dir: RunLayout, checkpoint: TinyCheckpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 29: `hedonic explain` ran with 2–64 neurons, 40 coalitions, 9999 resamples...; [meaning] with 3–32, 6, 2000."""
    monkeypatch.setattr(hedonic.meaning, "explain_layer", _stop)
    reached, err = _main(["explain", "--run-dir", str(run_dir.root), "--layer", "0", *_model(checkpoint)], capsys)
    assert isinstance(reached, Reached), err
    data, seed = DataSection(), RunConfig().seed
    expected = MeaningSection().settings(mode=EvaluationSection().mode, batch_size=data.batch_size, max_length=data.max_length, seed=seed)
    assert reached.kwargs["settings"] == expected
    assert (expected.min_size, expected.max_size, expected.max_coalitions, expected.n_resamples) == (3, 32, 6, 2000)


def test_track_runs_with_the_defaults_of_the_tracking_table(
    run_dir: RunLayout, checkpoint: TinyCheckpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 29: `hedonic track` drew every coalition and every link; [tracking] the 40 largest and links ≥ 0.2 of the strongest."""
    seen: dict[str, Any] = {}

    def track_chain(*args: Any) -> list[str]:
        seen["options"] = args[3]
        return ["events"]

    monkeypatch.setattr(hedonic.tracking, "track_chain", track_chain)
    monkeypatch.setattr(hedonic.tracking, "write_tracking", _stop)
    reached, err = _main(["track", "--run-dir", str(run_dir.root), *_model(checkpoint), "--out-dir", str(run_dir.root / "t")], capsys)
    assert isinstance(reached, Reached), err
    section = TrackingSection()
    assert seen["options"] == dataclasses.replace(section.options(RunConfig().seed), device="cpu")
    assert reached.args_seen[2] == section.sankey()


@pytest.mark.parametrize(
    ("argv", "stage", "old"),
    [
        (["explain", "{run}", "--layer", "0", "{model}"], (hedonic.meaning, "explain_layer"), "the positional RUN_DIR"),
        (["report", "{run}"], (hedonic.report.build, "write_report"), "the positional RUN_DIR"),
        (["track", "{run}", "{model}"], (hedonic.tracking, "write_tracking"), "the positional RUN_DIR"),
        (["track", "{p0}", "{p1}", "--out-dir", "{out}", "{model}"], (hedonic.tracking, "write_tracking"), "partition files as arguments"),
        (
            ["track", "--partitions", "{p0}", "--partitions", "{p1}", "--out-dir", "{out}", "{model}"],
            (hedonic.tracking, "write_tracking"),
            "--partitions FILE",
        ),
        (["run", "{config}", "--out", "{out}"], (hedonic.pipeline.run, "run_pipeline"), "--out DIR (a folder)"),
        (["demo", "--out", "{out}"], (hedonic.pipeline.run, "run_pipeline"), "--out DIR (a folder)"),
    ],
)
def test_a_former_spelling_still_works_and_warns(
    argv: list[str],
    stage: tuple[Any, str],
    old: str,
    run_dir: RunLayout,
    checkpoint: TinyCheckpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(*stage, _stop)
    config = tmp_path / "run.toml"
    config.write_text(config_toml(RunConfig()))
    values = {
        "{run}": str(run_dir.root),
        "{p0}": str(run_dir.partition(0)),
        "{p1}": str(run_dir.partition(1)),
        "{out}": str(tmp_path / "out"),
    }
    values["{config}"] = str(config)
    expanded = [part for arg in argv for part in (_model(checkpoint) if arg == "{model}" else [values.get(arg, arg)])]
    reached, err = _main(expanded, capsys)
    assert isinstance(reached, Reached), err
    assert f"warning: {old} is deprecated and goes in the next release: write" in err
    if stage[1] == "run_pipeline":
        assert reached.args_seen[1] == tmp_path / "out"
    if stage[1] == "write_report":
        assert reached.args_seen[0] == run_dir


def test_collect_still_reads_layers_and_out(checkpoint: TinyCheckpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tiny_pairs("train", 2, 2, seed=0), tmp_path / "pairs.jsonl")
    model = [str(checkpoint.model_dir), "--adapter", str(checkpoint.adapter_dir), "--data", str(data), "--diagonal"]
    code, err = _main(["collect", *model, "--layers", "0,-1", "--out", str(tmp_path / "old")], capsys)
    assert code == 0 and "warning: --layers 2,3 is deprecated" in err and "warning: --out DIR (a folder) is deprecated" in err
    code, err = _main(["collect", *model, "--layer", "0", "--layer", "-1", "--out-dir", str(tmp_path / "new")], capsys)
    assert code == 0 and "warning" not in err
    names = ["layer0.safetensors", "layer2.safetensors"]
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == sorted(p.name for p in (tmp_path / "new").iterdir()) == names
    code, err = _main(["collect", *model, "--layers", "a", "--out-dir", str(tmp_path / "bad")], capsys)
    assert code == 2 and "cannot read --layers 'a'" in err


def test_a_former_and_a_new_spelling_together_exit_2(run_dir: RunLayout, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _main(["report", str(run_dir.root), "--run-dir", str(run_dir.root)], capsys)
    assert code == 2 and "the positional RUN_DIR and --run-dir RUN_DIR both given" in err
