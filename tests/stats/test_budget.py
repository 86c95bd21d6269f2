"""Memory budgets: the largest fitting size, the budget's sources, the error's suggestion."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedonic.errors import ConfigError, MemoryBudgetError
from hedonic.stats import available_bytes, check_budget, largest_fitting, resolve_budget


@given(a=st.integers(1, 64), b=st.integers(0, 64), budget=st.integers(0, 10**9), upper=st.integers(0, 20_000))
def test_largest_fitting_is_the_boundary(a: int, b: int, budget: int, upper: int) -> None:
    def size(k: int) -> int:
        return a * k * k + b * k

    k = largest_fitting(size, budget, upper)
    assert 0 <= k <= upper and size(k) <= budget
    assert k == upper or size(k + 1) > budget


def test_budget_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEDONIC_MEMORY_BUDGET", raising=False)
    assert resolve_budget(1234) == 1234
    assert 0 < resolve_budget(None) <= available_bytes("cpu")
    monkeypatch.setenv("HEDONIC_MEMORY_BUDGET", "0.5")
    assert resolve_budget(None) == 1 << 29
    monkeypatch.setenv("HEDONIC_MEMORY_BUDGET", "lots")
    with pytest.raises(ConfigError, match="not a number of GiB"):
        resolve_budget(None)
    with pytest.raises(ConfigError, match="positive"):
        resolve_budget(0)


def test_check_budget_suggests_a_fitting_subset() -> None:
    assert check_budget("φ", lambda k: 4 * k * k, 100, 40_000, "k={k}") == 40_000
    with pytest.raises(MemoryBudgetError, match="φ for 101 neurons") as raised:
        check_budget("φ", lambda k: 4 * k * k, 101, 40_000, "--neurons variance:{k}")
    assert "at most 100 neurons (--neurons variance:100)" in str(raised.value)
