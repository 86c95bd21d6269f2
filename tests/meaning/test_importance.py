"""Functional importance: a planted group that carries the logit matters more than random groups."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.data import QueryDocPair, iter_batches
from hedonic.errors import ConfigError
from hedonic.meaning.importance import (
    IMPORTANCE_METRICS,
    NULL_METHOD,
    ImportanceResult,
    functional_importance,
    importance_comparison,
    matched_random_groups,
    method_groups,
    null_contrasts,
)
from hedonic.meaning.ranking import RankingSetup, ranking_quality
from hedonic.models import ModelAdapter
from hedonic.testing import TINY_VOCAB, tiny_model

LAYER = 1
PLANTED = (3, 9, 17, 25)
WORDS = TINY_VOCAB[5:]


def _candidates(queries: int = 6, per_query: int = 4, seed: int = 0) -> list[tuple[QueryDocPair, ...]]:
    rng = np.random.default_rng(seed)
    groups = []
    for q in range(queries):
        query = " ".join(rng.choice(WORDS, 3))
        groups.append(
            tuple(
                QueryDocPair(f"q{q}", f"d{d}", query, " ".join(rng.choice(WORDS, 6)), float(d == q % per_query)) for d in range(per_query)
            )
        )
    return groups


def _planted_model() -> ModelAdapter:
    """A tiny GPT-NeoX whose neurons PLANTED fire ≈ gelu(3) on every token and write along the score direction."""
    adapter = tiny_model("gpt_neox", layers=2, intermediate=32, seed=0)
    fc = adapter.in_projs(LAYER)["fc"]
    head = adapter.model.get_submodule(adapter.family.head).weight[0]
    norm = adapter.readout_norm(LAYER).weight
    direction = head * norm
    with torch.no_grad():
        fc.weight[list(PLANTED)] *= 0.05
        fc.bias[list(PLANTED)] = 3.0
        adapter.out_proj(LAYER).weight[:, list(PLANTED)] = (2.0 * direction / direction.norm())[:, None]
    return adapter


@pytest.fixture(scope="module")
def planted() -> tuple[ModelAdapter, AblationEngine, RankingSetup, list[tuple[QueryDocPair, ...]]]:
    adapter = _planted_model()
    groups = _candidates()
    pairs = [pair for group in groups for pair in group]
    engine = AblationEngine(adapter, LAYER, list(iter_batches(adapter, pairs, 8)))
    return adapter, engine, RankingSetup.of(groups), groups


def test_matched_random_groups_have_the_sizes_and_are_reproducible() -> None:
    groups = matched_random_groups(range(40), [5, 3, 3, 2], 3, seed=7)
    assert [g.size for g in groups] == [5, 3, 3, 2] * 3 and [g.draw for g in groups] == [0] * 4 + [1] * 4 + [2] * 4
    for draw in range(3):
        members = [i for g in groups if g.draw == draw for i in g.neurons]
        assert len(set(members)) == len(members)
    again = matched_random_groups(range(40), [5, 3, 3, 2], 1, seed=7)
    assert again == groups[:4]
    assert matched_random_groups(range(40), [5, 3, 3, 2], 1, seed=8) != again
    with pytest.raises(ConfigError, match="cannot be cut"):
        matched_random_groups(range(10), [6, 5], 1)


def test_method_groups_validate() -> None:
    assert method_groups("x", [[3, 1], [2]])[0].neurons == (1, 3)
    with pytest.raises(ConfigError, match="repeats"):
        method_groups("x", [[1, 1]])


def test_the_planted_group_lowers_the_score_more_than_random_groups(planted) -> None:
    adapter, engine, setup, _ = planted
    groups = method_groups("hedonic", [PLANTED, (0, 1, 2, 4)]) + matched_random_groups(
        [i for i in range(32) if i not in PLANTED], [4, 4], 8, seed=1
    )
    result = functional_importance(engine, groups, setup)
    hedonic = result.values("hedonic", "score_drop")
    random = result.values(NULL_METHOD, "score_drop")
    assert hedonic[0] > 0 and hedonic[0] > random.max() + 1.0
    verdict = {(c.index, c.metric): c for c in null_contrasts(result) if c.method == "hedonic"}
    assert verdict[0, "score_drop"].percentile == 1.0 and verdict[0, "score_drop"].null_count == 16
    assert verdict[0, "score_drop_abs"].percentile == 1.0


def test_ranking_drops_match_a_forward_per_set(planted) -> None:
    adapter, engine, setup, groups = planted
    sets = [PLANTED, (0, 1, 2, 4, 5, 6)]
    result = functional_importance(engine, method_groups("hedonic", sets), setup, k=3)
    pairs = [pair for group in groups for pair in group]
    batch = adapter.encode([p.query for p in pairs], [p.text for p in pairs])
    clean, delta = reference_effects(adapter, batch, LAYER, [list(s) for s in sets], readout="model")
    ndcg_clean, rr_clean = ranking_quality(clean[None, :], setup, k=3)
    ndcg, rr = ranking_quality(clean[None, :] - delta, setup, k=3)
    for position, row in enumerate(result.of("hedonic")):
        assert row.score_drop == pytest.approx(delta[position].mean(), abs=1e-5)
        assert row.ndcg_drop == pytest.approx(np.nanmean(ndcg_clean[0] - ndcg[position]), abs=1e-9)
        assert row.mrr_drop == pytest.approx(np.nanmean(rr_clean[0] - rr[position]), abs=1e-9)
    assert result.clean_ndcg == pytest.approx(np.nanmean(ndcg_clean)) and result.num_ranked == 6
    assert result.clean_score == pytest.approx(clean.mean(), abs=1e-5)


def test_comparison_covers_every_method_and_metric(planted) -> None:
    _, engine, setup, _ = planted
    groups = (
        method_groups("hedonic", [PLANTED, (0, 1), (5, 6, 7)])
        + method_groups("kmeans", [(10, 11, 12, 13), (14, 15), (16, 18, 19)])
        + matched_random_groups(range(32), [4, 2, 3], 2, seed=0)
    )
    result = functional_importance(engine, groups, setup, readout="local")
    assert result.methods == ("hedonic", "kmeans", NULL_METHOD) and result.readout == "local"
    comparison = importance_comparison(result, n_resamples=50, n_permutations=50)
    assert comparison.methods == ("hedonic", "kmeans", NULL_METHOD) and comparison.metrics == IMPORTANCE_METRICS
    assert comparison.summary(NULL_METHOD, "score_drop").count == 6 and comparison.size_range == (2, 4)
    assert comparison.summary("hedonic", "ndcg_drop").mean == pytest.approx(np.mean(result.values("hedonic", "ndcg_drop")))


def test_mismatched_engine_and_empty_groups_are_refused(planted) -> None:
    _, engine, _, groups = planted
    with pytest.raises(ConfigError, match="candidate lists"):
        functional_importance(engine, method_groups("hedonic", [PLANTED]), RankingSetup.of(groups[:2]))
    with pytest.raises(ConfigError, match="no neuron group"):
        functional_importance(engine, [], RankingSetup.of(groups))


def test_null_contrasts_without_random_groups_are_undefined() -> None:
    result = ImportanceResult("model", "zero", 10, None, 4, 2, 2, 0.0, 1.0, 1.0, tuple())
    assert null_contrasts(result) == []
