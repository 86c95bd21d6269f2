"""LoRA updates ΔW = scaling · B · A, kept in factored form and expanded on demand."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn

from hedonic.errors import ModelError
from hedonic.models.attributes import tensor

if TYPE_CHECKING:
    from hedonic.models.families import Family

LoraKey = tuple[int, str]
"""(layer, short module name): ``"gate"``, ``"up"``, ``"fc"``, ``"out"`` or a block-relative path."""


@dataclass(frozen=True)
class LoraFactors:
    """One module's LoRA update in factored form: ΔW = ``scaling`` · ``b`` @ ``a``.

    ``a`` is (r, in_features) and ``b`` (out_features, r), float32 on the CPU; ``scaling`` is
    peft's own factor (α/r, or α/√r with rsLoRA).
    """

    a: torch.Tensor
    b: torch.Tensor
    scaling: float

    def delta(self) -> torch.Tensor:
        """ΔW as a dense float32 tensor (out_features, in_features)."""
        return self.scaling * (self.b @ self.a)


class LoraDeltas(Mapping[LoraKey, torch.Tensor]):
    """Read-only mapping (layer, short name) → ΔW (out_features, in_features), float32.

    The orientation is the one of :meth:`ModelAdapter.w_in` / :meth:`ModelAdapter.w_out`
    (a Linear's weight layout, also for GPT-2 Conv1D). Each lookup expands the stored factors,
    so only the factors stay in memory (a few MB even for 7B models).
    """

    def __init__(self, factors: Mapping[LoraKey, LoraFactors] | None = None) -> None:
        self.factors: dict[LoraKey, LoraFactors] = dict(sorted((factors or {}).items()))

    def __getitem__(self, key: LoraKey) -> torch.Tensor:
        return self.factors[key].delta()

    def __iter__(self) -> Iterator[LoraKey]:
        return iter(self.factors)

    def __len__(self) -> int:
        return len(self.factors)

    def __repr__(self) -> str:
        return f"LoraDeltas({list(self.factors)})"


def extract_lora_factors(model: nn.Module, family: Family, adapter_name: str = "default") -> dict[LoraKey, LoraFactors]:
    """Copy the LoRA factors of every LoRA-wrapped module of a peft-wrapped task model.

    ``model`` is the task model inside a ``PeftModel`` (``peft_model.get_base_model()``); module
    paths are mapped to keys with :meth:`Family.module_key`. Call before ``merge_and_unload``.
    Raises :class:`ModelError` for LoRA variants whose update is not scaling·B·A (DoRA, LoRA bias)
    and for LoRA modules outside the transformer blocks other than plain copies of the head.
    """
    from peft.tuners.lora import LoraLayer

    factors: dict[LoraKey, LoraFactors] = {}
    for path, module in model.named_modules():
        if not isinstance(module, LoraLayer) or adapter_name not in getattr(module, "lora_A", {}):
            continue
        if module.lora_variant.get(adapter_name) is not None:
            raise ModelError(
                f"LoRA module {path!r} uses a LoRA variant (e.g. DoRA): its update is not scaling·B·A",
                hint="use a plain LoRA adapter (use_dora=False)",
            )
        if module.lora_B[adapter_name].bias is not None:
            raise ModelError(
                f"LoRA module {path!r} trains a bias (lora_bias=True), which hedonic does not model",
                hint="use a plain LoRA adapter (lora_bias=False)",
            )
        key = family.module_key(path)
        if key is None:
            raise ModelError(
                f"LoRA module {path!r} lies outside the transformer blocks",
                hint="hedonic analyses LoRA on block modules; train the head with modules_to_save instead",
            )
        factors[key] = LoraFactors(
            a=tensor(module.lora_A[adapter_name], "weight").detach().to("cpu", torch.float32).clone(),
            b=tensor(module.lora_B[adapter_name], "weight").detach().to("cpu", torch.float32).clone(),
            scaling=float(module.scaling[adapter_name]),
        )
    return factors
