"""What a coalition responds to: its top-activating inputs and its correlation with IR features (spec §8).

A coalition's activation on input x is the mean of its members' activations a_i(x) at the readout
token (:func:`coalition_activations`). Per coalition and IR feature (CQTR, mean tf/l, BM25, query
and document length; :func:`hedonic.data.ir_features`):

- Pearson r with its two-sided p-value (:func:`scipy.stats.pearsonr`, exact under normality);
- Spearman ρ = Pearson r of the average ranks (:func:`scipy.stats.rankdata`), with the same test,
  which is the one :func:`scipy.stats.spearmanr` uses (t with X − 2 degrees of freedom);
- q-values: Benjamini–Hochberg adjusted p-values (:func:`scipy.stats.false_discovery_control`)
  over ALL coalition × feature tests of one method, separately for Pearson and Spearman.

A correlation with a constant input (a coalition that never fires, a constant feature) is
undefined: None, and left out of the adjustment.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy import sparse, stats

from hedonic.errors import ConfigError, DataError
from hedonic.evaluation.inference import benjamini_hochberg
from hedonic.stats import at_readout, hooked_states

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.models import ModelAdapter, TokenBatch

DEFAULT_ALPHA = 0.05
"""False discovery rate under which a correlation counts as significant."""
SNIPPET_CHARS = 160
"""Characters of a document kept in the top-input tables."""


def coalition_activations(adapter: ModelAdapter, layer: int, batches: Iterable[TokenBatch], groups: Sequence[Sequence[int]]) -> np.ndarray:
    """Mean activation of each group's neurons at the readout token: (X inputs, G groups) float64.

    One forward pass per batch; rows follow the batches' inputs in order. Memory O(X·G + n·T·B).
    Raises :class:`ConfigError` for an empty group or an id outside 0..n-1.
    """
    layer = adapter.check_layer(layer)
    membership = _membership(groups, adapter.intermediate_size)
    rows = []
    for batch in batches:
        batch = batch.to(adapter.device)
        with hooked_states(adapter, [layer], residual=False) as store:
            adapter.logits(batch)
        readout = at_readout(adapter, store[layer]["activations"], batch.attention_mask).to(torch.float64).cpu().numpy()
        rows.append(np.asarray(membership @ readout.T).T)
    if not rows:
        raise DataError("no input batch", hint="pass at least one tokenised input")
    return np.concatenate(rows, axis=0)


def group_means(activations: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    """Mean of each group's columns of neuron ``activations`` (X, n): (X, G) float64."""
    values = np.asarray(activations, dtype=np.float64)
    return np.asarray(_membership(groups, values.shape[1]) @ values.T).T


def _membership(groups: Sequence[Sequence[int]], n: int) -> sparse.csr_matrix:
    """(G, n) sparse matrix whose row g averages group g's neurons."""
    columns = [np.asarray(group, dtype=np.int64) for group in groups]
    if any(group.size == 0 or group.min() < 0 or group.max() >= n for group in columns):
        raise ConfigError(f"a group is empty or names a neuron outside 0..{n - 1}", hint="pass neuron ids of this layer")
    sizes = np.array([group.size for group in columns], dtype=np.int64)
    rows = np.repeat(np.arange(len(columns)), sizes)
    ids = np.concatenate(columns) if columns else np.empty(0, dtype=np.int64)
    return sparse.csr_matrix((np.repeat(1.0 / np.maximum(sizes, 1), sizes), (rows, ids)), shape=(len(columns), n))


@dataclass(frozen=True)
class FeatureCorrelation:
    """Correlation of coalition ``index``'s activation with ``feature`` (None where undefined)."""

    index: int
    feature: str
    pearson_r: float | None
    pearson_p: float | None
    pearson_q: float | None
    spearman_rho: float | None
    spearman_p: float | None
    spearman_q: float | None


def feature_correlations(activations: np.ndarray, features: Mapping[str, np.ndarray]) -> list[FeatureCorrelation]:
    """Pearson and Spearman correlation of each column of ``activations`` (X, C) with each feature (X,).

    Rows ordered coalition-major, features in the mapping's order; q-values BH-adjusted over all
    C × F tests (see the module docstring). Raises :class:`DataError` with fewer than 3 inputs
    or misaligned arrays.
    """
    values = np.asarray(activations, dtype=np.float64)
    names = list(features)
    if values.ndim != 2 or values.shape[0] < 3:
        raise DataError(f"activations of shape {values.shape}: need (inputs ≥ 3, coalitions)", hint="pass more held-out inputs")
    targets = np.column_stack([np.asarray(features[name], dtype=np.float64) for name in names]) if names else np.empty((values.shape[0], 0))
    if targets.shape[0] != values.shape[0]:
        raise DataError(f"{targets.shape[0]} feature values for {values.shape[0]} inputs", hint="compute the features of the same inputs")
    r, p = _pearson(values, targets)
    rho, p_rank = _pearson(stats.rankdata(values, axis=0), stats.rankdata(targets, axis=0))
    q, q_rank = benjamini_hochberg(p), benjamini_hochberg(p_rank)
    return [
        FeatureCorrelation(
            index=c,
            feature=name,
            pearson_r=_none(r[c, f]),
            pearson_p=_none(p[c, f]),
            pearson_q=_none(q[c, f]),
            spearman_rho=_none(rho[c, f]),
            spearman_p=_none(p_rank[c, f]),
            spearman_q=_none(q_rank[c, f]),
        )
        for c in range(values.shape[1])
        for f, name in enumerate(names)
    ]


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r and two-sided p of every column of x (X, C) with every column of y (X, F): two (C, F)."""
    if x.shape[1] == 0 or y.shape[1] == 0:
        empty = np.empty((x.shape[1], y.shape[1]))
        return empty, empty.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        result = stats.pearsonr(x[:, :, None], y[:, None, :], axis=0)
    return np.asarray(result.statistic, dtype=np.float64), np.asarray(result.pvalue, dtype=np.float64)


@dataclass(frozen=True)
class TopInput:
    """The ``rank``-th (0 = highest) activating input of coalition ``index``."""

    index: int
    rank: int
    input_id: str
    query: str
    snippet: str
    activation: float


def top_inputs(activations: np.ndarray, pairs: Sequence[QueryDocPair], *, k: int = 5, snippet_chars: int = SNIPPET_CHARS) -> list[TopInput]:
    """The ``k`` inputs of highest activation of each coalition (columns of ``activations`` (X, C)).

    Ties are broken by input order. Snippets are the first ``snippet_chars`` characters of the
    document with whitespace collapsed ("…" marks a cut).
    """
    values = np.asarray(activations, dtype=np.float64)
    if values.shape[0] != len(pairs):
        raise DataError(f"{values.shape[0]} activation rows for {len(pairs)} pairs", hint="pass the pairs the activations were taken on")
    if k < 1:
        raise ConfigError(f"k must be ≥ 1, got {k}", hint="e.g. k=5")
    order = np.argsort(-values, axis=0, kind="stable")[:k]
    return [
        TopInput(
            index=c,
            rank=rank,
            input_id=pairs[x].pair_id,
            query=pairs[x].query,
            snippet=_snippet(pairs[x].text, snippet_chars),
            activation=float(values[x, c]),
        )
        for c in range(values.shape[1])
        for rank, x in enumerate(order[:, c])
    ]


def _snippet(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def most_aligned(correlations: Sequence[FeatureCorrelation], *, count: int = 3) -> dict[str, tuple[int, ...]]:
    """Per feature, the ``count`` coalitions of largest |Pearson r| (undefined ones left out), strongest first."""
    aligned: dict[str, list[FeatureCorrelation]] = {}
    for entry in correlations:
        aligned.setdefault(entry.feature, [])
        if entry.pearson_r is not None:
            aligned[entry.feature].append(entry)
    return {
        feature: tuple(e.index for e in sorted(entries, key=lambda e: (-abs(e.pearson_r or 0.0), e.index))[:count])
        for feature, entries in aligned.items()
    }


@dataclass(frozen=True)
class AlignmentSummary:
    """How strongly one set of groups (``method``, ``draw``) aligns with the IR features.

    ``coalitions`` groups × ``features`` features = ``tests`` Pearson tests, ``significant`` of
    them with BH q < ``alpha``; ``mean_max_abs_r`` the mean over groups of the largest |r| over
    the features (defined groups only; None when none is defined).
    """

    method: str
    draw: int
    coalitions: int
    features: int
    tests: int
    significant: int
    alpha: float
    mean_max_abs_r: float | None

    @property
    def significant_share(self) -> float | None:
        """``significant`` / ``tests`` (None without a defined test)."""
        return self.significant / self.tests if self.tests else None


def alignment_summary(
    method: str, draw: int, correlations: Sequence[FeatureCorrelation], *, alpha: float = DEFAULT_ALPHA
) -> AlignmentSummary:
    """Summarise :func:`feature_correlations` of one set of groups (see :class:`AlignmentSummary`)."""
    defined = [e for e in correlations if e.pearson_r is not None]
    strongest: dict[int, float] = {}
    for entry in defined:
        strongest[entry.index] = max(strongest.get(entry.index, 0.0), abs(entry.pearson_r or 0.0))
    return AlignmentSummary(
        method=method,
        draw=draw,
        coalitions=len({e.index for e in correlations}),
        features=len({e.feature for e in correlations}),
        tests=len(defined),
        significant=sum(1 for e in defined if e.pearson_q is not None and e.pearson_q < alpha),
        alpha=alpha,
        mean_max_abs_r=float(np.mean(list(strongest.values()))) if strongest else None,
    )


def _none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


@dataclass(frozen=True)
class InterpretationResult:
    """The interpretation of the ``method`` coalitions (the reference) and the alignment of every set of groups.

    ``correlations`` and ``top_inputs`` are the reference coalitions' (``index`` = position in
    its list); ``aligned`` feature → the most aligned coalitions; ``summaries`` one
    :class:`AlignmentSummary` per (method, draw) analysed, the reference's first.
    """

    method: str
    features: tuple[str, ...]
    alpha: float
    correlations: tuple[FeatureCorrelation, ...]
    top_inputs: tuple[TopInput, ...]
    aligned: Mapping[str, tuple[int, ...]]
    summaries: tuple[AlignmentSummary, ...]


def interpret(
    activations: Mapping[tuple[str, int], np.ndarray],
    pairs: Sequence[QueryDocPair],
    features: Mapping[str, np.ndarray],
    *,
    reference: str = "hedonic",
    top_k: int = 5,
    aligned_count: int = 3,
    alpha: float = DEFAULT_ALPHA,
) -> InterpretationResult:
    """Top inputs and feature correlations of the ``reference`` coalitions, alignment of every set.

    ``activations`` (method, draw) → (X, C) group activations on ``pairs`` (X); ``features``
    IR feature name → (X,). Raises :class:`ConfigError` when the reference is missing.
    """
    if (reference, 0) not in activations:
        raise ConfigError(f"no activations of the reference method {reference!r}", hint="pass the hedonic coalitions' activations")
    correlations = {key: feature_correlations(values, features) for key, values in activations.items()}
    ordered = [(reference, 0), *(key for key in activations if key != (reference, 0))]
    return InterpretationResult(
        method=reference,
        features=tuple(features),
        alpha=alpha,
        correlations=tuple(correlations[reference, 0]),
        top_inputs=tuple(top_inputs(activations[reference, 0], pairs, k=top_k)),
        aligned=most_aligned(correlations[reference, 0], count=aligned_count),
        summaries=tuple(alignment_summary(method, draw, correlations[method, draw], alpha=alpha) for method, draw in ordered),
    )
