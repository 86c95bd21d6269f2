"""The names that moved to hedonic.meaning stay importable from hedonic.evaluation for one release, with a warning."""

from __future__ import annotations

import pytest

import hedonic.evaluation as evaluation
import hedonic.meaning as meaning

MOVED = ("explain_layer", "MeaningSettings", "load_meaning", "save_meaning", "functional_importance", "interpret", "top_inputs")
MOVED += ("coalition_activations", "feature_correlations", "cross_domain_scores", "reciprocal_rank", "meaning_tables", "summary_lines")


def test_every_moved_name_is_the_meaning_stages_own_and_warns() -> None:
    assert not set(meaning.__all__) & set(evaluation.__all__)
    for name in MOVED:
        with pytest.warns(FutureWarning, match=f"hedonic.evaluation.{name} moved to hedonic.meaning"):
            assert getattr(evaluation, name) is getattr(meaning, name)


def test_a_notebooks_old_import_still_works() -> None:
    with pytest.warns(FutureWarning, match="moved to hedonic.meaning"):
        from hedonic.evaluation import explain_layer
    assert explain_layer is meaning.explain_layer
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        evaluation.not_a_name  # noqa: B018
