"""The context of one run: configuration, run directory, stage runner, model, pairs and layers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.data import QueryDocPair, iter_batches, read_pairs
from hedonic.display import console as make_console
from hedonic.errors import ConfigError
from hedonic.models import ModelAdapter, TokenBatch, open_model
from hedonic.pipeline.parallel_runner import ParallelStageRunner
from hedonic.pipeline.stage_runner import StageRunner
from hedonic.stats import DataParallel, process_device

if TYPE_CHECKING:
    from rich.console import Console

    from hedonic.layout import RunLayout
    from hedonic.pipeline.config import RunConfig


@dataclass
class RunContext:
    """What every stage of a run reads: the configuration, the run directory, the stage runner,
    the lazily loaded model, the run's analysis and held-out pairs, and the layers.

    The stages (:mod:`hedonic.pipeline.stages`) are functions of it; the orchestrator
    (:class:`hedonic.pipeline.run.Pipeline`) calls them in order.
    """

    config: RunConfig
    layout: RunLayout
    console: Console = field(default_factory=lambda: make_console(stderr=True))
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
