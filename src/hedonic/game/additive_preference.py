"""The additively separable preference: a neuron values a coalition by the sum of its pairwise φ.

Definition (spec §5). Player i in coalition S has utility

    u_i(S) = Σ_{j∈S, j≠i} (φ_ij − τ),   u_i({i}) = 0,

so φ(i, j) > τ makes j welcome to i and φ(i, j) < τ unwelcome; τ is the resolution of the game
(a mean valuation a coalition must offer to be worth joining). i strictly prefers S to S' when
u_i(S) > u_i(S') + tolerance, the tolerance being 1e-9 of the largest |φ| (utilities are summed
in float64 from φ's float32 entries, so equal sums computed in two orders never count as a gain).

With symmetric φ, W(π) = Σ_C Σ_{i<j∈C} (φ_ij − τ) = ½ Σ_i u_i(π(i)) is an exact potential: a
unilateral move of i from A to B changes W by exactly u_i(B ∪ {i}) − u_i(A). Every improving move
therefore raises W, and best-response dynamics (:mod:`hedonic.game.additive_dynamics`) end in a
Nash-stable partition. Additive utilities are not monotone (dropping an unwelcome member raises
a player's utility), so the polynomial core oracle of the top-responsive games does not apply:
:meth:`AdditivePreference.largest_gaining` returns None, and core stability is estimated on
samples (and decided exhaustively for n ≤ 14).

Worked example (τ = 0.5):

>>> import numpy as np
>>> phi = np.array([[0, 1, 0.2], [1, 0, 0.9], [0.2, 0.9, 0]], dtype=np.float32)
>>> preference = AdditivePreference(phi, tau=0.5)
>>> round(preference.utility(0, [0, 1, 2]), 6), round(preference.utility(0, [0, 1]), 6)
(0.2, 0.5)
>>> preference.compare(0, [0, 1], [0, 1, 2]), preference.compare(1, [0, 1], [0, 1, 2])
(1, -1)
>>> preference.deviations(np.array([0, 0, 1])).nash_stable
False

Player 0 gains 0.5 from 1 and loses 0.3 from 2; player 1 welcomes both. In {0, 1}, {2}, player 2
gains 0.4 − 0.3 by joining, a Nash deviation that player 0 objects to (φ_02 < τ).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hedonic.errors import ConfigError, NumericalError
from hedonic.game.coalition_index import CoalitionIndex, coalition_rows, player_blocks
from hedonic.game.preference import Deviations, MoveCheck, summarise_moves
from hedonic.game.preferences import check_valuation_matrix

TOLERANCE = 1e-9
"""A utility gain counts when it exceeds this share of the largest |φ|."""
SYMMETRY_RTOL = 1e-5
"""φ asymmetric by at most this share of its largest |φ| (float rounding) is symmetrised; more is refused."""


@dataclass(frozen=True)
class AdditivePreference:
    """u_i(S) = Σ_{j∈S, j≠i} (φ_ij − ``tau``) over φ (n, n) float, symmetric (module docstring)."""

    phi: np.ndarray
    tau: float
    scale: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_valuation_matrix(self.phi)
        if not np.isfinite(self.tau):
            raise ConfigError(f"τ must be finite, got {self.tau!r}", hint="pass a number, or tau='auto'")
        largest, asymmetry = 0.0, 0.0
        for players in player_blocks(self.n):
            block = np.asarray(self.phi[players])
            if not np.isfinite(block).all():
                raise NumericalError("φ holds NaN or infinite entries", hint="recompute the valuation; the game needs finite values")
            largest = max(largest, float(np.abs(block).max(initial=0.0)))
            asymmetry = max(asymmetry, float(np.abs(block - self.phi[:, players].T).max(initial=0.0)))
        if asymmetry > SYMMETRY_RTOL * largest:
            raise ConfigError(
                f"the additive game needs a symmetric φ: |φ_ij − φ_ji| reaches {asymmetry:.3g} (largest |φ| {largest:.3g})",
                hint="symmetrise it, e.g. (phi + phi.T) / 2, or play a top-responsive game",
            )
        if asymmetry:
            object.__setattr__(self, "phi", ((self.phi + self.phi.T) / 2).astype(self.phi.dtype))
        object.__setattr__(self, "scale", largest)

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.phi.shape[0])

    @property
    def tolerance(self) -> float:
        """The smallest utility difference that counts as a strict preference."""
        return TOLERANCE * self.scale

    def describe(self) -> dict[str, Any]:
        """JSON description: {"game": "additive", "tau", "utility"}."""
        return {"game": "additive", "tau": float(self.tau), "utility": "sum over the coalition's other members of (φ_ij − τ)"}

    def utility(self, i: int, coalition: Iterable[int] | np.ndarray) -> float:
        """u_i(S) for player ``i`` and S = ``coalition`` (player indices; i is added if missing)."""
        members = np.setdiff1d(np.unique(np.fromiter(coalition, dtype=np.int64)), [i])
        if len(members) and (members[0] < 0 or members[-1] >= self.n):
            raise ConfigError(f"coalition member out of range 0..{self.n - 1}", hint="use player indices, the rows of φ")
        return float(np.sum(self.phi[i, members], dtype=np.float64) - self.tau * len(members))

    def compare(self, i: int, first: Iterable[int] | np.ndarray, second: Iterable[int] | np.ndarray) -> int:
        """1 when u_i(``first``) exceeds u_i(``second``) by more than the tolerance, −1 the other way, else 0."""
        first, second = np.fromiter(first, dtype=np.int64), np.fromiter(second, dtype=np.int64)
        if i not in first or i not in second:
            raise ConfigError(f"player {i} must belong to both coalitions it compares", hint="add the player to both")
        difference = self.utility(i, first) - self.utility(i, second)
        return int(difference > self.tolerance) - int(difference < -self.tolerance)

    def own_utilities(self, labels: np.ndarray) -> np.ndarray:
        """u_i(π(i)) of every player (n,) float64 for the partition ``labels`` (n,); O(Σ_C |C|²)."""
        own = np.zeros(self.n, dtype=np.float64)
        for players, members in coalition_rows(labels, min_size=2):
            values = self.phi[players[:, None], members].astype(np.float64)
            own[players] = values.sum(axis=1) - self.phi[players, players] - self.tau * (members.shape[1] - 1)
        return own

    def welfare(self, labels: np.ndarray) -> float:
        """The potential W(π) = ½ Σ_i u_i(π(i)) of the partition ``labels`` (n,)."""
        return float(self.own_utilities(labels).sum() / 2.0)

    def blocking(self, samples: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Which coalitions of ``samples`` (m, w) (−1 padded) block ``labels`` (n,): (m,) bool.

        T blocks when u_i(T) > u_i(π(i)) + tolerance for every member i. O(m·w²).
        """
        member = samples >= 0
        players = np.maximum(samples, 0)
        pair = member[:, :, None] & member[:, None, :] & ~np.eye(samples.shape[1], dtype=bool)
        values = self.phi[players[:, :, None], players[:, None, :]].astype(np.float64) - self.tau
        utility = np.where(pair, values, 0.0).sum(axis=2)
        own = self.own_utilities(labels)[players]
        prefers = utility > own + self.tolerance
        return (prefers | ~member).all(axis=1) & member.any(axis=1)

    def largest_gaining(self, labels: np.ndarray) -> None:
        """None: additive utilities are not monotone, so no polynomial core oracle applies."""
        return None

    def move_checks(self, labels: np.ndarray, cap: int | None = None) -> Iterator[MoveCheck]:
        """The exact move check of every player, by blocks of players (:class:`MoveCheck`).

        Per block of players P, the (n, |P|) columns φ[:, P] (= rows, φ being symmetric) are
        totalled per coalition (:class:`CoalitionIndex`): Σ_{j∈C} φ_ij and the count of members
        j with φ_ji < τ (who would lose by i joining). A move to C ≠ π(i) is worth Σ_{j∈C} φ_ij −
        τ·|C| and needs |C| < ``cap``; a move alone is worth 0. O(n²) in all.
        """
        index = CoalitionIndex.of(labels)
        sizes = index.sizes.astype(np.float64)
        room = np.ones(index.count, dtype=bool) if cap is None else index.sizes < cap
        for players in player_blocks(self.n):
            column = np.asarray(self.phi[:, players], dtype=np.float64)
            sums = index.totals(column)
            objectors = index.totals(column < self.tau)
            own = index.labels[players]
            local = np.arange(len(players))
            current = sums[local, own] - column[players, local] - self.tau * (sizes[own] - 1)
            values = np.where(room, sums - self.tau * sizes, -np.inf)
            values[local, own] = -np.inf
            accepted = np.where(objectors == 0, values, -np.inf)
            yield self._tally(players, current, values, accepted)

    def _tally(self, rows: np.ndarray, current: np.ndarray, values: np.ndarray, accepted: np.ndarray) -> MoveCheck:
        """Best move per player of a block from its move values (b, C); moving alone is worth 0."""
        best = values.argmax(axis=1) if values.shape[1] else np.zeros(len(rows), dtype=np.int64)
        best_value = values[np.arange(len(rows)), best] if values.shape[1] else np.full(len(rows), -np.inf)
        alone = best_value < 0.0
        target = np.where(alone, -1, best)
        gain = np.maximum(best_value, 0.0) - current
        best_accepted = np.maximum(accepted.max(axis=1, initial=-np.inf), 0.0)
        return MoveCheck(rows, gain > self.tolerance, best_accepted - current > self.tolerance, target, gain)

    def deviations(self, labels: np.ndarray, cap: int | None = None) -> Deviations:
        """Nash and individual stability of ``labels`` (n,) under the size ``cap``, over all moves."""
        return summarise_moves(self.move_checks(labels, cap))
