"""``hedonic collect``: stream a dataset through the model once and save per-layer activation statistics.

Data-parallel: run the same command under torchrun, e.g.
``torchrun --standalone --nproc_per_node 2 $(which hedonic) collect demo --data demo --layer 2 --layer 3 --out-dir DIR``;
each process takes every N-th batch, the sums are all-reduced and rank 0 writes the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hedonic.cli._app import app
from hedonic.cli.options import (
    AdapterOption,
    AllowNewHeadOption,
    BatchSizeOption,
    DeviceOption,
    LayersOption,
    LegacyLayersOption,
    LegacyOutDirOption,
    LimitOption,
    MaxLengthOption,
    ModelArgument,
    OutDirOption,
    analysis_pairs,
    chosen_layers,
    chosen_out_dir,
    gib_to_bytes,
)
from hedonic.pipeline.config import DataSection
from hedonic.stats.settings import DEFAULTS as STATS
from hedonic.valuation.settings import DEFAULTS as VALUATION

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.models import ModelAdapter
    from hedonic.stats import ActivationStats

DATA = DataSection()
"""The batching defaults: a run configuration's ``[data]``, as ``hedonic run`` batches."""


@app.command()
def collect(
    model: ModelArgument,
    data: Annotated[
        str, typer.Option("--data", help="Pairs file (.jsonl with query/text, or MS MARCO .tsv), or 'demo' (demo corpus, train split).")
    ],
    layers: LayersOption = None,
    out_dir: OutDirOption = None,
    adapter: AdapterOption = None,
    grad: Annotated[bool, typer.Option("--grad", help="Also accumulate Σvvᵀ, v = a ⊙ ∂f/∂a (for PAS-grad).")] = False,
    readout: Annotated[
        str, typer.Option("--readout", help="Readout f of --grad: 'local' (logit lens after the layer) or 'model' (the logit).")
    ] = STATS.grad,
    tokens: Annotated[
        str, typer.Option("--tokens", help="Rows of the moments: 'readout' (one token per input) or 'all' non-padding tokens.")
    ] = STATS.tokens,
    neurons: Annotated[
        str, typer.Option("--neurons", help="Neurons to analyse: all, ids/ranges like 0-63,100, lora:K or variance:K.")
    ] = VALUATION.subset,
    diagonal: Annotated[bool, typer.Option("--diagonal", help="Keep only O(n) sums (mean, E|a|, variance), no Σaaᵀ.")] = False,
    batch_size: BatchSizeOption = DATA.batch_size,
    max_length: MaxLengthOption = DATA.max_length,
    limit: LimitOption = None,
    device: DeviceOption = "cpu",
    dtype: Annotated[
        str, typer.Option("--dtype", help="Model dtype: float32, float64, bfloat16 or float16 (sums stay float64).")
    ] = "float32",
    memory_budget: Annotated[
        float | None, typer.Option("--memory-budget", help="GiB allowed for the accumulators (default half the free memory).")
    ] = None,
    allow_new_head: AllowNewHeadOption = False,
    legacy_layers: LegacyLayersOption = None,
    legacy_out: LegacyOutDirOption = None,
) -> None:
    """Write OUT_DIR/layer<L>.safetensors (count, Σa, Σ|a|, Σa², Σaaᵀ and with --grad Σv, Σvvᵀ) per layer.

    The layers: --layer L, repeated (negative from the end); OUT_DIR: e.g. a run's stats/ folder.
    One forward pass per batch hooks every layer. Under torchrun (WORLD_SIZE > 1) the collection
    runs data-parallel (gloo on CPU, nccl on CUDA; --device cuda means cuda:LOCAL_RANK) and rank 0 writes.
    """
    from contextlib import nullcontext

    from hedonic.errors import ConfigError
    from hedonic.models import DTYPES, open_model
    from hedonic.stats import launched_by_torchrun, process_device, process_group, resolve_layer_subsets

    if readout not in ("local", "model") or tokens not in ("readout", "all") or dtype not in DTYPES:
        raise ConfigError(
            f"bad option: --readout {readout!r}, --tokens {tokens!r}, --dtype {dtype!r}",
            hint=f"--readout is local or model, --tokens readout or all, --dtype one of {', '.join(DTYPES)}",
        )
    chosen = chosen_layers(layers, legacy_layers)
    out = chosen_out_dir(out_dir, legacy_out)
    if not chosen or out is None:
        raise ConfigError("collect needs the layers and the output folder", hint="e.g. --layer 2 --layer 3 --out-dir runs/stats")
    distributed = launched_by_torchrun()
    device = process_device(device) if distributed else device
    pairs = analysis_pairs(data, limit)
    loaded = open_model(model, adapter, dtype=dtype, device=device, allow_new_head=allow_new_head)
    with process_group(device) if distributed else nullcontext((0, 1)) as (rank, world_size):
        job = _Job(loaded, pairs, chosen, batch_size, max_length, distributed, gib_to_bytes(memory_budget))
        subsets = resolve_layer_subsets(loaded, neurons, chosen, lambda: job.run(tokens=tokens, outer=False))
        stats = job.run(
            neurons=subsets,
            tokens=tokens,
            outer=not diagonal,
            grad=readout if grad else None,
            model_name=model,
            adapter_name="" if adapter is None else str(adapter),
        )
        if rank == 0:
            _write(stats, out, world_size)


class _Job:
    """The dataset, model and options shared by the passes of one ``collect`` command."""

    def __init__(
        self,
        adapter: ModelAdapter,
        pairs: list[QueryDocPair],
        layers: list[int],
        batch_size: int,
        max_length: int,
        distributed: bool,
        memory_budget: int | None,
    ) -> None:
        self.adapter, self.pairs, self.layers = adapter, pairs, layers
        self.batch_size, self.max_length, self.distributed = batch_size, max_length, distributed
        self.memory_budget = memory_budget

    def run(self, **options: Any) -> dict[int, ActivationStats]:
        from hedonic.data import iter_batches
        from hedonic.stats import collect_stats, collect_stats_distributed

        batches = iter_batches(self.adapter, self.pairs, self.batch_size, self.max_length)
        total = -(-len(self.pairs) // self.batch_size)
        run = collect_stats_distributed if self.distributed else collect_stats
        return run(self.adapter, batches, self.layers, total=total, memory_budget=self.memory_budget, **options)


def _write(stats: dict[int, ActivationStats], out: Path, world_size: int) -> None:
    from rich.table import Table

    from hedonic.display import console as make_console
    from hedonic.layout import RunLayout
    from hedonic.stats import save_stats

    names = RunLayout(out)  # file names as in a run's stats/ folder
    table = Table(title=f"activation statistics ({world_size} process{'es' if world_size > 1 else ''})")
    for column in ("layer", "neurons", "rows", "inputs", "gradient", "file"):
        table.add_column(column, justify="left" if column == "file" else "right")
    for layer, layer_stats in stats.items():
        path = save_stats(layer_stats, out / names.stats(layer).name)
        table.add_row(
            str(layer), str(layer_stats.k), str(layer_stats.count), str(layer_stats.num_inputs), layer_stats.readout or "-", str(path)
        )
    make_console().print(table)
