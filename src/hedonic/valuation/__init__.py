"""Stage ``valuation``: pairwise valuations φ(i, j) of a layer's neurons (spec §4).

The artifact (:class:`Valuation`, :func:`load_valuation`, :func:`save_valuation`, :func:`check_phi`)
is imported at once and needs only NumPy; the builders and the neuron-subset names (re-exported
from :mod:`hedonic.stats.subset`, where they live) need torch and load on first use, so that
reading a φ file (``hedonic discover --phi``) does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hedonic.lazy_exports import lazy_attribute
from hedonic.valuation.artifact import Valuation, check_phi, load_valuation, save_valuation

if TYPE_CHECKING:  # what the lazy names are, for type checkers and the API reference (never run)
    from hedonic.stats.subset import SubsetSpec, explicit_subset, parse_subset, resolve_subset, top_k, top_k_by_lora, top_k_by_variance
    from hedonic.valuation.build import VALUATION_KINDS, ValuationJob, ValuationKind, build_valuation, check_kind
    from hedonic.valuation.coactivation import Measure, oca
    from hedonic.valuation.computation import pas_model
    from hedonic.valuation.exact import pas_exact, pas_exact_with_magnitude
    from hedonic.valuation.gradient import pas_grad
    from hedonic.valuation.hessian import pas_hess
    from hedonic.valuation.memory import check_phi_memory, phi_bytes, stats_file_bytes, symmetric_from_blocks

_LAZY = {
    **dict.fromkeys(
        ("SubsetSpec", "explicit_subset", "parse_subset", "resolve_subset", "top_k", "top_k_by_lora", "top_k_by_variance"),
        "hedonic.stats.subset",
    ),
    **dict.fromkeys(("check_phi_memory", "phi_bytes", "stats_file_bytes", "symmetric_from_blocks"), "hedonic.valuation.memory"),
    **dict.fromkeys(("Measure", "oca"), "hedonic.valuation.coactivation"),
    **dict.fromkeys(("pas_exact", "pas_exact_with_magnitude"), "hedonic.valuation.exact"),
    "pas_grad": "hedonic.valuation.gradient",
    "pas_model": "hedonic.valuation.computation",
    **dict.fromkeys(("VALUATION_KINDS", "ValuationJob", "ValuationKind", "build_valuation", "check_kind"), "hedonic.valuation.build"),
    "pas_hess": "hedonic.valuation.hessian",
}
"""Names imported from their module on first access (module docstring)."""


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _LAZY, globals(), name)


__all__ = [
    "VALUATION_KINDS",
    "Measure",
    "SubsetSpec",
    "Valuation",
    "ValuationJob",
    "ValuationKind",
    "build_valuation",
    "check_kind",
    "check_phi",
    "check_phi_memory",
    "explicit_subset",
    "load_valuation",
    "oca",
    "parse_subset",
    "pas_exact",
    "pas_exact_with_magnitude",
    "pas_grad",
    "pas_hess",
    "pas_model",
    "phi_bytes",
    "resolve_subset",
    "save_valuation",
    "stats_file_bytes",
    "symmetric_from_blocks",
    "top_k",
    "top_k_by_lora",
    "top_k_by_variance",
]
"""Written out (not built from :data:`_LAZY`) so that static readers (the API reference) see it; a test checks it matches."""
