"""Stage ``game``: hedonic games over a valuation matrix φ (pure NumPy/SciPy, no models)."""

from hedonic.game.partition import Partition, load_partition, save_partition

__all__ = ["Partition", "load_partition", "save_partition"]
