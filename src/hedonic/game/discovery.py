"""``discover``: one call from a valuation φ to a partition of the layer's neurons, with its stability.

The game is chosen by name from :data:`~hedonic.game.methods.GAME_METHODS` (default: the
additively separable game); every parameter defaults to :data:`~hedonic.game.settings.DEFAULTS`,
the defaults ``hedonic discover`` and the run configuration share. The returned
:class:`~hedonic.game.partition.Partition` records the settings the game read and what it
computed (``parameters``), and its ``stability``
(:class:`~hedonic.game.stability_result.Stability`) is measured on exactly the returned
coalitions under the game's own preference: the exact unilateral-move check, the welfare where
the game has a potential, the sampled core-blocking rate with its bound, the polynomial oracle
where the preference is monotone, and for n ≤ 14 an exhaustive core-stability verdict.

φ is checked once, here (:func:`~hedonic.game.phi.check_phi`: square, finite, and symmetric for
the games whose row says so); what the game builds from it reads it unchecked.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from hedonic.game.diagnosis import REMEDY, diagnose
from hedonic.game.methods import check_method
from hedonic.game.partition import DEFAULT_MAX_SHARE, DEFAULT_SINGLETON_SHARE, LARGE_SHARE, Partition
from hedonic.game.phi import check_phi
from hedonic.game.sampling import Sampler, uniform_sampler
from hedonic.game.settings import DEFAULTS, OBSERVED_PAIR_FLOOR, GameSettings
from hedonic.game.stability import assess
from hedonic.neuron_ids import neuron_ids


def _neuron_ids(neurons: np.ndarray | list[int] | None, n: int) -> np.ndarray:
    if neurons is None:
        return np.arange(n, dtype=np.int64)
    return neuron_ids(neurons, n, what="the neurons of φ's rows")


def discover(
    phi: np.ndarray,
    *,
    method: str = DEFAULTS.method,
    tau: float | str = DEFAULTS.tau,
    choice: str = DEFAULTS.choice,
    k: int | None = DEFAULTS.k,
    threshold: float | None = DEFAULTS.threshold,
    mutual: bool = DEFAULTS.mutual,
    m: int | None = DEFAULTS.m,
    epsilon: float | None = DEFAULTS.epsilon,
    delta: float = DEFAULTS.delta,
    max_k: int = DEFAULTS.max_k,
    max_size: int | str = DEFAULTS.max_size,
    stability_samples: int = DEFAULTS.stability_samples,
    seed: int = 0,
    neurons: np.ndarray | list[int] | None = None,
    layer: int | None = None,
    sampler: Sampler | None = None,
    max_share: float = DEFAULT_MAX_SHARE,
    singleton_share_limit: float = DEFAULT_SINGLETON_SHARE,
) -> Partition:
    """Partition the players of φ (n, n) float into coalitions of the hedonic game ``method``.

    Parameters are those of :class:`~hedonic.game.settings.GameSettings` (which documents each):
    ``method`` one of :data:`~hedonic.game.methods.GAME_METHODS`; ``tau`` the additive games'
    resolution; ``choice``, ``k``, ``threshold``, ``mutual`` the top-responsive friend rule;
    ``m`` / ``epsilon`` / ``delta`` / ``max_k`` the PAC sampling (and the stability sampler D,
    sizes 2..``max_k``, or ``sampler``); ``max_size`` the cap or size-control bound;
    ``stability_samples`` the sampled core check. ``neurons`` (n,) ascending ids of φ's rows
    (default 0..n−1); the same inputs and ``seed`` give the same partition, byte for byte once saved.
    """
    settings = GameSettings(
        method=method,
        tau=tau,
        choice=choice,
        k=k,
        threshold=threshold,
        mutual=mutual,
        m=m,
        epsilon=epsilon,
        max_k=max_k,
        max_size=max_size,
        delta=delta,
        stability_samples=stability_samples,
    )
    game = check_method(method)
    phi = check_phi(phi, symmetric=game.symmetric)
    n = phi.shape[0]
    ids = _neuron_ids(neurons, n)
    game_rng, check_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    draw = sampler or uniform_sampler(n, max_k)
    played = game.play(phi, settings, game_rng, draw)
    used = {name: getattr(settings, name) for name in game.settings}
    parameters: dict[str, Any] = {
        **used,
        **played.record,
        "delta": delta,
        "max_k": max_k,
        "sampler": "uniform" if sampler is None else "custom",
        "stability_samples": stability_samples,
    }
    partition = Partition.from_labels(
        played.labels,
        method,
        neurons=ids.tolist(),
        parameters=parameters,
        seed=seed,
        layer=layer,
        max_share=max_share,
        singleton_share_limit=singleton_share_limit,
    )
    if partition.large_coalitions():
        diagnosis = diagnose(phi, partition.labels(), np.random.default_rng(seed))
        partition = dataclasses.replace(partition, parameters={**parameters, "large_coalition": diagnosis.as_dict()})
    stability = assess(partition, played.preference, draw, check_rng, cap=played.cap, samples=stability_samples, delta=delta)
    return dataclasses.replace(partition, stability=stability)


def partition_warnings(partition: Partition) -> list[str]:
    """What a reader of ``partition`` must be told: a coalition above
    :data:`~hedonic.game.partition.LARGE_SHARE` of the layer with its likely cause
    (:mod:`~hedonic.game.diagnosis`), additive coalitions stopped by the size bound, a degenerate
    size distribution, PAC samples that saw fewer
    than :data:`~hedonic.game.settings.OBSERVED_PAIR_FLOOR` of the neuron pairs, dynamics that
    stopped before converging."""
    found: list[str] = []
    diagnosis = partition.parameters.get("large_coalition")
    for size in partition.large_coalitions():
        cause = (
            f"likely cause: {diagnosis['cause']}; {REMEDY}" if diagnosis and diagnosis["size"] == size else "its cause was not diagnosed"
        )
        found.append(
            f"a coalition of {size} neurons holds {size / partition.n_players:.0%} of the layer (more than {LARGE_SHARE:.0%}): {cause}"
        )
    if partition.degenerate:
        found.append(
            f"degenerate partition: largest coalition {partition.largest()} of {partition.n_players} neurons, "
            f"{partition.singleton_share():.0%} singletons"
        )
    bound = partition.parameters.get("max_size")
    if "dynamics" in partition.parameters and bound is not None:
        full = int(np.sum(partition.sizes() == bound))
        if full:
            found.append(
                f'{full} coalition(s) reached the size bound max_size = {bound}: the bound, not the game, set their size (raise it, or max_size = "none")'
            )
    seen = partition.parameters.get("observed_pair_share")
    if seen is not None and seen < OBSERVED_PAIR_FLOOR:
        found.append(
            f"the PAC samples saw only {seen:.1%} of the neuron pairs: structure among unseen pairs cannot be found "
            "(raise m, or use method 'top-cover' or 'additive' on the full φ)"
        )
    dynamics = partition.parameters.get("dynamics")
    if dynamics is not None and not dynamics["converged"]:
        found.append(f"the best-response dynamics stopped after {dynamics['rounds']} rounds without converging (is φ symmetric?)")
    return found
