"""Bootstrap intervals of the event shares, resampling the inputs behind E|a| (spec §7).

The statistics files hold only sums (Σ|a| over all rows), which cannot be resampled. So the
tracking stage makes one extra forward pass over the same analysis inputs and keeps, for the
members of the tracked source coalitions only, the per-input sums s_i(x) = Σ_t |a_i,t| over the
input's rows t (its readout token, or all its tokens, as the statistics) and the row counts
c(x) (:func:`collect_input_activity`). One bootstrap resample draws N inputs with replacement
(multiplicities w_x) and gives E*|a_i| = Σ_x w_x s_i(x) / Σ_x w_x c(x).

The influence is linear in E|a|: S[p, q] = Σ_{i∈C_p} E|a_i| · R[i, q] / |C_p| with
R[i, q] = Σ_{j∈C'_q} |W[j, i]| / |C'_q| (the influence of source neuron i alone,
:func:`~hedonic.tracking.influence.player_influences`), so R is built once and each resample costs one contraction and one
classification. The interval of each event share is the percentile interval over the resamples
(the weights W are fixed: only the inputs vary).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from hedonic.errors import ConfigError
from hedonic.progress import progress
from hedonic.stats.capture import StopForward, at_readout, hooked_states, stop_after
from hedonic.tracking.events import EVENT_TYPES
from hedonic.tracking.rules import classify

if TYPE_CHECKING:
    from hedonic.game import Partition
    from hedonic.models import ModelAdapter, TokenBatch


@dataclass(frozen=True)
class InputActivity:
    """Per-input |a| sums of ``neurons`` (k,) at ``layer``: ``sums`` (N, k) float64 and row ``counts`` (N,)."""

    layer: int
    neurons: np.ndarray
    sums: np.ndarray
    counts: np.ndarray
    tokens: str

    def mean_abs(self, weights: np.ndarray | None = None) -> np.ndarray:
        """E|a| (k,) over the inputs, or (B, k) for input multiplicities ``weights`` (B, N)."""
        if weights is None:
            return self.sums.sum(axis=0) / self.counts.sum()
        return (weights @ self.sums) / (weights @ self.counts)[:, None]


def collect_input_activity(
    adapter: ModelAdapter,
    batches: Iterable[TokenBatch],
    neurons: Mapping[int, np.ndarray],
    *,
    tokens: str = "readout",
    total: int | None = None,
) -> dict[int, InputActivity]:
    """One forward pass per batch, up to the last layer asked for; per input and layer, Σ|a| of the given neurons over its rows (readout or all tokens).

    ``neurons``: layer → ids (k,); returns layer → :class:`InputActivity` with ``sums`` (N, k) and
    ``counts`` (N,) over the N inputs.
    """
    if tokens not in ("readout", "all"):
        raise ConfigError(f"unknown token scope {tokens!r}", hint="use 'readout' or 'all'")
    layers = sorted(neurons)
    if not layers:
        return {}
    index = {layer: torch.as_tensor(np.asarray(neurons[layer], dtype=np.int64), device=adapter.device) for layer in layers}
    sums: dict[int, list[np.ndarray]] = {layer: [] for layer in layers}
    counts: list[np.ndarray] = []
    with torch.no_grad(), hooked_states(adapter, layers, residual=False) as store, stop_after(adapter, layers[-1]):
        for batch in progress(batches, "per-input |a| for tracking intervals", total=total):
            batch = batch.to(adapter.device)
            with suppress(StopForward):
                adapter.logits(batch)
            mask = batch.attention_mask != 0
            counts.append(np.ones(len(batch)) if tokens == "readout" else mask.sum(dim=1).cpu().numpy().astype(np.float64))
            for layer in layers:
                states = store[layer]["activations"][..., index[layer]].abs().to(torch.float64)
                rows = (
                    at_readout(adapter, states, batch.attention_mask) if tokens == "readout" else (states * mask.unsqueeze(-1)).sum(dim=1)
                )
                sums[layer].append(rows.cpu().numpy())
    return {
        layer: InputActivity(layer, np.asarray(neurons[layer], dtype=np.int64), np.concatenate(sums[layer]), np.concatenate(counts), tokens)
        for layer in layers
    }


def influence_from_units(units: np.ndarray, source: Partition, mean_abs: np.ndarray) -> np.ndarray:
    """S (..., P, Q) = Σ_{i∈C_p} E|a_i| R[i, q] / |C_p| for E|a| of the players (..., k) in ``source.neurons`` order."""
    labels = source.labels()
    indicator = np.zeros((len(source.neurons), len(source.coalitions)))
    indicator[np.arange(len(labels)), labels] = 1.0 / source.sizes()[labels]
    return np.einsum("ip,...i,iq->...pq", indicator, mean_abs, units)


@dataclass(frozen=True)
class BootstrapSettings:
    """``resamples`` B (0: no intervals), ``confidence`` of the percentile intervals, ``seed`` of the draws."""

    resamples: int = 200
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.resamples < 0 or self.resamples == 1 or not 0 < self.confidence < 1:
            raise ConfigError(
                f"bootstrap resamples must be 0 or ≥ 2 (got {self.resamples}) and confidence in (0, 1) (got {self.confidence})",
                hint="e.g. bootstrap = 200",
            )


def share_intervals(
    units: np.ndarray, source: Partition, activity: InputActivity, thresholds: Any, settings: BootstrapSettings
) -> dict[str, tuple[float, float]]:
    """Percentile interval (0–100) of each event type's share over ``settings.resamples`` input resamples.

    ``units`` (k, Q): R of :func:`~hedonic.tracking.influence.player_influences`, the source's k players on the Q target coalitions.
    """
    if list(activity.neurons) != list(source.neurons):
        raise ConfigError(f"per-input activity of layer {activity.layer} does not cover the tracked coalitions' neurons")
    inputs = activity.counts.shape[0]
    rng = np.random.default_rng([settings.seed, activity.layer])
    weights = rng.multinomial(inputs, np.full(inputs, 1.0 / inputs), size=settings.resamples).astype(np.float64)
    influence = influence_from_units(units, source, activity.mean_abs(weights))
    shares = np.array([[classify(matrix, thresholds).percentages()[kind] for kind in EVENT_TYPES] for matrix in influence])
    tail = 50.0 * (1.0 - settings.confidence)
    low, high = np.percentile(shares, [tail, 100.0 - tail], axis=0)
    return {kind: (float(a), float(b)) for kind, a, b in zip(EVENT_TYPES, low, high, strict=True)}
