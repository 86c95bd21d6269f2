"""``hedonic baselines``: partition a layer with every clustering baseline, matched to the hedonic partition."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.baselines import BASELINE_METHODS
from hedonic.baselines.spectral import DEFAULT_MAX_PLAYERS
from hedonic.cli._app import app
from hedonic.cli.options import (
    AdapterOption,
    AllowNewHeadOption,
    LayerOption,
    ModelOption,
    OutDirOption,
    PartitionOption,
    RunDirOption,
    SeedOption,
)
from hedonic.pipeline.config import BaselinesSection

if TYPE_CHECKING:
    from hedonic.baselines import BaselineInputs

BASELINES = BaselinesSection()
"""The defaults: a run configuration's ``[baselines]``, as ``hedonic run`` clusters."""

METHODS_HELP = "Comma-separated methods: " + "; ".join(f"'{row.name}' ({row.description})" for row in BASELINE_METHODS.values()) + "."


@app.command()
def baselines(
    layer: LayerOption,
    phi: Annotated[Path | None, typer.Option("--phi", help="Valuation φ of the layer (.safetensors or .npy).")] = None,
    partition: PartitionOption = None,
    model: ModelOption = "",
    adapter: AdapterOption = None,
    stats: Annotated[Path | None, typer.Option("--stats", help="Activation statistics with Σaaᵀ (for agglomerative clustering).")] = None,
    run_dir: RunDirOption = None,
    out_dir: OutDirOption = None,
    methods: Annotated[str, typer.Option("--methods", help=METHODS_HELP)] = ",".join(BASELINES.methods),
    seed: SeedOption = 0,
    match_sizes: Annotated[
        bool, typer.Option("--match-sizes/--no-match-sizes", help="Give every clustering exactly the hedonic size distribution.")
    ] = BASELINES.match_sizes,
    max_spectral_players: Annotated[
        int, typer.Option("--max-spectral-players", min=2, help="Skip spectral clustering above this many neurons.")
    ] = DEFAULT_MAX_PLAYERS,
    kmeans_n_init: Annotated[
        int, typer.Option("--kmeans-n-init", min=1, help="Restarts of spherical k-means (lower it for very large layers).")
    ] = BASELINES.kmeans_n_init,
    allow_new_head: AllowNewHeadOption = False,
) -> None:
    """Write one partition per baseline method, with the players and size distribution of the hedonic partition.

    Files: hedonic baselines --layer L --phi PHI --partition P.json --model MODEL [--stats S]
    --out-dir DIR (one <method>.json each). Run directory: hedonic baselines --run-dir DIR --layer L
    --model MODEL reads valuation/, partitions/ and stats/ and writes baselines/layer<L>/.
    The model's weights feed spherical k-means: without --model it is skipped; without statistics
    (or without Σaaᵀ in them) agglomerative clustering is skipped; each skip is printed with its reason.
    """
    from rich.table import Table

    from hedonic.baselines import run_baselines
    from hedonic.display import console as make_console
    from hedonic.errors import ConfigError
    from hedonic.game import load_partition, save_partition
    from hedonic.layout import RunLayout

    chosen = [name.strip() for name in methods.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BASELINE_METHODS))
    if unknown or not chosen:
        raise ConfigError(
            f"unknown or no baseline methods: {', '.join(unknown) or methods!r}", hint=f"choose among {', '.join(BASELINE_METHODS)}"
        )
    layout = RunLayout(run_dir) if run_dir is not None else None
    phi_path = phi or (layout.valuation(layer) if layout else None)
    partition_path = partition or (layout.partition(layer) if layout else None)
    destination = out_dir or (layout.baselines_dir(layer) if layout else None)
    stats_path = stats or (_existing(layout.stats(layer)) if layout else None)
    if phi_path is None or partition_path is None or destination is None:
        raise ConfigError(
            "missing inputs: give --phi, --partition and --out-dir, or --run-dir",
            hint="e.g. hedonic baselines --run-dir RUN --layer 3 --model demo",
        )

    console = make_console()
    reference = load_partition(partition_path)
    if reference.layer is not None and reference.layer != layer:
        raise ConfigError(f"{partition_path} is a partition of layer {reference.layer}, not {layer}", hint="pass the partition of --layer")
    inputs, notes = _inputs(phi_path, stats_path, model, adapter, allow_new_head, layer, reference.neurons)
    for note in notes:
        console.print(note, highlight=False)
    run = run_baselines(
        reference,
        inputs,
        chosen,
        seed=seed,
        match_sizes=match_sizes,
        max_spectral_players=max_spectral_players,
        kmeans_n_init=kmeans_n_init,
    )

    names = RunLayout(Path())  # file names as in a run directory
    table = Table(title=f"Baselines for layer {layer} ({reference.n_players} neurons, {len(reference.coalitions)} hedonic coalitions)")
    for column in ("method", "coalitions", "clusters found", "largest", "singletons", "seconds", "file"):
        table.add_column(column, justify="left" if column in ("method", "file") else "right")
    for method, result in run.partitions.items():
        path = save_partition(result, destination / names.baseline(layer, method).name)
        table.add_row(
            method,
            str(len(result.coalitions)),
            str(result.parameters.get("n_clusters_found", len(result.coalitions))),
            str(result.largest()),
            f"{result.singleton_share():.1%}",
            f"{run.seconds[method]:.2f}",
            str(path),
        )
    console.print(table)
    for method, reason in run.skipped.items():
        console.print(f"skipped {method}: {reason}", style="yellow", highlight=False)


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def _inputs(
    phi_path: Path, stats_path: Path | None, model: str, adapter: Path | None, allow_new_head: bool, layer: int, players: tuple[int, ...]
) -> tuple[BaselineInputs, list[str]]:
    """BaselineInputs restricted to ``players`` (φ, weight features, ρ where available) and notes on what is missing."""
    from hedonic.baselines.inputs import baseline_inputs
    from hedonic.models import open_model
    from hedonic.stats import load_stats
    from hedonic.valuation import load_valuation

    return baseline_inputs(
        players,
        layer,
        load_valuation(phi_path),
        open_model(model, adapter, allow_new_head=allow_new_head) if model else None,
        load_stats(stats_path) if stats_path is not None else None,
    )
