"""``hedonic run CONFIG.toml`` and ``hedonic demo``: the whole method in one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.cli import Interrupted
from hedonic.cli._app import Command, app
from hedonic.cli.options import LegacyOutDirOption, LegacyRunDirArgument, RunDirOption, chosen_out_dir, chosen_run_dir

if TYPE_CHECKING:
    from hedonic.evaluation import Comparison
    from hedonic.evaluation.verdict import BaselineVerdict
    from hedonic.layout import RunLayout
    from hedonic.pipeline.run import RunResult


@contextmanager
def resumable(command: str) -> Iterator[None]:
    """When SIGINT / SIGTERM stops the block, have :func:`hedonic.cli.main` say that the finished
    stages are kept and that rerunning ``command`` resumes (exit 130 / 143).

    Atomic writes drop their temporary file and the lock is released on the way out; the
    finished stages stay recorded.
    """
    advice = f"the stages that finished are kept; rerun `{command}` to resume where it stopped"
    try:
        yield
    except Interrupted as stop:
        raise Interrupted(stop.name, advice) from None
    except KeyboardInterrupt:
        raise Interrupted("SIGINT", advice) from None


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Run configuration (TOML); every key has a default, see README.")],
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Run directory (default: out_dir of the configuration).")] = None,
    legacy_out: LegacyOutDirOption = None,
) -> None:
    """Run every stage (LoRA profile → statistics → φ → partitions → baselines → synergy → tracking → report).

    Stages whose inputs and parameters did not change since the last run in the same directory
    are reused, so an interrupted run resumes. Under torchrun (one process per GPU) the statistics,
    PAS-exact φ and the evaluation split their inputs over the processes; see the README.
    """
    from hedonic.pipeline.config import load_config
    from hedonic.pipeline.run import run_pipeline

    out = chosen_out_dir(out_dir, legacy_out)
    with resumable(f"hedonic run {config}" + (f" --out-dir {out}" if out is not None else "")):
        result = run_pipeline(load_config(config), out)
    _summarise(result)


@app.command()
def demo(
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Run directory (default hedonic-runs/demo, hedonic-runs/smollm2-TASK).")
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help="Shipped model: 'demo' (MiniLM-L6, BERT) or 'smollm2' (SmolLM2-135M, LLaMA).")
    ] = "demo",
    task: Annotated[
        str | None, typer.Option("--task", help="Adapter (task) of the model: relevance (the default), or cqtr or tf-l for smollm2.")
    ] = None,
    legacy_out: LegacyOutDirOption = None,
) -> None:
    """The whole method on a shipped reranker (base model + bundled LoRA) and the demo corpus, offline."""
    from hedonic.pipeline.demos import demo_config
    from hedonic.pipeline.run import run_pipeline

    out = chosen_out_dir(out_dir, legacy_out)
    config = demo_config(model, task)
    options = {"--model": None if model == "demo" else model, "--task": task, "--out-dir": out}
    command = " ".join(["hedonic demo", *(f"{key} {value}" for key, value in options.items() if value is not None)])
    with resumable(command):
        result = run_pipeline(config, out)
    _summarise(result)


def _summarise(result: RunResult) -> None:
    """Synergy tables of the evaluated layers, stage times, the report's path, and the verdict lines last."""
    import os

    from rich.table import Table

    from hedonic.display import console as make_console
    from hedonic.evaluation import comparison_tables, load_comparison
    from hedonic.evaluation.verdict import model_verdicts, verdict_from_dict

    console = make_console(quiet=os.environ.get("RANK", "0") != "0")  # one summary per torchrun job
    verdicts: list[BaselineVerdict] = []
    for layer in result.evaluated:
        path = result.layout.comparison(layer)
        if path.is_file():
            comparison = load_comparison(path)
            console.print(f"[bold]layer {layer}[/]: synergy on held-out inputs", highlight=False)
            for table in comparison_tables(comparison, _headline_metrics(comparison)):
                console.print(table)
            verdicts.extend(verdict_from_dict(entry) for entry in comparison.context.get("verdict", []))
    timings = Table(title="stage wall times (s)")
    timings.add_column("stage")
    timings.add_column("seconds", justify="right")
    for name, seconds in result.timings.items():
        timings.add_row(name + (" (reused)" if name in result.reused else ""), f"{seconds:.1f}")
    console.print(timings)
    console.print(f"report: {result.layout.report.resolve()}", highlight=False)
    if verdicts:
        console.print("[bold]verdict[/] (rank test of held-out synergy per coalition, Holm over baselines):", highlight=False)
        for line in [v.line() for v in verdicts] + [m.line() for m in model_verdicts(verdicts)]:
            console.print(line, highlight=False, markup=False)


def _headline_metrics(comparison: Comparison) -> list[str]:
    """The verdict metric first, then the signed pair and na where evaluated."""
    first = comparison.context.get("verdict_metric")
    return [m for m in dict.fromkeys([first, "pair", "na"]) if m in comparison.metrics]


@app.command(cls=Command)
def report(run_dir: RunDirOption = None, legacy_run_dir: LegacyRunDirArgument = None) -> None:
    """Rebuild the HTML report of a run directory from its files (RUN_DIR/report.html); missing artifacts are named in it and warned about."""
    import sys

    from hedonic.errors import ArtifactError
    from hedonic.layout import RunLayout
    from hedonic.pipeline.config import RunConfig, load_config
    from hedonic.pipeline.stage_runner import StageRunner
    from hedonic.report.build import write_report
    from hedonic.report.contents import run_layers

    run_dir = chosen_run_dir(run_dir, legacy_run_dir)
    if run_dir is None:
        raise ArtifactError("no run directory given", hint="pass --run-dir DIR (the out_dir of `hedonic run` or `hedonic demo`)")
    if not run_dir.is_dir():
        what = "is a file, not a run directory" if run_dir.exists() else "does not exist"
        raise ArtifactError(f"{run_dir} {what}", hint="pass the run directory of `hedonic run` or `hedonic demo` (its out_dir)")
    layout = RunLayout(run_dir)
    config = load_config(layout.config) if layout.config.is_file() else RunConfig()
    analysed, evaluated = run_layers(layout, config.as_dict() if layout.config.is_file() else None)
    if not analysed:
        raise ArtifactError(f"{run_dir}: no partitions found", hint="run `hedonic run` or `hedonic discover --run-dir` first")
    notes, unreadable = _model_notes(layout)  # unreadable: [] or the one warning about the manifest
    written = write_report(
        layout,
        analysed,
        evaluated,
        timings=StageRunner(layout.root).recorded_timings(),
        top_coalitions=config.report.top_coalitions,
        sankey=config.tracking.sankey(),
        notes=notes + unreadable,
    )
    for line in unreadable + written.warnings():
        print(f"warning: {line}", file=sys.stderr)
    print(f"report: {written.path.resolve()}")


def _model_notes(layout: RunLayout) -> tuple[list[str], list[str]]:
    """The model notes of the run's manifest, and the warning (a list of one) when ``manifest.json``
    exists but cannot be read (none when there is no manifest: sub-commands write none)."""
    from hedonic.artifacts import read_json
    from hedonic.errors import ArtifactError
    from hedonic.manifest import MANIFEST_FORMAT_VERSION, MANIFEST_KIND

    if not layout.manifest.exists():
        return [], []
    try:
        notes = read_json(layout.manifest, MANIFEST_KIND, MANIFEST_FORMAT_VERSION).get("model_notes") or []
    except ArtifactError as error:
        return [], [
            f"{error.message}; the model notes it holds (e.g. a head built from the seed) cannot be shown; rerun `hedonic run` to rewrite it"
        ]
    return [str(note) for note in notes], []
