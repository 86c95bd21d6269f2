"""The valuation stage's parameters, declared once: the run configuration's ``[valuation]`` is
:class:`ValuationParameters` (:class:`hedonic.pipeline.config.ValuationSection`), and
``hedonic valuation`` / ``hedonic collect`` take their defaults from :data:`DEFAULTS` (a test
checks that library, configuration and command line agree)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hedonic.valuation.build import DEFAULT_MEASURE, VALUATION_KINDS, Measure

if TYPE_CHECKING:
    ValuationKindName = str  # a Literal built from the table at runtime is no static type
else:
    ValuationKindName = Literal[tuple(VALUATION_KINDS)]
"""The names of :data:`hedonic.valuation.build.VALUATION_KINDS` (what ``[valuation] kind`` accepts)."""


@dataclass(frozen=True)
class ValuationParameters:
    """φ: its ``kind``, the players (``subset``: "all", "lora:K", "variance:K" or ids/ranges "0-63,100"),
    the OCA co-activation ``measure``, and the number of analysis inputs PAS-hess / PAS-exact use
    (``exact_inputs``, 0: all).

    The default, exact pairwise ablation synergy (closed form for the ``local`` readout), gave the
    demo's layer-3 coalitions held-out synergy orders of magnitude above OCA's; layer 4 is mixed
    (see README, "The game"). 24 inputs keep its cost within the demo's time budget.
    """

    kind: ValuationKindName = "pas-exact"
    subset: str = "all"
    measure: Measure = DEFAULT_MEASURE
    exact_inputs: int = 24


DEFAULTS = ValuationParameters()
"""The valuation's defaults (the run configuration's, the command line's)."""
