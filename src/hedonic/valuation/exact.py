"""PAS-exact (spec §4): φ(i, j) = E[ψ(i, j)], ψ = Δ_ij − Δ_i − Δ_j by actual ablation (zeroing, every token).

Two ways to the same numbers:

- ``local`` and ``linear`` readouts, all pairs of the players: the closed form of
  :class:`hedonic.valuation.pairwise.PairwiseSynergy` (no model forward per pair; O(k²) per input for
  decoders, O(k²·d) for a BERT pooler), streamed over the input batches, any k that fits in memory;
- any readout (``model`` included) for a given list of pairs, or all pairs of a small player set:
  the ablation engine (:class:`hedonic.ablation.AblationEngine`) evaluates every single neuron and
  every pair on all inputs (for ``model`` the layers after the analysed one rerun, many sets per
  batch).

E is the mean over the given inputs (held-out inputs for evaluation); φ is float32, symmetric,
zero diagonal, in logit units. Optionally E[|ψ|] as a second valuation ``pas-exact-abs``.

Data-parallel (``parallel``, under ``torchrun``): every rank passes the same inputs and works on
its share (the closed form: a contiguous block of every batch's rows; the engine: a contiguous
block of all inputs); the float64 sums of ψ (and |ψ|) are all-reduced, so every rank returns the
same φ and holds no more than one process would.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import torch

from hedonic.ablation import AblationEngine, check_readout, residual_readout
from hedonic.errors import ConfigError
from hedonic.stats.budget import check_budget, resolve_budget
from hedonic.stats.subset import explicit_subset
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.memory import SUBSET_HINT
from hedonic.valuation.pairwise import PairwiseSynergy, accumulate

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats import DataParallel

NAME = "pas-exact"
ABS_NAME = "pas-exact-abs"
Pairs = Sequence[tuple[int, int]] | np.ndarray


def closed_form_bytes(k: int, d: int, *, absolute: bool = False) -> int:
    """Peak bytes of the closed form for k players: float64 sums and G̃ (+ |ψ| sums), one float64
    mean, the float32 φ (two with ``absolute``), and the (d, k) directions."""
    return 8 * k * k * (3 + absolute) + 4 * k * k * (1 + absolute) + 16 * d * k


def pas_exact(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    *,
    readout: str = "local",
    neurons: Sequence[int] | np.ndarray | None = None,
    pairs: Pairs | None = None,
    memory_budget: int | None = None,
    tile_elements: int | None = None,
    parallel: DataParallel | None = None,
    freeze_norms: bool = False,
) -> Valuation:
    """The PAS-exact valuation of ``layer`` over the inputs ``batches``.

    ``readout``: ``local``, ``linear`` (closed form for all pairs) or ``model`` (engine; needs
    ``pairs`` or a small ``neurons`` set). ``neurons``: the players (layer ids; default all n).
    ``pairs``: evaluate only these (i, j) layer-id pairs with the engine; the players are the
    neurons they name and unlisted pairs get φ = 0. ``memory_budget`` in bytes (default
    :func:`hedonic.stats.budget.resolve_budget`): :class:`~hedonic.errors.MemoryBudgetError`
    before any k×k allocation that would not fit. ``tile_elements``: see
    :class:`~hedonic.valuation.pairwise.PairwiseSynergy`. ``parallel``: this process's place in a
    data-parallel job (every rank passes all ``batches`` and gets the whole φ; see the module
    docstring). ``freeze_norms``: the norms from the layer to the readout keep each input's clean
    statistics (:mod:`hedonic.ablation.norms`); engine only (``pairs`` or the ``model`` readout).
    """
    return _pas_exact(adapter, layer, batches, readout, neurons, pairs, memory_budget, tile_elements, False, parallel, freeze_norms)[0]


def pas_exact_with_magnitude(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    *,
    readout: str = "local",
    neurons: Sequence[int] | np.ndarray | None = None,
    pairs: Pairs | None = None,
    memory_budget: int | None = None,
    tile_elements: int | None = None,
    parallel: DataParallel | None = None,
) -> tuple[Valuation, Valuation]:
    """(E[ψ] named ``pas-exact``, E[|ψ|] named ``pas-exact-abs``), each φ (k, k) float32, from one pass; options as :func:`pas_exact`."""
    signed, magnitude = _pas_exact(adapter, layer, batches, readout, neurons, pairs, memory_budget, tile_elements, True, parallel)
    return signed, cast("Valuation", magnitude)


def _pas_exact(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    readout: str,
    neurons: Sequence[int] | np.ndarray | None,
    pairs: Pairs | None,
    memory_budget: int | None,
    tile_elements: int | None,
    absolute: bool,
    parallel: DataParallel | None,
    freeze_norms: bool = False,
) -> tuple[Valuation, Valuation | None]:
    layer = adapter.check_layer(layer)
    check_readout(readout)
    n = adapter.intermediate_size
    budget = resolve_budget(memory_budget, adapter.device)
    if pairs is not None:
        pair_ids = _checked_pairs(pairs, n)
        players = explicit_subset(pair_ids.reshape(-1), n)
        return _by_engine(adapter, layer, batches, readout, players, pair_ids, budget, absolute, parallel, freeze_norms)
    players = np.arange(n, dtype=np.int64) if neurons is None else explicit_subset(neurons, n)
    if readout == "model":
        return _by_engine(adapter, layer, batches, readout, players, None, budget, absolute, parallel, freeze_norms)
    if freeze_norms:
        raise ConfigError("PAS-exact's closed form does not freeze the norms", hint="pass pairs, or use the 'model' readout")
    return _by_closed_form(adapter, layer, batches, readout, players, budget, tile_elements, absolute, parallel)


def _by_closed_form(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    readout: str,
    players: np.ndarray,
    budget: int,
    tile_elements: int | None,
    absolute: bool,
    parallel: DataParallel | None,
) -> tuple[Valuation, Valuation | None]:
    k, d = len(players), adapter.hidden_size
    check_budget(f"PAS-exact of layer {layer}", lambda size: closed_form_bytes(size, d, absolute=absolute), k, budget, SUBSET_HINT)
    index = torch.as_tensor(players)
    synergy = PairwiseSynergy(
        residual_readout(adapter, layer, readout),
        adapter.w_out(layer)[:, index.to(adapter.layer_device(layer))],
        absolute=absolute,
        tile_elements=tile_elements,
    )
    accumulate(synergy, adapter, layer, batches, index, f"PAS-exact of layer {layer} ({readout})", parallel)
    details = {"inputs": synergy.count, "method": "closed-form", "absolute": absolute, "pairs": k * (k - 1) // 2}
    signed = _valuation(NAME, synergy.mean(), players, layer, readout, details)
    magnitude = _valuation(ABS_NAME, synergy.mean_abs(), players, layer, readout, details) if absolute else None
    return signed, magnitude


def _by_engine(
    adapter: ModelAdapter,
    layer: int,
    batches: Iterable[TokenBatch],
    readout: str,
    players: np.ndarray,
    pair_ids: np.ndarray | None,
    budget: int,
    absolute: bool,
    parallel: DataParallel | None,
    freeze_norms: bool,
) -> tuple[Valuation, Valuation | None]:
    """Ablate every player and every pair (``pair_ids`` (P, 2); None: all pairs of the players)."""
    batches = list(batches)
    k, inputs = len(players), sum(len(batch) for batch in batches)
    cached = inputs if parallel is None else len(parallel.block(inputs))

    def bytes_for(size: int) -> int:
        count = size * (size - 1) // 2 if pair_ids is None else len(pair_ids)
        return 8 * 3 * (size + count) * cached + 4 * size * size * (1 + absolute)

    what = "PAS-exact by ablation of all pairs" if pair_ids is None else f"PAS-exact by ablation of {len(pair_ids)} pairs"
    check_budget(f"{what} on {inputs} inputs", bytes_for, k, budget, SUBSET_HINT)
    if pair_ids is None:
        pair_ids = np.asarray(list(itertools.combinations(players.tolist(), 2)), dtype=np.int64).reshape(-1, 2)
    engine = AblationEngine(adapter, layer, batches, token_states=readout == "model", parallel=parallel)
    sets = [[int(i)] for i in players] + pair_ids.tolist()
    delta = torch.from_numpy(engine.effects(sets, readout, freeze_norms=freeze_norms).delta)
    first, second = (torch.from_numpy(np.searchsorted(players, pair_ids[:, column])) for column in (0, 1))
    psi = delta[k:] - delta[first] - delta[second]

    def mean(values: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(engine.mean_over_inputs(values.mean(1).numpy()))

    details = {"inputs": inputs, "method": "ablation", "absolute": absolute, "pairs": len(pair_ids), "freeze_norms": freeze_norms}
    signed = _valuation(NAME, _scatter(mean(psi), first, second, k), players, layer, readout, details)
    if not absolute:
        return signed, None
    magnitude = _scatter(mean(psi.abs()), first, second, k)
    return signed, _valuation(ABS_NAME, magnitude, players, layer, readout, details)


def _scatter(values: torch.Tensor, first: torch.Tensor, second: torch.Tensor, k: int) -> torch.Tensor:
    """A symmetric (k, k) float64 matrix with ``values`` at (first, second) and (second, first), else 0."""
    matrix = torch.zeros(k, k, dtype=torch.float64)
    matrix[first, second] = values
    matrix[second, first] = values
    return matrix


def _valuation(name: str, matrix: torch.Tensor, players: np.ndarray, layer: int, readout: str, details: dict[str, object]) -> Valuation:
    phi = matrix.to(torch.float32).cpu().numpy()
    return Valuation(phi, name, players.copy(), layer=layer, readout=readout, details=details)


def _checked_pairs(pairs: Pairs, n: int) -> np.ndarray:
    """Pairs as a (P, 2) int64 array of distinct neurons in 0..n-1, each unordered pair once."""
    array = np.asarray(pairs, dtype=np.int64)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ConfigError(
            f"pairs must be a non-empty list of (i, j), got an array of shape {array.shape}",
            hint="pass e.g. [(0, 5), (3, 9)]",
        )
    if (array < 0).any() or (array >= n).any() or (array[:, 0] == array[:, 1]).any():
        raise ConfigError(f"pairs must name two different neurons in 0..{n - 1}", hint="drop pairs (i, i) and out-of-range ids")
    return np.unique(np.sort(array, axis=1), axis=0)
