"""``hedonic run``: every stage of the method over one run directory, resumable.

Stages, in order (spec §2–§8): ``lora`` (update profile) → ``data`` (analysis and held-out
pairs) → ``stats`` (one pass for all analysed layers) → per layer ``valuation`` and
``partition`` → per evaluated layer ``baselines``, ``evaluation`` (synergy on held-out inputs)
and ``meaning`` → ``tracking`` (consecutive analysed layers) → ``report``. Each stage writes its
files atomically into the run directory (:class:`~hedonic.layout.RunLayout`) and is skipped when
its parameters and input files are unchanged (:class:`~hedonic.pipeline.stage_runner.StageRunner`),
so a killed run resumes where it stopped.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rich.console import Console

from hedonic.artifacts import atomic_write_text
from hedonic.data import QueryDocPair, iter_batches, read_pairs
from hedonic.errors import ConfigError, DataError
from hedonic.layout import RunLayout
from hedonic.manifest import write_manifest
from hedonic.models import ModelAdapter, TokenBatch, open_model
from hedonic.pipeline.config import RunConfig, config_toml
from hedonic.pipeline.stage_runner import StageRunner


@dataclass
class RunResult:
    """What a run did: its layout, the analysed and evaluated layers, and the stage timings (s)."""

    layout: RunLayout
    analysed: list[int]
    evaluated: list[int]
    timings: dict[str, float]
    reused: list[str]


@dataclass
class Pipeline:
    """One run of the method: its configuration, run directory, stage runner and lazily loaded model."""

    config: RunConfig
    layout: RunLayout
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def __post_init__(self) -> None:
        self.runner = StageRunner(self.layout.root)

    @cached_property
    def model(self) -> ModelAdapter:
        """The model with its adapter merged (loaded on first use)."""
        section = self.config.model
        self.console.print(f"loading model {section.name}", highlight=False)
        return open_model(
            section.name,
            section.adapter or None,
            dtype=section.dtype,
            device=section.device,
            allow_new_head=section.allow_new_head,
            trust_remote_code=section.trust_remote_code,
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
        if section.window < 0 or (section.window and section.analyse):
            raise ConfigError(
                f"layers.window = {section.window} with layers.analyse = {section.analyse}",
                hint="give either the layers (analyse) or a window width ≥ 1 chosen from the LoRA profile, not both",
            )
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
        """Run (or resume) every stage; returns what was analysed and the stage timings."""
        from hedonic.pipeline import stages

        started = _now()
        self.layout.root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.layout.config, config_toml(self.config))
        stages.lora_profile(self)
        stages.data(self)
        analysed = self.analysed_layers()
        evaluated = self.evaluated_layers(analysed)
        self.console.print(f"analysed layers {analysed}; evaluated layers {evaluated}", highlight=False)
        stages.statistics(self, analysed)
        for layer in analysed:
            stages.valuation(self, layer)
            stages.partition(self, layer)
        for layer in evaluated:
            stages.baselines(self, layer)
            stages.evaluation(self, layer)
            stages.meaning(self, layer)
        stages.tracking(self, analysed)
        stages.report(self, analysed, evaluated)
        timings = self.runner.recorded_timings()
        write_manifest(
            self.layout.manifest,
            config=self.config.as_dict(),
            seed=self.config.seed,
            device=self.config.model.device,
            timings=timings,
            reused=self.runner.skipped,
            started=started,
            finished=_now(),
        )
        return RunResult(self.layout, analysed, evaluated, timings, list(self.runner.skipped))


def run_pipeline(config: RunConfig, out_dir: str | Path | None = None, console: Console | None = None) -> RunResult:
    """Run the whole method as configured, into ``out_dir`` (default ``config.out_dir``).

    Example::

        from hedonic.pipeline import RunConfig, run_pipeline
        result = run_pipeline(RunConfig())          # the demo
        print(result.layout.report)
    """
    layout = RunLayout(Path(out_dir if out_dir is not None else config.out_dir))
    pipeline = Pipeline(config, layout) if console is None else Pipeline(config, layout, console)
    return pipeline.run()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def require_pairs(pairs: Iterable[QueryDocPair], what: str) -> list[QueryDocPair]:
    """``pairs`` as a list; :class:`DataError` naming ``what`` when there is none."""
    found = list(pairs)
    if not found:
        raise DataError(f"the {what} are empty", hint="check the data section of the configuration")
    return found
