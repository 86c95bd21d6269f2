"""The links rule (hedonic.tracking.link_events): events read from the specific links."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.tracking import LinkThresholds, classify, classify_links


def test_each_event_follows_from_the_specific_links() -> None:
    # sources 0..4, targets 0..4: 0 → 0 persists, 1 splits into 1 and 2, 2 and 3 merge into 3, 4 vanishes; target 4 emerges
    links = {(0, 0), (1, 1), (1, 2), (2, 3), (3, 3)}
    influence = np.arange(25.0).reshape(5, 5) + 1.0
    tracking = classify_links(influence, LinkThresholds(), links)
    events = {(e.type, e.sources, e.targets) for e in tracking.events}
    assert events == {
        ("persist", (0,), (0,)),
        ("split", (1,), (1, 2)),
        ("merge", (2, 3), (3,)),
        ("vanish", (4,), ()),
        ("emerge", (), (4,)),
    }
    assert tracking.rule == "links" and [link[:2] for link in tracking.links] == sorted(links)
    assert tracking.percentages() == {"persist": 20.0, "split": 20.0, "merge": 20.0, "vanish": 20.0, "emerge": 20.0}
    assert {(p, q) for p, q, _ in tracking.matching} <= links and len(tracking.matching) == 3, "two merging sources share one target"
    persist = next(e for e in tracking.events if e.type == "persist")
    assert persist.strengths == (influence[0, 0],)


def test_a_split_source_may_feed_a_merge_and_a_shared_target_is_no_persist() -> None:
    tracking = classify_links(np.ones((3, 3)), LinkThresholds(), {(0, 0), (0, 1), (1, 1)})
    kinds = sorted((e.type, e.sources, e.targets) for e in tracking.events)
    assert ("split", (0,), (0, 1)) in kinds and ("merge", (0, 1), (1,)) in kinds
    assert not any(kind == "persist" for kind, _, _ in kinds), "source 1's only target also draws on source 0"
    assert ("vanish", (2,), ()) in kinds and ("emerge", (), (2,)) in kinds


def test_no_links_mean_everything_vanishes_and_missing_links_are_refused() -> None:
    tracking = classify(np.ones((2, 3)), LinkThresholds(), set())
    assert tracking.percentages()["vanish"] == 100.0 and tracking.percentages()["emerge"] == 100.0 and not tracking.links
    with pytest.raises(ConfigError, match="needs the link tests"):
        classify(np.ones((2, 3)), LinkThresholds())
