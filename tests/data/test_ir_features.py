"""IR features against values computed by hand, and the matrix BM25 against the per-pair one."""

from __future__ import annotations

from math import log

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.data import (
    FEATURE_NAMES,
    CorpusStats,
    QueryDocPair,
    bm25_scores,
    collection_stats,
    corpus_stats,
    ir_features,
    terms,
)
from hedonic.errors import ConfigError, DataError

D1 = "The cat sat on the mat."  # the cat sat on the mat: 6 tokens
D2 = "A dog; a cat!"  # a dog a cat: 4 tokens
QUERY = "Cat, the DOG?"  # distinct terms {cat, dog, the}
PAIRS = [QueryDocPair("q", "d1", QUERY, D1), QueryDocPair("q", "d2", QUERY, D2), QueryDocPair("r", "d1", "cat cat", D1)]


def test_tokenisation() -> None:
    assert terms("Don't stop_me NOW: 3.14 Café") == ["don", "t", "stop_me", "now", "3", "14", "café"]
    assert terms(" -- ") == []


def test_collection_statistics_by_hand() -> None:
    stats = collection_stats(PAIRS)  # d1 appears twice but counts once
    assert stats.num_documents == 2
    assert stats.average_length == 5.0
    assert stats.document_frequency == {"the": 1, "cat": 2, "sat": 1, "on": 1, "mat": 1, "a": 1, "dog": 1}
    assert stats.idf("cat") == pytest.approx(log(1 + 0.5 / 2.5))
    assert stats.idf("unseen") == pytest.approx(log(1 + 2.5 / 0.5))


def test_features_by_hand() -> None:
    features = ir_features(PAIRS)  # k1 = 1.2, b = 0.75, statistics of {d1, d2}
    idf_cat, idf_the, idf_dog = log(1 + 0.5 / 2.5), log(1 + 1.5 / 1.5), log(1 + 1.5 / 1.5)
    norm_d1 = 1.2 * (1 - 0.75 + 0.75 * 6 / 5)
    norm_d2 = 1.2 * (1 - 0.75 + 0.75 * 4 / 5)
    expected = {
        # d1: cat ×1, the ×2, dog ×0;  d2: cat ×1, dog ×1, the ×0;  query "cat cat" vs d1: cat ×1
        "cqtr": [2 / 3, 2 / 3, 1.0],
        "mean_tf_l": [(1 + 2 + 0) / 3 / 6, (1 + 1 + 0) / 3 / 4, 1 / 6],
        "bm25": [
            idf_cat * 1 * 2.2 / (1 + norm_d1) + idf_the * 2 * 2.2 / (2 + norm_d1),
            idf_cat * 1 * 2.2 / (1 + norm_d2) + idf_dog * 1 * 2.2 / (1 + norm_d2),
            idf_cat * 1 * 2.2 / (1 + norm_d1),
        ],
        "query_length": [3, 3, 2],
        "doc_length": [6, 4, 6],
    }
    for name in FEATURE_NAMES:
        values = features.as_dict()[name]
        assert values.dtype == np.float64 and values.shape == (3,)
        np.testing.assert_allclose(values, expected[name], rtol=1e-12, err_msg=name)
    assert len(features) == 3 and (features.bm25_k1, features.bm25_b) == (1.2, 0.75)


def test_bm25_parameters_and_given_statistics() -> None:
    stats = CorpusStats(num_documents=10, average_length=3.0, document_frequency={"cat": 1, "the": 9})
    features = ir_features(PAIRS[:1], k1=0.0, b=0.3, stats=stats)  # k1 = 0: BM25 = Σ idf of present terms
    assert features.bm25[0] == pytest.approx(log(1 + 9.5 / 1.5) + log(1 + 1.5 / 9.5))
    features = ir_features(PAIRS[:1], k1=2.0, b=0.0, stats=stats)  # b = 0: no length normalisation
    assert features.bm25[0] == pytest.approx(log(1 + 9.5 / 1.5) * 3 / 3 + log(1 + 1.5 / 9.5) * 2 * 3 / 4)


def test_bad_inputs() -> None:
    with pytest.raises(DataError, match="no pairs"):
        ir_features([])
    with pytest.raises(DataError, match=r"pair q:d1: the query holds no word token"):
        ir_features([QueryDocPair("q", "d1", "?!", D1)])
    with pytest.raises(DataError, match=r"pair q:d1: the text holds no word token"):
        ir_features([QueryDocPair("q", "d1", "cat", "...")], stats=corpus_stats([D1]))
    with pytest.raises(ConfigError, match="k1"):
        ir_features(PAIRS, k1=-1.0)
    with pytest.raises(ConfigError, match="b must be in"):
        ir_features(PAIRS, b=1.5)
    with pytest.raises(DataError, match="no document or no token"):
        corpus_stats(["", "!"])


WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "the", "of"])
TEXTS = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=30, deadline=None)
@given(queries=st.lists(TEXTS, min_size=1, max_size=3), documents=st.lists(TEXTS, min_size=1, max_size=4))
def test_matrix_bm25_equals_per_pair_bm25(queries: list[str], documents: list[str]) -> None:
    stats = corpus_stats(documents)
    matrix = bm25_scores(queries, documents, stats, k1=0.9, b=0.4)
    pairs = [QueryDocPair(f"q{i}", f"d{j}", q, d) for i, q in enumerate(queries) for j, d in enumerate(documents)]
    per_pair = ir_features(pairs, k1=0.9, b=0.4, stats=stats).bm25
    np.testing.assert_allclose(matrix.ravel(), per_pair, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(query=TEXTS, document=TEXTS)
def test_feature_ranges(query: str, document: str) -> None:
    features = ir_features([QueryDocPair("q", "d", query, document)])
    assert 0.0 <= features.cqtr[0] <= 1.0
    assert 0.0 <= features.mean_tf_l[0] <= 1.0
    assert features.bm25[0] >= 0.0
    assert (features.cqtr[0] == 0.0) == (features.bm25[0] == 0.0)
