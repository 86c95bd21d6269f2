"""Stage ``evaluation``: synergy of coalitions on held-out inputs, and its auditable artifact."""

from hedonic.evaluation.audit import SYNERGY_FORMAT_VERSION, SYNERGY_KIND, load_synergy, save_synergy
from hedonic.evaluation.synergy import (
    ABSOLUTE_METRICS,
    METRIC_DEFINITIONS,
    METRICS,
    SIGNED_METRICS,
    CoalitionSynergy,
    SynergyResult,
    coalition_synergy,
    effect_table,
    evaluate_synergy,
    pairwise_psi,
    required_sets,
    summary_metrics,
)

__all__ = [
    "ABSOLUTE_METRICS",
    "METRICS",
    "METRIC_DEFINITIONS",
    "SIGNED_METRICS",
    "SYNERGY_FORMAT_VERSION",
    "SYNERGY_KIND",
    "CoalitionSynergy",
    "SynergyResult",
    "coalition_synergy",
    "effect_table",
    "evaluate_synergy",
    "load_synergy",
    "pairwise_psi",
    "required_sets",
    "save_synergy",
    "summary_metrics",
]
