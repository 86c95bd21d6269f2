"""The valuation kinds by name, one row per kind in :data:`VALUATION_KINDS`, and one entry point.

- ``oca``: orthogonal co-activation, (1 − |cos(d_i, d_j)|)·ρ(a_i, a_j) (statistics and the model's W_out);
- ``pas-grad``: −E[v_i v_j], the first-order estimate from the statistics' gradient moments;
- ``pas-hess``: the second-order (Hessian) estimate of ablation synergy on the analysis inputs;
- ``pas-exact``: exact pairwise ablation synergy on the analysis inputs (default; data-parallel);
- ``pas-model``: the secant estimate of ablation synergy through the later layers (the ``model``
  readout whatever ``readout`` says; whole layers; data-parallel).

The table imports no builder (each row loads its module on first use), so the CLI's help and
the configuration checks read it without torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats import ActivationStats, DataParallel
    from hedonic.valuation.artifact import Valuation

Measure = Literal["pearson", "covariance"]
"""Co-activation measure of OCA: Pearson correlation (default) or covariance."""
DEFAULT_MEASURE: Measure = "pearson"
"""The co-activation measure when none is named."""


@dataclass(frozen=True)
class ValuationJob:
    """What a valuation builder gets: the players' ``stats`` (their layer and neuron ids), lazy
    ``model`` and ``batches`` (called only by kinds that need them), the OCA ``measure``, the
    PAS ``readout``, the ``memory_budget`` in bytes, the data-parallel job (or None) and whether
    the norms after the layer are frozen at their clean scale (``freeze_norms``, PAS-model)."""

    stats: ActivationStats
    model: Callable[[], ModelAdapter]
    batches: Callable[[], Iterable[TokenBatch]]
    measure: Measure = DEFAULT_MEASURE
    readout: str = "local"
    memory_budget: int | None = None
    parallel: DataParallel | None = None
    freeze_norms: bool = False


@dataclass(frozen=True)
class ValuationKind:
    """A kind of φ by name: how to ``build`` it, what it ``needs`` (``statistics``, ``model``,
    ``inputs``), whether its inputs are split over the ranks of a data-parallel job
    (``parallel``), and a one-line ``description``."""

    name: str
    build: Callable[[ValuationJob], Valuation]
    needs: tuple[str, ...]
    parallel: bool
    description: str


def _oca(job: ValuationJob) -> Valuation:
    from hedonic.valuation.coactivation import oca

    w_out = job.model().w_out(job.stats.layer).float().cpu().numpy()
    return oca(job.stats, w_out, measure=job.measure, memory_budget=job.memory_budget)


def _pas_grad(job: ValuationJob) -> Valuation:
    from hedonic.valuation.gradient import pas_grad

    return pas_grad(job.stats, memory_budget=job.memory_budget)


def _pas_hess(job: ValuationJob) -> Valuation:
    from hedonic.valuation.hessian import pas_hess

    stats = job.stats
    return pas_hess(job.model(), stats.layer, job.batches(), readout=job.readout, neurons=stats.neurons, memory_budget=job.memory_budget)


def _pas_exact(job: ValuationJob) -> Valuation:
    from hedonic.valuation.exact import pas_exact

    stats = job.stats
    return pas_exact(
        job.model(),
        stats.layer,
        job.batches(),
        readout=job.readout,
        neurons=stats.neurons,
        memory_budget=job.memory_budget,
        parallel=job.parallel,
    )


def _pas_model(job: ValuationJob) -> Valuation:
    from hedonic.valuation.computation import pas_model

    stats = job.stats
    return pas_model(
        job.model(),
        stats.layer,
        job.batches(),
        neurons=stats.neurons,
        freeze_norms=job.freeze_norms,
        memory_budget=job.memory_budget,
        parallel=job.parallel,
    )


VALUATION_KINDS: dict[str, ValuationKind] = {
    row.name: row
    for row in (
        ValuationKind("oca", _oca, ("statistics", "model"), False, "orthogonal co-activation (1 − |cos|)·ρ from the statistics"),
        ValuationKind(
            "pas-grad", _pas_grad, ("statistics",), False, "−E[v_i v_j] from the statistics' gradients (the reference's fast estimate)"
        ),
        ValuationKind(
            "pas-hess", _pas_hess, ("statistics", "model", "inputs"), False, "second-order (Hessian) estimate of ablation synergy"
        ),
        ValuationKind("pas-exact", _pas_exact, ("statistics", "model", "inputs"), True, "exact pairwise ablation synergy (default)"),
        ValuationKind(
            "pas-model",
            _pas_model,
            ("statistics", "model", "inputs"),
            True,
            "ablation synergy through the later layers (model readout, secant estimate)",
        ),
    )
}
"""Every valuation kind by name."""


def check_kind(name: str) -> ValuationKind:
    """The :class:`ValuationKind` called ``name``; :class:`ConfigError` listing the valid names otherwise."""
    if name not in VALUATION_KINDS:
        raise ConfigError(f"unknown valuation kind {name!r}", hint=f"use one of {', '.join(VALUATION_KINDS)}")
    return VALUATION_KINDS[name]


def build_valuation(
    kind: str,
    stats: ActivationStats,
    model: Callable[[], ModelAdapter],
    batches: Callable[[], Iterable[TokenBatch]],
    *,
    measure: Measure = DEFAULT_MEASURE,
    readout: str = "local",
    memory_budget: int | None = None,
    parallel: DataParallel | None = None,
    freeze_norms: bool = False,
) -> Valuation:
    """φ of ``kind`` over the players ``stats.neurons`` of layer ``stats.layer``.

    ``model`` and ``batches`` are called only by the kinds that need them (OCA needs the model's
    W_out; PAS-hess, PAS-exact and PAS-model stream the analysis inputs through the model). ``readout`` is
    the readout of PAS-hess / PAS-exact (PAS-grad uses the one its statistics were collected with;
    PAS-model always the ``model`` readout). ``freeze_norms``: PAS-model's frozen norms.
    ``memory_budget`` in bytes. ``parallel``: a data-parallel job, used by the kinds whose row
    has ``parallel`` (every rank passes the same arguments and gets the same φ; the other kinds
    compute φ in full on every rank). Raises :class:`ConfigError` for an unknown kind.
    """
    row = check_kind(kind)
    job = ValuationJob(stats, model, batches, measure, readout, memory_budget, parallel if row.parallel else None, freeze_norms)
    return row.build(job)
