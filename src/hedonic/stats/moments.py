"""Streaming moments of one layer's neuron activations, and the quantities derived from them.

Notation: k analysed neurons (a subset of the layer's n, ids in ``neurons``), N activation rows
(one per readout token, or one per non-padding token), M inputs. ``v_i = Σ_t a_{i,t} ∂f/∂a_{i,t}``
(one value per input) is the gradient attribution of neuron i to a readout f (spec §3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from hedonic.errors import ConfigError, NumericalError
from hedonic.neuron_ids import neuron_ids

TokenScope = Literal["readout", "all"]
"""Which tokens enter the activation moments: each input's readout token, or all its real tokens."""
GradReadout = Literal["model", "local"]
"""The readout f of the gradient moments: the model's own logit, or the local logit-lens readout."""

CONSTANT_RTOL = 1e-9
"""A neuron whose variance is at most this fraction of its mean square counts as constant."""


@dataclass(frozen=True)
class ActivationStats:
    """Sums over a dataset of one layer's activations (float64 arrays, neuron axis in ``neurons`` order).

    ``count`` rows N entered ``sum`` Σa (k,), ``sum_abs`` Σ|a| (k,), ``sum_sq`` Σa² (k,) and, when
    collected, ``sum_outer`` Σaaᵀ (k, k). With a gradient readout (``readout`` not None),
    ``sum_v`` Σv (k,) and ``sum_vv`` Σvvᵀ (k, k) are sums over the ``num_inputs`` inputs M.
    ``neurons`` (k,) int64 holds the layer's neuron ids, strictly ascending; ``tokens`` says which
    tokens gave the rows; ``model`` names the model (and ``adapter`` its LoRA adapter, "" if none).
    """

    layer: int
    neurons: np.ndarray
    tokens: TokenScope
    count: int
    num_inputs: int
    sum: np.ndarray
    sum_abs: np.ndarray
    sum_sq: np.ndarray
    sum_outer: np.ndarray | None = None
    readout: GradReadout | None = None
    sum_v: np.ndarray | None = None
    sum_vv: np.ndarray | None = None
    model: str = ""
    adapter: str = ""

    def __post_init__(self) -> None:
        k = self.neurons.shape[0]
        expected = {"sum": (k,), "sum_abs": (k,), "sum_sq": (k,), "sum_outer": (k, k), "sum_v": (k,), "sum_vv": (k, k)}
        for name, shape in expected.items():
            value = getattr(self, name)
            if value is not None and value.shape != shape:
                raise ConfigError(
                    f"activation stats of layer {self.layer}: {name} has shape {value.shape}, expected {shape}",
                    hint="build the statistics with hedonic.stats.collect_stats",
                )
        if (self.readout is None) != (self.sum_vv is None) or (self.sum_v is None) != (self.sum_vv is None):
            raise ConfigError(
                f"activation stats of layer {self.layer}: gradient sums and their readout must come together",
                hint="pass readout, sum_v and sum_vv together, or none of them",
            )
        neuron_ids(self.neurons, what=f"activation stats of layer {self.layer}: neuron ids")

    @property
    def k(self) -> int:
        """Number of analysed neurons."""
        return int(self.neurons.shape[0])

    def mean(self) -> np.ndarray:
        """E[a] (k,) float64 over the rows."""
        return self.sum / self._rows()

    def mean_abs(self) -> np.ndarray:
        """E|a| (k,) float64 over the rows."""
        return self.sum_abs / self._rows()

    def variance(self) -> np.ndarray:
        """Population variance Var[a] (k,) float64; exactly 0 for (numerically) constant neurons.

        A neuron counts as constant when E[a²] − E[a]² ≤ :data:`CONSTANT_RTOL` · E[a²] (the
        float64 sums cannot resolve a smaller spread).
        """
        mean_sq = self.sum_sq / self._rows()
        variance = mean_sq - self.mean() ** 2
        return np.where(variance > CONSTANT_RTOL * mean_sq, variance, 0.0)

    def covariance(self, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
        """Population covariance block (len(rows), len(cols)) float64 of the neurons at positions ``rows`` × ``cols``.

        C = Σaaᵀ / N − E[a] E[a]ᵀ; a constant neuron (zero :meth:`variance`) has covariance exactly
        0 with every neuron. Raises :class:`ConfigError` when Σaaᵀ was not collected.
        """
        varying = (self.variance() > 0).astype(np.float64)
        return self._scaled_coactivation(rows, cols, varying)

    def correlation(self, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
        """Pearson ρ block (len(rows), len(cols)) float64 of the neurons at positions ``rows`` × ``cols``.

        ρ_ij = C_ij / (σ_i σ_j) (see :meth:`covariance`), clipped to [−1, 1]; a constant neuron
        correlates 0 with every other neuron and 1 with itself (every neuron has ρ_ii = 1).
        Raises :class:`ConfigError` when Σaaᵀ was not collected.
        """
        sigma = np.sqrt(self.variance())
        rho = self._scaled_coactivation(rows, cols, np.divide(1.0, sigma, out=np.zeros_like(sigma), where=sigma > 0))
        np.clip(rho, -1.0, 1.0, out=rho)
        positions = np.arange(self.k)
        _, on_row, on_col = np.intersect1d(positions[rows], positions[cols], assume_unique=True, return_indices=True)
        rho[on_row, on_col] = 1.0
        return rho

    def _scaled_coactivation(self, rows: slice, cols: slice, scale: np.ndarray) -> np.ndarray:
        """(Σaaᵀ / N − E[a] E[a]ᵀ)[rows, cols] · scale[rows] · scale[cols] (scale (k,), float64)."""
        if self.sum_outer is None:
            raise ConfigError(
                f"the statistics of layer {self.layer} hold no Σaaᵀ: the co-activations are unknown",
                hint="collect the statistics with outer products (hedonic collect without --diagonal)",
            )
        mean = self.mean()
        block = self.sum_outer[rows, cols] / self._rows()
        block -= np.outer(mean[rows], mean[cols])
        block *= scale[rows, None]
        block *= scale[None, cols]
        return block

    def select(self, neurons: np.ndarray) -> ActivationStats:
        """The statistics restricted to ``neurons`` (layer ids, a subset of :attr:`neurons`).

        Raises :class:`ConfigError` naming ids that were not collected.
        """
        neurons = np.unique(np.asarray(neurons, dtype=np.int64))
        missing = np.setdiff1d(neurons, self.neurons)
        if missing.size:
            raise ConfigError(
                f"neurons {missing[:5].tolist()} of layer {self.layer} are not in the collected statistics ({self.k} neurons)",
                hint="pick neurons among the collected ones, or collect statistics for them",
            )
        position = np.searchsorted(self.neurons, neurons)

        def rows(value: np.ndarray | None) -> np.ndarray | None:
            return None if value is None else value[position]

        def block(value: np.ndarray | None) -> np.ndarray | None:
            return None if value is None else value[np.ix_(position, position)]

        return replace(
            self,
            neurons=neurons,
            sum=self.sum[position],
            sum_abs=self.sum_abs[position],
            sum_sq=self.sum_sq[position],
            sum_outer=block(self.sum_outer),
            sum_v=rows(self.sum_v),
            sum_vv=block(self.sum_vv),
        )

    def _rows(self) -> int:
        if self.count <= 0:
            raise NumericalError(
                f"activation stats of layer {self.layer} hold no rows: moments are undefined",
                hint="collect the statistics over at least one input",
            )
        return self.count
