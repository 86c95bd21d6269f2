"""Interpretation: correlations with IR features on synthetic activations, top inputs, group activations."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hedonic.data import QueryDocPair, iter_batches
from hedonic.errors import ConfigError, DataError
from hedonic.evaluation.inference import benjamini_hochberg
from hedonic.meaning.interpretation import (
    alignment_summary,
    coalition_activations,
    feature_correlations,
    group_means,
    interpret,
    most_aligned,
    top_inputs,
)
from hedonic.stats import at_readout
from hedonic.testing import TINY_VOCAB, tiny_model


def _synthetic(count: int = 120, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Column 0 follows bm25 linearly, column 1 follows length monotonically (not linearly), column 2 is noise."""
    rng = np.random.default_rng(seed)
    bm25, length = rng.gamma(2.0, 2.0, count), rng.uniform(5, 50, count)
    activations = np.column_stack([0.5 * bm25 + rng.normal(0, 0.3, count), np.exp(length / 8.0), rng.normal(size=count)])
    return activations, {"bm25": bm25, "doc_length": length}


def test_a_known_relation_is_found_and_noise_is_not() -> None:
    activations, features = _synthetic()
    table = {(c.index, c.feature): c for c in feature_correlations(activations, features)}
    assert table[0, "bm25"].pearson_r > 0.9 and table[0, "bm25"].pearson_q < 1e-10
    assert table[1, "doc_length"].spearman_rho == pytest.approx(1.0) and table[1, "doc_length"].spearman_q < 1e-10
    assert table[1, "doc_length"].pearson_r < table[1, "doc_length"].spearman_rho
    for feature in features:
        assert table[2, feature].pearson_q > 0.05 and table[2, feature].spearman_q > 0.05
        assert abs(table[2, feature].pearson_r) < 0.25


def test_correlations_agree_with_scipy_and_bh_runs_over_all_tests() -> None:
    activations, features = _synthetic(count=40, seed=3)
    rows = feature_correlations(activations, features)
    for row in rows:
        x, y = activations[:, row.index], features[row.feature]
        assert row.pearson_r == pytest.approx(stats.pearsonr(x, y).statistic)
        assert row.pearson_p == pytest.approx(stats.pearsonr(x, y).pvalue)
        assert row.spearman_rho == pytest.approx(stats.spearmanr(x, y).statistic)
        assert row.spearman_p == pytest.approx(stats.spearmanr(x, y).pvalue)
    assert [r.pearson_q for r in rows] == pytest.approx(stats.false_discovery_control([r.pearson_p for r in rows]))
    assert [r.spearman_q for r in rows] == pytest.approx(stats.false_discovery_control([r.spearman_p for r in rows]))


def test_constant_inputs_are_undefined_and_left_out_of_the_adjustment() -> None:
    activations, features = _synthetic(count=30)
    activations[:, 2] = 0.0
    rows = feature_correlations(activations, features)
    dead = [r for r in rows if r.index == 2]
    assert all(r.pearson_r is None and r.pearson_q is None and r.spearman_rho is None for r in dead)
    alive = [r for r in rows if r.index != 2]
    assert [r.pearson_q for r in alive] == pytest.approx(stats.false_discovery_control([r.pearson_p for r in alive]))


def test_too_few_or_misaligned_inputs_are_refused() -> None:
    with pytest.raises(DataError, match="need"):
        feature_correlations(np.zeros((2, 1)), {"bm25": np.zeros(2)})
    with pytest.raises(DataError, match="feature values"):
        feature_correlations(np.zeros((5, 1)), {"bm25": np.zeros(4)})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=30))
def test_bh_never_lowers_a_p_value_and_keeps_their_order(p_values: list[float]) -> None:
    p = np.array(p_values)
    q = benjamini_hochberg(p)
    assert (q >= p - 1e-15).all() and (q <= 1.0).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-15).all()


def _pairs(count: int) -> list[QueryDocPair]:
    return [QueryDocPair(f"q{i}", f"d{i}", f"query {i}", f"a  long\n document number {i} " + "word " * 60) for i in range(count)]


def test_top_inputs_are_ordered_with_snippets() -> None:
    values = np.array([[0.1, 5.0], [0.7, 4.0], [0.3, 6.0], [0.7, -1.0]])
    top = top_inputs(values, _pairs(4), k=2, snippet_chars=30)
    assert [(t.index, t.rank, t.input_id) for t in top] == [(0, 0, "q1:d1"), (0, 1, "q3:d3"), (1, 0, "q2:d2"), (1, 1, "q0:d0")]
    assert top[0].snippet.startswith("a long document number 1") and top[0].snippet.endswith("…") and len(top[0].snippet) == 30
    assert top[0].activation == 0.7
    with pytest.raises(DataError, match="activation rows"):
        top_inputs(values, _pairs(3))
    with pytest.raises(ConfigError, match="k must be"):
        top_inputs(values, _pairs(4), k=0)


def test_most_aligned_and_the_alignment_summary() -> None:
    activations, features = _synthetic()
    rows = feature_correlations(activations, features)
    aligned = most_aligned(rows, count=2)
    assert aligned["bm25"][0] == 0 and aligned["doc_length"][0] == 1 and len(aligned["bm25"]) == 2
    summary = alignment_summary("hedonic", 0, rows)
    assert (summary.coalitions, summary.features, summary.tests) == (3, 2, 6)
    assert summary.significant == sum(1 for r in rows if r.pearson_q < 0.05) and summary.significant >= 2
    assert summary.significant_share == summary.significant / 6 and summary.mean_max_abs_r > 0.6


def test_interpret_needs_the_reference_and_summarises_every_set() -> None:
    activations, features = _synthetic(count=20)
    pairs = _pairs(20)
    result = interpret(
        {("hedonic", 0): activations, ("random", 0): activations[:, ::-1], ("random", 1): activations}, pairs, features, top_k=3
    )
    assert [(s.method, s.draw) for s in result.summaries] == [("hedonic", 0), ("random", 0), ("random", 1)]
    assert len(result.correlations) == 6 and len(result.top_inputs) == 9 and result.features == ("bm25", "doc_length")
    with pytest.raises(ConfigError, match="reference"):
        interpret({("random", 0): activations}, pairs, features)


@pytest.mark.parametrize("family", ["llama", "bert"])
def test_group_activations_are_member_means_at_the_readout_token(family: str) -> None:
    adapter = tiny_model(family, layers=2, intermediate=16, seed=1)
    words = TINY_VOCAB[5:]
    pairs = [QueryDocPair(f"q{i}", "d", " ".join(words[i : i + 2]), " ".join(words[i : i + 2 + i])) for i in range(5)]
    groups = [[0, 3, 5], [7], [15, 1]]
    values = coalition_activations(adapter, 1, iter_batches(adapter, pairs, 2), groups)
    batch = adapter.encode([p.query for p in pairs], [p.text for p in pairs])
    full = at_readout(adapter, adapter.neuron_activations(batch, [1])[1], batch.attention_mask).to(torch.float64).numpy()
    expected = np.column_stack([full[:, g].mean(axis=1) for g in groups])
    assert values.shape == (5, 3) and np.allclose(values, expected, atol=1e-5)
    with pytest.raises(ConfigError, match="outside"):
        coalition_activations(adapter, 1, iter_batches(adapter, pairs, 2), [[16]])


def test_group_means_average_the_members_columns() -> None:
    values = np.arange(12.0).reshape(3, 4)
    assert np.allclose(
        group_means(values, [[0, 2], [3], [1, 2, 3]]), np.column_stack([values[:, [0, 2]].mean(1), values[:, 3], values[:, 1:].mean(1)])
    )
    with pytest.raises(ConfigError, match="empty"):
        group_means(values, [[]])
