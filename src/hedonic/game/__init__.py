"""Stage ``game``: hedonic games over a valuation matrix φ (pure NumPy/SciPy, no models).

The entry point :func:`discover` checks φ once (:mod:`~hedonic.game.phi`) and plays a game chosen
by name from :data:`GAME_METHODS` (:mod:`~hedonic.game.methods`) with the settings of
:class:`GameSettings` and their defaults :data:`DEFAULTS` (:mod:`~hedonic.game.settings`). One
folder per game family:

- :mod:`hedonic.game.additive`: the additively separable game, its preference, best-response
  dynamics and τ rules;
- :mod:`hedonic.game.friends`: the paper's top-responsive friend game: the friend rule, the
  choice rules (``fixed``, ``available``; one :class:`ChoiceRule` interface, table
  :data:`CHOICE_RULES`) with their preferences and covers, size control and PAC-Top-Cover.

Shared by both: the one preference interface (:mod:`~hedonic.game.preference`), which the
stability checks (:mod:`~hedonic.game.stability`, result :class:`Stability`) use alike; the
partition and its artifact, coalition labels and indexes, the coalition sampler D, the top-k
kernel, the size distribution, the diagnosis of large coalitions and the planted valuations.
Every public name is exported here.
"""

from hedonic.game.additive.dynamics import Dynamics, best_response_dynamics
from hedonic.game.additive.preference import AdditivePreference
from hedonic.game.additive.resolution import DEFAULT_TAU_RULE, TAU_RULES, Resolution, TauEstimate, TauRule, noise_tau, resolve_tau
from hedonic.game.coalition_index import canonical_labels
from hedonic.game.discovery import discover, partition_warnings
from hedonic.game.friends.available_cover import available_cover
from hedonic.game.friends.available_preference import RankedPreference
from hedonic.game.friends.choice import CHOICE_RULES, CHOICES, AvailableChoice, ChoiceRule, FixedChoice, check_choice
from hedonic.game.friends.fixed_cover import top_cover
from hedonic.game.friends.fixed_preference import FriendPreference, choice_set, compare, friend_count
from hedonic.game.friends.pac import pac_sample_size, pac_top_cover
from hedonic.game.friends.partner_lists import PartnerLists
from hedonic.game.friends.rule import FriendRule, PartnerRanking, friend_graph, friend_sets, observed_ranking, rank_partners
from hedonic.game.friends.size_control import Refinement, refine
from hedonic.game.methods import GAME_METHODS, GameMethod, check_method
from hedonic.game.partition import Partition, load_partition, save_partition
from hedonic.game.phi import check_phi
from hedonic.game.preference import Deviations, Preference
from hedonic.game.sampling import Sampler, uniform_coalitions, uniform_sampler
from hedonic.game.settings import DEFAULTS, GameParameters, GameSettings, auto_max_size, size_setting
from hedonic.game.stability import (
    SampledStability,
    assess,
    blocks,
    clopper_pearson_upper,
    core_blocking_coalition,
    largest_blocking_coalition,
    pac_stability,
)
from hedonic.game.stability_result import Stability
from hedonic.game.synthetic import REALISTIC, Heterogeneity, heterogeneous_valuation, planted_valuation

__all__ = [
    "CHOICES",
    "CHOICE_RULES",
    "DEFAULTS",
    "DEFAULT_TAU_RULE",
    "GAME_METHODS",
    "REALISTIC",
    "TAU_RULES",
    "AdditivePreference",
    "AvailableChoice",
    "ChoiceRule",
    "Deviations",
    "Dynamics",
    "FixedChoice",
    "FriendPreference",
    "FriendRule",
    "GameMethod",
    "GameParameters",
    "GameSettings",
    "Heterogeneity",
    "Partition",
    "PartnerLists",
    "PartnerRanking",
    "Preference",
    "RankedPreference",
    "Refinement",
    "Resolution",
    "SampledStability",
    "Sampler",
    "Stability",
    "TauEstimate",
    "TauRule",
    "assess",
    "auto_max_size",
    "available_cover",
    "best_response_dynamics",
    "blocks",
    "canonical_labels",
    "check_choice",
    "check_phi",
    "check_method",
    "choice_set",
    "clopper_pearson_upper",
    "compare",
    "core_blocking_coalition",
    "discover",
    "friend_count",
    "friend_graph",
    "friend_sets",
    "heterogeneous_valuation",
    "largest_blocking_coalition",
    "load_partition",
    "noise_tau",
    "observed_ranking",
    "pac_sample_size",
    "pac_stability",
    "pac_top_cover",
    "partition_warnings",
    "planted_valuation",
    "rank_partners",
    "refine",
    "resolve_tau",
    "save_partition",
    "size_setting",
    "top_cover",
    "uniform_coalitions",
    "uniform_sampler",
]
