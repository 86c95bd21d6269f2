"""The game's parameters: their one declaration, their checks and their one set of defaults.

:class:`GameParameters` declares every parameter of the game (name, type, default) once; the run
configuration's ``[game]`` table is it (:class:`hedonic.pipeline.config.GameSection`), read by the
configuration's one decoder (``"none"`` for ``None``, :mod:`hedonic.spelling`).
:class:`GameSettings` is the same declaration checked; :func:`hedonic.game.discover` and
``hedonic discover`` take their defaults from :data:`DEFAULTS` (a test checks that library,
configuration and command line agree). The pipeline plays the game with these defaults, no
others. Former spellings (:data:`FORMER_SPELLINGS`) still read, with a :class:`FutureWarning`,
for one release. The default game is the
additively separable one (:mod:`hedonic.game.additive.dynamics`), chosen by measurement: on the
demo model its coalitions are more synergistic on held-out inputs than the paper's top-responsive
cover's and the baselines', and it recovers planted groups at layer scale (README, "The game").
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from hedonic.errors import ConfigError
from hedonic.game.additive.resolution import check_tau
from hedonic.spelling import AUTO, NONE, spell

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
class GameParameters:
    """Every parameter of :func:`~hedonic.game.discover` but φ, the seed and the neuron ids, declared once.

    - ``method``: the game, by name (:data:`hedonic.game.methods.GAME_METHODS`);
    - additive games: ``tau``, a number, a rule of :data:`~hedonic.game.additive.resolution.TAU_RULES`
      by name, or "auto" (the default rule, ``scaled``);
    - top-responsive games: friends are each neuron's ``k`` best partners (None: no limit, the
      threshold alone) with φ > ``threshold`` (None: no floor), over all neurons
      (``choice = "fixed"``, optionally ``mutual``) or among those not yet in a coalition
      (``"available"``, the paper's multi-friend utility; :data:`~hedonic.game.friends.choice.CHOICE_RULES`);
    - PAC: ``m`` sampled coalitions (None: 50000, or from ``epsilon`` and ``delta``) of sizes 2..``max_k``;
    - ``max_size``: the additive games' cap, the top covers' size-control bound, an integer,
      "auto" (:func:`auto_max_size`, a share of the layer) or "none" (:func:`size_setting`);
    - stability: ``stability_samples`` fresh coalitions from D (sizes 2..``max_k``), bound at
      confidence 1 − ``delta``.

    In TOML and on the command line ``None`` is written "none". The values are checked by
    :meth:`settings` (for ``[game]``, when the configuration is validated).
    """

    method: str = "additive"
    tau: float | str = AUTO
    choice: str = "available"
    k: int | None = 4
    threshold: float | None = 0.0
    mutual: bool = False
    m: int | None = None
    epsilon: float | None = None
    max_k: int = 10
    max_size: int | str = AUTO
    delta: float = 0.05
    stability_samples: int = 20000

    def settings(self) -> GameSettings:
        """The parameters checked, former spellings (:data:`FORMER_SPELLINGS`) read with a :class:`FutureWarning`."""
        return GameSettings(**{name: former_spelling(name, value) for name, value in self.as_dict().items()})

    def as_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON values."""
        return asdict(self)


@dataclass(frozen=True)
class GameSettings(GameParameters):
    """:class:`GameParameters` checked: a bad value raises :class:`ConfigError` when built, and
    ``max_size`` is held in its one spelling (:func:`size_setting`)."""

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


FORMER_SPELLINGS: Mapping[str, tuple[Any, Any]] = {"k": (0, None), "m": (0, None), "threshold": (-math.inf, None), "max_size": (0, AUTO)}
"""parameter → (former value, what it meant): ``k = 0`` (no limit), ``m = 0`` (the default),
``threshold = -inf`` (no floor) and ``max_size = 0`` (the layer-derived bound) of TOML files
(``k 0`` of the command line too) before "none" and "auto" were the one spelling."""


def former_spelling(name: str, value: Any, option: str | None = None) -> Any:
    """``value`` of the parameter ``name``, its former spelling (:data:`FORMER_SPELLINGS`) read as
    what it meant, with a :class:`FutureWarning` naming the word to write in ``[game]`` (or after
    the command-line ``option``)."""
    former, meaning = FORMER_SPELLINGS.get(name, (None, None))
    if former is None or isinstance(value, bool) or value != former:
        return value
    written = f"{option} {former}" if option else f"[game] {name} = {former}"
    word = f"{option} {spell(meaning)}" if option else f"{name} = {json.dumps(spell(meaning))}"
    warnings.warn(f"{written} is deprecated: write {word}", FutureWarning, stacklevel=3)
    return meaning


def _positive_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}", hint=f"pass {name} >= {minimum}")
    return int(value)


DEFAULTS = GameSettings()
"""The defaults shared by :func:`~hedonic.game.discover`, ``hedonic discover`` and ``[game]``."""
