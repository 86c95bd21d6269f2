"""The transition-share (α/β) rule on hand-built influence matrices: one matrix per event type, and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hedonic.errors import ConfigError
from hedonic.tracking import EVENT_TYPES, ShareThresholds, classify_transitions, transition_shares
from hedonic.tracking.transitions import event_percentages, source_events


def events(influence: list[list[float]], **thresholds: float) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    tracking = classify_transitions(np.array(influence), ShareThresholds(**thresholds))
    return [(event.type, event.sources, event.targets) for event in tracking.events]


def test_shares_are_row_and_column_fractions() -> None:
    alpha, beta = transition_shares(np.array([[3.0, 1.0], [0.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_allclose(alpha, [[0.75, 0.25], [0.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(beta, [[0.75, 0.5], [0.0, 0.0], [0.25, 0.5]])


def test_persist_is_both_shares_high() -> None:
    assert events([[9.0, 1.0], [1.0, 9.0]]) == [("persist", (0,), (0,)), ("persist", (1,), (1,))]
    assert source_events(np.array([[9.0, 1.0], [1.0, 9.0]]), ShareThresholds(alpha=0.95)) == ["split", "split"]


def test_merge_is_high_alpha_and_low_beta() -> None:
    # three sources send 80% each into q0, which draws a third from each; q1 gets nothing that matters
    found = events([[8.0, 2.0], [8.0, 2.0], [8.0, 2.0]])
    assert found == [("merge", (0, 1, 2), (0,)), ("emerge", (), (1,))]
    assert event_percentages(np.array([[8.0, 2.0], [8.0, 2.0], [8.0, 2.0]])) == {
        "persist": 0.0,
        "split": 0.0,
        "merge": 100.0,
        "vanish": 0.0,
        "emerge": 50.0,
    }


def test_split_is_low_alpha_and_high_beta() -> None:
    # p0 spreads evenly over three targets, each of which is 80% p0; p1 is everywhere a minority
    found = events([[4.0, 4.0, 4.0], [1.0, 1.0, 1.0]])
    assert found == [("split", (0,), (0, 1, 2)), ("vanish", (1,), ())]


def test_vanish_is_both_shares_low() -> None:
    tracking = classify_transitions(np.ones((4, 4)))
    assert [e.type for e in tracking.events] == ["vanish"] * 4 + ["emerge"] * 4
    assert tracking.percentages() == {"persist": 0.0, "split": 0.0, "merge": 0.0, "vanish": 100.0, "emerge": 100.0}
    assert tracking.links == tuple((p, 0, 1.0) for p in range(4)), "only each source's strongest link is kept"
    assert tracking.reference is None and tracking.rule == "shares"
    assert events([[0.0, 0.0]]) == [("vanish", (0,), ()), ("emerge", (), (0,)), ("emerge", (), (1,))]


def test_a_loud_source_splits_and_the_quiet_ones_vanish() -> None:
    # one coalition of very active neurons dominates every target's input (high β, low α): the paper's pattern
    loud = np.vstack([np.full(5, 50.0), np.ones((4, 5))])
    assert source_events(loud) == ["split", "vanish", "vanish", "vanish", "vanish"]


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(0, 10)),
    st.floats(0.5, 1.0),
    st.floats(0.5, 1.0),
)
def test_every_source_takes_one_event_and_persist_is_one_to_one(influence: np.ndarray, alpha: float, beta: float) -> None:
    tracking = classify_transitions(influence, ShareThresholds(alpha=alpha, beta=beta))
    percent = tracking.percentages()
    assert sum(percent[kind] for kind in ("persist", "split", "merge", "vanish")) == pytest.approx(100.0)
    assert set(percent) == set(EVENT_TYPES)
    sources = [p for e in tracking.events if e.type != "emerge" for p in e.sources]
    assert sorted(sources) == list(range(influence.shape[0]))
    persisted = [e.targets[0] for e in tracking.events if e.type == "persist"]
    if alpha > 0.5 and beta > 0.5:
        assert len(persisted) == len(set(persisted))
    assert percent == pytest.approx(event_percentages(influence, ShareThresholds(alpha=alpha, beta=beta)))


def test_bad_thresholds_are_refused() -> None:
    with pytest.raises(ConfigError, match="alpha"):
        ShareThresholds(alpha=0.0)
    with pytest.raises(ConfigError, match="beta"):
        ShareThresholds(beta=1.5)
