"""Matching and the τ-relative event rule on a coalition influence matrix S (P × Q), pure NumPy/SciPy.

The default rule of a run is the transition-share rule of :mod:`hedonic.tracking.transitions`;
this τ-relative rule is the option ``rule = "tau"`` (:mod:`hedonic.tracking.rules`). Both return a
:class:`Tracking`.

Rows p are the coalitions of layer ℓ (sources), columns q those of layer ℓ+1 (targets). With the
thresholds τ (relative), ``presence`` (relative to a typical strongest link) and ``floor``
(absolute):

- reference r = the median over sources of their strongest link, median_p max_q S[p, q];
  cutoff θ = max(floor, presence · r). A link (p, q) is *live* when S[p, q] ≥ θ and S[p, q] > 0.
  (The reference is not max S: E|a| is heavy-tailed, and a few coalitions holding very loud
  neurons can exceed the typical link by 10³; relative to max S almost every coalition would
  vanish.)
- children(p) = {q : (p, q) live and S[p, q] ≥ τ · max_q' S[p, q']} (the row max);
  parents(q) = {p : (p, q) live and S[p, q] ≥ τ · max_p' S[p', q]} (the column max).
- **persist** (p, q): q is p's strongest target, p is q's strongest source (first index on ties),
  and (p, q) is live.
- **split** p → children: |children(p)| ≥ 2 (one parent, several children).
- **merge** parents → q: |parents(q)| ≥ 2.
- **vanish** p: no child, i.e. no live link out of p (its row max is below θ).
- **emerge** q: no parent, i.e. no live link into q (its column max is below θ).

Events may overlap: a coalition can persist into its strongest child and also split off a
second one; a persisting target can also be a merge. Percentages are per event type, as the
share of the coalitions of one side that take part in such an event: persist, split and vanish
over the P sources; merge and emerge over the Q targets. The maximum-weight matching
(``scipy.optimize.linear_sum_assignment``, maximising ΣS) pairs coalitions one to one; only live
pairs are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from hedonic.errors import ConfigError, NumericalError

EVENT_TYPES = ("persist", "split", "merge", "vanish", "emerge")
"""Event types, in the order they are listed."""
SOURCE_SIDE = ("persist", "split", "vanish")
"""Under the τ rule, event types whose percentage is over the source coalitions (layer ℓ); the others are over layer ℓ+1."""
TAU_RULE = "tau"
SHARES_RULE = "shares"
SHARES_SOURCE_SIDE = ("persist", "split", "merge", "vanish")
"""Under the transition-share rule every source coalition takes exactly one of these; emerge is over layer ℓ+1."""


@dataclass(frozen=True)
class Thresholds:
    """Event thresholds: ``tau`` ∈ (0, 1], ``presence`` ∈ [0, 1], ``floor`` ≥ 0 (units of S)."""

    tau: float = 0.5
    presence: float = 0.1
    floor: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.tau <= 1.0:
            raise ConfigError(f"tau must lie in (0, 1], got {self.tau}", hint="e.g. --tau 0.5")
        if not 0.0 <= self.presence <= 1.0:
            raise ConfigError(f"presence must lie in [0, 1], got {self.presence}", hint="e.g. --presence 0.1")
        if not (np.isfinite(self.floor) and self.floor >= 0.0):
            raise ConfigError(f"floor must be a finite number ≥ 0, got {self.floor}", hint="e.g. --floor 0")


@dataclass(frozen=True)
class Event:
    """One event: its ``type``, the coalitions involved (indices into each partition) and link strengths.

    ``strengths`` holds S of the links of the event, one per (source, target) combination it
    lists: persist one, split one per child, merge one per parent; for vanish the source's row max,
    for emerge the target's column max.
    """

    type: str
    sources: tuple[int, ...]
    targets: tuple[int, ...]
    strengths: tuple[float, ...]


@dataclass(frozen=True)
class Tracking:
    """Everything derived from one influence matrix S (P × Q) under one event ``rule``.

    ``thresholds``: :class:`Thresholds` (rule ``tau``) or
    :class:`~hedonic.tracking.transitions.ShareThresholds` (rule ``shares``);
    ``links``: the kept links (p, q, S) — children or parents links (τ), links with a high α or β
    (shares) — sorted by (p, q); ``matching``: live pairs of the maximum-weight matching (p, q, S),
    sorted by p; ``reference``: the median strongest link r and ``cutoff`` θ (τ rule; None for
    shares); ``max_influence``: max S.
    """

    thresholds: Any
    reference: float | None
    cutoff: float | None
    max_influence: float
    n_sources: int
    n_targets: int
    links: tuple[tuple[int, int, float], ...]
    matching: tuple[tuple[int, int, float], ...]
    events: tuple[Event, ...]
    rule: str = TAU_RULE

    @property
    def source_side(self) -> tuple[str, ...]:
        """Event types counted over the source coalitions under this rule (the others over the targets)."""
        return SHARES_SOURCE_SIDE if self.rule == SHARES_RULE else SOURCE_SIDE

    def counts(self) -> dict[str, int]:
        """Number of coalitions taking part in each event type (sources or targets, see :attr:`source_side`)."""
        involved: dict[str, set[int]] = {kind: set() for kind in EVENT_TYPES}
        for event in self.events:
            involved[event.type].update(event.sources if event.type in self.source_side else event.targets)
        return {kind: len(members) for kind, members in involved.items()}

    def percentages(self) -> dict[str, float]:
        """Share (0–100) of the coalitions of the relevant side taking part in each event type."""
        percent = {}
        for kind, count in self.counts().items():
            total = self.n_sources if kind in self.source_side else self.n_targets
            percent[kind] = 100.0 * count / total if total else 0.0
        return percent


def check_influence(influence: np.ndarray) -> np.ndarray:
    """Validate S: a finite, non-negative 2-D float matrix; returned as float64."""
    values = np.asarray(influence, dtype=np.float64)
    if values.ndim != 2:
        raise ConfigError(f"influence must be a (sources × targets) matrix, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise NumericalError("influence holds NaN or infinite values", hint="check the weights and E|a| inputs")
    if (values < 0).any():
        raise ConfigError("influence must be non-negative", hint="S sums |W|·E|a|; pass absolute values")
    return values


def max_weight_matching(influence: np.ndarray) -> list[tuple[int, int]]:
    """Maximum-weight one-to-one pairs (p, q) of S (P × Q), min(P, Q) of them, sorted by p."""
    rows, cols = linear_sum_assignment(check_influence(influence), maximize=True)
    return [(int(p), int(q)) for p, q in zip(rows, cols, strict=True)]


def classify_events(influence: np.ndarray, thresholds: Thresholds | None = None) -> Tracking:
    """Links, matching and events of S (P × Q) under ``thresholds`` (see the module docstring)."""
    thresholds = thresholds or Thresholds()
    values = check_influence(influence)
    n_sources, n_targets = values.shape
    row_max = values.max(axis=1, initial=0.0)
    col_max = values.max(axis=0, initial=0.0)
    reference = float(np.median(row_max)) if n_sources else 0.0
    cutoff = max(thresholds.floor, thresholds.presence * reference)
    live = (values >= cutoff) & (values > 0)
    children = live & (values >= thresholds.tau * row_max[:, None])
    parents = live & (values >= thresholds.tau * col_max[None, :])

    events: list[Event] = []
    if values.size:
        best_target = values.argmax(axis=1)
        best_source = values.argmax(axis=0)
        index = np.arange(n_sources)
        mutual = (best_source[best_target] == index) & live[index, best_target]
        for p in np.flatnonzero(mutual):
            target = int(best_target[p])
            events.append(Event("persist", (int(p),), (target,), (float(values[p, target]),)))
    for p in np.flatnonzero(children.sum(axis=1) >= 2):
        targets = np.flatnonzero(children[p])
        events.append(Event("split", (int(p),), _ints(targets), _floats(values[p, targets])))
    for q in np.flatnonzero(parents.sum(axis=0) >= 2):
        sources = np.flatnonzero(parents[:, q])
        events.append(Event("merge", _ints(sources), (int(q),), _floats(values[sources, q])))
    for p in np.flatnonzero(~children.any(axis=1)):
        events.append(Event("vanish", (int(p),), (), (float(row_max[p]),)))
    for q in np.flatnonzero(~parents.any(axis=0)):
        events.append(Event("emerge", (), (int(q),), (float(col_max[q]),)))

    kept = np.argwhere(children | parents)
    matched = [(p, q) for p, q in max_weight_matching(values) if live[p, q]] if values.size else []
    return Tracking(
        thresholds=thresholds,
        reference=reference,
        cutoff=float(cutoff),
        max_influence=float(values.max()) if values.size else 0.0,
        n_sources=n_sources,
        n_targets=n_targets,
        links=tuple((int(p), int(q), float(values[p, q])) for p, q in kept),
        matching=tuple((p, q, float(values[p, q])) for p, q in matched),
        events=tuple(events),
    )


def _ints(indices: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in indices)


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
