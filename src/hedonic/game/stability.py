"""Stability of a partition under the game's preference: the test oracle of the game (spec §5).

Every check goes through the :class:`~hedonic.game.preference.Preference` interface, so it holds
for each game alike. A coalition T *blocks* a partition π when every member i of T strictly
prefers T to its coalition π(i); a partition nothing blocks is core stable. The checks, on exactly
the partition given:

- :func:`pac_stability`: the blocking rate over fresh samples T ~ D and its one-sided
  Clopper–Pearson upper bound ε at confidence 1 − δ ("ε-PAC stable": Pr_T[T blocks π] ≤ ε);
- :func:`core_blocking_coalition`: exhaustive search over all 2ⁿ − 1 coalitions (n ≤ 14), which
  proves core stability or returns a smallest blocking coalition;
- :func:`largest_blocking_coalition`: the polynomial oracle of monotone preferences (the
  top-responsive ones): the largest coalition in which every member gains, which contains every
  blocking coalition of that kind and is empty when there is none;
- the preference's exact unilateral-move check (``deviations``): Nash and individual stability.

:func:`assess` runs them all and returns a :class:`~hedonic.game.stability_result.Stability`.
Players are the partition's neurons in ascending order: row p of the preference's φ (or digraph)
is neuron ``partition.neurons[p]``; coalitions are given as neuron ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import betaincinv

from hedonic.errors import ConfigError
from hedonic.game.sampling import Sampler, draw_in_chunks
from hedonic.game.stability_result import Stability

if TYPE_CHECKING:
    from hedonic.game.partition import Partition
    from hedonic.game.preference import Preference

EXHAUSTIVE_MAX_PLAYERS = 14
"""Largest game :func:`core_blocking_coalition` enumerates (2¹⁴ − 1 coalitions)."""


@dataclass(frozen=True)
class SampledStability:
    """The blocking rate over ``samples`` fresh coalitions: ``blocking`` of them block, rate and
    its Clopper–Pearson upper bound ``epsilon_upper`` at ``confidence``."""

    samples: int
    blocking: int
    rate: float
    epsilon_upper: float
    confidence: float

    @property
    def statement(self) -> str:
        """E.g. "0.00015-PAC stable at confidence 0.95 (0 of 20000 fresh samples from D block)"."""
        return f"{self.epsilon_upper:.3g}-PAC stable at confidence {self.confidence:g} ({self.blocking} of {self.samples} fresh samples from D block)"


def _check_players(partition: Partition, preference: Preference) -> None:
    if preference.n != partition.n_players:
        raise ConfigError(
            f"the preference is over {preference.n} players for a partition of {partition.n_players} players",
            hint="build both from the same φ",
        )


def _positions(partition: Partition, coalition: Iterable[int]) -> np.ndarray:
    ids = np.unique(np.fromiter(coalition, dtype=np.int64))
    neurons = np.asarray(partition.neurons, dtype=np.int64)
    positions = np.searchsorted(neurons, ids)
    if len(ids) == 0 or (positions >= len(neurons)).any() or (neurons[np.minimum(positions, len(neurons) - 1)] != ids).any():
        raise ConfigError("a coalition must be a non-empty set of the partition's neurons", hint="pass neuron ids from partition.neurons")
    return positions


def blocks(coalition: Iterable[int], partition: Partition, preference: Preference) -> bool:
    """True when every member of ``coalition`` (neuron ids) strictly prefers it to its coalition in ``partition``."""
    _check_players(partition, preference)
    positions = _positions(partition, coalition)
    return bool(preference.blocking(positions[None, :], partition.labels())[0])


def clopper_pearson_upper(failures: int, trials: int, delta: float) -> float:
    """One-sided Clopper–Pearson upper bound on a rate with ``failures`` of ``trials``, confidence 1 − δ."""
    if failures >= trials:
        return 1.0
    return float(betaincinv(failures + 1, trials - failures, 1.0 - delta))


def pac_stability(
    partition: Partition,
    preference: Preference,
    sampler: Sampler,
    rng: np.random.Generator,
    *,
    samples: int = 20000,
    delta: float = 0.05,
) -> SampledStability:
    """Blocking rate of ``partition`` over ``samples`` fresh coalitions T ~ D from ``sampler``,
    with the Clopper–Pearson bound at confidence 1 − δ on Pr_T[T blocks]."""
    if not 0 < delta < 1:
        raise ConfigError(f"delta must lie in (0, 1), got {delta}", hint="e.g. delta=0.05")
    if samples < 1:
        raise ConfigError(f"the stability check needs at least one sample, got {samples}", hint="e.g. 20000 samples")
    _check_players(partition, preference)
    labels = partition.labels()
    blocking = sum(int(preference.blocking(chunk, labels).sum()) for chunk in draw_in_chunks(sampler, rng, samples, partition.n_players))
    return SampledStability(samples, blocking, blocking / samples, clopper_pearson_upper(blocking, samples, delta), 1.0 - delta)


def core_blocking_coalition(partition: Partition, preference: Preference) -> tuple[int, ...] | None:
    """A smallest blocking coalition (neuron ids; the first in bit order among those), or None if core stable.

    Checks all 2ⁿ − 1 coalitions at once, as one (2ⁿ − 1, n) sample array; n ≤ 14.
    """
    _check_players(partition, preference)
    n = partition.n_players
    if n > EXHAUSTIVE_MAX_PLAYERS:
        raise ConfigError(
            f"exhaustive search is limited to {EXHAUSTIVE_MAX_PLAYERS} players, got {n}",
            hint="use pac_stability or largest_blocking_coalition",
        )
    if n == 0:
        return None
    members = ((np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    blocking = np.flatnonzero(preference.blocking(np.where(members, np.arange(n), -1), partition.labels()))
    if not len(blocking):
        return None
    size = members.sum(axis=1)
    smallest = blocking[np.argmin(size[blocking])]
    return tuple(int(partition.neurons[p]) for p in np.flatnonzero(members[smallest]))


def largest_blocking_coalition(partition: Partition, preference: Preference) -> tuple[int, ...] | None:
    """The largest coalition in which every member gains (neuron ids; empty if none), or None
    where the preference is not monotone (additive utilities)."""
    _check_players(partition, preference)
    inside = preference.largest_gaining(partition.labels())
    return None if inside is None else tuple(int(partition.neurons[p]) for p in np.flatnonzero(inside))


def assess(
    partition: Partition,
    preference: Preference,
    sampler: Sampler,
    rng: np.random.Generator,
    *,
    cap: int | None = None,
    samples: int = 20000,
    delta: float = 0.05,
) -> Stability:
    """Every check of the module docstring on ``partition`` under ``preference`` and the size ``cap``."""
    _check_players(partition, preference)
    labels = partition.labels()
    moves = preference.deviations(labels, cap)
    example = None
    if moves.example is not None:
        player, target = moves.example
        example = (int(partition.neurons[player]), None if target < 0 else int(partition.coalitions[target][0]))
    sampled = pac_stability(partition, preference, sampler, rng, samples=samples, delta=delta) if partition.n_players >= 2 else None
    largest = largest_blocking_coalition(partition, preference)
    witness = core_blocking_coalition(partition, preference) if partition.n_players <= EXHAUSTIVE_MAX_PLAYERS else None
    return Stability(
        preference=preference.describe(),
        nash_stable=moves.nash_stable,
        nash_violations=moves.nash_violations,
        individually_stable=moves.individually_stable,
        individual_violations=moves.individual_violations,
        largest_gain=moves.largest_gain,
        example_move=example,
        cap=cap,
        welfare=preference.welfare(labels),
        samples=None if sampled is None else sampled.samples,
        blocking=None if sampled is None else sampled.blocking,
        rate=None if sampled is None else sampled.rate,
        epsilon_upper=None if sampled is None else sampled.epsilon_upper,
        confidence=None if sampled is None else sampled.confidence,
        largest_blocking_coalition=None if largest is None else len(largest),
        core_stable=None if partition.n_players > EXHAUSTIVE_MAX_PLAYERS else witness is None,
        blocking_coalition=witness,
    )
