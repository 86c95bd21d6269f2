"""The events artifact of one layer pair ℓ → ℓ+1: kind ``"events"``, format version 4, plain JSON.

Top-level keys (besides ``kind`` and ``format_version``):

- ``source_layer``, ``target_layer``: ℓ and ℓ+1;
- ``min_size`` (new in 2): only coalitions of at least this many neurons are tracked;
  ``untracked`` (new in 2): ``{"source": n, "target": m}`` coalitions of each partition left out;
- ``source_coalitions``, ``target_coalitions``: the tracked coalitions as sorted neuron-id lists,
  in the partition's order (event indices point into these lists);
- ``settings``: how S was computed (``projection``, ``center``, ``weighting`` = ``"mean_abs"`` or
  ``"uniform"``, ``folded`` norms) and (new in 4) the link ``measure`` the links rule read
  (``"weights"`` or ``"causal"``);
- ``rule`` (new in 2): ``"links"`` (new in 4, events from the specific links,
  :mod:`hedonic.tracking.link_events`), ``"shares"`` (transition shares α/β,
  :mod:`hedonic.tracking.transitions`) or ``"tau"`` (:mod:`hedonic.tracking.events`);
  ``thresholds``: the rule's thresholds (none for links; ``alpha``, ``beta``; or ``tau``,
  ``presence``, ``floor``);
- ``reference`` r (median strongest link) and ``cutoff`` θ of the τ rule (null for shares),
  ``max_influence`` (max S);
- ``links``: kept links ``[p, q, S]`` (high-share links, or children / parents links);
- ``matching``: live pairs ``[p, q, S]`` of the maximum-weight matching;
- ``events``: ``{type, sources, targets, strengths, source_neurons, target_neurons}``;
- ``counts`` and ``percentages`` per event type, with ``percent_of`` naming the side
  (``"source"`` or ``"target"``) each percentage is over;
- ``intervals`` (new in 2): per event type the bootstrap interval ``[low, high]`` of its
  percentage, or null without per-input activity; ``bootstrap``: ``resamples``, ``confidence``,
  ``seed``, ``inputs`` (N analysis inputs resampled) and ``tokens``, or null
  (:mod:`hedonic.tracking.bootstrap`);
- ``link_tests`` (new in 3): the links of the virtual weights stronger than size-matched random
  groups on both sides (:mod:`hedonic.tracking.link_tests`): ``statistic`` (new in 4),
  ``level`` (BH), ``tested`` (P × Q) and ``specific`` = ``[[p, q, z, q_value], ...]``; null when
  nothing was tracked;
- ``floor`` (new in 4): the detection floor of that test (:mod:`hedonic.tracking.floor`):
  ``strengths``, ``planted`` links per strength, ``found`` per strength, ``power``, ``s_min``
  (null: not reached); null when nothing was planted;
- ``decomposition`` (new in 4): the shares ``source``, ``target``, ``specific`` of the variance
  of log S and its ``cells`` (:mod:`hedonic.tracking.decomposition`), or null;
- ``causal`` (new in 4): the causal link test (:mod:`hedonic.tracking.causal`): the fields of
  ``link_tests`` (statistic ``"causal"``), ``empirical_p`` per specific link, the
  ``decomposition`` of its log effects, its ``settings`` (``mode``, ``inputs``,
  ``random_groups``, ``seed``, ``tokens``), ``ablations`` per input, ``inputs`` used and its
  own ``floor`` (as ``floor``, links planted into the model; null when not measured); null
  with the weights measure.

Same inputs give a byte-identical file. :func:`load_events` validates every index and recomputes
counts and percentages from the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.artifacts import read_json, write_json
from hedonic.display import html_table
from hedonic.errors import ArtifactError, HedonicError
from hedonic.tracking.causal import CausalLinks, CausalSettings
from hedonic.tracking.decomposition import Decomposition
from hedonic.tracking.events import EVENT_TYPES, Event, Tracking
from hedonic.tracking.floor import DetectionFloor
from hedonic.tracking.link_tests import LinkTests
from hedonic.tracking.rules import thresholds_dict, thresholds_from
from hedonic.tracking.sankey import SankeyOptions, sankey_figure

EVENTS_KIND = "events"
EVENTS_FORMAT_VERSION = 4


@dataclass(frozen=True)
class LayerPairEvents:
    """Tracking result of layer pair ``source_layer`` → ``target_layer`` (tracked coalitions as neuron ids).

    ``min_size`` of a tracked coalition; ``untracked`` (sources, targets) coalitions left out;
    ``link_tests``: the weight links stronger than chance (None: not tested), with their detection
    ``floor``; ``causal``: the causal link test (None: not run); ``decomposition``: of log S;
    ``intervals``: bootstrap interval (0–100) of each event type's percentage, with the
    ``bootstrap`` settings (None: no intervals).
    """

    source_layer: int
    target_layer: int
    source_coalitions: tuple[tuple[int, ...], ...]
    target_coalitions: tuple[tuple[int, ...], ...]
    tracking: Tracking
    settings: Mapping[str, Any] = field(default_factory=dict)
    min_size: int = 1
    untracked: tuple[int, int] = (0, 0)
    link_tests: LinkTests | None = None
    floor: DetectionFloor | None = None
    causal: CausalLinks | None = None
    decomposition: Decomposition | None = None
    intervals: Mapping[str, tuple[float, float]] | None = None
    bootstrap: Mapping[str, Any] | None = None

    def share_texts(self) -> dict[str, str]:
        """Each event type's share as text: ``"97%"``, or ``"97% [96, 98]"`` with its bootstrap interval."""
        shares = self.tracking.percentages()
        return {
            kind: f"{shares[kind]:.0f}%"
            + ("" if self.intervals is None else f" [{self.intervals[kind][0]:.0f}, {self.intervals[kind][1]:.0f}]")
            for kind in EVENT_TYPES
        }

    def specific_links(self) -> str:
        """``"k of N"`` weight links stronger than size-matched random groups, or ``"–"`` when they were not tested."""
        return "–" if self.link_tests is None else self.link_tests.describe()

    def floor_text(self) -> str:
        """The detection floor of the weight link test, ``"s_min 0.1"``, or ``"–"``."""
        return "–" if self.floor is None else self.floor.describe()

    def causal_floor_text(self) -> str:
        """The detection floor of the causal link test, or ``"–"`` (not run or not measured)."""
        return "–" if self.causal is None or self.causal.floor is None else self.causal.floor.describe()

    def causal_links(self) -> str:
        """``"k of N"`` causal links, or ``"–"`` when the causal test was not run."""
        return "–" if self.causal is None else self.causal.tests.describe()

    def confirmed(self) -> tuple[set[tuple[int, int]], set[tuple[int, int]]] | None:
        """The weight links (p, q) that the causal test also finds, and those it does not; None without both tests."""
        if self.link_tests is None or self.causal is None:
            return None
        weights, causal = self.link_tests.pairs(), self.causal.tests.pairs()
        return weights & causal, weights - causal

    def confirmed_text(self) -> str:
        """``"k of m"`` weight links confirmed by the causal test, or ``"–"``."""
        split = self.confirmed()
        return "–" if split is None else f"{len(split[0])} of {len(split[0]) + len(split[1])}"

    def rule_text(self) -> str:
        """The rule with its thresholds, or (links rule) the measure and BH level it reads: ``"links (weights, BH 5%)"``."""
        if self.tracking.rule == "links":
            tests = self.causal.tests if self.causal is not None else self.link_tests
            level = f", BH {tests.level:.0%}" if tests is not None else ""
            return f"links ({self.settings.get('measure', 'weights')}{level})"
        return f"{self.tracking.rule} ({', '.join(f'{k} = {v:g}' for k, v in thresholds_dict(self.tracking.thresholds).items())})"

    def summary(self) -> str:
        """Event shares, then the weight links with their floor and log-S decomposition, then the causal links (where run), in one line."""
        text = ", ".join(f"{kind} {share}" for kind, share in self.share_texts().items())
        if self.link_tests is not None:
            parts = ([] if self.floor is None else [self.floor_text()]) + (
                [] if self.decomposition is None else [f"log S: {self.decomposition.describe()}"]
            )
            text += f"; weight links {self.specific_links()}" + (f" ({'; '.join(parts)})" if parts else "")
        if self.causal is not None:
            parts = [f"{self.confirmed_text()} weight links confirmed", *([] if self.causal.floor is None else [self.causal_floor_text()])]
            parts += [] if self.causal.decomposition is None else [f"log effect: {self.causal.decomposition.describe()}"]
            text += f"; causal links {self.causal_links()} ({'; '.join(parts)})"
        return text

    def __repr__(self) -> str:
        return (
            f"LayerPairEvents({self.source_layer}→{self.target_layer}: {self.tracking.n_sources}→{self.tracking.n_targets} coalitions of ≥ "
            f"{self.min_size} neurons, rule {self.rule_text()}; {self.summary()})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("layers", f"{self.source_layer} → {self.target_layer}"),
            ("tracked coalitions", f"{self.tracking.n_sources} → {self.tracking.n_targets} (≥ {self.min_size} neurons)"),
            ("rule", self.rule_text()),
            *self.share_texts().items(),
            ("specific links (weights)", self.specific_links()),
            ("detection floor", self.floor_text()),
            ("log S variance", "–" if self.decomposition is None else self.decomposition.describe()),
            ("causal links", self.causal_links()),
            ("causal detection floor", self.causal_floor_text()),
            ("weight links confirmed causally", self.confirmed_text()),
            (
                "log effect variance",
                "–" if self.causal is None or self.causal.decomposition is None else self.causal.decomposition.describe(),
            ),
        ]
        note = f"{', '.join(self.tracking.source_side)}: % of layer {self.source_layer}'s tracked coalitions; the others: % of layer {self.target_layer}'s."
        return html_table("Coalition events", rows, note=note)

    def plot(self, options: SankeyOptions | None = None) -> Any:
        """The Sankey diagram of this layer pair (:func:`hedonic.tracking.sankey.sankey_figure`), a Plotly figure."""
        return sankey_figure([self], options)

    def payload(self) -> dict[str, Any]:
        """The JSON payload of the artifact (see the module docstring)."""
        tracking = self.tracking
        events = [
            {
                "type": event.type,
                "sources": list(event.sources),
                "targets": list(event.targets),
                "strengths": list(event.strengths),
                "source_neurons": [list(self.source_coalitions[p]) for p in event.sources],
                "target_neurons": [list(self.target_coalitions[q]) for q in event.targets],
            }
            for event in tracking.events
        ]
        return {
            "source_layer": self.source_layer,
            "target_layer": self.target_layer,
            "min_size": self.min_size,
            "untracked": {"source": self.untracked[0], "target": self.untracked[1]},
            "source_coalitions": [list(group) for group in self.source_coalitions],
            "target_coalitions": [list(group) for group in self.target_coalitions],
            "settings": dict(self.settings),
            "rule": tracking.rule,
            "thresholds": thresholds_dict(tracking.thresholds),
            "reference": tracking.reference,
            "cutoff": tracking.cutoff,
            "max_influence": tracking.max_influence,
            "links": [list(link) for link in tracking.links],
            "matching": [list(pair) for pair in tracking.matching],
            "events": events,
            "counts": tracking.counts(),
            "percentages": tracking.percentages(),
            "percent_of": {kind: "source" if kind in tracking.source_side else "target" for kind in EVENT_TYPES},
            "intervals": None if self.intervals is None else {kind: list(self.intervals[kind]) for kind in EVENT_TYPES},
            "bootstrap": None if self.bootstrap is None else dict(self.bootstrap),
            "link_tests": None if self.link_tests is None else self.link_tests.payload(),
            "floor": None if self.floor is None else self.floor.payload(),
            "decomposition": None if self.decomposition is None else self.decomposition.payload(),
            "causal": None if self.causal is None else self.causal.payload(),
        }


def link_notes(chain: Sequence[LayerPairEvents]) -> list[str]:
    """What the link columns of an events table mean, with each pair's decompositions: one sentence per line."""
    if not chain:
        return []
    first, lines = chain[0], []
    if first.link_tests is not None:
        lines.append(
            f"links: weight links stronger than size-matched random groups of source and of target neurons on both sides "
            f"(statistic {first.link_tests.statistic}, Benjamini–Hochberg {first.link_tests.level:.0%}), of all P × Q links"
        )
    floor = next((pair.floor for pair in chain if pair.floor is not None), None)
    if floor is not None:
        grid = ", ".join(f"{s:g}" for s in floor.strengths)
        lines.append(
            f"s_min (detection floor): the smallest routing strength s (share of the planted weights' energy in a link's own subspace; grid {grid}) from which "
            f"≥ {floor.power:.0%} of {floor.planted} links planted into the pair's virtual weights are found; 'vanish' = no specific link above it"
        )
    lines += [_decomposition_line("log S variance", [(pair, pair.decomposition) for pair in chain])]
    causal = [(pair, pair.causal) for pair in chain if pair.causal is not None]
    if causal:
        first_links = causal[0][1]
        lines.append(
            f"causal: causal links, each source coalition ablated ({first_links.settings.mode}) at layer ℓ and the model rerun through ℓ+1 on {first_links.inputs} inputs; "
            f"a link is specific when the target's mean |Δa| beats {first_links.settings.random_groups} size-matched random source groups and the "
            f"source's other targets (both sides, BH); confirmed: weight links the causal test also finds"
        )
        lines += [_decomposition_line("log effect variance", [(pair, links.decomposition) for pair, links in causal])]
        floors = [
            f"{pair.source_layer}→{pair.target_layer} {pair.causal_floor_text().removeprefix('s_min ')}"
            for pair, links in causal
            if links.floor is not None
        ]
        if floors:
            lines.append(f"causal s_min (links planted into the model's weights, the same grid): {', '.join(floors)}")
    if first.tracking.rule == "links":
        lines.append("no intervals: the links rule does not read E|a| (the uncertainty that matters is the floor)")
    return [line for line in lines if line]


def _decomposition_line(name: str, parts: Sequence[tuple[LayerPairEvents, Decomposition | None]]) -> str:
    """``"log S variance (source / target / specific): 2→3 97/1/1%, …"``, or ``""`` without any decomposition."""
    known = [(pair, part) for pair, part in parts if part is not None]
    if not known:
        return ""
    cells = ", ".join(
        f"{pair.source_layer}→{pair.target_layer} {part.source:.0%}/{part.target:.0%}/{part.specific:.0%}" for pair, part in known
    )
    return f"{name} (source loudness / target sensitivity / specific routing): {cells}"


def save_events(result: LayerPairEvents, path: str | Path) -> Path:
    """Write ``result`` as an events artifact (kind ``events``, version :data:`EVENTS_FORMAT_VERSION`), atomically."""
    return write_json(path, EVENTS_KIND, EVENTS_FORMAT_VERSION, result.payload())


def load_events(path: str | Path) -> LayerPairEvents:
    """Read and validate an events artifact written by :func:`save_events`.

    Raises :class:`ArtifactError` naming the file when it is corrupt, of another kind or version,
    or inconsistent (an index out of range, an unknown event type, neuron lists that disagree with
    the coalitions, counts that disagree with the events).
    """
    document = read_json(path, EVENTS_KIND, EVENTS_FORMAT_VERSION)
    try:
        result = _parse(document)
    except HedonicError as exc:
        raise ArtifactError(f"{path}: invalid events artifact ({exc.message})", hint=_REWRITE) from exc
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ArtifactError(f"{path}: invalid events artifact ({type(exc).__name__}: {exc})", hint=_REWRITE) from exc
    return result


_REWRITE = "the file was edited or truncated; rerun `hedonic track` to rewrite it"


def _parse(document: Mapping[str, Any]) -> LayerPairEvents:
    sources = _coalitions(document["source_coalitions"])
    targets = _coalitions(document["target_coalitions"])
    limits = {"source": len(sources), "target": len(targets)}
    rule = str(document["rule"])
    thresholds = thresholds_from(rule, document["thresholds"])
    events = tuple(_event(raw, sources, targets) for raw in document["events"])
    tracking = Tracking(
        thresholds=thresholds,
        reference=None if document["reference"] is None else _number(document["reference"], "reference"),
        cutoff=None if document["cutoff"] is None else _number(document["cutoff"], "cutoff"),
        max_influence=_number(document["max_influence"], "max_influence"),
        n_sources=limits["source"],
        n_targets=limits["target"],
        links=tuple(_link(raw, limits) for raw in document["links"]),
        matching=tuple(_link(raw, limits) for raw in document["matching"]),
        events=events,
        rule=rule,
    )
    if document["counts"] != tracking.counts():
        raise ValueError(f"counts {document['counts']} disagree with the events {tracking.counts()}")
    stored = document["percentages"]
    if set(stored) != set(EVENT_TYPES) or any(not np.isclose(float(stored[kind]), value) for kind, value in tracking.percentages().items()):
        raise ValueError("percentages disagree with the events")
    intervals = document["intervals"]
    if intervals is not None and set(intervals) != set(EVENT_TYPES):
        raise ValueError("intervals must name every event type")
    return LayerPairEvents(
        source_layer=int(document["source_layer"]),
        target_layer=int(document["target_layer"]),
        source_coalitions=sources,
        target_coalitions=targets,
        tracking=tracking,
        settings=dict(document["settings"]),
        min_size=int(document["min_size"]),
        untracked=(int(document["untracked"]["source"]), int(document["untracked"]["target"])),
        intervals=None if intervals is None else {kind: (float(intervals[kind][0]), float(intervals[kind][1])) for kind in EVENT_TYPES},
        bootstrap=None if document["bootstrap"] is None else dict(document["bootstrap"]),
        link_tests=None if document["link_tests"] is None else _link_tests(document["link_tests"], limits),
        floor=None if document["floor"] is None else _floor(document["floor"]),
        decomposition=None if document["decomposition"] is None else _decomposition(document["decomposition"]),
        causal=None if document["causal"] is None else _causal(document["causal"], limits),
    )


def _link_tests(raw: Mapping[str, Any], limits: Mapping[str, int]) -> LinkTests:
    links = tuple(
        (_index(p, limits["source"], "source"), _index(q, limits["target"], "target"), float(z), float(q_value))
        for p, q, z, q_value in raw["specific"]
    )
    return LinkTests(links, int(raw["tested"]), float(raw["level"]), str(raw["statistic"]))


def _floor(raw: Mapping[str, Any]) -> DetectionFloor:
    strengths, found = tuple(float(s) for s in raw["strengths"]), tuple(int(k) for k in raw["found"])
    if len(strengths) != len(found):
        raise ValueError("the floor needs one found count per strength")
    return DetectionFloor(strengths, int(raw["planted"]), found, float(raw["power"]), None if raw["s_min"] is None else float(raw["s_min"]))


def _decomposition(raw: Mapping[str, Any]) -> Decomposition:
    parts = [_number(raw[key], f"decomposition {key}") for key in ("source", "target", "specific")]
    if not np.isclose(sum(parts), 1.0):
        raise ValueError("the decomposition shares must sum to 1")
    source, target, specific = parts
    return Decomposition(source, target, specific, int(raw["cells"]))


def _causal(raw: Mapping[str, Any], limits: Mapping[str, int]) -> CausalLinks:
    tests = _link_tests(raw, limits)
    empirical = tuple(float(p) for p in raw["empirical_p"])
    if len(empirical) != len(tests.links):
        raise ValueError("the causal test needs one empirical p per specific link")
    decomposition = None if raw["decomposition"] is None else _decomposition(raw["decomposition"])
    floor = None if raw["floor"] is None else _floor(raw["floor"])
    return CausalLinks(
        tests, empirical, decomposition, None, CausalSettings(**raw["settings"]), int(raw["ablations"]), int(raw["inputs"]), floor
    )


def _coalitions(raw: Sequence[Sequence[int]]) -> tuple[tuple[int, ...], ...]:
    groups = tuple(tuple(int(i) for i in group) for group in raw)
    if any(not group or list(group) != sorted(set(group)) for group in groups):
        raise ValueError("every coalition must be a non-empty sorted list of distinct neuron ids")
    return groups


def _number(value: Any, name: str) -> float:
    number = float(value)
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {value!r}")
    return number


def _index(value: Any, limit: int, side: str) -> int:
    index = int(value)
    if not 0 <= index < limit:
        raise ValueError(f"{side} coalition index {index} out of range (there are {limit})")
    return index


def _link(raw: Sequence[Any], limits: Mapping[str, int]) -> tuple[int, int, float]:
    p, q, value = raw
    return _index(p, limits["source"], "source"), _index(q, limits["target"], "target"), _number(value, "link strength")


def _event(raw: Mapping[str, Any], sources: Sequence[tuple[int, ...]], targets: Sequence[tuple[int, ...]]) -> Event:
    kind = str(raw["type"])
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r} (known: {', '.join(EVENT_TYPES)})")
    event = Event(
        type=kind,
        sources=tuple(_index(p, len(sources), "source") for p in raw["sources"]),
        targets=tuple(_index(q, len(targets), "target") for q in raw["targets"]),
        strengths=tuple(_number(v, "event strength") for v in raw["strengths"]),
    )
    neurons = ([list(sources[p]) for p in event.sources], [list(targets[q]) for q in event.targets])
    if [list(map(int, g)) for g in raw["source_neurons"]] != neurons[0] or [list(map(int, g)) for g in raw["target_neurons"]] != neurons[1]:
        raise ValueError(f"the neuron ids of a {kind} event disagree with its coalitions")
    return event
