"""Stage ``evaluation``: synergy of coalitions on held-out inputs, its auditable artifact, the comparison of methods
(ranks first), each coalition against random groups (:mod:`~hedonic.evaluation.significance`), and the computed
verdict (:mod:`~hedonic.evaluation.verdict`). The rank tests, intervals and multiplicity corrections are in
:mod:`~hedonic.evaluation.inference`, the files in :mod:`~hedonic.evaluation.artifacts`, the terminal tables in
:mod:`~hedonic.evaluation.tables`. What coalitions mean (importance, interpretation, probes) is the next stage,
:mod:`hedonic.meaning`; its names are still importable from here for one release, with a :class:`FutureWarning`.
"""

import importlib
import warnings
from typing import Any

from hedonic.evaluation.artifacts import (
    COMPARISON_FORMAT_VERSION,
    COMPARISON_KIND,
    SYNERGY_FORMAT_VERSION,
    SYNERGY_KIND,
    load_comparison,
    load_synergy,
    save_comparison,
    save_synergy,
)
from hedonic.evaluation.comparison import Comparison, Contrast, MethodSummary, compare_methods
from hedonic.evaluation.inference import (
    RANK_TESTS,
    RankTest,
    benjamini_hochberg,
    bootstrap_mean_ci,
    cliffs_delta,
    cliffs_delta_ci,
    cohens_d,
    difference_ci,
    holm_adjust,
    permutation_p_value,
    rank_test,
)
from hedonic.evaluation.layer_evaluation import LayerEvaluation, compare_partitions, select_coalitions
from hedonic.evaluation.significance import (
    NULL_METRICS,
    CoalitionTests,
    NullDistribution,
    NullSettings,
    Significance,
    coalition_tests,
    null_distribution,
    ranked_findings,
)
from hedonic.evaluation.synergy import (
    ABSOLUTE_METRICS,
    DEFAULT_MAX_PAIRS,
    DEFAULT_METRICS,
    METRIC_DEFINITIONS,
    METRICS,
    SIGNED_METRICS,
    CoalitionSynergy,
    SynergyPlan,
    SynergyResult,
    coalition_synergy,
    effect_table,
    pairwise_psi,
    required_sets,
    summary_metrics,
)
from hedonic.evaluation.synergy_evaluation import evaluate_synergy
from hedonic.evaluation.tables import comparison_tables
from hedonic.evaluation.verdict import BaselineVerdict, ModelVerdict, layer_verdicts, model_verdicts, verdict_from_dict

__all__ = [
    "ABSOLUTE_METRICS",
    "DEFAULT_MAX_PAIRS",
    "DEFAULT_METRICS",
    "NULL_METRICS",
    "RANK_TESTS",
    "BaselineVerdict",
    "CoalitionTests",
    "ModelVerdict",
    "NullDistribution",
    "NullSettings",
    "RankTest",
    "Significance",
    "cliffs_delta",
    "cliffs_delta_ci",
    "coalition_tests",
    "layer_verdicts",
    "compare_partitions",
    "LayerEvaluation",
    "model_verdicts",
    "null_distribution",
    "rank_test",
    "ranked_findings",
    "verdict_from_dict",
    "COMPARISON_FORMAT_VERSION",
    "COMPARISON_KIND",
    "METRICS",
    "METRIC_DEFINITIONS",
    "SIGNED_METRICS",
    "SYNERGY_FORMAT_VERSION",
    "SYNERGY_KIND",
    "CoalitionSynergy",
    "Comparison",
    "Contrast",
    "MethodSummary",
    "SynergyPlan",
    "SynergyResult",
    "benjamini_hochberg",
    "bootstrap_mean_ci",
    "cohens_d",
    "difference_ci",
    "holm_adjust",
    "permutation_p_value",
    "coalition_synergy",
    "compare_methods",
    "comparison_tables",
    "effect_table",
    "evaluate_synergy",
    "load_comparison",
    "load_synergy",
    "pairwise_psi",
    "required_sets",
    "save_comparison",
    "save_synergy",
    "select_coalitions",
    "summary_metrics",
]


def __getattr__(name: str) -> Any:
    """A name of :mod:`hedonic.meaning` (exported here before the meaning stage had its own package), with a
    :class:`FutureWarning`: this alias goes in the next release."""
    meaning = None if name.startswith("__") else importlib.import_module("hedonic.meaning")
    if meaning is None or name not in meaning.__all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(f"hedonic.evaluation.{name} moved to hedonic.meaning: import it from there", FutureWarning, stacklevel=2)
    return getattr(meaning, name)
