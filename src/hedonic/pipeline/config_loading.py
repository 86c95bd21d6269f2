"""Turn TOML mappings into typed dataclass configurations, with errors that name bad keys."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from hedonic.errors import ConfigError
from hedonic.spelling import NONE

T = TypeVar("T")
_TOML_TYPES = {bool: "boolean (true or false)", int: "integer (e.g. 3)", float: "number (e.g. 0.5)", str: 'string (e.g. "text")'}


def from_mapping(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``, recursing into nested dataclass fields.

    Unknown keys raise :class:`ConfigError` naming the key and listing the valid ones; values of
    the wrong type (bool/int/float/str/list) raise naming the key, the expected and the found type.
    ``"none"`` (:data:`hedonic.spelling.NONE`) is ``None`` for a key whose type allows it. Missing
    keys take the dataclass defaults.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{where}: expected a table, found {type(data).__name__}", hint=f"write [{where.removeprefix('config.')}] as a table"
        )
    hints = typing.get_type_hints(cls)
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}",
            hint=f"valid keys in {where} are: {', '.join(sorted(fields))}",
        )
    values = {name: _convert(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    return cls(**values)


def _convert(annotation: Any, value: Any, where: str) -> Any:
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return from_mapping(annotation, value, where)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        if (value is None or value == NONE) and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _convert(option, value, where)
            except ConfigError as error:
                errors.append(error)
        raise errors[0]
    if origin is typing.Literal:
        allowed = typing.get_args(annotation)
        if value not in allowed:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(repr, allowed))}", hint="use one of the values listed")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, found {type(value).__name__} {value!r}", hint="write a TOML list, e.g. [1, 2]")
        (item_type, *_) = typing.get_args(annotation) or (Any,)
        items = [_convert(item_type, item, f"{where}[{k}]") for k, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation in (bool, int, float, str) and not (
        isinstance(value, annotation) and not (annotation is int and isinstance(value, bool))
    ):
        raise ConfigError(
            f"{where}: expected {annotation.__name__}, found {type(value).__name__} {value!r}",
            hint=f"write {where.rsplit('.', 1)[-1]} as a TOML {_TOML_TYPES[annotation]}",
        )
    return value
