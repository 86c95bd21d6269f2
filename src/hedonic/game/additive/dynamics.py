"""Best-response dynamics of the additively separable game.

Dynamics (spec §5). Start from singletons. A round visits a list of players one by one in a
seeded random order; each, in the partition as it stands when visited, moves to the coalition it
values most among those with fewer than ``cap`` members (or alone, value 0) if that strictly
beats its current one (:meth:`AdditivePreference.best_move`, exact, one ``bincount`` of φ's row).
With ``individual`` a move also needs every member of the receiving coalition not to lose
(φ_ji ≥ τ_ji), the individually stable variant. After a move, the members of the two coalitions it
changed are visited again in the same round. The first round visits every player; each later
round visits the players the screen of :meth:`AdditivePreference.screen` cannot clear (those that
may have an improving move; one pass over φ). A round without a move ends the dynamics, and is
the exact stability certificate: the screened-out players provably have no improving move, the
others were each checked exactly. Every move raises the potential W
(:mod:`hedonic.game.additive.preference`) by more than the tolerance, so the dynamics terminate;
:data:`MAX_ROUNDS` only guards against an asymmetric φ, for which W is no potential.

The resolution τ_ij of the preference comes from :mod:`hedonic.game.additive.resolution`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from hedonic.game.coalition_index import canonical_labels

if TYPE_CHECKING:
    from hedonic.game.additive.preference import AdditivePreference

MAX_ROUNDS = 1000
"""Rounds of moves after which the dynamics stop unconverged (only an asymmetric φ gets there)."""


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
    empty coalition, "alone"), members per id, each id's penalty τ·|C| (+∞ once the cap closes it)
    and, where the preference has pair factors, each id's total factor T_C."""

    preference: AdditivePreference
    cap: int | None
    labels: np.ndarray
    sizes: np.ndarray
    penalty: np.ndarray
    totals: np.ndarray | None

    @classmethod
    def singletons(cls, preference: AdditivePreference, cap: int | None) -> _State:
        n = preference.n
        sizes = np.ones(n, dtype=np.int64)
        labels = np.arange(n, dtype=np.int64)
        return cls(preference, cap, labels, sizes, preference.penalty(sizes, cap), preference.totals(labels))

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
            target, gain = self.preference.best_move(player, self.labels, self.sizes, self.penalty, individual, self.totals)
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
        if self.totals is not None:
            factor = self.preference.factors[player]  # type: ignore[index]
            self.totals[own] -= factor
            self.totals[target] += factor
