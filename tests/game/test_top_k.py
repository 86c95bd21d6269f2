"""The top-k-with-ties kernel against a brute-force oracle: sort each row by (value desc, column)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.game.top_k import top_entries


def oracle(values: np.ndarray, width: int) -> set[tuple[int, int]]:
    chosen = set()
    for row, line in enumerate(values):
        allowed = [c for c in range(len(line)) if line[c] != -np.inf]
        ranked = sorted(allowed, key=lambda c: (-line[c], c))
        chosen |= {(row, c) for c in ranked[:width]}
    return chosen


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 9),
    st.integers(0, 10),
    st.integers(0, 2**31 - 1),
)
def test_top_entries_matches_the_oracle_with_ties_and_disallowed_entries(rows: int, columns: int, width: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(-2, 3, size=(rows, columns)).astype(np.float32)
    values[rng.random((rows, columns)) < 0.2] = -np.inf
    got_rows, got_cols = top_entries(values, width)
    assert set(zip(got_rows.tolist(), got_cols.tolist(), strict=True)) == oracle(values, width)
    assert np.all(np.diff(got_rows * columns + got_cols) > 0)


def test_ties_go_to_the_lower_columns() -> None:
    rows, cols = top_entries(np.array([[1.0, 2.0, 2.0, 2.0]]), 2)
    assert cols.tolist() == [1, 2] and rows.tolist() == [0, 0]
