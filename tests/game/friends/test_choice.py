"""The choice rules: one table by name, each rule's checks, and its cover against the primitives it wraps."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.game import (
    CHOICE_RULES,
    CHOICES,
    FriendPreference,
    FriendRule,
    PartnerLists,
    RankedPreference,
    available_cover,
    check_choice,
    friend_graph,
    planted_valuation,
    rank_partners,
    top_cover,
    uniform_sampler,
)


def _symmetric(n: int, seed: int) -> np.ndarray:
    """A symmetric φ (n, n) float32 with zero diagonal and groups of 3 to 6 under unit noise."""
    return planted_valuation(n, 1.0, sizes=(3, 6), seed=seed)[0]


def test_the_table_names_every_rule_and_refuses_others() -> None:
    assert CHOICES == ("fixed", "available") and all(CHOICE_RULES[name].name == name for name in CHOICES)
    with pytest.raises(ConfigError, match="use one of fixed, available"):
        check_choice("greedy", FriendRule())


@pytest.mark.parametrize(("rule", "message"), [(FriendRule(k=None, threshold=0.0), "needs k"), (FriendRule(k=2, mutual=True), "mutual")])
def test_the_available_rule_refuses_what_it_cannot_play(rule: FriendRule, message: str) -> None:
    assert check_choice("fixed", rule).name == "fixed"
    with pytest.raises(ConfigError, match=message):
        check_choice("available", rule)


def test_each_rule_covers_and_prefers_as_its_primitives() -> None:
    phi, rule = _symmetric(40, 0), FriendRule(k=3, threshold=0.0)
    fixed, available = check_choice("fixed", rule), check_choice("available", rule)
    ranking = rank_partners(phi, 3, 0.0)
    assert np.array_equal(fixed.cover(fixed.exact(phi, rule), rule, None).labels, top_cover(friend_graph(ranking, rule)))
    assert np.array_equal(
        available.cover(available.exact(phi, rule), rule, None).labels, available_cover(PartnerLists.from_phi(phi, 0.0), 3)
    )
    assert isinstance(fixed.preference(phi, rule, fixed.exact(phi, rule)), FriendPreference)
    assert isinstance(available.preference(phi, rule, available.exact(phi, rule)), RankedPreference)


@pytest.mark.parametrize("name", CHOICES)
def test_observing_every_pair_gives_the_exact_cover(name: str) -> None:
    phi, rule = _symmetric(12, 1), FriendRule(k=2, threshold=0.0)
    choice = check_choice(name, rule)
    observed, pairs = choice.observed(phi, rule, uniform_sampler(12, 12), np.random.default_rng(0), 2000)
    assert pairs == 12 * 11
    exact = choice.cover(choice.exact(phi, rule), rule, 4)
    assert np.array_equal(choice.cover(observed, rule, 4).labels, exact.labels) and np.bincount(exact.labels).max() <= 4
