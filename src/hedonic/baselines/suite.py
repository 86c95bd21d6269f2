"""Run a set of baselines against a reference (hedonic) partition, on the same players.

Every baseline partitions exactly the reference's players. The number of clusters of the
clustering methods is the reference's number of coalitions (singletons included), so the mean
coalition size agrees; with ``match_sizes`` (the default) each clustering is then made to have
exactly the reference's size multiset by :func:`~hedonic.baselines.sizes.match_sizes`. Random
groups always have exactly the reference's sizes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from hedonic.baselines.methods import BASELINE_METHODS, BaselineJob, check_methods
from hedonic.baselines.settings import DEFAULTS
from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS
from hedonic.errors import ConfigError, MemoryBudgetError

if TYPE_CHECKING:
    from hedonic.game import Partition


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
    methods: Sequence[str] = tuple(DEFAULTS.methods),
    *,
    seed: int = 0,
    match_sizes: bool = DEFAULTS.match_sizes,
    max_spectral_players: int = DEFAULT_MAX_PLAYERS,
    kmeans_n_init: int = DEFAULTS.kmeans_n_init,
) -> BaselineRun:
    """Run ``methods`` on the players of ``reference``; see the module docstring.

    ``kmeans_n_init``: restarts of spherical k-means (each costs k sequential seeding steps and
    its Lloyd iterations; lower it for layers of ten thousand neurons or more).

    A method whose input is missing (or spectral clustering of more than ``max_spectral_players``
    neurons, or Louvain without networkx) is skipped with its reason in :attr:`BaselineRun.skipped`. Raises
    :class:`ConfigError` for an unknown method or when a reference player has no row in ``inputs``.
    """
    chosen = check_methods(tuple(methods))
    rows = rows_of(reference.neurons, inputs.neurons, "the baseline inputs")
    square = {
        name: None if value is None else value[np.ix_(rows, rows)]
        for name, value in (("phi", inputs.phi), ("correlation", inputs.correlation))
    }
    sizes = reference.sizes()
    job = BaselineJob(
        players=np.asarray(reference.neurons, dtype=np.int64),
        sizes=sizes,
        target=sizes if match_sizes else None,
        layer=reference.layer,
        features=None if inputs.features is None else inputs.features[rows],
        seed=seed,
        max_spectral_players=max_spectral_players,
        kmeans_n_init=kmeans_n_init,
        **square,
    )
    run = BaselineRun(partitions={})
    for name in chosen:
        method = BASELINE_METHODS[name]
        reason = method.available()
        if method.needs is not None and getattr(job, method.needs) is None:
            reason = f"no {method.needs_label} given"
        if reason is not None:
            run.skipped[name] = reason
            continue
        start = time.perf_counter()
        try:
            run.partitions[name] = _with_reference(method.build(job), reference)
        except MemoryBudgetError as error:
            run.skipped[name] = error.message
            continue
        run.seconds[name] = time.perf_counter() - start
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
