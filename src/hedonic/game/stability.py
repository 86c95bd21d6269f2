"""Stability of a partition under the game's preferences: the test oracle of the game (spec §5).

A coalition T blocks a partition π when every member i of T strictly prefers T to its coalition
π(i). Two preferences, one per choice rule (a ``preference`` argument is either):

- ``fixed``: the friendship digraph ``friends`` (n, n) bool; i prefers more friends, then fewer
  members (:mod:`hedonic.game.preferences`);
- ``available``: a :class:`~hedonic.game.ranked_preference.RankedPreference`; i prefers a better
  list of its k best partners, then fewer members.

A partition nothing blocks is core stable. Three checks, on exactly the partition given:

- :func:`pac_stability`: the blocking rate over fresh samples T ~ D and its one-sided
  Clopper–Pearson upper bound ε at confidence 1 − δ ("ε-PAC stable": Pr_T[T blocks π] ≤ ε);
- :func:`core_blocking_coalition`: exhaustive search over all 2ⁿ − 1 coalitions (n ≤ 14), which
  proves core stability or returns a smallest blocking coalition;
- :func:`largest_blocking_coalition`: the polynomial oracle. Gaining a friend is monotone (a
  player with no more friends in T than in π(i) has no more in any subset of T), so repeatedly
  dropping every member who would not gain a friend ends at the largest coalition in which every
  member gains a friend: it contains all such blocking coalitions, blocks itself when non-empty,
  and is empty when none exists. Coalitions that block only through the size tie-break (as many
  friends, fewer members) are not monotone and are left to the other two checks. The same holds
  for the ``available`` preference with "gains a friend" read as "gets a better partner list"
  (:meth:`~hedonic.game.ranked_preference.RankedPreference.largest_gaining`).

Players are the partition's neurons in ascending order: row p of the friendship digraph
``friends`` (n, n), or of the preference's φ, is neuron ``partition.neurons[p]``; coalitions are
given as neuron ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.stats import beta

from hedonic.errors import ConfigError
from hedonic.game.partition import Partition
from hedonic.game.ranked_preference import RankedPreference
from hedonic.game.sampling import Sampler, draw_in_chunks

EXHAUSTIVE_MAX_PLAYERS = 14
"""Largest game :func:`core_blocking_coalition` enumerates (2¹⁴ − 1 coalitions)."""

Preference = sp.spmatrix | sp.sparray | RankedPreference
"""The game's preference: a friendship digraph (``fixed`` rule) or a :class:`RankedPreference` (``available``)."""


def _check_players(partition: Partition, preference: Preference) -> sp.csr_matrix | RankedPreference:
    shape = preference.phi.shape if isinstance(preference, RankedPreference) else preference.shape
    if shape != (partition.n_players, partition.n_players):
        raise ConfigError(
            f"the preference is over {shape[0]}×{shape[1]} player pairs for a partition of {partition.n_players} players",
            hint="build both from the same φ",
        )
    if isinstance(preference, RankedPreference):
        return preference
    graph = sp.csr_matrix(preference, dtype=bool)
    graph.sort_indices()
    return graph


def _blocking_check(labels: np.ndarray, preference: sp.csr_matrix | RankedPreference) -> Callable[[np.ndarray], np.ndarray]:
    """A function (m, w) samples → (m,) bool blocking flags for the partition ``labels``, computed
    with what the check needs of the partition prepared once."""
    if isinstance(preference, RankedPreference):
        own = preference.own_partners(labels)
        return lambda samples: preference.blocking(samples, labels, own)
    return lambda samples: blocking_mask(samples, labels, preference)


def _positions(partition: Partition, coalition: Iterable[int]) -> np.ndarray:
    ids = np.unique(np.fromiter(coalition, dtype=np.int64))
    neurons = np.asarray(partition.neurons, dtype=np.int64)
    positions = np.searchsorted(neurons, ids)
    if len(ids) == 0 or (positions >= len(neurons)).any() or (neurons[np.minimum(positions, len(neurons) - 1)] != ids).any():
        raise ConfigError("a coalition must be a non-empty set of the partition's neurons", hint="pass neuron ids from partition.neurons")
    return positions


def own_friends(friends: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """|F_i ∩ π(i)| (n,) int64: friends each player has in its own coalition (labels (n,))."""
    rows = np.repeat(np.arange(friends.shape[0]), np.diff(friends.indptr))
    same = labels[rows] == labels[friends.indices]
    return np.bincount(rows[same], minlength=friends.shape[0]).astype(np.int64)


def blocking_mask(samples: np.ndarray, labels: np.ndarray, preference: sp.csr_matrix | RankedPreference) -> np.ndarray:
    """Which sampled coalitions block the partition ``labels`` (n,): (m, w) positions → (m,) bool.

    ``samples`` rows list member positions padded with -1. Friendship digraph (sorted CSR): arcs
    are looked up by binary search in the sorted arc keys, O(m·w²·log nnz) with no Python loop;
    a :class:`RankedPreference`: :meth:`~RankedPreference.blocking`.
    """
    if isinstance(preference, RankedPreference):
        return preference.blocking(samples, labels)
    friends = preference
    n = friends.shape[0]
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(friends.indptr)) * n + friends.indices
    member = samples >= 0
    first, second = samples[:, :, None], samples[:, None, :]
    pair = member[:, :, None] & member[:, None, :] & (first != second)
    query = np.where(pair, first * n + second, -1)
    found = np.searchsorted(keys, query)
    hit = pair & (keys[np.minimum(found, len(keys) - 1)] == query) if len(keys) else np.zeros_like(pair)
    gained = hit.sum(axis=2)
    size = member.sum(axis=1)
    players = np.where(member, samples, 0)
    own = own_friends(friends, labels)[players]
    own_size = np.bincount(labels)[labels[players]]
    prefers = (gained > own) | ((gained == own) & (size[:, None] < own_size))
    return (prefers | ~member).all(axis=1) & (size > 0)


def blocks(coalition: Iterable[int], partition: Partition, preference: Preference) -> bool:
    """True when every member of ``coalition`` (neuron ids) strictly prefers it to its coalition in ``partition``."""
    checked = _check_players(partition, preference)
    positions = _positions(partition, coalition)
    return bool(blocking_mask(positions[None, :], partition.labels(), checked)[0])


def clopper_pearson_upper(failures: int, trials: int, delta: float) -> float:
    """One-sided Clopper–Pearson upper bound on a rate with ``failures`` of ``trials``, confidence 1 − δ."""
    if failures >= trials:
        return 1.0
    return float(beta.ppf(1.0 - delta, failures + 1, trials - failures))


def pac_stability(
    partition: Partition,
    preference: Preference,
    sampler: Sampler,
    rng: np.random.Generator,
    *,
    samples: int = 20000,
    delta: float = 0.05,
) -> dict[str, Any]:
    """Blocking rate of ``partition`` over ``samples`` fresh coalitions T ~ D from ``sampler``.

    Returns {"samples", "blocking", "rate", "epsilon_upper", "confidence", "statement"}:
    epsilon_upper is the Clopper–Pearson bound at confidence 1 − δ on Pr_T[T blocks].
    """
    if not 0 < delta < 1:
        raise ConfigError(f"delta must lie in (0, 1), got {delta}", hint="e.g. delta=0.05")
    if samples < 1:
        raise ConfigError(f"the stability check needs at least one sample, got {samples}", hint="e.g. 20000 samples")
    check = _blocking_check(partition.labels(), _check_players(partition, preference))
    blocking = sum(int(check(chunk).sum()) for chunk in draw_in_chunks(sampler, rng, samples, partition.n_players))
    upper = clopper_pearson_upper(blocking, samples, delta)
    return {
        "samples": samples,
        "blocking": blocking,
        "rate": blocking / samples,
        "epsilon_upper": upper,
        "confidence": 1.0 - delta,
        "statement": f"{upper:.3g}-PAC stable at confidence {1.0 - delta:g} ({blocking} of {samples} fresh samples from D block)",
    }


def core_blocking_coalition(partition: Partition, preference: Preference) -> tuple[int, ...] | None:
    """A smallest blocking coalition (neuron ids; the first in bit order among those), or None if core stable.

    Checks all 2ⁿ − 1 coalitions at once, as one (2ⁿ − 1, n) sample array; n ≤ 14.
    """
    checked = _check_players(partition, preference)
    n = partition.n_players
    if n > EXHAUSTIVE_MAX_PLAYERS:
        raise ConfigError(f"exhaustive search is limited to {EXHAUSTIVE_MAX_PLAYERS} players, got {n}", hint="use pac_stability or largest_blocking_coalition")
    if n == 0:
        return None
    members = ((np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    blocking = np.flatnonzero(_blocking_check(partition.labels(), checked)(np.where(members, np.arange(n), -1)))
    if not len(blocking):
        return None
    size = members.sum(axis=1)
    smallest = blocking[np.argmin(size[blocking])]
    return tuple(int(partition.neurons[p]) for p in np.flatnonzero(members[smallest]))


def largest_blocking_coalition(partition: Partition, preference: Preference) -> tuple[int, ...]:
    """The largest coalition in which every member gains (neuron ids; empty if none).

    Gains: a friend more (friendship digraph), or a better partner list (:class:`RankedPreference`).
    Starts from all players and drops, round after round, every member that does not gain
    inside; for a digraph each round is one sparse mat-vec, O(nnz).
    """
    checked = _check_players(partition, preference)
    if isinstance(checked, RankedPreference):
        inside = checked.largest_gaining(partition.labels())
        return tuple(int(partition.neurons[p]) for p in np.flatnonzero(inside))
    own = own_friends(checked, partition.labels())
    inside = np.ones(partition.n_players, dtype=bool)
    while True:
        keep = inside & (checked @ inside.astype(np.int64) > own)
        if (keep == inside).all():
            break
        inside = keep
    return tuple(int(partition.neurons[p]) for p in np.flatnonzero(inside))
