"""``discover``: invariants, planted-structure recovery, recorded parameters and stability."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from hedonic.errors import ArtifactError, ConfigError
from hedonic.game import (
    Partition,
    auto_max_size,
    discover,
    load_partition,
    pac_sample_size,
    partition_warnings,
    planted_valuation,
    save_partition,
)


def _distinct_symmetric(n: int, seed: int) -> np.ndarray:
    """A symmetric φ whose off-diagonal pairs all have distinct values (no ties to break)."""
    rng = np.random.default_rng(seed)
    upper = np.triu_indices(n, 1)
    phi = np.zeros((n, n), dtype=np.float32)
    phi[upper] = (rng.permutation(len(upper[0])) - len(upper[0]) / 3).astype(np.float32)
    return phi + phi.T


def _sets(partition: Partition) -> set[frozenset[int]]:
    return {frozenset(group) for group in partition.coalitions}


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 40),
    method=st.sampled_from(["top-cover", "pac-top-cover", "additive", "additive-individual"]),
    k=st.integers(1, 5),
    max_size=st.sampled_from(["none", 3, 8, "auto"]),
    seed=st.integers(0, 2**16),
)
def test_every_player_once_and_same_seed_same_partition(n: int, method: str, k: int, max_size: int | str, seed: int) -> None:
    phi = _distinct_symmetric(n, seed)
    first = discover(phi, method=method, k=k, max_size=max_size, m=200, seed=seed, stability_samples=300)
    members = sorted(i for group in first.coalitions for i in group)
    assert members == list(range(n))
    assert first == discover(phi, method=method, k=k, max_size=max_size, m=200, seed=seed, stability_samples=300)
    if max_size != "none" and n:
        assert first.largest() <= max(auto_max_size(n) if max_size == "auto" else max_size, 1 if method.startswith("additive") else 2)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 40), k=st.integers(1, 5), max_size=st.sampled_from(["none", 3, 8]), mutual=st.booleans(), seed=st.integers(0, 2**16)
)
def test_relabelling_players_permutes_the_exact_partition(n: int, k: int, max_size: int | str, mutual: bool, seed: int) -> None:
    phi = _distinct_symmetric(n, seed)
    order = np.random.default_rng(seed).permutation(n)
    new_index = np.argsort(order)
    before = discover(phi, method="top-cover", choice="fixed", k=k, mutual=mutual, max_size=max_size, stability_samples=100)
    after = discover(
        phi[np.ix_(order, order)], method="top-cover", choice="fixed", k=k, mutual=mutual, max_size=max_size, stability_samples=100
    )
    assert _sets(after) == {frozenset(new_index[list(group)].tolist()) for group in before.coalitions}


@pytest.mark.parametrize("method", ["top-cover", "pac-top-cover", "additive"])
@pytest.mark.parametrize("noise", [0.1, 0.2])
def test_planted_groups_are_recovered(method: str, noise: float) -> None:
    phi, truth = planted_valuation(700, noise, sizes=(4, 32), seed=3)
    partition = discover(phi, method=method, choice="fixed", stability_samples=2000)
    assert adjusted_rand_score(truth, partition.labels()) >= 0.95
    assert not partition.degenerate and partition.largest() <= 64


def test_high_noise_loses_the_planted_groups() -> None:
    phi, truth = planted_valuation(700, 0.6, sizes=(4, 32), seed=3)
    assert adjusted_rand_score(truth, discover(phi, method="top-cover", choice="fixed", stability_samples=500).labels()) < 0.5


def test_parameters_and_stability_are_recorded(tmp_path: Path) -> None:
    phi, _ = planted_valuation(300, 0.2, seed=1)
    partition = discover(
        phi, method="pac-top-cover", choice="fixed", k=6, max_size=16, seed=5, layer=3, neurons=np.arange(300) * 2, stability_samples=1000
    )
    assert partition.method == "pac-top-cover" and partition.layer == 3 and partition.seed == 5
    assert partition.neurons[:3] == (0, 2, 4)
    parameters = partition.parameters
    assert (
        parameters["choice"] == "fixed"
        and parameters["m"] == 50000
        and parameters["k"] == 6
        and parameters["threshold"] == 0.0
        and parameters["max_size"] == 16
    )
    assert "tau" not in parameters
    levels = parameters["size_control"]["levels"]
    assert levels[0]["k"] == 6 and len(parameters["size_control"]["coalition_levels"]) == len(partition.coalitions)
    stability = partition.stability
    assert (
        stability is not None
        and stability.samples == 1000
        and stability.preference == {"choice": "fixed", "k": 6, "threshold": 0.0, "mutual": False}
    )
    assert stability.statement.endswith("block)") and stability.core_stable is None and stability.welfare is None
    assert stability.largest_blocking_coalition is not None and 0 <= stability.largest_blocking_coalition <= 300
    save_partition(partition, tmp_path / "p.json")
    assert load_partition(tmp_path / "p.json") == partition


def test_the_additive_game_records_tau_dynamics_and_exact_stability(tmp_path: Path) -> None:
    phi, truth = planted_valuation(300, 0.2, sizes=(4, 12), seed=1)
    scaled = discover(phi, seed=2, stability_samples=500)
    assert scaled.parameters["tau_rule"] == "scaled" and scaled.parameters["tau"] == scaled.parameters["tau_estimate"]["median"]
    assert adjusted_rand_score(truth, scaled.labels()) > 0.95 and scaled.stability is not None and scaled.stability.nash_stable
    partition = discover(phi, tau="noise", seed=2, stability_samples=500)
    assert partition.method == "additive" and adjusted_rand_score(truth, partition.labels()) > 0.95
    parameters = partition.parameters
    estimate = parameters["tau_estimate"]
    assert parameters["tau_rule"] == "noise" and parameters["tau"] == pytest.approx(estimate["median"] + 1.5 * estimate["robust_sigma"])
    assert estimate["robust_sigma"] == pytest.approx(0.2, rel=0.1) and parameters["max_size"] == 30
    assert parameters["dynamics"]["converged"] and parameters["dynamics"]["moves"] >= 240
    stability = partition.stability
    assert stability is not None and stability.nash_stable and stability.individually_stable and stability.cap == 30
    assert stability.welfare is not None and stability.welfare > 0 and stability.largest_blocking_coalition is None
    fixed = discover(phi, tau=0.5, seed=2, stability_samples=500)
    assert fixed.parameters["tau"] == 0.5 and fixed.parameters["tau_estimate"] is None
    save_partition(partition, tmp_path / "p.json")
    assert load_partition(tmp_path / "p.json") == partition


def test_automatic_size_bound_and_observed_pairs() -> None:
    assert [auto_max_size(n) for n in (10, 32, 300, 1279, 1536, 14336)] == [4, 4, 30, 128, 154, 1434]
    phi = _distinct_symmetric(120, 1)
    pac = discover(phi, method="pac-top-cover", stability_samples=100)
    assert pac.parameters["max_size"] == 12 and pac.largest() <= 12
    assert 0.99 < pac.parameters["observed_pair_share"] <= 1.0 and not partition_warnings(pac)
    few = discover(phi, method="pac-top-cover", m=20, max_k=3, stability_samples=100)
    assert 0 < few.parameters["observed_pair_share"] <= 20 * 6 / (120 * 119)
    assert any("saw only" in warning for warning in partition_warnings(few))
    assert "observed_pair_share" not in discover(phi, method="top-cover", stability_samples=100).parameters
    with pytest.raises(ConfigError, match='"auto" or "none"'):
        discover(phi, max_size="big")


@pytest.mark.parametrize("method", ["top-cover", "additive"])
def test_small_games_get_an_exhaustive_verdict(method: str) -> None:
    phi = _distinct_symmetric(9, 2)
    exact = discover(phi, method=method, k=2, max_size="none", stability_samples=200)
    assert exact.stability is not None
    assert exact.stability.core_stable is not None
    if exact.stability.core_stable:
        assert exact.stability.blocking == 0
    if method == "top-cover":
        assert exact.stability.core_stable is True and exact.stability.blocking_coalition is None
        assert exact.stability.largest_blocking_coalition == 0
    split = discover(phi, method="top-cover", k=3, max_size=1, stability_samples=200)
    assert split.stability is not None and split.largest() <= 2
    if not split.stability.core_stable:
        assert split.stability.blocking_coalition is not None and len(split.stability.blocking_coalition) >= 2


def test_epsilon_derives_m_and_degenerate_thresholds_pass_through() -> None:
    phi = _distinct_symmetric(30, 0)
    partition = discover(phi, method="pac-top-cover", epsilon=0.2, delta=0.2, max_k=10, stability_samples=100, max_share=0.01)
    assert partition.parameters["m"] == pac_sample_size(30, 0.2, 0.2, 4, 10)
    assert partition.degenerate and partition.max_share == 0.01
    assert discover(np.zeros((1, 1), dtype=np.float32)).coalitions == ((0,),)
    with pytest.raises(ArtifactError, match="0×0 φ has no players"):
        discover(np.zeros((0, 0), dtype=np.float32))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "greedy"}, "unknown game method"),
        ({"m": 10, "epsilon": 0.1}, "not both"),
        ({"method": "pac-top-cover", "k": None, "threshold": 0.5, "epsilon": 0.1, "choice": "fixed"}, "top-k"),
        ({"tau": "high"}, "tau must be"),
        ({"tau": float("nan")}, "tau must be"),
        ({"neurons": [3, 2, 1, 0]}, "ascending"),
        ({"neurons": [0, 1]}, "ascending"),
        ({"m": 0}, "m must be"),
        ({"max_k": 1}, "max_k"),
        ({"method": "top-cover", "k": 0}, "positive"),
    ],
)
def test_bad_arguments_fail_clearly(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        discover(_distinct_symmetric(4, 0), **kwargs)  # type: ignore[arg-type]
