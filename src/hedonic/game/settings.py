"""The game's parameters and their one set of defaults.

:func:`hedonic.game.discover`, ``hedonic discover`` and the run configuration's ``[game]`` table
all take their defaults from :data:`DEFAULTS` (a test checks they agree). The default game is the
additively separable one (:mod:`hedonic.game.additive_dynamics`), chosen by measurement: on the
demo model its coalitions are more synergistic on held-out inputs than the paper's top-responsive
cover's and the baselines', and it recovers planted groups at layer scale (README, "The game").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from hedonic.errors import ConfigError

AUTO = "auto"
"""The value of ``tau`` and ``max_size`` that asks for the data-driven default."""
DEFAULT_M = 50000
"""PAC samples when neither ``m`` nor ``epsilon`` is given (the paper's setting)."""
OBSERVED_PAIR_FLOOR = 0.5
"""A PAC partition whose samples saw less than this share of the ordered neuron pairs is flagged."""
AUTO_MAX_SIZE = 32
"""Default largest coalition: the largest the held-out evaluation scores (``[evaluation] max_size``).

Measured on the demo (README, "The game"): the additive game with a cap of 32 put 48 and 85
coalitions in the evaluated sizes 4..32 at layers 3 and 4 and led every baseline there; with 64,
many coalitions grew to 33..64, outside the evaluated range (22 left at layer 3)."""
AUTO_LAYER_SHARE = 0.05
"""No coalition above this share of the layer (spec §5); it binds below 640 players."""


def auto_max_size(n: int) -> int:
    """The default size bound for n players: min(32, max(4, ⌈0.05·n⌉))."""
    return min(AUTO_MAX_SIZE, max(4, math.ceil(AUTO_LAYER_SHARE * n)))


@dataclass(frozen=True)
class GameSettings:
    """Every parameter of :func:`~hedonic.game.discover` but φ, the seed and the neuron ids.

    - ``method``: the game, by name (:data:`hedonic.game.methods.GAME_METHODS`);
    - additive games: ``tau`` (a number, or "auto": :func:`~hedonic.game.additive_dynamics.noise_tau`);
    - top-responsive games: friends are each neuron's ``k`` best partners with φ > ``threshold``
      (None: no floor), over all neurons (``choice = "fixed"``, optionally ``mutual``) or among those
      not yet in a coalition (``"available"``, the paper's multi-friend utility);
    - PAC: ``m`` sampled coalitions (None: 50000, or from ``epsilon`` and ``delta``) of sizes 2..``max_k``;
    - ``max_size``: the additive games' cap, the top covers' size-control bound ("auto":
      :func:`auto_max_size`; None: none);
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
    max_size: int | str | None = AUTO
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
        if isinstance(self.tau, str) and self.tau != AUTO or not isinstance(self.tau, str) and not math.isfinite(self.tau):
            raise ConfigError(f"tau must be a finite number or 'auto', got {self.tau!r}", hint="e.g. tau='auto' (from φ's noise) or tau=0.5")
        if isinstance(self.max_size, str) and self.max_size != AUTO:
            raise ConfigError(f"max_size must be an integer, 'auto' or None, got {self.max_size!r}", hint="e.g. max_size=64")
        if self.max_size is not None and not isinstance(self.max_size, str):
            _positive_int("max_size", self.max_size, 1)

    def size_bound(self, n: int) -> int | None:
        """``max_size`` for a game of n players ("auto" resolved)."""
        return auto_max_size(n) if self.max_size == AUTO else self.max_size  # type: ignore[return-value]

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return asdict(self)


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}", hint=f"pass {name} >= {minimum}")
    return int(value)


DEFAULTS = GameSettings()
"""The defaults shared by :func:`~hedonic.game.discover`, ``hedonic discover`` and ``[game]``."""
