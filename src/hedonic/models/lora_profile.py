"""LoRA update profile (spec §2): where the fine-tuning put its mass, per layer, module and neuron."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from hedonic.artifacts import read_json, write_json
from hedonic.errors import ArtifactError, ConfigError, ModelError, NumericalError
from hedonic.models.attributes import tensor
from hedonic.models.families import OUT_PROJ

if TYPE_CHECKING:
    from hedonic.models.adapter import ModelAdapter

PROFILE_KIND = "lora_profile"
PROFILE_FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModuleUpdate:
    """The LoRA update of one module of one layer.

    ``delta_norm`` = ‖ΔW‖_F, ``weight_norm`` = ‖W‖_F of the base (pre-LoRA) weight,
    ``relative`` = their ratio. ``neuron_norms`` (n,) holds, for MLP modules, the norm of each
    neuron's slice of ΔW (its row of an input projection, its column of the output projection);
    None for other modules (e.g. attention).
    """

    layer: int
    module: str
    delta_norm: float
    weight_norm: float
    relative: float
    neuron_norms: np.ndarray | None

    def top_neuron(self) -> int | None:
        """Index of the neuron with the largest update norm, or None for non-MLP modules."""
        return None if self.neuron_norms is None else int(np.argmax(self.neuron_norms))


@dataclass(frozen=True)
class LoraProfile:
    """The LoRA profile of a model: one :class:`ModuleUpdate` per adapted (layer, module)."""

    model: str
    num_layers: int
    modules: tuple[ModuleUpdate, ...]

    def layer_relative(self) -> dict[int, float]:
        """Relative update of each adapted layer's MLP: ‖ΔW‖_F / ‖W‖_F over all its MLP modules.

        The norms are pooled: sqrt(Σ‖ΔW_m‖²) / sqrt(Σ‖W_m‖²) over the layer's MLP modules.
        """
        delta: dict[int, float] = {}
        weight: dict[int, float] = {}
        for update in self.modules:
            if update.neuron_norms is not None:
                delta[update.layer] = delta.get(update.layer, 0.0) + update.delta_norm**2
                weight[update.layer] = weight.get(update.layer, 0.0) + update.weight_norm**2
        return {layer: math.sqrt(delta[layer]) / math.sqrt(weight[layer]) for layer in sorted(delta)}

    def neuron_norms(self, layer: int) -> np.ndarray:
        """Per-neuron update norm (n,) of one layer, pooled over its MLP modules (root of sum of squares)."""
        parts = [u.neuron_norms for u in self.modules if u.layer == layer and u.neuron_norms is not None]
        if not parts:
            raise ModelError(
                f"layer {layer} has no LoRA update on its MLP",
                hint=f"pick one of the adapted layers {sorted(self.layer_relative())}",
            )
        return np.sqrt(np.sum(np.square(parts), axis=0))


def lora_profile(adapter: ModelAdapter, model_name: str = "") -> LoraProfile:
    """Compute the LoRA profile of a model loaded with an adapter.

    Raises :class:`ModelError` when the model carries no LoRA update.
    """
    if not adapter.lora_deltas:
        raise ModelError(
            "the model has no LoRA adapter: there is no update to profile",
            hint="load the model with its LoRA adapter (load_model(..., adapter=PATH) or --adapter PATH)",
        )
    mlp_names = set(adapter.family.mlp_module_names())
    updates = []
    for (layer, name), delta in adapter.lora_deltas.items():
        base = _base_weight(adapter, layer, name, delta)
        delta_norm = float(torch.linalg.matrix_norm(delta))
        weight_norm = float(torch.linalg.matrix_norm(base))
        neuron_norms = None
        if name in mlp_names:
            neuron_axis = 0 if name != OUT_PROJ else 1
            neuron_norms = torch.linalg.vector_norm(delta, dim=1 - neuron_axis).double().numpy()
        if not weight_norm > 0:
            raise NumericalError(
                f"the base weight of layer {layer} module {name!r} has norm {weight_norm}: relative update undefined",
                hint="check the base model's weights (all zeros or non-finite)",
            )
        updates.append(ModuleUpdate(layer, name, delta_norm, weight_norm, delta_norm / weight_norm, neuron_norms))
    return LoraProfile(model_name, adapter.num_layers, tuple(updates))


def _base_weight(adapter: ModelAdapter, layer: int, name: str, delta: torch.Tensor) -> torch.Tensor:
    if name == OUT_PROJ:
        return adapter.w_out(layer, base=True)
    if name in adapter.family.in_proj_paths:
        return adapter.w_in(layer, base=True)[name]
    module = adapter.block(layer).get_submodule(name)
    weight = tensor(module, "weight").detach()
    weight = weight.T if adapter.family.transposed else weight
    return weight.to("cpu", torch.float32) - delta


def select_layers(profile: LoraProfile, k: int) -> list[int]:
    """The ``k`` layers with the largest relative MLP update, in ascending layer order.

    Ties are broken by the lower layer index. Raises :class:`ConfigError` if ``k`` is not between 1
    and the number of adapted layers.
    """
    relative = profile.layer_relative()
    if not 1 <= k <= len(relative):
        raise ConfigError(
            f"cannot select {k} layers: the adapter updates the MLP of {len(relative)} layers",
            hint=f"pass k between 1 and {len(relative)}",
        )
    ranked = sorted(relative, key=lambda layer: (-relative[layer], layer))
    return sorted(ranked[:k])


def select_window(profile: LoraProfile, width: int) -> list[int]:
    """The ``width`` consecutive layers whose summed relative MLP update is largest, in order.

    A layer without an MLP update counts 0; ties go to the lowest first layer. Raises
    :class:`ConfigError` if ``width`` is not between 1 and the model's number of layers.
    """
    if not 1 <= width <= profile.num_layers:
        raise ConfigError(
            f"cannot select a window of {width} layers in a model of {profile.num_layers}",
            hint=f"pass a width between 1 and {profile.num_layers}",
        )
    relative = profile.layer_relative()
    sums = [sum(relative.get(layer, 0.0) for layer in range(start, start + width)) for start in range(profile.num_layers - width + 1)]
    start = max(range(len(sums)), key=lambda index: (sums[index], -index))
    return list(range(start, start + width))


def save_lora_profile(profile: LoraProfile, path: str | Path) -> Path:
    """Write the profile as a JSON artifact (kind ``lora_profile``, format version 1)."""
    payload = {
        "model": profile.model,
        "num_layers": profile.num_layers,
        "layer_relative": {str(k): v for k, v in profile.layer_relative().items()},
        "modules": [
            {
                "layer": u.layer,
                "module": u.module,
                "delta_norm": u.delta_norm,
                "weight_norm": u.weight_norm,
                "relative": u.relative,
                "top_neuron": u.top_neuron(),
                "neuron_norms": None if u.neuron_norms is None else u.neuron_norms.tolist(),
            }
            for u in profile.modules
        ],
    }
    return write_json(path, PROFILE_KIND, PROFILE_FORMAT_VERSION, payload)


def load_lora_profile(path: str | Path) -> LoraProfile:
    """Read a profile written by :func:`save_lora_profile`; :class:`ArtifactError` if malformed."""
    document = read_json(path, PROFILE_KIND, PROFILE_FORMAT_VERSION)
    try:
        modules = tuple(
            ModuleUpdate(
                layer=int(m["layer"]),
                module=str(m["module"]),
                delta_norm=float(m["delta_norm"]),
                weight_norm=float(m["weight_norm"]),
                relative=float(m["relative"]),
                neuron_norms=None if m["neuron_norms"] is None else np.asarray(m["neuron_norms"], dtype=np.float64),
            )
            for m in document["modules"]
        )
        return LoraProfile(str(document["model"]), int(document["num_layers"]), modules)
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(
            f"{path}: malformed lora_profile ({exc!r})",
            hint="delete it and rerun `hedonic lora`",
        ) from exc
