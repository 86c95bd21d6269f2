"""The synergy artifact: round trip, null ratios, and corrupt or edited files."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from hedonic.ablation import AblationEngine, reference_effects
from hedonic.errors import ArtifactError
from hedonic.evaluation import (
    METRICS,
    SynergyResult,
    coalition_synergy,
    evaluate_synergy,
    load_synergy,
    save_synergy,
)
from hedonic.game import Partition, save_partition
from hedonic.testing import tiny_model

COALITIONS = [[1, 4, 9], [0, 2]]
IDS = ["q1:d1", "q1:d2"]


@pytest.fixture(scope="module")
def evaluated() -> tuple:
    adapter = tiny_model("gpt2", seed=0, layers=2, dtype=torch.float64)
    batch = adapter.encode(["read the file", "a list"], ["open the file now", "the list is a type"])
    result = evaluate_synergy(AblationEngine(adapter, 0, batch), COALITIONS, input_ids=IDS, model_name="tiny-gpt2")
    return adapter, batch, result


def assert_same(loaded: SynergyResult, result: SynergyResult) -> None:
    context = ("model", "layer", "readout", "mode", "input_ids", "ratio_floor")
    assert [getattr(loaded, name) for name in context] == [getattr(result, name) for name in context]
    np.testing.assert_array_equal(loaded.clean, result.clean)
    for got, expected in zip(loaded.coalitions, result.coalitions, strict=True):
        assert got.neurons == expected.neurons and got.pairs == expected.pairs and got.whole == expected.whole
        for field in ("single", "single_abs", "pair_delta", "psi", "psi_abs", "leave_one_out"):
            np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))
        assert list(got.metrics) == list(expected.metrics) and loaded.plan == result.plan
        for name in expected.metrics:
            assert got.metrics[name] == expected.metrics[name] or (math.isnan(got.metrics[name]) and math.isnan(expected.metrics[name]))


def test_round_trip_keeps_every_number(evaluated: tuple, tmp_path: Path) -> None:
    _, _, result = evaluated
    path = save_synergy(result, tmp_path / "synergy.json")
    assert_same(load_synergy(path), result)
    document = json.loads(path.read_text())
    assert document["kind"] == "synergy" and document["format_version"] == 3
    assert document["inputs"]["ids"] == IDS and set(document["metric_definitions"]) == set(METRICS)
    assert document["metrics"] == list(result.metrics) and document["coalitions"][0]["pair_se"] == 0
    assert document["coalitions"][0]["pairs"] == [[1, 4], [1, 9], [4, 9]]


def test_stored_numbers_are_those_of_a_plain_hook_and_forward_ablation(evaluated: tuple, tmp_path: Path) -> None:
    adapter, batch, result = evaluated
    loaded = load_synergy(save_synergy(result, tmp_path / "synergy.json"))
    coalition = loaded.coalitions[0]
    sets = [[i] for i in coalition.neurons] + [list(p) for p in coalition.pairs] + [list(coalition.neurons)]
    clean, delta = reference_effects(adapter, batch, loaded.layer, sets, readout=loaded.readout, mode=loaded.mode)
    np.testing.assert_allclose(loaded.clean, clean, rtol=1e-12)
    np.testing.assert_allclose(coalition.single, delta[:3].mean(axis=1), rtol=1e-9)
    np.testing.assert_allclose(coalition.pair_delta, delta[3:6].mean(axis=1), rtol=1e-9)
    assert coalition.whole == pytest.approx(delta[6].mean(), rel=1e-9)


def test_undefined_ratios_are_stored_as_null(tmp_path: Path) -> None:
    table = {(0,): np.array([1.0]), (1,): np.array([-1.0]), (0, 1): np.array([0.5])}
    result = SynergyResult("m", 3, "local", "zero", ("x",), np.array([2.0]), (coalition_synergy([0, 1], table),))
    path = save_synergy(result, tmp_path / "s.json")
    assert json.loads(path.read_text())["coalitions"][0]["metrics"]["ratio"] is None
    assert_same(load_synergy(path), result)


Change = Callable[[dict[str, Any]], Any]


def edit(path: Path, change: Change) -> Path:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["coalitions"][0]["single"].__setitem__(0, 1.0), "coalition 0: psi differs"),
        (lambda d: d["coalitions"][1]["metrics"].__setitem__("pair", 3.0), "coalition 1: metric 'pair'"),
        (lambda d: d["coalitions"][0]["pairs"].reverse(), "lexicographic"),
        (lambda d: d["coalitions"][0]["psi_abs"].pop(), "psi_abs has 2 values, expected 3"),
        (lambda d: d["coalitions"][1].__setitem__("neurons", [2, 0]), "ascending order"),
        (lambda d: d["inputs"]["clean"].append(1.0), "inputs.clean has 3 values"),
        (lambda d: d.pop("readout"), "readout"),
    ],
)
def test_edited_files_are_rejected(evaluated: tuple, tmp_path: Path, change: Change, message: str) -> None:
    path = edit(save_synergy(evaluated[2], tmp_path / "s.json"), change)
    with pytest.raises(ArtifactError, match=message) as error:
        load_synergy(path)
    assert str(path) in str(error.value) and error.value.hint


def test_corrupt_and_foreign_files_are_rejected(evaluated: tuple, tmp_path: Path) -> None:
    path = save_synergy(evaluated[2], tmp_path / "s.json")
    path.write_text(path.read_text()[:200])
    with pytest.raises(ArtifactError, match="not a valid JSON artifact"):
        load_synergy(path)
    other = save_partition(Partition.from_coalitions([[0, 1]], "random"), tmp_path / "p.json")
    with pytest.raises(ArtifactError, match="holds a 'partition' artifact, expected 'synergy'"):
        load_synergy(other)
    with pytest.raises(ArtifactError, match="no such file"):
        load_synergy(tmp_path / "missing.json")
