"""The transition-share event rule (the default, as in the paper), on an influence matrix S (P × Q).

Transition shares of a link (p, q) between source coalition p (layer ℓ) and target q (ℓ+1):

    α(p, q) = S[p, q] / Σ_q' S[p, q']   share of p's outgoing influence that reaches q
    β(p, q) = S[p, q] / Σ_p' S[p', q]   share of q's incoming influence that comes from p

(0 where the sum is 0). A share is *high* when it reaches its threshold (``alpha`` for α, ``beta``
for β, :class:`ShareThresholds`). Every source coalition p takes exactly one event, the first
that applies:

- **persist** p → q: some link has both α and β high (q is mostly p, p goes mostly to q; the one
  with the largest S when several do);
- **merge** p → q: some link has α high but β low (p goes mostly into q, which also draws on
  others); one merge event per target, listing every source that merges into it;
- **split** p → {q}: no high α, but β high for one or more targets (each of them is mostly p,
  none takes most of p);
- **vanish** p: neither share is high on any link (p's influence spreads thinly).

A target q **emerges** when no link into it has a high α or β. Percentages: persist, merge,
split and vanish over the P sources (they sum to 100%), emerge over the Q targets. The kept
``links`` are every link with a high α or β, plus each source's strongest link (so that a
vanishing coalition still shows where most of its little influence goes).

Thresholds: α = β = 0.5 by default — "high" means "the majority": a source can send a majority
of its influence to one target at most, and a target can draw a majority from one source at
most, so persist pairs are one-to-one. Shares are relative to the tracked coalitions only
(coalitions of at least ``min_size`` neurons, see :mod:`hedonic.tracking.chain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedonic.errors import ConfigError
from hedonic.tracking.events import SHARES_RULE, Event, Tracking, check_influence, max_weight_matching

DEFAULT_ALPHA = 0.5
DEFAULT_BETA = 0.5


@dataclass(frozen=True)
class ShareThresholds:
    """Thresholds of the transition-share rule: ``alpha`` and ``beta`` in (0, 1] (see the module docstring)."""

    alpha: float = DEFAULT_ALPHA
    beta: float = DEFAULT_BETA

    def __post_init__(self) -> None:
        for name, value in (("alpha", self.alpha), ("beta", self.beta)):
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"tracking {name} threshold must lie in (0, 1], got {value}", hint=f"e.g. {name} = 0.5")


def transition_shares(influence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """α (P × Q), each row summing to 1 (or 0), and β (P × Q), each column summing to 1 (or 0)."""
    values = check_influence(influence)
    rows = values.sum(axis=1, keepdims=True)
    cols = values.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(rows > 0, values / rows, 0.0)
        beta = np.where(cols > 0, values / cols, 0.0)
    return alpha, beta


def source_events(influence: np.ndarray, thresholds: ShareThresholds | None = None) -> list[str]:
    """The event type of every source coalition (P,), as :func:`classify_transitions` assigns it."""
    thresholds = thresholds or ShareThresholds()
    values = check_influence(influence)
    alpha, beta = transition_shares(values)
    high_alpha, high_beta = alpha >= thresholds.alpha, beta >= thresholds.beta
    kinds = []
    for p in range(values.shape[0]):
        if (high_alpha[p] & high_beta[p]).any():
            kinds.append("persist")
        elif high_alpha[p].any():
            kinds.append("merge")
        elif high_beta[p].any():
            kinds.append("split")
        else:
            kinds.append("vanish")
    return kinds


def event_percentages(influence: np.ndarray, thresholds: ShareThresholds | None = None) -> dict[str, float]:
    """Share (0–100) of each event type: persist/merge/split/vanish over the sources, emerge over the targets."""
    thresholds = thresholds or ShareThresholds()
    values = check_influence(influence)
    kinds = source_events(values, thresholds)
    alpha, beta = transition_shares(values)
    reached = ((alpha >= thresholds.alpha) | (beta >= thresholds.beta)).any(axis=0)
    percent = {kind: 100.0 * kinds.count(kind) / len(kinds) if kinds else 0.0 for kind in ("persist", "split", "merge", "vanish")}
    percent["emerge"] = 100.0 * float(np.mean(~reached)) if values.shape[1] else 0.0
    return percent


def classify_transitions(influence: np.ndarray, thresholds: ShareThresholds | None = None) -> Tracking:
    """Events, kept links and matching of S (P × Q) under the transition-share rule (module docstring)."""
    thresholds = thresholds or ShareThresholds()
    values = check_influence(influence)
    alpha, beta = transition_shares(values)
    high_alpha, high_beta = alpha >= thresholds.alpha, beta >= thresholds.beta
    events: list[Event] = []
    merges: dict[int, list[int]] = {}
    for p, kind in enumerate(source_events(values, thresholds)):
        if kind == "persist":
            target = int(np.argmax(np.where(high_alpha[p] & high_beta[p], values[p], -1.0)))
            events.append(Event("persist", (p,), (target,), (float(values[p, target]),)))
        elif kind == "merge":
            merges.setdefault(int(np.argmax(np.where(high_alpha[p], values[p], -1.0))), []).append(p)
        elif kind == "split":
            targets = np.flatnonzero(high_beta[p])
            events.append(Event("split", (p,), tuple(int(q) for q in targets), tuple(float(v) for v in values[p, targets])))
        else:
            events.append(Event("vanish", (p,), (), (float(values[p].max(initial=0.0)),)))
    for q, sources in sorted(merges.items()):
        events.append(Event("merge", tuple(sources), (q,), tuple(float(values[p, q]) for p in sources)))
    for emerged in np.flatnonzero(~(high_alpha | high_beta).any(axis=0)):
        events.append(Event("emerge", (), (int(emerged),), (float(values[:, emerged].max(initial=0.0)),)))
    strongest = np.zeros_like(high_alpha)
    if values.size:
        strongest[np.arange(values.shape[0]), values.argmax(axis=1)] = True
    kept = np.argwhere(high_alpha | high_beta | (strongest & (values > 0)))
    matched = [(p, q) for p, q in max_weight_matching(values) if values[p, q] > 0] if values.size else []
    return Tracking(
        thresholds=thresholds,
        reference=None,
        cutoff=None,
        max_influence=float(values.max()) if values.size else 0.0,
        n_sources=values.shape[0],
        n_targets=values.shape[1],
        links=tuple((int(p), int(q), float(values[p, q])) for p, q in kept),
        matching=tuple((p, q, float(values[p, q])) for p, q in matched),
        events=tuple(events),
        rule=SHARES_RULE,
    )
