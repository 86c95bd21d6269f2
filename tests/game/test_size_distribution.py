"""Size bands and the discrete power-law fit of a partition's coalition sizes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.game import Partition, save_partition
from hedonic.game.size_distribution import band_edges, power_law_fit, share_above, size_bands


def _power_law_sizes(exponent: float, count: int, x_min: int, upper: int, seed: int) -> np.ndarray:
    """Sizes drawn by inverting the continuous power-law CDF and rounding down (an independent sampler)."""
    uniform = np.random.default_rng(seed).random(count)
    sizes = np.floor((x_min - 0.5) * (1 - uniform) ** (-1 / (exponent - 1)) + 0.5).astype(np.int64)
    return np.minimum(sizes, upper)


def test_bands_are_log2_and_cover_the_largest() -> None:
    assert band_edges(1) == [(1, 1)]
    assert band_edges(9) == [(1, 1), (2, 2), (3, 4), (5, 8), (9, 16)]
    bands = size_bands([1, 1, 2, 3, 4, 9, 20])
    assert [band.label for band in bands] == ["1", "2", "3–4", "5–8", "9–16", "17–32"]
    assert [band.coalitions for band in bands] == [2, 1, 2, 0, 1, 1]
    assert [band.neurons for band in bands] == [2, 2, 7, 0, 9, 20]
    assert share_above([1, 1, 2, 3, 4, 9, 20], 8) == 29 / 40


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=60))
def test_band_shares_sum_to_one_and_count_every_coalition(sizes: list[int]) -> None:
    bands = size_bands(sizes)
    assert sum(band.coalitions for band in bands) == len(sizes)
    assert abs(sum(band.share for band in bands) - 1.0) < 1e-12
    assert all(band.low <= max(sizes) for band in bands) and bands[-1].high >= max(sizes)


def test_power_law_exponent_is_recovered() -> None:
    for exponent in (1.8, 2.5):
        sizes = _power_law_sizes(exponent, 600, 2, 100_000, seed=1)
        fit = power_law_fit(np.concatenate([sizes, np.ones(500, dtype=np.int64)]), upper=100_000, draws=50)
        assert fit is not None
        assert abs(fit.exponent - exponent) < 0.15, fit
        assert fit.p_value > 0.1, fit


def test_sizes_that_are_not_a_power_law_are_rejected() -> None:
    uniform = np.random.default_rng(0).integers(4, 33, size=300)
    fit = power_law_fit(uniform, draws=100)
    assert fit is not None and fit.p_value < 0.05, fit
    capped = np.concatenate([_power_law_sizes(1.6, 300, 2, 10_000, seed=2).clip(max=32), np.ones(200, dtype=np.int64)])
    fit = power_law_fit(capped, draws=100)
    assert fit is not None and fit.p_value < 0.05, fit


def test_too_few_coalitions_give_no_fit_and_the_fit_is_seeded() -> None:
    assert power_law_fit([1] * 50 + [2] * 9) is None
    sizes = _power_law_sizes(2.2, 200, 2, 5000, seed=3)
    assert power_law_fit(sizes, seed=4) == power_law_fit(sizes[::-1], seed=4)


def test_partition_artifact_holds_bands_fit_and_large_coalitions(tmp_path: Path) -> None:
    labels = np.concatenate([np.zeros(30, dtype=np.int64), np.arange(1, 71)])
    partition = Partition.from_labels(labels, "test")
    assert partition.large_coalitions() == [30]
    document = json.loads(save_partition(partition, tmp_path / "p.json").read_text())
    assert document["large_coalitions"] == [30] and document["large_share"] == 0.2
    assert document["size_bands"][0] == {"low": 1, "high": 1, "coalitions": 70, "neurons": 70, "share": 0.7}
    assert document["power_law"] is None
    spread = Partition.from_labels(np.repeat(np.arange(40), 3), "test")
    assert spread.large_coalitions() == [] and spread.summary()["power_law"]["x_min"] == 3
