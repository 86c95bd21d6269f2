"""What a run directory should hold for its report, and what is missing from it.

The analysed and evaluated layers come from the caller (the pipeline knows them) or are read
off the run directory (:func:`run_layers`: every layer with an artifact or a stage record of
that stage, plus the configuration's lists), so a deleted file shows up as missing instead of
taking its layer out of the report. :func:`missing_artifacts` names each absent piece (the outputs
of :data:`~hedonic.stage_table.STAGES` that the report shows) with its path and how to get it back; the report lists them after the verdict and each section notes the
gap where it would have shown the piece.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.artifacts import read_json
from hedonic.errors import ArtifactError, ModelError
from hedonic.evaluation import COMPARISON_FORMAT_VERSION, COMPARISON_KIND
from hedonic.models import resolve_named
from hedonic.stage_table import RECORDS_DIR, STAGE, STAGES, Scope, StageRow

if TYPE_CHECKING:
    from hedonic.layout import RunLayout


@dataclass(frozen=True)
class Missing:
    """One absent artifact: its ``layer`` (None: the run), ``what`` it is, its ``path`` in the run directory, the ``fix``."""

    layer: int | None
    what: str
    path: str
    fix: str

    def message(self) -> str:
        """E.g. ``layer 0: partition missing (partitions/layer0.json); rerun …``."""
        where = "run" if self.layer is None else f"layer {self.layer}"
        return f"{where}: {self.what} missing ({self.path}); {self.fix}"


def read_config(layout: RunLayout) -> dict[str, Any] | None:
    """The run's configuration as plain data, or None when ``config.toml`` is absent or unreadable."""
    if not layout.config.is_file():
        return None
    try:
        return tomllib.loads(layout.config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def _stage_layers(layout: RunLayout, scope: Scope) -> set[int]:
    """The layers with a record of a stage of ``scope`` (``layer`` or ``evaluated``) in the run directory."""
    rows = [row for row in STAGES if row.scope == scope]
    names = [path.stem for path in (layout.root / RECORDS_DIR).glob("*.json")]
    return {layer for name in names for row in rows if (layer := row.layer_of(name)) is not None}


def run_layers(layout: RunLayout, config: dict[str, Any] | None) -> tuple[list[int], list[int]]:
    """(analysed, evaluated) layers of a run directory, from its artifacts, stage records and configuration."""
    layers = (config or {}).get("layers", {})
    analysed = {*layout.layers_with("partitions"), *layout.layers_with("valuation"), *_stage_layers(layout, "layer")}
    analysed |= set(layers.get("analyse") or [])
    evaluated = {
        int(path.name.removeprefix("layer"))
        for folder in ("evaluation", "baselines")
        for path in (layout.root / folder).glob("layer*")
        if path.name.removeprefix("layer").isdigit()
    }
    evaluated |= {*layout.layers_with("meaning"), *_stage_layers(layout, "evaluated"), *(layers.get("evaluate") or [])}
    return sorted(analysed | evaluated), sorted(evaluated)


def missing_artifacts(layout: RunLayout, analysed: Sequence[int], evaluated: Sequence[int], config: dict[str, Any] | None) -> list[Missing]:
    """Every artifact the report would show for these layers that is not in the run directory.

    The outputs of :data:`~hedonic.stage_table.STAGES` that the report shows (those with a ``what``), in stage
    order, a per-layer stage's layer by layer; a stage switched off in the configuration is not expected (without
    a configuration: a stage with a switch, or the LoRA profile, only where its record is there).
    """
    fix = _fix(layout, config)
    found: list[Missing] = []
    if config is None:
        found.append(Missing(None, "configuration", "config.toml", "the model, adapter and settings of this run are unknown"))
    pairs = [(layer, layer + 1) for layer in analysed if layer + 1 in analysed]
    for scope, group in groupby(STAGES, key=attrgetter("scope")):
        rows = list(group)
        if scope == "run":
            found += [gap for row in rows if _expected(layout, row, None, config) for gap in _row_missing(layout, row, None, pairs, fix)]
            continue
        for layer in analysed if scope == "layer" else evaluated:
            found += [gap for row in rows if _expected(layout, row, layer, config) for gap in _row_missing(layout, row, layer, pairs, fix)]
    return found


def _row_missing(layout: RunLayout, row: StageRow, layer: int | None, pairs: list[tuple[int, int]], fix: str) -> list[Missing]:
    """The shown outputs of stage ``row`` (on ``layer``; a run stage's pair outputs on every layer pair) that are absent."""
    found = []
    for output in row.outputs:
        if not output.what:
            continue
        indices = [(layer,)] if output.scope == "layer" else pairs if output.scope == "pair" else [()]
        for index in indices:
            path = output.path(layout, *index)
            if not (any(path.glob("*.json")) if output.folder else path.is_file()):
                shown = _relative(layout, path) + ("/" if output.folder else "")
                found.append(Missing(index[0] if index else None, output.what.format(*index), shown, fix))
        if row.name in _LISTED_INSIDE and layer is not None:
            found += _LISTED_INSIDE[row.name](layout, layer, fix)
    return found


def _expected(layout: RunLayout, row: StageRow, layer: int | None, config: dict[str, Any] | None) -> bool:
    """Whether this run has stage ``row`` (on ``layer``): its ``[section] key`` switch in the configuration, the
    model's adapter for the LoRA profile; without a configuration, its record where it has a switch."""
    if row.name in _EXPECTED:
        return _EXPECTED[row.name](layout, config)
    if row.switch is None:
        return True
    if config is None:
        return row.record_path(layout, layer).is_file()
    section, key, default = row.switch
    return bool(config.get(section, {}).get(key, default))


def _synergy_files_missing(layout: RunLayout, layer: int, fix: str) -> list[Missing]:
    """The synergy files that ``layer``'s comparison names and that are absent."""
    if not layout.comparison(layer).is_file():
        return []
    try:
        files = read_json(layout.comparison(layer), COMPARISON_KIND, COMPARISON_FORMAT_VERSION).get("context", {}).get("synergy_files", {})
    except ArtifactError:  # an unreadable comparison fails the section that reads it, with its own message
        files = {}
    found = []
    for method, name in files.items():
        path = layout.evaluation_dir(layer) / str(name)
        if not path.is_file():
            found.append(Missing(layer, f"synergy of {method}", _relative(layout, path), fix))
    return found


def _expects_lora(layout: RunLayout, config: dict[str, Any] | None) -> bool:
    """Whether the run has a LoRA profile: its model has an adapter; without a configuration, where its record is there."""
    if config is None:
        return STAGE["lora"].record_path(layout).is_file()
    model = config.get("model", {})
    return bool(model.get("adapter")) or ships_adapter(str(model.get("name", "")))


_EXPECTED = {"lora": _expects_lora}
"""Stages whose presence depends on more than a configuration switch, with the test of it."""
_LISTED_INSIDE = {"evaluation": _synergy_files_missing}
"""Stages whose shown output names further files, with the listing of those that are absent."""


def ships_adapter(name: str) -> bool:
    """Whether the model ``name`` is a named model that brings its own adapter (``demo``, ``smollm2[:task]``)."""
    try:
        return resolve_named(name) is not None
    except ModelError:
        return False


def _fix(layout: RunLayout, config: dict[str, Any] | None) -> str:
    if config is None:
        return "rerun the sub-command that writes it with --run-dir (see `hedonic --help`)"
    return f"rerun `hedonic run {layout.config} --out-dir {layout.root}` to recompute it (finished stages are reused)"


def _relative(layout: RunLayout, path: Path) -> str:
    return str(path.relative_to(layout.root))
