"""The two words a setting spells alike in Python, in the run configuration and on the command line.

- :data:`AUTO`, ``"auto"``: the value is derived from the data or the layer (``[game] tau``,
  ``max_size``);
- :data:`NONE`, ``"none"``: no value (no bound, no floor, no limit, not given). A setting whose
  Python value may be ``None`` is written ``"none"`` in TOML (which has no null) and on the
  command line: the configuration's decoder and writer (:mod:`hedonic.pipeline.config_loading`,
  :func:`hedonic.pipeline.config.config_toml`) and :func:`read_text` turn one into the other.

:func:`read_text` reads a command-line value by the setting's type annotation, so that an
option reads a value exactly as the configuration file does.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from hedonic.errors import ConfigError

AUTO = "auto"
"""The value that asks for the default derived from the data or the layer."""
NONE = "none"
"""The spelling of ``None`` (no value) in TOML and on the command line."""


def spell(value: Any) -> Any:
    """``value`` as TOML and the command line write it: :data:`NONE` for ``None``, else itself."""
    return NONE if value is None else value


def read_text(text: str, annotation: Any, where: str) -> Any:
    """A command-line ``text`` as a value of ``annotation`` (``int``, ``float``, ``str``, ``bool`` or
    a union of them and ``None``): :data:`NONE` is ``None`` where the type allows it; the first
    type of the union that reads ``text`` wins (``float | str`` reads "0.5" as 0.5, "auto" as itself).

    Raises :class:`ConfigError` naming ``where`` when no type reads it.
    """
    options = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
    if text == NONE and type(None) in options:
        return None
    for option in (option for option in options if option is not type(None)):
        try:
            return _read(option, text)
        except ValueError:
            continue
    expected = " or ".join(_NAMES.get(option, getattr(option, "__name__", str(option))) for option in options)
    raise ConfigError(f"{where}: expected {expected}, got {text!r}", hint=f"write {where} as {expected}")


_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", type(None): f"{NONE!r}"}


def _read(option: type, text: str) -> Any:
    if option is bool:
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    return option(text)
