"""Stage ``baselines``: clustering baselines that the hedonic coalitions are compared against.

Spherical k-means on weight rows (the paper's baseline), spectral clustering and Louvain
communities on φ (they see what the game sees), agglomerative clustering on activation
correlation, and random groups; all return a :class:`~hedonic.game.Partition` of the same
players, optionally matched to a target size distribution. Pure NumPy / SciPy / scikit-learn.

The method table (:data:`BASELINE_METHODS`, :func:`check_methods`) is imported at once and needs
no clustering library; everything else loads on first use (as in :mod:`hedonic.valuation`), so
the CLI's help and the configuration checks stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hedonic.baselines.methods import BASELINE_METHODS, BaselineJob, BaselineMethod, check_methods
from hedonic.lazy_exports import lazy_attribute

if TYPE_CHECKING:  # what the lazy names are, for type checkers and the API reference (never run)
    from hedonic.baselines.correlation import activation_correlation, agglomerative_baseline
    from hedonic.baselines.kmeans import SphericalKMeans, spherical_kmeans, spherical_kmeans_baseline, weight_features
    from hedonic.baselines.louvain import friendship_graph, louvain_available, louvain_baseline
    from hedonic.baselines.random_groups import random_baseline
    from hedonic.baselines.sizes import check_target_sizes, cluster_affinity, match_sizes, random_labels
    from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS, phi_affinity, spectral_baseline, spectral_labels
    from hedonic.baselines.suite import BaselineInputs, BaselineRun, rows_of, run_baselines

_LAZY = {
    **dict.fromkeys(("activation_correlation", "agglomerative_baseline"), "hedonic.baselines.correlation"),
    **dict.fromkeys(("SphericalKMeans", "spherical_kmeans", "spherical_kmeans_baseline", "weight_features"), "hedonic.baselines.kmeans"),
    **dict.fromkeys(("friendship_graph", "louvain_available", "louvain_baseline"), "hedonic.baselines.louvain"),
    "random_baseline": "hedonic.baselines.random_groups",
    **dict.fromkeys(("check_target_sizes", "cluster_affinity", "match_sizes", "random_labels"), "hedonic.baselines.sizes"),
    **dict.fromkeys(("DEFAULT_MAX_PLAYERS", "phi_affinity", "spectral_baseline", "spectral_labels"), "hedonic.baselines.spectral"),
    **dict.fromkeys(("BaselineInputs", "BaselineRun", "rows_of", "run_baselines"), "hedonic.baselines.suite"),
}
"""Names imported from their module on first access (module docstring)."""


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _LAZY, globals(), name)


__all__ = [
    "BASELINE_METHODS",
    "DEFAULT_MAX_PLAYERS",
    "BaselineInputs",
    "BaselineJob",
    "BaselineMethod",
    "BaselineRun",
    "SphericalKMeans",
    "activation_correlation",
    "agglomerative_baseline",
    "check_methods",
    "check_target_sizes",
    "cluster_affinity",
    "friendship_graph",
    "louvain_available",
    "louvain_baseline",
    "match_sizes",
    "phi_affinity",
    "random_baseline",
    "random_labels",
    "rows_of",
    "run_baselines",
    "spectral_baseline",
    "spectral_labels",
    "spherical_kmeans",
    "spherical_kmeans_baseline",
    "weight_features",
]
"""Written out (not built from :data:`_LAZY`) so that static readers (the API reference) see it; a test checks it matches."""
