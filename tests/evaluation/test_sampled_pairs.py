"""The metrics decide the sets: only what is asked is ablated; pairs beyond ``max_pairs`` are sampled, with a standard error."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine
from hedonic.errors import ConfigError
from hedonic.evaluation import SynergyPlan, coalition_synergy, effect_table, evaluate_synergy, required_sets
from hedonic.evaluation.significance import prefix_metrics, prefix_pairs
from hedonic.evaluation.synergy import pair_standard_error
from hedonic.testing import tiny_model
from tests.evaluation.test_significance import PairwiseGame


class CountingEngine:
    """Wraps an engine and records every set it is asked to ablate."""

    def __init__(self, engine: AblationEngine) -> None:
        self.engine = engine
        self.asked: list[tuple[int, ...]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def effects(self, sets: list[tuple[int, ...]], readout: str = "local", **options: bool) -> object:
        self.asked.extend(tuple(s) for s in sets)
        return self.engine.effects(sets, readout, **options)


@pytest.fixture(scope="module")
def engine() -> AblationEngine:
    adapter = tiny_model("mistral", seed=1, layers=3, intermediate=48, dtype=torch.float64)
    batch = adapter.encode(["read the file", "a list of code", "test it", "none"], ["open the file now", "the list", "true false", "a b c"])
    return AblationEngine(adapter, 1, batch)


IDS = ["a", "b", "c", "d"]


def test_na_alone_ablates_the_singles_and_the_whole_coalition(engine: AblationEngine) -> None:
    counting = CountingEngine(engine)
    coalitions = [list(range(0, 32)), [40, 41, 42]]
    result = evaluate_synergy(counting, coalitions, input_ids=IDS, plan=SynergyPlan(("na", "na_abs")))  # type: ignore[arg-type]
    assert len(counting.asked) == 32 + 1 + 3 + 1
    assert sorted(counting.asked) == sorted([(i,) for c in coalitions for i in c] + [tuple(c) for c in coalitions])
    assert result.metrics == ("na", "na_abs") and result.coalitions[0].pairs == () and np.isfinite(result.metric("na")).all()
    with pytest.raises(ConfigError, match="was not measured"):
        result.metric("pair")


def test_excess_alone_ablates_the_leave_one_out_sets(engine: AblationEngine) -> None:
    counting = CountingEngine(engine)
    evaluate_synergy(counting, [[1, 2, 3, 4, 5]], input_ids=IDS, plan=SynergyPlan(("excess",)))  # type: ignore[arg-type]
    assert sorted(counting.asked) == sorted([(i,) for i in range(1, 6)] + [(1, 2, 3, 4, 5)] + list(combinations(range(1, 6), 4)))


def test_pairs_beyond_max_pairs_are_a_seeded_uniform_sample() -> None:
    members = tuple(range(10, 30))
    plan = SynergyPlan(("pair",), max_pairs=25, seed=3)
    chosen = plan.pairs_of(members)
    assert len(chosen) == 25 and len(set(chosen)) == 25 and list(chosen) == sorted(chosen)
    assert set(chosen) <= set(combinations(members, 2))
    assert chosen == SynergyPlan(("pair",), max_pairs=25, seed=3).pairs_of(members)
    assert chosen != SynergyPlan(("pair",), max_pairs=25, seed=4).pairs_of(members)
    assert SynergyPlan(("pair",), max_pairs=190).pairs_of(members) == tuple(combinations(members, 2))
    counts = np.zeros(190)
    index = {pair: k for k, pair in enumerate(combinations(members, 2))}
    for seed in range(400):
        for pair in SynergyPlan(("pair",), max_pairs=25, seed=seed).pairs_of(members):
            counts[index[pair]] += 1
    expected = 400 * 25 / 190
    assert np.abs(counts - expected).max() < 5 * np.sqrt(expected)  # every pair equally likely


def test_the_standard_error_has_the_finite_population_correction() -> None:
    values = np.array([1.0, 2.0, 4.0, 7.0])
    assert pair_standard_error(values, 4) == 0.0
    assert pair_standard_error(values, 10) == pytest.approx(np.sqrt((1 - 4 / 10) * values.var(ddof=1) / 4))
    assert np.isnan(pair_standard_error(np.zeros(0), 10))


def test_sampled_pair_agrees_with_the_full_one_within_its_standard_error(engine: AblationEngine) -> None:
    """Over 100 samples: unbiased, and the mean squared error equals the mean squared standard error."""
    rng = np.random.default_rng(0)
    coalitions = [sorted(rng.choice(48, size=14, replace=False).tolist()) for _ in range(4)]
    full = evaluate_synergy(engine, coalitions, input_ids=IDS, plan=SynergyPlan(("pair", "pair_abs"), max_pairs=None))
    assert not np.any(full.standard_errors("pair"))
    runs = [
        evaluate_synergy(engine, coalitions, input_ids=IDS, plan=SynergyPlan(("pair", "pair_abs"), max_pairs=20, seed=seed))
        for seed in range(100)
    ]
    assert all(c.sampled and len(c.pairs) == 20 for c in runs[0].coalitions)
    for metric in ("pair", "pair_abs"):
        errors = np.array([run.metric(metric) for run in runs]) - full.metric(metric)
        se = np.array([run.standard_errors(metric) for run in runs])
        ratio = (errors**2).mean(axis=0) / (se**2).mean(axis=0)
        assert np.all((ratio > 0.6) & (ratio < 1.6)), (metric, ratio)
        assert np.all(np.abs(errors.mean(axis=0)) < 4 * errors.std(axis=0) / np.sqrt(len(runs))), metric
        assert np.abs(errors).max() > 0


def test_ratio_from_sampled_pairs_scales_the_sample_to_every_pair() -> None:
    game = PairwiseGame(seed=2)
    members = tuple(range(12))
    plan = SynergyPlan(("pair", "ratio", "ratio_abs", "pair_abs"), max_pairs=10, seed=1)
    table = effect_table(required_sets([members], plan), game(required_sets([members], plan)))
    found = coalition_synergy(members, table, plan)
    assert found.metrics["ratio"] == pytest.approx(66 * found.psi.mean() / found.single.sum())
    assert found.metrics["ratio_abs"] == pytest.approx(66 * found.psi_abs.mean() / found.single_abs.sum())


def test_random_groups_are_scored_on_the_same_kind_of_pair_sample() -> None:
    game = PairwiseGame(seed=3)
    rows = np.array([np.random.default_rng(k).permutation(120)[:16] for k in range(3)])
    positions, scored = prefix_pairs([4, 16], 30, seed=7)
    assert len(scored[4]) == 6 and len(scored[16]) == 30
    found = prefix_metrics(game, rows, [4, 16], ("pair", "na"), max_pairs=30, seed=7)
    for r, row in enumerate(rows):
        pairs = [(int(row[a]), int(row[b])) for a, b in positions[scored[16]]]
        psi = [game([tuple(sorted(p))])[0] - game([(p[0],)])[0] - game([(p[1],)])[0] for p in pairs]
        assert found[r, 1, 0] == pytest.approx(np.mean(psi))
        whole = game([tuple(sorted(row.tolist()))])[0] - game([(int(i),) for i in row]).sum(axis=0)
        assert found[r, 1, 1] == pytest.approx(whole.mean())
    asked: list[tuple[int, ...]] = []
    na_only = prefix_metrics(lambda sets: asked.extend(sets) or game(sets), rows, [4, 16], ("na",), inputs=40, max_pairs=30)
    np.testing.assert_allclose(na_only[:, :, 0], found[:, :, 1])
    assert sorted(len(s) for s in asked) == [1] * len(set(rows.ravel().tolist())) + [4] * 3 + [16] * 3
