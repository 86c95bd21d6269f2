"""``discover``: one call from a valuation φ to a partition of the layer's neurons, with its stability.

Pipeline: friend rule and choice rule → (sampled or exact) partner ranking → Top Cover → size
control → Partition, whose ``stability`` is measured on exactly the returned coalitions under the
game's own preference (the base rule applied to the full φ), and whose ``parameters`` record
everything needed to reproduce it, including the rule that produced each coalition.

Choice rules: ``fixed`` (friends F_i = the k best partners over all players, chosen once;
:mod:`hedonic.game.top_cover`) and ``available`` (the k best partners among the players not yet
in a coalition, re-ranked as coalitions form; :mod:`hedonic.game.available_cover`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.game.available_cover import available_cover, check_choice
from hedonic.game.pac_top_cover import observed_ranking, pac_sample_size
from hedonic.game.partition import DEFAULT_MAX_SHARE, DEFAULT_SINGLETON_SHARE, Partition
from hedonic.game.partner_lists import PartnerLists
from hedonic.game.preferences import FriendRule, check_valuation_matrix, friend_graph, rank_partners
from hedonic.game.ranked_preference import RankedPreference
from hedonic.game.sampling import Sampler, uniform_sampler
from hedonic.game.size_control import Refinement, refine
from hedonic.game.stability import (
    EXHAUSTIVE_MAX_PLAYERS,
    Preference,
    core_blocking_coalition,
    largest_blocking_coalition,
    pac_stability,
)
from hedonic.game.top_cover import top_cover

METHODS = {"pac": "pac_top_cover", "exact": "top_cover"}
"""``discover`` methods and the ``Partition.method`` they record."""
DEFAULT_M = 50000
AUTO_MAX_SIZE = 64
"""Upper end of the usable coalition sizes (spec §5: most neurons in sizes 3..64)."""
AUTO_LAYER_SHARE = 0.05
"""No coalition above this share of the layer (spec §5); it binds below 1280 players."""


def auto_max_size(n: int) -> int:
    """The default size bound for n players: min(64, max(4, ⌈0.05·n⌉))."""
    return min(AUTO_MAX_SIZE, max(4, math.ceil(AUTO_LAYER_SHARE * n)))


def _positive_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}", hint=f"pass {name} >= {minimum}")
    return int(value)


def _neuron_ids(neurons: np.ndarray | list[int] | None, n: int) -> np.ndarray:
    if neurons is None:
        return np.arange(n, dtype=np.int64)
    ids = np.asarray(neurons, dtype=np.int64)
    if ids.shape != (n,) or (n and ids[0] < 0) or (np.diff(ids) <= 0).any():
        raise ConfigError(f"neurons must be {n} ascending distinct non-negative ids, one per row of φ", hint="pass the valuation's neuron ids")
    return ids


def _fixed_cover(
    phi: np.ndarray, rule: FriendRule, m: int | None, draw: Sampler, rng: np.random.Generator, max_size: int | None
) -> tuple[Refinement, int | None, Preference]:
    """Fixed-rule cover and size control; the observed pair count (PAC) and the friendship digraph."""
    exact = rank_partners(phi, rule.k, rule.threshold)
    ranking = observed_ranking(phi, draw, rng, m, rule.k, rule.threshold) if m is not None and phi.shape[0] >= 2 else exact
    refinement = refine(ranking, rule, top_cover(friend_graph(ranking, rule)), max_size)
    return refinement, ranking.observed_pairs, friend_graph(exact, rule)


def _available_cover(
    phi: np.ndarray, rule: FriendRule, m: int | None, draw: Sampler, rng: np.random.Generator, max_size: int | None
) -> tuple[Refinement, int | None, Preference]:
    """Available-rule cover and size control; the observed pair count (PAC) and the ranked preference.

    The exact partner lists are built once: the exact cover, its size-control levels and the
    stability oracle each play on a copy.
    """
    assert rule.k is not None
    exact = PartnerLists.from_phi(phi, rule.threshold)
    candidates, observed_pairs = exact, None
    if m is not None and phi.shape[0] >= 2:
        observed = observed_ranking(phi, draw, rng, m, None, -math.inf if rule.threshold is None else rule.threshold)
        candidates, observed_pairs = PartnerLists.from_ranking(observed, rule.threshold), observed.observed_pairs

    def cover(stricter: FriendRule, groups: np.ndarray) -> np.ndarray:
        assert stricter.k is not None
        return available_cover(candidates.within(groups), stricter.k)

    refinement = refine(None, rule, available_cover(candidates.within(), rule.k), max_size, cover=cover)
    return refinement, observed_pairs, RankedPreference(phi, rule.k, rule.threshold, candidates=exact)


def discover(
    phi: np.ndarray,
    *,
    method: str = "pac",
    choice: str = "fixed",
    k: int | None = 4,
    threshold: float | None = 0.0,
    mutual: bool = False,
    m: int | None = None,
    epsilon: float | None = None,
    delta: float = 0.05,
    max_k: int = 10,
    max_size: int | str | None = "auto",
    seed: int = 0,
    neurons: np.ndarray | list[int] | None = None,
    layer: int | None = None,
    sampler: Sampler | None = None,
    stability_samples: int = 20000,
    max_share: float = DEFAULT_MAX_SHARE,
    singleton_share_limit: float = DEFAULT_SINGLETON_SHARE,
) -> Partition:
    """Partition the players of φ (n, n) float into coalitions of the hedonic game.

    Friends: each player's ``k`` best partners with φ > ``threshold`` (optionally ``mutual``),
    over all players (``choice="fixed"``) or among those not yet in a coalition
    (``choice="available"``, the paper's utility; needs ``k``, no ``mutual``).
    ``method="pac"`` (default) estimates the friends from ``m`` coalitions drawn from D (uniform
    sizes in [2, ``max_k``], or ``sampler``); m defaults to 50000, or follows from (``epsilon``,
    ``delta``) by :func:`~hedonic.game.pac_top_cover.pac_sample_size`. ``method="exact"`` uses
    the friends on the full φ. Coalitions above ``max_size`` players are refined with stricter
    rules (None: off; "auto": min(64, max(4, ⌈0.05·n⌉)), so that no coalition exceeds 5% of a
    large layer). The share of ordered pairs the PAC samples saw is recorded as
    ``observed_pair_share``: structure among unseen pairs cannot be found. Stability, under the
    base rule's preference on the full φ and for the returned coalitions: the blocking rate
    over ``stability_samples`` fresh draws from D with its Clopper–Pearson bound at confidence
    1 − ``delta``, the size of the largest coalition in which every member gains (a friend, or
    with ``available`` a better partner list), and for n ≤ 14 an exhaustive core-stability verdict.
    ``neurons`` (n,) ascending ids of φ's rows (default 0..n-1); same inputs and ``seed`` give
    the same partition.
    """
    phi = check_valuation_matrix(phi)
    n = phi.shape[0]
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}", hint=f"use one of {', '.join(METHODS)}")
    rule = FriendRule(k=k, threshold=threshold, mutual=mutual)
    check_choice(choice, rule)
    ids = _neuron_ids(neurons, n)
    max_k = _positive_int("max_k", max_k, 2)
    stability_samples = _positive_int("stability_samples", stability_samples, 1)
    if m is not None and epsilon is not None:
        raise ConfigError("pass either m or epsilon (with delta), not both", hint="m fixes the sample size; epsilon derives it")
    if method == "pac" and epsilon is not None:
        if rule.k is None:
            raise ConfigError("the (ε, δ) sample size needs a top-k friend rule", hint="pass k, or give m directly")
        m = pac_sample_size(max(n, 2), epsilon, delta, rule.k, max_k, rule.mutual)
    m = _positive_int("m", DEFAULT_M if m is None else m, 1) if method == "pac" else None
    if max_size == "auto":
        max_size = auto_max_size(n)
    elif isinstance(max_size, str):
        raise ConfigError(f"max_size must be an integer, 'auto' or None, got {max_size!r}", hint="e.g. max_size=64")
    cover_rng, check_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    draw = sampler or uniform_sampler(n, max_k)

    run_cover = _available_cover if choice == "available" else _fixed_cover
    refinement, observed_pairs, preference = run_cover(phi, rule, m, draw, cover_rng, max_size)
    parameters: dict[str, Any] = {
        "choice": choice,
        **rule.as_dict(),
        "m": m,
        "epsilon": epsilon,
        "delta": delta,
        "max_k": max_k,
        "max_size": max_size,
        "observed_pair_share": None if observed_pairs is None else observed_pairs / (n * (n - 1)),
        "sampler": "uniform" if sampler is None else "custom",
        "stability_samples": stability_samples,
        "size_control": {"levels": refinement.levels, "coalition_levels": refinement.coalition_levels()},
    }
    partition = Partition.from_labels(
        refinement.labels,
        METHODS[method],
        neurons=ids.tolist(),
        parameters=parameters,
        seed=seed,
        layer=layer,
        max_share=max_share,
        singleton_share_limit=singleton_share_limit,
    )
    described = preference.as_dict() if isinstance(preference, RankedPreference) else {"choice": "fixed", **rule.as_dict()}
    stability: dict[str, Any] = {"preference": described}
    if n >= 2:
        stability.update(pac_stability(partition, preference, draw, check_rng, samples=stability_samples, delta=delta))
    stability["largest_blocking_coalition"] = len(largest_blocking_coalition(partition, preference))
    if n <= EXHAUSTIVE_MAX_PLAYERS:
        witness = core_blocking_coalition(partition, preference)
        stability.update(core_stable=witness is None, blocking_coalition=None if witness is None else list(witness))
    return dataclasses.replace(partition, stability=stability)
