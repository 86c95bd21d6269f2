"""The family table: every path resolves on real transformers classes; unknown types fail clearly."""

from __future__ import annotations

import pytest
from torch import nn

from hedonic.errors import ModelError
from hedonic.models import FAMILIES, ModelAdapter, family_for, supported_model_types

EXPECTED_CLASSES = {
    "llama": "LlamaForSequenceClassification",
    "mistral": "MistralForSequenceClassification",
    "gpt_neox": "GPTNeoXForSequenceClassification",
    "bert": "BertForSequenceClassification",
    "gpt2": "GPT2ForSequenceClassification",
}


def test_every_path_resolves_on_the_real_class(family: str, base: ModelAdapter) -> None:
    spec = family_for(family)
    model = base.model
    assert type(model).__name__ == EXPECTED_CLASSES[family]
    blocks = model.get_submodule(spec.layers)
    assert isinstance(blocks, nn.ModuleList) and len(blocks) == 3
    block = blocks[0]
    for path in (*spec.in_proj_paths.values(), spec.out_proj, spec.mlp_norm):
        block.get_submodule(path)
    if spec.residual_module:
        block.get_submodule(spec.residual_module)
    for path in (spec.final_norm, spec.head, spec.pooler):
        if path is not None:
            model.get_submodule(path)
    if spec.layer_norm_after is not None:
        assert isinstance(block.get_submodule(spec.layer_norm_after), nn.LayerNorm)
    assert (spec.final_norm is None) == (spec.layer_norm_after is not None)
    assert type(block.get_submodule(spec.out_proj)).__name__ == ("Conv1D" if spec.transposed else "Linear")


def test_model_types_are_unique() -> None:
    types = [t for family in FAMILIES for t in family.model_types]
    assert len(types) == len(set(types)) == len(supported_model_types())


def test_unknown_model_type_lists_the_families() -> None:
    with pytest.raises(ModelError) as error:
        family_for("t5")
    message = str(error.value)
    assert "'t5'" in message
    for name in ("llama", "mistral", "gpt_neox", "bert", "gpt2"):
        assert name in message
    assert error.value.hint and "convert" in error.value.hint


@pytest.mark.parametrize(
    ("family", "path", "key"),
    [
        ("llama", "model.layers.3.mlp.gate_proj", (3, "gate")),
        ("llama", "model.layers.12.mlp.down_proj", (12, "out")),
        ("llama", "model.layers.0.self_attn.q_proj", (0, "self_attn.q_proj")),
        ("llama", "model.norm", None),
        ("bert", "bert.encoder.layer.2.output.dense", (2, "out")),
        ("bert", "bert.encoder.layer.2.attention.output.dense", (2, "attention.output.dense")),
        ("bert", "bert.encoder.layer.2.intermediate.dense", (2, "fc")),
        ("gpt2", "transformer.h.1.mlp.c_fc", (1, "fc")),
        ("gpt_neox", "gpt_neox.layers.5.mlp.dense_4h_to_h", (5, "out")),
    ],
)
def test_module_key(family: str, path: str, key: tuple[int, str] | None) -> None:
    assert family_for(family).module_key(path) == key
