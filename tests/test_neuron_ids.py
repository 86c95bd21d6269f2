"""The one players check: strictly ascending non-negative int64 ids of the right count."""

from __future__ import annotations

import numpy as np
import pytest

from hedonic.errors import ConfigError
from hedonic.neuron_ids import neuron_ids


def test_accepts_ascending_ids_and_returns_a_new_int64_array() -> None:
    given = [0, 3, 7]
    ids = neuron_ids(given, 3)
    assert ids.dtype == np.int64 and ids.tolist() == given
    assert neuron_ids([]).shape == (0,)


@pytest.mark.parametrize(
    ("values", "count", "message"),
    [
        ([1, 1], None, "strictly ascending"),
        ([2, 1], None, "strictly ascending"),
        ([-1, 2], None, "non-negative"),
        ([0, 1], 3, "3 strictly"),
        ([[0, 1]], None, "1-D"),
    ],
)
def test_refuses_bad_ids_naming_the_input(values: list, count: int | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        neuron_ids(values, count, what="the probe's ids")
    assert "the probe's ids" in raised.value.message
