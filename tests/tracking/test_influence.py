"""Blockwise coalition influence against a dense reference written with explicit loops."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import ArtifactError, ConfigError, NumericalError
from hedonic.game import Partition
from hedonic.tracking import VirtualMap, coalition_indicator, coalition_influence, player_influences

F64 = torch.float64


def random_map(rng: np.random.Generator, n_target: int, n_source: int, d: int, projections: int) -> VirtualMap:
    read = {f"p{k}": torch.from_numpy(rng.normal(size=(n_target, d))) for k in range(projections)}
    return VirtualMap(read, torch.from_numpy(rng.normal(size=(d, n_source))))


def random_partition(rng: np.random.Generator, neurons: np.ndarray, groups: int) -> Partition:
    return Partition.from_labels(rng.integers(0, groups, len(neurons)), "random", neurons=neurons.tolist())


def dense_reference(vmap: VirtualMap, source: Partition, target: Partition, mean_abs: np.ndarray) -> np.ndarray:
    """S[p, q] = Σ_{i∈C_p} Σ_{j∈C'_q} |W[j, i]|·E|a_i| / (|C_p|·|C'_q|), loops over coalitions."""
    weights = [(read @ vmap.write).numpy() for read in vmap.read.values()]
    magnitude = np.sqrt(sum(w**2 for w in weights))
    result = np.zeros((len(source.coalitions), len(target.coalitions)))
    for p, members in enumerate(source.coalitions):
        for q, others in enumerate(target.coalitions):
            block = magnitude[np.ix_(others, members)] * mean_abs[list(members)]
            result[p, q] = block.sum() / (len(members) * len(others))
    return result


@pytest.mark.parametrize("block_rows", [1, 7, 1000, None])
@pytest.mark.parametrize("projections", [1, 2])
def test_blockwise_equals_dense_reference(block_rows: int | None, projections: int) -> None:
    rng = np.random.default_rng(0)
    vmap = random_map(rng, 40, 30, 8, projections)
    source = random_partition(rng, np.arange(30), 6)
    target = random_partition(rng, np.arange(40), 9)
    mean_abs = rng.random(30)
    got = coalition_influence(vmap, source, target, mean_abs, block_rows=block_rows)
    np.testing.assert_allclose(got, dense_reference(vmap, source, target, mean_abs), rtol=1e-12)
    assert got.shape == (len(source.coalitions), len(target.coalitions)) and got.dtype == np.float64


SUBSET_CASES = {
    "seed": st.integers(0, 2**16),
    "n_source": st.integers(1, 25),
    "n_target": st.integers(1, 25),
    "block_rows": st.integers(1, 30),
}
"""Hypothesis strategies of :func:`subset_case` and the block size."""


def subset_case(seed: int, n_source: int, n_target: int) -> tuple[VirtualMap, Partition, Partition, np.ndarray]:
    """A random map (30 × 28, 2 projections), partitions of random subsets of players of each layer, random E|a| (28,)."""
    rng = np.random.default_rng(seed)
    vmap = random_map(rng, 30, 28, 5, 2)
    source = random_partition(rng, np.sort(rng.choice(28, n_source, replace=False)), 4)
    target = random_partition(rng, np.sort(rng.choice(30, n_target, replace=False)), 5)
    return vmap, source, target, rng.random(28)


@settings(max_examples=25, deadline=None)
@given(**SUBSET_CASES)
def test_subsets_of_players_match_the_reference(seed: int, n_source: int, n_target: int, block_rows: int) -> None:
    vmap, source, target, mean_abs = subset_case(seed, n_source, n_target)
    got = coalition_influence(vmap, source, target, mean_abs, block_rows=block_rows)
    np.testing.assert_allclose(got, dense_reference(vmap, source, target, mean_abs), rtol=1e-10, atol=1e-12)


def singletons(partition: Partition) -> Partition:
    return Partition.from_coalitions([(i,) for i in partition.neurons], "players", neurons=partition.neurons)


@settings(max_examples=25, deadline=None)
@given(**SUBSET_CASES)
def test_player_influences_are_the_reference_with_singletons_on_one_side(seed: int, n_source: int, n_target: int, block_rows: int) -> None:
    vmap, source, target, mean_abs = subset_case(seed, n_source, n_target)
    units, per_target = player_influences(vmap, source, target, mean_abs, block_rows=block_rows)
    np.testing.assert_allclose(units, dense_reference(vmap, singletons(source), target, np.ones(28)), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(per_target, dense_reference(vmap, source, singletons(target), mean_abs).T, rtol=1e-10, atol=1e-12)


def test_player_influences_build_each_block_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    vmap = random_map(rng, 20, 16, 4, 1)
    source, target = random_partition(rng, np.arange(16), 3), random_partition(rng, np.arange(20), 4)
    built: list[int] = []
    magnitude = VirtualMap.magnitude
    monkeypatch.setattr(VirtualMap, "magnitude", lambda self, rows: built.append(len(rows)) or magnitude(self, rows))
    player_influences(vmap, source, target, block_rows=6)
    assert built == [6, 6, 6, 2]


def test_uniform_weights_when_mean_abs_is_missing() -> None:
    rng = np.random.default_rng(1)
    vmap = random_map(rng, 12, 10, 4, 1)
    source, target = random_partition(rng, np.arange(10), 3), random_partition(rng, np.arange(12), 4)
    np.testing.assert_allclose(coalition_influence(vmap, source, target), coalition_influence(vmap, source, target, np.ones(10)))


def test_mean_abs_weights_the_source_neurons() -> None:
    vmap = VirtualMap({"fc": torch.eye(2, dtype=F64)}, torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=F64))
    whole = Partition.from_coalitions([[0, 1]], "one")
    # |W| = [[1, 2], [3, 4]]; columns weighted by E|a| = (10, 0): (1·10 + 3·10) / (2·2)
    assert coalition_influence(vmap, whole, whole, np.array([10.0, 0.0]))[0, 0] == pytest.approx(10.0)


def test_indicator_rows_follow_players_and_columns_coalitions() -> None:
    partition = Partition.from_coalitions([[7, 3], [5]], "x")
    indicator = coalition_indicator(partition).toarray()
    # players (3, 5, 7); coalitions ((3, 7), (5,))
    np.testing.assert_array_equal(indicator, [[1, 0], [0, 1], [1, 0]])


def test_bad_inputs_are_refused() -> None:
    rng = np.random.default_rng(2)
    vmap = random_map(rng, 6, 5, 3, 1)
    source, target = random_partition(rng, np.arange(5), 2), random_partition(rng, np.arange(6), 2)
    with pytest.raises(ArtifactError, match=r"shape \(5,\)"):
        coalition_influence(vmap, source, target, np.ones(4))
    with pytest.raises(ArtifactError, match="negative"):
        coalition_influence(vmap, source, target, -np.ones(5))
    with pytest.raises(NumericalError, match="NaN"):
        coalition_influence(vmap, source, target, np.full(5, np.nan))
    with pytest.raises(ArtifactError, match="names neuron 9"):
        coalition_influence(vmap, Partition.from_coalitions([[0, 9]], "x"), target)
    with pytest.raises(ConfigError, match="block_rows"):
        coalition_influence(vmap, source, target, block_rows=0)
    with pytest.raises(ArtifactError, match="names neuron 9"):
        player_influences(vmap, source, Partition.from_coalitions([[0, 9]], "x"))
