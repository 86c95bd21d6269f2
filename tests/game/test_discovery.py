"""``discover``: invariants, planted-structure recovery, recorded parameters and stability."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from hedonic.errors import ArtifactError, ConfigError
from hedonic.game import Partition, discover, load_partition, pac_sample_size, planted_valuation, save_partition
from hedonic.game.discovery import auto_max_size


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
    method=st.sampled_from(["exact", "pac"]),
    k=st.integers(1, 5),
    max_size=st.sampled_from([None, 3, 8, "auto"]),
    seed=st.integers(0, 2**16),
)
def test_every_player_once_and_same_seed_same_partition(n: int, method: str, k: int, max_size: int | str | None, seed: int) -> None:
    phi = _distinct_symmetric(n, seed)
    first = discover(phi, method=method, k=k, max_size=max_size, m=200, seed=seed, stability_samples=300)
    members = sorted(i for group in first.coalitions for i in group)
    assert members == list(range(n))
    assert first == discover(phi, method=method, k=k, max_size=max_size, m=200, seed=seed, stability_samples=300)
    if max_size is not None and n:
        assert first.largest() <= max(auto_max_size(n) if max_size == "auto" else max_size, 2)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 40), k=st.integers(1, 5), max_size=st.sampled_from([None, 3, 8]), mutual=st.booleans(), seed=st.integers(0, 2**16))
def test_relabelling_players_permutes_the_exact_partition(n: int, k: int, max_size: int | None, mutual: bool, seed: int) -> None:
    phi = _distinct_symmetric(n, seed)
    order = np.random.default_rng(seed).permutation(n)
    new_index = np.argsort(order)
    before = discover(phi, method="exact", k=k, mutual=mutual, max_size=max_size, stability_samples=100)
    after = discover(phi[np.ix_(order, order)], method="exact", k=k, mutual=mutual, max_size=max_size, stability_samples=100)
    assert _sets(after) == {frozenset(new_index[list(group)].tolist()) for group in before.coalitions}


@pytest.mark.parametrize("method", ["exact", "pac"])
@pytest.mark.parametrize("noise", [0.1, 0.2])
def test_planted_groups_are_recovered(method: str, noise: float) -> None:
    phi, truth = planted_valuation(700, noise, sizes=(4, 32), seed=3)
    partition = discover(phi, method=method, stability_samples=2000)
    assert adjusted_rand_score(truth, partition.labels()) >= 0.95
    assert not partition.degenerate and partition.largest() <= 64


def test_high_noise_loses_the_planted_groups() -> None:
    phi, truth = planted_valuation(700, 0.6, sizes=(4, 32), seed=3)
    assert adjusted_rand_score(truth, discover(phi, method="exact", stability_samples=500).labels()) < 0.5


def test_parameters_and_stability_are_recorded(tmp_path: Path) -> None:
    phi, _ = planted_valuation(300, 0.2, seed=1)
    partition = discover(phi, k=6, max_size=16, seed=5, layer=3, neurons=np.arange(300) * 2, stability_samples=1000)
    assert partition.method == "pac_top_cover" and partition.layer == 3 and partition.seed == 5
    assert partition.neurons[:3] == (0, 2, 4)
    parameters = partition.parameters
    assert parameters["choice"] == "fixed" and parameters["m"] == 50000 and parameters["k"] == 6 and parameters["threshold"] == 0.0 and parameters["max_size"] == 16
    levels = parameters["size_control"]["levels"]
    assert levels[0]["k"] == 6 and len(parameters["size_control"]["coalition_levels"]) == len(partition.coalitions)
    stability = partition.stability
    assert stability is not None and stability["samples"] == 1000 and stability["preference"] == {"choice": "fixed", "k": 6, "threshold": 0.0, "mutual": False}
    assert stability["statement"].endswith("block)") and "core_stable" not in stability
    assert 0 <= stability["largest_blocking_coalition"] <= 300
    save_partition(partition, tmp_path / "p.json")
    assert load_partition(tmp_path / "p.json") == partition


def test_automatic_size_bound_and_observed_pairs() -> None:
    assert [auto_max_size(n) for n in (10, 32, 300, 1279, 1536, 14336)] == [4, 4, 15, 64, 64, 64]
    phi = _distinct_symmetric(120, 1)
    pac = discover(phi, stability_samples=100)
    assert pac.parameters["max_size"] == 6 and pac.largest() <= 6
    assert 0.99 < pac.parameters["observed_pair_share"] <= 1.0
    few = discover(phi, m=20, max_k=3, stability_samples=100)
    assert 0 < few.parameters["observed_pair_share"] <= 20 * 6 / (120 * 119)
    assert discover(phi, method="exact", stability_samples=100).parameters["observed_pair_share"] is None
    with pytest.raises(ConfigError, match="'auto'"):
        discover(phi, max_size="big")


def test_small_games_get_an_exhaustive_verdict() -> None:
    phi = _distinct_symmetric(9, 2)
    exact = discover(phi, method="exact", k=2, max_size=None, stability_samples=200)
    assert exact.stability is not None
    assert exact.stability["core_stable"] is True and exact.stability["blocking_coalition"] is None
    assert exact.stability["blocking"] == 0 and exact.stability["largest_blocking_coalition"] == 0
    split = discover(phi, method="exact", k=3, max_size=1, stability_samples=200)
    assert split.stability is not None and split.largest() <= 2
    if not split.stability["core_stable"]:
        assert len(split.stability["blocking_coalition"]) >= 2


def test_epsilon_derives_m_and_degenerate_thresholds_pass_through() -> None:
    phi = _distinct_symmetric(30, 0)
    partition = discover(phi, epsilon=0.2, delta=0.2, max_k=10, stability_samples=100, max_share=0.01)
    assert partition.parameters["m"] == pac_sample_size(30, 0.2, 0.2, 4, 10)
    assert partition.degenerate and partition.max_share == 0.01
    assert discover(np.zeros((1, 1), dtype=np.float32)).coalitions == ((0,),)
    with pytest.raises(ArtifactError, match="0×0 φ has no players"):
        discover(np.zeros((0, 0), dtype=np.float32))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "greedy"}, "unknown method"),
        ({"m": 10, "epsilon": 0.1}, "not both"),
        ({"k": None, "threshold": 0.5, "epsilon": 0.1}, "top-k"),
        ({"neurons": [3, 2, 1, 0]}, "ascending"),
        ({"neurons": [0, 1]}, "ascending"),
        ({"m": 0}, "m must be"),
        ({"max_k": 1}, "max_k"),
        ({"k": 0}, "positive integer"),
    ],
)
def test_bad_arguments_fail_clearly(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        discover(_distinct_symmetric(4, 0), **kwargs)  # type: ignore[arg-type]
