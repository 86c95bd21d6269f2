"""Run a set of baselines against a reference (hedonic) partition, on the same players.

Every baseline partitions exactly the reference's players. The number of clusters of the
clustering methods is the reference's number of coalitions (singletons included), so the mean
coalition size agrees; with ``match_sizes`` (the default) each clustering is then made to have
exactly the reference's size multiset by :func:`~hedonic.baselines.sizes.match_sizes`. Random
groups always have exactly the reference's sizes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from hedonic.baselines.correlation import agglomerative_baseline
from hedonic.baselines.kmeans import spherical_kmeans_baseline
from hedonic.baselines.louvain import louvain_available, louvain_baseline
from hedonic.baselines.random_groups import random_baseline
from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS, spectral_baseline
from hedonic.errors import ConfigError, MemoryBudgetError
from hedonic.game import Partition

BASELINE_METHODS = ("spherical-kmeans", "spectral", "agglomerative", "louvain", "random")
"""Baseline method names, in the order they run."""


@dataclass(frozen=True)
class BaselineInputs:
    """What the baselines see, one row per neuron id of ``neurons`` (n,) int64.

    ``phi`` (n, n) the valuation, ``features`` (n, F) weight features (see
    :func:`~hedonic.baselines.kmeans.weight_features`), ``correlation`` (n, n) activation ρ;
    each may be None, which skips the methods that need it.
    """

    neurons: np.ndarray
    phi: np.ndarray | None = None
    features: np.ndarray | None = None
    correlation: np.ndarray | None = None


@dataclass(frozen=True)
class BaselineRun:
    """Partitions by method name, why skipped methods were skipped, and wall-clock seconds per method."""

    partitions: dict[str, Partition]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_baselines(
    reference: Partition,
    inputs: BaselineInputs,
    methods: Sequence[str] = BASELINE_METHODS,
    *,
    seed: int = 0,
    match_sizes: bool = True,
    max_spectral_players: int = DEFAULT_MAX_PLAYERS,
    kmeans_n_init: int = 4,
) -> BaselineRun:
    """Run ``methods`` on the players of ``reference``; see the module docstring.

    ``kmeans_n_init``: restarts of spherical k-means (each costs k sequential seeding steps and
    its Lloyd iterations; lower it for layers of ten thousand neurons or more).

    A method whose input is missing (or spectral clustering of more than ``max_spectral_players``
    neurons, or Louvain without networkx) is skipped with its reason in :attr:`BaselineRun.skipped`. Raises
    :class:`ConfigError` for an unknown method or when a reference player has no row in ``inputs``.
    """
    unknown = sorted(set(methods) - set(BASELINE_METHODS))
    if unknown:
        raise ConfigError(f"unknown baseline method(s): {', '.join(unknown)}", hint=f"choose among {', '.join(BASELINE_METHODS)}")
    rows = rows_of(reference.neurons, inputs.neurons, "the baseline inputs")
    players = np.asarray(reference.neurons, dtype=np.int64)
    sizes = reference.sizes()
    k = int(sizes.size)
    target = sizes if match_sizes else None
    layer = reference.layer
    phi = None if inputs.phi is None else inputs.phi[np.ix_(rows, rows)]
    correlation = None if inputs.correlation is None else inputs.correlation[np.ix_(rows, rows)]
    features = None if inputs.features is None else inputs.features[rows]
    builders: dict[str, tuple[object, Callable[[], Partition]]] = {
        "spherical-kmeans": (features, lambda: spherical_kmeans_baseline(features, players, k, seed=seed, n_init=kmeans_n_init, match_to=target, layer=layer)),
        "spectral": (phi, lambda: spectral_baseline(phi, players, k, max_players=max_spectral_players, match_to=target, layer=layer)),
        "agglomerative": (correlation, lambda: agglomerative_baseline(correlation, players, k, match_to=target, layer=layer)),
        "louvain": (phi, lambda: louvain_baseline(phi, players, n_clusters=k, seed=seed, match_to=target, layer=layer)),
        "random": (players, lambda: random_baseline(players, sizes, seed=seed, layer=layer)),
    }
    needs = {"spherical-kmeans": "weight features", "spectral": "φ", "agglomerative": "activation statistics", "louvain": "φ"}
    run = BaselineRun(partitions={})
    for method in [m for m in BASELINE_METHODS if m in methods]:
        data, build = builders[method]
        if data is None:
            run.skipped[method] = f"no {needs[method]} given"
            continue
        if method == "louvain" and not louvain_available():
            run.skipped[method] = "networkx is not installed"
            continue
        start = time.perf_counter()
        try:
            run.partitions[method] = _with_reference(build(), reference)
        except MemoryBudgetError as error:
            run.skipped[method] = error.message
            continue
        run.seconds[method] = time.perf_counter() - start
    return run


def rows_of(players: Sequence[int], ids: Sequence[int] | np.ndarray, what: str) -> np.ndarray:
    """Row index (k,) int64 in ``ids`` (n,) of each neuron id of ``players`` (k,).

    Raises :class:`ConfigError` naming ``what`` when a player has no row.
    """
    position = {int(neuron): row for row, neuron in enumerate(np.asarray(ids).tolist())}
    missing = [p for p in players if int(p) not in position]
    if missing:
        raise ConfigError(
            f"neuron {missing[0]} of the reference partition has no row in {what} ({len(missing)} missing)",
            hint="use the φ / weights / statistics of the same layer and neurons as the partition",
        )
    return np.array([position[int(p)] for p in players], dtype=np.int64)


def _with_reference(partition: Partition, reference: Partition) -> Partition:
    return replace(partition, parameters={**partition.parameters, "reference_method": reference.method})
