"""What a run directory should hold for its report, and what is missing from it.

The analysed and evaluated layers come from the caller (the pipeline knows them) or are read
off the run directory (:func:`run_layers`: every layer with an artifact or a stage record of
that stage, plus the configuration's lists), so a deleted file shows up as missing instead of
taking its layer out of the report. :func:`missing_artifacts` names each absent piece with its
path and how to get it back; the report lists them after the verdict and each section notes the
gap where it would have shown the piece.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.artifacts import read_json
from hedonic.errors import ArtifactError, ModelError
from hedonic.evaluation import COMPARISON_FORMAT_VERSION, COMPARISON_KIND
from hedonic.models import resolve_named

if TYPE_CHECKING:
    from hedonic.layout import RunLayout

_STAGE_LAYER = re.compile(r"^(?P<stage>[a-z]+)-layer(?P<layer>\d+)$")
_ANALYSED_STAGES = ("valuation", "partition")
_EVALUATED_STAGES = ("baselines", "evaluation", "meaning")


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


def _stage_layers(layout: RunLayout, stages: Sequence[str]) -> set[int]:
    found = set()
    for path in (layout.root / "stages").glob("*.json"):
        match = _STAGE_LAYER.match(path.stem)
        if match and match["stage"] in stages:
            found.add(int(match["layer"]))
    return found


def run_layers(layout: RunLayout, config: dict[str, Any] | None) -> tuple[list[int], list[int]]:
    """(analysed, evaluated) layers of a run directory, from its artifacts, stage records and configuration."""
    layers = (config or {}).get("layers", {})
    analysed = {*layout.layers_with("partitions"), *layout.layers_with("valuation"), *_stage_layers(layout, _ANALYSED_STAGES)}
    analysed |= set(layers.get("analyse") or [])
    evaluated = {
        int(path.name.removeprefix("layer"))
        for folder in ("evaluation", "baselines")
        for path in (layout.root / folder).glob("layer*")
        if path.name.removeprefix("layer").isdigit()
    }
    evaluated |= {*layout.layers_with("meaning"), *_stage_layers(layout, _EVALUATED_STAGES), *(layers.get("evaluate") or [])}
    return sorted(analysed | evaluated), sorted(evaluated)


def missing_artifacts(
    layout: RunLayout, analysed: Sequence[int], evaluated: Sequence[int], config: dict[str, Any] | None
) -> list[Missing]:
    """Every artifact the report would show for these layers that is not in the run directory."""
    fix = _fix(layout, config)
    found: list[Missing] = []
    if config is None:
        found.append(Missing(None, "configuration", "config.toml", "the model, adapter and settings of this run are unknown"))
    if _expects_lora(layout, config) and not layout.lora_profile.is_file():
        found.append(Missing(None, "LoRA profile", "lora_profile.json", fix))
    for layer in analysed:
        for what, path in (("valuation φ", layout.valuation(layer)), ("partition", layout.partition(layer))):
            if not path.is_file():
                found.append(Missing(layer, what, _relative(layout, path), fix))
    for layer in evaluated:
        found.extend(_evaluated_missing(layout, layer, config, fix))
    for layer in analysed:
        if layer + 1 in analysed and not layout.events(layer, layer + 1).is_file():
            found.append(Missing(layer, f"tracking events {layer}→{layer + 1}", _relative(layout, layout.events(layer, layer + 1)), fix))
    return found


def _evaluated_missing(layout: RunLayout, layer: int, config: dict[str, Any] | None, fix: str) -> list[Missing]:
    found = []
    if not any(layout.baselines_dir(layer).glob("*.json")):
        found.append(Missing(layer, "baseline partitions", _relative(layout, layout.baselines_dir(layer)) + "/", fix))
    if not layout.comparison(layer).is_file():
        found.append(Missing(layer, "synergy comparison", _relative(layout, layout.comparison(layer)), fix))
    else:
        try:
            files = read_json(layout.comparison(layer), COMPARISON_KIND, COMPARISON_FORMAT_VERSION).get("context", {}).get("synergy_files", {})
        except ArtifactError:  # an unreadable comparison fails the section that reads it, with its own message
            files = {}
        for method, name in files.items():
            path = layout.evaluation_dir(layer) / str(name)
            if not path.is_file():
                found.append(Missing(layer, f"synergy of {method}", _relative(layout, path), fix))
    decomposition_expected = config is not None and config.get("decomposition", {}).get("enabled", False)
    for frozen in (False, True):
        if decomposition_expected and not layout.decomposed_comparison(layer, frozen).is_file():
            found.append(Missing(layer, f"decomposition ({'computation' if frozen else 'total'})", _relative(layout, layout.decomposed_comparison(layer, frozen)), fix))
    meaning_expected = (config or {}).get("meaning", {}).get("enabled", True) if config is not None else (
        layout.root / "stages" / f"meaning-layer{layer}.json"
    ).is_file()
    if meaning_expected and not layout.meaning(layer).is_file():
        found.append(Missing(layer, "meaning", _relative(layout, layout.meaning(layer)), fix))
    return found


def _expects_lora(layout: RunLayout, config: dict[str, Any] | None) -> bool:
    if config is None:
        return (layout.root / "stages" / "lora.json").is_file()
    model = config.get("model", {})
    return bool(model.get("adapter")) or ships_adapter(str(model.get("name", "")))


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
