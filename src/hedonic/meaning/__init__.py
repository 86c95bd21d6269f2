"""Stage ``meaning``: what the coalitions of a layer mean (spec §8), one floor above :mod:`hedonic.evaluation`.

Functional importance (:mod:`~hedonic.meaning.importance`: score, nDCG@k and MRR drops when a group is
ablated, :mod:`~hedonic.meaning.ranking`), interpretation (:mod:`~hedonic.meaning.interpretation`:
top-activating inputs, correlations with IR features) and cross-domain ridge probes
(:mod:`~hedonic.meaning.probes`), run together by :func:`explain_layer` (:mod:`~hedonic.meaning.explain`);
the file in :mod:`~hedonic.meaning.artifacts`, the terminal tables in :mod:`~hedonic.meaning.tables`.
"""

from hedonic.meaning.artifacts import MEANING_FORMAT_VERSION, MEANING_KIND, load_meaning, save_meaning
from hedonic.meaning.explain import MeaningResult, MeaningSettings, explain_layer
from hedonic.meaning.importance import (
    IMPORTANCE_DEFINITIONS,
    IMPORTANCE_METRICS,
    NULL_METHOD,
    GroupImportance,
    ImportanceResult,
    NeuronGroup,
    NullContrast,
    functional_importance,
    importance_comparison,
    matched_random_groups,
    method_groups,
    null_contrasts,
)
from hedonic.meaning.interpretation import (
    AlignmentSummary,
    FeatureCorrelation,
    InterpretationResult,
    TopInput,
    alignment_summary,
    coalition_activations,
    feature_correlations,
    group_means,
    interpret,
    most_aligned,
    top_inputs,
)
from hedonic.meaning.probes import ProbeFit, ProbeScore, ProbeSummary, cross_domain_scores, fit_probe, probe_summary
from hedonic.meaning.ranking import RankingSetup, ndcg_at_k, ranking_quality, reciprocal_rank
from hedonic.meaning.tables import meaning_tables, ranked_coalitions, summary_lines

__all__ = [
    "IMPORTANCE_DEFINITIONS",
    "IMPORTANCE_METRICS",
    "MEANING_FORMAT_VERSION",
    "MEANING_KIND",
    "NULL_METHOD",
    "AlignmentSummary",
    "FeatureCorrelation",
    "GroupImportance",
    "ImportanceResult",
    "InterpretationResult",
    "MeaningResult",
    "MeaningSettings",
    "NeuronGroup",
    "NullContrast",
    "ProbeFit",
    "ProbeScore",
    "ProbeSummary",
    "RankingSetup",
    "TopInput",
    "alignment_summary",
    "coalition_activations",
    "cross_domain_scores",
    "explain_layer",
    "feature_correlations",
    "fit_probe",
    "functional_importance",
    "group_means",
    "importance_comparison",
    "interpret",
    "load_meaning",
    "matched_random_groups",
    "meaning_tables",
    "method_groups",
    "most_aligned",
    "ndcg_at_k",
    "null_contrasts",
    "probe_summary",
    "ranked_coalitions",
    "ranking_quality",
    "reciprocal_rank",
    "save_meaning",
    "summary_lines",
    "top_inputs",
]
