"""Synergy split into computation (norms frozen) and norm coupling: the parts add up and match plain ablations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.errors import ConfigError
from hedonic.evaluation import SynergyPlan, coalition_synergy, effect_table, evaluate_synergy, required_sets
from hedonic.evaluation.decomposition import Decomposition, decompose_partitions
from hedonic.game import Partition
from hedonic.layout import REFERENCE
from hedonic.models import ModelAdapter
from hedonic.testing import tiny_model

IDS = ["a", "b", "c"]
PLAN = SynergyPlan(("pair", "na", "pair_abs", "na_abs"), max_pairs=4, seed=2)


def engine_of(family: str) -> tuple[ModelAdapter, object, AblationEngine]:
    adapter = tiny_model(family, seed=0, layers=3, dtype=torch.float64)
    batch = adapter.encode(["read the file", "a list of code", "test"], ["open the file now", "the list", "true false"])
    return adapter, batch, AblationEngine(adapter, 1, batch)


def partitions() -> dict[str, Partition]:
    hedonic = Partition.from_labels(np.repeat(np.arange(8), 4), "h", layer=1)
    other = Partition.from_labels(np.arange(32) % 8, "o", layer=1)
    return {REFERENCE: hedonic, "other": other}


@pytest.mark.parametrize("family", ["llama", "bert"])
def test_the_parts_add_up_and_the_computation_is_the_frozen_plain_ablation(family: str) -> None:
    adapter, batch, engine = engine_of(family)
    coalitions = [[0, 1, 2, 3, 4], [5, 9]]
    total = evaluate_synergy(engine, coalitions, input_ids=IDS, readout="model", plan=PLAN)
    computation = evaluate_synergy(engine, coalitions, input_ids=IDS, readout="model", plan=PLAN, freeze_norms=True)
    parts = Decomposition(total, computation)
    for metric in ("pair", "na"):
        found = parts.parts(metric)
        np.testing.assert_array_equal(found["total"], found["computation"] + found["norm"])
        assert np.abs(found["norm"]).max() > 1e-6 * np.abs(found["total"]).max()
    sets = required_sets(coalitions, PLAN)
    _, delta = reference_effects(adapter, batch, 1, [list(s) for s in sets], readout="model", freeze_norms=True)
    table = effect_table(sets, delta)
    for got, coalition in zip(computation.coalitions, coalitions, strict=True):
        expected = coalition_synergy(coalition, table, PLAN)
        for name in PLAN.metrics:
            assert got.metrics[name] == pytest.approx(expected.metrics[name], rel=1e-8, abs=1e-13), name
    share = parts.norm_share("na")
    assert np.all((share >= 0) & (share <= 1))
    assert set(parts.summary()) == set(PLAN.metrics) and "norm_share" in parts.summary()["na"]
    assert "computation vs norm coupling" in parts._repr_html_() and len(parts.plot("na_abs").data) == 1


def test_the_local_readout_of_a_linear_head_is_all_norm_coupling() -> None:
    _, _, engine = engine_of("mistral")
    found = decompose_partitions(
        engine,
        partitions(),
        input_ids=IDS,
        readout="local",
        metrics=PLAN.metrics,
        max_pairs=4,
        size_range=(2, 8),
        n_resamples=20,
        n_permutations=20,
    )
    for decomposition in found.decompositions.values():
        for metric in ("pair", "na"):
            parts = decomposition.parts(metric)
            scale = np.abs(parts["total"]).max()
            assert scale > 0 and np.abs(parts["computation"]).max() <= 1e-12 * scale
            np.testing.assert_allclose(decomposition.norm_share(metric), 1.0)
    assert found.total.comparison.context["freeze_norms"] is False and found.computation.comparison.context["freeze_norms"] is True
    assert [c.neurons for c in found.total.synergy[REFERENCE].coalitions] == [
        c.neurons for c in found.computation.synergy[REFERENCE].coalitions
    ]


def test_a_decomposition_needs_the_same_coalitions_free_and_frozen() -> None:
    _, _, engine = engine_of("gpt2")
    free = evaluate_synergy(engine, [[0, 1, 2]], input_ids=IDS, plan=PLAN)
    frozen = evaluate_synergy(engine, [[0, 1, 3]], input_ids=IDS, plan=PLAN, freeze_norms=True)
    with pytest.raises(ConfigError, match="same coalitions"):
        Decomposition(free, frozen)
    with pytest.raises(ConfigError, match="same coalitions"):
        Decomposition(free, free)
    with pytest.raises(ConfigError, match="runs both settings"):
        decompose_partitions(engine, partitions(), input_ids=IDS, freeze_norms=True)
