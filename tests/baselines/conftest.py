"""Planted-structure data for the baselines: neurons in known groups, seen through φ, weights and activations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from hedonic.stats import ActivationStats

GROUPS = 6
GROUP_SIZE = 8


@dataclass(frozen=True)
class Planted:
    """Ground-truth groups (n,) and matching inputs: φ (n, n), w_in, w_out, activations (tokens, n)."""

    groups: np.ndarray
    phi: np.ndarray
    w_in: dict[str, np.ndarray]
    w_out: np.ndarray
    activations: np.ndarray


def planted(seed: int = 0, groups: int = GROUPS, size: int = GROUP_SIZE, d: int = 16) -> Planted:
    """Neurons in ``groups`` shuffled groups of ``size``: high φ, similar weights, correlated activations inside a group."""
    rng = np.random.default_rng(seed)
    n = groups * size
    truth = rng.permutation(np.repeat(np.arange(groups), size))
    same = truth[:, None] == truth[None, :]
    noise = rng.normal(0, 0.1, (n, n))
    phi = np.where(same, 1.0, -0.2) + (noise + noise.T) / 2
    np.fill_diagonal(phi, 0.0)
    centres = rng.normal(size=(groups, 3, d))
    scales = rng.uniform(0.2, 5.0, (n, 1))
    gate = scales * (centres[truth, 0] + 0.15 * rng.normal(size=(n, d)))
    up = centres[truth, 1] + 0.15 * rng.normal(size=(n, d))
    out = 10 * (centres[truth, 2] + 0.15 * rng.normal(size=(n, d)))
    latent = rng.normal(size=(400, groups))
    activations = latent[:, truth] + 0.3 * rng.normal(size=(400, n))
    return Planted(truth, phi.astype(np.float32), {"gate": gate, "up": up}, out.T.copy(), activations)


@pytest.fixture(scope="module")
def data() -> Planted:
    return planted()


def same_grouping(labels: np.ndarray, truth: np.ndarray) -> bool:
    """True when ``labels`` and ``truth`` (n,) describe the same partition."""
    pairs = {(int(a), int(b)) for a, b in zip(labels, truth, strict=True)}
    return len(pairs) == len(set(labels.tolist())) == len(set(truth.tolist()))


def stats_of(activations: np.ndarray, *, outer: bool = True) -> ActivationStats:
    """Activation statistics of the rows of ``activations`` (tokens, n), neurons 0..n-1."""
    return ActivationStats(
        layer=0,
        neurons=np.arange(activations.shape[1]),
        tokens="readout",
        count=activations.shape[0],
        num_inputs=activations.shape[0],
        sum=activations.sum(axis=0),
        sum_abs=np.abs(activations).sum(axis=0),
        sum_sq=(activations**2).sum(axis=0),
        sum_outer=activations.T @ activations if outer else None,
    )
