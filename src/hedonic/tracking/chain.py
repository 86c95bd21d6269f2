"""Track coalitions through consecutive analysed layers of one model: influence, then events.

Only adjacent layers (ℓ, ℓ+1) are paired: the virtual weights are defined for one step of the
residual stream. Analysed layers with a gap between them (e.g. 2 and 4) form no pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from hedonic.game import Partition
from hedonic.models import ModelAdapter
from hedonic.tracking.artifact import LayerPairEvents
from hedonic.tracking.events import Thresholds, classify_events
from hedonic.tracking.influence import coalition_influence
from hedonic.tracking.virtual_weights import BOTH, virtual_map


@dataclass(frozen=True)
class TrackingOptions:
    """How to track: input ``projection`` (gate, up, fc or both), LayerNorm ``center``ing, event
    ``thresholds``, rows of W per block (None: automatic), compute ``dtype`` and ``device`` (None:
    the model's).
    """

    projection: str = BOTH
    center: bool = False
    thresholds: Thresholds = field(default_factory=Thresholds)
    block_rows: int | None = None
    dtype: torch.dtype = torch.float32
    device: str | None = None


def adjacent_pairs(layers: Iterable[int]) -> list[tuple[int, int]]:
    """The pairs (ℓ, ℓ+1) with both layers among ``layers``, ascending."""
    present = set(layers)
    return [(layer, layer + 1) for layer in sorted(present) if layer + 1 in present]


def track_pair(
    adapter: ModelAdapter,
    layer: int,
    source: Partition,
    target: Partition,
    mean_abs: np.ndarray | None = None,
    options: TrackingOptions | None = None,
) -> LayerPairEvents:
    """Influence and events from the coalitions of ``source`` (layer ``layer``) to ``target`` (``layer + 1``).

    ``mean_abs``: E|a| of ``layer`` (n,), or None for uniform weights (recorded in the settings).
    """
    options = options or TrackingOptions()
    layer = adapter.check_layer(layer)
    vmap = virtual_map(
        adapter, layer, projection=options.projection, center=options.center, dtype=options.dtype, device=options.device
    )
    influence = coalition_influence(vmap, source, target, mean_abs, block_rows=options.block_rows)
    return LayerPairEvents(
        source_layer=layer,
        target_layer=layer + 1,
        source_coalitions=source.coalitions,
        target_coalitions=target.coalitions,
        tracking=classify_events(influence, options.thresholds),
        settings={
            "projection": options.projection,
            "center": options.center,
            "weighting": "uniform" if mean_abs is None else "mean_abs",
            "folded": list(vmap.folded),
        },
    )


def track_chain(
    adapter: ModelAdapter,
    partitions: Mapping[int, Partition],
    mean_abs: Mapping[int, np.ndarray] | None = None,
    options: TrackingOptions | None = None,
) -> list[LayerPairEvents]:
    """Track every adjacent pair of the analysed layers (the keys of ``partitions``), ascending.

    ``mean_abs``: E|a| per layer; a source layer missing from it gets uniform weights.
    """
    weights = mean_abs or {}
    return [
        track_pair(adapter, source, partitions[source], partitions[target], weights.get(source), options)
        for source, target in adjacent_pairs(partitions)
    ]
