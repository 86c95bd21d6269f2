"""``hedonic run``: every stage of the method over one run directory, resumable.

Before anything is loaded or written, the configuration is validated
(:func:`~hedonic.pipeline.validation.validate_config`), the run directory checked
(:func:`~hedonic.pipeline.run_directory.check_out_dir`: never a folder that is not ours, every
sub-folder it writes into writable) and the model's config and file names read to check its
family, weights (safetensors, never pickles), head, adapter, layers and positions
(:func:`~hedonic.pipeline.validation.validate_model`). The run then claims the folder and holds
its lock (:class:`~hedonic.pipeline.lock.RunLock`) until it ends.

Stages, in order (the rows of :data:`~hedonic.stage_table.STAGES`, spec §2–§8): ``data`` (analysis and held-out pairs, read and checked before the
model loads) → ``lora`` (update profile) → ``stats`` (one pass for all analysed layers) → per
layer ``valuation`` and ``partition`` → per evaluated layer ``baselines``, ``evaluation``
(synergy on held-out inputs), ``decomposition`` (that synergy with the norms free and frozen) and ``meaning`` → ``tracking`` (consecutive analysed layers) →
``report``. Each stage writes its files atomically into the run directory
(:class:`~hedonic.layout.RunLayout`) and is skipped when its parameters and input files are
unchanged (:class:`~hedonic.pipeline.stage_runner.StageRunner`), so a killed run resumes where it
stopped. Artifacts of another configuration are moved to ``stale/`` before the report.

Under ``torchrun`` (``torchrun --standalone --nproc_per_node N -m hedonic.cli run CONFIG``) every
rank runs the pipeline with its own copy of the model (``device = "cuda"`` gives rank r the GPU
``cuda:LOCAL_RANK``): the statistics, PAS-exact φ and the held-out evaluation split their inputs
over the ranks; the other stages run on rank 0 while the rest wait; rank 0 checks, claims and
locks the run directory and writes every file
(:class:`~hedonic.pipeline.parallel_runner.ParallelStageRunner`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from hedonic.artifacts import atomic_write_text, leftover_temporaries
from hedonic.display import console as make_console
from hedonic.errors import ConfigError
from hedonic.layout import RunLayout
from hedonic.manifest import write_manifest
from hedonic.pipeline.config import RunConfig, config_toml
from hedonic.pipeline.context import RunContext
from hedonic.pipeline.lock import RunLock, describe_holder
from hedonic.pipeline.run_directory import check_out_dir, claim, discard_unused, first_missing
from hedonic.pipeline.validation import validate_config, validate_model
from hedonic.stage_table import STAGES, StageRow
from hedonic.stats import DataParallel, launched_by_torchrun, process_device, process_group

if TYPE_CHECKING:
    from rich.console import Console


@dataclass
class RunResult:
    """What a run did: its layout, the analysed and evaluated layers, the stage timings (s), the
    reused stages, and the artifacts of another configuration it moved to ``stale/``."""

    layout: RunLayout
    analysed: list[int]
    evaluated: list[int]
    timings: dict[str, float]
    reused: list[str]
    set_aside: list[str] = field(default_factory=list)


@dataclass
class Pipeline:
    """The orchestrator of one run: validates, claims and locks the run directory, then walks the
    stages of :data:`~hedonic.stage_table.STAGES` in order, calling their actions
    (:data:`hedonic.pipeline.stages.ACTIONS`) on its :class:`RunContext`."""

    context: RunContext

    def run(self) -> RunResult:
        """Validate, claim and lock the run directory, then run (or resume) every stage.

        Returns what was analysed, the stage timings and what was set aside. Raises
        :class:`~hedonic.errors.HedonicError` (nothing written) for a bad configuration, model
        config or run directory, and when another run holds the directory's lock. A run directory
        this run created is removed again when the run ends before writing anything in it; a run
        that takes over the lock of a killed one removes the temporary files that one left.
        """
        context = self.context
        started = _now()
        validate_config(context.config)
        validate_model(context.config)
        if not context.writer:
            return self._run_stages(started)
        root = check_out_dir(context.layout.root)
        created = first_missing(root)
        claim(root)
        try:
            with RunLock(root) as lock:
                if lock.previous is not None:
                    self._take_over(lock.previous)
                return self._run_stages(started)
        except BaseException:
            if created is not None:
                discard_unused(root, created)
            raise

    def _take_over(self, previous: dict[str, object]) -> None:
        """Say that the run directory's lock was taken over, and remove the temporary files its killed holder left."""
        context = self.context
        context.console.print(
            f"took over the lock of a run that ended without releasing it ({describe_holder(previous)})", style="yellow", highlight=False
        )
        for path in leftover_temporaries(context.layout.root):
            path.unlink(missing_ok=True)

    def _run_stages(self, started: str) -> RunResult:
        context = self.context
        if context.writer:
            atomic_write_text(context.layout.config, config_toml(context.config))
        layers = RunLayers(context)
        for scope, group in groupby(STAGES, key=attrgetter("scope")):
            self._run_group(scope, list(group), layers)
        analysed, evaluated = layers.analysed, layers.evaluated
        timings = context.runner.recorded_timings()
        if context.writer:
            write_manifest(
                context.layout.manifest,
                config=context.config.as_dict(),
                seed=context.config.seed,
                device=context.config.model.device,
                timings=timings,
                reused=context.runner.skipped,
                started=started,
                finished=_now(),
                notes=context.model.notes,
                set_aside=context.runner.moved,
            )
        return RunResult(context.layout, analysed, evaluated, timings, list(context.runner.skipped), list(context.runner.moved))

    def _run_group(self, scope: str, rows: list[StageRow], layers: RunLayers) -> None:
        """Run consecutive ``rows`` of one ``scope``: each run stage once (after the sweep of other configurations'
        artifacts when it reads the whole run directory), the per-layer ones layer by layer, all of their stages
        on a layer before the next layer (the evaluated layers checked first, before any of them runs)."""
        from hedonic.pipeline.stages import ACTIONS, check_evaluable

        context = self.context
        if scope == "run":
            for row in rows:
                if row.reads_run and context.writer:
                    self.set_aside_stale()
                ACTIONS[row.name](context, layers)
            return
        targets = layers.analysed if scope == "layer" else layers.evaluated
        for layer in targets if scope == "evaluated" else ():
            check_evaluable(context, layer)
        for layer in targets:
            for row in rows:
                ACTIONS[row.name](context, layer)

    def set_aside_stale(self) -> None:
        """Move every artifact this configuration did not produce to ``stale/``, and say so (before the report)."""
        context = self.context
        context.runner.set_aside_others(pending=[row.record_name() for row in STAGES if row.reads_run])
        moved = context.runner.moved
        if moved:
            shown = ", ".join(moved[:3]) + (f" and {len(moved) - 3} more" if len(moved) > 3 else "")
            context.console.print(
                f"moved {len(moved)} file(s) of another configuration to {context.layout.stale_dir}: {shown}",
                style="yellow",
                highlight=False,
            )


@dataclass
class RunLayers:
    """The analysed and evaluated layers of a run, worked out when a stage first asks for them (the
    ``stats`` stage: ``data`` and ``lora`` run before they are known, the window reads the LoRA profile),
    after the model's notes, with a line that names them."""

    context: RunContext

    @cached_property
    def _both(self) -> tuple[list[int], list[int]]:
        context = self.context
        for note in context.model.notes:
            context.console.print(f"model: {note}", style="yellow", highlight=False)
        analysed = context.analysed_layers()
        evaluated = context.evaluated_layers(analysed)
        context.console.print(f"analysed layers {analysed}; evaluated layers {evaluated}", highlight=False)
        return analysed, evaluated

    @property
    def analysed(self) -> list[int]:
        """The analysed layers (:meth:`RunContext.analysed_layers`)."""
        return self._both[0]

    @property
    def evaluated(self) -> list[int]:
        """The evaluated layers (:meth:`RunContext.evaluated_layers`), among the analysed ones."""
        return self._both[1]


def run_pipeline(config: RunConfig, out_dir: str | Path | None = None, console: Console | None = None) -> RunResult:
    """Run the whole method as configured, into ``out_dir`` (default ``config.out_dir``).

    Example::

        from hedonic.pipeline import RunConfig, run_pipeline
        result = run_pipeline(RunConfig())          # the demo
        print(result.layout.report)

    Launched by ``torchrun`` with more than one process, every rank runs it (see the module
    docstring); ranks other than 0 print nothing.
    """
    target = out_dir if out_dir is not None else config.out_dir
    console = console or make_console(stderr=True)
    if not launched_by_torchrun():
        return Pipeline(RunContext(config, RunLayout(check_out_dir(target)), console)).run()
    if config.model.device == "auto":
        raise ConfigError(
            "model.device = 'auto' spreads one model over every GPU, but torchrun starts one process per GPU",
            hint="use device = 'cuda' under torchrun (one model copy per GPU), or run 'auto' as a single process",
        )
    with process_group(process_device(config.model.device)):
        parallel = DataParallel.current()
        if parallel is not None and not parallel.writer:
            console = make_console(stderr=True, quiet=True)
        layout = RunLayout(check_out_dir(target) if parallel is None or parallel.writer else Path(target))
        return Pipeline(RunContext(config, layout, console, parallel)).run()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
