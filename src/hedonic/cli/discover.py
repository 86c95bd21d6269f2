"""``hedonic discover``: partition a layer's neurons into coalitions from a precomputed φ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hedonic.cli import app
from hedonic.cli.options import check_output, layer_layout

SIZE_BUCKETS = ((1, 1), (2, 2), (3, 8), (9, 16), (17, 32), (33, 64), (65, 256), (257, None))
"""Coalition size ranges shown in the printed size distribution."""
LOW_PAIR_SHARE = 0.5
"""Below this share of neuron pairs seen by the PAC samples, the CLI warns."""


def _paths(phi: Path | None, run_dir: Path | None, layer: int | None, out: Path | None) -> tuple[Path, Path]:
    """(φ file, partition file) of the command; refuses an output over the input or over a file not a partition."""
    from hedonic.errors import ConfigError
    from hedonic.game.partition import PARTITION_KIND

    if phi is not None and run_dir is not None:
        raise ConfigError("pass --phi or --run-dir, not both", hint="--phi for a single φ file, --run-dir with --layer for a pipeline run")
    layout = layer_layout(run_dir, layer)
    if layout is not None:
        source = layout.valuation(layer)
        return source, check_output(out or layout.partition(layer), PARTITION_KIND, [source])
    if phi is None:
        raise ConfigError("pass either --phi FILE or --run-dir DIR --layer L", hint="e.g. hedonic discover --phi phi.npy --out partition.json")
    if out is None:
        raise ConfigError("--phi needs --out", hint="e.g. --out partition.json")
    return phi, check_output(out, PARTITION_KIND, [phi])


@app.command()
def discover(
    phi: Annotated[Path | None, typer.Option("--phi", help="Valuation φ: a .safetensors artifact or a square .npy matrix.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Partition JSON to write (default with --run-dir: DIR/partitions/layer{L}.json).")] = None,
    run_dir: Annotated[Path | None, typer.Option("--run-dir", help="Run directory: reads DIR/valuation/layer{L}.safetensors.")] = None,
    layer: Annotated[int | None, typer.Option("--layer", help="Layer to partition (with --run-dir; recorded in the output).")] = None,
    method: Annotated[str, typer.Option("--method", help="'pac' (PAC-Top-Cover on sampled coalitions) or 'exact' (Top Cover on all of φ).")] = "pac",
    choice: Annotated[
        str, typer.Option("--choice", help="'fixed' (k best partners over all neurons) or 'available' (k best among those not yet in a coalition).")
    ] = "fixed",
    k: Annotated[int, typer.Option("--k", min=0, help="Friends per neuron: its k best partners (0: no limit, threshold only).")] = 4,
    threshold: Annotated[float, typer.Option("--threshold", help="A friend's φ must exceed this.")] = 0.0,
    no_threshold: Annotated[bool, typer.Option("--no-threshold", help="Drop the φ floor (top-k only).")] = False,
    mutual: Annotated[bool, typer.Option("--mutual/--no-mutual", help="Keep only reciprocated friendships.")] = False,
    m: Annotated[int | None, typer.Option("--m", min=1, help="Sampled coalitions for PAC (default 50000, or from --epsilon).")] = None,
    epsilon: Annotated[float | None, typer.Option("--epsilon", help="Derive m from (ε, δ) instead of --m.")] = None,
    delta: Annotated[float, typer.Option("--delta", help="Confidence parameter δ (sample size and stability bound).")] = 0.05,
    max_k: Annotated[int, typer.Option("--max-k", min=2, help="Largest sampled coalition.")] = 10,
    max_size: Annotated[
        int | None, typer.Option("--max-size", min=0, help="Refine coalitions above this size (0: off; default min(64, max(4, 5% of the layer))).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same partition).")] = 0,
    stability_samples: Annotated[int, typer.Option("--stability-samples", min=1, help="Fresh coalitions for the stability estimate.")] = 20000,
) -> None:
    """Find coalitions of neurons with the hedonic game on φ; print their sizes and stability."""
    from rich.console import Console
    from rich.table import Table

    from hedonic.game import discover as run_discover
    from hedonic.game import save_partition
    from hedonic.valuation import load_valuation

    source, target = _paths(phi, run_dir, layer, out)
    valuation = load_valuation(source)
    partition = run_discover(
        valuation.phi,
        method=method,
        choice=choice,
        k=k or None,
        threshold=None if no_threshold else threshold,
        mutual=mutual,
        m=m,
        epsilon=epsilon,
        delta=delta,
        max_k=max_k,
        max_size="auto" if max_size is None else max_size or None,
        seed=seed,
        neurons=valuation.neurons,
        layer=layer if layer is not None else valuation.layer,
        stability_samples=stability_samples,
    )
    save_partition(partition, target)

    console = Console()
    sizes = partition.sizes()
    table = Table(title=f"{partition.method} on {source.name}: {partition.n_players} neurons, {len(sizes)} coalitions")
    for column in ("size", "coalitions", "neurons", "share"):
        table.add_column(column, justify="right")
    for low, high in SIZE_BUCKETS:
        chosen = sizes[(sizes >= low) & (sizes <= (high or float("inf")))]
        if len(chosen):
            label = str(low) if low == high else f"{low}–{high}" if high is not None else f"≥{low}"
            table.add_row(label, str(len(chosen)), str(int(chosen.sum())), f"{chosen.sum() / partition.n_players:.1%}")
    console.print(table)
    share = partition.largest() / partition.n_players if partition.n_players else 0.0
    verdict = "[bold red]DEGENERATE[/]" if partition.degenerate else "not degenerate"
    console.print(f"largest coalition {partition.largest()} ({share:.1%}), singletons {partition.singleton_share():.1%}: {verdict}")
    levels = partition.parameters["size_control"]["levels"]
    if len(levels) > 1:
        steps = ", ".join(f"k={level['k']} threshold={level['threshold']} on {level['players']} neurons" for level in levels[1:])
        console.print(f"size control (max {partition.parameters['max_size']}): re-covered {steps}", highlight=False)
    seen = partition.parameters.get("observed_pair_share")
    if seen is not None:
        console.print(f"the PAC samples saw {seen:.1%} of the neuron pairs")
        if seen < LOW_PAIR_SHARE:
            console.print("[yellow]structure among unseen pairs cannot be found: raise --m or use --method exact (all of φ)[/]")
    stability = partition.stability or {}
    if "statement" in stability:
        console.print(f"stability: {stability['statement']}", highlight=False)
    console.print(f"largest coalition whose members all gain a friend: {stability.get('largest_blocking_coalition', 0)}")
    console.print(f"wrote {target}")
