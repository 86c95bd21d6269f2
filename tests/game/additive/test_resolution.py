"""The τ rules of the additive games: one table by name, each rule's formula, and why ``scaled`` is the default."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from hedonic.errors import ConfigError
from hedonic.game import DEFAULT_TAU_RULE, TAU_RULES, discover, noise_tau, planted_valuation, resolve_tau
from hedonic.game.additive.resolution import row_sigmas


def test_the_table_names_every_rule_and_auto_is_the_default() -> None:
    assert list(TAU_RULES) == ["scaled", "noise", "modularity"] and DEFAULT_TAU_RULE == "scaled"
    phi, _ = planted_valuation(80, 0.3, seed=1)
    assert resolve_tau("auto", phi, np.random.default_rng(0)).rule == "scaled"
    fixed = resolve_tau(0.25, phi, np.random.default_rng(0))
    assert (fixed.rule, fixed.tau, fixed.factors) == ("fixed", 0.25, None)
    for bad in ("loud", float("inf"), True):
        with pytest.raises(ConfigError, match="tau must be"):
            resolve_tau(bad, phi, np.random.default_rng(0))  # type: ignore[arg-type]


def test_noise_is_one_threshold_for_every_pair() -> None:
    phi, _ = planted_valuation(120, 0.2, seed=2)
    resolution = resolve_tau("noise", phi, np.random.default_rng(0))
    estimate = noise_tau(phi, np.random.default_rng(0))
    assert resolution.factors is None and resolution.tau == estimate.tau == estimate.median + 1.5 * estimate.robust_sigma


def test_scaled_divides_out_each_rows_noise_scale() -> None:
    rng = np.random.default_rng(3)
    scales = rng.uniform(0.5, 4.0, size=200)
    noise = rng.standard_normal((200, 200))
    phi = np.triu(noise, 1) + np.triu(noise, 1).T
    phi = phi * np.outer(scales, scales)
    sigmas = row_sigmas(phi, np.random.default_rng(0))
    assert np.corrcoef(sigmas, scales)[0, 1] > 0.95
    resolution = resolve_tau("scaled", phi, np.random.default_rng(0))
    estimate = resolution.estimate
    pair = np.outer(resolution.factors, resolution.factors)
    assert np.allclose(pair, 1.5 * np.outer(sigmas, sigmas) / estimate["robust_sigma"])
    assert resolution.tau == estimate["median"]


def test_row_sigmas_never_read_the_diagonal_and_sample_large_rows() -> None:
    phi = np.ones((50, 50)) + np.diag(np.full(50, 1e6))
    assert np.allclose(row_sigmas(phi, np.random.default_rng(0)), 0.0)
    wide = np.random.default_rng(1).standard_normal((3000, 3000))
    assert np.allclose(row_sigmas(wide, np.random.default_rng(0), samples=2000), 1.0, atol=0.12)


def test_modularity_is_the_configuration_null_of_the_positive_part() -> None:
    phi = np.array([[0, 2, -1, 0], [2, 0, 1, 0], [-1, 1, 0, 3], [0, 0, 3, 0]], dtype=np.float64)
    resolution = resolve_tau("modularity", phi, np.random.default_rng(0))
    strengths = np.array([2, 3, 4, 3], dtype=np.float64)
    assert resolution.tau == 0.0 and np.allclose(np.outer(resolution.factors, resolution.factors), np.outer(strengths, strengths) / 12)


def test_scaled_keeps_rows_of_unequal_scale_apart_where_noise_merges_them() -> None:
    """φ_ij = r_i r_j (planted + noise) with r spread ×8: one τ for all pairs lets the loud rows join
    unrelated groups; the rows' own noise scale keeps the planted groups."""
    phi, truth = planted_valuation(600, 0.4, sizes=(6, 12), seed=4)
    scales = np.exp(np.random.default_rng(5).uniform(0.0, np.log(8.0), size=600)).astype(np.float32)
    phi = phi * np.outer(scales, scales)
    noise = discover(phi, tau="noise", stability_samples=100)
    scaled = discover(phi, tau="scaled", stability_samples=100)
    assert adjusted_rand_score(truth, scaled.labels()) > 0.9 > adjusted_rand_score(truth, noise.labels())
    assert scaled.largest() < noise.largest()
