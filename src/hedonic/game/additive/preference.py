"""The additively separable preference: a neuron values a coalition by the sum of its pairwise φ.

Definition (spec §5). Player i in coalition S has utility

    u_i(S) = Σ_{j∈S, j≠i} (φ_ij − τ_ij),   τ_ij = τ + t_i t_j,   u_i({i}) = 0,

so φ(i, j) > τ_ij makes j welcome to i and φ(i, j) < τ_ij unwelcome; τ_ij is the resolution of the
game (what a pair must be worth for a coalition to be worth joining): a constant τ and, with
per-player factors t (n,), a rank-one part (:mod:`hedonic.game.additive.resolution` chooses them; without t,
τ_ij = τ). The pair term keeps every computation O(n) per player: coalition C costs player i
τ·|C| + t_i·T_C with T_C = Σ_{j∈C} t_j. i strictly prefers S to S' when
u_i(S) > u_i(S') + tolerance, the tolerance being 1e-9 of the largest |φ| (utilities are summed
in float64 from φ's float32 entries, so equal sums computed in two orders never count as a gain).

With symmetric φ (τ_ij is symmetric), W(π) = Σ_C Σ_{i<j∈C} (φ_ij − τ_ij) = ½ Σ_i u_i(π(i)) is an exact potential: a
unilateral move of i from A to B changes W by exactly u_i(B ∪ {i}) − u_i(A). Every improving move
therefore raises W, and best-response dynamics (:mod:`hedonic.game.additive.dynamics`) end in a
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

The exact move check (:meth:`AdditivePreference.move_checks`) runs in two steps. A screen bounds
every player's best gain from one sparse product S = M·φ in φ's own precision (M the coalition
membership matrix, S[c, p] = Σ_{j∈c} φ_jp = Σ_{j∈c} φ_pj); the rounding of a sum of at most s
terms is below γ_s · s · R_p (R_p = max_j |φ_pj|, γ_s = s·u/(1 − s·u), u the unit roundoff),
so a player whose screened gain stays below the tolerance by more than four times that bound
has no improving move. Every other player is checked exactly, in float64, over all coalitions
(one ``bincount`` of its row of φ). The screen costs one pass over φ; the exact checks O(n) each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from hedonic.errors import ConfigError
from hedonic.game.coalition_index import BLOCK_ELEMENTS, coalition_rows
from hedonic.game.preference import Deviations, MoveCheck, summarise_moves
from hedonic.matrix_scan import row_abs_max

TOLERANCE = 1e-9
"""A utility gain counts when it exceeds this share of the largest |φ|."""
SCREEN_SAFETY = 4.0
"""Factor on the rounding bound of the screen (module docstring)."""


@dataclass(frozen=True)
class AdditivePreference:
    """u_i(S) = Σ_{j∈S, j≠i} (φ_ij − ``tau`` − t_i t_j) over φ (n, n) float, symmetric (as
    :func:`~hedonic.game.phi.check_phi` returns it), with t = ``factors`` (n,) (None: no pair
    term) (module docstring).

    ``row_scale`` (n,) = max_j |φ_ij| and ``scale`` = max(max |φ|, max t²) are derived (the
    screen's bound and the tolerance).
    """

    phi: np.ndarray
    tau: float
    factors: np.ndarray | None = field(default=None, repr=False, compare=False)
    scale: float = field(init=False, repr=False, compare=False)
    row_scale: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not np.isfinite(self.tau):
            raise ConfigError(f"τ must be finite, got {self.tau!r}", hint="pass a number, or tau='auto'")
        row_scale = row_abs_max(self.phi)
        largest = float(row_scale.max(initial=0.0))
        if self.factors is not None:
            factors = np.asarray(self.factors, dtype=np.float64)
            if factors.shape != (self.n,) or not np.isfinite(factors).all():
                raise ConfigError(
                    f"the pair factors must be {self.n} finite numbers, got shape {factors.shape}",
                    hint="pass one factor per player, or None",
                )
            object.__setattr__(self, "factors", factors)
            largest = max(largest, float(np.max(factors**2, initial=0.0)))
        object.__setattr__(self, "scale", largest)
        object.__setattr__(self, "row_scale", row_scale)

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
        pair = "τ" if self.factors is None else "τ − t_i t_j"
        return {"game": "additive", "tau": float(self.tau), "utility": f"sum over the coalition's other members of (φ_ij − {pair})"}

    def totals(self, labels: np.ndarray) -> np.ndarray | None:
        """T_C = Σ_{j∈C} t_j per coalition id (n,) float64 of ``labels`` (n,) ids < n; None without factors."""
        return None if self.factors is None else _coalition_totals(labels, self.factors, self.n)

    def utility(self, i: int, coalition: Iterable[int] | np.ndarray) -> float:
        """u_i(S) for player ``i`` and S = ``coalition`` (player indices; i is added if missing)."""
        members = np.setdiff1d(np.unique(np.fromiter(coalition, dtype=np.int64)), [i])
        if len(members) and (members[0] < 0 or members[-1] >= self.n):
            raise ConfigError(f"coalition member out of range 0..{self.n - 1}", hint="use player indices, the rows of φ")
        pair = 0.0 if self.factors is None else self.factors[i] * float(self.factors[members].sum())
        return float(np.sum(self.phi[i, members], dtype=np.float64) - self.tau * len(members) - pair)

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
            if self.factors is not None:
                own[players] -= self.factors[players] * (self.factors[members].sum(axis=1) - self.factors[players])
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
        if self.factors is not None:
            values -= self.factors[players][:, :, None] * self.factors[players][:, None, :]
        utility = np.where(pair, values, 0.0).sum(axis=2)
        own = self.own_utilities(labels)[players]
        prefers = utility > own + self.tolerance
        return (prefers | ~member).all(axis=1) & member.any(axis=1)

    def largest_gaining(self, labels: np.ndarray) -> None:
        """None: additive utilities are not monotone, so no polynomial core oracle applies."""
        return None

    def penalty(self, sizes: np.ndarray, cap: int | None) -> np.ndarray:
        """τ·|C| per coalition id (``sizes`` (n,) members per id), +∞ where ``cap`` closes it: (n,) float64."""
        penalty = self.tau * np.asarray(sizes, dtype=np.float64)
        if cap is not None:
            penalty[np.asarray(sizes) >= cap] = np.inf
        return penalty

    def best_move(
        self,
        player: int,
        labels: np.ndarray,
        sizes: np.ndarray,
        penalty: np.ndarray,
        individual: bool = False,
        totals: np.ndarray | None = None,
    ) -> tuple[int, float]:
        """``player``'s best move, exactly (float64): (coalition id to join, gain over staying).

        ``labels`` (n,) coalition ids < n, ``sizes`` (n,) members per id (an id with none is
        "alone", worth 0), ``penalty`` (n,) from :meth:`penalty`, ``totals`` (n,) from
        :meth:`totals` (computed when None and the game has factors). With ``individual`` only
        coalitions whose members all have φ_j,player ≥ τ_j,player count. The move strictly
        improves exactly when the gain exceeds :attr:`tolerance`. One ``bincount`` of φ's row, O(n).
        """
        row = self.phi[player]
        values = np.bincount(labels, weights=row, minlength=self.n)
        own = labels[player]
        current = values[own] - row[player] - self.tau * (sizes[own] - 1)
        np.subtract(values, penalty, out=values)
        floor: float | np.ndarray = self.tau
        if self.factors is not None:
            totals = _coalition_totals(labels, self.factors, self.n) if totals is None else totals
            weight = self.factors[player]
            current -= weight * (totals[own] - weight)
            values -= weight * totals
            floor = self.tau + weight * self.factors
        if individual:
            values[np.bincount(labels, weights=row < floor, minlength=self.n) > 0] = -np.inf
        values[own] = -np.inf
        target = int(np.argmax(values))
        return target, float(values[target] - current)

    def screen(self, labels: np.ndarray, cap: int | None = None) -> np.ndarray:
        """Players that may have a strictly improving move (ascending positions); the others have none.

        One product S = M·φ in φ's precision, by chunks of coalitions, and the rounding bound of
        the module docstring.
        """
        ids, inverse = np.unique(labels, return_inverse=True)
        inverse = inverse.ravel()
        sizes = np.bincount(inverse).astype(np.float64)
        membership = sp.csr_matrix((np.ones(self.n, dtype=self.phi.dtype), (inverse, np.arange(self.n))), shape=(len(ids), self.n))
        largest = float(sizes.max(initial=1.0))
        unit = np.finfo(self.phi.dtype).eps / 2
        rounding = (largest + 2) * unit / (1 - (largest + 2) * unit)
        factors = np.zeros(self.n) if self.factors is None else self.factors
        totals = np.bincount(inverse, weights=factors)
        margin = SCREEN_SAFETY * rounding * largest * (self.row_scale + abs(self.tau) + np.abs(factors) * np.abs(factors).max(initial=0.0))
        best, current = np.full(self.n, -np.inf), np.zeros(self.n)
        step = max(1, BLOCK_ELEMENTS // max(self.n, 1))
        for first in range(0, len(ids), step):
            last = min(first + step, len(ids))
            product = np.asarray(membership[first:last] @ self.phi, dtype=np.float64)
            inside = np.flatnonzero((inverse >= first) & (inverse < last))
            rows = inverse[inside] - first
            own = inverse[inside]
            current[inside] = (
                product[rows, inside]
                - self.phi[inside, inside]
                - self.tau * (sizes[own] - 1)
                - factors[inside] * (totals[own] - factors[inside])
            )
            product -= self.tau * sizes[first:last, None] + totals[first:last, None] * factors[None, :]
            if cap is not None:
                product[sizes[first:last] >= cap] = -np.inf
            product[rows, inside] = -np.inf
            best = np.maximum(best, product.max(axis=0))
        gain = np.maximum(best, 0.0) - current
        return np.flatnonzero(gain + margin > self.tolerance)

    def move_checks(self, labels: np.ndarray, cap: int | None = None) -> Iterator[MoveCheck]:
        """The exact move check (:class:`MoveCheck`) of the players the screen leaves; the rest have none."""
        labels = np.unique(labels, return_inverse=True)[1].ravel().astype(np.int64)
        sizes = np.bincount(labels, minlength=self.n)
        penalty, totals = self.penalty(sizes, cap), self.totals(labels)
        candidates = self.screen(labels, cap)
        nash = [self.best_move(int(p), labels, sizes, penalty, totals=totals) for p in candidates]
        accepted = np.array([self.best_move(int(p), labels, sizes, penalty, individual=True, totals=totals)[1] for p in candidates])
        gains = np.array([gain for _, gain in nash], dtype=np.float64)
        targets = np.array([target if sizes[target] else -1 for target, _ in nash], dtype=np.int64)
        yield MoveCheck(candidates, gains > self.tolerance, accepted > self.tolerance, targets, gains)

    def deviations(self, labels: np.ndarray, cap: int | None = None) -> Deviations:
        """Nash and individual stability of ``labels`` (n,) under the size ``cap``, over all moves."""
        return summarise_moves(self.move_checks(labels, cap))


def _coalition_totals(labels: np.ndarray, factors: np.ndarray, n: int) -> np.ndarray:
    """T_C = Σ_{j∈C} t_j per coalition id: (n,) float64 of ``labels`` (n,) ids < n and ``factors`` t (n,)."""
    return np.bincount(labels, weights=factors, minlength=n)
