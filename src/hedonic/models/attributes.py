"""Typed reads of a torch module's attributes.

``nn.Module.__getattr__`` is typed ``Tensor | Module``, so ``layer.weight``, ``pooler.dense`` or
``model.config`` carry no type a checker can use. Each reader fetches one attribute and checks
its type, raising :class:`~hedonic.errors.ModelError` only for a module unlike those of every
supported architecture (a plain ``getattr`` would fail later, less clearly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import torch
from torch import nn

from hedonic.errors import ModelError

if TYPE_CHECKING:
    from transformers import PretrainedConfig

T = TypeVar("T")


def attribute(module: nn.Module, name: str, kind: type[T]) -> T:
    """``module.<name>``, checked to be an instance of ``kind`` (e.g. ``nn.Module``, ``torch.dtype``)."""
    value = getattr(module, name)
    if not isinstance(value, kind):
        raise _unexpected(module, name, value, kind.__name__)
    return value


def tensor(module: nn.Module, name: str) -> torch.Tensor:
    """The parameter or buffer ``module.<name>`` (e.g. ``weight``), itself (not detached)."""
    return attribute(module, name, torch.Tensor)


def optional_tensor(module: nn.Module, name: str) -> torch.Tensor | None:
    """The parameter or buffer ``module.<name>``, or None where the module holds None (e.g. a Linear without bias)."""
    value = getattr(module, name)
    if value is not None and not isinstance(value, torch.Tensor):
        raise _unexpected(module, name, value, "Tensor or None")
    return value


def number(module: nn.Module, name: str) -> float:
    """The number ``module.<name>`` (e.g. a norm's ``eps``), as stored (an int stays an int)."""
    value = getattr(module, name)
    if not isinstance(value, int | float):
        raise _unexpected(module, name, value, "number")
    return value


def model_config(model: nn.Module) -> PretrainedConfig:
    """The transformers config ``model.config`` of a transformers model."""
    from transformers import PretrainedConfig

    return attribute(model, "config", PretrainedConfig)


def _unexpected(module: nn.Module, name: str, value: object, expected: str) -> ModelError:
    return ModelError(
        f"{type(module).__name__}.{name} is a {type(value).__name__}, expected {expected}",
        hint="hedonic reads the module layout of the supported transformers architectures (hedonic.models.families)",
    )
