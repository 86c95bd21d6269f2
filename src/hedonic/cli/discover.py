"""``hedonic discover``: partition a layer's neurons into coalitions from a precomputed φ."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, overload

import typer

from hedonic.cli._app import app
from hedonic.cli.options import check_output, layer_layout
from hedonic.game import CHOICE_RULES, DEFAULT_TAU_RULE, DEFAULTS, GAME_METHODS, TAU_RULES
from hedonic.game.settings import AUTO_LAYER_SHARE, AUTO_MIN_SIZE
from hedonic.pipeline.validation import MAX_DRAWS
from hedonic.spelling import NONE, spell

if TYPE_CHECKING:
    from hedonic.game import Partition

AUTO_HELP = f"max({AUTO_MIN_SIZE}, {AUTO_LAYER_SHARE:.0%} of the layer)"
TAU_HELP = (
    "Additive games: the resolution τ_ij, a number or a rule: "
    + "; ".join(f"'{rule.name}' ({rule.description})" for rule in TAU_RULES.values())
    + f"; 'auto': '{DEFAULT_TAU_RULE}'."
)
METHOD_HELP = "The game: " + "; ".join(f"'{row.name}' ({row.description})" for row in GAME_METHODS.values()) + "."
CHOICE_HELP = "Top covers: " + " or ".join(f"'{row.name}' ({row.description})" for row in CHOICE_RULES.values()) + "."


@overload
def _setting(name: Literal["tau"], text: str) -> float | str: ...
@overload
def _setting(name: Literal["k"], text: str) -> int | None: ...
@overload
def _setting(name: Literal["threshold"], text: str) -> float | None: ...
@overload
def _setting(name: Literal["max_size"], text: str) -> int | str: ...
def _setting(name: str, text: str) -> object:
    """The command-line ``text`` of the game parameter ``name``, read by its declared type as ``[game]`` reads it."""
    import typing

    from hedonic.game import GameParameters, size_setting
    from hedonic.game.settings import former_spelling
    from hedonic.spelling import read_text

    option = "--" + name.replace("_", "-")
    value = read_text(text, typing.get_type_hints(GameParameters)[name], option)
    return size_setting(value, where=option) if name == "max_size" else former_spelling(name, value, option)


def _threshold(text: str, no_threshold: bool) -> float | None:
    """``--threshold``, or the former ``--no-threshold`` (read as ``--threshold none``, with a deprecation warning)."""
    if not no_threshold:
        return _setting("threshold", text)
    import warnings

    warnings.warn(f"--no-threshold is deprecated: write --threshold {NONE}", FutureWarning, stacklevel=2)
    return None


def _paths(phi: Path | None, run_dir: Path | None, layer: int | None, out: Path | None) -> tuple[Path, Path]:
    """(φ file, partition file) of the command; refuses an output over the input or over a file not a partition."""
    from hedonic.errors import ConfigError
    from hedonic.game.partition import PARTITION_KIND

    if phi is not None and run_dir is not None:
        raise ConfigError("pass --phi or --run-dir, not both", hint="--phi for a single φ file, --run-dir with --layer for a pipeline run")
    layout = layer_layout(run_dir, layer)
    if layout is not None and layer is not None:
        source = layout.valuation(layer)
        return source, check_output(out or layout.partition(layer), PARTITION_KIND, [source])
    if phi is None:
        raise ConfigError(
            "pass either --phi FILE or --run-dir DIR --layer L", hint="e.g. hedonic discover --phi phi.npy --out partition.json"
        )
    if out is None:
        raise ConfigError("--phi needs --out", hint="e.g. --out partition.json")
    return phi, check_output(out, PARTITION_KIND, [phi])


@app.command()
def discover(
    phi: Annotated[Path | None, typer.Option("--phi", help="Valuation φ: a .safetensors artifact or a square .npy matrix.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Partition JSON to write (default with --run-dir: DIR/partitions/layer{L}.json).")
    ] = None,
    run_dir: Annotated[Path | None, typer.Option("--run-dir", help="Run directory: reads DIR/valuation/layer{L}.safetensors.")] = None,
    layer: Annotated[int | None, typer.Option("--layer", help="Layer to partition (with --run-dir; recorded in the output).")] = None,
    method: Annotated[str, typer.Option("--method", help=METHOD_HELP)] = DEFAULTS.method,
    tau: Annotated[str, typer.Option("--tau", help=TAU_HELP)] = str(spell(DEFAULTS.tau)),
    choice: Annotated[str, typer.Option("--choice", help=CHOICE_HELP)] = DEFAULTS.choice,
    k: Annotated[
        str, typer.Option("--k", help=f"Top covers: friends per neuron, its k best partners ('{NONE}': no limit, the threshold alone).")
    ] = str(spell(DEFAULTS.k)),
    threshold: Annotated[
        str, typer.Option("--threshold", help=f"Top covers: a friend's φ must exceed this ('{NONE}': no floor, top-k only).")
    ] = str(spell(DEFAULTS.threshold)),
    no_threshold: Annotated[bool, typer.Option("--no-threshold", hidden=True, help=f"Deprecated: write --threshold {NONE}.")] = False,
    mutual: Annotated[bool, typer.Option("--mutual/--no-mutual", help="Top covers: keep only reciprocated friendships.")] = DEFAULTS.mutual,
    m: Annotated[
        int | None, typer.Option("--m", min=1, max=MAX_DRAWS, help="pac-top-cover: sampled coalitions (default 50000, or from --epsilon).")
    ] = DEFAULTS.m,
    epsilon: Annotated[
        float | None, typer.Option("--epsilon", help="pac-top-cover: derive m from (ε, δ) instead of --m.")
    ] = DEFAULTS.epsilon,
    delta: Annotated[float, typer.Option("--delta", help="Confidence parameter δ (sample size and stability bound).")] = DEFAULTS.delta,
    max_k: Annotated[
        int, typer.Option("--max-k", min=2, help="Largest sampled coalition (PAC and the stability samples).")
    ] = DEFAULTS.max_k,
    max_size: Annotated[
        str,
        typer.Option("--max-size", help=f"Cap (additive) or size-control bound (top covers): N, 'auto' ({AUTO_HELP}) or 'none'."),
    ] = str(spell(DEFAULTS.max_size)),
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same partition).")] = 0,
    stability_samples: Annotated[
        int, typer.Option("--stability-samples", min=1, max=MAX_DRAWS, help="Fresh coalitions for the core-stability estimate.")
    ] = DEFAULTS.stability_samples,
) -> None:
    """Find coalitions of neurons with the hedonic game on φ; print their sizes and stability."""
    from hedonic.game import discover as run_discover
    from hedonic.game import save_partition
    from hedonic.valuation import load_valuation

    source, target = _paths(phi, run_dir, layer, out)
    valuation = load_valuation(source)
    partition = run_discover(
        valuation.phi,
        method=method,
        tau=_setting("tau", tau),
        choice=choice,
        k=_setting("k", k),
        threshold=_threshold(threshold, no_threshold),
        mutual=mutual,
        m=m,
        epsilon=epsilon,
        delta=delta,
        max_k=max_k,
        max_size=_setting("max_size", max_size),
        seed=seed,
        neurons=valuation.neurons,
        layer=layer if layer is not None else valuation.layer,
        stability_samples=stability_samples,
    )
    save_partition(partition, target)
    _print_partition(partition, source.name)
    print(f"wrote {target}")


def _print_partition(partition: Partition, source: str) -> None:
    """The size table, the game's record, the stability statement and the warnings of ``partition``."""
    from rich.table import Table

    from hedonic.display import console as make_console
    from hedonic.game import partition_warnings
    from hedonic.game.size_distribution import size_bands

    console = make_console()
    table = Table(title=f"{partition.method} on {source}: {partition.n_players} neurons, {len(partition.coalitions)} coalitions")
    for column in ("size", "coalitions", "neurons", "share"):
        table.add_column(column, justify="right")
    for band in size_bands(partition.sizes(), partition.n_players):
        if band.coalitions:
            table.add_row(band.label, str(band.coalitions), str(band.neurons), f"{band.share:.1%}")
    console.print(table)
    fit = partition.power_law()
    console.print("power law: fewer than 10 coalitions of 2 or more, no fit" if fit is None else fit.statement(), highlight=False)
    share = partition.largest() / partition.n_players if partition.n_players else 0.0
    console.print(f"largest coalition {partition.largest()} ({share:.1%}), singletons {partition.singleton_share():.1%}", highlight=False)
    parameters = partition.parameters
    if "tau" in parameters:
        dynamics = parameters["dynamics"]
        rule = parameters.get("tau_rule", "fixed")
        pair = " + 1.5 σ̂_i σ̂_j / σ̂" if rule == "scaled" else " + k_i k_j / K" if rule == "modularity" else ""
        console.print(
            f"τ_ij = {parameters['tau']:.4g}{pair} (rule {rule}); {dynamics['moves']} moves in {dynamics['rounds']} rounds", highlight=False
        )
    levels = parameters.get("size_control", {}).get("levels", [])
    if len(levels) > 1:
        steps = ", ".join(f"k={level['k']} threshold={level['threshold']} on {level['players']} neurons" for level in levels[1:])
        console.print(f"size control (max {parameters['max_size']}): re-covered {steps}", highlight=False)
    if parameters.get("observed_pair_share") is not None:
        console.print(f"the PAC samples saw {parameters['observed_pair_share']:.1%} of the neuron pairs", highlight=False)
    if partition.stability is not None:
        console.print(f"stability: {partition.stability.statement}", highlight=False)
    for warning in partition_warnings(partition):
        console.print(f"WARNING: {warning}", style="bold red", highlight=False, markup=False)
