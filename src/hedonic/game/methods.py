"""The games :func:`~hedonic.game.discover` can play, one row per name in :data:`GAME_METHODS`.

- ``additive`` (default): additively separable preferences u_i(S) = Σ_{j∈S}(φ_ij − τ_ij) (τ_ij
  from a rule of :data:`~hedonic.game.additive.resolution.TAU_RULES`),
  best-response dynamics to a Nash-stable partition under the size cap
  (:mod:`hedonic.game.additive.dynamics`);
- ``additive-individual``: the same game, moves also accepted by the receiving coalition
  (individually stable);
- ``top-cover``: the top-responsive friend game on the full φ, the Top Cover of the ``choice``
  rule with size control (:mod:`hedonic.game.friends.choice`);
- ``pac-top-cover``: the paper's PAC-Top-Cover, friends estimated from m sampled coalitions
  (:mod:`hedonic.game.friends.pac`).

Each row's ``play`` takes φ (checked by :func:`~hedonic.game.phi.check_phi`, symmetric where the
row's ``symmetric`` says so), the :class:`~hedonic.game.settings.GameSettings` and the game's
randomness, and returns a :class:`Played`: the labels, the preference the stability checks
use, the cap unilateral moves are checked under, and what the game records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.game.additive.dynamics import best_response_dynamics
from hedonic.game.additive.preference import AdditivePreference
from hedonic.game.additive.resolution import resolve_tau
from hedonic.game.friends.choice import check_choice
from hedonic.game.friends.pac import pac_sample_size
from hedonic.game.friends.rule import FriendRule
from hedonic.game.sampling import Sampler
from hedonic.game.settings import DEFAULT_M, GameSettings

if TYPE_CHECKING:
    from hedonic.game.preference import Preference


@dataclass(frozen=True)
class Played:
    """A game's outcome: coalition ``labels`` (n,), the ``preference`` its stability is checked
    under, the ``cap`` of unilateral moves (None: none), and the game's ``record`` (JSON-ready)."""

    labels: np.ndarray
    preference: Preference
    cap: int | None
    record: dict[str, Any]


Play = Callable[[np.ndarray, GameSettings, np.random.Generator, Sampler], Played]
"""(φ (n, n), settings, the game's generator, the coalition sampler D) → :class:`Played`."""


@dataclass(frozen=True)
class GameMethod:
    """A game by name: how to ``play`` it, the ``settings`` it reads, a one-line ``description``,
    and whether its φ must be ``symmetric`` (:func:`~hedonic.game.phi.check_phi`)."""

    name: str
    play: Play
    settings: tuple[str, ...]
    description: str
    symmetric: bool


def _additive(individual: bool) -> Play:
    def play(phi: np.ndarray, settings: GameSettings, rng: np.random.Generator, draw: Sampler) -> Played:
        resolution = resolve_tau(settings.tau, phi, rng)
        preference = AdditivePreference(phi, resolution.tau, resolution.factors)
        cap = settings.size_bound(phi.shape[0])
        dynamics = best_response_dynamics(preference, rng, cap=cap, individual=individual)
        record = {
            "tau": resolution.tau,
            "tau_rule": resolution.rule,
            "tau_estimate": None if resolution.rule == "fixed" else resolution.as_dict(),
            "max_size": cap,
            "dynamics": {"rounds": dynamics.rounds, "moves": dynamics.moves, "converged": dynamics.converged},
        }
        return Played(dynamics.labels, preference, cap, record)

    return play


def _pac_samples(settings: GameSettings, rule: FriendRule, n: int) -> int:
    """m for PAC: given, from (ε, δ) (:func:`pac_sample_size`), or :data:`DEFAULT_M`."""
    if settings.epsilon is None:
        return DEFAULT_M if settings.m is None else settings.m
    if rule.k is None:
        raise ConfigError("the (ε, δ) sample size needs a top-k friend rule", hint="pass k, or give m directly")
    return pac_sample_size(max(n, 2), settings.epsilon, settings.delta, rule.k, settings.max_k, rule.mutual)


def _top_cover(sampled: bool) -> Play:
    def play(phi: np.ndarray, settings: GameSettings, rng: np.random.Generator, draw: Sampler) -> Played:
        rule = FriendRule(k=settings.k, threshold=settings.threshold, mutual=settings.mutual)
        choice = check_choice(settings.choice, rule)
        n = phi.shape[0]
        m = _pac_samples(settings, rule, n) if sampled else None
        exact = choice.exact(phi, rule)
        candidates, observed_pairs = (exact, None) if m is None or n < 2 else choice.observed(phi, rule, draw, rng, m)
        refinement = choice.cover(candidates, rule, settings.size_bound(n))
        record = {
            "choice": settings.choice,
            **rule.as_dict(),
            "max_size": settings.size_bound(n),
            "size_control": {"levels": refinement.levels, "coalition_levels": refinement.coalition_levels()},
        }
        if sampled:
            share = None if observed_pairs is None else observed_pairs / (n * (n - 1))
            record.update(m=m, epsilon=settings.epsilon, observed_pair_share=share)
        return Played(refinement.labels, choice.preference(phi, rule, exact), None, record)

    return play


_TOP_COVER_SETTINGS = ("choice", "k", "threshold", "mutual", "max_size")
GAME_METHODS: dict[str, GameMethod] = {
    row.name: row
    for row in (
        GameMethod(
            "additive",
            _additive(False),
            ("tau", "max_size"),
            "additively separable game, Nash-stable best-response dynamics (default)",
            True,
        ),
        GameMethod(
            "additive-individual", _additive(True), ("tau", "max_size"), "additively separable game, individually stable dynamics", True
        ),
        GameMethod("top-cover", _top_cover(False), _TOP_COVER_SETTINGS, "top-responsive friend game, exact Top Cover on all of φ", False),
        GameMethod(
            "pac-top-cover",
            _top_cover(True),
            (*_TOP_COVER_SETTINGS, "m", "epsilon"),
            "the paper's PAC-Top-Cover on m sampled coalitions",
            False,
        ),
    )
}
"""Every game by name."""


def check_method(name: str) -> GameMethod:
    """The :class:`GameMethod` called ``name``; :class:`ConfigError` listing the valid names otherwise."""
    if name not in GAME_METHODS:
        raise ConfigError(f"unknown game method {name!r}", hint=f"use one of {', '.join(GAME_METHODS)}")
    return GAME_METHODS[name]
