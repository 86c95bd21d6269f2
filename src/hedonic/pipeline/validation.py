"""Every value of a run configuration checked before anything is loaded or written.

:func:`validate_config` runs first in :meth:`~hedonic.pipeline.run.Pipeline.run`: the types and
choices of every key (also for a :class:`RunConfig` built in Python), the ranges of the numbers,
the device, the data files, and the parameters that the stages' own types check (the friend rule,
the tracking thresholds, the meaning settings), so that ``tracking.tau = 7`` fails in a second, not
after the statistics. :func:`validate_model_layers` then reads only the model's config (no
weights) to check the family and the layer numbers. Errors are :class:`ConfigError` naming the key
(``[section] key``) and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.pipeline.config import RunConfig

T = TypeVar("T")
SEED_LIMIT = 2**32
"""Seeds lie in 0..2³²−1 (NumPy, scikit-learn and torch all accept them)."""
DEMO = "demo"


def validate_config(config: RunConfig) -> None:
    """Raise :class:`ConfigError` for the first invalid value of ``config`` (see the module docstring)."""
    from hedonic.pipeline.config import RunConfig
    from hedonic.pipeline.config_loading import from_mapping

    from_mapping(RunConfig, config.as_dict())
    if not 0 <= config.seed < SEED_LIMIT:
        raise ConfigError(f"seed must lie in 0..{SEED_LIMIT - 1}, got {config.seed}", hint="e.g. seed = 0")
    check_device(config.model.device)
    _check_files(config)
    _check_counts(config)
    _check_stage_parameters(config)


def check_device(device: str) -> None:
    """Raise :class:`ConfigError` unless ``device`` names a torch device that exists on this machine
    (or is "auto": spread the model over the GPUs with a device map, when at least one exists)."""
    import torch

    hint = 'use "cpu", "cuda", "cuda:1", "mps" (where available) or "auto" (a device map over the GPUs)'
    if device == "auto":
        if not torch.cuda.is_available():
            raise ConfigError("[model] device 'auto' spreads the model over the GPUs, and this machine has none", hint=hint)
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ConfigError(f"[model] device {device!r} is not a torch device", hint=hint) from exc
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (parsed.index or 0) >= count:
            raise ConfigError(f"[model] device {device!r}: this machine has {count} CUDA device(s)", hint=hint)
    elif parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"[model] device {device!r}: MPS is not available on this machine", hint=hint)
    elif parsed.type not in ("cpu", "cuda", "mps"):
        raise ConfigError(f"[model] device {device!r}: hedonic runs on cpu, cuda or mps", hint=hint)


def _check_files(config: RunConfig) -> None:
    data, model = config.data, config.model
    if not data.inputs:
        raise ConfigError("[data] inputs is empty", hint="give the analysis pairs (JSONL or MS MARCO TSV), or 'demo'")
    if not data.heldout:
        raise ConfigError("[data] heldout is empty", hint="give a held-out file (never used for φ), or 'demo'")
    for key, value in (("inputs", data.inputs), ("heldout", data.heldout), ("qrels", data.qrels)):
        if value and value != DEMO and not Path(value).is_file():
            raise ConfigError(f"[data] {key}: file {value} does not exist", hint="check the paths in the [data] section")
    if data.qrels == DEMO:
        raise ConfigError("[data] qrels cannot be 'demo'", hint="the demo corpus carries its own labels; leave qrels empty")
    if not model.name:
        raise ConfigError("[model] name is empty", hint="give a model folder, a hub id, or 'demo'")
    if model.adapter and not Path(model.adapter).expanduser().is_dir():
        raise ConfigError(f"[model] adapter: folder {model.adapter} does not exist", hint="give the folder saved by peft, or leave adapter empty")


_MINIMUMS: tuple[tuple[str, str, int], ...] = (
    ("data", "inputs_limit", 0),
    ("data", "heldout_queries", 0),
    ("data", "batch_size", 1),
    ("data", "max_length", 2),
    ("layers", "top_k", 1),
    ("valuation", "exact_inputs", 0),
    ("game", "m", 0),
    ("game", "max_k", 2),
    ("game", "max_size", 0),
    ("game", "stability_samples", 1),
    ("baselines", "kmeans_n_init", 1),
    ("evaluation", "min_size", 2),
    ("evaluation", "max_coalitions", 0),
    ("decomposition", "max_coalitions", 0),
    ("decomposition", "inputs", 0),
    ("evaluation", "n_resamples", 1),
    ("evaluation", "n_permutations", 1),
    ("evaluation", "significance_draws", 0),
    ("meaning", "n_resamples", 1),
    ("meaning", "n_permutations", 1),
    ("tracking", "min_size", 1),
    ("tracking", "bootstrap", 0),
    ("tracking", "sankey_top_k", 0),
    ("report", "top_coalitions", 0),
)
"""(section, key, smallest valid value) of the integer keys."""


def _check_counts(config: RunConfig) -> None:
    for section, key, minimum in _MINIMUMS:
        value = getattr(getattr(config, section), key)
        if value < minimum:
            raise ConfigError(f"[{section}] {key} must be ≥ {minimum}, got {value}", hint=f"set {key} in [{section}] to {minimum} or more")
    layers = config.layers
    if layers.window < 0 or (layers.window and layers.analyse):
        raise ConfigError(
            f"[layers] window = {layers.window} with analyse = {layers.analyse}",
            hint="give either the layers (analyse) or a window width ≥ 1 chosen from the LoRA profile, not both",
        )
    low, high = config.evaluation.size_range()
    if low < 2 or (high is not None and low > high):
        raise ConfigError(
            f"[evaluation] size range {low}–{high}: min_size must be ≥ 2 and at most max_size",
            hint='give a size range with 2 ≤ min_size ≤ max_size, e.g. 2 and "none"',
        )
    if math.isnan(config.game.threshold) or config.game.threshold == math.inf:
        raise ConfigError(f"[game] threshold must be a number or -inf, got {config.game.threshold}", hint="e.g. threshold = 0.0")


def _check_stage_parameters(config: RunConfig) -> None:
    """Build the stages' own parameter objects from the configuration: their checks run now."""
    from hedonic.baselines import BASELINE_METHODS
    from hedonic.evaluation.meaning import MeaningSettings
    from hedonic.game import FriendRule, check_method
    from hedonic.game.available_cover import check_choice
    from hedonic.pipeline.stages import sankey_section_options
    from hedonic.stats.subset import parse_subset
    from hedonic.tracking import Thresholds

    game = config.game
    settings = _in_section("game", game.settings)
    rule = _in_section("game", lambda: FriendRule(k=settings.k, threshold=settings.threshold, mutual=settings.mutual))
    if "choice" in _in_section("game", lambda: check_method(game.method)).settings:
        _in_section("game", lambda: check_choice(game.choice, rule))
    unknown = sorted(set(config.baselines.methods) - set(BASELINE_METHODS))
    if unknown:
        raise ConfigError(f"[baselines] unknown method(s) {', '.join(unknown)}", hint=f"choose among {', '.join(BASELINE_METHODS)}")
    _in_section("valuation", lambda: parse_subset(config.valuation.subset))
    tracking = config.tracking
    _in_section("tracking", lambda: Thresholds(tau=tracking.tau, presence=tracking.presence))
    _in_section("tracking", lambda: sankey_section_options(tracking))
    meaning = config.meaning
    if meaning.enabled:
        _in_section(
            "meaning",
            lambda: MeaningSettings(
                min_size=meaning.min_size,
                max_size=meaning.max_size,
                max_coalitions=meaning.max_coalitions or None,
                importance_draws=meaning.importance_draws,
                probe_draws=meaning.probe_draws,
            ),
        )


def _in_section(section: str, build: Callable[[], T]) -> T:
    """``build()``, its :class:`ConfigError` re-raised as one about the configuration's ``[section]``."""
    try:
        return build()
    except ConfigError as error:
        raise ConfigError(f"[{section}] {error.message}", hint=f"fix the key in the [{section}] section of the configuration") from error


def validate_model_layers(config: RunConfig) -> None:
    """Read the model's config (no weights): its family must be supported and the layers must exist.

    Raises :class:`~hedonic.errors.ModelError` for an unsupported family or an unreadable config,
    :class:`ConfigError` for a layer of ``[layers]`` outside 0..L-1 (or -L..-1).
    """
    from hedonic.models import named_base
    from hedonic.models.loading import read_model_config

    section = config.model
    source = named_base(section.name) or section.name
    count = int(read_model_config(source, trust_remote_code=section.trust_remote_code).num_hidden_layers)
    for key in ("analyse", "evaluate"):
        outside = [layer for layer in getattr(config.layers, key) if not -count <= layer < count]
        if outside:
            raise ConfigError(
                f"[layers] {key} names layer(s) {outside}: the model has {count} layers",
                hint=f"name layers 0..{count - 1} (or -1 for the last)",
            )
