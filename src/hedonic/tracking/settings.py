"""The tracking's parameters, declared once: the run configuration's ``[tracking]`` is
:class:`TrackingParameters` (:class:`hedonic.pipeline.config.TrackingSection`), whose defaults are the
library's (:class:`~hedonic.tracking.chain.TrackingOptions` and its parts); ``hedonic track`` reads
them, and :meth:`TrackingParameters.options` / :meth:`~TrackingParameters.sankey` turn them into the
library's settings. What the Sankey draws by default is the run's choice, named once:
:data:`RUN_LINK_THRESHOLD` and :data:`RUN_SANKEY_TOP_K` (a test checks that library, configuration
and command line agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hedonic.errors import ConfigError
from hedonic.tracking.bootstrap import BootstrapSettings
from hedonic.tracking.causal import DEFAULT_CAUSAL_MODE, CausalSettings
from hedonic.tracking.chain import DEFAULT_MEASURE, DEFAULT_MIN_SIZE, TrackingOptions
from hedonic.tracking.events import Thresholds
from hedonic.tracking.floor import DEFAULT_STRENGTHS, FloorSettings
from hedonic.tracking.link_tests import DEFAULT_STATISTIC
from hedonic.tracking.rules import DEFAULT_RULE, rule_thresholds
from hedonic.tracking.sankey import SankeyOptions
from hedonic.tracking.transitions import DEFAULT_ALPHA, DEFAULT_BETA
from hedonic.tracking.virtual_weights import BOTH

RUN_LINK_THRESHOLD = 0.2
"""The Sankey of a run draws the links above this share of their source's strongest (the library draws every link)."""
RUN_SANKEY_TOP_K = 40
"""The Sankey of a run draws the 40 largest tracked coalitions per layer (the library draws all)."""


@dataclass(frozen=True)
class TrackingParameters:
    """Cross-layer tracking (spec §7, :mod:`hedonic.tracking`): only coalitions of at least
    ``min_size`` neurons are tracked (10, as in the paper). The event ``rule``: ``links`` (events
    read from the specific links of the link ``measure``, :mod:`hedonic.tracking.link_events`),
    ``shares`` (transition shares; a share is high at ``alpha`` for α, ``beta`` for β,
    :mod:`hedonic.tracking.transitions`) or ``tau`` (thresholds ``tau`` and ``presence``,
    :mod:`hedonic.tracking.events`). The ``measure``: ``weights`` (the virtual weights, test
    ``link_statistic``, :mod:`hedonic.tracking.link_tests`) or ``causal`` (each source coalition
    ablated in ``causal_mode`` through the next layer on ``causal_inputs`` analysis inputs against
    ``causal_groups`` random groups, :mod:`hedonic.tracking.causal`; the weight test runs too). The
    detection floor plants ``floor_links`` links at each of ``floor_strengths``
    (:mod:`hedonic.tracking.floor`; 0 links: no floor), into the causal test too with
    ``causal_floor``. Each event share of the shares and τ rules gets a percentile interval over
    ``bootstrap`` resamples of the analysis inputs behind E|a| (0: none). The input
    ``projection``, and what the Sankey draws: links above ``link_threshold`` of the source's
    strongest, the ``sankey_top_k`` largest tracked coalitions per layer (0: all)."""

    rule: Literal["links", "shares", "tau"] = DEFAULT_RULE
    measure: Literal["weights", "causal"] = DEFAULT_MEASURE
    link_statistic: Literal["polish", "influence"] = DEFAULT_STATISTIC
    floor_links: int = FloorSettings.links
    floor_strengths: list[float] = field(default_factory=lambda: list(DEFAULT_STRENGTHS))
    causal_mode: Literal["zero", "mean"] = DEFAULT_CAUSAL_MODE
    causal_inputs: int = CausalSettings.inputs
    causal_groups: int = CausalSettings.random_groups
    causal_floor: bool = False
    min_size: int = DEFAULT_MIN_SIZE
    alpha: float = DEFAULT_ALPHA
    beta: float = DEFAULT_BETA
    bootstrap: int = BootstrapSettings.resamples
    tau: float = Thresholds.tau
    presence: float = Thresholds.presence
    projection: Literal["gate", "up", "fc", "both"] = BOTH
    link_threshold: float = RUN_LINK_THRESHOLD
    sankey_top_k: int = RUN_SANKEY_TOP_K

    def __post_init__(self) -> None:
        if self.min_size < 1:
            raise ConfigError(f"[tracking] min_size must be ≥ 1, got {self.min_size}", hint="e.g. 10")
        if self.bootstrap < 0 or self.bootstrap == 1:
            raise ConfigError(f"[tracking] bootstrap must be 0 (no intervals) or ≥ 2, got {self.bootstrap}", hint="e.g. 200")
        for name, value in (("alpha", self.alpha), ("beta", self.beta)):
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"[tracking] {name} must lie in (0, 1], got {value}", hint="e.g. 0.5")

    def options(self, seed: int) -> TrackingOptions:
        """How to track (:class:`~hedonic.tracking.chain.TrackingOptions`), these parameters with the ``seed``."""
        return TrackingOptions(
            projection=self.projection,
            thresholds=rule_thresholds(self.rule, alpha=self.alpha, beta=self.beta, tau=self.tau, presence=self.presence),
            min_size=self.min_size,
            bootstrap=BootstrapSettings(resamples=self.bootstrap, seed=seed),
            statistic=self.link_statistic,
            floor=FloorSettings(strengths=tuple(self.floor_strengths), links=self.floor_links, seed=seed),
            measure=self.measure,
            causal=CausalSettings(mode=self.causal_mode, inputs=self.causal_inputs, random_groups=self.causal_groups, seed=seed),
            causal_floor=self.causal_floor,
        )

    def sankey(self) -> SankeyOptions:
        """What the Sankey diagrams draw (``sankey_top_k = 0``: every tracked coalition)."""
        return SankeyOptions(link_threshold=self.link_threshold, min_size=self.min_size, top_k=self.sankey_top_k or None)
