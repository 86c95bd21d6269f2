"""Best-response dynamics of the additively separable game, and the data-driven resolution τ.

Dynamics (spec §5). Start from singletons. A round visits a list of players one by one in a
seeded random order; each, in the partition as it stands when visited, moves to the coalition it
values most among those with fewer than ``cap`` members (or alone, value 0) if that strictly
beats its current one (:meth:`AdditivePreference.best_move`, exact, one ``bincount`` of φ's row).
With ``individual`` a move also needs every member of the receiving coalition not to lose
(φ_ji ≥ τ), the individually stable variant. After a move, the members of the two coalitions it
changed are visited again in the same round. The first round visits every player; each later
round visits the players the screen of :meth:`AdditivePreference.screen` cannot clear (those that
may have an improving move; one pass over φ). A round without a move ends the dynamics, and is
the exact stability certificate: the screened-out players provably have no improving move, the
others were each checked exactly. Every move raises the potential W
(:mod:`hedonic.game.additive_preference`) by more than the tolerance, so the dynamics terminate;
:data:`MAX_ROUNDS` only guards against an asymmetric φ, for which W is no potential.

Resolution τ (:func:`noise_tau`). With τ = 0 the noise in φ between unrelated neurons sums up:
two groups whose cross-pairs happen to add up to a positive total merge. What a neuron should
require of a coalition is a mean valuation clearly above what unrelated pairs give. Most pairs of
a layer are unrelated, so the bulk of φ's off-diagonal distribution is their estimation noise
and weak interactions; its median m and robust standard deviation σ̂ = 1.4826 · median |φ − m|
(the median absolute deviation, insensitive to the few strongly interacting pairs) estimate that
bulk without any per-model tuning. The default τ = m + 1.5 σ̂ asks a coalition to offer, per
member, 1.5 noise standard deviations above the bulk: a neuron joins from alone only when its
mean φ to the members exceeds that, which the mean over an unrelated group rarely does (and does
less the larger the group, its noise shrinking as 1/√|S|). On φ with planted groups under
Gaussian noise, σ̂ recovers the noise level; on the demo's PAS-exact φ it is a few 1e-9 to 1e-7
(README, "The game").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hedonic.errors import NumericalError
from hedonic.game.additive_preference import AdditivePreference
from hedonic.game.top_cover import canonical_labels

TAU_MULTIPLIER = 1.5
"""τ = median + this many robust standard deviations of φ's off-diagonal entries."""
TAU_PAIRS = 1_000_000
"""Off-diagonal pairs sampled (uniformly, seeded) for the τ estimate; all of them when fewer."""
MAD_TO_SIGMA = 1.4826
"""σ of a normal distribution per unit of median absolute deviation."""
MEAN_ABS_TO_SIGMA = 1.2533
"""σ of a normal distribution per unit of mean absolute deviation (fallback when the MAD is 0)."""
MAX_ROUNDS = 1000
"""Rounds of moves after which the dynamics stop unconverged (only an asymmetric φ gets there)."""


@dataclass(frozen=True)
class TauEstimate:
    """The data-driven τ = ``median`` + ``multiplier`` · ``robust_sigma`` from ``pairs`` sampled pairs."""

    tau: float
    median: float
    robust_sigma: float
    multiplier: float
    pairs: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"tau": self.tau, "median": self.median, "robust_sigma": self.robust_sigma, "multiplier": self.multiplier, "pairs": self.pairs}


def noise_tau(phi: np.ndarray, rng: np.random.Generator, multiplier: float = TAU_MULTIPLIER, pairs: int = TAU_PAIRS) -> TauEstimate:
    """The default resolution τ of φ (n, n) (module docstring): median + ``multiplier`` · robust σ.

    σ̂ = 1.4826 · median |φ_ij − median| over ``pairs`` uniform off-diagonal pairs i < j (all of
    them when there are fewer); where more than half the pairs share one value (MAD = 0) the
    mean absolute deviation · 1.2533 stands in. A game of fewer than 2 players gets τ = 0.
    """
    n = phi.shape[0]
    total = n * (n - 1) // 2
    if total == 0:
        return TauEstimate(0.0, 0.0, 0.0, multiplier, 0)
    if total <= pairs:
        rows, cols = np.triu_indices(n, 1)
    else:
        rows = rng.integers(0, n, size=pairs)
        cols = (rows + rng.integers(1, n, size=pairs)) % n
    values = np.asarray(phi[rows, cols], dtype=np.float64)
    if not np.isfinite(values).all():
        raise NumericalError("φ holds NaN or infinite entries", hint="recompute the valuation; the game needs finite values")
    median = float(np.median(values))
    deviation = np.abs(values - median)
    sigma = MAD_TO_SIGMA * float(np.median(deviation)) or MEAN_ABS_TO_SIGMA * float(deviation.mean())
    return TauEstimate(median + multiplier * sigma, median, sigma, multiplier, len(values))


@dataclass(frozen=True)
class Dynamics:
    """Outcome of :func:`best_response_dynamics`: canonical ``labels`` (n,), ``rounds`` of the
    move check, ``moves`` made, ``converged`` (the last check found no improving move), and the
    moves themselves as (player, coalition id joined) when recorded."""

    labels: np.ndarray
    rounds: int
    moves: int
    converged: bool
    history: list[tuple[int, int]] = field(default_factory=list)


def best_response_dynamics(
    preference: AdditivePreference,
    rng: np.random.Generator,
    *,
    cap: int | None = None,
    individual: bool = False,
    record: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> Dynamics:
    """Run the dynamics of the module docstring from singletons to a stable partition.

    ``cap``: coalitions of that many members take no one more (None: no cap); ``individual``:
    the individually stable variant; ``record``: keep every move in ``history`` (coalition ids
    are the working ids 0..n−1, a free id meaning "alone"). Same ``rng`` state, same outcome.
    """
    state = _State.singletons(preference, cap)
    candidates = np.arange(preference.n)
    history: list[tuple[int, int]] = []
    moves = rounds = 0
    while rounds < max_rounds:
        rounds += 1
        made = state.play_round(rng.permutation(candidates), individual, history if record else None)
        moves += made
        if not made:
            return Dynamics(canonical_labels(state.labels), rounds, moves, True, history)
        candidates = preference.screen(state.labels, cap)
    return Dynamics(canonical_labels(state.labels), rounds, moves, False, history)


@dataclass
class _State:
    """The working partition: coalition id per player (ids 0..n−1; an id no player holds is an
    empty coalition, "alone"), members per id, and each id's penalty τ·|C| (+∞ once the cap closes it)."""

    preference: AdditivePreference
    cap: int | None
    labels: np.ndarray
    sizes: np.ndarray
    penalty: np.ndarray

    @classmethod
    def singletons(cls, preference: AdditivePreference, cap: int | None) -> _State:
        n = preference.n
        sizes = np.ones(n, dtype=np.int64)
        return cls(preference, cap, np.arange(n, dtype=np.int64), sizes, preference.penalty(sizes, cap))

    def play_round(self, order: np.ndarray, individual: bool, history: list[tuple[int, int]] | None) -> int:
        """Visit the players of ``order``, and after each move the members of the two coalitions it
        touched, each taking its best improving move; returns the number of moves."""
        queue = deque(order.tolist())
        queued = np.zeros(len(self.labels), dtype=bool)
        queued[order] = True
        moves = 0
        while queue:
            player = queue.popleft()
            queued[player] = False
            target, gain = self.preference.best_move(player, self.labels, self.sizes, self.penalty, individual)
            if gain <= self.preference.tolerance:
                continue
            left = int(self.labels[player])
            self.move(player, target)
            moves += 1
            if history is not None:
                history.append((player, target))
            touched = np.flatnonzero(((self.labels == left) | (self.labels == target)) & ~queued)
            queue.extend(touched.tolist())
            queued[touched] = True
        return moves

    def move(self, player: int, target: int) -> None:
        """Move ``player`` into coalition id ``target``."""
        own = int(self.labels[player])
        self.labels[player] = target
        self.sizes[own] -= 1
        self.sizes[target] += 1
        ids = [own, target]
        self.penalty[ids] = self.preference.penalty(self.sizes[ids], self.cap)
