"""``hedonic run``: every stage of the method over one run directory, resumable.

Before anything is loaded or written, the configuration is validated
(:func:`~hedonic.pipeline.validation.validate_config`), the run directory checked
(:func:`~hedonic.pipeline.run_directory.check_out_dir`: never a folder that is not ours) and the
model's config read to check its family and the layers. The run then claims the folder and holds
its lock (:class:`~hedonic.pipeline.lock.RunLock`) until it ends.

Stages, in order (spec §2–§8): ``data`` (analysis and held-out pairs, read and checked before the
model loads) → ``lora`` (update profile) → ``stats`` (one pass for all analysed layers) → per
layer ``valuation`` and ``partition`` → per evaluated layer ``baselines``, ``evaluation``
(synergy on held-out inputs) and ``meaning`` → ``tracking`` (consecutive analysed layers) →
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

import dataclasses
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console

from hedonic.artifacts import atomic_write_text
from hedonic.data import QueryDocPair, iter_batches, read_pairs
from hedonic.errors import ConfigError
from hedonic.layout import RunLayout
from hedonic.manifest import write_manifest
from hedonic.models import ModelAdapter, TokenBatch, open_model
from hedonic.pipeline.config import RunConfig, config_toml
from hedonic.pipeline.lock import RunLock, describe_holder
from hedonic.pipeline.parallel_runner import ParallelStageRunner
from hedonic.pipeline.run_directory import check_out_dir, claim
from hedonic.pipeline.stage_runner import StageRunner
from hedonic.pipeline.validation import validate_config, validate_model_layers
from hedonic.stats import DataParallel, launched_by_torchrun, process_device, process_group


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
    """One run of the method: its configuration, run directory, stage runner and lazily loaded model."""

    config: RunConfig
    layout: RunLayout
    console: Console = field(default_factory=lambda: Console(stderr=True))
    parallel: DataParallel | None = None

    def __post_init__(self) -> None:
        root = self.layout.root
        self.runner = StageRunner(root) if self.parallel is None else ParallelStageRunner(root, self.parallel)

    @property
    def writer(self) -> bool:
        """True for the process that writes the run's files (the only one, or rank 0)."""
        return self.parallel is None or self.parallel.writer

    @cached_property
    def model(self) -> ModelAdapter:
        """The model with its adapter merged (loaded on first use)."""
        section = self.config.model
        self.console.print(f"loading model {section.name}", highlight=False)
        return open_model(
            section.name,
            section.adapter or None,
            dtype=section.dtype,
            device=process_device(section.device),
            allow_new_head=section.allow_new_head,
            trust_remote_code=section.trust_remote_code,
            head_seed=self.config.seed,
        )

    # ------------------------------------------------------------------ parameters and inputs
    def model_parameters(self) -> dict[str, Any]:
        """The model section (part of every model-dependent stage's content hash)."""
        return dataclasses.asdict(self.config.model)

    def model_files(self) -> list[Path]:
        """Small files that identify the model's fine-tuning (the adapter's weights, when any)."""
        from hedonic.models import named_adapter

        adapter = self.config.model.adapter or named_adapter(self.config.model.name)
        files = sorted(Path(adapter).glob("adapter_model.*")) if adapter else []
        return [path for path in files if path.is_file()]

    def batches(self, pairs: list[QueryDocPair]) -> Iterator[TokenBatch]:
        """Token batches of ``pairs`` for the model, as configured."""
        data = self.config.data
        return iter_batches(self.model, pairs, data.batch_size, data.max_length)

    @cached_property
    def inputs(self) -> list[QueryDocPair]:
        """The analysis pairs of this run (statistics and φ are built from them)."""
        return read_pairs(self.layout.inputs)

    @cached_property
    def heldout(self) -> list[QueryDocPair]:
        """The held-out pairs of this run (synergy and meaning; never φ)."""
        return read_pairs(self.layout.heldout)

    # ------------------------------------------------------------------ layers
    def analysed_layers(self) -> list[int]:
        """The layers to analyse: the configured ones (validated), the LoRA window, or all."""
        from hedonic.models import load_lora_profile, select_window

        section = self.config.layers
        chosen = section.analyse or list(range(self.model.num_layers))
        if section.window and self.layout.lora_profile.is_file():
            chosen = select_window(load_lora_profile(self.layout.lora_profile), section.window)
        elif section.window:
            chosen = chosen[: section.window]
        return sorted({self.model.check_layer(layer) for layer in chosen})

    def evaluated_layers(self, analysed: list[int]) -> list[int]:
        """The configured evaluated layers, else the top-k analysed layers by relative LoRA update."""
        from hedonic.models import load_lora_profile

        section = self.config.layers
        if section.evaluate:
            chosen = sorted({self.model.check_layer(layer) for layer in section.evaluate})
            missing = sorted(set(chosen) - set(analysed))
            if missing:
                raise ConfigError(
                    f"layers.evaluate names layer(s) {missing} that are not analysed",
                    hint=f"add them to layers.analyse, or evaluate among {analysed}",
                )
            return chosen
        if section.top_k < 1:
            raise ConfigError(f"layers.top_k must be ≥ 1, got {section.top_k}", hint="e.g. top_k = 2")
        if self.layout.lora_profile.is_file():
            relative = load_lora_profile(self.layout.lora_profile).layer_relative()
            ranked = sorted((layer for layer in analysed if layer in relative), key=lambda layer: (-relative[layer], layer))
            if ranked:
                return sorted(ranked[: section.top_k])
        return analysed[: section.top_k]

    # ------------------------------------------------------------------ the run
    def run(self) -> RunResult:
        """Validate, claim and lock the run directory, then run (or resume) every stage.

        Returns what was analysed, the stage timings and what was set aside. Raises
        :class:`~hedonic.errors.HedonicError` (nothing written) for a bad configuration, model
        config or run directory, and when another run holds the directory's lock.
        """
        started = _now()
        validate_config(self.config)
        validate_model_layers(self.config)
        if not self.writer:
            return self._run_stages(started)
        check_out_dir(self.layout.root)
        claim(self.layout.root)
        with RunLock(self.layout.root) as lock:
            if lock.previous is not None:
                self.console.print(f"took over the lock of a run that ended without releasing it ({describe_holder(lock.previous)})", style="yellow", highlight=False)
            return self._run_stages(started)

    def _run_stages(self, started: str) -> RunResult:
        from hedonic.pipeline import stages

        if self.writer:
            atomic_write_text(self.layout.config, config_toml(self.config))
        stages.data(self)
        stages.lora_profile(self)
        for note in self.model.notes:
            self.console.print(f"model: {note}", style="yellow", highlight=False)
        analysed = self.analysed_layers()
        evaluated = self.evaluated_layers(analysed)
        self.console.print(f"analysed layers {analysed}; evaluated layers {evaluated}", highlight=False)
        stages.statistics(self, analysed)
        for layer in analysed:
            stages.valuation(self, layer)
            stages.partition(self, layer)
        for layer in evaluated:
            stages.check_evaluable(self, layer)
        for layer in evaluated:
            stages.baselines(self, layer)
            stages.evaluation(self, layer)
            stages.meaning(self, layer)
        stages.tracking(self, analysed)
        if self.writer:
            self.set_aside_stale()
        stages.report(self, analysed, evaluated)
        timings = self.runner.recorded_timings()
        if self.writer:
            write_manifest(
                self.layout.manifest,
                config=self.config.as_dict(),
                seed=self.config.seed,
                device=self.config.model.device,
                timings=timings,
                reused=self.runner.skipped,
                started=started,
                finished=_now(),
                notes=self.model.notes,
                set_aside=self.runner.moved,
            )
        return RunResult(self.layout, analysed, evaluated, timings, list(self.runner.skipped), list(self.runner.moved))

    def set_aside_stale(self) -> None:
        """Move every artifact this configuration did not produce to ``stale/``, and say so (before the report)."""
        self.runner.set_aside_others(pending=["report"])
        moved = self.runner.moved
        if moved:
            shown = ", ".join(moved[:3]) + (f" and {len(moved) - 3} more" if len(moved) > 3 else "")
            self.console.print(
                f"moved {len(moved)} file(s) of another configuration to {self.layout.stale_dir}: {shown}", style="yellow", highlight=False
            )


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
    console = console or Console(stderr=True)
    if not launched_by_torchrun():
        return Pipeline(config, RunLayout(check_out_dir(target)), console).run()
    if config.model.device == "auto":
        raise ConfigError(
            "model.device = 'auto' spreads one model over every GPU, but torchrun starts one process per GPU",
            hint="use device = 'cuda' under torchrun (one model copy per GPU), or run 'auto' as a single process",
        )
    with process_group(process_device(config.model.device)):
        parallel = DataParallel.current()
        if parallel is not None and not parallel.writer:
            console = Console(stderr=True, quiet=True)
        layout = RunLayout(check_out_dir(target) if parallel is None or parallel.writer else Path(target))
        return Pipeline(config, layout, console, parallel).run()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
