"""The top covers' choice rules: one interface, one implementation per rule, one table by name.

A choice rule says how a player picks its partners among the players R still to be covered
(spec §5):

- ``fixed``: its friends F_i are chosen once over all players (:class:`FriendRule` on the
  :class:`PartnerRanking`), and it values a coalition by how many of them it holds
  (:mod:`~hedonic.game.friends.fixed_preference`); the cover is the exact Top Cover of the
  friendship digraph (:mod:`~hedonic.game.friends.fixed_cover`);
- ``available``: it re-ranks its k best partners among those still in R, the paper's
  multi-friend utility (:mod:`~hedonic.game.friends.available_preference`); the cover removes
  sink components round by round (:mod:`~hedonic.game.friends.available_cover`) over
  :class:`~hedonic.game.friends.partner_lists.PartnerLists`.

Each rule implements :class:`ChoiceRule` over its own *candidates* (what the cover plays on:
a :class:`PartnerRanking` for ``fixed``, :class:`PartnerLists` for ``available``), exact from φ
or observed in m sampled coalitions (PAC); :data:`CHOICE_RULES` holds one row per name and
:func:`check_choice` looks a rule up and checks it against a friend rule.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hedonic.errors import ConfigError
from hedonic.game.friends.available_cover import available_cover
from hedonic.game.friends.available_preference import RankedPreference
from hedonic.game.friends.fixed_cover import top_cover, top_cover_within
from hedonic.game.friends.fixed_preference import FriendPreference
from hedonic.game.friends.partner_lists import PartnerLists
from hedonic.game.friends.rule import FriendRule, PartnerRanking, friend_graph, observed_ranking, rank_partners
from hedonic.game.friends.size_control import Refinement, refine

if TYPE_CHECKING:
    import numpy as np

    from hedonic.game.preference import Preference
    from hedonic.game.sampling import Sampler

Candidates = TypeVar("Candidates")
"""What a choice rule's cover plays on."""


class ChoiceRule(Protocol[Candidates]):
    """What every choice rule of the top covers offers (module docstring); φ is (n, n) float."""

    @property
    def name(self) -> str:
        """The rule's name in :data:`CHOICE_RULES` (``choice`` of the settings)."""
        ...

    @property
    def description(self) -> str:
        """One line for help texts."""
        ...

    def check(self, rule: FriendRule) -> None:
        """Raise :class:`ConfigError` when the friend ``rule`` cannot be played under this choice rule."""
        ...

    def exact(self, phi: np.ndarray, rule: FriendRule) -> Candidates:
        """The candidates from all of φ."""
        ...

    def observed(self, phi: np.ndarray, rule: FriendRule, sampler: Sampler, rng: np.random.Generator, m: int) -> tuple[Candidates, int]:
        """The candidates seen in m coalitions from ``sampler`` (PAC), and how many ordered pairs were seen."""
        ...

    def cover(self, candidates: Candidates, rule: FriendRule, max_size: int | None) -> Refinement:
        """The rule's Top Cover of ``candidates``, with size control above ``max_size`` (None: off)."""
        ...

    def preference(self, phi: np.ndarray, rule: FriendRule, exact: Candidates) -> Preference:
        """The rule's preference over φ, for the stability checks (``exact``: :meth:`exact` of φ)."""
        ...


class FixedChoice:
    """``fixed``: friends chosen once over all players, counted in a coalition; the exact Top Cover."""

    name = "fixed"
    description = "k best partners over all neurons"

    def check(self, rule: FriendRule) -> None:
        """Every friend rule plays under the fixed choice."""

    def exact(self, phi: np.ndarray, rule: FriendRule) -> PartnerRanking:
        """Each player's ``rule.k`` best partners of φ (all above the threshold without k)."""
        return rank_partners(phi, rule.k, rule.threshold)

    def observed(self, phi: np.ndarray, rule: FriendRule, sampler: Sampler, rng: np.random.Generator, m: int) -> tuple[PartnerRanking, int]:
        """Each player's ``rule.k`` best observed partners, and the ordered pairs seen."""
        ranking = observed_ranking(phi, sampler, rng, m, rule.k, rule.threshold)
        return ranking, int(ranking.observed_pairs or 0)

    def cover(self, candidates: PartnerRanking, rule: FriendRule, max_size: int | None) -> Refinement:
        """SCCs of the friendship digraph (:func:`top_cover`), oversized ones re-covered with stricter rules."""
        return refine(candidates, rule, top_cover(friend_graph(candidates, rule)), max_size, cover=top_cover_within(candidates))

    def preference(self, phi: np.ndarray, rule: FriendRule, exact: PartnerRanking) -> FriendPreference:
        """The friend-appreciation preference over the exact friendship digraph."""
        return FriendPreference(friend_graph(exact, rule), rule)


class AvailableChoice:
    """``available``: the k best partners among those not yet covered; sink components removed round by round."""

    name = "available"
    description = "k best among the neurons not yet in a coalition"

    def check(self, rule: FriendRule) -> None:
        """The rule ranks each player's k best partners, so it needs ``rule.k``; reciprocity would make
        a player's choice depend on others' rankings (not a preference of its own), so it is refused."""
        if rule.k is None:
            raise ConfigError(
                "the available choice rule ranks each player's k best partners: it needs k", hint="pass k (e.g. 4), or use choice='fixed'"
            )
        if rule.mutual:
            raise ConfigError("mutual friendships are defined for the fixed choice rule only", hint="drop mutual, or use choice='fixed'")

    def exact(self, phi: np.ndarray, rule: FriendRule) -> PartnerLists:
        """Every player's qualifying partners of φ, best first (built once; each game plays on a copy)."""
        return PartnerLists.from_phi(phi, rule.threshold)

    def observed(self, phi: np.ndarray, rule: FriendRule, sampler: Sampler, rng: np.random.Generator, m: int) -> tuple[PartnerLists, int]:
        """Complete lists of every observed partner above the threshold, and the ordered pairs seen."""
        observed = observed_ranking(phi, sampler, rng, m, None, -math.inf if rule.threshold is None else rule.threshold)
        return PartnerLists.from_ranking(observed, rule.threshold), int(observed.observed_pairs or 0)

    def cover(self, candidates: PartnerLists, rule: FriendRule, max_size: int | None) -> Refinement:
        """The available cover on a copy of ``candidates``; oversized coalitions re-covered inside themselves with k − 1, ..."""
        k = _k(rule)

        def within(stricter: FriendRule, groups: np.ndarray) -> np.ndarray:
            return available_cover(candidates.within(groups), _k(stricter))

        return refine(None, rule, available_cover(candidates.within(), k), max_size, cover=within)

    def preference(self, phi: np.ndarray, rule: FriendRule, exact: PartnerLists) -> RankedPreference:
        """The ranked-partner preference, its oracle reusing the exact lists."""
        return RankedPreference(phi, _k(rule), rule.threshold, candidates=exact)


def _k(rule: FriendRule) -> int:
    """``rule.k`` where :meth:`AvailableChoice.check` has made sure it is set."""
    if rule.k is None:
        raise ConfigError("the available choice rule needs k", hint="pass k (e.g. 4)")
    return rule.k


CHOICE_RULES: dict[str, ChoiceRule[Any]] = {row.name: row for row in (FixedChoice(), AvailableChoice())}
"""Every choice rule by name."""
CHOICES = tuple(CHOICE_RULES)
"""The names of the choice rules: friends fixed over all players, or re-ranked among the available ones."""


def check_choice(choice: str, rule: FriendRule) -> ChoiceRule[Any]:
    """The :class:`ChoiceRule` called ``choice``, checked against the friend ``rule``; :class:`ConfigError` otherwise."""
    if choice not in CHOICE_RULES:
        raise ConfigError(f"unknown choice rule {choice!r}", hint=f"use one of {', '.join(CHOICES)}")
    found = CHOICE_RULES[choice]
    found.check(rule)
    return found
