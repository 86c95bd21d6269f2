"""The detection floor (hedonic.tracking.floor, weight_links.weight_floor)."""

from __future__ import annotations

import pytest

from hedonic.errors import ConfigError
from hedonic.game import Partition
from hedonic.testing import tiny_model
from hedonic.tracking import FloorSettings, virtual_map, weight_floor
from hedonic.tracking.floor import smallest_detected


def test_s_min_is_the_smallest_strength_from_which_every_larger_one_is_detected() -> None:
    strengths = (0.05, 0.1, 0.2, 0.4)
    assert smallest_detected(strengths, (0, 11, 12, 12), 12, 0.9) == 0.1
    assert smallest_detected(strengths, (11, 3, 12, 12), 12, 0.9) == 0.2, "a dip above a detected strength resets the floor"
    assert smallest_detected(strengths, (0, 0, 0, 10), 12, 0.9) is None


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="ascending"):
        FloorSettings(strengths=(0.2, 0.1))
    with pytest.raises(ConfigError, match="power"):
        FloorSettings(power=0.0)


def test_the_floor_of_a_tiny_layer_pair() -> None:
    model = tiny_model("llama", hidden=128, intermediate=480, layers=2, seed=1)
    source = Partition.from_coalitions([list(range(k, k + 16)) for k in range(0, 320, 16)], "x", layer=0)
    target = Partition.from_coalitions([list(range(k, k + 16)) for k in range(160, 480, 16)], "x", layer=1)
    floor = weight_floor(virtual_map(model, 0), source, target, None, FloorSettings(strengths=(0.01, 0.4), links=8))
    assert floor is not None and floor.planted == 8 and floor.found[1] >= 7 and floor.found[0] <= 1
    assert floor.s_min == 0.4 and floor.describe() == "s_min 0.4"
    assert weight_floor(virtual_map(model, 0), source, target, None, FloorSettings(links=0)) is None
