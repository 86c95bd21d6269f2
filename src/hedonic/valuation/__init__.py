"""Stage ``valuation``: pairwise valuations φ(i, j) of a layer's neurons (spec §4).

The artifact (:class:`Valuation`, :func:`load_valuation`, :func:`save_valuation`, :func:`check_phi`)
is imported at once and needs only NumPy; the builders and the neuron-subset names (re-exported
from :mod:`hedonic.stats.subset`, where they live) need torch and load on first use, so that
reading a φ file (``hedonic discover --phi``) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from hedonic.valuation.artifact import Valuation, check_phi, load_valuation, save_valuation

_LAZY = {
    **dict.fromkeys(("SubsetSpec", "explicit_subset", "parse_subset", "resolve_subset", "top_k", "top_k_by_lora", "top_k_by_variance"), "hedonic.stats.subset"),
    **dict.fromkeys(("check_phi_memory", "phi_bytes", "stats_file_bytes", "symmetric_from_blocks"), "hedonic.valuation.memory"),
    **dict.fromkeys(("Measure", "oca"), "hedonic.valuation.oca"),
    **dict.fromkeys(("pas_exact", "pas_exact_with_magnitude"), "hedonic.valuation.pas_exact"),
    "pas_grad": "hedonic.valuation.pas_grad",
    "pas_hess": "hedonic.valuation.pas_hess",
}
"""Names imported from their module on first access (module docstring)."""


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = ["Valuation", "check_phi", "load_valuation", "save_valuation", *sorted(_LAZY)]
