"""Data-parallel collection: two gloo processes under torchrun give the single-process statistics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hedonic.errors import ConfigError
from hedonic.stats import DataParallel, block, collect_stats, load_stats, process_group, shard
from hedonic.testing import tiny_model

SCRIPT = """
import sys
from hedonic.testing import tiny_model
from hedonic.stats import collect_stats_distributed, process_group, save_stats

QUERIES = {queries!r}
TEXTS = {texts!r}
adapter = tiny_model("llama", seed=0, layers=2)
batches = [adapter.encode(QUERIES[i : i + 2], TEXTS[i : i + 2]) for i in range(0, len(QUERIES), 2)]
with process_group("cpu") as (rank, world_size):
    stats = collect_stats_distributed(adapter, batches, [0, 1], neurons={{1: [2, 3, 5, 30]}}, grad="model", total=len(batches))
    if rank == 0:
        for layer, layer_stats in stats.items():
            save_stats(layer_stats, sys.argv[1] + f"/layer{{layer}}.safetensors")
"""


def test_shard_strides_deterministically() -> None:
    items = list("abcdefg")
    assert list(shard(items, 0, 3)) == [(0, "a"), (3, "d"), (6, "g")]
    assert list(shard(items, 2, 3)) == [(2, "c"), (5, "f")]
    assert sorted(i for rank in range(3) for i, _ in shard(items, rank, 3)) == list(range(7))
    with pytest.raises(ConfigError):
        list(shard(items, 3, 3))


def test_process_group_needs_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(ConfigError, match="torchrun"):
        with process_group("cpu"):
            pass


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_two_processes_equal_one(tmp_path: Path, pairs: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    queries, texts = pairs
    script = tmp_path / "collect.py"
    script.write_text(SCRIPT.format(queries=queries, texts=texts))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HEDONIC_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script), str(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]

    adapter = tiny_model("llama", seed=0, layers=2)
    batches = [adapter.encode(queries[i : i + 2], texts[i : i + 2]) for i in range(0, len(queries), 2)]
    single = collect_stats(adapter, batches, [0, 1], neurons={1: [2, 3, 5, 30]}, grad="model")
    for layer in (0, 1):
        both = load_stats(tmp_path / f"layer{layer}.safetensors")
        assert (both.count, both.num_inputs, both.neurons.tolist()) == (7, 7, single[layer].neurons.tolist())
        for name in ("sum", "sum_abs", "sum_sq", "sum_outer", "sum_v", "sum_vv"):
            expected = getattr(single[layer], name)  # relative 1e-6 of the largest entry (float32 forwards)
            np.testing.assert_allclose(getattr(both, name), expected, rtol=0, atol=1e-6 * np.abs(expected).max(), err_msg=name)


def test_blocks_are_contiguous_balanced_and_cover_everything() -> None:
    for count, world_size in ((7, 2), (7, 3), (2, 4), (0, 2), (12, 4)):
        parts = [block(count, rank, world_size) for rank in range(world_size)]
        assert [i for part in parts for i in part] == list(range(count))
        assert max(map(len, parts)) - min(map(len, parts)) <= 1
    with pytest.raises(ConfigError):
        block(3, 2, 2)


def test_rows_of_every_batch_are_shared_out(pairs: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
    queries, texts = pairs
    adapter = tiny_model("llama", seed=0, layers=1)
    batches = [adapter.encode(queries[:5], texts[:5]), adapter.encode(queries[5:6], texts[5:6])]
    shares = [list(DataParallel(rank, 2, torch.device("cpu")).rows(batches)) for rank in (0, 1)]
    assert [[len(batch) for batch in share] for share in shares] == [[3, 1], [2]]
    rows = torch.cat([batch.input_ids[:, :3] for batch in (shares[0][0], shares[1][0])])
    assert torch.equal(rows, batches[0].input_ids[:, :3])
