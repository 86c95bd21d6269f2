"""Neuron sets to ablate, as one padded index array (the engine's vectorised input)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hedonic.errors import ConfigError

PAD = -1
"""Fill value of a padded set array: it indexes the zero column appended to every neuron table."""

NeuronSets = Sequence[Sequence[int]] | np.ndarray
"""Sets of neuron ids: a sequence of sequences, or a (K, s) integer array padded with :data:`PAD`."""


def pad_sets(sets: NeuronSets, n: int) -> np.ndarray:
    """Validate neuron sets of a layer with ``n`` neurons and pack them as (K, s_max) int64.

    Row k holds set k's ids followed by :data:`PAD` (−1); s_max is the largest set size (at
    least 1, so that empty sets are a row of padding). A (K, s) integer array is taken as already
    padded with −1. Raises :class:`ConfigError` for ids outside 0..n-1 and for a neuron repeated
    within one set (it would be removed twice).
    """
    if isinstance(sets, np.ndarray):
        padded = _padded_array(sets)
    else:
        rows = [np.asarray(list(group), dtype=np.int64).reshape(-1) for group in sets]
        width = max((len(row) for row in rows), default=0)
        padded = np.full((len(rows), max(width, 1)), PAD, dtype=np.int64)
        for k, row in enumerate(rows):
            padded[k, : len(row)] = row
    real = padded[padded != PAD]
    if real.size and (real.min() < 0 or real.max() >= n):
        bad = int(real[(real < 0) | (real >= n)][0])
        raise ConfigError(f"neuron id {bad} outside 0..{n - 1}", hint="pass neuron ids of the analysed layer")
    ordered = np.sort(padded, axis=1)
    repeated = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] != PAD)
    if repeated.any():
        first = int(np.nonzero(repeated.any(axis=1))[0][0])
        raise ConfigError(
            f"set {first} names a neuron more than once",
            hint="give each neuron at most once per ablated set",
        )
    return padded


def _padded_array(sets: np.ndarray) -> np.ndarray:
    if sets.ndim != 2 or not np.issubdtype(sets.dtype, np.integer):
        raise ConfigError(
            f"a padded set array must be 2-D integer (sets, max size), got {sets.dtype} {sets.shape}",
            hint="pass a list of neuron id lists, or an int array padded with -1",
        )
    padded = sets.astype(np.int64)
    if padded.shape[1] == 0:
        padded = np.full((padded.shape[0], 1), PAD, dtype=np.int64)
    return padded


def set_tuples(padded: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """The sets of a padded array as sorted tuples of neuron ids (padding dropped)."""
    return tuple(tuple(sorted(int(i) for i in row if i != PAD)) for row in padded)
