"""The detection floor of a link test: the smallest planted routing strength it finds.

The floor answers "would we have seen routing, had it been there?". It plants ``links``
one-to-one links between tracked coalitions of the pair (:mod:`hedonic.tracking.planting`: each
planted pair writes and reads a share s of its weights' energy in a subspace of its own) at each
strength s of a grid, and reruns the same link test at the same sizes, inputs and level:
into the run's own virtual weights for the weights measure
(:func:`~hedonic.tracking.weight_links.weight_floor`), into the model's weights for the causal
measure (:func:`~hedonic.tracking.causal.causal_floor`). s_min is the smallest grid strength from
which at least ``power`` of the planted links are found at every larger grid strength (None: not
reached on the grid), so that "vanish" reads "no specific link above s_min". The planted links
compete with the pair's real links, which are left in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hedonic.errors import ConfigError
from hedonic.tracking.planting import DEFAULT_DIMS, PlantedLinks, planted_design

DEFAULT_STRENGTHS = (0.025, 0.05, 0.1, 0.2, 0.4)


@dataclass(frozen=True)
class FloorSettings:
    """The floor's grid of planted ``strengths`` (ascending, in (0, 1]), planted ``links`` per strength,
    the ``power`` (share of them found) that counts as detected, and the ``seed`` of the design and
    directions. ``links = 0`` turns the floor off."""

    strengths: tuple[float, ...] = DEFAULT_STRENGTHS
    links: int = 12
    power: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        if self.links < 0 or not 0.0 < self.power <= 1.0:
            raise ConfigError(
                f"floor links must be ≥ 0 and power in (0, 1], got {self.links} and {self.power}", hint="e.g. 12 links, power 0.9"
            )
        if (
            not self.strengths
            or list(self.strengths) != sorted(set(self.strengths))
            or not 0.0 < self.strengths[0] <= self.strengths[-1] <= 1.0
        ):
            raise ConfigError(
                f"floor strengths must be distinct, ascending and in (0, 1], got {list(self.strengths)}", hint="e.g. [0.05, 0.1, 0.2, 0.4]"
            )


@dataclass(frozen=True)
class DetectionFloor:
    """Planted links found per grid strength: ``found[k]`` of ``planted`` at ``strengths[k]``; ``s_min`` (None: not reached)."""

    strengths: tuple[float, ...]
    planted: int
    found: tuple[int, ...]
    power: float
    s_min: float | None

    def describe(self) -> str:
        """``"s_min 0.1"``, or ``"s_min > 0.4"`` when the grid's largest strength is not detected."""
        return f"s_min {self.s_min:g}" if self.s_min is not None else f"s_min > {self.strengths[-1]:g}"

    def payload(self) -> dict[str, object]:
        """The JSON form: ``strengths``, ``planted``, ``found``, ``power`` and ``s_min``."""
        return {
            "strengths": list(self.strengths),
            "planted": self.planted,
            "found": list(self.found),
            "power": self.power,
            "s_min": self.s_min,
        }


def smallest_detected(strengths: tuple[float, ...], found: tuple[int, ...], planted: int, power: float) -> float | None:
    """The smallest strength from which every larger grid strength finds at least ``power`` · ``planted`` links."""
    s_min = None
    for strength, count in zip(reversed(strengths), reversed(found), strict=True):
        if count < power * planted:
            break
        s_min = strength
    return s_min


def measure_floor(
    settings: FloorSettings, n_sources: int, n_targets: int, hidden: int, found_at: Callable[[PlantedLinks, float], int]
) -> DetectionFloor | None:
    """The floor of a test given ``found_at(design, s)``: planted links it finds at strength s; None when nothing can be planted.

    Plants min(``settings.links``, P, Q, d / 4) one-to-one links (d = ``hidden``).
    """
    count = min(settings.links, n_sources, n_targets, hidden // DEFAULT_DIMS)
    if count < 1:
        return None
    design = planted_design(n_sources, n_targets, persist=count, split=0, merge=0, seed=settings.seed)
    found = tuple(found_at(design, strength) for strength in settings.strengths)
    strengths = tuple(float(s) for s in settings.strengths)
    return DetectionFloor(strengths, count, found, settings.power, smallest_detected(strengths, found, count, settings.power))
