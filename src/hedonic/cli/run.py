"""``hedonic run CONFIG.toml`` and ``hedonic demo``: the whole method in one command."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.cli import app

if TYPE_CHECKING:
    from hedonic.pipeline.run import RunResult


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="Run configuration (TOML); every key has a default, see README.")],
    out: Annotated[Path | None, typer.Option("--out", help="Run directory (default: out_dir of the configuration).")] = None,
) -> None:
    """Run every stage (LoRA profile → statistics → φ → partitions → baselines → synergy → tracking → report).

    Stages whose inputs and parameters did not change since the last run in the same directory
    are reused, so an interrupted run resumes.
    """
    from hedonic.pipeline.config import load_config
    from hedonic.pipeline.run import run_pipeline

    _summarise(run_pipeline(load_config(config), out))


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Run directory (default hedonic-runs/demo, hedonic-runs/smollm2-TASK).")
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help="Shipped model: 'demo' (MiniLM-L6, BERT) or 'smollm2' (SmolLM2-135M, LLaMA).")
    ] = "demo",
    task: Annotated[
        str | None, typer.Option("--task", help="Adapter: relevance (default), cqtr or tf-l (smollm2 only).")
    ] = None,
) -> None:
    """The whole method on a shipped reranker (base model + bundled LoRA) and the demo corpus, offline."""
    from hedonic.pipeline.demos import demo_config
    from hedonic.pipeline.run import run_pipeline

    _summarise(run_pipeline(demo_config(model, task), out))


def _summarise(result: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    from hedonic.evaluation import comparison_tables, load_comparison

    console = Console()
    for layer in result.evaluated:
        path = result.layout.comparison(layer)
        if path.is_file():
            console.print(f"[bold]layer {layer}[/]: synergy on held-out inputs", highlight=False)
            for table in comparison_tables(load_comparison(path)):
                console.print(table)
    timings = Table(title="stage wall times (s)")
    timings.add_column("stage")
    timings.add_column("seconds", justify="right")
    for name, seconds in result.timings.items():
        timings.add_row(name + (" (reused)" if name in result.reused else ""), f"{seconds:.1f}")
    console.print(timings)
    console.print(f"report: {result.layout.report.resolve()}", highlight=False)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (made by hedonic run / demo, or by the sub-commands).")],
) -> None:
    """Rebuild the HTML report of a run directory from its files (RUN_DIR/report.html)."""
    from hedonic.errors import ArtifactError
    from hedonic.layout import RunLayout
    from hedonic.pipeline.config import RunConfig, load_config
    from hedonic.pipeline.stage_runner import StageRunner
    from hedonic.pipeline.stages import sankey_section_options
    from hedonic.report.build import write_report

    layout = RunLayout(run_dir)
    analysed = layout.layers_with("partitions")
    if not analysed:
        raise ArtifactError(f"{run_dir}: no partitions found", hint="run `hedonic run` or `hedonic discover --run-dir` first")
    evaluated = [layer for layer in analysed if layout.comparison(layer).is_file()]
    config = load_config(layout.config) if layout.config.is_file() else RunConfig()
    path = write_report(
        layout,
        analysed,
        evaluated,
        timings=StageRunner(layout.root).recorded_timings(),
        top_coalitions=config.report.top_coalitions,
        sankey=sankey_section_options(config.tracking),
    )
    print(f"report: {path.resolve()}")
