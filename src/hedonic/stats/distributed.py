"""Data-parallel statistics on ``torch.distributed``: each rank sums its shard, the sums are all-reduced.

Launch one process per device with ``torchrun`` (which sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``), e.g.
``torchrun --standalone --nproc_per_node 2 $(which hedonic) collect ...``. Backend: gloo when the
model is on the CPU, nccl on CUDA (one GPU per process, ``cuda:LOCAL_RANK``). Every rank sees the
same sequence of batches and keeps those whose index i satisfies i mod world_size = rank; the
float64 sums are then added across ranks, so N processes and one give the same statistics up to
the order of floating-point additions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import torch
import torch.distributed as dist

from hedonic.errors import ConfigError, HedonicError
from hedonic.models import ModelAdapter, TokenBatch
from hedonic.progress import progress
from hedonic.stats.collect import NeuronSelection, StatsCollector
from hedonic.stats.moments import ActivationStats, GradReadout, TokenScope

T = TypeVar("T")


def launched_by_torchrun() -> bool:
    """True when the environment describes a multi-process job (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def process_device(device: str) -> str:
    """The device of this process: ``cuda`` becomes ``cuda:LOCAL_RANK``; other devices unchanged."""
    if device == "cuda" and launched_by_torchrun():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


@contextmanager
def process_group(device: str | torch.device) -> Iterator[tuple[int, int]]:
    """Join the job described by the torchrun environment for the duration of the block.

    Yields (rank, world_size). Uses nccl for a CUDA ``device`` and gloo otherwise; the group is
    destroyed on exit unless it already existed. Raises :class:`ConfigError` outside torchrun.
    """
    if not launched_by_torchrun():
        raise ConfigError(
            "no distributed job: WORLD_SIZE is not set above 1",
            hint="launch with torchrun --nproc_per_node N, or run without the distributed option",
        )
    device = torch.device(device)
    owned = not dist.is_initialized()
    if owned:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield dist.get_rank(), dist.get_world_size()
    finally:
        if owned:
            dist.destroy_process_group()


def shard(items: Iterable[T], rank: int, world_size: int) -> Iterator[tuple[int, T]]:
    """(index, item) for the items of ``rank``'s shard: index i with i mod ``world_size`` = ``rank``."""
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank {rank} outside 0..{world_size - 1}", hint="pass the process's rank and the world size")
    return ((index, item) for index, item in enumerate(items) if index % world_size == rank)


def collect_stats_distributed(
    adapter: ModelAdapter,
    batches: Iterable[TokenBatch],
    layers: Sequence[int],
    *,
    neurons: NeuronSelection = None,
    tokens: TokenScope = "readout",
    outer: bool = True,
    grad: GradReadout | None = None,
    stop_early: bool = True,
    memory_budget: int | None = None,
    total: int | None = None,
    model_name: str = "",
    adapter_name: str = "",
) -> dict[int, ActivationStats]:
    """:func:`~hedonic.stats.collect_stats` across the ranks of an initialised process group.

    Every rank passes the same ``batches`` (in the same order) and gets the statistics of the
    whole dataset; a rank tokenises and runs only its shard (:func:`shard`), but iterates over
    all items. The accumulators (float64, on the model's device) are summed with ``all_reduce``.
    ``total`` (number of batches) sizes the progress bar, shown on rank 0 only. If any rank
    fails, every rank raises (the failing one its own error) instead of waiting forever.
    """
    rank, world_size = dist.get_rank(), dist.get_world_size()
    collector = StatsCollector(
        adapter,
        layers,
        neurons=neurons,
        tokens=tokens,
        outer=outer,
        grad=grad,
        stop_early=stop_early,
        memory_budget=memory_budget,
    )
    mine = shard(batches, rank, world_size)
    if rank == 0:
        share = None if total is None else len(range(rank, total, world_size))
        mine = progress(mine, f"activation statistics (rank 0 of {world_size})", total=share)
    failure: Exception | None = None
    try:
        for index, batch in mine:
            collector.add(batch, index)
    except Exception as error:  # noqa: BLE001 - re-raised below, after telling the other ranks
        failure = error
    failed = torch.tensor([float(failure is not None)], dtype=torch.float64, device=adapter.device)
    dist.all_reduce(failed)
    if failure is not None:
        raise failure
    if failed.item() > 0:
        raise HedonicError(
            f"{int(failed.item())} other rank(s) of the distributed collection failed",
            hint="see the failing rank's error in the job's log",
        )
    for accumulator in collector.accumulators.values():
        for tensor in accumulator.tensors():
            dist.all_reduce(tensor)
    return collector.results(model_name, adapter_name)
