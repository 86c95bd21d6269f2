"""The event rules by name: one table that the pipeline, the CLI and the artifact read.

- ``shares`` (default): transition shares α / β (:mod:`hedonic.tracking.transitions`),
  thresholds :class:`~hedonic.tracking.transitions.ShareThresholds`;
- ``tau``: the τ-relative rule with matching (:mod:`hedonic.tracking.events`), thresholds
  :class:`~hedonic.tracking.events.Thresholds`.

Each rule maps an influence matrix S (P × Q) and its thresholds to a
:class:`~hedonic.tracking.events.Tracking`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hedonic.errors import ConfigError
from hedonic.tracking.events import SHARES_RULE, TAU_RULE, Thresholds, Tracking, classify_events
from hedonic.tracking.transitions import ShareThresholds, classify_transitions


@dataclass(frozen=True)
class EventRule:
    """A rule: its ``thresholds`` dataclass and the ``classify`` function (S, thresholds) → Tracking."""

    thresholds: type
    classify: Callable[[np.ndarray, Any], Tracking]


EVENT_RULES: dict[str, EventRule] = {
    SHARES_RULE: EventRule(ShareThresholds, classify_transitions),
    TAU_RULE: EventRule(Thresholds, classify_events),
}
DEFAULT_RULE = SHARES_RULE


def check_rule(name: str) -> EventRule:
    """The rule called ``name``; :class:`ConfigError` listing the rules otherwise."""
    if name not in EVENT_RULES:
        raise ConfigError(f"unknown event rule {name!r}", hint=f"choose one of {', '.join(EVENT_RULES)}")
    return EVENT_RULES[name]


def rule_of(thresholds: Any) -> str:
    """The name of the rule whose thresholds class ``thresholds`` is an instance of."""
    for name, rule in EVENT_RULES.items():
        if isinstance(thresholds, rule.thresholds):
            return name
    raise ConfigError(f"{type(thresholds).__name__} are not the thresholds of an event rule")


def classify(influence: np.ndarray, thresholds: Any) -> Tracking:
    """Events of S (P × Q) under the rule that ``thresholds`` belong to."""
    return EVENT_RULES[rule_of(thresholds)].classify(influence, thresholds)


def thresholds_from(rule: str, values: Mapping[str, Any]) -> Any:
    """The thresholds of ``rule`` from a mapping of their fields (e.g. an artifact's ``thresholds``)."""
    return check_rule(rule).thresholds(**{key: float(value) for key, value in values.items()})


def thresholds_dict(thresholds: Any) -> dict[str, float]:
    """The fields of a thresholds object as plain floats."""
    return {key: float(value) for key, value in asdict(thresholds).items()}
