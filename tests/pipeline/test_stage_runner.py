"""Stages are skipped when inputs and parameters are unchanged, rerun otherwise."""

from __future__ import annotations

from pathlib import Path

from hedonic.artifacts import atomic_write_text
from hedonic.pipeline.stage_runner import StageRunner


def test_stage_skips_when_unchanged_and_reruns_on_change(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("a")
    calls: list[int] = []

    def action() -> list[Path]:
        calls.append(1)
        return [atomic_write_text(tmp_path / "out.txt", source.read_text() * 2)]

    runner = StageRunner(tmp_path)
    assert runner.run("double", action, {"p": 1}, [source])
    assert not runner.run("double", action, {"p": 1}, [source])
    assert runner.skipped == ["double"]
    assert runner.run("double", action, {"p": 2}, [source])
    source.write_text("b")
    assert runner.run("double", action, {"p": 2}, [source])
    (tmp_path / "out.txt").unlink()
    assert runner.run("double", action, {"p": 2}, [source])
    assert len(calls) == 4
    assert set(runner.recorded_timings()) == {"double"}


def test_interrupted_stage_is_rerun(tmp_path: Path) -> None:
    runner = StageRunner(tmp_path)

    def crash() -> list[Path]:
        atomic_write_text(tmp_path / "partial.txt", "x")
        raise KeyboardInterrupt

    try:
        runner.run("s", crash, {})
    except KeyboardInterrupt:
        pass
    assert not runner.record_path("s").exists()
    assert runner.run("s", lambda: [atomic_write_text(tmp_path / "partial.txt", "y")], {})


def test_a_record_without_its_hash_counts_as_absent(tmp_path: Path) -> None:
    """Issue 18 item 10: a valid-JSON record lacking "hash" raised KeyError in is_current."""
    from hedonic.artifacts import write_json

    runner = StageRunner(tmp_path)
    write_json(runner.record_path("s"), "stage_record", 2, {"name": "s", "outputs": {}, "wall_time_s": 1.0})
    write_json(runner.record_path("t"), "stage_record", 2, {"name": "t", "hash": "x", "outputs": [], "wall_time_s": 1.0})
    assert runner.run("s", lambda: [atomic_write_text(tmp_path / "s.txt", "s")], {})
    assert runner.record("s") is not None and runner.recorded_timings().keys() == {"s"}


def test_outputs_a_stage_no_longer_writes_and_strangers_in_its_folder_are_set_aside(tmp_path: Path) -> None:
    """Issue 18 item 6: a baseline of a method dropped from the configuration stayed and was evaluated."""
    folder = tmp_path / "baselines" / "layer0"
    runner = StageRunner(tmp_path)

    def writes(*names: str):  # type: ignore[no-untyped-def]
        return lambda: [atomic_write_text(folder / f"{name}.json", name) for name in names]

    runner.run("b", writes("a", "b", "c"), {"methods": "abc"}, owns=[folder])
    atomic_write_text(folder / "stranger.json", "from a sub-command")
    runner.run("b", writes("a", "b"), {"methods": "ab"}, owns=[folder])
    assert sorted(p.name for p in folder.iterdir()) == ["a.json", "b.json"]
    assert (tmp_path / "stale" / "baselines" / "layer0" / "c.json").read_text() == "c"
    assert (tmp_path / "stale" / "baselines" / "layer0" / "stranger.json").is_file()
    assert sorted(runner.moved) == ["baselines/layer0/c.json", "baselines/layer0/stranger.json"]


def test_stages_this_run_does_not_have_are_set_aside_with_their_records(tmp_path: Path) -> None:
    first = StageRunner(tmp_path)
    for layer in (0, 1, 2):
        first.run(
            f"partition-layer{layer}", lambda layer=layer: [atomic_write_text(tmp_path / "partitions" / f"layer{layer}.json", "p")], {}
        )
    (tmp_path / "notes.txt").write_text("the user's")
    atomic_write_text(tmp_path / "meaning" / "layer5.json", "written by hedonic explain")
    second = StageRunner(tmp_path)
    for layer in (0, 1):
        second.run(
            f"partition-layer{layer}", lambda layer=layer: [atomic_write_text(tmp_path / "partitions" / f"layer{layer}.json", "p")], {}
        )
    second.set_aside_others(pending=["report"])
    assert sorted(p.name for p in (tmp_path / "partitions").iterdir()) == ["layer0.json", "layer1.json"]
    assert set(second.recorded_timings()) == {"partition-layer0", "partition-layer1"}
    assert sorted(second.moved) == ["meaning/layer5.json", "partitions/layer2.json", "stages/partition-layer2.json"]
    assert (tmp_path / "notes.txt").read_text() == "the user's" and not (tmp_path / "meaning").exists()
    second.retire("partition-layer1")
    assert not (tmp_path / "partitions" / "layer1.json").exists() and (tmp_path / "stale" / "partitions" / "layer1.json").is_file()


def test_the_stage_record_reads_back_what_it_wrote(tmp_path: Path) -> None:
    """The record is a typed StageRecord; its JSON holds name, hash, outputs and wall time, nothing else."""
    import json

    from hedonic.pipeline.stage_runner import StageRecord

    runner = StageRunner(tmp_path)
    runner.run("s", lambda: [atomic_write_text(tmp_path / "out" / "s.txt", "s")], {"p": 1})
    record = runner.record("s")
    assert isinstance(record, StageRecord) and record.name == "s" and list(record.outputs) == ["out/s.txt"]
    document = json.loads(runner.record_path("s").read_text())
    assert sorted(document) == ["format_version", "hash", "kind", "name", "outputs", "wall_time_s"]
    assert StageRecord.from_json(document) == record and StageRecord.from_json({**document, "hash": 1}) is None
    assert record.output_paths(tmp_path) == [tmp_path / "out" / "s.txt"]
