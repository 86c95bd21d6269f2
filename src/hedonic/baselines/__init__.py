"""Stage ``baselines``: clustering baselines that the hedonic coalitions are compared against.

Spherical k-means on weight rows (the paper's baseline), spectral clustering and Louvain
communities on φ (they see what the game sees), agglomerative clustering on activation
correlation, and random groups; all return a :class:`~hedonic.game.Partition` of the same
players, optionally matched to a target size distribution. Pure NumPy / SciPy / scikit-learn.
"""

from hedonic.baselines.correlation import activation_correlation, agglomerative_baseline
from hedonic.baselines.kmeans import SphericalKMeans, spherical_kmeans, spherical_kmeans_baseline, weight_features
from hedonic.baselines.louvain import friendship_graph, louvain_available, louvain_baseline
from hedonic.baselines.random_groups import random_baseline
from hedonic.baselines.sizes import check_target_sizes, cluster_affinity, match_sizes, random_labels
from hedonic.baselines.spectral import phi_affinity, spectral_baseline, spectral_labels
from hedonic.baselines.suite import BASELINE_METHODS, BaselineInputs, BaselineRun, rows_of, run_baselines

__all__ = [
    "BASELINE_METHODS",
    "BaselineInputs",
    "BaselineRun",
    "SphericalKMeans",
    "activation_correlation",
    "agglomerative_baseline",
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
