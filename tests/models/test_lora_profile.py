"""LoRA profile (spec §2): norms, per-neuron slices, layer selection, JSON round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from hedonic.errors import ArtifactError, ConfigError, ModelError
from hedonic.models import ModelAdapter, load_lora_profile, lora_profile, save_lora_profile, select_layers, select_window
from hedonic.testing import tiny_lora, tiny_model


def test_profile_norms(base: ModelAdapter, tuned: ModelAdapter) -> None:
    profile = lora_profile(tuned, model_name="tiny")
    assert profile.num_layers == 3 and len(profile.modules) == len(tuned.lora_deltas)
    for update in profile.modules:
        delta = tuned.lora_deltas[(update.layer, update.module)]
        if update.module == "out":
            weight, slices = base.w_out(update.layer), delta.T
        else:
            weight, slices = base.w_in(update.layer)[update.module], delta
        assert update.delta_norm == pytest.approx(float(delta.square().sum().sqrt()), rel=1e-5)
        assert update.weight_norm == pytest.approx(float(weight.square().sum().sqrt()), rel=1e-5)
        assert update.relative == pytest.approx(update.delta_norm / update.weight_norm)
        assert update.neuron_norms is not None and update.neuron_norms.shape == (base.intermediate_size,)
        np.testing.assert_allclose(update.neuron_norms, slices.norm(dim=1).numpy(), rtol=1e-5)
        assert update.top_neuron() == int(slices.norm(dim=1).argmax())
    pooled = profile.neuron_norms(1)
    per_module = [u.neuron_norms for u in profile.modules if u.layer == 1]
    np.testing.assert_allclose(pooled**2, np.sum(np.square(per_module), axis=0), rtol=1e-10)


def test_select_layers_follows_the_relative_update() -> None:
    base = tiny_model("llama", layers=4)
    small = tiny_lora(base, seed=1, lora_layers=[0, 3])
    profile = lora_profile(small)
    assert sorted(profile.layer_relative()) == [0, 3]
    big = tiny_lora(base, seed=1, alpha=40.0, lora_layers=[2])
    mixed = lora_profile(small).modules + lora_profile(big).modules
    combined = type(profile)("mixed", 4, mixed)
    relative = combined.layer_relative()
    assert relative[2] > max(relative[0], relative[3])
    assert select_layers(combined, 1) == [2]
    assert select_layers(combined, 2) == sorted([2, max((0, 3), key=relative.__getitem__)])
    assert select_layers(combined, 3) == [0, 2, 3]
    for k in (0, 4):
        with pytest.raises(ConfigError, match="cannot select"):
            select_layers(combined, k)
    with pytest.raises(ModelError, match="layer 1 has no LoRA update"):
        combined.neuron_norms(1)


def test_select_window_maximises_the_summed_update() -> None:
    from hedonic.models.lora_profile import LoraProfile, ModuleUpdate

    def update(layer: int, relative: float) -> ModuleUpdate:
        return ModuleUpdate(layer, "out", relative, 1.0, relative, np.ones(4))

    profile = LoraProfile("fake", 6, tuple(update(layer, r) for layer, r in enumerate([0.1, 0.5, 0.1, 0.4, 0.45, 0.0])))
    assert select_window(profile, 1) == [1]
    assert select_window(profile, 2) == [3, 4]
    assert select_window(profile, 3) == [1, 2, 3]
    assert select_window(profile, 6) == list(range(6))
    sparse = LoraProfile("fake", 5, (update(3, 1.0),))
    assert select_window(sparse, 2) == [2, 3]  # layers without an update count 0; ties go to the lowest start
    for width in (0, 7):
        with pytest.raises(ConfigError, match="window of"):
            select_window(profile, width)


def test_profile_json_round_trip(tuned: ModelAdapter, tmp_path: Path) -> None:
    profile = lora_profile(tuned, model_name="tiny")
    path = save_lora_profile(profile, tmp_path / "profile.json")
    again = load_lora_profile(path)
    assert again.model == "tiny" and again.num_layers == 3
    assert [(u.layer, u.module) for u in again.modules] == [(u.layer, u.module) for u in profile.modules]
    for old, new in zip(profile.modules, again.modules, strict=True):
        assert new.delta_norm == old.delta_norm and new.relative == old.relative
        np.testing.assert_array_equal(new.neuron_norms, old.neuron_norms)
    assert again.layer_relative() == profile.layer_relative()


def test_profile_of_a_model_without_adapter_fails(base: ModelAdapter) -> None:
    with pytest.raises(ModelError, match="no LoRA adapter") as error:
        lora_profile(base)
    assert "adapter" in (error.value.hint or "")


def test_malformed_profile_file(tmp_path: Path) -> None:
    from hedonic.artifacts import write_json

    path = write_json(tmp_path / "bad.json", "lora_profile", 1, {"model": "x", "num_layers": 2, "modules": [{"layer": 0}]})
    with pytest.raises(ArtifactError, match="malformed"):
        load_lora_profile(path)
    write_json(tmp_path / "other.json", "partition", 1, {})
    with pytest.raises(ArtifactError, match="expected 'lora_profile'"):
        load_lora_profile(tmp_path / "other.json")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_attention_lora_is_profiled_without_neuron_norms() -> None:
    from peft import LoraConfig, get_peft_model

    from hedonic.models.lora_delta import extract_lora_factors

    base = tiny_model("llama")
    peft_model = get_peft_model(base.model, LoraConfig(r=2, target_modules=["q_proj"], init_lora_weights=False))
    factors = extract_lora_factors(peft_model.get_base_model(), base.family)
    adapter = ModelAdapter(peft_model.merge_and_unload(), None, factors)
    profile = lora_profile(adapter)
    assert {(u.layer, u.module) for u in profile.modules} == {(0, "self_attn.q_proj"), (1, "self_attn.q_proj")}
    assert all(u.neuron_norms is None and u.top_neuron() is None for u in profile.modules)
    assert profile.layer_relative() == {}
    assert all(torch.isfinite(torch.tensor(u.relative)) and u.relative > 0 for u in profile.modules)
