"""The whole pipeline on a tiny model: every stage's files, resumption, determinism, atomicity."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path

import pytest

from hedonic.evaluation import load_comparison, load_synergy
from hedonic.game import load_partition
from hedonic.layout import RunLayout
from hedonic.meaning import load_meaning
from hedonic.pipeline import context as context_module
from hedonic.pipeline import stages
from hedonic.pipeline.config import BaselinesSection, LayersSection, ModelSection, RunConfig, load_config
from hedonic.pipeline.run import run_pipeline
from hedonic.tracking import load_events


def _artifacts(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_writes_every_stage_and_resumes(tiny_config: RunConfig) -> None:
    result = run_pipeline(tiny_config)
    layout = result.layout
    assert result.analysed == [0, 1, 2] and len(result.evaluated) == 2
    for layer in result.analysed:
        assert load_partition(layout.partition(layer)).n_players == 32
        assert layout.stats(layer).is_file() and layout.valuation(layer).is_file()
    for layer in result.evaluated:
        comparison = load_comparison(layout.comparison(layer))
        assert comparison.reference == "hedonic" and set(comparison.methods) >= {"hedonic", "random"}
        assert layout.synergy(layer, "hedonic").is_file()
        total, frozen = (load_synergy(layout.decomposed_synergy(layer, "hedonic", f)) for f in (False, True))
        assert (
            total.readout == "model"
            and frozen.freeze_norms
            and [c.neurons for c in total.coalitions] == [c.neurons for c in frozen.coalitions]
        )
        assert load_comparison(layout.decomposed_comparison(layer, True)).context["freeze_norms"] is True
        assert load_meaning(layout.meaning(layer)).layer == layer
    assert load_events(layout.events(0, 1)).source_layer == 0 and layout.sankey.is_file()
    assert layout.report.is_file() and layout.manifest.is_file() and layout.lora_profile.is_file()
    assert load_config(layout.config) == tiny_config
    assert not [p for p in layout.root.rglob("*.tmp")]

    again = run_pipeline(tiny_config)
    assert set(again.reused) >= {"stats", "data", "lora", "partition-layer0", "decomposition-layer2", "tracking"}
    assert "report" in again.reused

    # issue 18 item 9: recomputed statistics are byte-identical, so every later stage is reused
    (layout.root / "stages" / "stats.json").unlink()
    recomputed = run_pipeline(tiny_config)
    assert "stats" not in recomputed.reused and {"valuation-layer0", "partition-layer2", "evaluation-layer2", "tracking"} <= set(
        recomputed.reused
    )


def test_same_seed_gives_byte_identical_artifacts(tiny_config: RunConfig, tmp_path: Path) -> None:
    first = run_pipeline(tiny_config, tmp_path / "a").layout
    second = run_pipeline(tiny_config, tmp_path / "b").layout
    for name in ("stats", "valuation", "partitions", "tracking", "baselines", "evaluation", "meaning"):
        a, b = _artifacts(first.root / name), _artifacts(second.root / name)
        assert a and a == b, name


def test_changed_parameter_reruns_only_what_depends_on_it(tiny_config: RunConfig) -> None:
    run_pipeline(tiny_config)
    changed = replace(tiny_config, game=replace(tiny_config.game, max_size=2))
    result = run_pipeline(changed)
    assert {"stats", "data", "valuation-layer0"} <= set(result.reused)
    assert "partition-layer0" not in result.reused and "tracking" not in result.reused


def test_a_killed_run_leaves_no_partial_file_and_resumes(tiny_config: RunConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    original = stages.ACTIONS["partition"]
    calls: list[int] = []

    def dies_on_layer_1(pipeline: object, layer: int) -> None:
        calls.append(layer)
        if layer == 1:
            raise KeyboardInterrupt
        original(pipeline, layer)  # type: ignore[arg-type]

    monkeypatch.setitem(stages.ACTIONS, "partition", dies_on_layer_1)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(tiny_config)
    layout = RunLayout(Path(tiny_config.out_dir))
    assert layout.partition(0).is_file() and not layout.partition(1).exists()
    assert not [p for p in layout.root.rglob("*") if p.name.endswith(".tmp")]
    monkeypatch.setitem(stages.ACTIONS, "partition", original)
    result = run_pipeline(tiny_config)
    assert {"stats", "valuation-layer0", "partition-layer0"} <= set(result.reused)
    assert "partition-layer1" not in result.reused


def test_an_edited_artifact_is_recomputed(tiny_config: RunConfig) -> None:
    layout = run_pipeline(tiny_config).layout
    good = layout.partition(2).read_bytes()
    layout.partition(2).write_text('{"kind": "partition", "format_version": 1, "coalitions": [[0, 0]]}')
    result = run_pipeline(tiny_config)
    assert "partition-layer2" not in result.reused and "partition-layer1" in result.reused
    assert layout.partition(2).read_bytes() == good


def test_a_sub_command_names_a_corrupt_artifact_of_the_run(tiny_config: RunConfig, capsys: pytest.CaptureFixture[str]) -> None:
    from hedonic import cli

    layout = run_pipeline(replace(tiny_config, layers=replace(tiny_config.layers, analyse=[0, 1]))).layout
    layout.valuation(0).write_bytes(b"garbage")
    with pytest.raises(SystemExit) as stop:
        cli.main(["discover", "--run-dir", str(layout.root), "--layer", "0"])
    assert stop.value.code == 2
    assert "layer0.safetensors" in " ".join(capsys.readouterr().err.split())


# ---------------------------------------------------------------- issue 18
def quick(config: RunConfig) -> RunConfig:
    """Two analysed layers, one evaluated, one baseline, no meaning: the cheapest whole run."""
    return replace(
        config,
        layers=LayersSection(analyse=[0, 1], evaluate=[1]),
        baselines=BaselinesSection(methods=["random"]),
        meaning=replace(config.meaning, enabled=False),
    )


def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading the model fail the test: what follows must fail (or stop) before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(context_module, "open_model", refuse)


def test_artifacts_of_another_configuration_are_moved_aside_and_never_shown(tiny_config: RunConfig, tmp_path: Path) -> None:
    """Item 6: a rerun with fewer layers, baselines and no meaning left the old files in place and listed."""
    (tmp_path / "beside.txt").write_text("not ours")
    run_pipeline(tiny_config)
    result = run_pipeline(quick(tiny_config))
    layout = result.layout
    assert layout.layers_with("partitions") == [0, 1] and not layout.meaning(0).exists() and not layout.events(1, 2).exists()
    assert sorted(p.name for p in layout.baselines_dir(1).iterdir()) == ["random.json"]
    for moved in (
        "partitions/layer2.json",
        "stages/partition-layer2.json",
        "meaning/layer2.json",
        "tracking/events_1_2.json",
        "baselines/layer2/spectral.json",
        "baselines/layer0/random.json",
    ):
        assert moved in result.set_aside and (layout.stale_dir / moved).is_file(), moved
    assert not any("layer2" in name or "meaning" in name for name in result.timings)
    manifest = json.loads(layout.manifest.read_text())
    assert manifest["set_aside"] == result.set_aside and "partition-layer2" not in manifest["stage_wall_time_s"]
    assert "partition-layer2" not in layout.report.read_text()
    assert (tmp_path / "beside.txt").read_text() == "not ours" and sorted(p.name for p in tmp_path.iterdir()) == ["beside.txt", "run"]


def test_a_headless_checkpoint_is_refused_or_gets_a_seeded_head_said_in_manifest_and_report(tiny_config: RunConfig, tmp_path: Path) -> None:
    """Item 4: a checkpoint without score.weight loaded with an unseeded random head."""
    from safetensors.torch import load_file, save_file

    from hedonic.errors import ModelError
    from hedonic.testing import save_tiny_checkpoint

    saved = save_tiny_checkpoint("llama", tmp_path / "headless", layers=3, hidden=16, intermediate=32)
    weights = load_file(saved.model_dir / "model.safetensors")
    save_file({k: v for k, v in weights.items() if k != "score.weight"}, saved.model_dir / "model.safetensors", metadata={"format": "pt"})
    config = quick(replace(tiny_config, model=ModelSection(name=str(saved.model_dir), adapter=str(saved.adapter_dir))))
    with pytest.raises(ModelError, match="no weights for score.weight"):
        run_pipeline(config)
    assert not RunLayout(Path(config.out_dir)).stats(0).exists()
    with pytest.warns(UserWarning, match="initialised from seed 0"):
        layout = run_pipeline(replace(config, model=replace(config.model, allow_new_head=True))).layout
    (note,) = json.loads(layout.manifest.read_text())["model_notes"]
    assert "new one-logit head 'score' initialised from seed 0" in note and html.escape(note) in layout.report.read_text()


def test_a_degenerate_partition_is_named_before_the_baselines(tiny_config: RunConfig) -> None:
    """Item 11: threshold = 1 leaves only singletons; the error said "widen the size range"."""
    from hedonic.errors import DataError

    config = quick(replace(tiny_config, game=replace(tiny_config.game, tau=1e6)))
    with pytest.raises(
        DataError, match=r"layer 1: the hedonic partition is degenerate \(largest coalition 1 of 32 neurons, singletons 100%\)"
    ) as error:
        run_pipeline(config)
    assert "size range is not the problem" in (error.value.hint or "")
    assert not RunLayout(Path(config.out_dir)).baselines_dir(1).exists()


@pytest.mark.parametrize(
    ("what", "match"),
    [
        ("duplicate", r"inputs\.jsonl:49: the pair \(qid 'train0', docid 'd0-0'\) already appears at line 1"),
        ("nan-qrels", r"qrels\.txt:2: relevance 'nan' is not a finite number"),
        ("foreign-qrels", r"qrels\.txt judges none of the 6 held-out queries"),
    ],
)
def test_data_errors_name_the_users_file_and_line_before_the_model_loads(
    tiny_config: RunConfig, datasets: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, match: str
) -> None:
    """Items 7 and 11: duplicates were counted twice; a NaN relevance was blamed on the run's own heldout.jsonl."""
    from hedonic.errors import DataError

    inputs, heldout = datasets
    data = replace(tiny_config.data)
    if what == "duplicate":
        copy = tmp_path / "inputs.jsonl"
        lines = inputs.read_text().splitlines(keepends=True)
        copy.write_text("".join(lines) + lines[0])
        data = replace(data, inputs=str(copy))
    else:
        qrels = tmp_path / "qrels.txt"
        qrels.write_text("test0 0 d0-0 1\ntest0 0 d0-1 nan\n" if what == "nan-qrels" else "other 0 d1 1\n")
        data = replace(data, qrels=str(qrels))
    no_model(monkeypatch)
    with pytest.raises(DataError, match=match):
        run_pipeline(replace(tiny_config, data=data))
    assert not Path(tiny_config.out_dir).exists()  # issue 28 item 8: nor is the new out dir left behind


def test_a_huge_text_line_is_cut_once_when_the_data_is_read(
    tiny_config: RunConfig, datasets: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 13: one 20 MB line cost 4.2 GB, every stage tokenising all of it."""
    from hedonic.data import read_pairs
    from hedonic.data.batching import char_limit

    inputs, _ = datasets
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"qid": "big", "docid": "d", "query": "the list", "text": "data " * 2_000_000}) + "\n" + inputs.read_text())
    no_model(monkeypatch)
    with pytest.raises(AssertionError, match="the model was loaded"):
        run_pipeline(replace(tiny_config, data=replace(tiny_config.data, inputs=str(big))))
    written = read_pairs(RunLayout(Path(tiny_config.out_dir)).inputs)
    assert written[0].qid == "big" and len(written[0].text) == char_limit(tiny_config.data.max_length)


# ---------------------------------------------------------------- issue 28
def artifact_bytes(root: Path) -> dict[str, bytes]:
    """The bytes of every artifact a run computes (stage records, manifest and report hold timings)."""
    folders = ("data", "stats", "valuation", "partitions", "baselines", "evaluation", "meaning", "tracking")
    return {name: data for folder in folders for name, data in _artifacts(root / folder).items()} | {
        "lora_profile.json": (root / "lora_profile.json").read_bytes()
    }


def test_a_write_the_system_refuses_ends_with_exit_2_naming_the_file_and_a_rerun_resumes(
    tiny_config: RunConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 3: `ulimit -f` (and a full disk, any OSError of a write) ended in a traceback.

    With a 9500-byte file-size limit the data and the LoRA profile fit, the statistics do not.
    """
    import resource

    from hedonic import cli
    from hedonic.pipeline.config import config_toml

    config = quick(tiny_config)
    path = tmp_path / "run.toml"
    path.write_text(config_toml(config))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (9500, hard))
    try:
        with pytest.raises(SystemExit) as stop:
            cli.main(["run", str(path)])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    err = " ".join(capsys.readouterr().err.split())
    layout = RunLayout(Path(config.out_dir))
    assert stop.value.code == 2 and "Traceback" not in err
    assert f"error: cannot write {layout.stats(0)}: File too large [EFBIG]" in err and "rerun the same command" in err
    assert not layout.stats(0).exists() and not list(layout.root.rglob("*.tmp")) and not layout.lock.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.toml"]
    resumed = run_pipeline(config)
    assert {"data", "lora"} <= set(resumed.reused) and "stats" not in resumed.reused
    assert artifact_bytes(layout.root) == artifact_bytes(run_pipeline(config, tmp_path / "whole").layout.root)


def test_an_n_by_n_allocation_above_the_memory_budget_is_refused_before_it_is_made(
    tiny_config: RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 28, the huge-n try: the statistics' n×n moments of a layer too large for the memory are refused, exit 2."""
    from hedonic import cli
    from hedonic.pipeline.config import config_toml

    monkeypatch.setenv("HEDONIC_MEMORY_BUDGET", str(4096 / 2**30))  # 4 KiB: 32 neurons' float64 moments need more
    config = quick(tiny_config)
    (tmp_path / "run.toml").write_text(config_toml(config))
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", str(tmp_path / "run.toml")])
    err = " ".join(capsys.readouterr().err.split())
    assert stop.value.code == 2 and "Traceback" not in err
    assert "error: float64 statistics of 2 layer(s) for 32 neurons need about" in err and "above the memory budget of 0.00 GiB" in err
    assert "hint: analyse a subset of at most" in err and "HEDONIC_MEMORY_BUDGET" in err
    assert not RunLayout(Path(config.out_dir)).stats(0).exists()
