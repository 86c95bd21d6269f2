"""Typed configuration from TOML-like mappings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from hedonic.errors import ConfigError
from hedonic.pipeline.config_loading import from_mapping


@dataclass
class Inner:
    k: int = 3
    kind: Literal["a", "b"] = "a"
    rate: float = 0.5


@dataclass
class Outer:
    name: str = "x"
    layers: list[int] = field(default_factory=list)
    limit: int | None = None
    inner: Inner = field(default_factory=Inner)


def test_builds_nested_with_defaults() -> None:
    config = from_mapping(Outer, {"layers": [1, 2], "inner": {"k": 5, "rate": 1}})
    assert config.layers == [1, 2] and config.inner.k == 5 and config.inner.rate == 1.0
    assert config.name == "x" and config.inner.kind == "a" and config.limit is None


def test_unknown_key_names_it_and_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        from_mapping(Outer, {"inner": {"kk": 1}})
    assert "'kk'" in str(info.value) and "k, kind, rate" in str(info.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"inner": {"k": "3"}}, "config.inner.k: expected int"),
        ({"inner": {"k": True}}, "expected int"),
        ({"inner": {"kind": "c"}}, "not one of"),
        ({"layers": [1, "2"]}, r"layers\[1\]"),
        ({"limit": "no"}, "config.limit"),
    ],
)
def test_wrong_types_are_named(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping(Outer, data)
