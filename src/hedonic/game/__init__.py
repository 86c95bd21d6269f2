"""Stage ``game``: hedonic games over a valuation matrix φ (pure NumPy/SciPy, no models).

Friend-based top-responsive preferences (:mod:`~hedonic.game.preferences`), the exact Top Cover
(:mod:`~hedonic.game.top_cover`), the ``available`` choice rule that re-ranks partners among the
remaining players (:mod:`~hedonic.game.available_cover`, its preference
:mod:`~hedonic.game.ranked_preference`, its incremental partner lists
:mod:`~hedonic.game.partner_lists`), PAC-Top-Cover on sampled coalitions
(:mod:`~hedonic.game.pac_top_cover`), size control (:mod:`~hedonic.game.size_control`),
stability checks (:mod:`~hedonic.game.stability`) and the entry point :func:`discover`.
"""

from hedonic.game.available_cover import CHOICES, available_cover
from hedonic.game.discovery import discover
from hedonic.game.pac_top_cover import observed_ranking, pac_sample_size, pac_top_cover
from hedonic.game.partition import Partition, load_partition, save_partition
from hedonic.game.partner_lists import PartnerLists
from hedonic.game.preferences import (
    FriendRule,
    PartnerRanking,
    choice_set,
    compare,
    friend_count,
    friend_graph,
    friend_sets,
    rank_partners,
)
from hedonic.game.ranked_preference import RankedPreference
from hedonic.game.sampling import Sampler, uniform_coalitions, uniform_sampler
from hedonic.game.size_control import Refinement, refine
from hedonic.game.synthetic import planted_valuation
from hedonic.game.stability import (
    blocking_mask,
    blocks,
    clopper_pearson_upper,
    core_blocking_coalition,
    largest_blocking_coalition,
    pac_stability,
)
from hedonic.game.top_cover import canonical_labels, top_cover

__all__ = [
    "CHOICES",
    "FriendRule",
    "Partition",
    "PartnerLists",
    "PartnerRanking",
    "RankedPreference",
    "Refinement",
    "Sampler",
    "available_cover",
    "blocking_mask",
    "blocks",
    "canonical_labels",
    "choice_set",
    "clopper_pearson_upper",
    "compare",
    "core_blocking_coalition",
    "discover",
    "friend_count",
    "friend_graph",
    "friend_sets",
    "largest_blocking_coalition",
    "load_partition",
    "observed_ranking",
    "pac_sample_size",
    "pac_stability",
    "pac_top_cover",
    "planted_valuation",
    "rank_partners",
    "refine",
    "save_partition",
    "top_cover",
    "uniform_coalitions",
    "uniform_sampler",
]
