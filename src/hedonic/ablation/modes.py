"""Ablation modes (spec §6) and the weight overrides that realise them in a plain forward.

- ``zero``: a_i = 0 on every token; neuron i's MLP output contribution a_i d_i disappears.
- ``pre-lora``: neuron i's rows of the MLP input projections and its column of the output
  projection take the base (pre-LoRA) values, so its contribution a_i d_i becomes
  a_i^base d_i^base. Needs a loaded LoRA adapter with an update on the layer's MLP.

Base weights are W − ΔW in the model's dtype, ΔW from :attr:`ModelAdapter.lora_deltas`; modules
without an update keep their weights unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from hedonic.errors import ConfigError, ModelError
from hedonic.models import OUT_PROJ, ModelAdapter

ABLATION_MODES: tuple[str, ...] = ("zero", "pre-lora")
"""Ablation mode names."""


def check_mode(adapter: ModelAdapter, layer: int, mode: str) -> str:
    """Return ``mode`` if it can ablate ``layer`` of this model; raise otherwise.

    :class:`ConfigError` for unknown modes; :class:`ModelError` for ``pre-lora`` when no LoRA
    update of the layer's MLP modules is loaded.
    """
    if mode not in ABLATION_MODES:
        raise ConfigError(f"unknown ablation mode {mode!r}", hint=f"pick one of {', '.join(ABLATION_MODES)}")
    layer = adapter.check_layer(layer)
    if mode == "pre-lora" and not updated_modules(adapter, layer):
        updated = sorted({key[0] for key in adapter.lora_deltas})
        where = f"it has updates on layers {updated}" if updated else "no LoRA adapter is loaded"
        raise ModelError(
            f"ablation mode 'pre-lora' needs a LoRA update of layer {layer}'s MLP; {where}",
            hint="load the model together with its adapter, analyse a layer the adapter updates, or use mode 'zero'",
        )
    return mode


def updated_modules(adapter: ModelAdapter, layer: int) -> list[str]:
    """Short names of ``layer``'s MLP modules that carry a LoRA update (e.g. ``["gate", "out"]``)."""
    layer = adapter.check_layer(layer)
    return [name for name in adapter.family.mlp_module_names() if (layer, name) in adapter.lora_deltas]


def base_mlp_weights(adapter: ModelAdapter, layer: int) -> dict[str, torch.Tensor]:
    """Pre-LoRA weights of ``layer``'s updated MLP modules, in the model's dtype and on its device.

    Keys are short names; input projections are (n, d) (:meth:`ModelAdapter.w_in` orientation),
    ``"out"`` is (d, n) (:meth:`ModelAdapter.w_out`). Modules without an update are left out.
    """
    layer = adapter.check_layer(layer)
    current = {**adapter.w_in(layer), OUT_PROJ: adapter.w_out(layer)}
    return {
        name: current[name] - adapter.lora_deltas[(layer, name)].to(current[name].device, current[name].dtype)
        for name in updated_modules(adapter, layer)
    }


def parameter_name(adapter: ModelAdapter, layer: int, name: str) -> str:
    """Full parameter name (as in ``model.named_parameters()``) of MLP module ``name``'s weight."""
    family = adapter.family
    path = family.out_proj if name == OUT_PROJ else family.in_proj_paths[name]
    return f"{family.layers}.{adapter.check_layer(layer)}.{path}.weight"


def stored(adapter: ModelAdapter, weight: torch.Tensor) -> torch.Tensor:
    """A weight in w_in / w_out orientation laid out as the module stores it (GPT-2 Conv1D: transposed)."""
    return weight.T if adapter.family.transposed else weight


def base_in_parameters(adapter: ModelAdapter, layer: int) -> dict[str, torch.Tensor]:
    """Parameter overrides (for ``torch.func.functional_call``) giving ``layer``'s input projections their base weights.

    A forward under them yields a^base, the activations the base model computes from the same MLP
    input; the output projection is not touched.
    """
    base = base_mlp_weights(adapter, layer)
    return {parameter_name(adapter, layer, name): stored(adapter, weight) for name, weight in base.items() if name != OUT_PROJ}


def reset_parameters(adapter: ModelAdapter, layer: int, neurons: Sequence[int]) -> dict[str, torch.Tensor]:
    """Parameter overrides that reset ``neurons`` of ``layer`` to their pre-LoRA weights (the reference ``pre-lora`` path).

    Rows ``neurons`` of each updated input projection and columns ``neurons`` of the updated output
    projection take their base values; all other weights keep the fine-tuned values. Returns
    full parameter name → tensor in the module's storage layout.
    """
    layer = adapter.check_layer(layer)
    index = torch.as_tensor(list(neurons), dtype=torch.long)
    current = {**adapter.w_in(layer), OUT_PROJ: adapter.w_out(layer)}
    overrides = {}
    for name, base in base_mlp_weights(adapter, layer).items():
        weight = current[name].clone()
        if name == OUT_PROJ:
            weight[:, index] = base[:, index]
        else:
            weight[index] = base[index]
        overrides[parameter_name(adapter, layer, name)] = stored(adapter, weight)
    return overrides
