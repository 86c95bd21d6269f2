"""Data-parallel work on ``torch.distributed``: each rank takes a shard of the inputs, the sums are all-reduced.

Launch one process per device with ``torchrun`` (which sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``), e.g.
``torchrun --standalone --nproc_per_node 2 $(which hedonic) collect ...``. Backend: gloo when the
model is on the CPU, nccl on CUDA (one GPU per process, ``cuda:LOCAL_RANK``).

A :class:`DataParallel` is one process's place in the job. The expensive stages use it in one
pattern: every rank sees the same inputs in the same order, works on its shard only
(:meth:`DataParallel.shard`: batches i with i mod world_size = rank; :meth:`DataParallel.block`:
one contiguous, balanced run of inputs; :meth:`DataParallel.rows`: a block of every batch's rows),
and its float64 sums over inputs are added across
ranks (:meth:`DataParallel.sum_`), so N processes and one give the same results up to the order
of floating-point additions, and each rank holds what one process would hold for its shard,
never the per-input values of the others. Rank 0 writes the artifacts.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import torch
import torch.distributed as dist

from hedonic.errors import ConfigError, DataError, HedonicError
from hedonic.progress import progress
from hedonic.stats.collect import NeuronSelection, StatsCollector
from hedonic.stats.settings import DEFAULTS

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.stats.moments import ActivationStats, GradReadout, TokenScope

T = TypeVar("T")

DEFAULT_TIMEOUT = datetime.timedelta(hours=6)
"""How long a rank waits in a collective: the other ranks wait while rank 0 runs the serial stages."""


def launched_by_torchrun() -> bool:
    """True when the environment describes a multi-process job (``WORLD_SIZE`` > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def process_device(device: str) -> str:
    """The device of this process: ``cuda`` becomes ``cuda:LOCAL_RANK``; other devices unchanged."""
    if device == "cuda" and launched_by_torchrun():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


@contextmanager
def process_group(device: str | torch.device, timeout: datetime.timedelta = DEFAULT_TIMEOUT) -> Iterator[tuple[int, int]]:
    """Join the job described by the torchrun environment for the duration of the block.

    Yields (rank, world_size). Uses nccl for a CUDA ``device`` and gloo otherwise; ``timeout``
    bounds every collective. The group is destroyed on exit unless it already existed. Raises
    :class:`ConfigError` outside torchrun.
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
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=timeout)
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


def block(count: int, rank: int, world_size: int) -> range:
    """The ``rank``-th of ``world_size`` contiguous runs of 0..count-1, balanced (lengths differ by ≤ 1)."""
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank {rank} outside 0..{world_size - 1}", hint="pass the process's rank and the world size")
    size, extra = divmod(count, world_size)
    start = rank * size + min(rank, extra)
    return range(start, start + size + (rank < extra))


@dataclass(frozen=True)
class DataParallel:
    """This process's place in an initialised process group: ``rank`` of ``world_size``.

    ``device`` is where the tensors of the collectives go: this process's GPU with nccl, the CPU
    with gloo. Build it with :meth:`current` inside :func:`process_group`.
    """

    rank: int
    world_size: int
    device: torch.device

    @classmethod
    def current(cls) -> DataParallel | None:
        """The initialised process group as seen from this process; None without one (or with one process)."""
        if not dist.is_available() or not dist.is_initialized() or dist.get_world_size() == 1:
            return None
        nccl = dist.get_backend() == "nccl"
        device = torch.device("cuda", torch.cuda.current_device()) if nccl else torch.device("cpu")
        return cls(dist.get_rank(), dist.get_world_size(), device)

    @property
    def writer(self) -> bool:
        """True on rank 0, the rank that writes the artifacts."""
        return self.rank == 0

    def shard(self, items: Iterable[T]) -> Iterator[tuple[int, T]]:
        """(index, item) of this rank's items among ``items``: see :func:`shard`."""
        return shard(items, self.rank, self.world_size)

    def block(self, count: int) -> range:
        """This rank's contiguous run of 0..count-1 (see :func:`block`); :class:`DataError` if count < world_size."""
        if count < self.world_size:
            raise DataError(
                f"{count} inputs for {self.world_size} processes: some process would get none",
                hint=f"launch at most {max(count, 1)} processes (torchrun --nproc_per_node), or pass more inputs",
            )
        return block(count, self.rank, self.world_size)

    def rows(self, batches: Iterable[TokenBatch]) -> Iterator[TokenBatch]:
        """This rank's rows of every batch: a contiguous, balanced block of each (batches it gets no row of are skipped).

        Balanced however few batches there are (a stream of one batch is still shared by all ranks).
        """
        for batch in batches:
            mine = block(len(batch), self.rank, self.world_size)
            if len(mine):
                yield batch if len(mine) == len(batch) else batch.select(slice(mine.start, mine.stop))

    def sum_(self, tensor: torch.Tensor) -> torch.Tensor:
        """Replace ``tensor`` by its sum over the ranks, in place, and return it.

        A tensor on another device than :attr:`device` goes through a temporary copy there.
        """
        if tensor.device == self.device:
            dist.all_reduce(tensor)
            return tensor
        staged = tensor.to(self.device)
        dist.all_reduce(staged)
        return tensor.copy_(staged)

    def sum_array(self, array: np.ndarray) -> np.ndarray:
        """The float64 sum over the ranks of ``array`` (any shape), as a new NumPy array."""
        tensor = torch.as_tensor(np.asarray(array, dtype=np.float64)).to(self.device)
        return self.sum_(tensor).cpu().numpy()

    def gather_blocks(self, values: np.ndarray, count: int) -> np.ndarray:
        """The per-input ``values`` (this rank's :meth:`block` of ``count`` inputs) of every rank, in input order.

        For small per-input vectors only (e.g. one score per input): every rank receives all ``count``.
        """
        sizes = [len(block(count, rank, self.world_size)) for rank in range(self.world_size)]
        if len(values) != sizes[self.rank]:
            raise ConfigError(
                f"rank {self.rank} passed {len(values)} values for its block of {sizes[self.rank]} inputs",
                hint="pass one value per input of this rank's block (DataParallel.block)",
            )
        padded = torch.zeros(max(sizes), dtype=torch.float64, device=self.device)
        padded[: len(values)] = torch.as_tensor(np.asarray(values, dtype=np.float64)).to(self.device)
        parts = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(parts, padded)
        return torch.cat([part[:size] for part, size in zip(parts, sizes, strict=True)]).cpu().numpy()

    def agree(self, decide: Callable[[], bool]) -> bool:
        """Rank 0's answer of ``decide()`` on every rank (the other ranks do not call it)."""
        with self.together():
            flag = torch.tensor([float(self.writer and decide())], dtype=torch.float64, device=self.device)
        dist.broadcast(flag, src=0)
        return bool(flag.item())

    @contextmanager
    def together(self) -> Iterator[None]:
        """Run the block on every rank, then wait for all; if any rank failed, every rank raises.

        The failing rank re-raises its own error, the others a :class:`HedonicError` that points
        to it, instead of waiting forever in the next collective. Also a barrier.
        """
        failure: Exception | None = None
        try:
            yield
        except Exception as error:  # noqa: BLE001 - re-raised below, after telling the other ranks
            failure = error
        failed = self.sum_array(np.array([float(failure is not None)]))[0]
        if failure is not None:
            raise failure
        if failed > 0:
            raise HedonicError(
                f"{int(failed)} other rank(s) of the distributed job failed",
                hint="see the failing rank's error in the job's log",
            )


def collect_stats_distributed(
    adapter: ModelAdapter,
    batches: Iterable[TokenBatch],
    layers: Sequence[int],
    *,
    neurons: NeuronSelection = None,
    tokens: TokenScope = DEFAULTS.tokens,
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
    all items. The accumulators (float64, on the layers' devices) are summed with ``all_reduce``.
    ``total`` (number of batches) sizes the progress bar, shown on rank 0 only. If any rank
    fails, every rank raises (the failing one its own error) instead of waiting forever.
    """
    parallel = DataParallel.current()
    if parallel is None:
        raise ConfigError("no process group with more than one process", hint="call it inside process_group() under torchrun")
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
    mine = parallel.shard(batches)
    if parallel.writer:
        share = None if total is None else len(range(parallel.rank, total, parallel.world_size))
        mine = progress(mine, f"activation statistics (rank 0 of {parallel.world_size})", total=share)
    with parallel.together():
        for index, batch in mine:
            collector.add(batch, index)
    for accumulator in collector.accumulators.values():
        for tensor in accumulator.tensors():
            parallel.sum_(tensor)
    return collector.results(model_name, adapter_name)
