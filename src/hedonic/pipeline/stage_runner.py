"""Resumable stages in a run directory, keyed by a content hash of their inputs and parameters.

Each stage records ``stages/<name>.json`` after its outputs are written: the content hash of its
parameters and input files, its output files with their SHA-256, and its wall time. When a stage is
asked to run again with the same hash and all its outputs still exist unchanged, it is skipped; an
interrupted run therefore resumes at the first stage that did not finish, and an output that was
edited, truncated or deleted since is recomputed. A record that cannot be read as one (corrupt,
another format version, a missing key) counts as absent: the stage runs again.

Outputs that a stage no longer writes (an earlier run's baseline of a method now dropped), the
files and records of stages this run does not have (:meth:`StageRunner.set_aside_others`) are
moved to ``stale/`` (:mod:`hedonic.pipeline.stale`), so that nothing of another configuration is
read or shown.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedonic.artifacts import read_json, sha256_file, write_json
from hedonic.errors import ArtifactError
from hedonic.pipeline.stale import artifact_files, set_aside
from hedonic.stage_table import RECORDS_DIR

STAGE_KIND = "stage_record"
STAGE_FORMAT_VERSION = 2


@dataclass(frozen=True)
class StageRecord:
    """What ``stages/<name>.json`` holds: the stage ``name``, the content ``hash`` of its parameters and
    input files (:func:`content_hash`), its ``outputs`` (path relative to the run directory → SHA-256)
    and its ``wall_time_s`` (seconds)."""

    name: str
    hash: str
    outputs: Mapping[str, str]
    wall_time_s: float

    def to_json(self) -> dict[str, Any]:
        """The record's JSON payload (without kind and format version, which :func:`write_json` adds)."""
        return {"name": self.name, "hash": self.hash, "outputs": dict(self.outputs), "wall_time_s": self.wall_time_s}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> StageRecord | None:
        """The record in ``document``, or None when a field is missing or of the wrong type."""
        outputs = document.get("outputs")
        if not isinstance(outputs, dict):
            return None
        complete = (
            isinstance(document.get("name"), str)
            and isinstance(document.get("hash"), str)
            and all(isinstance(value, str) for value in outputs.values())
            and isinstance(document.get("wall_time_s"), (int, float))
        )
        if not complete:
            return None
        return cls(document["name"], document["hash"], dict(outputs), float(document["wall_time_s"]))

    def output_paths(self, run_dir: Path) -> list[Path]:
        """The recorded outputs as paths under ``run_dir``."""
        return [run_dir / output for output in self.outputs]


def content_hash(parameters: Mapping[str, Any], inputs: Sequence[str | Path]) -> str:
    """SHA-256 over the JSON of ``parameters`` and the bytes of every input file, in order."""
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode("utf-8"))
    for path in inputs:
        digest.update(str(Path(path).name).encode("utf-8"))
        digest.update(sha256_file(path).encode("ascii"))
    return digest.hexdigest()


@dataclass
class StageRunner:
    """Runs named stages in ``run_dir``, skipping those whose inputs and parameters are unchanged.

    ``timings`` collects the wall time (seconds) of every stage that ran in this process,
    ``skipped`` the names of the stages that were reused, and ``moved`` the run-directory paths
    (relative) moved to ``stale/``.
    """

    run_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)

    def record_path(self, name: str) -> Path:
        """Path of the record file of stage ``name``."""
        return self.run_dir / RECORDS_DIR / f"{name}.json"

    def record(self, name: str) -> StageRecord | None:
        """The record of stage ``name``, or None when there is none that this hedonic can read."""
        return _read_record(self.record_path(name))

    def is_current(self, name: str, digest: str) -> bool:
        """True when stage ``name`` finished before with hash ``digest`` and its outputs are as it wrote them.

        A record of another format version (an older hedonic), or one that lacks a key, counts as absent.
        """
        record = self.record(name)
        if record is None or record.hash != digest:
            return False
        outputs = {self.run_dir / output: expected for output, expected in record.outputs.items()}
        return all(output.is_file() and sha256_file(output) == expected for output, expected in outputs.items())

    def run(
        self,
        name: str,
        action: Callable[[], Sequence[str | Path]],
        parameters: Mapping[str, Any],
        inputs: Sequence[str | Path] = (),
        owns: Sequence[Path] = (),
        *,
        distributed: bool = False,
    ) -> bool:
        """Run ``action`` unless stage ``name`` is current; returns True if it ran.

        ``action`` writes its outputs (atomically) and returns their paths (absolute or relative to
        the run directory). The record is written last, so a stage killed midway is rerun. The
        outputs of the stage's previous record that it did not write again, and any other file in
        the folders it ``owns`` (read whole by later stages), are set aside. ``distributed``:
        every rank of a data-parallel job runs ``action`` (see
        :class:`~hedonic.pipeline.parallel_runner.ParallelStageRunner`); no effect here.
        """
        digest = content_hash(parameters, inputs)
        previous = self.record(name)
        if self.is_current(name, digest):
            self.skipped.append(name)
            self._set_aside_in(owns)
            return False
        start = time.perf_counter()
        outputs = action()
        self.write_record(name, digest, outputs, time.perf_counter() - start, previous, owns)
        return True

    def write_record(
        self,
        name: str,
        digest: str,
        outputs: Sequence[str | Path],
        seconds: float,
        previous: StageRecord | None = None,
        owns: Sequence[Path] = (),
    ) -> None:
        """Record that stage ``name`` (hash ``digest``) wrote ``outputs`` in ``seconds`` of wall time,
        then set aside what its ``previous`` record listed and it did not write again, and the
        unrecorded files in the folders it ``owns``."""
        self.timings[name] = seconds
        root = self.run_dir.resolve()
        relative = {str(Path(output).resolve().relative_to(root)): sha256_file(output) for output in outputs}
        write_json(self.record_path(name), STAGE_KIND, STAGE_FORMAT_VERSION, StageRecord(name, digest, relative, seconds).to_json())
        if previous is not None:
            self._move(self.run_dir / output for output in previous.outputs if output not in relative)
        self._set_aside_in(owns)

    def retire(self, name: str, *paths: Path) -> None:
        """Set aside stage ``name``'s record and outputs, and ``paths``: this run does not have the stage."""
        record = self.record(name)
        outputs = record.output_paths(self.run_dir) if record else []
        self._move([self.record_path(name), *outputs, *paths])

    def set_aside_others(self, pending: Sequence[str] = ()) -> None:
        """Set aside every artifact not written or reused by a stage of this run, and other stages' records.

        ``pending``: stages this run has still to run (their records and outputs are kept).
        """
        current = set(self.timings) | set(self.skipped) | set(pending)
        keep = {self.record_path(name).resolve() for name in current}
        for name in current:
            record = self.record(name)
            keep |= {path.resolve() for path in (record.output_paths(self.run_dir) if record else [])}
        self._move(path for path in artifact_files(self.run_dir) if path.resolve() not in keep)

    def _set_aside_in(self, folders: Sequence[Path]) -> None:
        """Set aside the files in ``folders`` that no stage record lists as its output."""
        recorded = {path.resolve() for path in self._recorded_outputs()}
        for folder in folders:
            found = folder.rglob("*") if folder.is_dir() else []
            self._move(path for path in found if path.is_file() and path.resolve() not in recorded)

    def _recorded_outputs(self) -> list[Path]:
        found = []
        for path in sorted((self.run_dir / RECORDS_DIR).glob("*.json")):
            record = _read_record(path)
            found.extend(record.output_paths(self.run_dir) if record else [])
        return found

    def _move(self, paths: Iterable[Path]) -> None:
        self.moved.extend(set_aside(self.run_dir, paths))

    def recorded_timings(self) -> dict[str, float]:
        """Wall time (s) of every recorded stage, from the records on disk (ran now or before).

        Records this hedonic cannot read (another format version, a missing key) are left out.
        """
        timings: dict[str, float] = {}
        for path in sorted((self.run_dir / RECORDS_DIR).glob("*.json")):
            record = _read_record(path)
            if record is not None:
                timings[record.name] = record.wall_time_s
        return timings


def _read_record(path: Path) -> StageRecord | None:
    """The stage record at ``path`` when it is a complete one of this format version, else None."""
    if not path.is_file():
        return None
    try:
        return StageRecord.from_json(read_json(path, STAGE_KIND, STAGE_FORMAT_VERSION))
    except ArtifactError:
        return None
