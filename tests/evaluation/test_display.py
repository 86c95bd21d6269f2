"""How a SynergyResult and a Comparison show themselves: short repr, HTML tables, Plotly figures."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from hedonic.evaluation.comparison import compare_methods
from hedonic.evaluation.significance import NullSettings, Significance, coalition_tests, null_distribution
from hedonic.evaluation.synergy import SynergyResult, coalition_synergy, effect_table, required_sets
from tests.evaluation.test_significance import N, PairwiseGame, X


def _result(tested: bool) -> SynergyResult:
    game = PairwiseGame(seed=3, planted=(0, 1, 2, 3, 4, 5), boost=2.0)
    groups = [(0, 1, 2, 3, 4, 5), (10, 20, 30, 40, 50, 60)]
    table = effect_table(required_sets(groups), game(required_sets(groups)))
    coalitions = tuple(coalition_synergy(g, table) for g in groups)
    significance = None
    if tested:
        settings = NullSettings(draws=100, seed=1)
        null = null_distribution(game, range(N), [6], settings)
        observed = np.array([[c.metrics[m] for m in settings.metrics] for c in coalitions])
        significance = Significance(settings, "local", N, null.summary(), coalition_tests(observed, [6, 6], null, settings.alpha))
    return SynergyResult("m", 1, "local", "zero", tuple(f"x{k}" for k in range(X)), np.zeros(X), coalitions, significance=significance)


def test_synergy_result_repr_and_html_say_what_was_tested() -> None:
    tested, untested = _result(True), _result(False)
    summary = tested.significance.summary()
    assert f"{summary['significant']} of 2 more synergistic than random" in repr(tested)
    assert "not tested" in repr(untested) and "\n" not in repr(tested)
    page = tested._repr_html_()
    assert "<td>na_abs</td>" in page and f"{np.median(tested.metric('pair')):.3g}" in page


def test_synergy_plot_is_one_box_of_every_coalition() -> None:
    result = _result(False)
    figure = result.plot("pair")
    assert isinstance(figure, go.Figure) and len(figure.data) == 1
    np.testing.assert_allclose(figure.data[0].y, result.metric("pair"))


def test_comparison_html_reads_each_contrast_and_the_plot_draws_every_baseline() -> None:
    rng = np.random.default_rng(0)
    values = {
        "hedonic": {"pair": rng.normal(2, 1, 40)},
        "random": {"pair": rng.normal(0, 1, 40)},
        "spectral": {"pair": rng.normal(2, 1, 40)},
    }
    sizes = {method: [5] * 40 for method in values}
    comparison = compare_methods(values, sizes, n_resamples=199, n_permutations=199)
    assert repr(comparison).startswith("Comparison(hedonic vs random, spectral on pair")
    page = comparison._repr_html_()
    assert "<td>random</td>" in page and "<td>ahead</td>" in page and "<td>level</td>" in page
    figure = comparison.plot()
    assert [trace.name for trace in figure.data] == ["pair"] and list(figure.data[0].y) == ["random", "spectral"]
    assert figure.data[0].x[0] == comparison.contrast("random", "pair").cliffs_delta
