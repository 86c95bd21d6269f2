"""Stage ``valuation``: pairwise valuations φ(i, j) of a layer's neurons (spec §4)."""

from hedonic.valuation.artifact import Valuation, check_phi, load_valuation, save_valuation

__all__ = ["Valuation", "check_phi", "load_valuation", "save_valuation"]
