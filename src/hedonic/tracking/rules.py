"""The event rules by name: one table that the pipeline, the CLI and the artifact read.

- ``links`` (default): events read from the specific links of the link test
  (:mod:`hedonic.tracking.link_events`), thresholds
  :class:`~hedonic.tracking.link_events.LinkThresholds` (none: the test's BH level decides);
- ``shares``: transition shares α / β (:mod:`hedonic.tracking.transitions`), thresholds
  :class:`~hedonic.tracking.transitions.ShareThresholds`;
- ``tau``: the τ-relative rule with matching (:mod:`hedonic.tracking.events`), thresholds
  :class:`~hedonic.tracking.events.Thresholds`.

Each rule maps an influence matrix S (P × Q), its thresholds and the specific links {(p, q)}
(read by the links rule only) to a :class:`~hedonic.tracking.events.Tracking`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Final

from hedonic.errors import ConfigError
from hedonic.tracking.events import SHARES_RULE, TAU_RULE, Thresholds, Tracking, classify_events
from hedonic.tracking.link_events import LINKS_RULE, LinkThresholds, classify_links
from hedonic.tracking.transitions import ShareThresholds, classify_transitions

if TYPE_CHECKING:
    import numpy as np

Links = set[tuple[int, int]] | None


@dataclass(frozen=True)
class EventRule:
    """A rule: its ``thresholds`` dataclass and the ``classify`` function (S, thresholds, specific links) → Tracking."""

    thresholds: type
    classify: Callable[[np.ndarray, Any, Links], Tracking]


EVENT_RULES: dict[str, EventRule] = {
    LINKS_RULE: EventRule(LinkThresholds, classify_links),
    SHARES_RULE: EventRule(ShareThresholds, lambda influence, thresholds, _links: classify_transitions(influence, thresholds)),
    TAU_RULE: EventRule(Thresholds, lambda influence, thresholds, _links: classify_events(influence, thresholds)),
}
DEFAULT_RULE: Final = LINKS_RULE


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


def classify(influence: np.ndarray, thresholds: Any, links: Links = None) -> Tracking:
    """Events of S (P × Q) under the rule that ``thresholds`` belong to; ``links``: the specific links (the links rule needs them)."""
    return EVENT_RULES[rule_of(thresholds)].classify(influence, thresholds, links)


def thresholds_from(rule: str, values: Mapping[str, Any]) -> Any:
    """The thresholds of ``rule`` from a mapping of their fields (e.g. an artifact's ``thresholds``)."""
    return check_rule(rule).thresholds(**{key: float(value) for key, value in values.items()})


def thresholds_dict(thresholds: Any) -> dict[str, float]:
    """The fields of a thresholds object as plain floats."""
    return {key: float(value) for key, value in asdict(thresholds).items()}


def rule_thresholds(rule: str, **values: float) -> Any:
    """The thresholds of ``rule`` from keyword values, of which only the fields of its thresholds class are read.

    E.g. ``rule_thresholds("shares", alpha=0.5, beta=0.5, tau=0.3)`` ignores ``tau``.
    """
    thresholds = check_rule(rule).thresholds
    return thresholds(**{field.name: values[field.name] for field in fields(thresholds) if field.name in values})
