"""The one interface every preference of the neuron game offers, and the result of its exact move check.

Three preferences implement :class:`Preference` (players are the rows 0..n−1 of φ; a partition is
given as coalition labels (n,)):

- :class:`~hedonic.game.friends.fixed_preference.FriendPreference` (top-responsive, ``fixed`` friends);
- :class:`~hedonic.game.friends.available_preference.RankedPreference` (top-responsive, ``available``
  partners re-ranked inside each coalition; the paper's multi-friend utility);
- :class:`~hedonic.game.additive.preference.AdditivePreference` (additively separable, u_i(S) = Σ_{j∈S}(φ_ij − τ)).

What the stability code (:mod:`hedonic.game.stability`) asks of them:

- ``compare(i, first, second)``: player i's strict preference between two coalitions holding it;
- ``blocking(samples, labels)``: which coalitions (m, w) (−1 padded) block the partition, i.e.
  every member strictly prefers the sample to its own coalition (the core condition);
- ``deviations(labels, cap)``: the exact unilateral-move check over every player and every
  coalition (:class:`Deviations`): Nash stability (no player strictly gains by moving to another
  coalition with fewer than ``cap`` members, or alone) and individual stability (no such move that
  also leaves no member of the receiving coalition worse off);
- ``largest_gaining(labels)``: for monotone preferences, the largest coalition in which every
  member strictly gains (the polynomial core oracle of spec §5), or None where the preference is
  not monotone;
- ``welfare(labels)``: the game's potential where it has one (additive), else None;
- ``describe()``: a JSON description (recorded in the partition's stability).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Deviations:
    """The exact unilateral-move check of one partition.

    ``nash_violations``: players with a strictly improving move (to another coalition with room
    under the cap, or alone); ``individual_violations``: players with such a move that no member
    of the receiving coalition objects to (a move alone always counts); ``largest_gain``: the
    largest utility gain of an improving move, for cardinal utilities (0.0 when none; None for
    ordinal preferences); ``example``: one violating move as (player position, coalition label it
    would join, −1 = alone), or None.
    """

    nash_violations: int
    individual_violations: int
    largest_gain: float | None
    example: tuple[int, int] | None

    @property
    def nash_stable(self) -> bool:
        """No player gains by a unilateral move."""
        return self.nash_violations == 0

    @property
    def individually_stable(self) -> bool:
        """No player gains by a unilateral move its new coalition accepts."""
        return self.individual_violations == 0


class Preference(Protocol):
    """What every preference of the game offers (module docstring)."""

    @property
    def n(self) -> int:
        """Number of players."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON description of the preference."""
        ...

    def compare(self, i: int, first: Iterable[int] | np.ndarray, second: Iterable[int] | np.ndarray) -> int:
        """1 when player ``i`` strictly prefers ``first``, −1 for ``second``, 0 when indifferent."""
        ...

    def blocking(self, samples: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """(m, w) sampled coalitions (positions, −1 padded) → (m,) bool: blocks the partition ``labels``."""
        ...

    def deviations(self, labels: np.ndarray, cap: int | None = None) -> Deviations:
        """The exact unilateral-move check of the partition ``labels`` (n,) under a size ``cap``."""
        ...

    def largest_gaining(self, labels: np.ndarray) -> np.ndarray | None:
        """(n,) bool: the largest coalition whose members all strictly gain, or None (not monotone)."""
        ...

    def welfare(self, labels: np.ndarray) -> float | None:
        """The potential of the partition ``labels``, or None where the game has none."""
        ...


@dataclass(frozen=True)
class MoveCheck:
    """The exact move check of a block of players (``positions`` (b,)).

    ``nash`` (b,) bool: some move (to another coalition with room under the cap, or alone)
    strictly improves; ``individual`` (b,) bool: some such move is accepted by every member of the
    receiving coalition (none of them is made worse off; a move alone always is); ``target`` (b,)
    the coalition label of the player's best move (−1 alone; meaningful where ``nash``); ``gain``
    (b,) float64 the utility gain of that move, or None for ordinal preferences.
    """

    positions: np.ndarray
    nash: np.ndarray
    individual: np.ndarray
    target: np.ndarray
    gain: np.ndarray | None = None


def summarise_moves(checks: Iterable[MoveCheck]) -> Deviations:
    """One :class:`Deviations` from the move checks of all blocks of players."""
    nash = individual = 0
    largest_gain: float | None = None
    example: tuple[int, int] | None = None
    for check in checks:
        nash += int(check.nash.sum())
        individual += int(check.individual.sum())
        if check.gain is not None:
            gains = check.gain[check.nash]
            largest_gain = max(largest_gain or 0.0, float(gains.max(initial=0.0)))
        if example is None and check.nash.any():
            first = int(np.flatnonzero(check.nash)[0])
            example = (int(check.positions[first]), int(check.target[first]))
    return Deviations(nash, individual, largest_gain, example)
