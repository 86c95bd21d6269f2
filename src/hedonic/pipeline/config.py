"""The run configuration: one TOML file, one table per stage; every key has a default.

The defaults are the demo: the shipped MiniLM reranker on the demo corpus (``hedonic demo``).
A user's run changes what differs, e.g.::

    seed = 1
    out_dir = "runs/llama-l10"

    [model]
    name = "/models/llama-3.1-8b-reranker"   # folder or hub id
    adapter = "/models/lora-r8"
    dtype = "bfloat16"
    device = "cuda"

    [data]
    inputs = "top1000.dev.tsv"
    heldout = "top1000.eval.tsv"
    qrels = "qrels.dev.tsv"

    [layers]
    analyse = [9, 10, 11]

Unknown keys fail naming the key and the valid ones (:func:`load_config`).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hedonic.baselines.settings import BaselineParameters
from hedonic.errors import ConfigError
from hedonic.evaluation.settings import (  # noqa: F401  (NO_LIMIT, size_bounds, the metric names: where they were)
    NO_LIMIT,
    DecompositionParameters,
    NullMetric,
    SynergyMetric,
    SynergyParameters,
    check_synergy_options,
    size_bounds,
)
from hedonic.game import GameParameters
from hedonic.meaning.settings import MeaningParameters
from hedonic.pipeline.config_loading import from_mapping
from hedonic.spelling import NONE
from hedonic.stats.settings import StatsParameters
from hedonic.tracking.settings import TrackingParameters
from hedonic.valuation.settings import ValuationParameters


@dataclass(frozen=True)
class ModelSection:
    """The model: ``name`` (a named model such as "demo" or "smollm2:relevance", a folder or a hub id), its LoRA
    ``adapter`` folder ("": none; a named model's bundled adapter), dtype, device."""

    name: str = "demo"
    adapter: str = ""
    dtype: Literal["float32", "float64", "bfloat16", "float16"] = "float32"
    device: str = "cpu"
    allow_new_head: bool = False
    trust_remote_code: bool = False


@dataclass(frozen=True)
class DataSection:
    """Inputs: ``inputs`` build the statistics and φ; ``heldout`` only score coalitions (never φ).

    ``inputs = "demo"`` takes the demo corpus' training split and ``heldout = "demo"`` its held-out
    split; otherwise paths to JSONL or MS MARCO TSV files. ``qrels`` (TREC) labels the held-out
    pairs for ranking metrics ("": none). ``inputs_limit`` keeps the first analysis pairs;
    ``heldout_queries`` keeps that many held-out queries (all their candidates), spread evenly over
    the pairs' domains (0: all of either).
    """

    inputs: str = "demo"
    heldout: str = "demo"
    qrels: str = ""
    inputs_limit: int = 600
    heldout_queries: int = 20
    batch_size: int = 16
    max_length: int = 128


@dataclass(frozen=True)
class LayersSection:
    """Which layers: ``analyse`` (statistics, φ, partitions, tracking) and ``evaluate`` (synergy, baselines, meaning).

    Empty ``analyse`` means every layer, or with ``window = N > 0`` the N consecutive layers whose
    summed relative LoRA update is largest (the first N without an adapter); empty ``evaluate``
    means the ``top_k`` analysed layers with the largest relative LoRA update (spec §2), or the
    first ``top_k`` analysed layers without an adapter.
    """

    analyse: list[int] = field(default_factory=list)
    evaluate: list[int] = field(default_factory=list)
    top_k: int = 2
    window: int = 0


StatsSection = StatsParameters
"""``[stats]``: the statistics' parameters, declared once by :class:`hedonic.stats.settings.StatsParameters`."""


ValuationSection = ValuationParameters
"""``[valuation]``: φ's parameters, declared once by :class:`hedonic.valuation.settings.ValuationParameters`."""


GameSection = GameParameters
"""``[game]``: the hedonic game's parameters, declared once by :class:`hedonic.game.GameParameters`
(which documents each; defaults :data:`hedonic.game.DEFAULTS`, the pipeline uses no others).
``None`` is written "none" (e.g. ``k = "none"``: no limit, the threshold alone; ``m = "none"``:
50000 or from ``epsilon``); the former ``k = 0``, ``m = 0``, ``threshold = -inf`` and
``max_size = 0`` still read, with a deprecation warning. The values are checked by
:func:`hedonic.pipeline.validation.validate_config`."""


RUN_KMEANS_N_INIT = 2
"""The run's restarts of spherical k-means, half the library's :data:`hedonic.baselines.settings.KMEANS_N_INIT`:
a smaller budget for the run's time (``hedonic baselines`` reads it too, so a run and the command cluster alike)."""


@dataclass(frozen=True)
class BaselinesSection(BaselineParameters):
    """``[baselines]``: :class:`hedonic.baselines.settings.BaselineParameters` with :data:`RUN_KMEANS_N_INIT` restarts."""

    kmeans_n_init: int = RUN_KMEANS_N_INIT


EvaluationSection = SynergyParameters
"""``[evaluation]``: the synergy evaluation's parameters, declared once by :class:`hedonic.evaluation.settings.SynergyParameters`."""
DecompositionSection = DecompositionParameters
"""``[decomposition]``: the decomposition's parameters, declared once by :class:`hedonic.evaluation.settings.DecompositionParameters`."""


MeaningSection = MeaningParameters
"""``[meaning]``: the meaning stage's parameters, declared once by :class:`hedonic.meaning.settings.MeaningParameters`."""


TrackingSection = TrackingParameters
"""``[tracking]``: the tracking's parameters, declared once by :class:`hedonic.tracking.settings.TrackingParameters`."""


@dataclass(frozen=True)
class ReportSection:
    """The HTML report: at most ``top_coalitions`` cards of significant coalitions per method and evaluated layer."""

    top_coalitions: int = 6


@dataclass(frozen=True)
class RunConfig:
    """A whole run: ``seed``, the run directory ``out_dir``, and one section per stage."""

    seed: int = 0
    out_dir: str = "hedonic-runs/demo"
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    layers: LayersSection = field(default_factory=LayersSection)
    stats: StatsSection = field(default_factory=StatsSection)
    valuation: ValuationSection = field(default_factory=ValuationSection)
    game: GameSection = field(default_factory=GameSection)
    baselines: BaselinesSection = field(default_factory=BaselinesSection)
    evaluation: EvaluationSection = field(default_factory=EvaluationSection)
    decomposition: DecompositionSection = field(default_factory=DecompositionSection)
    meaning: MeaningSection = field(default_factory=MeaningSection)
    tracking: TrackingSection = field(default_factory=TrackingSection)
    report: ReportSection = field(default_factory=ReportSection)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for manifests and content hashes)."""
        return dataclasses.asdict(self)


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML run configuration; raises :class:`ConfigError` naming the file and the bad key or value."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist", hint="pass the path of a TOML file (see README, Usage)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", hint="fix the syntax at the position shown") from exc
    try:
        return from_mapping(RunConfig, data)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error.message}", hint=error.hint) from error


def config_toml(config: RunConfig) -> str:
    """The configuration as TOML text, every key written out; :func:`load_config` reads it back equal."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in config.as_dict().items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables:
        lines.append(f"\n[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in table.items())
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if value is None:
        return _toml_value(NONE)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise ConfigError(f"cannot write {value!r} to TOML")
