"""Stage ``valuation``: pairwise valuations φ(i, j) of a layer's neurons (spec §4).

The neuron-subset names are re-exported from :mod:`hedonic.stats.subset`, where they live.
"""

from hedonic.stats.subset import (
    SubsetSpec,
    explicit_subset,
    parse_subset,
    resolve_subset,
    top_k,
    top_k_by_lora,
    top_k_by_variance,
)
from hedonic.valuation.artifact import Valuation, check_phi, load_valuation, save_valuation
from hedonic.valuation.memory import check_phi_memory, phi_bytes, stats_file_bytes, symmetric_from_blocks
from hedonic.valuation.oca import Measure, oca
from hedonic.valuation.pas_exact import pas_exact, pas_exact_with_magnitude
from hedonic.valuation.pas_grad import pas_grad
from hedonic.valuation.pas_hess import pas_hess

__all__ = ["Valuation", "check_phi", "load_valuation", "save_valuation"]
__all__ += ["Measure", "check_phi_memory", "oca", "pas_grad", "phi_bytes", "stats_file_bytes", "symmetric_from_blocks"]
__all__ += ["SubsetSpec", "explicit_subset", "parse_subset", "resolve_subset", "top_k", "top_k_by_lora", "top_k_by_variance"]
__all__ += ["pas_exact", "pas_exact_with_magnitude", "pas_hess"]
