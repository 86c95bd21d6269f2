"""A model spread over several devices: caches, closed forms and sums stay on the device of the layer's states.

On a CPU-only machine the check splits a tiny LLaMA over two devices, the CPU (embeddings, block
0) and ``meta`` (blocks 1-2, final norm, head), moving the hidden states between them with
accelerate's device hooks as a ``device_map`` does. PyTorch refuses to mix CPU and meta tensors in
one operation and meta tensors hold no values, so the check shows where every tensor is made and
that no step assumes one device; the values are checked on one device elsewhere, and across real
GPUs by the CUDA tests (``scripts/gpu_check.sh``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from accelerate.hooks import AlignDevicesHook, add_hook_to_module

from hedonic.ablation import AblationEngine, build_cache, norm_readout, pad_sets
from hedonic.errors import ModelError
from hedonic.models import ModelAdapter, load_model
from hedonic.stats import StatsCollector, collect_stats
from hedonic.testing import TinyCheckpoint, save_tiny_checkpoint, tiny_model
from hedonic.valuation.exact import pas_exact
from hedonic.valuation.pairwise import PairwiseSynergy, readout_rows

META = torch.device("meta")
CPU = torch.device("cpu")
SETS = [[1, 4], [2, 9, 17], [30]]


def split_over_cpu_and_meta() -> ModelAdapter:
    """A tiny LLaMA whose block 0 and embeddings are on the CPU, everything after on ``meta``."""
    adapter = tiny_model("llama", seed=0, layers=3)
    model = adapter.model
    for module in [model.model.layers[1], model.model.layers[2], model.model.norm, model.score]:
        module.to(META)
        add_hook_to_module(module, AlignDevicesHook(execution_device=META))
    return adapter


@pytest.fixture(scope="module")
def split() -> ModelAdapter:
    return split_over_cpu_and_meta()


def test_layer_devices_follow_the_split(split: ModelAdapter) -> None:
    assert split.device == CPU  # the inputs go to the embeddings' device
    assert split.layer_device(0) == CPU and split.layer_device(1) == split.layer_device(2) == META


def test_caches_readouts_and_effects_stay_on_the_layer_device(split: ModelAdapter) -> None:
    batch = split.encode(["the query", "a list"], ["a document text", "open the file"])
    cache = build_cache(split, batch, 1)
    assert cache.batch.input_ids.device == CPU
    assert {cache.residual.device, cache.terms[0].coefficients.device, cache.token_residual.device} == {META}
    assert norm_readout(split, 1).weight.device == META and norm_readout(split, 1, "linear").weight.device == META
    engine = AblationEngine(split, 1, batch)
    padded = pad_sets(SETS, split.intermediate_size)
    for readout in ("local", "linear", "model"):
        effects = engine.cache_effects(engine.caches[0], padded, readout)
        assert effects.device == META and effects.shape == (len(SETS), len(batch)) and effects.dtype == torch.float64
    block = split.block(1)
    assert block._hf_hook.execution_device == META and block.forward.__name__ != "replaced"  # hook restored


def test_pairwise_inputs_and_accumulators_live_on_the_layer_device(split: ModelAdapter) -> None:
    batch = split.encode(["the query"], ["a document text"])
    residual, activations = readout_rows(split, batch, 1, torch.tensor([1, 4, 6]))
    assert residual.device == activations.device == META and activations.shape == (1, 3)
    synergy = PairwiseSynergy(norm_readout(split, 1), split.w_out(1)[:, torch.tensor([1, 4, 6], device=META)])
    assert synergy.mean().device == META
    collector = StatsCollector(split, [0, 1], neurons={0: [1, 2], 1: [3, 4]})
    assert {tensor.device for tensor in collector.accumulators[0].tensors()} == {CPU}
    assert {tensor.device for tensor in collector.accumulators[1].tensors()} == {META}
    assert collector.index[1].device == META


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoint:
    return save_tiny_checkpoint("llama", tmp_path_factory.mktemp("map"), layers=3, hidden=16, intermediate=32)


def module_map(device: str, last: str | None = None) -> dict[str, str]:
    """A device map of the tiny LLaMA module by module; ``last`` places blocks 2, the norm and the head."""
    names = ["model.embed_tokens", "model.rotary_emb", "model.layers.0", "model.layers.1"]
    tail = ["model.layers.2", "model.norm", "score"]
    return {name: device for name in names} | {name: last or device for name in tail}


def test_a_device_map_loads_and_gives_the_same_numbers(checkpoint: TinyCheckpoint) -> None:
    plain = load_model(checkpoint.model_dir, checkpoint.adapter_dir)
    mapped = load_model(checkpoint.model_dir, checkpoint.adapter_dir, device_map=module_map("cpu"))
    batches = [plain.encode(["the query", "a list"], ["a document text", "open the file"])]
    for layer in (1, 2):
        expected = AblationEngine(plain, layer, batches).effects(SETS, "model").delta
        np.testing.assert_allclose(AblationEngine(mapped, layer, batches).effects(SETS, "model").delta, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pas_exact(mapped, 1, batches).phi, pas_exact(plain, 1, batches).phi, rtol=1e-5, atol=1e-7)


def test_offloaded_weights_are_refused(checkpoint: TinyCheckpoint) -> None:
    with pytest.raises(ModelError, match="offloaded") as raised:
        load_model(checkpoint.model_dir, checkpoint.adapter_dir, device_map=module_map("cpu", "disk"))
    assert "GPU" in raised.value.hint


def _gpu_map(count: int) -> dict[str, int]:
    return {name: (0 if position < 3 else count - 1) for position, name in enumerate(module_map("cpu"))}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_equals_cpu(checkpoint: TinyCheckpoint) -> None:
    cpu = load_model(checkpoint.model_dir, checkpoint.adapter_dir)
    count = torch.cuda.device_count()
    gpu = load_model(checkpoint.model_dir, checkpoint.adapter_dir, device_map=_gpu_map(count))
    assert gpu.layer_device(2).index == count - 1
    batches = [cpu.encode(["the query", "a list", "python code"], ["a document text", "open the file", "read it"])]
    for readout in ("local", "model"):
        expected = AblationEngine(cpu, 2, batches).effects(SETS, readout).delta
        found = AblationEngine(gpu, 2, batches).effects(SETS, readout).delta
        np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pas_exact(gpu, 2, batches).phi, pas_exact(cpu, 2, batches).phi, rtol=1e-4, atol=1e-6)
    on_gpu, on_cpu = collect_stats(gpu, batches, [1, 2]), collect_stats(cpu, batches, [1, 2])
    for layer in (1, 2):
        np.testing.assert_allclose(on_gpu[layer].sum_outer, on_cpu[layer].sum_outer, rtol=1e-4, atol=1e-5)
