"""Random groups: the null baseline, with exactly the target's coalition sizes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hedonic.baselines.sizes import random_labels
from hedonic.game import Partition


def random_baseline(
    neurons: Sequence[int] | np.ndarray, sizes: Sequence[int] | np.ndarray, *, seed: int = 0, layer: int | None = None
) -> Partition:
    """Uniformly random partition of ``neurons`` (n,) with exactly the size multiset ``sizes``.

    Method name ``"random"``; same seed → same partition.
    """
    ids = np.asarray(neurons, dtype=np.int64)
    labels = random_labels(ids.shape[0], sizes, seed)
    parameters = {"n_clusters": int(len(sizes)), "size_matching": True}
    return Partition.from_labels(labels, "random", neurons=ids.tolist(), parameters=parameters, seed=seed, layer=layer)
