"""The additively separable game: utilities, the dynamics against brute force, the potential, τ."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ConfigError
from hedonic.game import AdditivePreference, Partition, best_response_dynamics, discover, noise_tau, planted_valuation, save_partition


def _symmetric(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = rng.standard_normal((n, n)).astype(np.float32)
    phi = np.triu(phi, 1)
    return phi + phi.T


def _brute_welfare(phi: np.ndarray, tau: float, labels: np.ndarray) -> float:
    return sum(float(phi[i, j]) - tau for i, j in itertools.combinations(range(len(labels)), 2) if labels[i] == labels[j])


def _improving_moves(preference: AdditivePreference, labels: np.ndarray, cap: int | None) -> tuple[list[int], list[int]]:
    """Players with a strictly improving unilateral move (Nash), and with one the receivers accept (individual)."""
    nash, individual = [], []
    for i in range(len(labels)):
        own = np.flatnonzero(labels == labels[i])
        targets = [np.flatnonzero(labels == c) for c in np.unique(labels) if c != labels[i]] + [np.zeros(0, dtype=int)]
        allowed = [c for c in targets if cap is None or len(c) < cap]
        better = [c for c in allowed if preference.compare(i, np.append(c, i), own) == 1]
        accepted = [c for c in better if all(preference.phi[j, i] >= preference.tau for j in c)]
        if better:
            nash.append(i)
        if accepted:
            individual.append(i)
    return nash, individual


def test_worked_example_utilities_and_moves() -> None:
    phi = np.array([[0, 1, 0.2], [1, 0, 0.9], [0.2, 0.9, 0]], dtype=np.float32)
    preference = AdditivePreference(phi, tau=0.5)
    assert preference.utility(0, [0, 1, 2]) == pytest.approx(0.2) and preference.utility(2, [2]) == 0.0
    moves = preference.deviations(np.array([0, 0, 1]))
    assert (moves.nash_violations, moves.individual_violations) == (1, 0) and moves.example == (2, 0)
    assert moves.largest_gain == pytest.approx(0.1, abs=1e-6)
    assert preference.welfare(np.array([0, 0, 0])) == pytest.approx(0.6, abs=1e-6)
    assert preference.deviations(np.array([0, 0, 0])).nash_stable


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 9), seed=st.integers(0, 2**16), tau=st.sampled_from([0.0, 0.3, 1.0]), cap=st.sampled_from([None, 2, 3]))
def test_move_check_agrees_with_brute_force(n: int, seed: int, tau: float, cap: int | None) -> None:
    phi = _symmetric(n, seed)
    labels = np.random.default_rng(seed).integers(0, max(1, n // 2), size=n)
    preference = AdditivePreference(phi, tau)
    moves = preference.deviations(labels, cap)
    nash, individual = _improving_moves(preference, labels, cap)
    assert (moves.nash_violations, moves.individual_violations) == (len(nash), len(individual))
    assert (moves.example is None) == (not nash) and (moves.example is None or moves.example[0] == nash[0])


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    tau=st.sampled_from([0.0, 0.4, 1.2]),
    cap=st.sampled_from([None, 2, 4]),
    individual=st.booleans(),
)
def test_dynamics_raise_the_potential_and_end_stable(n: int, seed: int, tau: float, cap: int | None, individual: bool) -> None:
    phi = _symmetric(n, seed)
    preference = AdditivePreference(phi, tau)
    outcome = best_response_dynamics(preference, np.random.default_rng(seed), cap=cap, individual=individual, record=True)
    assert outcome.converged and outcome.moves == len(outcome.history)
    labels = np.arange(n)
    welfare = 0.0
    for player, target in outcome.history:
        labels = labels.copy()
        labels[player] = target
        after = _brute_welfare(phi, tau, labels)
        assert after > welfare + preference.tolerance
        assert cap is None or np.bincount(labels).max() <= cap
        welfare = after
    assert Partition.from_labels(labels, "t").coalitions == Partition.from_labels(outcome.labels, "t").coalitions
    assert preference.welfare(outcome.labels) == pytest.approx(welfare, abs=1e-5)
    nash, accepted = _improving_moves(preference, outcome.labels, cap)
    assert accepted == [] and (individual or nash == [])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 2**16), tau=st.sampled_from([0.0, 0.5]))
def test_blocking_agrees_with_compare(n: int, seed: int, tau: float) -> None:
    phi = _symmetric(n, seed)
    preference = AdditivePreference(phi, tau)
    labels = np.random.default_rng(seed).integers(0, 3, size=n)
    every = [c for size in range(1, n + 1) for c in itertools.combinations(range(n), size)]
    samples = np.full((len(every), n), -1)
    for row, coalition in enumerate(every):
        samples[row, : len(coalition)] = coalition
    expected = [all(preference.compare(i, c, np.flatnonzero(labels == labels[i])) == 1 for i in c) for c in every]
    assert preference.blocking(samples, labels).tolist() == expected


def test_same_seed_gives_a_byte_identical_partition(tmp_path: Path) -> None:
    phi, _ = planted_valuation(200, 0.3, sizes=(4, 10), seed=4)
    first = save_partition(discover(phi, seed=3, stability_samples=300), tmp_path / "a.json").read_bytes()
    second = save_partition(discover(phi, seed=3, stability_samples=300), tmp_path / "b.json").read_bytes()
    assert first == second


def test_the_cap_holds_and_individual_stability_is_weaker() -> None:
    phi, _ = planted_valuation(300, 0.2, sizes=(10, 20), seed=2)
    capped = discover(phi, max_size=6, stability_samples=200)
    assert capped.largest() <= 6 and capped.stability is not None and capped.stability.nash_stable and capped.stability.cap == 6
    individual = discover(phi, method="additive-individual", stability_samples=200)
    assert individual.stability is not None and individual.stability.individually_stable


def test_noise_tau_estimates_the_noise_scale() -> None:
    phi, _ = planted_valuation(800, 0.3, seed=1)
    estimate = noise_tau(phi, np.random.default_rng(0))
    assert estimate.robust_sigma == pytest.approx(0.3, rel=0.05) and estimate.pairs == 800 * 799 // 2
    assert estimate.tau == pytest.approx(estimate.median + 1.5 * estimate.robust_sigma)
    sampled = noise_tau(phi, np.random.default_rng(0), pairs=50000)
    assert sampled.pairs == 50000 and sampled.robust_sigma == pytest.approx(0.3, rel=0.05)
    sparse = np.zeros((10, 10), dtype=np.float32)
    sparse[0, 1] = sparse[1, 0] = 4.0
    assert noise_tau(sparse, np.random.default_rng(0)).robust_sigma == pytest.approx(1.2533 * 4.0 / 45)
    assert noise_tau(np.zeros((1, 1), dtype=np.float32), np.random.default_rng(0)).tau == 0.0


def test_an_infinite_tau_is_refused() -> None:
    with pytest.raises(ConfigError, match="finite"):
        AdditivePreference(_symmetric(5, 0), float("inf"))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 1e-8]), cap=st.sampled_from([None, 8]))
def test_the_screen_never_clears_a_player_with_an_improving_move(seed: int, scale: float, cap: int | None) -> None:
    phi, _ = planted_valuation(300, 0.4, sizes=(3, 12), seed=seed)
    phi *= np.float32(scale)
    preference = AdditivePreference(phi, float(noise_tau(phi, np.random.default_rng(0)).tau))
    labels = np.random.default_rng(seed).integers(0, 60, size=300)
    sizes = np.bincount(labels, minlength=300)
    penalty = preference.penalty(sizes, cap)
    improving = [p for p in range(300) if preference.best_move(p, labels, sizes, penalty)[1] > preference.tolerance]
    screened = preference.screen(labels, cap)
    assert set(improving) <= set(screened.tolist())
    settled = best_response_dynamics(preference, np.random.default_rng(seed), cap=cap).labels
    assert len(preference.screen(settled, cap)) < 30


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 12),
    seed=st.integers(0, 2**16),
    tau=st.sampled_from([0.0, 0.3]),
    cap=st.sampled_from([None, 3]),
    individual=st.booleans(),
)
def test_pair_factors_play_the_game_on_phi_minus_their_outer_product(
    n: int, seed: int, tau: float, cap: int | None, individual: bool
) -> None:
    """τ_ij = τ + t_i t_j is the game on φ − t tᵀ (float64 oracle): same utilities, moves, dynamics, stability."""
    rng = np.random.default_rng(seed)
    phi = _symmetric(n, seed).astype(np.float64)
    factors = rng.uniform(0.0, 1.0, size=n)
    shifted = phi - np.outer(factors, factors)
    np.fill_diagonal(shifted, 0.0)
    paired, oracle = AdditivePreference(phi, tau, factors), AdditivePreference(shifted, tau)
    labels = rng.integers(0, max(1, n // 2), size=n)
    for i in range(n):
        members = np.flatnonzero(labels == labels[i])
        assert paired.utility(i, members) == pytest.approx(oracle.utility(i, members), abs=1e-9)
    assert np.allclose(paired.own_utilities(labels), oracle.own_utilities(labels), atol=1e-9)
    moves, expected = paired.deviations(labels, cap), oracle.deviations(labels, cap)
    assert (moves.nash_violations, moves.individual_violations, moves.example) == (
        expected.nash_violations,
        expected.individual_violations,
        expected.example,
    )
    assert moves.largest_gain == pytest.approx(expected.largest_gain, abs=1e-9)
    width = min(n, 5)
    samples = np.full((30, width), -1, dtype=np.int64)
    for row in samples:
        chosen = rng.choice(n, size=int(rng.integers(1, width + 1)), replace=False)
        row[: len(chosen)] = chosen
    assert np.array_equal(paired.blocking(samples, labels), oracle.blocking(samples, labels))
    first = best_response_dynamics(paired, np.random.default_rng(seed), cap=cap, individual=individual)
    second = best_response_dynamics(oracle, np.random.default_rng(seed), cap=cap, individual=individual)
    assert np.array_equal(first.labels, second.labels) and first.moves == second.moves
