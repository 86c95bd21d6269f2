"""Coalition-to-coalition influence through the virtual weights, computed one block of rows at a time.

For coalitions C_p of layer ℓ and C'_q of layer ℓ+1 (spec §7):

    S[p, q] = Σ_{i∈C_p} Σ_{j∈C'_q} |W[j, i]| · E|a_i|  /  (|C_p| · |C'_q|)

With A (n × P) and B (n' × Q) the coalition indicator matrices (scipy.sparse) and e = E|a|,
S = Aᵀ · diag(e) · |W|ᵀ · B / (sizes ⊗ sizes'). W is never held whole: rows J of W (neurons of
ℓ+1) are built from the factors of a :class:`VirtualMap`, reduced to Bᵀ_J · |W_J| · diag(e) · A
(Q × P), accumulated in float64, and dropped. Only the neurons that are players of the partitions
enter: rows of W for the players of ℓ+1, columns for the players of ℓ. :func:`player_influences`
reduces the same blocks the two other ways, per source player and per target player, which the
event intervals and the link tests need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import torch

from hedonic.errors import ArtifactError, ConfigError, NumericalError
from hedonic.progress import progress
from hedonic.tracking.virtual_weights import VirtualMap

if TYPE_CHECKING:
    from hedonic.game import Partition

BLOCK_VALUES = 1 << 22
"""Default size of one block of W, in values (4 Mi values: 16 MiB in float32)."""


def coalition_indicator(partition: Partition) -> sp.csr_array:
    """Indicator (n_players × n_coalitions) float64: entry [k, p] = 1 if player ``neurons[k]`` ∈ C_p.

    Rows follow ``partition.neurons`` (players in ascending id order), columns its coalitions.
    """
    labels = partition.labels()
    data = np.ones(partition.n_players, dtype=np.float64)
    rows = np.arange(partition.n_players)
    return sp.csr_array((data, (rows, labels)), shape=(partition.n_players, len(partition.coalitions)))


def check_mean_abs(mean_abs: np.ndarray, n_neurons: int, where: str = "E|a|") -> np.ndarray:
    """Validate E|a| of one layer: a finite, non-negative (n_neurons,) vector; returned as float64."""
    values = np.asarray(mean_abs, dtype=np.float64)
    if values.shape != (n_neurons,):
        raise ArtifactError(
            f"{where}: expected one mean |activation| per neuron, shape ({n_neurons},), got {values.shape}",
            hint="pass the E|a| (or statistics) of the source layer of this layer pair",
        )
    if not np.isfinite(values).all():
        raise NumericalError(f"{where}: holds NaN or infinite values", hint="recollect the activation statistics")
    if (values < 0).any():
        raise ArtifactError(f"{where}: mean absolute activations cannot be negative", hint="pass E|a|, not E[a]")
    return values


def check_players(partition: Partition, n_neurons: int, side: str) -> None:
    """:class:`ArtifactError` when ``partition`` names a neuron beyond the ``n_neurons`` of its layer (``side``: source/target)."""
    if partition.neurons and partition.neurons[-1] >= n_neurons:
        raise ArtifactError(
            f"the {side} partition names neuron {partition.neurons[-1]}, but that layer has {n_neurons} neurons",
            hint="pass the partitions of the layers being tracked, made on this model",
        )


def coalition_influence(
    vmap: VirtualMap,
    source: Partition,
    target: Partition,
    mean_abs: np.ndarray | None = None,
    *,
    block_rows: int | None = None,
) -> np.ndarray:
    """Influence S (P × Q) float64 of the coalitions of ``source`` (layer ℓ) on those of ``target`` (ℓ+1).

    ``vmap``: the virtual map ℓ → ℓ+1 (n' × n); ``mean_abs``: E|a_i| of layer ℓ (n,), or None
    for uniform weights (all 1). ``block_rows``: rows of W per block (default: about
    :data:`BLOCK_VALUES` values per block). Peak extra memory: one block per selected projection.
    """
    blocks = _blocks(vmap, source, target, block_rows)
    weighted, indicator_t = _reducers(vmap, source, target, mean_abs)
    total = np.zeros((len(target.coalitions), len(source.coalitions)), dtype=np.float64)
    for rows, block in blocks:
        total += indicator_t[:, rows] @ (weighted.T @ block.T).T
    return total.T / np.outer(source.sizes(), target.sizes())


def player_influences(
    vmap: VirtualMap,
    source: Partition,
    target: Partition,
    mean_abs: np.ndarray | None = None,
    *,
    block_rows: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Both per-player influences from one pass over |W|: (R (k × Q), y (k' × P)), float64.

    R[i, q] = Σ_{j∈C'_q} |W[j, i]| / |C'_q|: source player i alone (unweighted) on target coalition
    q, rows in ``source.neurons`` order; y[j, p] = Σ_{i∈C_p} E|a_i| |W[j, i]| / |C_p|: source
    coalition p on target player j, rows in ``target.neurons`` order (``mean_abs`` None: E|a| = 1).
    Arguments as :func:`coalition_influence`.
    """
    blocks = _blocks(vmap, source, target, block_rows)
    weighted, indicator_t = _reducers(vmap, source, target, mean_abs)
    units = np.zeros((len(target.coalitions), source.n_players), dtype=np.float64)
    per_target = np.zeros((target.n_players, len(source.coalitions)), dtype=np.float64)
    for rows, block in blocks:
        units += indicator_t[:, rows] @ block
        per_target[rows] = (weighted.T @ block.T).T
    return units.T / target.sizes()[None, :], per_target / source.sizes()[None, :]


def _reducers(vmap: VirtualMap, source: Partition, target: Partition, mean_abs: np.ndarray | None) -> tuple[sp.sparray, sp.sparray]:
    """diag(E|a|) · A ((players of ℓ) × P; E|a| checked, all ones for None) and Bᵀ (Q × (players of ℓ+1)), which reduce a block."""
    weights = np.ones(vmap.shape[1]) if mean_abs is None else check_mean_abs(mean_abs, vmap.shape[1])
    return sp.diags_array(weights[list(source.neurons)]) @ coalition_indicator(source), coalition_indicator(target).T.tocsc()


def _blocks(vmap: VirtualMap, source: Partition, target: Partition, block_rows: int | None) -> Iterator[tuple[slice, np.ndarray]]:
    """Blocks of |W| restricted to the players: (rows J of ``target.neurons``, |W[J, source players]| (|J| × k) float64).

    The players and ``block_rows`` are checked at the call, before any block is built.
    """
    n_target, n_source = vmap.shape
    check_players(source, n_source, "source")
    check_players(target, n_target, "target")
    if block_rows is not None and block_rows < 1:
        raise ConfigError(f"block_rows must be positive, got {block_rows}", hint="pass a positive number of rows")
    columns = np.asarray(source.neurons, dtype=np.int64)
    if len(columns) < n_source:  # restrict the write factor to the players once, not per block
        vmap = VirtualMap(vmap.read, vmap.write[:, torch.from_numpy(columns).to(vmap.write.device)], vmap.folded)
    return _block_iterator(
        vmap, torch.as_tensor(target.neurons, dtype=torch.long), block_rows or max(1, BLOCK_VALUES // max(1, len(columns)))
    )


def _block_iterator(vmap: VirtualMap, rows: torch.Tensor, step: int) -> Iterator[tuple[slice, np.ndarray]]:
    starts = range(0, len(rows), step)
    for start in progress(starts, "influence blocks", total=len(starts)):
        yield slice(start, start + step), vmap.magnitude(rows[start : start + step]).to("cpu", torch.float64).numpy()
