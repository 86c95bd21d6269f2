"""Track coalitions through consecutive analysed layers of one model: influence, then events.

Only adjacent layers (ℓ, ℓ+1) are paired: the virtual weights are defined for one step of the
residual stream. Analysed layers with a gap between them (e.g. 2 and 4) form no pair.

Only coalitions of at least ``min_size`` neurons are tracked (default 10, as in the paper): the
influence S, the events and their shares are over those coalitions of each layer; the others are
counted, not tracked.

Per pair: S and the link test of the virtual weights (:mod:`hedonic.tracking.weight_links`)
with its detection floor and the decomposition of log S; with ``measure = "causal"`` also the
causal link test on the given input batches (:mod:`hedonic.tracking.causal`), whose links the
links rule then reads. With per-input activity of the source layer, each event share of the
shares or τ rule gets a bootstrap interval over the inputs behind E|a|
(:mod:`hedonic.tracking.bootstrap`); the links rule does not read E|a|, so it gets none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import torch

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.tracking.artifact import LayerPairEvents
from hedonic.tracking.bootstrap import BootstrapSettings, InputActivity, influence_from_units, share_intervals
from hedonic.tracking.causal import CausalLinks, CausalSettings, causal_floor, causal_links
from hedonic.tracking.decomposition import decompose
from hedonic.tracking.floor import FloorSettings
from hedonic.tracking.influence import check_players
from hedonic.tracking.link_events import LinkThresholds
from hedonic.tracking.link_tests import DEFAULT_LEVEL, DEFAULT_STATISTIC, LinkTests, check_statistic
from hedonic.tracking.rules import classify
from hedonic.tracking.virtual_weights import BOTH, virtual_map
from hedonic.tracking.weight_links import weight_floor, weight_links

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch

DEFAULT_MIN_SIZE = 10
MEASURES = ("weights", "causal")
"""Link measures: the virtual weights (the default), or ablations through the next layer."""
DEFAULT_MEASURE: Final = "weights"


@dataclass(frozen=True)
class TrackingOptions:
    """How to track: input ``projection`` (gate, up, fc or both), LayerNorm ``center``ing, event
    ``thresholds`` (their class picks the rule, :mod:`hedonic.tracking.rules`), ``min_size`` of a
    tracked coalition, the ``bootstrap`` of the shares, the BH ``link_level`` and ``statistic`` of
    the weight link test (:mod:`hedonic.tracking.link_tests`), its detection ``floor``, the link
    ``measure`` the links rule reads (``weights`` or ``causal``), the ``causal`` settings and
    whether to measure the causal test's floor too (``causal_floor``: one more causal test per
    grid strength), rows of W per block (None: automatic), compute ``dtype`` and ``device`` (None:
    the model's).
    """

    projection: str = BOTH
    center: bool = False
    thresholds: Any = field(default_factory=LinkThresholds)
    min_size: int = DEFAULT_MIN_SIZE
    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    link_level: float = DEFAULT_LEVEL
    statistic: str = DEFAULT_STATISTIC
    floor: FloorSettings = field(default_factory=FloorSettings)
    measure: str = DEFAULT_MEASURE
    causal: CausalSettings = field(default_factory=CausalSettings)
    causal_floor: bool = False
    block_rows: int | None = None
    dtype: torch.dtype = torch.float32
    device: str | None = None

    def __post_init__(self) -> None:
        if self.min_size < 1:
            raise ConfigError(f"tracking min_size must be ≥ 1, got {self.min_size}", hint="e.g. min_size = 10")
        if self.measure not in MEASURES:
            raise ConfigError(f"unknown tracking measure {self.measure!r}", hint=f"choose one of {', '.join(MEASURES)}")
        check_statistic(self.statistic)

    def needs_activity(self) -> bool:
        """Whether the events get bootstrap intervals over E|a|: resamples asked for, and a rule that reads E|a| (not links)."""
        return bool(self.bootstrap.resamples) and not isinstance(self.thresholds, LinkThresholds)


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
    batches: Iterable[TokenBatch] | None = None,
) -> LayerPairEvents:
    """Influence, link tests and events from the tracked coalitions of ``source`` (layer ``layer``) to those of ``target`` (``layer + 1``).

    ``mean_abs``: E|a| of ``layer`` (n,), or None for uniform weights (recorded in the settings);
    ``activity``: per-input |a| of the tracked source coalitions' members, for the share intervals
    (None: no intervals); ``batches``: the inputs of the causal test (``measure = "causal"``).
    """
    options = options or TrackingOptions()
    layer = adapter.check_layer(layer)
    vmap = virtual_map(adapter, layer, projection=options.projection, center=options.center, dtype=options.dtype, device=options.device)
    check_players(source, vmap.shape[1], "source")
    check_players(target, vmap.shape[0], "target")
    sources, targets = tracked(source, options.min_size), tracked(target, options.min_size)
    weights = np.ones(len(sources.neurons)) if mean_abs is None else np.asarray(mean_abs, dtype=np.float64)[list(sources.neurons)]
    links = floor = causal = None
    if sources.coalitions and targets.coalitions:
        units, links = weight_links(
            vmap, sources, targets, mean_abs, statistic=options.statistic, level=options.link_level, block_rows=options.block_rows
        )
        floor = weight_floor(
            vmap,
            sources,
            targets,
            mean_abs,
            options.floor,
            statistic=options.statistic,
            level=options.link_level,
            block_rows=options.block_rows,
        )
        causal = _causal(adapter, layer, sources, targets, batches, options)
    else:
        units = np.zeros((len(sources.neurons), len(targets.coalitions)))
    influence = influence_from_units(units, sources, weights)
    read = _read_links(links, causal)
    intervals, bootstrap = None, None
    if activity is not None and options.needs_activity() and sources.coalitions:
        intervals = share_intervals(units, sources, activity, options.thresholds, options.bootstrap)
        bootstrap = {
            "resamples": options.bootstrap.resamples,
            "confidence": options.bootstrap.confidence,
            "seed": options.bootstrap.seed,
            "inputs": int(activity.counts.shape[0]),
            "tokens": activity.tokens,
        }
    return LayerPairEvents(
        source_layer=layer,
        target_layer=layer + 1,
        source_coalitions=sources.coalitions,
        target_coalitions=targets.coalitions,
        tracking=classify(influence, options.thresholds, read),
        settings={
            "projection": options.projection,
            "center": options.center,
            "weighting": "uniform" if mean_abs is None else "mean_abs",
            "folded": list(vmap.folded),
            "measure": options.measure,
        },
        min_size=options.min_size,
        untracked=(len(source.coalitions) - len(sources.coalitions), len(target.coalitions) - len(targets.coalitions)),
        link_tests=links,
        floor=floor,
        causal=causal,
        decomposition=decompose(influence) if influence.size else None,
        intervals=intervals,
        bootstrap=bootstrap,
    )


def _causal(
    adapter: ModelAdapter,
    layer: int,
    sources: Partition,
    targets: Partition,
    batches: Iterable[TokenBatch] | None,
    options: TrackingOptions,
) -> CausalLinks | None:
    """The causal test of the pair when the measure is ``causal`` (its input batches required), else None."""
    if options.measure != "causal":
        return None
    if batches is None:
        raise ConfigError(
            "the causal measure needs input batches", hint="pass the analysis inputs (a run directory's data/inputs.jsonl, or --data)"
        )
    loaded = list(batches)
    found = causal_links(adapter, layer, sources, targets, loaded, options.causal, options.link_level)
    if not options.causal_floor:
        return found
    return replace(found, floor=causal_floor(adapter, layer, sources, targets, loaded, options.floor, options.causal, options.link_level))


def _read_links(links: LinkTests | None, causal: CausalLinks | None) -> set[tuple[int, int]]:
    """The specific links the events are read from: the causal test's where it ran, else the weights' (none when nothing was tracked)."""
    chosen = causal.tests if causal is not None else links
    return set() if chosen is None else chosen.pairs()


def track_chain(
    adapter: ModelAdapter,
    partitions: Mapping[int, Partition],
    mean_abs: Mapping[int, np.ndarray] | None = None,
    options: TrackingOptions | None = None,
    activity: Mapping[int, InputActivity] | None = None,
    batches: list[TokenBatch] | None = None,
) -> list[LayerPairEvents]:
    """Track every adjacent pair of the analysed layers (the keys of ``partitions``), ascending.

    ``mean_abs``: E|a| per layer; a source layer missing from it gets uniform weights.
    ``activity``: per-input |a| per source layer (see :func:`track_pair`); a layer missing from it gets no intervals.
    ``batches``: the causal test's inputs, the same for every pair.
    """
    weights = mean_abs or {}
    inputs = activity or {}
    return [
        track_pair(adapter, source, partitions[source], partitions[target], weights.get(source), options, inputs.get(source), batches)
        for source, target in adjacent_pairs(partitions)
    ]


def tracked_members(partitions: Mapping[int, Partition], min_size: int) -> dict[int, np.ndarray]:
    """Per source layer of an adjacent pair: the members (k,) int64 of its tracked coalitions (ascending ids), for the activity pass."""
    return {source: np.asarray(tracked(partitions[source], min_size).neurons, dtype=np.int64) for source, _ in adjacent_pairs(partitions)}
