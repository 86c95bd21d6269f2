"""Float64 running sums of one layer's activation rows (and gradient attributions) on the model's device.

Shapes: k analysed neurons, N activation rows per batch, B inputs per batch. Memory is O(k²)
whatever the number of batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from hedonic.errors import NumericalError
from hedonic.stats.moments import ActivationStats, GradReadout, TokenScope

if TYPE_CHECKING:
    import numpy as np


class MomentAccumulator:
    """Running sums Σa, Σ|a|, Σa², optionally Σaaᵀ, and optionally Σv, Σvvᵀ, for one layer.

    ``neurons`` (k,) int64 are the layer ids the rows' columns stand for; ``outer`` keeps Σaaᵀ,
    ``grad`` keeps the gradient sums. All sums are float64 tensors on ``device``.
    """

    def __init__(self, layer: int, neurons: np.ndarray, device: torch.device, *, outer: bool, grad: bool) -> None:
        k = int(neurons.shape[0])
        self.layer = layer
        self.neurons = neurons

        def zeros(*shape: int) -> torch.Tensor:
            return torch.zeros(shape, dtype=torch.float64, device=device)

        self.counts = zeros(2)
        self.sums = {"sum": zeros(k), "sum_abs": zeros(k), "sum_sq": zeros(k)}
        if outer:
            self.sums["sum_outer"] = zeros(k, k)
        if grad:
            self.sums |= {"sum_v": zeros(k), "sum_vv": zeros(k, k)}

    def add(self, rows: torch.Tensor, inputs: int, batch_index: int, v: torch.Tensor | None = None) -> None:
        """Add one batch: activation rows (N, k) from ``inputs`` inputs and, with gradient sums, v (inputs, k).

        Any float dtype is accepted. Raises :class:`NumericalError` naming the layer and
        ``batch_index`` if the rows or v hold NaN or inf.
        """
        rows = rows.to(torch.float64)
        total = rows.sum(dim=0)
        self._check_finite(total, "activations", batch_index)
        self.sums["sum"] += total
        self.sums["sum_abs"] += rows.abs().sum(dim=0)
        self.sums["sum_sq"] += rows.square().sum(dim=0)
        if "sum_outer" in self.sums:
            self.sums["sum_outer"].addmm_(rows.T, rows)
        if v is not None:
            v = v.to(torch.float64)
            total_v = v.sum(dim=0)
            self._check_finite(total_v, "gradient attributions", batch_index)
            self.sums["sum_v"] += total_v
            self.sums["sum_vv"].addmm_(v.T, v)
        self.counts += torch.tensor([rows.shape[0], inputs], dtype=torch.float64, device=self.counts.device)

    def tensors(self) -> list[torch.Tensor]:
        """Every running sum, counts first, in a fixed order (for an all-reduce across processes)."""
        return [self.counts, *self.sums.values()]

    def result(self, tokens: TokenScope, readout: GradReadout | None, model: str = "", adapter: str = "") -> ActivationStats:
        """The sums so far as :class:`ActivationStats` (NumPy float64 on the CPU)."""
        arrays = {name: value.cpu().numpy() for name, value in self.sums.items()}
        count, inputs = (int(c) for c in self.counts.tolist())
        return ActivationStats(
            layer=self.layer,
            neurons=self.neurons,
            tokens=tokens,
            count=count,
            num_inputs=inputs,
            readout=readout if "sum_vv" in arrays else None,
            model=model,
            adapter=adapter,
            **arrays,
        )

    def _check_finite(self, total: torch.Tensor, what: str, batch_index: int) -> None:
        # A float64 sum of finite model-dtype values stays finite, so one check covers the batch.
        if not bool(torch.isfinite(total).all()):
            raise NumericalError(
                f"non-finite {what} (NaN or inf) at layer {self.layer} in batch {batch_index}",
                hint="check the model's weights and dtype (fp16 overflows easily; try bfloat16 or float32) and the inputs of that batch",
            )
