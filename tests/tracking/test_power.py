"""Power on planted routing: a tiny seeded model with 6 persist, 1 split and 1 merge planted (README "Reading the results").

Both measures, through :func:`hedonic.tracking.track_pair` as a run calls it: at s = 0.2 the links
rule reads at least 8 of the 9 planted source events; at s = 0 (nothing planted) no test finds
a link. ``benchmarks/tracking_power.py`` prints the whole table at MiniLM's sizes, and the
spike-in into the demo model's real weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hedonic.game import Partition
from hedonic.models import TokenBatch
from hedonic.testing import TINY_VOCAB, tiny_model
from hedonic.tracking import (
    CausalSettings,
    FloorSettings,
    TrackingOptions,
    planted_design,
    planted_events_found,
    planted_found,
    planted_model,
    track_pair,
)

D, N, COALITIONS, SIZE, SEED = 192, 768, 20, 20, 0


@pytest.fixture(scope="module")
def planted() -> tuple:
    model = tiny_model("llama", hidden=D, intermediate=N, layers=2, heads=4, vocab_size=64, seed=SEED)
    rng = np.random.default_rng(SEED)
    parts = []
    for layer in (0, 1):
        chosen = rng.permutation(N)[: COALITIONS * SIZE]
        groups = [sorted(chosen[k * SIZE : (k + 1) * SIZE].tolist()) for k in range(COALITIONS)]
        parts.append(Partition.from_coalitions(groups, "random", neurons=sorted(chosen.tolist()), layer=layer))
    ids = torch.randint(5, len(TINY_VOCAB), (16, 16), generator=torch.Generator().manual_seed(SEED))
    return model, parts[0], parts[1], [TokenBatch(ids, torch.ones_like(ids), None)], planted_design(COALITIONS, COALITIONS, seed=SEED)


@pytest.mark.parametrize("measure", ["weights", "causal"])
def test_planted_events_are_found_at_s_0_2_and_nothing_at_s_0(planted: tuple, measure: str) -> None:
    model, source, target, batches, design = planted
    options = TrackingOptions(
        min_size=SIZE, measure=measure, floor=FloorSettings(links=0), causal=CausalSettings(inputs=16, random_groups=32)
    )
    found = {}
    for strength in (0.0, 0.2):
        with planted_model(model, 0, source, target, design, strength, seed=SEED):
            found[strength] = track_pair(model, 0, source, target, None, options, batches=batches)
    links = {s: (result.causal.tests if measure == "causal" else result.link_tests).pairs() for s, result in found.items()}
    assert not links[0.0], f"{measure}: false links under the null"
    assert planted_events_found(design, found[0.2].tracking) >= 8, found[0.2].tracking.events
    assert planted_found(design, sorted(links[0.2]))[1] == 0, f"{measure}: links beside the planted ones"
