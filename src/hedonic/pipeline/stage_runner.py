"""Resumable stages in a run directory, keyed by a content hash of their inputs and parameters.

Each stage records ``stages/<name>.json`` after its outputs are written: the content hash of its
parameters and input files, its output files with their SHA-256, and its wall time. When a stage is
asked to run again with the same hash and all its outputs still exist unchanged, it is skipped; an
interrupted run therefore resumes at the first stage that did not finish, and an output that was
edited, truncated or deleted since is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedonic.artifacts import read_json, sha256_file, write_json
from hedonic.errors import ArtifactError

STAGE_KIND = "stage_record"
STAGE_FORMAT_VERSION = 2


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

    ``timings`` collects the wall time (seconds) of every stage that ran in this process and
    ``skipped`` the names of the stages that were reused.
    """

    run_dir: Path
    timings: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def record_path(self, name: str) -> Path:
        """Path of the record file of stage ``name``."""
        return self.run_dir / "stages" / f"{name}.json"

    def is_current(self, name: str, digest: str) -> bool:
        """True when stage ``name`` finished before with hash ``digest`` and its outputs are as it wrote them.

        A record of another format version (an older hedonic) counts as absent.
        """
        path = self.record_path(name)
        if not path.is_file():
            return False
        try:
            record = read_json(path, STAGE_KIND, STAGE_FORMAT_VERSION)
        except ArtifactError:
            return False
        if record["hash"] != digest:
            return False
        outputs = {self.run_dir / output: expected for output, expected in record["outputs"].items()}
        return all(output.is_file() and sha256_file(output) == expected for output, expected in outputs.items())

    def run(
        self,
        name: str,
        action: Callable[[], Sequence[str | Path]],
        parameters: Mapping[str, Any],
        inputs: Sequence[str | Path] = (),
        *,
        distributed: bool = False,
    ) -> bool:
        """Run ``action`` unless stage ``name`` is current; returns True if it ran.

        ``action`` writes its outputs (atomically) and returns their paths (absolute or relative to
        the run directory). The record is written last, so a stage killed midway is rerun.
        ``distributed``: every rank of a data-parallel job runs ``action`` (see
        :class:`~hedonic.pipeline.parallel_runner.ParallelStageRunner`); no effect here.
        """
        digest = content_hash(parameters, inputs)
        if self.is_current(name, digest):
            self.skipped.append(name)
            return False
        start = time.perf_counter()
        outputs = action()
        self.write_record(name, digest, outputs, time.perf_counter() - start)
        return True

    def write_record(self, name: str, digest: str, outputs: Sequence[str | Path], seconds: float) -> None:
        """Record that stage ``name`` (hash ``digest``) wrote ``outputs`` in ``seconds`` of wall time."""
        self.timings[name] = seconds
        root = self.run_dir.resolve()
        relative = {str(Path(output).resolve().relative_to(root)): sha256_file(output) for output in outputs}
        write_json(
            self.record_path(name),
            STAGE_KIND,
            STAGE_FORMAT_VERSION,
            {"name": name, "hash": digest, "outputs": relative, "wall_time_s": seconds},
        )

    def recorded_timings(self) -> dict[str, float]:
        """Wall time (s) of every recorded stage, from the records on disk (ran now or before).

        Records of another format version (written by an older hedonic) are left out.
        """
        timings: dict[str, float] = {}
        for path in sorted((self.run_dir / "stages").glob("*.json")):
            try:
                record = read_json(path, STAGE_KIND, STAGE_FORMAT_VERSION)
            except ArtifactError:
                continue
            timings[record["name"]] = float(record["wall_time_s"])
        return timings
