"""Lazy package exports (PEP 562): a name is imported from its module on first access.

Used by the packages whose builders pull in heavy libraries (torch, scikit-learn) that a light
caller (loading a φ file, the CLI's help) must not pay for.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, table: Mapping[str, str], namespace: dict[str, Any], name: str) -> Any:
    """``name`` from its module ``table[name]``, cached in the package's ``namespace`` (its globals()).

    Raises :class:`AttributeError` (as a module does) for a name not in ``table``.
    """
    if name not in table:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(table[name]), name)
    namespace[name] = value
    return value
