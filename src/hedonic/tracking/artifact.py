"""The events artifact of one layer pair ℓ → ℓ+1: kind ``"events"``, format version 1, plain JSON.

Top-level keys (besides ``kind`` and ``format_version``):

- ``source_layer``, ``target_layer``: ℓ and ℓ+1;
- ``source_coalitions``, ``target_coalitions``: each partition's coalitions as sorted neuron-id
  lists, in the partition's order (event indices point into these lists);
- ``settings``: how S was computed (``projection``, ``center``, ``weighting`` = ``"mean_abs"`` or
  ``"uniform"``, ``folded`` norms);
- ``thresholds`` (``tau``, ``presence``, ``floor``), ``reference`` r (median strongest link),
  ``cutoff`` θ and ``max_influence`` (max S);
- ``links``: kept links ``[p, q, S]`` (children or parents links, see :mod:`hedonic.tracking.events`);
- ``matching``: live pairs ``[p, q, S]`` of the maximum-weight matching;
- ``events``: ``{type, sources, targets, strengths, source_neurons, target_neurons}``;
- ``counts`` and ``percentages`` per event type, with ``percent_of`` naming the side
  (``"source"`` or ``"target"``) each percentage is over.

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
from hedonic.errors import ArtifactError, HedonicError
from hedonic.tracking.events import EVENT_TYPES, SOURCE_SIDE, Event, Thresholds, Tracking

EVENTS_KIND = "events"
EVENTS_FORMAT_VERSION = 1


@dataclass(frozen=True)
class LayerPairEvents:
    """Tracking result of layer pair ``source_layer`` → ``target_layer`` (coalitions as neuron ids)."""

    source_layer: int
    target_layer: int
    source_coalitions: tuple[tuple[int, ...], ...]
    target_coalitions: tuple[tuple[int, ...], ...]
    tracking: Tracking
    settings: Mapping[str, Any] = field(default_factory=dict)

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
            "source_coalitions": [list(group) for group in self.source_coalitions],
            "target_coalitions": [list(group) for group in self.target_coalitions],
            "settings": dict(self.settings),
            "thresholds": {
                "tau": tracking.thresholds.tau,
                "presence": tracking.thresholds.presence,
                "floor": tracking.thresholds.floor,
            },
            "reference": tracking.reference,
            "cutoff": tracking.cutoff,
            "max_influence": tracking.max_influence,
            "links": [list(link) for link in tracking.links],
            "matching": [list(pair) for pair in tracking.matching],
            "events": events,
            "counts": tracking.counts(),
            "percentages": tracking.percentages(),
            "percent_of": {kind: "source" if kind in SOURCE_SIDE else "target" for kind in EVENT_TYPES},
        }


def save_events(result: LayerPairEvents, path: str | Path) -> Path:
    """Write ``result`` as an events artifact (kind ``events``, version 1), atomically."""
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
    thresholds = Thresholds(**{key: float(document["thresholds"][key]) for key in ("tau", "presence", "floor")})
    events = tuple(_event(raw, sources, targets) for raw in document["events"])
    tracking = Tracking(
        thresholds=thresholds,
        reference=_number(document["reference"], "reference"),
        cutoff=_number(document["cutoff"], "cutoff"),
        max_influence=_number(document["max_influence"], "max_influence"),
        n_sources=limits["source"],
        n_targets=limits["target"],
        links=tuple(_link(raw, limits) for raw in document["links"]),
        matching=tuple(_link(raw, limits) for raw in document["matching"]),
        events=events,
    )
    if document["counts"] != tracking.counts():
        raise ValueError(f"counts {document['counts']} disagree with the events {tracking.counts()}")
    stored = document["percentages"]
    if set(stored) != set(EVENT_TYPES) or any(
        not np.isclose(float(stored[kind]), value) for kind, value in tracking.percentages().items()
    ):
        raise ValueError("percentages disagree with the events")
    return LayerPairEvents(
        source_layer=int(document["source_layer"]),
        target_layer=int(document["target_layer"]),
        source_coalitions=sources,
        target_coalitions=targets,
        tracking=tracking,
        settings=dict(document["settings"]),
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
    if [list(map(int, g)) for g in raw["source_neurons"]] != neurons[0] or [
        list(map(int, g)) for g in raw["target_neurons"]
    ] != neurons[1]:
        raise ValueError(f"the neuron ids of a {kind} event disagree with its coalitions")
    return event
