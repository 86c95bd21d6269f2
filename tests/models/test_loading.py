"""load_model from folders saved with save_pretrained (never from a hub)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from hedonic.errors import ModelError
from hedonic.models import TokenBatch, load_model
from hedonic.testing import (
    EOS_ID,
    TinyCheckpoint,
    _build,
    attach_tiny_lora,
    save_tiny_checkpoint,
    tiny_config,
    tiny_lora,
    tiny_model,
    tiny_tokenizer,
)


@pytest.fixture(scope="module")
def checkpoint(family: str, tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoint:
    return save_tiny_checkpoint(family, tmp_path_factory.mktemp(family), seed=0, layers=3)


def _analytic_deltas(adapter_dir: Path) -> dict[str, torch.Tensor]:
    """ΔW = (α/r)·B·A per module path, straight from the saved adapter files."""
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    tensors = load_file(adapter_dir / "adapter_model.safetensors")
    scale = config["lora_alpha"] / config["r"]
    deltas = {}
    for key, a in tensors.items():
        if key.endswith("lora_A.weight"):
            b = tensors[key.replace("lora_A", "lora_B")]
            path = key.removeprefix("base_model.model.").removesuffix(".lora_A.weight")
            deltas[path] = scale * b @ a
    return deltas


def test_adapter_from_disk_matches_in_memory(family: str, checkpoint: TinyCheckpoint, make_batch: Any) -> None:
    assert checkpoint.adapter_dir is not None
    loaded = load_model(checkpoint.model_dir, checkpoint.adapter_dir)
    base = load_model(checkpoint.model_dir)
    expected = tiny_lora(tiny_model(family, seed=0, layers=3), seed=1)
    ids, mask = make_batch("right")
    torch.testing.assert_close(loaded.logits(TokenBatch(ids, mask)), expected.logits(TokenBatch(ids, mask)), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(base.logits(TokenBatch(ids, mask)), tiny_model(family, seed=0, layers=3).logits(TokenBatch(ids, mask)))
    assert (loaded.logits(TokenBatch(ids, mask)) - base.logits(TokenBatch(ids, mask))).abs().min() > 1e-3
    assert loaded.tokenizer is not None and loaded.tokenizer.pad_token_id == 0
    assert not loaded.model.training


def test_delta_norms_equal_the_analytic_values(family: str, checkpoint: TinyCheckpoint) -> None:
    assert checkpoint.adapter_dir is not None
    loaded = load_model(checkpoint.model_dir, checkpoint.adapter_dir)
    analytic = _analytic_deltas(checkpoint.adapter_dir)
    assert len(analytic) == len(loaded.lora_deltas) == 3 * len(loaded.family.mlp_module_names())
    for path, delta in analytic.items():
        key = loaded.family.module_key(path)
        assert key is not None
        norm = torch.linalg.matrix_norm(loaded.lora_deltas[key])
        assert norm == pytest.approx(float(torch.linalg.matrix_norm(delta)), rel=1e-5)


def test_rslora_scaling_is_respected(tmp_path: Path) -> None:
    plain = save_tiny_checkpoint("llama", tmp_path / "plain", rank=4, alpha=8.0)
    rs = save_tiny_checkpoint("llama", tmp_path / "rs", rank=4, alpha=8.0, use_rslora=True)
    ratio = torch.linalg.matrix_norm(load_model(rs.model_dir, rs.adapter_dir).lora_deltas[(0, "up")]) / torch.linalg.matrix_norm(
        load_model(plain.model_dir, plain.adapter_dir).lora_deltas[(0, "up")]
    )
    assert float(ratio) == pytest.approx(2.0, rel=1e-5)  # (α/√r) / (α/r) = √4


def test_head_from_adapter_over_a_bare_backbone(tmp_path: Path, make_batch: Any) -> None:
    saved = save_tiny_checkpoint("bert", tmp_path, head_in_adapter=True, layers=3)
    with pytest.raises(ModelError, match="one-logit head"):
        load_model(saved.model_dir, saved.adapter_dir)
    loaded = load_model(saved.model_dir, saved.adapter_dir, allow_new_head=True)
    assert loaded.notes == ()  # the adapter's head replaces the seeded one: nothing to report
    in_memory = attach_tiny_lora(_build(tiny_config("bert", layers=3), seed=0), seed=1, train_head=True)
    ids, mask = make_batch("right")
    with torch.no_grad():
        expected = in_memory(input_ids=ids, attention_mask=mask).logits.squeeze(-1)
    torch.testing.assert_close(loaded.logits(TokenBatch(ids, mask)), expected, atol=1e-5, rtol=1e-4)
    with pytest.warns(UserWarning, match="randomly initialised"):
        load_model(saved.model_dir, allow_new_head=True)


def test_decoder_without_pad_token_pads_with_eos(tmp_path: Path) -> None:
    config = tiny_config("gpt2")
    config.pad_token_id = None
    model = _build(config, seed=0)
    model.save_pretrained(tmp_path)
    tokenizer = tiny_tokenizer("gpt2")
    tokenizer.pad_token = None
    tokenizer.save_pretrained(tmp_path)
    loaded = load_model(tmp_path)
    assert loaded.tokenizer.pad_token == "[EOS]"
    assert loaded.config.pad_token_id == EOS_ID


def test_two_logit_head_is_refused_before_loading(tmp_path: Path) -> None:
    _build(tiny_config("mistral", num_labels=2), seed=0).save_pretrained(tmp_path)
    with pytest.raises(ModelError, match="2-logit head") as error:
        load_model(tmp_path)
    assert "num_labels=1" in (error.value.hint or "")


def test_unknown_family_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "t5", "d_model": 8}))
    with pytest.raises(ModelError, match="'t5' is not supported"):
        load_model(tmp_path)


def test_missing_paths(tmp_path: Path, checkpoint: TinyCheckpoint) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    with pytest.raises(ModelError, match="adapter folder .* does not exist"):
        load_model(checkpoint.model_dir, tmp_path / "nowhere")
    with pytest.raises(ModelError, match="no adapter_config.json"):
        load_model(checkpoint.model_dir, checkpoint.model_dir)
    with pytest.raises(ModelError, match="cannot read a model config"):
        load_model(tmp_path)


def _without(model_dir: Path, prefix: str) -> Path:
    """``model_dir`` with the weights whose names start with ``prefix`` removed from model.safetensors."""
    from safetensors.torch import save_file

    weights = load_file(model_dir / "model.safetensors")
    save_file({k: v for k, v in weights.items() if not k.startswith(prefix)}, model_dir / "model.safetensors", metadata={"format": "pt"})
    return model_dir


def test_a_checkpoint_without_head_weights_is_refused_unless_allowed_then_seeded(tmp_path: Path, make_batch: Any) -> None:
    """Issue 18 item 4: a one-label config without score.weight loaded with an unseeded random head."""
    model_dir = _without(save_tiny_checkpoint("llama", tmp_path, adapter=False, layers=2).model_dir, "score.")
    before = sorted(p.name for p in model_dir.iterdir())
    with pytest.raises(ModelError, match=r"no weights for score\.weight: its head would be random") as error:
        load_model(model_dir)
    assert "allow_new_head" in (error.value.hint or "")
    with pytest.warns(UserWarning, match="initialised from seed 3"):
        first = load_model(model_dir, allow_new_head=True, head_seed=3)
    with pytest.warns(UserWarning):
        second = load_model(model_dir, allow_new_head=True, head_seed=3)
        other = load_model(model_dir, allow_new_head=True, head_seed=4)
    batch = TokenBatch(*make_batch("right"))
    assert torch.equal(first.logits(batch), second.logits(batch)) and not torch.equal(first.logits(batch), other.logits(batch))
    assert (
        first.notes
        and "seed 3" in first.notes[0]
        and load_model(save_tiny_checkpoint("llama", tmp_path / "b", adapter=False, layers=2).model_dir).notes == ()
    )
    assert sorted(p.name for p in model_dir.iterdir()) == before


def test_a_checkpoint_missing_other_weights_is_refused(tmp_path: Path) -> None:
    model_dir = _without(save_tiny_checkpoint("llama", tmp_path, adapter=False, layers=2).model_dir, "model.layers.1.mlp.down_proj")
    with pytest.raises(
        ModelError, match=r"no weights for 1 parameter\(s\) of the model \(e\.g\. model\.layers\.1\.mlp\.down_proj\.weight\)"
    ):
        load_model(model_dir, allow_new_head=True)


def test_an_unknown_model_type_lists_hedonics_families_not_transformers_advice(tmp_path: Path) -> None:
    """Issue 18 item 12: transformers' 'upgrade transformers' advice was relayed for an unknown model_type."""
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "qwen99", "hidden_size": 8}))
    with pytest.raises(ModelError) as error:
        load_model(tmp_path)
    text = str(error.value)
    assert "'qwen99' is not supported" in text and "llama" in text and "upgrade" not in text.lower()


# ---------------------------------------------------------------- issue 28 item 1
class Payload:
    """A pickle that runs ``touch MARKER`` when it is loaded (what an attacker's checkpoint would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        import os

        return os.system, (f"touch {self.marker}",)


def malicious_checkpoint(folder: Path, marker: Path) -> Path:
    """A model folder whose only weights are a ``pytorch_model.bin`` holding :class:`Payload`."""
    import pickle

    checkpoint = save_tiny_checkpoint("llama", folder, adapter=False, layers=2).model_dir
    (checkpoint / "model.safetensors").unlink()
    (checkpoint / "pytorch_model.bin").write_bytes(pickle.dumps(Payload(marker)))
    return checkpoint


def test_pickled_weights_are_refused_naming_the_file_and_never_loaded(tmp_path: Path) -> None:
    """Item 1: a malicious pytorch_model.bin ended in torch's advice to retry with weights_only=False."""
    import pickle
    import shutil

    marker = tmp_path / "pwned"
    model_dir = malicious_checkpoint(tmp_path / "evil", marker)
    with pytest.raises(ModelError) as error:
        load_model(model_dir)
    assert error.value.message.startswith(f"{model_dir / 'pytorch_model.bin'}: the weights are a pickle, and hedonic never loads pickles")
    assert "safetensors" in (error.value.hint or "") and "weights_only" not in str(error.value)
    checkpoint = save_tiny_checkpoint("llama", tmp_path / "good", layers=2)
    adapter = tmp_path / "evil-adapter"
    shutil.copytree(checkpoint.adapter_dir, adapter)  # type: ignore[arg-type]
    (adapter / "adapter_model.safetensors").unlink()
    (adapter / "adapter_model.bin").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ModelError, match=r"adapter_model\.bin: the weights are a pickle"):
        load_model(checkpoint.model_dir, adapter)
    assert not marker.exists()
    (model_dir / "pytorch_model.bin").unlink()
    with pytest.raises(ModelError, match=r"holds no weights \(model\.safetensors\)"):
        load_model(model_dir)
