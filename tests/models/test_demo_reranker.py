"""The shipped demo adapter: what it holds, and that it beats the untuned base on held-out pairs."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
import torch
from safetensors import safe_open

from hedonic.data import build_demo_corpus, label_array
from hedonic.models import ModelAdapter, demo_model_paths, load_demo_model, load_model

HELD_OUT_PAIRS = 40
"""Balanced held-out pairs scored (20 queries: relevant passage, then one negative)."""


@pytest.fixture(scope="module")
def tuned() -> ModelAdapter:
    return load_demo_model()


@pytest.fixture(scope="module")
def base() -> ModelAdapter:
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*randomly initialised.*")
        return load_model(demo_model_paths()[0], allow_new_head=True)


def test_adapter_folder_holds_a_small_mlp_only_lora() -> None:
    _, folder = demo_model_paths()
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    assert (folder / "adapter_model.safetensors").stat().st_size < 2_000_000
    config = json.loads((folder / "adapter_config.json").read_text())
    assert (config["peft_type"], config["r"], config["modules_to_save"]) == ("LORA", 8, ["classifier"])
    with safe_open(str(folder / "adapter_model.safetensors"), "pt") as tensors:
        keys = list(tensors.keys())
    lora = [k for k in keys if "lora_" in k]
    assert len(lora) == 6 * 2 * 2  # 6 layers × (intermediate.dense, output.dense) × (A, B)
    assert all(re.search(r"encoder\.layer\.\d\.(intermediate|output)\.dense\.lora_[AB]", k) for k in lora)
    assert not any("attention" in k for k in keys)
    assert {k for k in keys if "lora_" not in k} and all("classifier" in k for k in keys if "lora_" not in k)


def test_demo_model_beats_the_untuned_base(tuned: ModelAdapter, base: ModelAdapter) -> None:
    pairs = build_demo_corpus().heldout.pairs[:HELD_OUT_PAIRS]
    labels = label_array(pairs) == 1.0
    batch = tuned.encode([p.query for p in pairs], [p.text for p in pairs])
    scores = {name: model.logits(batch).numpy() for name, model in (("tuned", tuned), ("base", base))}
    accuracy = {name: np.mean((s > 0) == labels) for name, s in scores.items()}
    pairwise = {name: np.mean(s[0::2] > s[1::2]) for name, s in scores.items()}
    assert accuracy["tuned"] >= 0.85 and pairwise["tuned"] >= 0.85
    assert accuracy["tuned"] >= accuracy["base"] + 0.2
    assert pairwise["tuned"] > pairwise["base"]


def test_adapter_is_merged_into_the_mlps(tuned: ModelAdapter, base: ModelAdapter) -> None:
    assert sorted(tuned.lora_deltas) == [(layer, name) for layer in range(6) for name in ("fc", "out")]
    for layer in (0, 5):
        assert not torch.equal(tuned.w_out(layer), base.w_out(layer))
        torch.testing.assert_close(tuned.w_out(layer, base=True), base.w_out(layer), atol=1e-5, rtol=0)
