"""PAC-Top-Cover: the Top Cover on friend sets estimated from m sampled coalitions (spec §5).

Preferences are observed only on m coalitions S ~ D (:mod:`hedonic.game.sampling`). In each
sample a player sees the valuations φ(i, j) of its co-members, and its choice set there is its k
best partners in S (the paper's multi-friend utility). Player i's estimated friends B_i are the
friends its rule picks among all partners it was ever sampled with: its k best observed partners
(and/or those above the threshold), which is the union of its per-sample choices trimmed to the
k best. The digraph i → j for j ∈ B_i is then covered exactly (:func:`~hedonic.game.friends.fixed_cover.top_cover`).

With the ``available`` choice rule (:mod:`hedonic.game.friends.available_cover`) the estimated ranking
plays the role of φ's: each player keeps every partner it was sampled with (above the
threshold), ordered by φ, and re-ranks among those still available; a partner never sampled
with it is never chosen. The bound below is stated for the fixed rule.

Sample size from (ε, δ) (uniform D, top-k rule, before size control). Let s ~ D's size, q =
E[s(s-1)] / (n(n-1)) the chance that one draw holds a given pair, F the true friend sets (the
rule on the full φ) and π̂ the cover of B.

1. π̂ is core stable under B (Top Cover theorem). If T blocks π̂ under F, some member i of T
   has B_i ≠ F_i; otherwise all members rank coalitions alike under B and F and T would block
   π̂ under B.
2. B_i = F_i whenever each of i's k true best partners was sampled with i at least once (the k
   best of a superset of them are them). A pair is missed by all m draws with probability
   (1-q)^m ≤ exp(-q·m), so Pr[B_i ≠ F_i] ≤ c·k·exp(-q·m), c = 1 (c = k+1 for mutual friends,
   whose sets also depend on the k partners' own estimates).
3. Each member of T ~ D is a uniform player, so Pr_T[T blocks π̂] ≤ E[s]·W/n with W the number
   of misestimated players, E[W/n] ≤ c·k·exp(-q·m). By Markov's inequality
   Pr[Pr_T[T blocks π̂] > ε] ≤ E[s]·c·k·exp(-q·m)/ε, which is ≤ δ when

       m ≥ ln(c·k·E[s] / (ε·δ)) / q = n(n-1)/E[s(s-1)] · ln(c·k·E[s] / (ε·δ)).

At n = 14336, max_k = 10, k = 4, ε = δ = 0.05 this asks for about 5.1·10⁷ samples (about
5.9·10⁵ at n = 1536): the default m = 50000 gives no such guarantee at layer scale, and the cover's
reported stability is the one measured on fresh samples (:mod:`hedonic.game.stability`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hedonic.errors import ConfigError
from hedonic.game.friends.choice import check_choice
from hedonic.game.phi import check_phi
from hedonic.game.sampling import Sampler, uniform_sampler

if TYPE_CHECKING:
    from hedonic.game.friends.rule import FriendRule


def pac_sample_size(n: int, epsilon: float, delta: float, k: int, max_k: int, mutual: bool = False) -> int:
    """Samples m from uniform D that make the PAC-Top-Cover ε-PAC stable with probability ≥ 1 − δ.

    The bound (module docstring): m = ⌈n(n−1)/E[s(s−1)] · ln(c·k·E[s]/(ε·δ))⌉ with s uniform in
    [2, min(max_k, n)] and c = k + 1 for mutual friends, else 1. At least 1.
    """
    if not (0 < epsilon < 1 and 0 < delta < 1):
        raise ConfigError(f"epsilon and delta must lie in (0, 1), got {epsilon} and {delta}", hint="e.g. epsilon=0.05 delta=0.05")
    if n < 2 or max_k < 2 or k < 1:
        raise ConfigError(f"no sample size for n={n}, max_k={max_k}, k={k}", hint="use n >= 2, max_k >= 2, k >= 1")
    sizes = np.arange(2, min(max_k, n) + 1, dtype=np.float64)
    pair_chance = float(np.mean(sizes * (sizes - 1))) / (n * (n - 1))
    factor = (k + 1 if mutual else 1) * k * float(sizes.mean())
    return max(1, math.ceil(math.log(factor / (epsilon * delta)) / pair_chance))


def pac_top_cover(
    phi: np.ndarray,
    rule: FriendRule,
    *,
    m: int = 50000,
    max_k: int = 10,
    seed: int = 0,
    sampler: Sampler | None = None,
    choice: str = "fixed",
) -> np.ndarray:
    """Coalition label (n,) int64 of every player under the PAC-Top-Cover of φ (n, n).

    m coalitions are drawn from ``sampler`` (default: uniform D with sizes in [2, max_k]) with
    ``numpy.random.default_rng(seed)``; the same seed gives the same labels. ``choice``: the
    choice rule, ``"fixed"`` or ``"available"`` (module docstring).
    """
    phi = check_phi(phi, symmetric=False)
    rules = check_choice(choice, rule)
    n = phi.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    observed, _ = rules.observed(phi, rule, sampler or uniform_sampler(n, max_k), np.random.default_rng(seed), m)
    return rules.cover(observed, rule, None).labels
