"""Every value of a run configuration checked before anything is loaded or written.

:func:`validate_config` runs first in :meth:`~hedonic.pipeline.run.Pipeline.run`: the types and
choices of every key (also for a :class:`RunConfig` built in Python), the ranges of the numbers
(every integer within 64 bits, the sampled coalitions at most :data:`MAX_DRAWS`),
the device, the data files, and the parameters that the stages' own types check (the friend rule,
the tracking thresholds, the meaning settings), so that ``tracking.tau = 7`` fails in a second, not
after the statistics. :func:`validate_model` then reads only the model's config and file names (no
weights) to check the family, the weights' format, the adapter, the head, the layer numbers and the
positions. Errors are :class:`ConfigError` naming the key (``[section] key``) and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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
        raise ConfigError(
            f"[model] adapter: folder {model.adapter} does not exist", hint="give the folder saved by peft, or leave adapter empty"
        )


_MINIMUMS: tuple[tuple[str, str, int], ...] = (
    ("data", "inputs_limit", 0),
    ("data", "heldout_queries", 0),
    ("data", "batch_size", 1),
    ("data", "max_length", 2),
    ("layers", "top_k", 1),
    ("valuation", "exact_inputs", 0),
    ("game", "m", 0),
    ("game", "max_k", 2),
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
    ("tracking", "floor_links", 0),
    ("tracking", "causal_inputs", 1),
    ("tracking", "causal_groups", 2),
    ("report", "top_coalitions", 0),
)
"""(section, key, smallest valid value) of the integer keys."""
MAX_DRAWS = 10**9
"""The most coalitions a game samples (``[game] m``, ``stability_samples``; ``--m``): 10⁹ draws already take hours."""
_MAXIMUMS = {("game", "m"): MAX_DRAWS, ("game", "stability_samples"): MAX_DRAWS}
"""Largest valid value of the integer keys bounded below what 64 bits hold."""
INT64_MAX = 2**63 - 1
"""Every integer of a configuration lies in ±(2⁶³ − 1): NumPy and torch take no larger one."""


def _check_counts(config: RunConfig) -> None:
    for section, key, minimum in _MINIMUMS:
        value = getattr(getattr(config, section), key)
        if value is not None and value < minimum:
            raise ConfigError(f"[{section}] {key} must be ≥ {minimum}, got {value}", hint=f"set {key} in [{section}] to {minimum} or more")
    for (section, key), maximum in _MAXIMUMS.items():
        value = getattr(getattr(config, section), key)
        if value is not None and value > maximum:
            raise ConfigError(f"[{section}] {key} must be ≤ {maximum}, got {value}", hint=f"set {key} in [{section}] to {maximum} or less")
    for section, key, value in _integers(config.as_dict()):
        if not -INT64_MAX <= value <= INT64_MAX:
            where = f"[{section}] {key}" if section else key
            raise ConfigError(f"{where} = {value} does not fit in 64 bits", hint=f"give {key} a value between ±{INT64_MAX}")
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
    threshold = config.game.threshold
    if threshold is not None and (math.isnan(threshold) or threshold == math.inf):
        raise ConfigError(f'[game] threshold must be a number or "none", got {threshold}', hint="e.g. threshold = 0.0")


def _integers(values: dict[str, Any], section: str = "") -> Iterator[tuple[str, str, int]]:
    """(section, key, value) of every integer of the configuration ``values`` (in lists too; booleans are not integers)."""
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _integers(value, key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool):
                yield section, key, item


def _check_stage_parameters(config: RunConfig) -> None:
    """Build the stages' own parameter objects from the configuration: their checks run now."""
    from hedonic.baselines import BASELINE_METHODS
    from hedonic.game import FriendRule, check_choice, check_method
    from hedonic.meaning.explain import MeaningSettings
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
    _in_section("tracking", tracking.sankey)
    _in_section("tracking", lambda: tracking.options(config.seed))
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


def validate_model(config: RunConfig) -> None:
    """Check the model against the configuration from its config and file names (no weights are loaded).

    The family must be supported; a local model folder's weights, and the adapter's, must be
    safetensors (never pickles); the adapter folder must hold ``adapter_config.json``; the head must
    have one logit unless ``allow_new_head`` (a named model builds the head its adapter trains); the
    layers of ``[layers]`` must exist (0..L-1 or -L..-1) and the evaluated ones be analysed; and
    ``[data] max_length`` must not exceed the model's positions. Raises
    :class:`~hedonic.errors.ModelError` for the model and adapter, :class:`ConfigError` for the keys.
    """
    from hedonic.models import named_base
    from hedonic.models.loading import check_head_config, check_weight_files, read_model_config, resolve_adapter

    section = config.model
    named = named_base(section.name)
    source = named or section.name
    model_config = read_model_config(source, trust_remote_code=section.trust_remote_code)
    check_weight_files(source)
    if section.adapter:
        resolve_adapter(section.adapter)
    if named is None:
        check_head_config(source, model_config, section.allow_new_head)
    _check_layers(config, int(model_config.num_hidden_layers))
    positions = getattr(model_config, "max_position_embeddings", None)
    if positions is not None and config.data.max_length > int(positions):
        raise ConfigError(
            f"[data] max_length = {config.data.max_length} exceeds the {positions} positions of the model {section.name}",
            hint=f"set max_length in [data] to {positions} or less (texts are cut to max_length tokens)",
        )


def _check_layers(config: RunConfig, count: int) -> None:
    """The layers of ``[layers]`` lie in 0..count-1 (or -count..-1), and the evaluated ones are among the analysed ones."""
    layers = config.layers
    for key in ("analyse", "evaluate"):
        outside = [layer for layer in getattr(layers, key) if not -count <= layer < count]
        if outside:
            raise ConfigError(
                f"[layers] {key} names layer(s) {outside}: the model has {count} layers",
                hint=f"name layers 0..{count - 1} (or -1 for the last)",
            )
    if layers.analyse and layers.evaluate:
        analysed = {layer % count for layer in layers.analyse}
        missing = sorted({layer % count for layer in layers.evaluate} - analysed)
        if missing:
            raise ConfigError(
                f"[layers] evaluate names layer(s) {missing} that are not analysed",
                hint=f"add them to analyse in [layers], or evaluate among {sorted(analysed)}",
            )
