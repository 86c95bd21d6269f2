"""The ``causal`` measure: ablate each source coalition, rerun the next layer, test every target coalition's change.

For the tracked coalitions of layer ℓ (sources) and ℓ+1 (targets), and N analysis inputs:

1. **Ablations.** Each source coalition C_p, and G random groups of tracked source players with
   the coalitions' sizes (cycled through in a seeded order), is ablated at layer ℓ — ``zero``:
   a_i = 0, or ``mean``: a_i = its mean over the inputs' tokens — on every token, and the model
   reruns from the residual stream after ℓ up to the activations of ℓ+1 only. The ablations are
   stacked along the batch axis, as the ``model`` readout does (:mod:`hedonic.ablation.stacked`:
   blocks 0..ℓ are not recomputed), in chunks of at most ``max_values`` activation values.
2. **Effects.** d_j(g) = the mean over the inputs' rows (readout token, or all tokens as the
   statistics) of |a_j^{−g} − a_j|, the change of target player j when group g is ablated, and
   e[g, q] = the mean of d_j(g) over C'_q (the source × target effect table, (P + G) × Q).
3. **Tests.** Source side: the log residuals of a two-way median polish of e over all P + G
   rows (:func:`~hedonic.tracking.link_tests.polish_residuals`; the row effect absorbs a group's
   size and loudness, the column effect a target's sensitivity), each coalition's residual on q
   against those of the G random groups on q (z with their median and standard deviation, and
   the empirical p = (1 + #{g ≥ it}) / (G + 1)). Target side: d_j(p) over the target players,
   polished the same way and tested like the weights' target side (random groups of |C'_q|
   target players). A link is specific when both sides reject: z = the smaller, one-sided normal
   p, Benjamini–Hochberg at ``level`` over the P × Q links (the empirical p of G draws cannot
   reach BH's thresholds over hundreds of links; it is kept beside each link).
4. **Decomposition** of log e over the P coalitions (:mod:`hedonic.tracking.decomposition`): the
   shares of source loudness, target sensitivity and specific routing.

Cost: (P + G + 1) × N rows through one block per layer pair (the +1: the clean reference), plus
one forward per input batch to cache layer ℓ (two in ``mean`` mode). Its detection floor
(:func:`causal_floor`, links planted into the model's weights, :mod:`hedonic.tracking.floor`)
costs that once more per grid strength.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, TypeVar

import numpy as np
import torch

from hedonic.ablation.cache import Contribution, LayerCache, build_cache
from hedonic.ablation.closed_form import removed
from hedonic.ablation.stacked import block_output, resumed_after
from hedonic.errors import ConfigError, DataError
from hedonic.progress import progress
from hedonic.stats.capture import StopForward, at_readout, hooked_states, stop_after
from hedonic.tracking.decomposition import Decomposition, decompose
from hedonic.tracking.floor import DetectionFloor, FloorSettings, measure_floor
from hedonic.tracking.link_tests import DEFAULT_LEVEL, LinkTests, bh_links, check_level, polish_residuals, side_z
from hedonic.tracking.planting import PlantedLinks, planted_found, planted_model

if TYPE_CHECKING:
    from hedonic.game import Partition
    from hedonic.models import ModelAdapter, TokenBatch

CAUSAL_MODES = ("zero", "mean")
DEFAULT_CAUSAL_MODE: Final = "zero"
Item = TypeVar("Item")


@dataclass(frozen=True)
class CausalSettings:
    """The causal test: ablation ``mode`` (zero or mean), analysis ``inputs`` used (a seeded subset),
    ``random_groups`` G, ``seed`` of the subset and the groups, ``tokens`` (readout or all: the rows
    whose change counts), and ``max_values`` of ℓ+1 activations per stacked forward."""

    mode: str = DEFAULT_CAUSAL_MODE
    inputs: int = 64
    random_groups: int = 64
    seed: int = 0
    tokens: str = "all"
    max_values: int = 1 << 25

    def __post_init__(self) -> None:
        if self.mode not in CAUSAL_MODES:
            raise ConfigError(f"unknown causal ablation mode {self.mode!r}", hint=f"choose one of {', '.join(CAUSAL_MODES)}")
        if self.inputs < 1 or self.random_groups < 2 or self.max_values < 1:
            raise ConfigError(
                f"the causal test needs ≥ 1 input and ≥ 2 random groups, got {self.inputs} and {self.random_groups}",
                hint="e.g. causal_inputs = 64, causal_groups = 64",
            )
        if self.tokens not in ("readout", "all"):
            raise ConfigError(f"unknown token scope {self.tokens!r}", hint="use 'readout' or 'all'")

    def payload(self) -> dict[str, object]:
        """The JSON form of the settings (``max_values`` is a memory knob and left out)."""
        return {"mode": self.mode, "inputs": self.inputs, "random_groups": self.random_groups, "seed": self.seed, "tokens": self.tokens}


@dataclass(frozen=True)
class CausalLinks:
    """The causal test of one layer pair: the specific ``tests`` (statistic ``causal``), the source-side
    ``empirical`` p of each of their links (same order), the ``decomposition`` of log e, the
    ``effects`` e (P × Q, mean |Δa| per target coalition; None when read from an artifact), the
    ``settings``, the ``ablations`` run per input (P + G + 1), the number of ``inputs`` and the
    test's detection ``floor`` (None: not measured)."""

    tests: LinkTests
    empirical: tuple[float, ...]
    decomposition: Decomposition | None
    effects: np.ndarray | None = field(compare=False)
    settings: CausalSettings
    ablations: int
    inputs: int
    floor: DetectionFloor | None = None

    def payload(self) -> dict[str, object]:
        """The JSON form (the effect table is left out: it is P × Q numbers)."""
        return {
            **self.tests.payload(),
            "empirical_p": list(self.empirical),
            "decomposition": None if self.decomposition is None else self.decomposition.payload(),
            "settings": self.settings.payload(),
            "ablations": self.ablations,
            "inputs": self.inputs,
            "floor": None if self.floor is None else self.floor.payload(),
        }


def causal_inputs(items: Sequence[Item], settings: CausalSettings) -> list[Item]:
    """The analysis inputs of the causal test: ``settings.inputs`` of ``items`` drawn with ``settings.seed``, in their order (all when fewer)."""
    if len(items) <= settings.inputs:
        return list(items)
    chosen = np.random.default_rng([settings.seed, 11]).choice(len(items), settings.inputs, replace=False)
    return [items[int(k)] for k in sorted(chosen)]


def ablation_sets(source: Partition, random_groups: int, seed: int) -> torch.Tensor:
    """Neuron ids (P + G, s_max) int64 padded with −1: the P coalitions, then G random groups of the tracked players with the coalitions' sizes."""
    rng = np.random.default_rng([seed, 7])
    players = np.asarray(source.neurons, dtype=np.int64)
    sizes = source.sizes()
    order = np.resize(rng.permutation(len(sizes)), random_groups) if len(sizes) else np.zeros(0, dtype=np.int64)
    groups = [np.asarray(group, dtype=np.int64) for group in source.coalitions]
    groups += [rng.choice(players, int(sizes[k]), replace=False) for k in order]
    width = max((len(group) for group in groups), default=1)
    sets = np.full((len(groups), width), -1, dtype=np.int64)
    for row, group in enumerate(groups):
        sets[row, : len(group)] = group
    return torch.from_numpy(sets)


def mean_activation(adapter: ModelAdapter, batches: list[TokenBatch], layer: int) -> torch.Tensor:
    """ā (n,): each neuron's mean activation at ``layer`` over the batches' real tokens, in the model's dtype."""
    total: torch.Tensor | None = None
    count = 0
    with torch.no_grad(), hooked_states(adapter, [layer], residual=False) as store, stop_after(adapter, layer):
        for batch in batches:
            batch = batch.to(adapter.device)
            with suppress(StopForward):
                adapter.logits(batch)
            mask = batch.attention_mask.unsqueeze(-1).to(torch.float64)
            part = (store[layer]["activations"].to(torch.float64) * mask).sum(dim=(0, 1))
            total = part if total is None else total + part
            count += int(batch.attention_mask.sum())
    if total is None:
        raise DataError("the mean activation needs at least one input batch", hint="pass the analysis inputs")
    return (total / max(count, 1)).to(adapter.w_out(layer).dtype)


def stacked_changes(
    adapter: ModelAdapter, cache: LayerCache, sets: torch.Tensor, targets: torch.Tensor, tokens: str, mean: Contribution | None
) -> torch.Tensor:
    """Σ over the cache's rows of |a_j^{−S} − a_j| of the ``targets`` (k',) of layer ℓ+1, for K sets: (K, k') float64.

    Row 0 of ``sets`` must be the empty set (all −1): the clean reference of the same path.
    """
    token_residual, token_terms = cache.token_states("the causal test")
    residual = token_residual.unsqueeze(0) - removed(token_terms, sets)
    if mean is not None:
        residual = residual + removed([mean], sets)
    following = cache.layer + 1
    with torch.no_grad(), resumed_after(adapter, cache.layer, block_output(adapter, cache.layer, residual.flatten(0, 1))):
        with hooked_states(adapter, [following], residual=False) as store, stop_after(adapter, following), suppress(StopForward):
            adapter.logits(cache.batch.repeat(sets.shape[0]))
    states = store[following]["activations"][..., targets.to(cache.batch.input_ids.device)]
    mask = cache.batch.attention_mask.repeat(sets.shape[0], 1)
    rows = at_readout(adapter, states, mask) if tokens == "readout" else states * mask.unsqueeze(-1)
    rows = rows.reshape(sets.shape[0], len(cache), *rows.shape[1:]).to(torch.float64)
    change = (rows - rows[:1]).abs()
    return change.sum(dim=tuple(range(1, change.ndim - 1)))


def causal_effects(
    adapter: ModelAdapter, layer: int, sets: torch.Tensor, target: Partition, batches: list[TokenBatch], settings: CausalSettings
) -> np.ndarray:
    """d (K × k'): for each set of ``sets`` (K, s) the mean |Δa_j| of each target player (``target.neurons`` order) over the rows."""
    targets = torch.as_tensor(target.neurons, dtype=torch.long)
    with_clean = torch.cat([torch.full((1, sets.shape[1]), -1, dtype=sets.dtype), sets]).to(adapter.device)
    mean = None
    if settings.mode == "mean":
        directions = adapter.w_out(layer)
        mean = Contribution.of(mean_activation(adapter, batches, layer).to(directions.dtype)[None, None, :], directions)
    totals = torch.zeros(sets.shape[0], len(targets), dtype=torch.float64)
    rows = 0
    for batch in progress(batches, f"causal ablations {layer}→{layer + 1}", total=len(batches)):
        cache = build_cache(adapter, batch, layer, "zero", token_states=True)
        width = len(cache) * cache.batch.input_ids.shape[1] * adapter.intermediate_size
        chunk = max(2, settings.max_values // max(width, 1))
        clean = with_clean[:1]
        for start in range(1, with_clean.shape[0], chunk - 1):
            part = torch.cat([clean, with_clean[start : start + chunk - 1]])
            totals[start - 1 : start - 1 + part.shape[0] - 1] += stacked_changes(adapter, cache, part, targets, settings.tokens, mean)[
                1:
            ].cpu()
        rows += len(cache) if settings.tokens == "readout" else int(cache.batch.attention_mask.sum())
    return (totals / max(rows, 1)).numpy()


def causal_tests(
    effects: np.ndarray, source: Partition, target: Partition, level: float = DEFAULT_LEVEL
) -> tuple[LinkTests, tuple[float, ...], np.ndarray]:
    """The tests of step 3 of the module docstring from d ((P + G) × k'): (specific links, empirical p of each, e (P × Q))."""
    check_level(level)
    n_sources = len(source.coalitions)
    table = np.stack([row.mean(axis=1) for row in _member_columns(effects, target)], axis=1)
    residuals = polish_residuals(table)
    real, null = residuals[:n_sources], residuals[n_sources:]
    spread = null.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_source = np.where(spread > 0, (real - np.median(null, axis=0)) / spread, 0.0)
    empirical = (1.0 + (null[None, :, :] >= real[:, None, :]).sum(axis=1)) / (null.shape[0] + 1.0)
    z_target = side_z(polish_residuals(effects[:n_sources].T), target, "median").T
    tests = bh_links(np.minimum(z_source, z_target), level, "causal")
    return tests, tuple(float(empirical[p, q]) for p, q, _, _ in tests.links), table[:n_sources]


def _member_columns(effects: np.ndarray, target: Partition) -> list[np.ndarray]:
    """The columns of ``effects`` (K × k') of each target coalition's members, in coalition order."""
    position = {neuron: k for k, neuron in enumerate(target.neurons)}
    return [effects[:, [position[j] for j in group]] for group in target.coalitions]


def causal_links(
    adapter: ModelAdapter,
    layer: int,
    source: Partition,
    target: Partition,
    batches: Iterable[TokenBatch],
    settings: CausalSettings | None = None,
    level: float = DEFAULT_LEVEL,
) -> CausalLinks:
    """The causal test of the tracked coalitions ``source`` (layer ``layer``) and ``target`` (``layer + 1``) on ``batches``."""
    settings = settings or CausalSettings()
    layer = adapter.check_layer(layer)
    if layer + 1 >= adapter.num_layers:
        raise ConfigError(
            f"layer {layer} is the last: no layer {layer + 1} to ablate into", hint="track pairs ℓ → ℓ+1 below the last layer"
        )
    loaded = list(batches)
    sets = ablation_sets(source, settings.random_groups, settings.seed)
    effects = causal_effects(adapter, layer, sets, target, loaded, settings)
    tests, empirical, table = causal_tests(effects, source, target, level)
    inputs = sum(len(batch) for batch in loaded)
    return CausalLinks(tests, empirical, decompose(table), table, settings, sets.shape[0] + 1, inputs)


def causal_floor(
    adapter: ModelAdapter,
    layer: int,
    source: Partition,
    target: Partition,
    batches: Iterable[TokenBatch],
    floor: FloorSettings,
    settings: CausalSettings | None = None,
    level: float = DEFAULT_LEVEL,
) -> DetectionFloor | None:
    """The detection floor of :func:`causal_links` on this pair: links planted into the model's weights (:func:`~hedonic.tracking.planting.planted_model`)."""
    loaded = list(batches)

    def found_at(design: PlantedLinks, strength: float) -> int:
        with planted_model(adapter, layer, source, target, design, strength, seed=floor.seed):
            found = causal_links(adapter, layer, source, target, loaded, settings, level)
        return planted_found(design, sorted(found.tests.pairs()))[0]

    return measure_floor(floor, len(source.coalitions), len(target.coalitions), adapter.w_out(layer).shape[0], found_at)
