"""Track coalitions through consecutive analysed layers of one model: influence, then events.

Only adjacent layers (ℓ, ℓ+1) are paired: the virtual weights are defined for one step of the
residual stream. Analysed layers with a gap between them (e.g. 2 and 4) form no pair.

Only coalitions of at least ``min_size`` neurons are tracked (default 10, as in the paper): the
influence S, the events and their shares are over those coalitions of each layer; the others are
counted, not tracked. With per-input activity of the source layer, each event share gets a
bootstrap interval over the inputs behind E|a| (:mod:`hedonic.tracking.bootstrap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.models import ModelAdapter
from hedonic.tracking.artifact import LayerPairEvents
from hedonic.tracking.bootstrap import BootstrapSettings, InputActivity, influence_from_units, share_intervals
from hedonic.tracking.influence import check_players, player_influences
from hedonic.tracking.link_tests import DEFAULT_LEVEL, specific_links
from hedonic.tracking.rules import classify
from hedonic.tracking.transitions import ShareThresholds
from hedonic.tracking.virtual_weights import BOTH, virtual_map

DEFAULT_MIN_SIZE = 10


@dataclass(frozen=True)
class TrackingOptions:
    """How to track: input ``projection`` (gate, up, fc or both), LayerNorm ``center``ing, event
    ``thresholds`` (their class picks the rule, :mod:`hedonic.tracking.rules`), ``min_size`` of a
    tracked coalition, the ``bootstrap`` of the shares, the BH ``link_level`` of the test of each
    link against random groups (:mod:`hedonic.tracking.link_tests`), rows of W per block (None:
    automatic), compute ``dtype`` and ``device`` (None: the model's).
    """

    projection: str = BOTH
    center: bool = False
    thresholds: Any = field(default_factory=ShareThresholds)
    min_size: int = DEFAULT_MIN_SIZE
    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    link_level: float = DEFAULT_LEVEL
    block_rows: int | None = None
    dtype: torch.dtype = torch.float32
    device: str | None = None

    def __post_init__(self) -> None:
        if self.min_size < 1:
            raise ConfigError(f"tracking min_size must be ≥ 1, got {self.min_size}", hint="e.g. min_size = 10")


def adjacent_pairs(layers: Iterable[int]) -> list[tuple[int, int]]:
    """The pairs (ℓ, ℓ+1) with both layers among ``layers``, ascending."""
    present = set(layers)
    return [(layer, layer + 1) for layer in sorted(present) if layer + 1 in present]


def tracked(partition: Partition, min_size: int) -> Partition:
    """The coalitions of ``partition`` with at least ``min_size`` neurons, as a partition of their members."""
    groups = [group for group in partition.coalitions if len(group) >= min_size]
    return Partition.from_coalitions(groups, partition.method, neurons=sorted(i for group in groups for i in group), layer=partition.layer)


def track_pair(
    adapter: ModelAdapter,
    layer: int,
    source: Partition,
    target: Partition,
    mean_abs: np.ndarray | None = None,
    options: TrackingOptions | None = None,
    activity: InputActivity | None = None,
) -> LayerPairEvents:
    """Influence and events from the tracked coalitions of ``source`` (layer ``layer``) to those of ``target`` (``layer + 1``).

    ``mean_abs``: E|a| of ``layer`` (n,), or None for uniform weights (recorded in the settings);
    ``activity``: per-input |a| of the tracked source coalitions' members, for the share intervals
    (None: no intervals).
    """
    options = options or TrackingOptions()
    layer = adapter.check_layer(layer)
    vmap = virtual_map(
        adapter, layer, projection=options.projection, center=options.center, dtype=options.dtype, device=options.device
    )
    check_players(source, vmap.shape[1], "source")
    check_players(target, vmap.shape[0], "target")
    sources, targets = tracked(source, options.min_size), tracked(target, options.min_size)
    weights = np.ones(len(sources.neurons)) if mean_abs is None else np.asarray(mean_abs, dtype=np.float64)[list(sources.neurons)]
    links = None
    if sources.coalitions and targets.coalitions:
        units, per_target = player_influences(vmap, sources, targets, mean_abs, block_rows=options.block_rows)
        links = specific_links(weights[:, None] * units, sources, per_target, targets, options.link_level)
    else:
        units = np.zeros((len(sources.neurons), len(targets.coalitions)))
    influence = influence_from_units(units, sources, weights)
    intervals = None
    if activity is not None and options.bootstrap.resamples and sources.coalitions:
        intervals = share_intervals(units, sources, activity, options.thresholds, options.bootstrap)
    return LayerPairEvents(
        source_layer=layer,
        target_layer=layer + 1,
        source_coalitions=sources.coalitions,
        target_coalitions=targets.coalitions,
        tracking=classify(influence, options.thresholds),
        settings={
            "projection": options.projection,
            "center": options.center,
            "weighting": "uniform" if mean_abs is None else "mean_abs",
            "folded": list(vmap.folded),
        },
        min_size=options.min_size,
        untracked=(len(source.coalitions) - len(sources.coalitions), len(target.coalitions) - len(targets.coalitions)),
        link_tests=links,
        intervals=intervals,
        bootstrap=None if intervals is None else {
            "resamples": options.bootstrap.resamples,
            "confidence": options.bootstrap.confidence,
            "seed": options.bootstrap.seed,
            "inputs": int(activity.counts.shape[0]),
            "tokens": activity.tokens,
        },
    )


def track_chain(
    adapter: ModelAdapter,
    partitions: Mapping[int, Partition],
    mean_abs: Mapping[int, np.ndarray] | None = None,
    options: TrackingOptions | None = None,
    activity: Mapping[int, InputActivity] | None = None,
) -> list[LayerPairEvents]:
    """Track every adjacent pair of the analysed layers (the keys of ``partitions``), ascending.

    ``mean_abs``: E|a| per layer; a source layer missing from it gets uniform weights.
    ``activity``: per-input |a| per source layer (see :func:`track_pair`); a layer missing from it gets no intervals.
    """
    weights = mean_abs or {}
    inputs = activity or {}
    return [
        track_pair(adapter, source, partitions[source], partitions[target], weights.get(source), options, inputs.get(source))
        for source, target in adjacent_pairs(partitions)
    ]


def tracked_members(partitions: Mapping[int, Partition], min_size: int) -> dict[int, np.ndarray]:
    """Per source layer of an adjacent pair: the members (k,) int64 of its tracked coalitions (ascending ids), for the activity pass."""
    return {
        source: np.asarray(tracked(partitions[source], min_size).neurons, dtype=np.int64)
        for source, _ in adjacent_pairs(partitions)
    }
