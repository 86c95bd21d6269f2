"""A layer's mean absolute activations E|a_i| (the weights of the influence), read from files.

Two sources: the activation-statistics artifact of :mod:`hedonic.stats` (E|a| = Σ|a| / count over
its collected neurons, possibly a subset of the layer), or a plain ``.npy`` vector of length n
(E|a| of every neuron of the layer). :func:`expand_mean_abs` turns either into the (n,) vector
that :func:`hedonic.tracking.coalition_influence` takes, checking that every player is covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hedonic.artifacts import load_npy
from hedonic.errors import ArtifactError
from hedonic.stats import load_stats

if TYPE_CHECKING:
    from hedonic.game import Partition


@dataclass(frozen=True)
class LayerMeanAbs:
    """E|a| ``values`` (k,) float64 of the neurons ``neurons`` (k,) int64, strictly ascending.

    ``layer`` is the layer the values were collected on, where the file says; ``origin`` names
    the file.
    """

    neurons: np.ndarray
    values: np.ndarray
    layer: int | None
    origin: str


def mean_abs_from_stats(path: str | Path) -> LayerMeanAbs:
    """E|a| from an activation-statistics artifact (``hedonic collect``); errors as :func:`hedonic.stats.load_stats`."""
    stats = load_stats(path)
    return LayerMeanAbs(stats.neurons.astype(np.int64), stats.mean_abs(), stats.layer, str(path))


def mean_abs_from_npy(path: str | Path) -> LayerMeanAbs:
    """E|a| from a ``.npy`` vector (n,) holding one value per neuron of the layer (ids 0..n-1)."""
    values = load_npy(path, hint="save E|a| (one value per neuron) with numpy.save, or omit it to use uniform weights")
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.number):
        raise ArtifactError(
            f"{path}: E|a| must be a numeric vector, got {values.dtype} of shape {values.shape}",
            hint="save one value per neuron of the layer",
        )
    return LayerMeanAbs(np.arange(len(values), dtype=np.int64), values.astype(np.float64), None, str(path))


def expand_mean_abs(mean_abs: LayerMeanAbs, layer: int, players: Partition, n_neurons: int) -> np.ndarray:
    """E|a| of ``layer`` as an (n_neurons,) vector: the known values in place, 0 for the other neurons.

    Raises :class:`ArtifactError` when a player of ``players`` has no value, when a neuron id
    lies outside the layer, or when the values were collected on another layer.
    """
    if mean_abs.layer is not None and mean_abs.layer != layer:
        raise ArtifactError(
            f"{mean_abs.origin}: statistics of layer {mean_abs.layer} given for the partition of layer {layer}",
            hint="pass the statistics of the same layers as the partitions, in the same order",
        )
    if mean_abs.neurons.size and (mean_abs.neurons[0] < 0 or mean_abs.neurons[-1] >= n_neurons):
        raise ArtifactError(
            f"{mean_abs.origin}: neuron ids run to {int(mean_abs.neurons[-1])}, but the layer has {n_neurons} neurons",
            hint="pass E|a| collected on this model",
        )
    missing = np.setdiff1d(np.asarray(players.neurons, dtype=np.int64), mean_abs.neurons)
    if missing.size:
        raise ArtifactError(
            f"{mean_abs.origin}: no E|a| for {missing.size} players of the partition (e.g. neuron {int(missing[0])})",
            hint="collect statistics for every neuron of the partition, or omit them to use uniform weights",
        )
    full = np.zeros(n_neurons, dtype=np.float64)
    full[mean_abs.neurons] = mean_abs.values
    return full
