"""Power and false links of the weight link test on the demo model's real weights (slow: loads MiniLM).

Layers 2 → 3 of the shipped reranker, 30 → 30 coalitions of 24 random neurons: 12 one-to-one
links spiked into the real virtual weights at s = 0.2 are found (at least 11), and 20 shuffled
partitions with nothing planted give at most one link in all.
"""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.game import Partition
from hedonic.models import open_model
from hedonic.tracking import plant_links, planted_design, planted_found, virtual_map, weight_links

LAYER, COALITIONS, SIZE = 2, 30, 24


def _random_partitions(seed: object, n: int) -> tuple[Partition, Partition]:
    rng = np.random.default_rng(seed)
    parts = []
    for layer in (LAYER, LAYER + 1):
        chosen = rng.permutation(n)[: COALITIONS * SIZE]
        groups = [sorted(chosen[k * SIZE : (k + 1) * SIZE].tolist()) for k in range(COALITIONS)]
        parts.append(Partition.from_coalitions(groups, "random", neurons=sorted(chosen.tolist()), layer=layer))
    return parts[0], parts[1]


@pytest.mark.slow
def test_spiked_links_are_found_and_shuffled_partitions_give_no_links() -> None:
    model = open_model("demo")
    vmap = virtual_map(model, LAYER)
    source, target = _random_partitions(0, model.intermediate_size)
    design = planted_design(COALITIONS, COALITIONS, persist=12, split=0, merge=0, seed=0)
    _, spiked = weight_links(plant_links(vmap, source, target, design, 0.2), source, target, None)
    found, other = planted_found(design, sorted(spiked.pairs()))
    assert found >= 11 and other <= 1
    false = [len(weight_links(vmap, *_random_partitions([1, k], model.intermediate_size), None)[1].links) for k in range(20)]
    assert sum(false) <= 1, false
