"""The clustering baselines by name, one row per method in :data:`BASELINE_METHODS`.

Each row's ``build`` takes a :class:`BaselineJob` (the reference's players and sizes, the
inputs restricted to them, the options) and returns a :class:`~hedonic.game.Partition` of those
players. ``needs`` names the :class:`~hedonic.baselines.suite.BaselineInputs` field the method
reads (a method whose input is missing is skipped), ``available`` says why it cannot run on this
installation (None: it can). The table imports no clustering code (each ``build`` loads its
module on first use), so the CLI's help and the configuration checks read it at no cost.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hedonic.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

    from hedonic.game import Partition


@dataclass(frozen=True)
class BaselineJob:
    """One baseline run on the reference's players.

    ``players`` (n,) int64 ids; ``sizes`` (k,) the reference's coalition sizes; ``target``: the
    sizes to match (None: do not match); ``phi`` / ``correlation`` (n, n) and ``features`` (n, F)
    restricted to the players (None where not given); ``layer`` for the partition's record; ``max_spectral_players``: the largest layer spectral
    clustering runs on (None: :data:`hedonic.baselines.spectral.DEFAULT_MAX_PLAYERS`).
    """

    players: np.ndarray
    sizes: np.ndarray
    target: np.ndarray | None
    layer: int | None
    phi: np.ndarray | None = None
    correlation: np.ndarray | None = None
    features: np.ndarray | None = None
    seed: int = 0
    max_spectral_players: int | None = None
    kmeans_n_init: int = 4

    @property
    def clusters(self) -> int:
        """Number of clusters asked of the clustering methods: the reference's coalition count."""
        return int(self.sizes.size)

    def given(self, name: Literal["phi", "correlation", "features"]) -> np.ndarray:
        """The input ``name`` (a method's ``needs``); :class:`ConfigError` when the job has none."""
        value = {"phi": self.phi, "correlation": self.correlation, "features": self.features}[name]
        if value is None:
            raise ConfigError(f"this baseline needs {name}, and the job has none", hint=f"pass {name} in the baseline inputs")
        return value


@dataclass(frozen=True)
class BaselineMethod:
    """A baseline by name: how to ``build`` it, the input field it ``needs`` (None: players only)
    and that input in words, whether it is ``available`` here, and a one-line ``description``."""

    name: str
    build: Callable[[BaselineJob], Partition]
    needs: str | None
    needs_label: str
    description: str
    available: Callable[[], str | None] = lambda: None


def _kmeans(job: BaselineJob) -> Partition:
    from hedonic.baselines.kmeans import spherical_kmeans_baseline

    return spherical_kmeans_baseline(
        job.given("features"), job.players, job.clusters, seed=job.seed, n_init=job.kmeans_n_init, match_to=job.target, layer=job.layer
    )


def _spectral(job: BaselineJob) -> Partition:
    from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS, spectral_baseline

    limit = DEFAULT_MAX_PLAYERS if job.max_spectral_players is None else job.max_spectral_players
    return spectral_baseline(job.given("phi"), job.players, job.clusters, max_players=limit, match_to=job.target, layer=job.layer)


def _agglomerative(job: BaselineJob) -> Partition:
    from hedonic.baselines.correlation import agglomerative_baseline

    return agglomerative_baseline(job.given("correlation"), job.players, job.clusters, match_to=job.target, layer=job.layer)


def _louvain(job: BaselineJob) -> Partition:
    from hedonic.baselines.louvain import louvain_baseline

    return louvain_baseline(job.given("phi"), job.players, n_clusters=job.clusters, seed=job.seed, match_to=job.target, layer=job.layer)


def _random(job: BaselineJob) -> Partition:
    from hedonic.baselines.random_groups import random_baseline

    return random_baseline(job.players, job.sizes, seed=job.seed, layer=job.layer)


BASELINE_METHODS: dict[str, BaselineMethod] = {
    row.name: row
    for row in (
        BaselineMethod(
            "spherical-kmeans", _kmeans, "features", "weight features", "spherical k-means on MLP weight rows (the paper's baseline)"
        ),
        BaselineMethod("spectral", _spectral, "phi", "φ", "spectral clustering of the φ affinity"),
        BaselineMethod(
            "agglomerative", _agglomerative, "correlation", "activation statistics", "average-linkage clustering on activation correlation"
        ),
        BaselineMethod(
            "louvain",
            _louvain,
            "phi",
            "φ",
            "Louvain communities of the φ friendship graph",
            lambda: None if importlib.util.find_spec("networkx") else "networkx is not installed",
        ),
        BaselineMethod("random", _random, None, "", "random groups with exactly the reference's sizes"),
    )
}
"""Every baseline by name, in the order they run."""


def check_methods(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` in run order; :class:`ConfigError` listing the valid names when one is unknown."""
    unknown = sorted(set(names) - set(BASELINE_METHODS))
    if unknown:
        raise ConfigError(f"unknown baseline method(s): {', '.join(unknown)}", hint=f"choose among {', '.join(BASELINE_METHODS)}")
    return [name for name in BASELINE_METHODS if name in names]
