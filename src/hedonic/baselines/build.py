"""Turn a clustering (labels and per-cluster affinities) into a :class:`~hedonic.game.Partition`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hedonic.baselines.sizes import match_sizes
from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.neuron_ids import neuron_ids


def check_players(neurons: Sequence[int] | np.ndarray, n_rows: int, what: str) -> np.ndarray:
    """Neuron ids (n,) int64 of the rows of a baseline's input; raises :class:`ConfigError` on a mismatch.

    The ids are checked as :func:`hedonic.neuron_ids.neuron_ids` checks players (``what`` names the input).
    """
    return neuron_ids(neurons, n_rows, what=f"the neuron ids of {what}")


def check_n_clusters(n_clusters: int, n_players: int) -> int:
    """Validate a cluster count 1 ≤ k ≤ n; raises :class:`ConfigError` otherwise."""
    if not 1 <= n_clusters <= max(n_players, 1):
        raise ConfigError(
            f"cannot make {n_clusters} clusters of {n_players} neurons",
            hint=f"pass a number of clusters between 1 and {n_players}",
        )
    return int(n_clusters)


def clustering_partition(
    labels: np.ndarray,
    neurons: np.ndarray,
    method: str,
    *,
    affinity: np.ndarray,
    match_to: Sequence[int] | np.ndarray | None,
    parameters: Mapping[str, Any],
    seed: int | None,
    layer: int | None,
) -> Partition:
    """Partition of ``neurons`` (n,) from cluster ``labels`` (n,) 0..k-1.

    With ``match_to`` (a target size multiset summing to n) the clusters are first made exactly
    those sizes by :func:`~hedonic.baselines.sizes.match_sizes` using ``affinity`` (n, k). The
    partition's parameters record ``n_clusters_found`` (clusters before matching) and
    ``size_matching``.
    """
    found = int(np.unique(labels).size)
    final = labels if match_to is None else match_sizes(labels, affinity, match_to)
    recorded = {**parameters, "n_clusters_found": found, "size_matching": match_to is not None}
    return Partition.from_labels(final, method, neurons=neurons.tolist(), parameters=recorded, seed=seed, layer=layer)
