"""The two-way decomposition of a log table (hedonic.tracking.decomposition)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hedonic.tracking import decompose


def test_rows_columns_and_interaction_land_in_their_own_share() -> None:
    rng = np.random.default_rng(0)
    rows, columns = rng.gamma(2.0, size=(6, 1)), rng.gamma(2.0, size=(1, 5))
    assert decompose(np.repeat(rows, 5, axis=1)).source == pytest.approx(1.0)
    assert decompose(np.repeat(columns, 6, axis=0)).target == pytest.approx(1.0)
    assert decompose(rows * columns).specific == pytest.approx(0.0, abs=1e-12)
    checker = np.exp(np.where(np.add.outer(np.arange(6), np.arange(5)) % 2 == 0, 1.0, -1.0))
    found = decompose(checker)
    assert found.specific == pytest.approx(1.0, abs=0.05) and found.cells == 30
    assert found.describe().startswith("source ")


def test_a_table_without_variance_or_positive_entries_has_no_decomposition() -> None:
    assert decompose(np.ones((3, 3))) is None and decompose(np.zeros((2, 2))) is None


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (5, 4), elements=st.floats(1e-3, 1e3)))
def test_the_shares_sum_to_one_and_match_an_anova_by_least_squares(table: np.ndarray) -> None:
    found = decompose(table)
    if found is None:
        return
    assert found.source + found.target + found.specific == pytest.approx(1.0)
    logs = np.log(table).ravel()
    design = np.hstack([np.kron(np.eye(5), np.ones((4, 1))), np.kron(np.ones((5, 1)), np.eye(4))])
    fitted = design @ np.linalg.lstsq(design, logs, rcond=None)[0]
    total = ((logs - logs.mean()) ** 2).sum()
    if total > 1e-9:
        assert found.specific == pytest.approx(((logs - fitted) ** 2).sum() / total, abs=1e-6)
