"""Planted routing (hedonic.tracking.planting): the design, the share of energy planted, the copy into a model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.testing import tiny_model
from hedonic.tracking import (
    LinkThresholds,
    classify_links,
    plant_links,
    planted_design,
    planted_events_found,
    planted_found,
    planted_model,
    virtual_map,
)
from hedonic.tracking.planting import link_subspaces, plant_rows


def test_the_design_plants_disjoint_persist_split_and_merge_events() -> None:
    design = planted_design(30, 30, seed=3)
    assert len(design.links) == 10 and len(design.events) == 9
    assert sorted(design.events.values()).count("persist") == 6 and list(design.events.values()).count("merge") == 2
    splits = [p for p, kind in design.events.items() if kind == "split"]
    assert len(design.sources()[splits[0]]) == 2
    (merged,) = [q for q, sources in design.targets().items() if len(sources) == 2]
    assert all(design.events[p] == "merge" for p in design.targets()[merged])
    with pytest.raises(ConfigError, match="cannot plant"):
        planted_design(5, 30)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(0, 1000))
def test_planted_rows_keep_their_norm_and_put_share_s_of_their_energy_in_the_span(strength: float, seed: int) -> None:
    basis = link_subspaces(24, 2, 4, seed)[0]
    rows = torch.randn(5, 24, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    planted = plant_rows(rows, basis, strength, torch.Generator().manual_seed(seed + 1))
    torch.testing.assert_close(planted.norm(dim=1), rows.norm(dim=1))
    inside = (planted @ basis).norm(dim=1) ** 2 / planted.norm(dim=1) ** 2
    torch.testing.assert_close(inside, torch.full((5,), strength, dtype=torch.float64))


def test_link_subspaces_are_orthonormal_and_must_fit() -> None:
    bases = link_subspaces(40, 3, 4)
    stacked = torch.cat(list(bases), dim=1)
    torch.testing.assert_close(stacked.T @ stacked, torch.eye(12, dtype=torch.float64))
    with pytest.raises(ConfigError, match="do not fit"):
        link_subspaces(10, 3, 4)


def _partitions() -> tuple[Partition, Partition]:
    source = Partition.from_coalitions([list(range(k, k + 4)) for k in range(0, 40, 4)], "x", layer=0)
    target = Partition.from_coalitions([list(range(k, k + 4)) for k in range(0, 40, 4)], "x", layer=1)
    return source, target


def test_plant_links_changes_only_the_planted_players() -> None:
    model = tiny_model("llama", hidden=48, intermediate=40, layers=2)
    vmap = virtual_map(model, 0)
    source, target = _partitions()
    design = planted_design(10, 10, seed=1)
    planted = plant_links(vmap, source, target, design, 0.5)
    changed_columns = set(np.flatnonzero((planted.write != vmap.write).any(dim=0).numpy()))
    assert changed_columns == {i for p in design.sources() for i in source.coalitions[p]}
    for name in vmap.read:
        changed_rows = set(np.flatnonzero((planted.read[name] != vmap.read[name]).any(dim=1).numpy()))
        assert changed_rows == {j for q in design.targets() for j in target.coalitions[q]}


def test_planting_into_the_model_gives_the_planted_virtual_weights_and_restores_them() -> None:
    model = tiny_model("llama", hidden=48, intermediate=40, layers=2)
    source, target = _partitions()
    design = planted_design(10, 10, seed=2)
    before = virtual_map(model, 0)
    expected = plant_links(before, source, target, design, 0.3, seed=4)
    with planted_model(model, 0, source, target, design, 0.3, seed=4):
        inside = virtual_map(model, 0)
        torch.testing.assert_close(inside.magnitude(), expected.magnitude(), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(virtual_map(model, 0).magnitude(), before.magnitude(), rtol=0, atol=0)


def test_planted_events_and_links_are_counted_against_the_design() -> None:
    design = planted_design(12, 12, seed=5)
    assert planted_found(design, [*design.links, (0, 0)]) == (len(design.links), 0 if (0, 0) in design.links else 1)
    perfect = classify_links(np.ones((12, 12)), LinkThresholds(), set(design.links))
    assert planted_events_found(design, perfect) == len(design.events)
    (split,) = [p for p, kind in design.events.items() if kind == "split"]
    partial = classify_links(np.ones((12, 12)), LinkThresholds(), set(design.links) - {(split, design.sources()[split][0])})
    assert planted_events_found(design, partial) == len(design.events) - 1
