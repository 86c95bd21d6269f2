"""The ``weights`` measure: link tests on the virtual weights, and their detection floor.

:func:`weight_links` makes one pass over |W| (:func:`~hedonic.tracking.influence.player_influences`)
and returns the per-player influences R (for S and its intervals) with the link tests of
:mod:`hedonic.tracking.link_tests`. :func:`weight_floor` plants links into the pair's own
virtual weights at each strength of the floor's grid and reruns the same test
(:mod:`hedonic.tracking.floor`); cost: one pass over |W| per grid strength.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hedonic.tracking.floor import DetectionFloor, FloorSettings, measure_floor
from hedonic.tracking.influence import player_influences
from hedonic.tracking.link_tests import DEFAULT_LEVEL, DEFAULT_STATISTIC, LinkTests, check_statistic, specific_links
from hedonic.tracking.planting import PlantedLinks, plant_links, planted_found

if TYPE_CHECKING:
    from hedonic.game import Partition
    from hedonic.tracking.virtual_weights import VirtualMap


def weight_links(
    vmap: VirtualMap,
    sources: Partition,
    targets: Partition,
    mean_abs: np.ndarray | None,
    *,
    statistic: str = DEFAULT_STATISTIC,
    level: float = DEFAULT_LEVEL,
    block_rows: int | None = None,
) -> tuple[np.ndarray, LinkTests]:
    """R (k × Q, the unweighted influence of each source player on each target coalition) and the link tests of ``statistic``.

    ``mean_abs``: E|a| of the source layer (n,) or None (all 1); it weights the terms of the
    ``influence`` statistic only (``polish`` reads |W| alone).
    """
    test = check_statistic(statistic)
    weights = mean_abs if test.weighted else None
    units, per_target = player_influences(vmap, sources, targets, weights, block_rows=block_rows)
    source_terms = units
    if weights is not None:
        source_terms = np.asarray(weights, dtype=np.float64)[list(sources.neurons), None] * units
    return units, specific_links(source_terms, sources, per_target, targets, level, statistic)


def weight_floor(
    vmap: VirtualMap,
    sources: Partition,
    targets: Partition,
    mean_abs: np.ndarray | None,
    settings: FloorSettings,
    *,
    statistic: str = DEFAULT_STATISTIC,
    level: float = DEFAULT_LEVEL,
    block_rows: int | None = None,
) -> DetectionFloor | None:
    """The detection floor of :func:`weight_links` on this layer pair, links planted into ``vmap`` (None: nothing to plant).

    ``mean_abs``: E|a| of the source layer (n,) or None, as for :func:`weight_links`.
    """

    def found_at(design: PlantedLinks, strength: float) -> int:
        planted = plant_links(vmap, sources, targets, design, strength, seed=settings.seed)
        _, links = weight_links(planted, sources, targets, mean_abs, statistic=statistic, level=level, block_rows=block_rows)
        return planted_found(design, sorted(links.pairs()))[0]

    return measure_floor(settings, len(sources.coalitions), len(targets.coalitions), vmap.write.shape[0], found_at)
