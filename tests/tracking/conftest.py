"""Layer-pair results built from hand-made influence matrices (no model needed)."""

from __future__ import annotations

import os
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import numpy as np
import pytest

from hedonic.tracking import (
    CausalLinks,
    CausalSettings,
    Decomposition,
    DetectionFloor,
    LayerPairEvents,
    LinkTests,
    LinkThresholds,
    Thresholds,
    classify_events,
    classify_links,
)

# layer 4: coalitions of sizes 2, 1, 3; layer 5: sizes 1, 2, 2, 1; layer 6: sizes 3, 3
COALITIONS = {
    4: ((0, 1), (2,), (3, 4, 5)),
    5: ((0,), (1, 2), (3, 4), (5,)),
    6: ((0, 1, 2), (3, 4, 5)),
}
INFLUENCE = {
    4: np.array([[5.0, 4.0, 0.0, 0.0], [0.0, 0.0, 6.0, 0.0], [0.1, 0.0, 0.0, 0.0]]),
    5: np.array([[3.0, 0.0], [2.8, 0.0], [0.0, 2.0], [0.0, 0.05]]),
}


def pair_result(layer: int, tau: float = 0.8) -> LayerPairEvents:
    return LayerPairEvents(
        source_layer=layer,
        target_layer=layer + 1,
        source_coalitions=COALITIONS[layer],
        target_coalitions=COALITIONS[layer + 1],
        tracking=classify_events(INFLUENCE[layer], Thresholds(tau=tau)),
        settings={"projection": "both", "center": False, "weighting": "uniform", "folded": []},
    )


@pytest.fixture
def make_pair() -> Callable[..., LayerPairEvents]:
    """``make_pair(layer, tau=0.8)``: the result of pair layer → layer + 1 (layer 4 or 5)."""
    return pair_result


@pytest.fixture
def chain() -> list[LayerPairEvents]:
    """Pairs 4→5 (persist, split, vanish, emerge) and 5→6 (merge, persist, vanish)."""
    return [pair_result(4), pair_result(5)]


def links_pair() -> LayerPairEvents:
    """Pair 4→5 under the links rule with both measures: weight links (0, 0), (1, 2), (2, 0); causal links (0, 0), (1, 1)."""
    weights = LinkTests(((0, 0, 5.0, 0.001), (1, 2, 4.5, 0.002), (2, 0, 3.9, 0.01)), 12)
    causal = CausalLinks(
        LinkTests(((0, 0, 4.0, 0.003), (1, 1, 3.8, 0.02)), 12, statistic="causal"),
        (0.02, 0.02),
        Decomposition(0.6, 0.3, 0.1, 12),
        None,
        CausalSettings(inputs=8, random_groups=49),
        3 + 49 + 1,
        8,
        DetectionFloor((0.1, 0.2), 3, (1, 3), 0.9, 0.2),
    )
    return LayerPairEvents(
        source_layer=4,
        target_layer=5,
        source_coalitions=COALITIONS[4],
        target_coalitions=COALITIONS[5],
        tracking=classify_links(INFLUENCE[4], LinkThresholds(), causal.tests.pairs()),
        settings={"projection": "both", "center": False, "weighting": "mean_abs", "folded": [], "measure": "causal"},
        link_tests=weights,
        floor=DetectionFloor((0.05, 0.1, 0.2), 3, (0, 3, 3), 0.9, 0.1),
        causal=causal,
        decomposition=Decomposition(0.9, 0.05, 0.05, 12),
    )
