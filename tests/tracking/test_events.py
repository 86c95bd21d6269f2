"""Event classification on hand-built influence matrices, one test per event type, and the matching."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hedonic.errors import ConfigError, NumericalError
from hedonic.tracking import EVENT_TYPES, Thresholds, classify_events, max_weight_matching


def events_of(influence: list[list[float]], kind: str, **thresholds: float) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    tracking = classify_events(np.array(influence), Thresholds(**thresholds))
    return [(event.sources, event.targets) for event in tracking.events if event.type == kind]


def test_persist_is_the_mutual_strongest_link() -> None:
    influence = [[5.0, 1.0, 0.0], [1.0, 4.0, 3.0], [0.0, 4.5, 0.0]]
    # p0 ↔ q0 mutual; p1's strongest is q1 but q1's strongest is p2 (4.5): not mutual; p2 ↔ q1 mutual
    assert events_of(influence, "persist", tau=0.9) == [((0,), (0,)), ((2,), (1,))]
    assert events_of(influence, "split", tau=0.9) == events_of(influence, "merge", tau=0.9) == []


def test_split_needs_two_children_above_tau_times_row_max() -> None:
    influence = [[5.0, 4.0, 0.0], [0.0, 0.0, 6.0]]
    assert events_of(influence, "split", tau=0.8) == [((0,), (0, 1))]  # 4 ≥ 0.8·5
    assert events_of(influence, "split", tau=0.81) == []  # 4 < 0.81·5
    assert events_of(influence, "merge", tau=0.8) == []


def test_merge_needs_two_parents_above_tau_times_column_max() -> None:
    influence = np.array([[5.0, 4.0, 0.0], [0.0, 0.0, 6.0]]).T.tolist()
    assert events_of(influence, "merge", tau=0.8) == [((0, 1), (0,))]
    assert events_of(influence, "merge", tau=0.81) == []
    assert events_of(influence, "split", tau=0.8) == []


def test_vanish_is_no_live_link_out() -> None:
    influence = [[5.0, 0.0], [0.3, 0.2], [0.0, 4.0]]
    # reference = median of the row maxima (5, 0.3, 4) = 4; cutoff = 0.1·4 = 0.4 > 0.3: row 1 has no live link
    assert events_of(influence, "vanish") == [((1,), ())]
    assert events_of(influence, "vanish", presence=0.07) == []  # cutoff 0.28 ≤ 0.3
    assert events_of(influence, "vanish", presence=0.0, floor=0.35) == [((1,), ())]  # absolute floor
    assert events_of([[0.0, 0.0]], "vanish") == [((0,), ())]  # zero influence is never a link
    loud = [[1000.0, 0.0], [0.0, 1.0], [1.0, 0.0]]  # one loud source does not make the others vanish
    assert events_of(loud, "vanish") == []


def test_emerge_is_no_live_link_in() -> None:
    influence = np.array([[5.0, 0.0], [0.3, 0.2], [0.0, 4.0]]).T.tolist()
    # sources' strongest links 5 and 4: reference 4.5, cutoff 0.45 > 0.3, the max of column 1
    assert events_of(influence, "emerge") == [((), (1,))]
    assert events_of(influence, "emerge", presence=0.05) == []  # cutoff 0.225 ≤ 0.3
    assert events_of(influence, "vanish") == []


def test_percentages_count_each_side() -> None:
    influence = np.array([[5.0, 4.0, 0.0, 0.0], [0.0, 0.0, 6.0, 0.0], [0.1, 0.0, 0.0, 0.0]])
    tracking = classify_events(influence, Thresholds(tau=0.8))
    assert tracking.counts() == {"persist": 2, "split": 1, "merge": 0, "vanish": 1, "emerge": 1}
    percent = tracking.percentages()
    assert percent["split"] == pytest.approx(100 / 3) and percent["emerge"] == pytest.approx(25.0)
    assert set(percent) == set(EVENT_TYPES)


def test_strengths_are_the_links_of_each_event() -> None:
    tracking = classify_events(np.array([[5.0, 4.0], [0.0, 0.1]]), Thresholds(tau=0.8))
    split = next(event for event in tracking.events if event.type == "split")
    vanish = next(event for event in tracking.events if event.type == "vanish")
    assert split.strengths == (5.0, 4.0) and vanish.strengths == (0.1,)


def test_matching_maximises_the_total_not_greedily() -> None:
    influence = np.array([[3.0, 2.0], [2.9, 0.0]])
    assert max_weight_matching(influence) == [(0, 1), (1, 0)]  # 4.9 > 3.0 (greedy picks (0, 0))
    tracking = classify_events(np.array([[3.0, 0.0], [0.0, 0.01]]))
    assert [(p, q) for p, q, _ in tracking.matching] == [(0, 0)]  # (1, 1) is below the cutoff


@settings(max_examples=60, deadline=None)
@given(
    influence=arrays(np.float64, st.tuples(st.integers(1, 7), st.integers(1, 7)), elements=st.floats(0, 10)),
    tau=st.floats(0.05, 1.0),
    presence=st.floats(0.0, 1.0),
)
def test_definitions_hold_on_any_matrix(influence: np.ndarray, tau: float, presence: float) -> None:
    tracking = classify_events(influence, Thresholds(tau=tau, presence=presence))
    live = (influence >= tracking.cutoff) & (influence > 0)
    by_type = {kind: [e for e in tracking.events if e.type == kind] for kind in EVENT_TYPES}
    assert sorted(p for e in by_type["vanish"] for p in e.sources) == np.flatnonzero(~live.any(axis=1)).tolist()
    assert sorted(q for e in by_type["emerge"] for q in e.targets) == np.flatnonzero(~live.any(axis=0)).tolist()
    for event in by_type["persist"]:
        (p,), (q,) = event.sources, event.targets
        assert influence[p].argmax() == q and influence[:, q].argmax() == p and live[p, q]
    for event in by_type["split"]:
        (p,) = event.sources
        assert len(event.targets) >= 2
        assert all(influence[p, q] >= tau * influence[p].max() and live[p, q] for q in event.targets)
    for event in by_type["merge"]:
        (q,) = event.targets
        assert len(event.sources) >= 2
        assert all(influence[p, q] >= tau * influence[:, q].max() and live[p, q] for p in event.sources)
    assert all(live[p, q] for p, q, _ in tracking.links + tracking.matching)
    assert all(0.0 <= value <= 100.0 for value in tracking.percentages().values())


def test_bad_thresholds_and_matrices_are_refused() -> None:
    for bad in ({"tau": 0.0}, {"tau": 1.5}, {"presence": -0.1}, {"floor": -1.0}, {"floor": float("inf")}):
        with pytest.raises(ConfigError):
            Thresholds(**bad)
    with pytest.raises(ConfigError, match="non-negative"):
        classify_events(np.array([[-1.0]]))
    with pytest.raises(NumericalError):
        classify_events(np.array([[np.nan]]))
    with pytest.raises(ConfigError, match="matrix"):
        classify_events(np.ones(3))
