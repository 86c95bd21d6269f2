"""nDCG@k and MRR against hand-computed values; candidate lists and their setup."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.data import QueryDocPair, query_groups
from hedonic.errors import ConfigError, DataError
from hedonic.meaning.ranking import RankingSetup, ndcg_at_k, ranking_quality, reciprocal_rank


def test_ndcg_against_a_hand_computed_value() -> None:
    labels = np.array([0.0, 1.0, 0.0, 2.0])
    scores = np.array([0.9, 0.2, 0.5, 0.1])  # ranking: d0 (0), d2 (0), d1 (1), d3 (2)
    dcg = 1 / math.log2(4) + 2 / math.log2(5)
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(scores, labels, k=10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(scores, labels, k=2) == pytest.approx(0.0)
    assert ndcg_at_k(scores, labels, k=3) == pytest.approx((1 / math.log2(4)) / ideal)


def test_perfect_and_reversed_rankings() -> None:
    labels = np.array([3.0, 2.0, 1.0, 0.0])
    assert ndcg_at_k(np.array([4.0, 3.0, 2.0, 1.0]), labels) == pytest.approx(1.0)
    assert ndcg_at_k(np.array([1.0, 2.0, 3.0, 4.0]), labels) < 1.0


def test_reciprocal_rank_and_its_cutoff() -> None:
    labels = np.array([0.0, 0.0, 1.0, 1.0])
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    assert reciprocal_rank(scores, labels) == pytest.approx(1 / 3)
    assert reciprocal_rank(scores, labels, k=2) == 0.0
    assert reciprocal_rank(scores, labels, k=3) == pytest.approx(1 / 3)


def test_no_relevant_candidate_is_undefined() -> None:
    labels = np.zeros(3)
    assert math.isnan(ndcg_at_k(np.arange(3.0), labels))
    assert math.isnan(reciprocal_rank(np.arange(3.0), labels))


def test_negative_labels_count_as_zero_and_ties_keep_list_order() -> None:
    labels = np.array([-1.0, 1.0])
    assert ndcg_at_k(np.array([0.0, 0.0]), labels) == pytest.approx(1 / math.log2(3))
    assert reciprocal_rank(np.array([0.0, 0.0]), np.array([1.0, 0.0])) == 1.0


def test_batched_scores_equal_one_vector_at_a_time() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 7).astype(float)
    labels[0] = 2.0
    scores = rng.normal(size=(5, 7))
    assert np.allclose(ndcg_at_k(scores, labels, k=3), [ndcg_at_k(row, labels, k=3) for row in scores])
    assert np.allclose(reciprocal_rank(scores, labels), [reciprocal_rank(row, labels) for row in scores])


def test_mismatched_shapes_and_bad_cutoff_are_refused() -> None:
    with pytest.raises(ConfigError, match="do not match"):
        ndcg_at_k(np.zeros(3), np.zeros(4))
    with pytest.raises(ConfigError, match="cutoff"):
        ndcg_at_k(np.zeros(3), np.ones(3), k=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=2, max_size=12),
    st.lists(st.integers(0, 3), min_size=2, max_size=12),
    st.integers(1, 12),
)
def test_ndcg_is_a_share_and_ignores_monotone_rescaling(scores: list[float], labels: list[int], k: int) -> None:
    m = min(len(scores), len(labels))
    s, rel = np.array(scores[:m]), np.array(labels[:m], dtype=float)
    value = ndcg_at_k(s, rel, k)
    if not (rel > 0).any():
        assert math.isnan(value)
        return
    assert -1e-12 <= value <= 1 + 1e-12
    assert ndcg_at_k(2 * s, rel, k) == pytest.approx(value)
    assert ndcg_at_k(rel + 0.0, rel, k) == pytest.approx(1.0)


def _pair(qid: str, docid: str, label: float | None, domain: str | None = None) -> QueryDocPair:
    return QueryDocPair(qid, docid, f"query {qid}", f"text {docid}", label, domain)


def test_query_groups_keep_first_appearance_order() -> None:
    pairs = [_pair("a", "1", 1), _pair("b", "1", 0), _pair("a", "2", 0), _pair("b", "2", 1)]
    groups = query_groups(pairs)
    assert [[p.pair_id for p in g] for g in groups] == [["a:1", "a:2"], ["b:1", "b:2"]]
    with pytest.raises(DataError, match="twice"):
        query_groups([_pair("a", "1", 1), _pair("a", "1", 0)])


def test_setup_and_per_query_quality() -> None:
    groups = [(_pair("a", "1", 0), _pair("a", "2", 1)), (_pair("b", "1", 0), _pair("b", "2", 0), _pair("b", "3", 0))]
    setup = RankingSetup.of(groups)
    assert setup.query_index.tolist() == [0, 0, 1, 1, 1] and setup.ranked.tolist() == [True, False]
    scores = np.array([[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]])
    ndcg, rr = ranking_quality(scores, setup)
    assert ndcg[:, 0] == pytest.approx([1 / math.log2(3), 1.0]) and rr[:, 0] == pytest.approx([0.5, 1.0])
    assert np.isnan(ndcg[:, 1]).all() and np.isnan(rr[:, 1]).all()
    with pytest.raises(ConfigError, match="scores per vector"):
        ranking_quality(np.zeros((1, 4)), setup)


def test_unlabelled_pairs_are_refused() -> None:
    with pytest.raises(DataError, match="no label"):
        RankingSetup.of([(_pair("a", "1", None), _pair("a", "2", 1))])
    with pytest.raises(DataError, match="candidate list"):
        RankingSetup.of([])


def test_setup_from_pairs_in_any_order() -> None:
    pairs = [_pair("b", "1", 0), _pair("a", "1", 1), _pair("b", "2", 0), _pair("a", "2", 0), _pair("a", "1", 1, "other")]
    setup = RankingSetup.from_pairs(pairs)
    assert setup.query_ids == ("b", "a", "a") and setup.query_index.tolist() == [0, 1, 0, 1, 2]
    assert setup.ranked.tolist() == [False, True, True] and setup.labels.tolist() == [0, 1, 0, 0, 1]
    scores = np.array([[0.0, 1.0, 0.0, 2.0, 5.0]])
    ndcg, rr = ranking_quality(scores, setup)
    assert rr[0, 1] == pytest.approx(0.5) and ndcg[0, 2] == pytest.approx(1.0) and np.isnan(ndcg[0, 0])
    with pytest.raises(DataError, match="candidate list"):
        RankingSetup.from_pairs([])
