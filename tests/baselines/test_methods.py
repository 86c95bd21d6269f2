"""The baseline table: every row builds, the exports are complete, unknown names are refused."""

from __future__ import annotations

import numpy as np
import pytest

import hedonic.baselines as baselines
from hedonic.baselines import BASELINE_METHODS, BaselineInputs, check_methods, run_baselines
from hedonic.errors import ConfigError
from hedonic.game import Partition


def test_the_written_out_exports_match_the_lazy_table() -> None:
    eager = {"BASELINE_METHODS", "BaselineJob", "BaselineMethod", "check_methods"}
    assert set(baselines.__all__) == eager | set(baselines._LAZY)


def test_check_methods_orders_by_the_table_and_names_the_valid_ones() -> None:
    assert check_methods(["random", "spectral"]) == ["spectral", "random"]
    with pytest.raises(ConfigError, match="kmeans\\+\\+") as raised:
        check_methods(["kmeans++"])
    assert all(name in raised.value.hint for name in BASELINE_METHODS)


def test_a_method_whose_input_is_missing_is_skipped_with_its_input_named() -> None:
    reference = Partition.from_labels(np.array([0, 0, 1, 1, 2, 2]), "hedonic")
    run = run_baselines(reference, BaselineInputs(neurons=np.arange(6)), ["spectral", "random"])
    assert set(run.partitions) == {"random"} and run.skipped == {"spectral": "no φ given"}
