"""Community detection (Louvain) on the φ friendship graph; needs the optional package networkx.

Graph (:func:`friendship_graph`): every neuron links to its ``neighbours`` partners of largest φ
among those with φ > 0 (the game's top-k friends), with weight φ / max φ; the graph is made
undirected by keeping the larger weight of i→j and j→i. Neurons without a positive partner are
isolated (they end up singletons). Sparse: n·neighbours edges at most, so a 14,336-neuron layer
stays cheap.

Communities: :func:`networkx.community.louvain_communities` (seeded). Louvain picks its own
number of communities; with ``n_clusters`` given, the resolution γ is searched in
log10 γ ∈ [−3, 3], starting at γ = 1: each next γ assumes the count proportional to γ
(γ · n_clusters / count), falling back to bisection of the bracket found so far when that
guess leaves it, for at most ``search_steps`` runs or until a run's count
is within 2% of ``n_clusters`` (at least 1), and the run whose count is closest is kept (the
smallest γ among equally close runs). Each run costs about a second at n = 1536 (pure Python),
3 to 5 s for the whole search with k = 192; at n = 14,336 (k = 1,792) a run took 47 s and the
whole baseline 91–149 s on a loaded 2-core machine.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from hedonic.baselines.build import check_n_clusters, check_players, clustering_partition
from hedonic.baselines.sizes import cluster_affinity
from hedonic.baselines.spectral import phi_affinity
from hedonic.errors import ConfigError
from hedonic.game.top_k import top_entries

if TYPE_CHECKING:
    from hedonic.game import Partition

DEFAULT_NEIGHBOURS = 10
SEARCH_RANGE = (-3.0, 3.0)
SEARCH_TOLERANCE = 0.02


def louvain_available() -> bool:
    """True when networkx (which provides Louvain) can be imported."""
    return importlib.util.find_spec("networkx") is not None


def friendship_graph(phi: np.ndarray, neighbours: int = DEFAULT_NEIGHBOURS) -> sparse.csr_matrix:
    """Symmetric sparse weights (n, n): each neuron's top ``neighbours`` positive-φ partners, φ/max φ.

    Ties at the k-th value go to the lower neuron index (:func:`hedonic.game.top_k.top_entries`).
    """
    values = np.array(phi, dtype=np.result_type(phi.dtype, np.float32))
    n = values.shape[0]
    np.fill_diagonal(values, -np.inf)
    top = min(neighbours, max(n - 1, 0))
    if top == 0:
        return sparse.csr_matrix((n, n))
    rows, columns = top_entries(values, top)
    weights = values[rows, columns].astype(np.float64)
    keep = weights > 0
    scale = weights[keep].max() if keep.any() else 1.0
    directed = sparse.csr_matrix((weights[keep] / scale, (rows[keep], columns[keep])), shape=(n, n))
    return directed.maximum(directed.T).tocsr()


def louvain_baseline(
    phi: np.ndarray,
    neurons: Sequence[int] | np.ndarray,
    *,
    n_clusters: int | None = None,
    neighbours: int = DEFAULT_NEIGHBOURS,
    resolution: float = 1.0,
    search_steps: int = 8,
    seed: int = 0,
    match_to: Sequence[int] | np.ndarray | None = None,
    layer: int | None = None,
) -> Partition:
    """Partition of ``neurons`` (n,) into Louvain communities of :func:`friendship_graph` of ``phi`` (n, n).

    ``resolution`` is used as given when ``n_clusters`` is None, otherwise searched (see the
    module docstring). With ``match_to`` the communities are size-matched using each neuron's
    mean positive φ (scaled as in spectral clustering, without floor) to each community.
    Method name ``"louvain"``. Raises :class:`ConfigError` when networkx is missing.
    """
    if not louvain_available():
        raise ConfigError(
            "Louvain community detection needs networkx, which is not installed",
            hint="pip install networkx, or leave 'louvain' out of the methods",
        )
    import networkx as nx

    ids = check_players(neurons, phi.shape[0], "φ")
    if neighbours < 1:
        raise ConfigError(f"neighbours must be ≥ 1, got {neighbours}", hint="pass the number of friends per neuron, e.g. 10")
    graph = nx.from_scipy_sparse_array(friendship_graph(phi, neighbours))

    def communities(gamma: float) -> np.ndarray:
        labels = np.empty(ids.shape[0], dtype=np.int64)
        found = nx.community.louvain_communities(graph, weight="weight", resolution=gamma, seed=seed)
        for index, members in enumerate(sorted(found, key=min)):
            labels[list(members)] = index
        return labels

    if n_clusters is None:
        gamma, labels = resolution, communities(resolution)
    else:
        gamma, labels = _search_resolution(communities, check_n_clusters(n_clusters, ids.shape[0]), search_steps)
    parameters = {
        "n_clusters": n_clusters,
        "neighbours": neighbours,
        "resolution": gamma,
        "graph": "top-k positive-phi friends, weight phi / max phi, symmetrised by max",
    }
    affinity = cluster_affinity(phi_affinity(phi, floor=0.0), labels)
    return clustering_partition(labels, ids, "louvain", affinity=affinity, match_to=match_to, parameters=parameters, seed=seed, layer=layer)


def _search_resolution(communities: Callable[[float], np.ndarray], target: int, steps: int) -> tuple[float, np.ndarray]:
    low, high = SEARCH_RANGE
    exponent = 0.0
    runs: list[tuple[int, float, np.ndarray]] = []
    for _ in range(max(steps, 1)):
        labels = communities(10.0**exponent)
        count = int(labels.max()) + 1
        runs.append((abs(count - target), exponent, labels))
        if abs(count - target) <= max(1, round(SEARCH_TOLERANCE * target)):
            break
        low, high = (exponent, high) if count < target else (low, exponent)
        guess = exponent + float(np.log10(target / count))
        exponent = guess if low < guess < high else (low + high) / 2
    _, exponent, labels = min(runs, key=lambda run: run[:2])
    return 10.0**exponent, labels
