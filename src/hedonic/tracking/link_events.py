"""The links rule (the default): events read from the specific links of a link test.

A link (p, q) is *specific* when the link test finds it stronger than size-matched random
groups on both sides (:mod:`hedonic.tracking.link_tests` for the virtual weights,
:mod:`hedonic.tracking.causal` for ablations through the next layer). With those links:

- **persist** p → q: p has exactly one specific target q, and q exactly one specific source p;
- **split** p → {q}: p has two or more specific targets;
- **merge** {p} → q: q has two or more specific sources;
- **vanish** p: p has no specific link; **emerge** q: q has none.

A split source may also feed a merge target. Percentages as under the τ rule: persist, split
and vanish over the P sources; merge and emerge over the Q targets. So "vanish" reads as "no
link the test can see" — above the detection floor s_min of :mod:`hedonic.tracking.floor` — not
as "no influence". The kept ``links`` are the specific links (with S); the matching is the
maximum-weight matching of S restricted to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from hedonic.errors import ConfigError
from hedonic.tracking.events import Event, Tracking, check_influence, max_weight_matching

LINKS_RULE: Final = "links"


@dataclass(frozen=True)
class LinkThresholds:
    """The links rule has no thresholds of its own: the BH level of the link test decides (``TrackingOptions.link_level``)."""


def classify_links(influence: np.ndarray, thresholds: LinkThresholds, links: set[tuple[int, int]] | None) -> Tracking:
    """Events of the specific ``links`` {(p, q)} between the sources and targets of S (P × Q), as in the module docstring.

    S gives the strengths recorded with each event and link; :class:`ConfigError` without links.
    """
    if links is None:
        raise ConfigError("the links rule needs the link tests of the layer pair", hint="track with a link test, or use rule 'shares'")
    values = check_influence(influence)
    n_sources, n_targets = values.shape
    specific = np.zeros(values.shape, dtype=bool)
    for p, q in links:
        specific[p, q] = True
    parents = specific.sum(axis=0)
    events: list[Event] = []
    for p in range(n_sources):
        targets = np.flatnonzero(specific[p])
        if len(targets) == 1 and parents[targets[0]] == 1:
            events.append(Event("persist", (p,), (int(targets[0]),), (float(values[p, targets[0]]),)))
        elif len(targets) >= 2:
            events.append(Event("split", (p,), tuple(int(q) for q in targets), tuple(float(values[p, q]) for q in targets)))
        elif not len(targets):
            events.append(Event("vanish", (p,), (), (float(values[p].max(initial=0.0)),)))
    for merged in np.flatnonzero(parents >= 2):
        sources = np.flatnonzero(specific[:, merged])
        events.append(Event("merge", tuple(int(p) for p in sources), (int(merged),), tuple(float(values[p, merged]) for p in sources)))
    for emerged in np.flatnonzero(parents == 0):
        events.append(Event("emerge", (), (int(emerged),), (float(values[:, emerged].max(initial=0.0)),)))
    masked = np.where(specific, values, 0.0)
    matched = [(p, q) for p, q in max_weight_matching(masked) if specific[p, q]] if values.size else []
    return Tracking(
        thresholds=thresholds,
        reference=None,
        cutoff=None,
        max_influence=float(values.max()) if values.size else 0.0,
        n_sources=n_sources,
        n_targets=n_targets,
        links=tuple((int(p), int(q), float(values[p, q])) for p, q in np.argwhere(specific)),
        matching=tuple((p, q, float(values[p, q])) for p, q in matched),
        events=tuple(events),
        rule=LINKS_RULE,
    )
