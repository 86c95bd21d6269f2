"""The game's parameters and their one set of defaults.

:func:`hedonic.game.discover`, ``hedonic discover`` and the run configuration's ``[game]`` table
all take their defaults from :data:`DEFAULTS` (a test checks they agree). The default game is the
additively separable one (:mod:`hedonic.game.additive.dynamics`), chosen by measurement: on the
demo model its coalitions are more synergistic on held-out inputs than the paper's top-responsive
cover's and the baselines', and it recovers planted groups at layer scale (README, "The game").
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from hedonic.errors import ConfigError
from hedonic.game.additive.resolution import check_tau

AUTO = "auto"
"""The value of ``tau`` and ``max_size`` that asks for the default derived from the data or the layer."""
NONE = "none"
"""The value of ``max_size`` that asks for no bound (the same word in Python, TOML and on the command line)."""
DEFAULT_M = 50000
"""PAC samples when neither ``m`` nor ``epsilon`` is given (the paper's setting)."""
OBSERVED_PAIR_FLOOR = 0.5
"""A PAC partition whose samples saw less than this share of the ordered neuron pairs is flagged."""
AUTO_LAYER_SHARE = 0.1
"""Default largest coalition: this share of the layer (and at least :data:`AUTO_MIN_SIZE`).

It bounds the cost and a runaway coalition, not the structure: measured on planted groups of sizes
3…128 (README, "The game"), 5% of n = 1536 (77) cut the groups above it (ARI 0.88 against 0.99
uncapped); 10% (154) leaves them whole. It does not follow the evaluation's size range."""
AUTO_MIN_SIZE = 4
"""The smallest default bound, for tiny games."""


def auto_max_size(n: int) -> int:
    """The default size bound for n players: max(4, ⌈0.1·n⌉)."""
    return max(AUTO_MIN_SIZE, math.ceil(AUTO_LAYER_SHARE * n))


def size_setting(value: Any, where: str = "max_size") -> int | str:
    """A ``max_size`` value in its one spelling: "auto", "none" or an integer ≥ 1.

    ``None`` (the former Python spelling of no bound) is read as "none" with a
    :class:`FutureWarning`; 0 is refused (it meant "auto" in TOML and "no bound" on the command
    line) with a hint naming the word to write; anything else raises :class:`ConfigError`.
    """
    if value is None:
        warnings.warn(f'{where}=None is deprecated: write {where}="none" for no bound', FutureWarning, stacklevel=3)
        return NONE
    if isinstance(value, str) and value in (AUTO, NONE):
        return value
    if value == 0 and not isinstance(value, bool):
        raise ConfigError(
            f"{where} 0 is ambiguous (it meant the default bound in a TOML file and no bound on the command line)",
            hint=f'write "none" for no bound, or "auto" for the default max(4, ⌈{AUTO_LAYER_SHARE:g}·n⌉)',
        )
    if isinstance(value, (str, bool)) or not isinstance(value, (int, float)) or int(value) != value or value < 1:
        raise ConfigError(f'{where} must be an integer ≥ 1, "auto" or "none", got {value!r}', hint='e.g. 64, "auto" or "none"')
    return int(value)


@dataclass(frozen=True)
class GameSettings:
    """Every parameter of :func:`~hedonic.game.discover` but φ, the seed and the neuron ids.

    - ``method``: the game, by name (:data:`hedonic.game.methods.GAME_METHODS`);
    - additive games: ``tau``, a number, a rule of :data:`~hedonic.game.additive.resolution.TAU_RULES` by
      name, or "auto" (the default rule, ``scaled``);
    - top-responsive games: friends are each neuron's ``k`` best partners with φ > ``threshold``
      (None: no floor), over all neurons (``choice = "fixed"``, optionally ``mutual``) or among those
      not yet in a coalition (``"available"``, the paper's multi-friend utility);
    - PAC: ``m`` sampled coalitions (None: 50000, or from ``epsilon`` and ``delta``) of sizes 2..``max_k``;
    - ``max_size``: the additive games' cap, the top covers' size-control bound, an integer,
      "auto" (:func:`auto_max_size`, a share of the layer) or "none" (:func:`size_setting`);
    - stability: ``stability_samples`` fresh coalitions from D (sizes 2..``max_k``), bound at
      confidence 1 − ``delta``.
    """

    method: str = "additive"
    tau: float | str = AUTO
    choice: str = "available"
    k: int | None = 4
    threshold: float | None = 0.0
    mutual: bool = False
    m: int | None = None
    epsilon: float | None = None
    delta: float = 0.05
    max_k: int = 10
    max_size: int | str = AUTO
    stability_samples: int = 20000

    def __post_init__(self) -> None:
        _positive_int("max_k", self.max_k, 2)
        _positive_int("stability_samples", self.stability_samples, 1)
        if self.m is not None:
            _positive_int("m", self.m, 1)
        if self.m is not None and self.epsilon is not None:
            raise ConfigError("pass either m or epsilon (with delta), not both", hint="m fixes the sample size; epsilon derives it")
        if not 0 < self.delta < 1:
            raise ConfigError(f"delta must lie in (0, 1), got {self.delta}", hint="e.g. delta=0.05")
        check_tau(self.tau)
        object.__setattr__(self, "max_size", size_setting(self.max_size))

    def size_bound(self, n: int) -> int | None:
        """``max_size`` for a game of n players: "auto" resolved, None for "none"."""
        if self.max_size == NONE:
            return None
        return auto_max_size(n) if self.max_size == AUTO else int(self.max_size)

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}", hint=f"pass {name} >= {minimum}")
    return int(value)


DEFAULTS = GameSettings()
"""The defaults shared by :func:`~hedonic.game.discover`, ``hedonic discover`` and ``[game]``."""
