"""The stage runner of a run launched under ``torchrun``: every rank walks the stages together.

Rank 0 decides whether a stage is current (and every rank follows its answer), runs the serial
stages alone while the other ranks wait, and writes every stage record. The data-parallel stages
(``distributed=True``: statistics, PAS-exact φ, held-out evaluation) run on every rank; their
actions split the inputs, all-reduce the sums and write the artifacts on rank 0 only. A failure
on any rank ends every rank with an error (:meth:`~hedonic.stats.DataParallel.together`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.pipeline.stage_runner import StageRunner, content_hash

if TYPE_CHECKING:
    from hedonic.stats import DataParallel


class ParallelStageRunner(StageRunner):
    """A :class:`StageRunner` for one rank of a data-parallel job (``parallel``) over ``run_dir``."""

    def __init__(self, run_dir: Path, parallel: DataParallel) -> None:
        super().__init__(run_dir)
        self.parallel = parallel

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
        """As :meth:`StageRunner.run`, on every rank: ``action`` runs on all ranks when ``distributed``, else on rank 0
        (which alone sets aside what the stage no longer produces).

        Returns the same answer on every rank. The other ranks' ``action`` returns no outputs.
        """
        parallel = self.parallel
        digest = ""

        def current() -> bool:
            nonlocal digest
            digest = content_hash(parameters, inputs)
            return self.is_current(name, digest)

        if parallel.agree(current):
            self.skipped.append(name)
            if parallel.writer:
                self._set_aside_in(owns)
            return False
        previous = self.record(name) if parallel.writer else None
        with parallel.together():
            start = time.perf_counter()
            outputs = action() if distributed or parallel.writer else []
            if parallel.writer:
                self.write_record(name, digest, outputs, time.perf_counter() - start, previous, owns)
        return True
