"""Cross-domain predictability: ridge probes from group activations to IR features (spec §8).

A probe maps the activations of one set of neuron groups (one feature per group: its mean
activation at the readout token, (X, C)) to the IR features (X, F) with ridge regression
(scikit-learn): features standardised on the training inputs, then ``Ridge`` with one penalty per
IR feature chosen from a fixed grid by grouped K-fold cross-validation on the TRAINING domain only
(folds never split a query's candidates, which share query-level features; squared error summed
over the folds). The fitted probe is scored by R² (:func:`sklearn.metrics.r2_score`) on every
other domain. Sets of groups are compared with the same number of features: the hedonic
coalitions, each baseline's groups, and size-matched random draws (spread over draws).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hedonic.errors import ConfigError, DataError

DEFAULT_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-3, 4, 15))
"""The ridge penalty grid (the cross-validation picks one per IR feature)."""
DEFAULT_FOLDS = 5
"""Folds of the grouped cross-validation on the training domain (fewer when it has fewer queries)."""
MIN_DOMAIN_SIZE = 10
"""Domains with fewer inputs take no part in the probes."""
SOLVER = "svd"
"""Ridge solver: the SVD one handles one penalty per target in a single vectorised solve."""


@dataclass(frozen=True)
class ProbeFit:
    """A probe fitted on one domain: the pipeline, the chosen penalty per target (F,) and the CV R² per target (F,)."""

    model: Pipeline
    alphas: np.ndarray
    cv_r2: np.ndarray


def fit_probe(
    activations: np.ndarray,
    targets: np.ndarray,
    groups: Sequence[str] | np.ndarray,
    *,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    folds: int = DEFAULT_FOLDS,
) -> ProbeFit:
    """Fit a ridge probe activations (n, C) → targets (n, F), penalties by grouped CV (see module docstring).

    ``groups`` (n,) keep inputs with the same label (their query) in one fold. All penalties of
    the grid are evaluated in one multi-target fit per fold (the targets tiled once per penalty).
    ``cv_r2`` is 1 − CV squared error / total sum of squares of each target. Raises
    :class:`DataError` with fewer than two groups.
    """
    x, y = np.asarray(activations, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    grid = np.asarray(alphas, dtype=np.float64)
    labels = np.asarray(groups)
    n_groups = np.unique(labels).size
    if n_groups < 2 or grid.size == 0 or np.any(grid <= 0):
        raise DataError(
            f"cannot cross-validate a probe on {n_groups} query group(s) with {grid.size} positive penalties",
            hint="train each probe on a domain with at least two queries, with penalties > 0",
        )
    width = y.shape[1]
    errors = np.zeros((grid.size, width))
    for train, test in GroupKFold(n_splits=min(folds, n_groups)).split(x, y, labels):
        tiled = make_pipeline(StandardScaler(), Ridge(alpha=np.repeat(grid, width), solver=SOLVER)).fit(
            x[train], np.tile(y[train], grid.size)
        )
        predicted = tiled.predict(x[test]).reshape(test.size, grid.size, width)
        errors += ((predicted - y[test][:, None, :]) ** 2).sum(axis=0)
    best = grid[errors.argmin(axis=0)]
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    cv_r2 = np.where(total > 0, 1.0 - errors.min(axis=0) / np.where(total > 0, total, 1.0), np.nan)
    return ProbeFit(make_pipeline(StandardScaler(), Ridge(alpha=best, solver=SOLVER)).fit(x, y), best, cv_r2)


@dataclass(frozen=True)
class ProbeScore:
    """R² on ``test_domain`` of a probe trained on ``train_domain`` for one IR ``feature``.

    ``method``/``draw`` name the set of groups (``n_features`` of them); ``alpha`` is the penalty
    the CV chose, ``cv_r2`` the in-domain CV R²; ``r2`` None when undefined (a constant target).
    """

    method: str
    draw: int
    feature: str
    train_domain: str
    test_domain: str
    n_features: int
    n_train: int
    n_test: int
    alpha: float
    cv_r2: float | None
    r2: float | None


def cross_domain_scores(
    activations: np.ndarray,
    targets: Mapping[str, np.ndarray],
    domains: Sequence[str | None],
    groups: Sequence[str],
    *,
    method: str,
    draw: int = 0,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    folds: int = DEFAULT_FOLDS,
    min_domain_size: int = MIN_DOMAIN_SIZE,
) -> list[ProbeScore]:
    """Train on each domain, score on each other: one :class:`ProbeScore` per (train, test, feature).

    ``activations`` (X, C) of one set of groups, ``targets`` feature name → (X,), ``domains``
    (X,) each input's domain (None: in no domain), ``groups`` (X,) its query (CV folds). Domains
    with fewer than ``min_domain_size`` inputs are left out; an empty list when fewer than two remain.
    """
    x = np.asarray(activations, dtype=np.float64)
    names = list(targets)
    y = np.column_stack([np.asarray(targets[name], dtype=np.float64) for name in names])
    labels, queries = np.array([str(d) if d is not None else "" for d in domains]), np.asarray(groups)
    if not x.shape[0] == y.shape[0] == labels.size == queries.size:
        raise DataError(
            f"probe inputs disagree: {x.shape[0]} activation rows, {y.shape[0]} targets, {labels.size} domains, {queries.size} groups",
            hint="pass arrays over the same inputs",
        )
    if min_domain_size < 2:
        raise ConfigError(f"min_domain_size must be ≥ 2, got {min_domain_size}", hint="e.g. 10")
    present = [d for d in dict.fromkeys(labels.tolist()) if d and (labels == d).sum() >= min_domain_size]
    if len(present) < 2:
        return []
    scores = []
    for train in present:
        inside = labels == train
        fit = fit_probe(x[inside], y[inside], queries[inside], alphas=alphas, folds=folds)
        for test in present:
            if test == train:
                continue
            outside = labels == test
            predicted = fit.model.predict(x[outside]).reshape(int(outside.sum()), len(names))
            for f, name in enumerate(names):
                constant = np.ptp(y[outside, f]) == 0
                r2 = None if constant else float(r2_score(y[outside, f], predicted[:, f]))
                scores.append(
                    ProbeScore(
                        method=method,
                        draw=draw,
                        feature=name,
                        train_domain=train,
                        test_domain=test,
                        n_features=int(x.shape[1]),
                        n_train=int(inside.sum()),
                        n_test=int(outside.sum()),
                        alpha=float(fit.alphas[f]),
                        cv_r2=float(fit.cv_r2[f]) if np.isfinite(fit.cv_r2[f]) else None,
                        r2=r2,
                    )
                )
    return scores


@dataclass(frozen=True)
class ProbeSummary:
    """One method's cross-domain R² on one feature, averaged over the (train, test) domain pairs.

    ``draws`` sets of groups (1 unless random); ``mean_r2`` the mean over draws of each draw's
    mean R², ``std_r2``/``min_r2``/``max_r2`` its spread over draws (std None with one draw);
    ``null_share_below``: the share of the null method's draws whose mean R² is lower (ties half;
    None for the null itself or without null draws).
    """

    method: str
    feature: str
    draws: int
    pairs: int
    mean_r2: float | None
    std_r2: float | None
    min_r2: float | None
    max_r2: float | None
    null_share_below: float | None


def probe_summary(scores: Sequence[ProbeScore], *, null: str) -> list[ProbeSummary]:
    """Summaries per (method, feature) in order of first appearance; ``null`` names the random draws."""
    per_draw: dict[tuple[str, str], dict[int, list[float]]] = {}
    pairs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for score in scores:
        key = (score.method, score.feature)
        per_draw.setdefault(key, {}).setdefault(score.draw, [])
        if score.r2 is not None:
            per_draw[key][score.draw].append(score.r2)
        pairs.setdefault(key, set()).add((score.train_domain, score.test_domain))
    means = {key: np.array([np.mean(v) for v in draws.values() if v]) for key, draws in per_draw.items()}
    summaries = []
    for (method, feature), values in means.items():
        reference = means.get((null, feature), np.empty(0))
        share = None
        if method != null and values.size and reference.size:
            value = float(values.mean())
            share = float(((reference < value).sum() + 0.5 * (reference == value).sum()) / reference.size)
        summaries.append(
            ProbeSummary(
                method=method,
                feature=feature,
                draws=len(per_draw[method, feature]),
                pairs=len(pairs[method, feature]),
                mean_r2=float(values.mean()) if values.size else None,
                std_r2=float(values.std(ddof=1)) if values.size > 1 else None,
                min_r2=float(values.min()) if values.size else None,
                max_r2=float(values.max()) if values.size else None,
                null_share_below=share,
            )
        )
    return summaries
