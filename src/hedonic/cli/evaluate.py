"""``hedonic evaluate``: synergy of hedonic vs baseline coalitions on held-out inputs, and the comparison table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hedonic.cli._app import app
from hedonic.cli.options import (
    DEMO_DATA,
    AdapterOption,
    AllowNewHeadOption,
    BatchSizeOption,
    DeviceOption,
    LayerOption,
    LimitOption,
    MaxLengthOption,
    ModelOption,
    ModeOption,
    OutOption,
    PartitionOption,
    PermutationsOption,
    ResamplesOption,
    RunDirOption,
    SeedOption,
)
from hedonic.pipeline.config import DataSection, EvaluationSection, RunConfig

if TYPE_CHECKING:
    from rich.console import Console

    from hedonic.data import QueryDocPair
    from hedonic.evaluation.decomposition import DecomposedEvaluation
    from hedonic.evaluation.layer_evaluation import ComparisonOptions, LayerEvaluation
    from hedonic.evaluation.significance import NullSettings
    from hedonic.game import Partition
    from hedonic.layout import RunLayout

EVALUATION, DATA, RUN = EvaluationSection(), DataSection(), RunConfig()
"""The defaults: a run configuration's ``[evaluation]`` (and ``[data]``'s batching), as ``hedonic run`` evaluates."""


@app.command()
def evaluate(
    layer: LayerOption,
    model: ModelOption,
    data: Annotated[
        str, typer.Option("--data", help="Held-out pairs (.jsonl, or MS MARCO .tsv), or 'demo' for the demo corpus' held-out split.")
    ],
    adapter: AdapterOption = None,
    partition: PartitionOption = None,
    baselines: Annotated[list[Path] | None, typer.Option("--baseline", help="A baseline partition file (repeat the option).")] = None,
    baseline_dir: Annotated[Path | None, typer.Option("--baseline-dir", help="Folder of baseline partitions (every *.json).")] = None,
    run_dir: RunDirOption = None,
    out: OutOption = None,
    exclude: Annotated[
        Path | None, typer.Option("--exclude", help="Pairs φ was built from (.jsonl/.tsv): none may be among the held-out inputs.")
    ] = None,
    limit: LimitOption = None,
    readout: Annotated[str, typer.Option("--readout", help="Readout f: local (logit lens after the layer) or model.")] = EVALUATION.readout,
    freeze_norms: Annotated[
        bool, typer.Option("--freeze-norms", help="Hold every norm from the layer to the readout at each input's clean scale (and mean).")
    ] = EVALUATION.freeze_norms,
    decompose: Annotated[
        bool,
        typer.Option("--decompose", help="Evaluate with the norms free and frozen; write both next to the comparison (decomposition/)."),
    ] = False,
    mode: ModeOption = EVALUATION.mode,
    min_size: Annotated[int, typer.Option("--min-size", min=2, help="Smallest coalition size evaluated.")] = EVALUATION.min_size,
    max_size: Annotated[str, typer.Option("--max-size", help="Largest coalition size evaluated, or 'none' (every size).")] = str(
        EVALUATION.max_size
    ),
    metrics: Annotated[str, typer.Option("--metrics", help="Comma-separated metrics; they decide what is ablated.")] = ",".join(
        EVALUATION.metrics
    ),
    max_pairs: Annotated[
        int, typer.Option("--max-pairs", min=0, help="Pairs per coalition at most (a seeded sample beyond; 0: every pair).")
    ] = EVALUATION.max_pairs,
    max_coalitions: Annotated[
        int | None, typer.Option("--max-coalitions", min=2, help="Evaluate at most this many coalitions per method (seeded sample).")
    ] = EVALUATION.max_coalitions or None,
    seed: SeedOption = RUN.seed,
    n_resamples: ResamplesOption = EVALUATION.n_resamples,
    n_permutations: PermutationsOption = EVALUATION.n_permutations,
    rank_test: Annotated[
        str, typer.Option("--rank-test", help="Headline rank test: brunner-munzel or mann-whitney.")
    ] = EVALUATION.rank_test,
    draws: Annotated[
        int, typer.Option("--significance-draws", min=0, help="Random groups per coalition size for the per-coalition tests (0: none).")
    ] = EVALUATION.significance_draws,
    significance_metrics: Annotated[
        str, typer.Option("--significance-metrics", help="Comma-separated metrics the per-coalition tests use.")
    ] = ",".join(EVALUATION.significance_metrics),
    alpha: Annotated[float, typer.Option("--alpha", help="Level of the per-coalition tests (BH) and of the verdict.")] = EVALUATION.alpha,
    verdict_metric: Annotated[
        str,
        typer.Option(
            "--verdict-metric",
            help=f"Metric the verdict (ahead / level / behind) is decided on (default {EVALUATION.verdict_metric}, else the first of --metrics).",
        ),
    ] = "",
    batch_size: BatchSizeOption = DATA.batch_size,
    max_length: MaxLengthOption = DATA.max_length,
    allow_new_head: AllowNewHeadOption = False,
    device: DeviceOption = "cpu",
) -> None:
    """Evaluate the synergy metrics of every method's coalitions (size range) on held-out inputs and compare.

    The metrics decide the sets ablated (pairs beyond --max-pairs are a seeded sample). Each
    coalition is also tested against size-matched random groups of the layer through the same
    readout; the verdict (hedonic ahead of / level with / behind each baseline) is printed last.
    --decompose evaluates twice, with the norms free (total) and frozen at each input's clean scale
    (the synergy of the computation), and writes both under decomposition/.
    Writes the comparison (kind "comparison"; --out, by default RUN_DIR/evaluation/layer<L>/comparison.json)
    and, next to it, one auditable synergy file per method (synergy_<method>.json: neurons, Δ_i,
    Δ_ij, Δ_C, Δ_{C∖k}, the tests, readout, layer, input ids). Run directory: reads
    partitions/layer<L>.json and baselines/layer<L>/.
    """
    from hedonic.ablation import AblationEngine
    from hedonic.cli.options import check_output
    from hedonic.data import by_length, iter_batches
    from hedonic.display import console as make_console
    from hedonic.errors import ConfigError
    from hedonic.evaluation import SynergyPlan
    from hedonic.evaluation.artifacts import COMPARISON_KIND
    from hedonic.evaluation.decomposition import decompose_partitions
    from hedonic.evaluation.layer_evaluation import compare_partitions
    from hedonic.layout import RunLayout
    from hedonic.models import open_model

    size_range = _size_range(min_size, max_size)
    significance, chosen, verdict_metric = _settings(
        rank_test, draws, significance_metrics, seed, alpha, size_range, metrics, verdict_metric
    )
    SynergyPlan(tuple(chosen), max_pairs or None)  # checked before the model loads
    if freeze_norms and decompose:
        raise ConfigError(
            "--freeze-norms and --decompose together", hint="--decompose evaluates with the norms free and frozen; drop --freeze-norms"
        )
    layout = RunLayout(run_dir) if run_dir is not None else None
    destination = out or (layout.comparison(layer) if layout else None)
    if destination is None:
        raise ConfigError("no output file", hint="pass --out FILE or --run-dir DIR")
    check_output(destination, COMPARISON_KIND, [partition, *(baselines or [])])
    partitions = _partitions(layer, partition, baselines or [], baseline_dir, layout)
    pairs, excluded = _held_out(data, exclude, limit)
    console = make_console()
    _check_counts(console, partitions, size_range, max_coalitions, seed)

    loaded = open_model(model, adapter, device=device, allow_new_head=allow_new_head)
    if readout == "model":
        pairs = by_length(loaded, pairs, max_length)
    engine = AblationEngine(
        loaded, layer, list(iter_batches(loaded, pairs, batch_size, max_length)), mode=mode, token_states=readout == "model"
    )
    options: ComparisonOptions = {
        "input_ids": [pair.pair_id for pair in pairs],
        "exclude_ids": excluded,
        "readout": readout,
        "size_range": size_range,
        "max_coalitions": max_coalitions,
        "metrics": chosen,
        "max_pairs": max_pairs or None,
        "seed": seed,
        "n_resamples": n_resamples,
        "n_permutations": n_permutations,
        "rank_test": rank_test,
        "significance": significance,
        "verdict_metric": verdict_metric,
        "model_name": model,
        "context": {"model": model, "adapter": "" if adapter is None else str(adapter), "data": data},
    }
    facts = f"{len(pairs)} held-out inputs, readout {readout}{' (frozen norms)' if freeze_norms else ''}, ablation {engine.mode}"
    if not decompose:
        _save_and_print(console, compare_partitions(engine, partitions, freeze_norms=freeze_norms, **options), layer, destination, facts)
        return
    found = decompose_partitions(engine, partitions, **options)
    _save_and_print(console, found.total, layer, destination, facts)
    _save_decomposition(console, found, layer, destination)


def _size_range(min_size: int, max_size: str) -> tuple[int, int | None]:
    """``--min-size`` and ``--max-size`` (an integer or 'none'); :class:`ConfigError` for anything else."""
    from hedonic.errors import ConfigError
    from hedonic.evaluation.settings import NO_LIMIT

    if max_size == NO_LIMIT:
        return min_size, None
    if not max_size.isdigit() or int(max_size) < 2:
        raise ConfigError(f"--max-size {max_size!r} is not a size", hint=f"pass an integer ≥ 2, or '{NO_LIMIT}' for every size")
    return min_size, int(max_size)


def _settings(
    rank_test: str,
    draws: int,
    significance_metrics: str,
    seed: int,
    alpha: float,
    size_range: tuple[int, int | None],
    metrics: str,
    verdict_metric: str,
) -> tuple[NullSettings | None, list[str], str]:
    """The checked per-coalition test settings (None: no tests), the evaluated metrics and the verdict metric."""
    from hedonic.errors import ConfigError
    from hedonic.evaluation import METRICS
    from hedonic.evaluation.inference import check_rank_test
    from hedonic.evaluation.significance import NullSettings

    check_rank_test(rank_test)
    tested = [name.strip() for name in significance_metrics.split(",") if name.strip()]
    significance = NullSettings(draws=draws, seed=seed, metrics=tuple(tested), alpha=alpha) if draws else None
    if size_range[1] is not None and size_range[0] > size_range[1]:
        raise ConfigError(f"--min-size {size_range[0]} is larger than --max-size {size_range[1]}", hint="pass min ≤ max, e.g. 4 and 32")
    chosen = [name.strip() for name in metrics.split(",") if name.strip()] or list(EVALUATION.metrics)
    unknown = sorted(set(chosen) - set(METRICS))
    if unknown:
        raise ConfigError(f"unknown metric(s): {', '.join(unknown)}", hint=f"choose among {', '.join(METRICS)}")
    verdict_metric = verdict_metric or (EVALUATION.verdict_metric if EVALUATION.verdict_metric in chosen else chosen[0])
    if verdict_metric not in chosen:
        raise ConfigError(
            f"the verdict metric {verdict_metric!r} is not among the evaluated metrics", hint=f"choose one of {', '.join(chosen)}"
        )
    return significance, chosen, verdict_metric


def _check_counts(
    console: Console, partitions: dict[str, Partition], size_range: tuple[int, int | None], max_coalitions: int | None, seed: int
) -> None:
    """Warn for a method with < 2 coalitions in the size range; :class:`ConfigError` when no method has any."""
    from hedonic.errors import ConfigError
    from hedonic.evaluation.layer_evaluation import select_coalitions, size_text

    counts = {name: len(select_coalitions(found, size_range, max_coalitions, seed, name)) for name, found in partitions.items()}
    for name, count in counts.items():
        if count < 2:
            console.print(
                f"{name}: {count} coalition(s) of size {size_text(size_range)}; its statistics stay undefined",
                style="yellow",
                highlight=False,
            )
    if not any(counts.values()):
        raise ConfigError(f"no coalition of size {size_text(size_range)} in any partition", hint="widen --min-size/--max-size")


def _save_and_print(console: Console, found: LayerEvaluation, layer: int, destination: Path, facts: str) -> None:
    """Write the synergy files next to the comparison and the comparison; print its tables, the tests and the verdict lines."""
    from hedonic.evaluation import comparison_tables, save_comparison, save_synergy
    from hedonic.evaluation.verdict import verdict_from_dict
    from hedonic.layout import RunLayout

    names = RunLayout(Path())  # file names as in a run directory
    for name, result in found.synergy.items():
        save_synergy(result, destination.parent / names.synergy(layer, name).name)
    save_comparison(found.comparison, destination)
    for table in comparison_tables(found.comparison):
        console.print(table)
    console.print(f"{facts}; wrote {destination}", highlight=False)
    _print_significance(console, found.comparison.context.get("significance", {}), found.seconds)
    for entry in found.comparison.context["verdict"]:
        console.print(verdict_from_dict(entry).line(), highlight=False, markup=False)


def _save_decomposition(console: Console, found: DecomposedEvaluation, layer: int, destination: Path) -> None:
    """Write the decomposition's synergy files and comparisons under ``destination``'s folder (decomposition/), print its lines."""
    from hedonic.evaluation import save_comparison, save_synergy
    from hedonic.layout import RunLayout

    names = RunLayout(Path())  # file names as in a run directory
    folder = destination.parent / names.decomposition_dir(layer).name
    for frozen, part in ((False, found.total), (True, found.computation)):
        for name, result in part.synergy.items():
            save_synergy(result, folder / names.decomposed_synergy(layer, name, frozen).name)
        save_comparison(part.comparison, folder / names.decomposed_comparison(layer, frozen).name)
    for line in found.lines(layer):
        console.print(line, highlight=False, markup=False)
    console.print(f"wrote the decomposition (norms free and frozen) into {folder}", highlight=False)


def _print_significance(console: Console, summary: dict[str, Any], seconds: dict[str, float]) -> None:
    """Per method: coalitions more synergistic than random (share, per metric), and what the tests cost."""
    if not summary:
        console.print("no per-coalition tests (--significance-draws 0)", highlight=False)
        return
    from rich.table import Table

    metrics = list(next(iter(summary.values()))["by_metric"])
    table = Table(title="coalitions more synergistic than size-matched random groups (BH over each method's tests)")
    for column in ("method", "tested", "significant", "share", *[f"share on {m}" for m in metrics]):
        table.add_column(column, justify="left" if column == "method" else "right")
    for method, entry in summary.items():
        shares = [f"{value:.0%}" if value is not None else "–" for value in entry["by_metric"].values()]
        table.add_row(
            method, str(entry["coalitions"]), str(entry["significant"]), "–" if entry["share"] is None else f"{entry['share']:.0%}", *shares
        )
    console.print(table)
    console.print(
        f"per-coalition tests: {seconds.get('significance', 0.0):.1f} s of {sum(seconds.values()):.1f} s (synergy {seconds.get('synergy', 0.0):.1f} s)",
        highlight=False,
    )


def _partitions(
    layer: int, partition: Path | None, baselines: Sequence[Path], baseline_dir: Path | None, layout: RunLayout | None
) -> dict[str, Partition]:
    """The hedonic partition, then the baselines by their method name, all of ``layer``."""
    from hedonic.errors import ConfigError
    from hedonic.layer_partitions import partitions_of_layer
    from hedonic.layout import baseline_files

    reference_path = partition or (layout.partition(layer) if layout else None)
    folder = baseline_dir or (layout.baselines_dir(layer) if layout else None)
    files = [*baselines, *(baseline_files(folder) if folder is not None else [])]
    if reference_path is None:
        raise ConfigError("no hedonic partition given", hint="pass --partition FILE or --run-dir DIR")
    if not files:
        raise ConfigError(
            "no baseline partitions found", hint="run `hedonic baselines` first, or pass --baseline FILE / --baseline-dir DIR"
        )
    return partitions_of_layer(reference_path, files, layer)


def _held_out(data: str, exclude: Path | None, limit: int | None) -> tuple[list[QueryDocPair], set[str]]:
    """Held-out pairs and the pair ids that must not be among them (φ's inputs)."""
    from hedonic.data import build_demo_corpus, read_pairs

    excluded = set() if exclude is None else {pair.pair_id for pair in read_pairs(exclude)}
    if data == DEMO_DATA:
        corpus = build_demo_corpus()
        pairs = list(corpus.heldout.pairs)
        excluded |= {pair.pair_id for pair in corpus.train.pairs}
    else:
        pairs = read_pairs(data)
    return pairs[:limit], excluded
