"""The one preference interface: every preference's exact move check against brute force over compare()."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.game import AdditivePreference, FriendPreference, FriendRule, Preference, RankedPreference, friend_sets


def _phi(n: int, seed: int, ties: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = (rng.integers(-2, 3, size=(n, n)) if ties else rng.standard_normal((n, n))).astype(np.float32)
    phi = np.triu(phi, 1)
    return phi + phi.T


def _brute_moves(preference: Preference, labels: np.ndarray, cap: int | None) -> tuple[int, int]:
    """Players with a strictly improving move, and with one no member of the receiving coalition dislikes."""
    nash = individual = 0
    for i in range(len(labels)):
        own = np.flatnonzero(labels == labels[i])
        targets = [np.flatnonzero(labels == c) for c in np.unique(labels) if c != labels[i]] + [np.zeros(0, dtype=np.int64)]
        better = [c for c in targets if (cap is None or len(c) < cap) and preference.compare(i, np.append(c, i), own) == 1]
        accepted = [c for c in better if all(preference.compare(j, np.append(c, i), c) >= 0 for j in c)]
        nash += bool(better)
        individual += bool(accepted)
    return nash, individual


def _preference(kind: str, phi: np.ndarray, k: int, threshold: float | None) -> Preference:
    if kind == "fixed":
        return FriendPreference(friend_sets(phi, FriendRule(k=k, threshold=threshold)), FriendRule(k=k, threshold=threshold))
    if kind == "available":
        return RankedPreference(phi, k, threshold)
    return AdditivePreference(phi, 0.0 if threshold is None else threshold)


@settings(max_examples=120, deadline=None)
@given(
    kind=st.sampled_from(["fixed", "available", "additive"]),
    n=st.integers(1, 9),
    k=st.integers(1, 3),
    threshold=st.sampled_from([None, 0.0, 0.5]),
    cap=st.sampled_from([None, 2, 3]),
    ties=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_move_checks_agree_with_brute_force(
    kind: str, n: int, k: int, threshold: float | None, cap: int | None, ties: bool, seed: int
) -> None:
    phi = _phi(n, seed, ties)
    labels = np.random.default_rng(seed + 1).integers(0, max(1, n // 2), size=n)
    preference = _preference(kind, phi, k, threshold)
    moves = preference.deviations(labels, cap)
    assert (moves.nash_violations, moves.individual_violations) == _brute_moves(preference, labels, cap)
    assert moves.nash_stable == (moves.nash_violations == 0) and (moves.largest_gain is None) == (kind != "additive")


def test_descriptions_and_welfare() -> None:
    phi = _phi(6, 0, False)
    rule = FriendRule(k=2, threshold=0.0)
    fixed = FriendPreference(friend_sets(phi, rule), rule)
    assert fixed.describe() == {"choice": "fixed", "k": 2, "threshold": 0.0, "mutual": False}
    assert RankedPreference(phi, 2).describe()["choice"] == "available"
    assert AdditivePreference(phi, 0.25).describe()["tau"] == 0.25
    labels = np.array([0, 0, 1, 1, 2, 2])
    assert fixed.welfare(labels) is None and RankedPreference(phi, 2).welfare(labels) is None
    assert AdditivePreference(phi, 0.25).largest_gaining(labels) is None
