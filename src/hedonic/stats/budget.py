"""Memory budgets: estimate the bytes of an n×n allocation before making it, and refuse above a budget.

Used by the statistics accumulators here and by the valuations (``hedonic.valuation.memory``).
Sizes are in bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import torch

from hedonic.errors import ConfigError, MemoryBudgetError

DEFAULT_FRACTION = 0.5
"""Default budget: this fraction of the memory available on the device when the check runs."""
BUDGET_ENV = "HEDONIC_MEMORY_BUDGET"
"""Environment variable overriding the default budget, in GiB (e.g. ``HEDONIC_MEMORY_BUDGET=8``)."""
GIB = 1 << 30


def available_bytes(device: str | torch.device = "cpu") -> int:
    """Memory currently available on ``device``: free GPU memory for CUDA, else available RAM.

    RAM is ``MemAvailable`` of ``/proc/meminfo`` where it exists (Linux), otherwise free
    physical pages from ``os.sysconf``.
    """
    device = torch.device(device)
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def resolve_budget(budget: int | None, device: str | torch.device = "cpu") -> int:
    """The budget in bytes: ``budget`` if given, else ``$HEDONIC_MEMORY_BUDGET`` GiB, else half the available memory."""
    if budget is not None:
        if budget <= 0:
            raise ConfigError(f"memory budget must be positive, got {budget} bytes", hint="pass a positive budget")
        return int(budget)
    override = os.environ.get(BUDGET_ENV)
    if override:
        try:
            gib = float(override)
        except ValueError as exc:
            raise ConfigError(f"{BUDGET_ENV}={override!r} is not a number of GiB", hint=f"e.g. {BUDGET_ENV}=8") from exc
        return resolve_budget(int(gib * GIB), device)
    return int(DEFAULT_FRACTION * available_bytes(device))


def largest_fitting(bytes_for: Callable[[int], int], budget: int, upper: int) -> int:
    """Largest k in 0..``upper`` with ``bytes_for(k) <= budget`` (``bytes_for`` non-decreasing)."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if bytes_for(middle) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def check_budget(what: str, bytes_for: Callable[[int], int], n: int, budget: int, subset_hint: str) -> int:
    """Raise :class:`MemoryBudgetError` when ``bytes_for(n)`` exceeds ``budget``; return the estimate.

    ``what`` names the allocation (e.g. "statistics of layer 3"); the error's hint names the
    largest neuron count k that fits, using ``subset_hint`` formatted with ``k`` (e.g.
    ``"pass --neurons variance:{k}"``).
    """
    required = bytes_for(n)
    if required > budget:
        k = largest_fitting(bytes_for, budget, n)
        raise MemoryBudgetError(
            f"{what} for {n} neurons need about {required / GIB:.2f} GiB, above the memory budget of {budget / GIB:.2f} GiB",
            hint=f"analyse a subset of at most {k} neurons ({subset_hint.format(k=k)}), or raise the budget "
            f"({BUDGET_ENV} in GiB or the memory_budget option)",
        )
    return required
