"""The statistics stage's parameters, declared once: the run configuration's ``[stats]`` is
:class:`StatsParameters` (:class:`hedonic.pipeline.config.StatsSection`); :func:`hedonic.stats.collect_stats`
and ``hedonic collect`` take their defaults from :data:`DEFAULTS` (a test checks that they agree).

One difference is deliberate: a run collects the gradient moments by default (``grad = "local"``,
for PAS-grad and the report), while the library and ``hedonic collect`` collect them only when
asked (``grad=None``; ``--grad``, with ``--readout`` defaulting to :data:`DEFAULTS`' ``grad``):
they double the cost of a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hedonic.stats.moments import TokenScope


@dataclass(frozen=True)
class StatsParameters:
    """Statistics: which tokens enter them (``tokens``: each input's readout token, or all its
    real tokens) and the readout of the gradient moments (``grad``; "none": no gradients)."""

    tokens: TokenScope = "readout"
    grad: Literal["local", "model", "none"] = "local"


DEFAULTS = StatsParameters()
"""The statistics' defaults (the run configuration's, the library's and the command line's)."""
