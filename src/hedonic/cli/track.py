"""``hedonic track``: follow coalitions across consecutive analysed layers (events + Sankey)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.cli._app import Command, app
from hedonic.cli.options import (
    AdapterOption,
    AllowNewHeadOption,
    BatchSizeOption,
    DeviceOption,
    MaxLengthOption,
    ModelOption,
    OutDirOption,
    RunDirOption,
    SeedOption,
    chosen_run_dir,
    renamed,
    warn_deprecated,
)
from hedonic.layout import RunLayout
from hedonic.pipeline.config import DataSection, RunConfig, StatsSection, TrackingSection

if TYPE_CHECKING:
    from rich.console import Console

    from hedonic.game import Partition
    from hedonic.models import ModelAdapter, TokenBatch
    from hedonic.tracking import InputActivity, LayerPairEvents, TrackingInputs, TrackingOptions

TRACKING, DATA, RUN = TrackingSection(), DataSection(), RunConfig()
"""The defaults: ``[tracking]`` (and ``[data]``'s batching, ``[stats] tokens``) of a run configuration, as ``hedonic run`` tracks."""


@app.command(cls=Command)
def track(
    run_dir: RunDirOption = None,
    partitions: Annotated[list[Path] | None, typer.Option("--partition", help="Partition file of one layer; repeat the option.")] = None,
    model: ModelOption = "",
    adapter: AdapterOption = None,
    mean_abs: Annotated[
        list[Path] | None, typer.Option("--mean-abs", help="E|a| .npy vector per partition, in the same order; repeat the option.")
    ] = None,
    stats: Annotated[
        list[Path] | None, typer.Option("--stats", help="Activation statistics file per partition, in the same order; repeat the option.")
    ] = None,
    out_dir: OutDirOption = None,
    projection: Annotated[
        str, typer.Option("--projection", help="Input projection of layer ℓ+1: gate, up, fc or both.")
    ] = TRACKING.projection,
    center: Annotated[bool, typer.Option("--center", help="Also fold LayerNorm mean subtraction into the virtual weights.")] = False,
    rule: Annotated[
        str,
        typer.Option(
            "--rule", help="Event rule: links (events from the specific links, the default), shares (transition shares α/β) or tau."
        ),
    ] = TRACKING.rule,
    measure: Annotated[
        str,
        typer.Option(
            "--measure",
            help="Links the links rule reads: weights (virtual weights) or causal (ablations through the next layer; needs the inputs).",
        ),
    ] = TRACKING.measure,
    link_statistic: Annotated[
        str,
        typer.Option(
            "--link-statistic", help="Weight link test: polish (loudness-free, the default) or influence (the E|a|-weighted terms of S)."
        ),
    ] = TRACKING.link_statistic,
    floor_links: Annotated[
        int, typer.Option("--floor-links", min=0, help="Links planted per strength for the detection floor (0: no floor).")
    ] = TRACKING.floor_links,
    causal_mode: Annotated[
        str, typer.Option("--causal-mode", help="causal measure: ablate to zero or to the mean activation.")
    ] = TRACKING.causal_mode,
    causal_inputs: Annotated[
        int, typer.Option("--causal-inputs", min=1, help="causal measure: analysis inputs used (a seeded subset).")
    ] = TRACKING.causal_inputs,
    causal_groups: Annotated[
        int, typer.Option("--causal-groups", min=2, help="causal measure: random source groups ablated as the null.")
    ] = TRACKING.causal_groups,
    causal_floor: Annotated[
        bool,
        typer.Option(
            "--causal-floor",
            help="causal measure: also plant links into the model for the causal test's floor (one more test per strength).",
        ),
    ] = TRACKING.causal_floor,
    alpha: Annotated[
        float, typer.Option("--alpha", help="shares rule: α(p, q) is high from this share of p's outgoing influence.")
    ] = TRACKING.alpha,
    beta: Annotated[
        float, typer.Option("--beta", help="shares rule: β(p, q) is high from this share of q's incoming influence.")
    ] = TRACKING.beta,
    tau: Annotated[float, typer.Option("--tau", help="tau rule: relative threshold τ for children / parents links.")] = TRACKING.tau,
    presence: Annotated[
        float,
        typer.Option(
            "--presence", help="tau rule: a link is live when S ≥ presence × the median strongest link of a source (and ≥ --floor)."
        ),
    ] = TRACKING.presence,
    floor: Annotated[float, typer.Option("--floor", help="tau rule: absolute lower bound on S for a live link.")] = 0.0,
    min_size: Annotated[
        int, typer.Option("--min-size", min=1, help="Track (and draw) only coalitions of at least this many neurons.")
    ] = TRACKING.min_size,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Analysis inputs behind E|a| (.jsonl/.tsv) for the bootstrap intervals (default RUN_DIR/data/inputs.jsonl)."
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples of the inputs for the event-share intervals (0: none).")
    ] = TRACKING.bootstrap,
    tokens: Annotated[
        str, typer.Option("--tokens", help="Rows behind E|a|: readout or all (as the statistics were collected).")
    ] = StatsSection().tokens,
    batch_size: BatchSizeOption = DATA.batch_size,
    max_length: MaxLengthOption = DATA.max_length,
    seed: SeedOption = RUN.seed,
    link_threshold: Annotated[
        float, typer.Option("--link-threshold", help="Draw links with S ≥ this × the source coalition's strongest link.")
    ] = TRACKING.link_threshold,
    max_size: Annotated[int | None, typer.Option("--max-size", help="Draw coalitions of at most this size.")] = None,
    top_k: Annotated[
        int | None, typer.Option("--top-k", min=1, help="Draw only the k largest coalitions of each layer.")
    ] = TRACKING.sankey_top_k or None,
    block_rows: Annotated[int | None, typer.Option("--block-rows", help="Rows of the virtual weights per block.")] = None,
    allow_new_head: AllowNewHeadOption = False,
    device: DeviceOption = "cpu",
    legacy_paths: Annotated[list[Path] | None, typer.Argument(hidden=True, help="Deprecated: use --run-dir or --partition.")] = None,
    legacy_partitions: Annotated[list[Path] | None, typer.Option("--partitions", hidden=True, help="Deprecated: use --partition.")] = None,
) -> None:
    """Track coalitions of ≥ --min-size neurons from layer ℓ to ℓ+1 for every pair of consecutive analysed layers.

    Writes events_{L}_{L+1}.json per pair and sankey.html, and prints each event share, the
    specific links of the virtual weights with their detection floor s_min, and with --measure
    causal the causal links (on the analysis inputs: a run directory's data/inputs.jsonl, or
    --data). The shares and tau rules get bootstrap intervals over those inputs. Run directory:
    hedonic track --run-dir RUN_DIR --model MODEL reads partitions/ and stats/ and writes
    tracking/. Explicit files: hedonic track --partition a.json --partition b.json --model MODEL
    --out-dir DIR, with --stats s_a.safetensors --stats s_b.safetensors --data inputs.jsonl for E|a|.
    The defaults are a run configuration's tracking table (and its batching and statistics tokens).
    """
    from hedonic.display import console as make_console
    from hedonic.errors import ConfigError
    from hedonic.models import open_model
    from hedonic.tracking import (
        BootstrapSettings,
        CausalSettings,
        FloorSettings,
        SankeyOptions,
        TrackingOptions,
        adjacent_pairs,
        rule_thresholds,
        track_chain,
        write_tracking,
    )

    run_dir, files = _sources(run_dir, partitions, legacy_paths, legacy_partitions)
    inputs, destination = _inputs(run_dir, files, mean_abs, stats, out_dir)
    if not model:
        raise ConfigError("no model given", hint="pass --model MODEL (a folder, a hub id, or 'demo')")
    options = TrackingOptions(
        projection=projection,
        center=center,
        thresholds=rule_thresholds(rule, alpha=alpha, beta=beta, tau=tau, presence=presence, floor=floor),
        min_size=min_size,
        bootstrap=BootstrapSettings(resamples=bootstrap, seed=seed),
        statistic=link_statistic,
        floor=FloorSettings(strengths=tuple(TRACKING.floor_strengths), links=floor_links, seed=seed),
        measure=measure,
        causal=CausalSettings(mode=causal_mode, inputs=causal_inputs, random_groups=causal_groups, seed=seed),
        causal_floor=causal_floor,
        block_rows=block_rows,
        device=device,
    )
    drawing = SankeyOptions(link_threshold=link_threshold, min_size=min_size, max_size=max_size, top_k=top_k)
    layers = sorted(inputs.partitions)
    if not adjacent_pairs(layers):
        raise ConfigError(
            f"no two consecutive layers among the analysed layers {layers}",
            hint="tracking pairs layer ℓ with ℓ+1: provide partitions of adjacent layers",
        )
    pairs_file = data or (RunLayout(run_dir).inputs if run_dir is not None else None)
    loaded = open_model(model, adapter, device=device, allow_new_head=allow_new_head)
    activity = (
        _activity(loaded, inputs.partitions, pairs_file, options, tokens, batch_size, max_length) if options.needs_activity() else None
    )
    batches = _causal_batches(loaded, pairs_file, options, batch_size, max_length) if measure == "causal" else None
    results = track_chain(loaded, inputs.partitions, inputs.weights(loaded.intermediate_size), options, activity, batches)
    written = write_tracking(results, destination, drawing)
    _print(make_console(), results, layers, inputs.partitions, activity is not None or not options.needs_activity(), written)


def _sources(
    run_dir: Path | None, partitions: list[Path] | None, legacy_paths: list[Path] | None, legacy_partitions: list[Path] | None
) -> tuple[Path | None, list[Path]]:
    """(run directory or None, partition files) from --run-dir and --partition, or from the deprecated
    positional RUN_DIR or partition files and ``--partitions`` (each with a warning)."""
    from hedonic.errors import ConfigError

    files = renamed(partitions, legacy_partitions, "--partitions FILE", "--partition FILE")
    paths = list(legacy_paths or [])
    if len(paths) == 1 and paths[0].is_dir() and not files:
        return chosen_run_dir(run_dir, paths[0]), []
    if paths:
        warn_deprecated("partition files as arguments", "--partition FILE (repeat the option)")
    files = [*(files or []), *paths]
    if run_dir is not None and files:
        raise ConfigError("--run-dir and partition files both given", hint="track a run directory, or partition files with --out-dir")
    return run_dir, files


def _inputs(
    run_dir: Path | None, files: list[Path], mean_abs: list[Path] | None, stats: list[Path] | None, out_dir: Path | None
) -> tuple[TrackingInputs, Path]:
    """Partitions and E|a| from a run directory or explicit files, and where to write."""
    from hedonic.errors import ConfigError
    from hedonic.tracking import explicit_inputs, run_dir_inputs

    if mean_abs and stats:
        raise ConfigError("--mean-abs and --stats both given", hint="pass E|a| one way: --mean-abs or --stats")
    weight_files = list(mean_abs or stats or [])
    if run_dir is not None:
        if weight_files:
            raise ConfigError(
                "--mean-abs / --stats cannot be combined with a run directory",
                hint="a run directory supplies E|a| from RUN_DIR/stats; pass partition files to choose E|a| files",
            )
        return run_dir_inputs(run_dir), out_dir or RunLayout(run_dir).tracking_dir
    if out_dir is None:
        raise ConfigError("--out-dir is required with partition files", hint="add --out-dir DIR")
    return explicit_inputs(files, weight_files, stats=not mean_abs), out_dir


def _activity(
    adapter: ModelAdapter,
    partitions: dict[int, Partition],
    pairs_file: Path | None,
    options: TrackingOptions,
    tokens: str,
    batch_size: int,
    max_length: int,
) -> dict[int, InputActivity] | None:
    """Per-input |a| of the tracked source coalitions on the analysis inputs (None when they are not known)."""
    from hedonic.data import iter_batches, read_pairs
    from hedonic.tracking import collect_input_activity, tracked_members

    if pairs_file is None or not pairs_file.is_file():
        return None
    pairs = read_pairs(pairs_file)
    members = tracked_members(partitions, options.min_size)
    batches = iter_batches(adapter, pairs, batch_size, max_length)
    return collect_input_activity(adapter, batches, members, tokens=tokens, total=-(-len(pairs) // batch_size))


def _causal_batches(
    adapter: ModelAdapter, pairs_file: Path | None, options: TrackingOptions, batch_size: int, max_length: int
) -> list[TokenBatch]:
    """The token batches of the causal test's inputs (a seeded subset of the analysis inputs); :class:`ConfigError` when they are unknown."""
    from hedonic.data import iter_batches, read_pairs
    from hedonic.errors import ConfigError
    from hedonic.tracking import causal_inputs

    if pairs_file is None or not pairs_file.is_file():
        raise ConfigError("--measure causal needs the analysis inputs", hint="use a run directory (data/inputs.jsonl) or pass --data FILE")
    return list(iter_batches(adapter, causal_inputs(read_pairs(pairs_file), options.causal), batch_size, max_length))


def _print(
    console: Console,
    results: list[LayerPairEvents],
    layers: list[int],
    partitions: dict[int, Partition],
    intervals: bool,
    written: list[Path],
) -> None:
    """The events table (shares, link tests, floors), notes on the links, weights, gaps and intervals, and the files written."""
    from rich.table import Table

    from hedonic.tracking import EVENT_TYPES, link_notes

    first = results[0]
    causal = first.causal is not None
    table = Table(title=f"Coalition events per layer pair (rule {first.rule_text()}; coalitions of ≥ {first.min_size} neurons)")
    columns = ["pair", "tracked", *EVENT_TYPES, "links", "s_min"] + (["causal", "confirmed"] if causal else [])
    for column in columns:
        table.add_column(column, justify="right")
    for result in results:
        cells = [*result.share_texts().values(), result.specific_links(), result.floor_text().removeprefix("s_min ")]
        cells += [result.causal_links(), result.confirmed_text()] if causal else []
        table.add_row(f"{result.source_layer}→{result.target_layer}", f"{result.tracking.n_sources}→{result.tracking.n_targets}", *cells)
    console.print(table)
    side = ", ".join(first.tracking.source_side)
    console.print(f"{side}: % of layer ℓ's tracked coalitions; the others: % of layer ℓ+1's", highlight=False)
    for line in link_notes(results):
        console.print(line, highlight=False)
    if not intervals:
        console.print(
            "no intervals: the analysis inputs behind E|a| are unknown (pass --data FILE, or use a run directory)", highlight=False
        )
    uniform = [result.source_layer for result in results if result.settings["weighting"] == "uniform"]
    if uniform:
        console.print(f"E|a| not available for layer(s) {', '.join(map(str, uniform))}: uniform weights used")
    gaps = [layer for layer in layers[:-1] if layer + 1 not in partitions]
    if gaps:
        console.print(f"not tracked (next layer not analysed): after layer(s) {', '.join(map(str, gaps))}")
    for path in written:
        console.print(f"wrote {path}")
