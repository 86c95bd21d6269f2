"""Classic IR features of query-document pairs, computed exactly per pair (spec §8).

Tokenisation (:func:`terms`): lower-case the text, then take the maximal runs of word characters
(regex ``\\w+``: Unicode letters, digits and the underscore); everything else separates tokens.
Query terms are the DISTINCT tokens of the query; tf(t, d) counts the tokens of d equal to t and
|d| is the number of tokens of d.

- CQTR (covered query term ratio): |{t ∈ q : tf(t, d) > 0}| / |q|, in [0, 1].
- mean tf/l: (1/|q|) Σ_{t ∈ q} tf(t, d) / |d|.
- BM25 (Robertson, with Lucene's non-negative idf), over the distinct query terms:
  Σ_{t ∈ q} idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·|d|/avgdl)), with
  idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5)), N the number of documents of the collection,
  df(t) the number of them holding t, avgdl their mean length in tokens.
- query length |q_tokens| and document length |d| in tokens (all tokens, repeats included).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from hedonic.errors import ConfigError, DataError

if TYPE_CHECKING:
    from hedonic.data.pairs import QueryDocPair

WORD_PATTERN = re.compile(r"\w+")
"""A token is a maximal run of word characters of the lower-cased text."""

FEATURE_NAMES = ("cqtr", "mean_tf_l", "bm25", "query_length", "doc_length")
"""Names of the features in :class:`IRFeatures`, in field order."""


def terms(text: str) -> list[str]:
    """The tokens of ``text`` in order: lower-cased maximal ``\\w+`` runs."""
    return WORD_PATTERN.findall(text.lower())


@dataclass(frozen=True)
class CorpusStats:
    """Collection statistics for BM25: N documents, their mean length (tokens) and document frequencies."""

    num_documents: int
    average_length: float
    document_frequency: Mapping[str, int]

    def idf(self, term: str) -> float:
        """ln(1 + (N − df + 0.5)/(df + 0.5)) of ``term`` (df = 0 for a term outside the collection)."""
        return float(bm25_idf(np.float64(self.document_frequency.get(term, 0)), self.num_documents))


def corpus_stats(documents: Iterable[str]) -> CorpusStats:
    """Statistics of a collection of document texts (each text counted once, as given).

    Raises :class:`DataError` for an empty collection or one without any token.
    """
    frequency: Counter[str] = Counter()
    count = 0
    total = 0
    for text in documents:
        tokens = terms(text)
        frequency.update(set(tokens))
        total += len(tokens)
        count += 1
    if count == 0 or total == 0:
        raise DataError(
            "cannot compute corpus statistics: the collection has no document or no token",
            hint="pass at least one document with words in it",
        )
    return CorpusStats(count, total / count, dict(frequency))


def collection_stats(pairs: Iterable[QueryDocPair]) -> CorpusStats:
    """:func:`corpus_stats` of the distinct documents (by docid, first text seen) among ``pairs``."""
    documents: dict[str, str] = {}
    for pair in pairs:
        documents.setdefault(pair.docid, pair.text)
    return corpus_stats(documents.values())


def bm25_idf(document_frequency: np.ndarray | np.float64, num_documents: int) -> np.ndarray:
    """Lucene's BM25 idf ln(1 + (N − df + 0.5)/(df + 0.5)), elementwise over ``document_frequency``."""
    df = np.asarray(document_frequency, dtype=np.float64)
    return np.log1p((num_documents - df + 0.5) / (df + 0.5))


def bm25_term_weight(
    term_frequency: np.ndarray,
    document_length: np.ndarray | float,
    idf: np.ndarray,
    average_length: float,
    k1: float,
    b: float,
) -> np.ndarray:
    """idf · tf·(k1 + 1) / (tf + k1·(1 − b + b·|d|/avgdl)), elementwise (float64, broadcasting).

    A term absent from the document (tf = 0) weighs 0, also when k1 = 0.
    """
    tf, length, weight = np.broadcast_arrays(
        np.asarray(term_frequency, dtype=np.float64),
        np.asarray(document_length, dtype=np.float64),
        np.asarray(idf, dtype=np.float64),
    )
    denominator = tf + k1 * (1.0 - b + b * length / average_length)
    return np.divide(weight * tf * (k1 + 1.0), denominator, out=np.zeros(tf.shape), where=tf > 0)


@dataclass(frozen=True, eq=False)
class IRFeatures:
    """Per-pair IR features, each a float64 array (pairs,) aligned with the input pairs.

    See the module docstring for the definitions; ``bm25_k1`` and ``bm25_b`` record the BM25
    parameters used.
    """

    cqtr: np.ndarray
    mean_tf_l: np.ndarray
    bm25: np.ndarray
    query_length: np.ndarray
    doc_length: np.ndarray
    bm25_k1: float
    bm25_b: float

    def __len__(self) -> int:
        return int(self.cqtr.shape[0])

    def as_dict(self) -> dict[str, np.ndarray]:
        """Feature name (:data:`FEATURE_NAMES`) → array (pairs,)."""
        return {name: getattr(self, name) for name in FEATURE_NAMES}


def ir_features(pairs: Sequence[QueryDocPair], *, k1: float = 1.2, b: float = 0.75, stats: CorpusStats | None = None) -> IRFeatures:
    """IR features of every pair (see the module docstring), as float64 arrays (pairs,).

    ``stats``: BM25 collection statistics; None computes them from the distinct documents among
    ``pairs`` (:func:`collection_stats`). Raises :class:`DataError` for an empty list or a pair
    whose query or text holds no token, :class:`ConfigError` for k1 < 0 or b outside [0, 1].
    """
    _check_bm25_parameters(k1, b)
    if not pairs:
        raise DataError("no pairs to compute IR features for", hint="pass at least one query-document pair")
    collection = collection_stats(pairs) if stats is None else stats
    values = np.zeros((len(FEATURE_NAMES), len(pairs)), dtype=np.float64)
    for column, pair in enumerate(pairs):
        query_tokens, doc_tokens = terms(pair.query), terms(pair.text)
        if not query_tokens or not doc_tokens:
            side = "query" if not query_tokens else "text"
            raise DataError(
                f"pair {pair.pair_id}: the {side} holds no word token, its IR features are undefined",
                hint="drop pairs whose query or text has no letters or digits",
            )
        unique = sorted(set(query_tokens))
        counts = Counter(doc_tokens)
        tf = np.array([counts[t] for t in unique], dtype=np.float64)
        idf = bm25_idf(np.array([collection.document_frequency.get(t, 0) for t in unique]), collection.num_documents)
        values[:, column] = (
            np.mean(tf > 0),
            np.mean(tf) / len(doc_tokens),
            bm25_term_weight(tf, len(doc_tokens), idf, collection.average_length, k1, b).sum(),
            len(query_tokens),
            len(doc_tokens),
        )
    cqtr, mean_tf_l, bm25, query_length, doc_length = values
    return IRFeatures(cqtr, mean_tf_l, bm25, query_length, doc_length, bm25_k1=float(k1), bm25_b=float(b))


def bm25_scores(queries: Sequence[str], documents: Sequence[str], stats: CorpusStats, *, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 of every query against every document, float64 (queries, documents).

    The same score as :func:`ir_features` gives each pair, computed for all pairs at once with a
    sparse document-term matrix restricted to the query vocabulary.
    """
    _check_bm25_parameters(k1, b)
    query_terms = [sorted(set(terms(q))) for q in queries]
    vocabulary = {t: i for i, t in enumerate(sorted({t for ts in query_terms for t in ts}))}
    rows, cols, counts, lengths = [], [], [], np.zeros(len(documents), dtype=np.float64)
    for row, text in enumerate(documents):
        tokens = terms(text)
        lengths[row] = len(tokens)
        for term, count in Counter(t for t in tokens if t in vocabulary).items():
            rows.append(row)
            cols.append(vocabulary[term])
            counts.append(count)
    ordered = sorted(vocabulary, key=vocabulary.__getitem__)
    frequencies = np.array([stats.document_frequency.get(t, 0) for t in ordered], dtype=np.float64)
    idf = bm25_idf(frequencies, stats.num_documents)
    row_index, col_index = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    weights = bm25_term_weight(np.asarray(counts), lengths[row_index], idf[col_index], stats.average_length, k1, b)
    doc_term = sparse.csr_matrix((weights, (row_index, col_index)), shape=(len(documents), len(vocabulary)))
    q_rows = [i for i, ts in enumerate(query_terms) for _ in ts]
    q_cols = [vocabulary[t] for ts in query_terms for t in ts]
    query_term = sparse.csr_matrix((np.ones(len(q_rows)), (q_rows, q_cols)), shape=(len(queries), len(vocabulary)), dtype=np.float64)
    return np.asarray((query_term @ doc_term.T).todense(), dtype=np.float64)


def _check_bm25_parameters(k1: float, b: float) -> None:
    if not k1 >= 0.0:
        raise ConfigError(f"BM25 k1 must be ≥ 0, got {k1}", hint="the usual value is 1.2 (0.9 on MS MARCO)")
    if not 0.0 <= b <= 1.0:
        raise ConfigError(f"BM25 b must be in [0, 1], got {b}", hint="the usual value is 0.75 (0.4 on MS MARCO)")
