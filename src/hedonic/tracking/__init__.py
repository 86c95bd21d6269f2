"""Stage ``tracking``: follow coalitions from layer ℓ to ℓ+1 through virtual weights (spec §7).

Virtual weights W = W_in^{ℓ+1}·diag(γ)·W_out^ℓ (:mod:`~hedonic.tracking.virtual_weights`), the
coalition influence S computed block by block (:mod:`~hedonic.tracking.influence`), the event
rules (:mod:`~hedonic.tracking.rules`: transition shares α/β, :mod:`~hedonic.tracking.transitions`,
the τ rule with matching, :mod:`~hedonic.tracking.events`; the links rule, the default,
:mod:`~hedonic.tracking.link_events`), the test of each link against size-matched random groups
(:mod:`~hedonic.tracking.link_tests`) on the virtual weights with its detection floor
(:mod:`~hedonic.tracking.weight_links`, :mod:`~hedonic.tracking.floor`, planted links from :mod:`~hedonic.tracking.planting`) or
through ablations of the next layer (:mod:`~hedonic.tracking.causal`), the decomposition of a
source × target table (:mod:`~hedonic.tracking.decomposition`), bootstrap intervals of the
event shares (:mod:`~hedonic.tracking.bootstrap`), their JSON artifact
(:mod:`~hedonic.tracking.artifact`), a Sankey diagram (:mod:`~hedonic.tracking.sankey`), and the
chain over consecutive layers with its files (:mod:`~hedonic.tracking.chain`,
:mod:`~hedonic.tracking.run_dir`).
"""

from hedonic.tracking.artifact import EVENTS_FORMAT_VERSION, EVENTS_KIND, LayerPairEvents, link_notes, load_events, save_events
from hedonic.tracking.bootstrap import BootstrapSettings, InputActivity, collect_input_activity, share_intervals
from hedonic.tracking.causal import CAUSAL_MODES, CausalLinks, CausalSettings, causal_floor, causal_inputs, causal_links
from hedonic.tracking.chain import (
    DEFAULT_MIN_SIZE,
    MEASURES,
    TrackingOptions,
    adjacent_pairs,
    track_chain,
    track_pair,
    tracked,
    tracked_members,
)
from hedonic.tracking.decomposition import Decomposition, decompose
from hedonic.tracking.events import EVENT_TYPES, Event, Thresholds, Tracking, classify_events, max_weight_matching
from hedonic.tracking.floor import DetectionFloor, FloorSettings
from hedonic.tracking.influence import coalition_indicator, coalition_influence, player_influences
from hedonic.tracking.link_events import LINKS_RULE, LinkThresholds, classify_links
from hedonic.tracking.link_tests import DEFAULT_STATISTIC, LINK_STATISTICS, LinkTests, specific_links
from hedonic.tracking.mean_abs import LayerMeanAbs, expand_mean_abs, mean_abs_from_npy, mean_abs_from_stats
from hedonic.tracking.planting import PlantedLinks, plant_links, planted_design, planted_events_found, planted_found, planted_model
from hedonic.tracking.rules import DEFAULT_RULE, EVENT_RULES, check_rule, classify, rule_thresholds
from hedonic.tracking.run_dir import TrackingInputs, explicit_inputs, run_dir_inputs, write_tracking
from hedonic.tracking.sankey import SankeyOptions, sankey_figure, sankey_layout, write_sankey_html
from hedonic.tracking.transitions import ShareThresholds, classify_transitions, transition_shares
from hedonic.tracking.virtual_weights import BOTH, VirtualMap, virtual_map, virtual_weights
from hedonic.tracking.weight_links import weight_floor, weight_links

__all__ = [
    "BOTH",
    "CAUSAL_MODES",
    "CausalLinks",
    "CausalSettings",
    "DEFAULT_STATISTIC",
    "Decomposition",
    "DetectionFloor",
    "FloorSettings",
    "LINKS_RULE",
    "LINK_STATISTICS",
    "LinkThresholds",
    "MEASURES",
    "PlantedLinks",
    "causal_links",
    "classify_links",
    "decompose",
    "causal_floor",
    "causal_inputs",
    "weight_floor",
    "plant_links",
    "planted_design",
    "planted_events_found",
    "planted_found",
    "planted_model",
    "weight_links",
    "DEFAULT_MIN_SIZE",
    "DEFAULT_RULE",
    "EVENT_RULES",
    "BootstrapSettings",
    "InputActivity",
    "ShareThresholds",
    "check_rule",
    "classify",
    "classify_transitions",
    "collect_input_activity",
    "share_intervals",
    "tracked",
    "tracked_members",
    "transition_shares",
    "EVENTS_FORMAT_VERSION",
    "EVENTS_KIND",
    "EVENT_TYPES",
    "Event",
    "LayerMeanAbs",
    "LayerPairEvents",
    "LinkTests",
    "SankeyOptions",
    "Thresholds",
    "Tracking",
    "TrackingInputs",
    "TrackingOptions",
    "VirtualMap",
    "adjacent_pairs",
    "classify_events",
    "coalition_indicator",
    "coalition_influence",
    "expand_mean_abs",
    "explicit_inputs",
    "link_notes",
    "load_events",
    "mean_abs_from_npy",
    "mean_abs_from_stats",
    "player_influences",
    "max_weight_matching",
    "rule_thresholds",
    "run_dir_inputs",
    "sankey_figure",
    "sankey_layout",
    "save_events",
    "specific_links",
    "track_chain",
    "track_pair",
    "virtual_map",
    "virtual_weights",
    "write_sankey_html",
    "write_tracking",
]
