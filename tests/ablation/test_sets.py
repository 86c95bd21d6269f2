"""Padded neuron-set arrays: round trip, padding, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedonic.ablation import pad_sets
from hedonic.ablation.sets import PAD, set_tuples
from hedonic.errors import ConfigError

N = 12
distinct_sets = st.lists(st.lists(st.integers(0, N - 1), unique=True, max_size=6), max_size=8)


@given(distinct_sets)
def test_padding_round_trips(sets: list[list[int]]) -> None:
    padded = pad_sets(sets, N)
    assert padded.dtype == np.int64
    assert padded.shape == (len(sets), max([len(s) for s in sets] + [1]))
    assert set_tuples(padded) == tuple(tuple(sorted(s)) for s in sets)
    assert ((padded == PAD).sum(axis=1) == padded.shape[1] - np.array([len(s) for s in sets], dtype=int)).all()


def test_a_padded_array_is_accepted_as_is() -> None:
    array = np.array([[3, 1, -1], [0, -1, -1]], dtype=np.int32)
    padded = pad_sets(array, N)
    assert padded.dtype == np.int64 and (padded == array).all()
    assert set_tuples(padded) == ((1, 3), (0,))
    assert pad_sets(np.zeros((2, 0), dtype=int), N).tolist() == [[PAD], [PAD]]


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([[0, N]], f"neuron id {N} outside 0..{N - 1}"),
        ([[-3]], "neuron id -3 outside"),
        ([[1], [2, 5, 2]], "set 1 names a neuron more than once"),
        (np.array([[1.0, 2.0]]), "2-D integer"),
        (np.array([1, 2]), "2-D integer"),
    ],
)
def test_bad_sets_are_rejected(sets: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        pad_sets(sets, N)  # type: ignore[arg-type]
