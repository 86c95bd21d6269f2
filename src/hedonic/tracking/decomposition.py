"""How much of a source × target table is specific routing: the two-way decomposition of its logs.

For a positive table t (P × Q) — the influence S of the virtual weights, or the causal effect of
ablating each source coalition on each target coalition — take L = log t and its additive fit
by means:

    L[p, q] = μ + a_p + b_q + r[p, q],   Σ_p a_p = Σ_q b_q = 0, every row and column of r summing to 0.

The sum of squares of L − μ splits exactly into Q·Σ a_p² (the **source** part: how loud or
strong a source coalition is into every target), P·Σ b_q² (the **target** part: how sensitive a
target is to every source) and Σ r² (the **specific** part: which source reaches which target
more than its row and column say, plus measurement noise). A table whose variance is mostly the
first two holds little routing, whatever its largest entries. Zeros are replaced by the
smallest positive entry before the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Decomposition:
    """Shares (0–1, summing to 1) of the variance of a log table: ``source``, ``target`` and ``specific``; ``cells`` P × Q."""

    source: float
    target: float
    specific: float
    cells: int

    def describe(self) -> str:
        """``"source 61%, target 30%, specific 9%"``."""
        return f"source {self.source:.0%}, target {self.target:.0%}, specific {self.specific:.0%}"

    def payload(self) -> dict[str, float | int]:
        """The JSON form: the three shares and ``cells``."""
        return {"source": self.source, "target": self.target, "specific": self.specific, "cells": self.cells}


def decompose(table: np.ndarray) -> Decomposition | None:
    """The two-way decomposition of log ``table`` (P × Q, non-negative); None when it has no positive entry or no variance."""
    values = np.asarray(table, dtype=np.float64)
    positive = values[values > 0]
    if values.ndim != 2 or not positive.size:
        return None
    logs = np.log(np.maximum(values, positive.min()))
    centred = logs - logs.mean()
    rows = centred.mean(axis=1, keepdims=True)
    columns = centred.mean(axis=0, keepdims=True)
    parts = np.array([(rows**2).sum() * values.shape[1], (columns**2).sum() * values.shape[0], ((centred - rows - columns) ** 2).sum()])
    total = parts.sum()
    if total <= 0:
        return None
    source, target, specific = (float(part) for part in parts / total)
    return Decomposition(source, target, specific, int(values.size))
