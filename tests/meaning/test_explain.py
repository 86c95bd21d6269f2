"""explain_layer on a tiny model, the meaning artifact (round trip, corrupt files), tables and helpers."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
from rich.console import Console

from hedonic.baselines import random_baseline
from hedonic.data import QueryDocPair, balanced_queries, by_length, iter_batches
from hedonic.errors import ArtifactError, ConfigError, DataError
from hedonic.game import Partition
from hedonic.meaning.artifacts import MEANING_FORMAT_VERSION, load_meaning, save_meaning
from hedonic.meaning.explain import MeaningResult, MeaningSettings, explain_layer
from hedonic.meaning.importance import NULL_METHOD
from hedonic.meaning.interpretation import coalition_activations
from hedonic.meaning.tables import meaning_tables, summary_lines
from hedonic.testing import TINY_VOCAB, tiny_model

LAYER = 1
SIZES = [6, 5, 5, 4, 4, 3, 3, 2]
WORDS = TINY_VOCAB[5:]
FAST = {"n_resamples": 99, "n_permutations": 99, "probe_draws": 4, "min_domain_size": 8}


def _candidates(queries: int = 8, per_query: int = 4, seed: int = 0) -> list[tuple[QueryDocPair, ...]]:
    rng = np.random.default_rng(seed)
    groups = []
    for q in range(queries):
        query = " ".join(rng.choice(WORDS, 3))
        domain = ("statements", "datamodel")[q % 2]
        groups.append(
            tuple(
                QueryDocPair(f"q{q}", f"d{d}", query, " ".join(rng.choice(WORDS, int(rng.integers(4, 9)))), float(d == 0), domain)
                for d in range(per_query)
            )
        )
    return groups


def _partitions() -> dict[str, Partition]:
    hedonic = Partition.from_labels(np.repeat(np.arange(len(SIZES)), SIZES), "pac-top-cover", layer=LAYER)
    kmeans = Partition.from_coalitions(random_baseline(range(32), SIZES, seed=5).coalitions, "kmeans", layer=LAYER)
    return {"hedonic": hedonic, "kmeans": kmeans}


@pytest.fixture(scope="module")
def result() -> MeaningResult:
    adapter = tiny_model("llama", layers=2, intermediate=32, seed=0)
    return explain_layer(adapter, LAYER, _partitions(), _candidates(), settings=MeaningSettings(**FAST), model_name="tiny")


def test_every_analysis_covers_every_method(result: MeaningResult) -> None:
    assert result.layer == LAYER and result.model == "tiny" and len(result.input_ids) == 32
    assert result.importance.methods == ("hedonic", "kmeans", NULL_METHOD)
    assert len(result.importance.of(NULL_METHOD)) == 2 * 8 and len(result.coalitions(NULL_METHOD, draw=3)) == 8
    assert [len(c) for c in result.coalitions(NULL_METHOD, draw=3)] == [len(c) for c in result.coalitions("hedonic")]
    assert result.importance.num_queries == 8 and result.importance.num_ranked == 8
    assert result.importance_comparison.methods == ("hedonic", "kmeans", NULL_METHOD)
    assert len(result.null_contrasts) == 4 * 16
    assert result.activations.shape == (32, 8) and set(result.features) == {"cqtr", "mean_tf_l", "bm25", "query_length", "doc_length"}
    assert len(result.interpretation.correlations) == 8 * 5 and len(result.interpretation.top_inputs) == 8 * 5
    assert [(s.method, s.draw) for s in result.interpretation.summaries][:2] == [("hedonic", 0), ("kmeans", 0)]
    assert len(result.interpretation.summaries) == 2 + 4
    assert {(s.method, s.train_domain, s.test_domain) for s in result.probes} >= {
        ("hedonic", "statements", "datamodel"),
        ("kmeans", "datamodel", "statements"),
    }
    assert len(result.probes) == (2 + 4) * 2 * 5
    null = {s.feature: s for s in result.probe_summary if s.method == NULL_METHOD}
    assert null["bm25"].draws == 4 and result.notes == ()


def test_round_trip_is_exact(result: MeaningResult, tmp_path: Path) -> None:
    path = save_meaning(result, tmp_path / "meaning" / "layer1.json")
    loaded = load_meaning(path)
    for name in (
        "model",
        "layer",
        "settings",
        "input_ids",
        "domains",
        "query_ids",
        "groups",
        "sources",
        "importance",
        "importance_comparison",
        "null_contrasts",
        "interpretation",
        "probes",
        "probe_summary",
        "notes",
    ):
        assert getattr(loaded, name) == getattr(result, name), name
    assert np.array_equal(loaded.activations, result.activations)
    assert all(np.array_equal(loaded.features[k], result.features[k]) for k in result.features)
    assert save_meaning(loaded, tmp_path / "again.json").read_text() == path.read_text()


def test_corrupt_files_fail_with_the_file_name(result: MeaningResult, tmp_path: Path) -> None:
    path = save_meaning(result, tmp_path / "layer1.json")
    text = path.read_text()
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2])
    with pytest.raises(ArtifactError, match="truncated.json"):
        load_meaning(truncated)
    document = json.loads(text)
    for edit in ("drop_importance", "short_activations", "unsorted_group", "kind"):
        broken = json.loads(text)
        if edit == "drop_importance":
            del broken["importance"]
        elif edit == "short_activations":
            broken["activations"] = broken["activations"][:-1]
        elif edit == "unsorted_group":
            broken["groups"][0]["neurons"] = broken["groups"][0]["neurons"][::-1]
        else:
            broken["kind"] = "synergy"
        target = tmp_path / f"{edit}.json"
        target.write_text(json.dumps(broken))
        with pytest.raises(ArtifactError, match=f"{edit}.json"):
            load_meaning(target)
    assert document["kind"] == "meaning" and document["format_version"] == MEANING_FORMAT_VERSION == 2


def test_tables_and_summary_render(result: MeaningResult) -> None:
    console = Console(record=True, width=250)
    for table in meaning_tables(result):
        console.print(table)
    text = console.export_text()
    for title in (
        "ndcg_drop, coalitions of size",
        "Most important hedonic coalitions",
        "most aligned",
        "Top-activating",
        "Alignment of each method",
        "Cross-domain ridge probes",
    ):
        assert title in text
    lines = summary_lines(result)
    assert (
        lines[0].startswith("score_drop: hedonic median")
        and "Cliff" in lines[0]
        and any(line.startswith("probes: hedonic") for line in lines)
    )


def test_held_out_inputs_must_not_have_built_phi_and_the_reference_is_needed() -> None:
    adapter = tiny_model("llama", layers=2, intermediate=32, seed=0)
    groups = _candidates(queries=2)
    with pytest.raises(DataError, match="were used to build φ"):
        explain_layer(adapter, LAYER, _partitions(), groups, exclude_ids={"q0:d1"})
    with pytest.raises(DataError, match="appears twice"):
        explain_layer(adapter, LAYER, _partitions(), [groups[0], groups[0]])
    with pytest.raises(ConfigError, match="no 'hedonic' partition"):
        explain_layer(adapter, LAYER, {"kmeans": _partitions()["kmeans"]}, groups)
    with pytest.raises(ConfigError, match="coalition"):
        explain_layer(adapter, LAYER, _partitions(), groups, settings=MeaningSettings(min_size=7, max_size=9))


def test_without_two_domains_the_probes_are_skipped_with_a_note() -> None:
    adapter = tiny_model("llama", layers=2, intermediate=32, seed=0)
    groups = [tuple(dataclasses.replace(p, domain=None) for p in g) for g in _candidates(queries=4)]
    small = explain_layer(adapter, LAYER, _partitions(), groups, settings=MeaningSettings(readout="local", **FAST))
    assert small.probes == () and small.notes and "fewer than two domains" in small.notes[-1]
    assert small.importance.readout == "local"


def test_settings_are_validated() -> None:
    with pytest.raises(ConfigError):
        MeaningSettings(min_size=5, max_size=4)
    with pytest.raises(ConfigError):
        MeaningSettings(max_coalitions=1)
    with pytest.raises(ConfigError):
        MeaningSettings(probe_draws=0)


def test_balanced_queries_spread_over_domains_in_input_order() -> None:
    groups = _candidates(queries=9)
    chosen = balanced_queries(groups, 4, seed=1)
    assert [g[0].domain for g in chosen].count("statements") == 2 and len(chosen) == 4
    positions = [groups.index(g) for g in chosen]
    assert positions == sorted(positions)
    assert balanced_queries(groups, 4, seed=1) == chosen and balanced_queries(groups, None) == groups


def test_the_result_holds_the_reference_coalitions_activations(result: MeaningResult) -> None:
    adapter = tiny_model("llama", layers=2, intermediate=32, seed=0)
    by_id = {pair.pair_id: pair for group in _candidates() for pair in group}
    pairs = [by_id[i] for i in result.input_ids]
    expected = coalition_activations(adapter, LAYER, iter_batches(adapter, pairs, 16), result.coalitions("hedonic"))
    assert np.allclose(result.activations, expected, atol=1e-6)


def test_inputs_are_analysed_by_increasing_length(result: MeaningResult) -> None:
    adapter = tiny_model("llama", layers=2, intermediate=32, seed=0)
    pairs = [pair for group in _candidates() for pair in group]
    ordered = by_length(adapter, pairs, 256)
    lengths = [len(adapter.encode([p.query], [p.text]).input_ids[0]) for p in ordered]
    assert lengths == sorted(lengths) and sorted(p.pair_id for p in ordered) == sorted(p.pair_id for p in pairs)
    assert result.input_ids == tuple(p.pair_id for p in ordered) and lengths[0] < lengths[-1]
