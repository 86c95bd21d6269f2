"""The events artifact: round trip, byte-identical rewrites, validation on load."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hedonic.artifacts import write_json
from hedonic.errors import ArtifactError
from hedonic.tracking import EVENT_TYPES, EVENTS_FORMAT_VERSION, LayerPairEvents, classify_transitions, load_events, save_events
from tests.tracking.conftest import COALITIONS, INFLUENCE, links_pair

MakePair = Callable[..., LayerPairEvents]


def test_round_trip_keeps_everything(tmp_path: Path, make_pair: MakePair) -> None:
    result = make_pair(4)
    loaded = load_events(save_events(result, tmp_path / "events.json"))
    assert loaded == LayerPairEvents(
        result.source_layer,
        result.target_layer,
        result.source_coalitions,
        result.target_coalitions,
        result.tracking,
        dict(result.settings),
    )


def test_shares_rule_with_intervals_round_trips(tmp_path: Path) -> None:
    result = LayerPairEvents(
        4,
        5,
        COALITIONS[4],
        COALITIONS[5],
        classify_transitions(INFLUENCE[4]),
        {"weighting": "mean_abs"},
        min_size=2,
        untracked=(3, 1),
        intervals={kind: (1.0, 2.0) for kind in EVENT_TYPES},
        bootstrap={"resamples": 10, "confidence": 0.95, "seed": 0, "inputs": 8, "tokens": "readout"},
    )
    path = save_events(result, tmp_path / "events.json")
    assert load_events(path) == result
    document = json.loads(path.read_text())
    assert document["rule"] == "shares" and document["thresholds"] == {"alpha": 0.5, "beta": 0.5}
    assert document["percent_of"]["merge"] == "source" and document["untracked"] == {"source": 3, "target": 1}
    assert document["intervals"]["vanish"] == [1.0, 2.0] and document["reference"] is None


def test_links_rule_with_both_measures_round_trips(tmp_path: Path) -> None:
    result = links_pair()
    path = save_events(result, tmp_path / "events.json")
    assert load_events(path) == result and load_events(path).confirmed() == ({(0, 0)}, {(1, 2), (2, 0)})
    document = json.loads(path.read_text())
    assert document["rule"] == "links" and document["thresholds"] == {} and document["settings"]["measure"] == "causal"
    assert document["floor"]["s_min"] == 0.1 and document["causal"]["floor"]["found"] == [1, 3]
    assert document["causal"]["empirical_p"] == [0.02, 0.02] and document["decomposition"]["specific"] == 0.05
    assert document["link_tests"]["statistic"] == "polish" and document["causal"]["statistic"] == "causal"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["causal"].update(empirical_p=[0.5]), "one empirical p per specific link"),
        (lambda d: d["decomposition"].update(source=0.5), "sum to 1"),
        (lambda d: d["floor"].update(found=[1]), "one found count per strength"),
        (lambda d: d["causal"]["specific"].append([9, 0, 1.0, 0.1]), "source coalition index 9 out of range"),
    ],
)
def test_inconsistent_link_fields_are_refused(tmp_path: Path, change: Callable[[dict], None], message: str) -> None:
    document = json.loads(save_events(links_pair(), tmp_path / "events.json").read_text())
    change(document)
    write_json(
        tmp_path / "bad.json", "events", EVENTS_FORMAT_VERSION, {k: v for k, v in document.items() if k not in ("kind", "format_version")}
    )
    with pytest.raises(ArtifactError, match=message):
        load_events(tmp_path / "bad.json")


def test_same_inputs_give_identical_bytes(tmp_path: Path, make_pair: MakePair) -> None:
    first = save_events(make_pair(4), tmp_path / "a.json").read_bytes()
    assert save_events(make_pair(4), tmp_path / "b.json").read_bytes() == first


def test_events_list_indices_and_neuron_ids(tmp_path: Path, make_pair: MakePair) -> None:
    document = json.loads(save_events(make_pair(4), tmp_path / "events.json").read_text())
    split = next(event for event in document["events"] if event["type"] == "split")
    assert split["sources"] == [0] and split["targets"] == [0, 1]
    assert split["source_neurons"] == [[0, 1]] and split["target_neurons"] == [[0], [1, 2]]
    assert document["percent_of"]["merge"] == "target" and document["percent_of"]["vanish"] == "source"
    assert document["kind"] == "events" and document["format_version"] == EVENTS_FORMAT_VERSION


def _rewrite(tmp_path: Path, result: LayerPairEvents, change: Any) -> Path:
    document = json.loads(save_events(result, tmp_path / "events.json").read_text())
    change(document)
    payload = {k: v for k, v in document.items() if k not in ("kind", "format_version")}
    return write_json(tmp_path / "edited.json", "events", EVENTS_FORMAT_VERSION, payload)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["events"][0].update(targets=[9]), "target coalition index 9"),
        (lambda d: d["events"][0].update(type="explode"), "unknown event type"),
        (lambda d: d["events"][0].update(source_neurons=[[7]]), "neuron ids"),
        (lambda d: d["links"].append([0, 0, -1.0]), "non-negative"),
        (lambda d: d["counts"].update(split=5), "counts"),
        (lambda d: d["percentages"].update(split=50.0), "percentages"),
        (lambda d: d["thresholds"].update(tau=2.0), "tau"),
        (lambda d: d.pop("matching"), "KeyError"),
        (lambda d: d["source_coalitions"].append([3, 1]), "sorted"),
        (lambda d: d.update(rule="magic"), "unknown event rule"),
        (lambda d: d.update(intervals={"split": [0, 1]}), "every event type"),
    ],
)
def test_inconsistent_files_are_refused(tmp_path: Path, make_pair: MakePair, change: Any, message: str) -> None:
    path = _rewrite(tmp_path, make_pair(4), change)
    with pytest.raises(ArtifactError, match=message) as error:
        load_events(path)
    assert str(path) in error.value.message and "hedonic track" in (error.value.hint or "")


def test_other_kinds_and_versions_are_refused(tmp_path: Path) -> None:
    write_json(tmp_path / "p.json", "partition", 1, {})
    with pytest.raises(ArtifactError, match="expected 'events'"):
        load_events(tmp_path / "p.json")
    write_json(tmp_path / "v.json", "events", EVENTS_FORMAT_VERSION + 1, {})
    with pytest.raises(ArtifactError, match="format version"):
        load_events(tmp_path / "v.json")
