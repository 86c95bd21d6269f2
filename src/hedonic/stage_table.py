"""The stages of a run as data: one row per stage, read by the pipeline, the stale-artifact sweep and the report.

Each :class:`StageRow` names a stage, its scope (one record per run, per analysed layer or per
evaluated layer; the record of ``partition`` on layer 2 is ``stages/partition-layer2.json``), the
configuration sections its parameters come from, the stages whose outputs it reads, and its
outputs as :class:`~hedonic.layout.RunLayout` path getters. The rows hold no actions: the
pipeline attaches them (:data:`hedonic.pipeline.stages.ACTIONS`), so this table sits beside the
layout, below every stage package, and the report can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hedonic.layout import RunLayout

Scope = Literal["run", "layer", "evaluated"]
"""How many records a stage has: one per ``run``, one per analysed ``layer``, one per ``evaluated`` layer."""
OutputScope = Literal["run", "layer", "pair"]
"""What an output's path getter takes: the layout (``run``), and a ``layer``, or a ``pair`` of consecutive layers."""
RECORDS_DIR = "stages"
"""Folder of a run directory that holds the stage records."""


@dataclass(frozen=True)
class StageOutput:
    """One output of a stage: its ``path`` getter on a :class:`RunLayout` (taking nothing, a layer, or a layer
    pair, as ``scope`` says), and ``what`` the report calls it when it is missing (None: the report does not show it; ``{0}``, ``{1}``: the layers).
    ``folder``: the path is a folder of files whose names depend on the configuration (e.g. one per baseline method)."""

    path: Callable[..., Path]
    scope: OutputScope = "layer"
    what: str | None = None
    folder: bool = False


@dataclass(frozen=True)
class StageRow:
    """One stage of a run: ``name``, ``scope``, the config ``sections`` its parameters come from, the stages whose
    outputs it reads (``inputs``; the report reads them all), its ``outputs``, the ``[section] key`` that switches it (``switch``, None: always on)
    with that key's default, and whether it reads the whole run directory (``reads_run``: the sweep of other
    configurations' artifacts runs before it)."""

    name: str
    scope: Scope
    sections: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[StageOutput, ...]
    switch: tuple[str, str, bool] | None = None
    reads_run: bool = False

    def record_name(self, layer: int | None = None) -> str:
        """The name of its record: ``name`` for a run stage, ``name-layer{L}`` for a layer's."""
        if (layer is None) != (self.scope == "run"):
            raise ValueError(f"stage {self.name} ({self.scope}) takes {'no layer' if self.scope == 'run' else 'a layer'}")
        return self.name if layer is None else f"{self.name}-layer{layer}"

    def layer_of(self, record_name: str) -> int | None:
        """The layer of a record name of this (per-layer) stage, e.g. 2 for ``partition-layer2``; None when it is not one."""
        digits = record_name.removeprefix(f"{self.name}-layer")
        return int(digits) if self.scope != "run" and digits != record_name and digits.isdigit() else None

    def record_path(self, layout: RunLayout, layer: int | None = None) -> Path:
        """Where its record (of ``layer``, for a per-layer stage) lies in the run directory."""
        return layout.root / RECORDS_DIR / f"{self.record_name(layer)}.json"


STAGES: tuple[StageRow, ...] = (
    StageRow(
        "data",
        "run",
        ("data", "seed"),
        (),
        (StageOutput(lambda layout: layout.inputs, "run"), StageOutput(lambda layout: layout.heldout, "run")),
    ),
    StageRow("lora", "run", ("model",), (), (StageOutput(lambda layout: layout.lora_profile, "run", "LoRA profile"),)),
    StageRow("stats", "run", ("model", "data", "stats", "valuation.subset", "layers"), ("data",), (StageOutput(RunLayout.stats),)),
    StageRow(
        "valuation",
        "layer",
        ("valuation", "evaluation.readout"),
        ("stats", "data"),
        (StageOutput(RunLayout.valuation, what="valuation φ"),),
    ),
    StageRow("partition", "layer", ("game", "seed"), ("valuation",), (StageOutput(RunLayout.partition, what="partition"),)),
    StageRow(
        "baselines",
        "evaluated",
        ("baselines", "seed"),
        ("partition", "valuation", "stats"),
        (StageOutput(RunLayout.baselines_dir, what="baseline partitions", folder=True),),
    ),
    StageRow(
        "evaluation",
        "evaluated",
        ("evaluation", "seed"),
        ("partition", "baselines", "data"),
        (StageOutput(RunLayout.comparison, what="synergy comparison"), StageOutput(RunLayout.evaluation_dir, folder=True)),
    ),
    StageRow(
        "decomposition",
        "evaluated",
        ("decomposition", "evaluation", "seed"),
        ("partition", "baselines", "data"),
        (
            StageOutput(lambda layout, layer: layout.decomposed_comparison(layer, False), what="decomposition (total)"),
            StageOutput(lambda layout, layer: layout.decomposed_comparison(layer, True), what="decomposition (computation)"),
            StageOutput(RunLayout.decomposition_dir, folder=True),
        ),
        switch=("decomposition", "enabled", False),
    ),
    StageRow(
        "meaning",
        "evaluated",
        ("meaning", "evaluation.mode", "report.top_coalitions", "seed"),
        ("partition", "baselines", "evaluation", "data"),
        (StageOutput(RunLayout.meaning, what="meaning"),),
        switch=("meaning", "enabled", True),
    ),
    StageRow(
        "tracking",
        "run",
        ("tracking", "stats.tokens", "data", "layers", "seed"),
        ("partition", "stats", "data"),
        (StageOutput(RunLayout.events, "pair", "tracking events {0}→{1}"), StageOutput(lambda layout: layout.sankey, "run")),
    ),
    StageRow("report", "run", ("report", "layers"), (), (StageOutput(lambda layout: layout.report, "run"),), reads_run=True),
)
"""The stages of a run in the order they run (spec §2–§8)."""

STAGE = {row.name: row for row in STAGES}
"""The rows of :data:`STAGES` by name."""


def artifact_roots() -> tuple[str, ...]:
    """The files and folders of a run directory that only the stages write, in stage order, and the records' folder.

    The report is left out: ``report.html`` is also written by ``hedonic report``, and never swept.
    """
    probe = RunLayout(Path("."))
    found: list[str] = []
    for row in STAGES:
        for output in row.outputs if not row.reads_run else ():
            path = output.path(probe, *{"run": (), "layer": (0,), "pair": (0, 1)}[output.scope])
            top = path.relative_to(probe.root).parts[0]
            found += [top] if top not in found else []
    return (*found, RECORDS_DIR)
