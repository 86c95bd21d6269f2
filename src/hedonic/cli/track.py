"""``hedonic track``: follow coalitions across consecutive analysed layers (events + Sankey)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hedonic.cli import app
from hedonic.cli.options import AdapterOption, AllowNewHeadOption, ModelOption


@app.command()
def track(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="A run directory (partitions/layer<L>.json, stats/layer<L>.safetensors), or partition files."),
    ] = None,
    model: ModelOption = "",
    adapter: AdapterOption = None,
    partitions: Annotated[
        list[Path] | None, typer.Option("--partitions", help="Partition file of one layer (repeat the option, or list files as arguments).")
    ] = None,
    mean_abs: Annotated[
        list[Path] | None, typer.Option("--mean-abs", help="E|a| .npy vector per partition, in the same order; repeat the option.")
    ] = None,
    stats: Annotated[
        list[Path] | None, typer.Option("--stats", help="Activation statistics file per partition, in the same order; repeat the option.")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Where to write events and the Sankey (default RUN_DIR/tracking).")] = None,
    projection: Annotated[str, typer.Option("--projection", help="Input projection of layer ℓ+1: gate, up, fc or both.")] = "both",
    center: Annotated[bool, typer.Option("--center", help="Also fold LayerNorm mean subtraction into the virtual weights.")] = False,
    tau: Annotated[float, typer.Option("--tau", help="Relative threshold τ for children / parents links.")] = 0.5,
    presence: Annotated[float, typer.Option("--presence", help="A link is live when S ≥ presence × the median strongest link of a source (and ≥ --floor).")] = 0.1,
    floor: Annotated[float, typer.Option("--floor", help="Absolute lower bound on S for a live link.")] = 0.0,
    link_threshold: Annotated[float, typer.Option("--link-threshold", help="Draw links with S ≥ this × the source coalition's strongest link.")] = 0.0,
    min_size: Annotated[int, typer.Option("--min-size", help="Draw coalitions of at least this size.")] = 1,
    max_size: Annotated[int | None, typer.Option("--max-size", help="Draw coalitions of at most this size.")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Draw only the k largest coalitions of each layer.")] = None,
    block_rows: Annotated[int | None, typer.Option("--block-rows", help="Rows of the virtual weights per block.")] = None,
    allow_new_head: AllowNewHeadOption = False,
    device: Annotated[str, typer.Option("--device", help="Torch device for the model and the virtual weights.")] = "cpu",
) -> None:
    """Track coalitions from layer ℓ to ℓ+1 for every pair of consecutive analysed layers.

    Writes events_{L}_{L+1}.json per pair and sankey.html. Run directory: hedonic track RUN_DIR
    --model MODEL. Explicit files: hedonic track --partitions a.json b.json --model MODEL
    --out-dir DIR [--stats s_a.safetensors --stats s_b.safetensors].
    """
    from rich.console import Console
    from rich.table import Table

    from hedonic.errors import ConfigError
    from hedonic.layout import RunLayout
    from hedonic.models import open_model
    from hedonic.tracking import (
        EVENT_TYPES,
        SankeyOptions,
        Thresholds,
        TrackingOptions,
        adjacent_pairs,
        explicit_inputs,
        run_dir_inputs,
        track_chain,
        write_tracking,
    )

    files = [*(partitions or []), *(paths or [])]
    if mean_abs and stats:
        raise ConfigError("--mean-abs and --stats both given", hint="pass E|a| one way: --mean-abs or --stats")
    weight_files = list(mean_abs or stats or [])
    run_dir = files[0] if len(files) == 1 and files[0].is_dir() and not partitions else None
    if run_dir is not None:
        if weight_files:
            raise ConfigError(
                "--mean-abs / --stats cannot be combined with a run directory",
                hint="a run directory supplies E|a| from RUN_DIR/stats; pass partition files to choose E|a| files",
            )
        inputs = run_dir_inputs(run_dir)
        destination = out_dir or RunLayout(run_dir).tracking_dir
    else:
        if out_dir is None:
            raise ConfigError("--out-dir is required with partition files", hint="add --out-dir DIR")
        inputs = explicit_inputs(files, weight_files, stats=not mean_abs)
        destination = out_dir
    if not model:
        raise ConfigError("no model given", hint="pass --model MODEL (a folder, a hub id, or 'demo')")
    options = TrackingOptions(
        projection=projection,
        center=center,
        thresholds=Thresholds(tau=tau, presence=presence, floor=floor),
        block_rows=block_rows,
        device=device,
    )
    drawing = SankeyOptions(link_threshold=link_threshold, min_size=min_size, max_size=max_size, top_k=top_k)
    layers = sorted(inputs.partitions)
    pairs = adjacent_pairs(layers)
    if not pairs:
        raise ConfigError(
            f"no two consecutive layers among the analysed layers {layers}",
            hint="tracking pairs layer ℓ with ℓ+1: provide partitions of adjacent layers",
        )

    loaded = open_model(model, adapter, device=device, allow_new_head=allow_new_head)
    results = track_chain(loaded, inputs.partitions, inputs.weights(loaded.intermediate_size), options)
    written = write_tracking(results, destination, drawing)

    console = Console()
    table = Table(title=f"Coalition events per layer pair (τ = {tau:g}, presence = {presence:g}, floor = {floor:g})")
    for column in ("pair", "coalitions", *EVENT_TYPES, "weights"):
        table.add_column(column, justify="right")
    for result in results:
        percent = result.tracking.percentages()
        table.add_row(
            f"{result.source_layer}→{result.target_layer}",
            f"{result.tracking.n_sources}→{result.tracking.n_targets}",
            *(f"{percent[kind]:.1f}%" for kind in EVENT_TYPES),
            str(result.settings["weighting"]),
        )
    console.print(table)
    console.print("persist, split, vanish: % of layer ℓ coalitions; merge, emerge: % of layer ℓ+1 coalitions")
    uniform = [result.source_layer for result in results if result.settings["weighting"] == "uniform"]
    if uniform:
        console.print(f"E|a| not available for layer(s) {', '.join(map(str, uniform))}: uniform weights used")
    gaps = [layer for layer in layers[:-1] if layer + 1 not in inputs.partitions]
    if gaps:
        console.print(f"not tracked (next layer not analysed): after layer(s) {', '.join(map(str, gaps))}")
    for path in written:
        console.print(f"wrote {path}")
