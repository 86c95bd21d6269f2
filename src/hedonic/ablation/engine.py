"""The ablation engine: Δ_S(x) = f(x) − f_{−S}(x) for many neuron sets S of one layer.

Build an :class:`AblationEngine` once per (model, layer, inputs, mode): it caches the layer's
states per input batch (:func:`~hedonic.ablation.cache.build_cache`). Then
:meth:`AblationEngine.effects` evaluates any list of sets with any readout:

- ``local`` / ``linear``: the closed form f(h − Σ_{i∈S} c_i) at the readout token, float64, no
  model forward, vectorised over chunks of sets;
- ``model``: the model's own logit, the layers after ℓ rerun for chunks of sets stacked into one
  batch (:func:`~hedonic.ablation.stacked.stacked_model_effects`).

Data-parallel (``parallel``, one process per device under ``torchrun``): every rank builds the
engine on the same inputs and caches only its contiguous block of them (``columns``);
``effects`` then covers those inputs, and means over inputs are completed across ranks with
:meth:`AblationEngine.mean_over_inputs` (one float64 all-reduce, no per-input value leaves its
rank). Tensors stay on the device of the layer's states (:meth:`ModelAdapter.layer_device`),
which differs from the input device when the model is spread over several devices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from hedonic.ablation.cache import LayerCache, build_cache
from hedonic.ablation.closed_form import closed_form_effects, project_directions, project_terms, set_gram
from hedonic.ablation.modes import check_mode
from hedonic.ablation.readouts import check_readout, residual_readout
from hedonic.ablation.sets import NeuronSets, pad_sets, set_tuples
from hedonic.ablation.stacked import stacked_logits
from hedonic.errors import ConfigError, DataError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.progress import progress

if TYPE_CHECKING:
    from hedonic.ablation.norm_readout import NormReadout
    from hedonic.stats import DataParallel

DEFAULT_MAX_ELEMENTS = 1 << 24
"""Default bound on the elements of the largest intermediate tensor of one chunk of sets."""
DEFAULT_MAX_ROWS = 64
"""Default bound on the rows (sets × inputs) of one stacked forward of the ``model`` readout."""


@dataclass(frozen=True)
class AblationEffects:
    """Ablation effects of K sets on the engine's X inputs (this rank's block of them when data-parallel).

    ``delta`` (K, X) float64: Δ_S(x) = f(x) − f_{−S}(x) in logit units; ``clean`` (X,) float64:
    f(x); ``sets``: the sets as sorted neuron id tuples, in the order of ``delta``'s rows;
    ``freeze_norms``: whether every norm from the layer to the readout was held at its clean
    statistics (:mod:`hedonic.ablation.norms`).
    """

    sets: tuple[tuple[int, ...], ...]
    clean: np.ndarray
    delta: np.ndarray
    layer: int
    readout: str
    mode: str
    freeze_norms: bool = False


class AblationEngine:
    """Ablations of ``layer``'s neurons on fixed ``inputs``, with the layer's states cached once.

    ``inputs``: one :class:`TokenBatch` or several; ``batch_size`` splits them further (rows per
    cached batch). ``mode``: ``zero`` or ``pre-lora``. ``token_states=False`` keeps only the
    readout-token rows, enough for ``local``/``linear`` but not ``model``. ``max_elements``
    bounds the largest intermediate tensor per chunk of sets, ``max_rows`` the rows of one
    stacked forward. Building runs one forward per batch (two for ``pre-lora``). ``parallel``:
    this process's place in a data-parallel job; it caches its block of the inputs only,
    ``columns`` (their indices among all inputs; :class:`~hedonic.errors.DataError` when there are
    fewer inputs than processes).
    """

    def __init__(
        self,
        adapter: ModelAdapter,
        layer: int,
        inputs: TokenBatch | Sequence[TokenBatch],
        *,
        mode: str = "zero",
        token_states: bool = True,
        batch_size: int | None = None,
        max_elements: int = DEFAULT_MAX_ELEMENTS,
        max_rows: int = DEFAULT_MAX_ROWS,
        parallel: DataParallel | None = None,
    ) -> None:
        self.adapter = adapter
        self.layer = adapter.check_layer(layer)
        self.mode = check_mode(adapter, self.layer, mode)
        self.max_elements = max_elements
        self.max_rows = max_rows
        self.parallel = parallel
        batches = _split([inputs] if isinstance(inputs, TokenBatch) else list(inputs), batch_size)
        self._total = sum(len(batch) for batch in batches)
        self.columns: range = range(self._total) if parallel is None else parallel.block(self._total)
        self.caches: list[LayerCache] = []
        for batch in progress(_rows(batches, self.columns), f"caching layer {self.layer}"):
            like = self.caches[0] if self.caches else None  # one copy of the direction tensors for all batches
            self.caches.append(build_cache(adapter, batch, self.layer, mode, token_states=token_states, like=like))
        self._readouts: dict[str, NormReadout] = {}
        self._references: dict[tuple[int, bool], tuple[LayerCache, torch.Tensor]] = {}

    @property
    def num_inputs(self) -> int:
        """Number of inputs X (of every rank when data-parallel; this process caches ``columns``)."""
        return self._total

    def mean_over_inputs(self, means: np.ndarray) -> np.ndarray:
        """Means over every rank's inputs from this process's means over its own inputs (any shape).

        Σ_r X_r m_r / X in float64 (one all-reduce of ``means``' size, X_r = len(columns)); on one
        process ``means`` itself.
        """
        if self.parallel is None:
            return means
        return self.parallel.sum_array(np.asarray(means, dtype=np.float64) * len(self.columns)) / self._total

    def gather_inputs(self, values: np.ndarray) -> np.ndarray:
        """Per-input values (len(columns),) of this process → (X,) of every rank, in input order.

        Meant for one value per input (e.g. the clean scores); on one process ``values`` itself.
        """
        if self.parallel is None:
            return values
        return self.parallel.gather_blocks(values, self._total)

    def activations(self) -> np.ndarray:
        """Neuron activations a (X, n) float64 at the readout token of every cached input (no forward).

        The first removed-contribution term of every cache holds the fine-tuned activations as its
        coefficients (plus the zero padding column), in ``zero`` and ``pre-lora`` mode alike.
        """
        return torch.cat([cache.terms[0].coefficients[:, :-1] for cache in self.caches]).cpu().numpy()

    def clean(self, readout: str = "local") -> np.ndarray:
        """f(x) (X,) float64 of the unablated model under ``readout``."""
        check_readout(readout)
        if readout == "model":
            parts = [cache.clean_logits for cache in self.caches]
        else:
            function = self._readout(readout)
            parts = [function(cache.residual) for cache in self.caches]
        return torch.cat([part.cpu() for part in parts]).numpy()

    def effects(self, sets: NeuronSets, readout: str = "local", *, freeze_norms: bool = False) -> AblationEffects:
        """Δ_S(x) for every set (K sets, padded array or lists of neuron ids) on every cached input.

        Returns :class:`AblationEffects` with ``delta`` (K, X) float64 (X = len(columns): this
        rank's inputs when data-parallel). ``freeze_norms``: every norm from the layer to the
        readout keeps each input's clean statistics (:mod:`hedonic.ablation.norms`); the
        ``local`` readout of a linear-head family is then exactly additive. Raises
        :class:`~hedonic.errors.ConfigError` for bad neuron ids or readout names.
        """
        check_readout(readout)
        padded = pad_sets(sets, self.adapter.intermediate_size)
        if readout == "model":
            delta = self._model_effects(padded, freeze_norms)
        else:
            delta = self._closed_form_effects(padded, readout, freeze_norms)
        return AblationEffects(
            sets=set_tuples(padded),
            clean=self.clean(readout),
            delta=delta,
            layer=self.layer,
            readout=readout,
            mode=self.mode,
            freeze_norms=freeze_norms,
        )

    def cache_effects(self, cache: LayerCache, padded: np.ndarray, readout: str, *, freeze_norms: bool = False) -> torch.Tensor:
        """Δ_S(x) (K, B) float64 of the sets ``padded`` (K, s) (−1 padding) on one cached batch of B inputs.

        Computed and returned on the device of the cache's states, in chunks of sets sorted by size.
        The ``model`` readout's reference f(x) is the same stacked forward with nothing ablated
        (once per cache), so that Δ of the empty set is exactly 0 whatever the rounding of the
        forward's shortcuts.
        """
        check_readout(readout)
        device = cache.residual.device
        order, lengths = _by_size(padded)
        index = torch.as_tensor(padded[order], device=device)
        delta = torch.empty(len(padded), len(cache), dtype=torch.float64, device=device)
        if readout == "model":
            reference = self._reference(cache, freeze_norms)

            def effects(sets: torch.Tensor) -> torch.Tensor:
                return reference - stacked_logits(self.adapter, cache, sets, freeze_norms=freeze_norms)

        else:
            function = self._readout(readout)
            projected = project_terms(function, cache.residual, cache.terms)

            def effects(sets: torch.Tensor) -> torch.Tensor:
                return closed_form_effects(cache.residual, projected, sets, function, freeze_norms=freeze_norms)

        for chunk in _chunks(len(padded), self._chunk_size(cache, padded.shape[1], readout)):
            width = max(1, int(lengths[order[chunk]].max(initial=0)))
            rows = torch.as_tensor(order[chunk], device=device)
            delta[rows] = effects(index[chunk, :width])
        return delta

    def _reference(self, cache: LayerCache, freeze_norms: bool) -> torch.Tensor:
        """f(x) (1, B) of one cache through the stacked ``model`` path with the empty set ablated (computed once)."""
        key = (id(cache), freeze_norms)
        if key not in self._references:
            empty = torch.full((1, 1), -1, dtype=torch.int64, device=cache.residual.device)
            self._references[key] = (cache, stacked_logits(self.adapter, cache, empty, freeze_norms=freeze_norms))
        return self._references[key][1]

    def _model_effects(self, padded: np.ndarray, freeze_norms: bool) -> np.ndarray:
        """The ``model`` readout: one stacked forward of the later layers per chunk of sets, cache by cache."""
        delta = np.empty((len(padded), len(self.columns)), dtype=np.float64)
        start = 0
        label = f"ablating layer {self.layer} (model{', frozen norms' if freeze_norms else ''})"
        for cache in progress(self.caches, label):
            delta[:, start : start + len(cache)] = self.cache_effects(cache, padded, "model", freeze_norms=freeze_norms).cpu().numpy()
            start += len(cache)
        return delta

    def _closed_form_effects(self, padded: np.ndarray, readout: str, freeze_norms: bool) -> np.ndarray:
        """The closed forms, chunk of sets by chunk: each chunk's Gram blocks (O(s²·d) per set) serve every cache."""
        function = self._readout(readout)
        directions = project_directions(function, self.caches[0].terms)
        projected = [project_terms(function, cache.residual, cache.terms, directions) for cache in self.caches]
        device = self.caches[0].residual.device
        order, lengths = _by_size(padded)
        index = torch.as_tensor(padded[order], device=device)
        delta = torch.empty(len(padded), len(self.columns), dtype=torch.float64, device=device)
        largest = max(self.caches, key=len)
        offsets = np.cumsum([0] + [len(cache) for cache in self.caches])
        chunks = _chunks(len(padded), self._chunk_size(largest, padded.shape[1], readout))
        for chunk in progress(chunks, f"ablating layer {self.layer} ({readout})"):
            width = max(1, int(lengths[order[chunk]].max(initial=0)))
            rows = torch.as_tensor(order[chunk], device=device)
            sets_chunk = index[chunk, :width]
            gram = None if freeze_norms else set_gram(projected[0], sets_chunk)
            for cache, terms, start in zip(self.caches, projected, offsets[:-1], strict=True):
                columns = slice(int(start), int(start) + len(cache))
                delta[rows, columns] = closed_form_effects(cache.residual, terms, sets_chunk, function, gram, freeze_norms=freeze_norms)
        return delta.cpu().numpy()

    def _readout(self, readout: str) -> NormReadout:
        if readout not in self._readouts:
            self._readouts[readout] = residual_readout(self.adapter, self.layer, readout)
        return self._readouts[readout]

    def _chunk_size(self, cache: LayerCache, width: int, readout: str) -> int:
        rows, hidden = len(cache), cache.residual.shape[-1]
        terms = len(cache.terms)
        if readout != "model":
            per_set = rows * hidden + (rows + hidden) * width * terms
            return max(1, self.max_elements // per_set)
        tokens = rows * cache.batch.input_ids.shape[1]
        per_set = tokens * (hidden + width * terms) + hidden * width * terms
        return max(1, min(self.max_rows // rows, self.max_elements // per_set))


def _by_size(padded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order of the sets by size, stable; their sizes) of a (K, s) array padded with −1."""
    lengths = (padded >= 0).sum(axis=1)
    return np.argsort(lengths, kind="stable"), lengths


def _chunks(total: int, size: int) -> list[slice]:
    return [slice(start, min(start + size, total)) for start in range(0, total, size)]


def _rows(batches: list[TokenBatch], rows: range) -> list[TokenBatch]:
    """The (sub-)batches holding the inputs ``rows``, a contiguous run of the concatenated ``batches``."""
    kept, start = [], 0
    for batch in batches:
        low, high = max(rows.start - start, 0), min(rows.stop - start, len(batch))
        if low < high:
            kept.append(batch if (low, high) == (0, len(batch)) else batch.select(slice(low, high)))
        start += len(batch)
    return kept


def _split(batches: list[TokenBatch], batch_size: int | None) -> list[TokenBatch]:
    if not batches or not sum(len(batch) for batch in batches):
        raise DataError("no inputs to ablate", hint="pass at least one tokenised input")
    if batch_size is None:
        return batches
    if batch_size < 1:
        raise ConfigError(f"batch_size must be positive, got {batch_size}", hint="pass batch_size >= 1")
    return [batch.select(slice(start, start + batch_size)) for batch in batches for start in range(0, len(batch), batch_size)]
