"""One entry point for every valuation kind, as the pipeline and ``hedonic valuation`` call it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from hedonic.errors import ConfigError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.stats import ActivationStats, DataParallel
from hedonic.valuation.artifact import Valuation
from hedonic.valuation.oca import Measure, oca
from hedonic.valuation.pas_exact import pas_exact
from hedonic.valuation.pas_grad import pas_grad
from hedonic.valuation.pas_hess import pas_hess

VALUATION_KINDS = ("oca", "pas-grad", "pas-hess", "pas-exact")
"""Kinds of φ: from statistics (oca, pas-grad) or from the model on the analysis inputs (pas-hess, pas-exact)."""
PARALLEL_KINDS = ("pas-exact",)
"""Kinds whose inputs are split over the ranks of a data-parallel job."""


def build_valuation(
    kind: str,
    stats: ActivationStats,
    model: Callable[[], ModelAdapter],
    batches: Callable[[], Iterable[TokenBatch]],
    *,
    measure: Measure = "pearson",
    readout: str = "local",
    memory_budget: int | None = None,
    parallel: DataParallel | None = None,
) -> Valuation:
    """φ of ``kind`` over the players ``stats.neurons`` of layer ``stats.layer``.

    ``model`` and ``batches`` are called only by the kinds that need them (OCA needs the model's
    W_out; PAS-hess and PAS-exact stream the analysis inputs through the model). ``readout`` is
    the readout of PAS-hess / PAS-exact (PAS-grad uses the one its statistics were collected with).
    ``memory_budget`` in bytes. ``parallel``: a data-parallel job, used by the kinds in
    :data:`PARALLEL_KINDS` (every rank passes the same arguments and gets the same φ; the other
    kinds compute φ in full on every rank). Raises :class:`ConfigError` for an unknown kind.
    """
    if kind == "oca":
        w_out = model().w_out(stats.layer).float().cpu().numpy()
        return oca(stats, w_out, measure=measure, memory_budget=memory_budget)
    if kind == "pas-grad":
        return pas_grad(stats, memory_budget=memory_budget)
    if kind == "pas-hess":
        return pas_hess(model(), stats.layer, batches(), readout=readout, neurons=stats.neurons, memory_budget=memory_budget)
    if kind == "pas-exact":
        return pas_exact(
            model(), stats.layer, batches(), readout=readout, neurons=stats.neurons, memory_budget=memory_budget, parallel=parallel
        )
    raise ConfigError(f"unknown valuation kind {kind!r}", hint=f"use one of {', '.join(VALUATION_KINDS)}")
