"""Ranking quality of a reranker's scores over per-query candidate lists: nDCG@k and MRR.

Conventions (those of ``trec_eval``): candidates are ranked by decreasing score, ties broken by
their order in the list (a stable sort); the gain of a candidate is its graded relevance label,
negative labels counting as 0; DCG@k = Σ_{r=1..k} gain_r / log2(r + 1); nDCG@k = DCG@k / IDCG@k
with IDCG@k the DCG@k of the candidates sorted by label. The reciprocal rank is 1/r for the first
candidate with a label > 0 within the first ``k`` ranks (all ranks when ``k`` is None), else 0.
Both are undefined (NaN) for a query without any candidate of label > 0; means over queries skip
such queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hedonic.data import QueryDocPair, label_array
from hedonic.errors import ConfigError, DataError

DEFAULT_CUTOFF = 10
"""k of nDCG@k."""


def ndcg_at_k(scores: np.ndarray, labels: np.ndarray, k: int = DEFAULT_CUTOFF) -> np.ndarray:
    """nDCG@k of one query's candidates under each score vector: scores (..., m), labels (m,) → (...).

    float64; NaN when no label is > 0. See the module docstring for the conventions.
    """
    gains, order = _ranked_gains(scores, labels, k)
    discount = 1.0 / np.log2(np.arange(2, gains.shape[-1] + 2))
    ideal = float((np.sort(np.clip(labels, 0.0, None))[::-1][: gains.shape[-1]] * discount).sum())
    if ideal == 0.0:
        return np.full(order.shape[:-1], np.nan)
    return (gains * discount).sum(axis=-1) / ideal


def reciprocal_rank(scores: np.ndarray, labels: np.ndarray, k: int | None = None) -> np.ndarray:
    """1 / rank of the first relevant candidate (label > 0) within the first ``k``, else 0: scores (..., m), labels (m,) → (...).

    float64; NaN when no label is > 0.
    """
    gains, order = _ranked_gains(scores, labels, k)
    if not (np.asarray(labels) > 0).any():
        return np.full(order.shape[:-1], np.nan)
    relevant = gains > 0
    first = relevant.argmax(axis=-1)
    return np.where(relevant.any(axis=-1), 1.0 / (first + 1.0), 0.0)


def _ranked_gains(scores: np.ndarray, labels: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(gains of the first k ranks (..., min(k, m)), full ranking (..., m)) under each score vector."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if labels.ndim != 1 or scores.shape[-1:] != labels.shape:
        raise ConfigError(
            f"scores of shape {scores.shape} do not match {labels.shape[0] if labels.ndim else 0} labels",
            hint="pass scores (..., m) for the m labelled candidates of one query",
        )
    if k is not None and k < 1:
        raise ConfigError(f"rank cutoff must be ≥ 1, got {k}", hint="e.g. k=10")
    order = np.argsort(-scores, axis=-1, kind="stable")
    gains = np.clip(labels, 0.0, None)[order][..., : (None if k is None else k)]
    return gains, order


@dataclass(frozen=True)
class RankingSetup:
    """How X inputs form Q candidate lists: ``query_index`` (X,) int64 list of each input, ``labels`` (X,) float64.

    ``query_ids`` (Q,) names the lists; ``ranked`` (Q,) bool marks the lists with a relevant
    candidate (label > 0), the only ones whose nDCG and MRR are defined.
    """

    query_ids: tuple[str, ...]
    query_index: np.ndarray
    labels: np.ndarray
    ranked: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Sequence[QueryDocPair]]) -> RankingSetup:
        """The setup of candidate lists ``groups`` (inputs = the lists concatenated in order).

        Raises :class:`DataError` when a pair has no label (attach qrels first) or a list is empty.
        """
        if not groups or any(len(group) == 0 for group in groups):
            raise DataError("no candidate list, or an empty one", hint="pass at least one query with candidates")
        return cls.from_pairs([pair for group in groups for pair in group])

    @classmethod
    def from_pairs(cls, pairs: Sequence[QueryDocPair]) -> RankingSetup:
        """The setup of inputs ``pairs`` in any order: a list per (domain, qid), in order of first appearance.

        Raises :class:`DataError` when there is no pair or a pair has no label.
        """
        if not pairs:
            raise DataError("no candidate list, or an empty one", hint="pass at least one query with candidates")
        labels = label_array(pairs)
        keys = [(pair.domain, pair.qid) for pair in pairs]
        position = {key: index for index, key in enumerate(dict.fromkeys(keys))}
        query_index = np.array([position[key] for key in keys], dtype=np.int64)
        ranked = np.zeros(len(position), dtype=bool)
        np.logical_or.at(ranked, query_index, labels > 0)
        return cls(tuple(qid for _, qid in position), query_index, labels, ranked)

    @property
    def num_queries(self) -> int:
        """Number of candidate lists Q."""
        return len(self.query_ids)


def ranking_quality(
    scores: np.ndarray, setup: RankingSetup, *, k: int = DEFAULT_CUTOFF, mrr_cutoff: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-query nDCG@k and reciprocal rank of each score vector: scores (K, X) → two (K, Q) float64.

    Columns of unranked queries (no relevant candidate) are NaN.
    """
    scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if scores.shape[1] != setup.query_index.shape[0]:
        raise ConfigError(
            f"{scores.shape[1]} scores per vector for {setup.query_index.shape[0]} inputs",
            hint="pass one score per input, in candidate-list order",
        )
    ndcg = np.full((scores.shape[0], setup.num_queries), np.nan)
    rr = np.full_like(ndcg, np.nan)
    for query in np.flatnonzero(setup.ranked):
        columns = np.flatnonzero(setup.query_index == query)
        ndcg[:, query] = ndcg_at_k(scores[:, columns], setup.labels[columns], k)
        rr[:, query] = reciprocal_rank(scores[:, columns], setup.labels[columns], mrr_cutoff)
    return ndcg, rr
