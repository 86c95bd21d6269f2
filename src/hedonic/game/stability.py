"""Stability of a partition under friend-based preferences: the test oracle of the game (spec §5).

A coalition T blocks a partition π when every member i of T strictly prefers T to its coalition
π(i): more friends in T than in π(i), or as many friends and |T| < |π(i)|. A partition nothing
blocks is core stable. Three checks, on exactly the partition given:

- :func:`pac_stability`: the blocking rate over fresh samples T ~ D and its one-sided
  Clopper–Pearson upper bound ε at confidence 1 − δ ("ε-PAC stable": Pr_T[T blocks π] ≤ ε);
- :func:`core_blocking_coalition`: exhaustive search over all 2ⁿ − 1 coalitions (n ≤ 14), which
  proves core stability or returns a smallest blocking coalition;
- :func:`largest_blocking_coalition`: the polynomial oracle. Gaining a friend is monotone (a
  player with no more friends in T than in π(i) has no more in any subset of T), so repeatedly
  dropping every member who would not gain a friend ends at the largest coalition in which every
  member gains a friend: it contains all such blocking coalitions, blocks itself when non-empty,
  and is empty when none exists. Coalitions that block only through the size tie-break (as many
  friends, fewer members) are not monotone and are left to the other two checks.

Players are the partition's neurons in ascending order: row p of the friendship digraph
``friends`` (n, n) is neuron ``partition.neurons[p]``; coalitions are given as neuron ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.stats import beta

from hedonic.errors import ConfigError
from hedonic.game.partition import Partition
from hedonic.game.sampling import Sampler, draw_in_chunks

EXHAUSTIVE_MAX_PLAYERS = 14
"""Largest game :func:`core_blocking_coalition` enumerates (2¹⁴ − 1 coalitions)."""


def _check_players(partition: Partition, friends: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    if friends.shape != (partition.n_players, partition.n_players):
        raise ConfigError(
            f"the friendship digraph is {friends.shape[0]}×{friends.shape[1]} for a partition of {partition.n_players} players",
            hint="build both from the same φ",
        )
    graph = sp.csr_matrix(friends, dtype=bool)
    graph.sort_indices()
    return graph


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


def blocking_mask(samples: np.ndarray, labels: np.ndarray, friends: sp.csr_matrix) -> np.ndarray:
    """Which sampled coalitions block the partition ``labels`` (n,): (m, w) positions → (m,) bool.

    ``samples`` rows list member positions padded with -1; arcs are looked up by binary search
    in the sorted arc keys, O(m·w²·log nnz) with no Python loop.
    """
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


def blocks(coalition: Iterable[int], partition: Partition, friends: sp.spmatrix | sp.sparray) -> bool:
    """True when every member of ``coalition`` (neuron ids) strictly prefers it to its coalition in ``partition``."""
    graph = _check_players(partition, friends)
    positions = _positions(partition, coalition)
    return bool(blocking_mask(positions[None, :], partition.labels(), graph)[0])


def clopper_pearson_upper(failures: int, trials: int, delta: float) -> float:
    """One-sided Clopper–Pearson upper bound on a rate with ``failures`` of ``trials``, confidence 1 − δ."""
    if failures >= trials:
        return 1.0
    return float(beta.ppf(1.0 - delta, failures + 1, trials - failures))


def pac_stability(
    partition: Partition,
    friends: sp.spmatrix | sp.sparray,
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
    graph = _check_players(partition, friends)
    labels = partition.labels()
    blocking = sum(int(blocking_mask(chunk, labels, graph).sum()) for chunk in draw_in_chunks(sampler, rng, samples, graph.shape[0]))
    upper = clopper_pearson_upper(blocking, samples, delta)
    return {
        "samples": samples,
        "blocking": blocking,
        "rate": blocking / samples,
        "epsilon_upper": upper,
        "confidence": 1.0 - delta,
        "statement": f"{upper:.3g}-PAC stable at confidence {1.0 - delta:g} ({blocking} of {samples} fresh samples from D block)",
    }


def core_blocking_coalition(partition: Partition, friends: sp.spmatrix | sp.sparray) -> tuple[int, ...] | None:
    """A smallest blocking coalition (neuron ids; the first in bit order among those), or None if core stable.

    Enumerates all 2ⁿ − 1 coalitions as one (2ⁿ − 1, n) boolean matrix; n ≤ 14.
    """
    graph = _check_players(partition, friends)
    n = partition.n_players
    if n > EXHAUSTIVE_MAX_PLAYERS:
        raise ConfigError(f"exhaustive search is limited to {EXHAUSTIVE_MAX_PLAYERS} players, got {n}", hint="use pac_stability or largest_blocking_coalition")
    if n == 0:
        return None
    labels = partition.labels()
    members = ((np.arange(1, 2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    gained = members.astype(np.int64) @ graph.toarray().T.astype(np.int64)
    size = members.sum(axis=1)
    own = own_friends(graph, labels)
    own_size = np.bincount(labels)[labels]
    prefers = (gained > own) | ((gained == own) & (size[:, None] < own_size))
    blocking = np.flatnonzero((prefers | ~members).all(axis=1))
    if not len(blocking):
        return None
    smallest = blocking[np.argmin(size[blocking])]
    return tuple(int(partition.neurons[p]) for p in np.flatnonzero(members[smallest]))


def largest_blocking_coalition(partition: Partition, friends: sp.spmatrix | sp.sparray) -> tuple[int, ...]:
    """The largest coalition in which every member gains a friend (neuron ids; empty if none).

    Starts from all players and drops, round after round, every member with no more friends
    inside than in its own coalition; each round is one sparse mat-vec, O(nnz).
    """
    graph = _check_players(partition, friends)
    own = own_friends(graph, partition.labels())
    inside = np.ones(partition.n_players, dtype=bool)
    while True:
        keep = inside & (graph @ inside.astype(np.int64) > own)
        if (keep == inside).all():
            break
        inside = keep
    return tuple(int(partition.neurons[p]) for p in np.flatnonzero(inside))
