"""Memory estimates of a valuation build, and the block-wise symmetric fill."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedonic.errors import MemoryBudgetError
from hedonic.valuation import check_phi_memory, phi_bytes, stats_file_bytes, symmetric_from_blocks


def test_phi_bytes_counts_phi_and_one_block() -> None:
    assert phi_bytes(10) == 4 * 100 + 24 * 10 * 10
    assert phi_bytes(14336) == 4 * 14336**2 + 24 * 512 * 14336
    assert phi_bytes(1536, d=384) - phi_bytes(1536) == 4 * 384 * 1536


def test_budget_error_suggests_a_subset_that_fits() -> None:
    budget = phi_bytes(1000)
    assert check_phi_memory("φ", 1000, memory_budget=budget) == budget
    with pytest.raises(MemoryBudgetError) as raised:
        check_phi_memory("OCA φ of layer 3", 14336, memory_budget=budget)
    message = str(raised.value)
    assert "OCA φ of layer 3 for 14336 neurons" in message and "at most 1000 neurons" in message
    assert "--neurons variance:1000" in message


def test_stats_file_bytes(tmp_path: Path) -> None:
    (tmp_path / "s").write_bytes(b"x" * 100)
    assert stats_file_bytes(tmp_path / "s") == 200


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 30), block_rows=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_blocks_fill_an_exactly_symmetric_matrix(k: int, block_rows: int, seed: int) -> None:
    noise = np.random.default_rng(seed).normal(size=(k, k))
    target = noise + noise.T + 1e-3 * np.random.default_rng(seed + 1).normal(size=(k, k))  # nearly symmetric
    calls: list[tuple[slice, slice]] = []

    def block(rows: slice, cols: slice) -> np.ndarray:
        calls.append((rows, cols))
        assert cols.start == rows.start and cols.stop == k
        return target[rows, cols].astype(np.float32)

    phi = symmetric_from_blocks(k, block, block_rows=block_rows)
    assert phi.dtype == np.float32 and np.array_equal(phi, phi.T) and not np.diagonal(phi).any()
    upper = np.triu(target, 1)
    expected = upper + upper.T  # above the diagonal as computed, mirrored ...
    same_block = np.equal.outer(np.arange(k) // block_rows, np.arange(k) // block_rows)
    expected[same_block] = ((target + target.T) / 2)[same_block]  # ... averaged inside a diagonal block
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(phi, expected, rtol=1e-6, atol=1e-6)
    assert len(calls) == -(-k // block_rows)
