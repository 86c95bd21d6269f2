"""A coalition above a fifth of the layer is named with its likely cause (low rank, hubs, heavy tail, or dense ties)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hedonic.game import discover, load_partition, partition_warnings, planted_valuation, save_partition
from hedonic.game.diagnosis import diagnose


def _rank_two(n: int, seed: int) -> np.ndarray:
    """φ = p qᵀ + q pᵀ with Cauchy p, q (a few hub neurons), plus a little noise: the demo's layer-3 shape."""
    rng = np.random.default_rng(seed)
    p, q = (rng.standard_t(1.0, size=n) for _ in range(2))
    phi = np.outer(p, q) + np.outer(q, p) + 1e-3 * rng.standard_normal((n, n))
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 0.0)
    return phi.astype(np.float32)


def test_a_rank_two_valuation_is_diagnosed_as_low_rank_and_hub_held(tmp_path: Path) -> None:
    phi = _rank_two(300, 5)
    partition = discover(phi, tau="noise", max_size="none", stability_samples=100)
    assert partition.large_coalitions(), partition
    record = partition.parameters["large_coalition"]
    assert record["size"] == partition.largest() and record["rank_share"] > 0.99 and record["hub_share"] > 0.5
    assert "nearly low rank" in record["cause"] and "hub neurons" in record["cause"] and "heavy-tailed" in record["cause"]
    warning = next(w for w in partition_warnings(partition) if "holds" in w)
    assert (
        f"a coalition of {partition.largest()} neurons holds" in warning
        and "likely cause: φ is nearly low rank" in warning
        and "tau = 'scaled'" in warning
    )
    save_partition(partition, tmp_path / "p.json")
    assert load_partition(tmp_path / "p.json").parameters["large_coalition"] == record


def test_a_planted_dense_block_is_diagnosed_as_supported_by_the_valuation() -> None:
    phi, truth = planted_valuation(300, 0.3, sizes=(100, 100), coverage=0.3, seed=2)
    labels = np.where(truth == 0, 0, np.arange(1, 301))
    found = diagnose(phi, labels, np.random.default_rng(0))
    assert found.size == 100 and found.rank_share < 0.9 and found.hub_share < 0.5 and found.tail_ratio < 3
    assert "densely tied" in found.cause


def test_no_large_coalition_no_diagnosis() -> None:
    phi, _ = planted_valuation(200, 0.2, sizes=(4, 12), seed=3)
    partition = discover(phi, stability_samples=100)
    assert not partition.large_coalitions() and "large_coalition" not in partition.parameters
    assert not any("holds" in warning for warning in partition_warnings(partition))
