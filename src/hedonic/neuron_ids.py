"""The one check of a list of players: a layer's neuron ids, strictly ascending and non-negative.

Every artifact and stage that holds players (statistics, φ, partitions, the game, the baselines,
E|a| for tracking) stores them this way, so that row p of a matrix is the p-th smallest id.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hedonic.errors import ConfigError


def neuron_ids(values: Sequence[int] | np.ndarray, count: int | None = None, *, what: str = "neuron ids") -> np.ndarray:
    """``values`` as an (n,) int64 array of strictly ascending non-negative ids, n = ``count`` if given.

    Raises :class:`ConfigError` naming ``what`` otherwise (not 1-D, wrong length, negative,
    repeated or out of order). Returns a new array.
    """
    ids = np.array(values, dtype=np.int64)
    if ids.ndim != 1:
        raise ConfigError(f"{what} must be a 1-D list, got shape {np.shape(values)}", hint="pass one id per player")
    if count is not None and ids.shape != (count,):
        raise ConfigError(f"{what} must be {count} strictly ascending non-negative ids, got {ids.size}", hint="pass exactly one id per row")
    if ids.size and (ids[0] < 0 or bool((np.diff(ids) <= 0).any())):
        raise ConfigError(f"{what} must be strictly ascending non-negative ids", hint="sort the neuron subset and drop duplicates")
    return ids
