"""``hedonic valuation``: build φ of one layer from its activation statistics and save it.

The kinds live in :data:`BUILDERS` (kind → function of a :class:`ValuationRequest`); a new kind is
one more entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.cli import app

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter
    from hedonic.stats import ActivationStats
    from hedonic.valuation import Measure, Valuation


@dataclass(frozen=True)
class ValuationRequest:
    """What a valuation builder may use: the statistics, the model (loaded on first call), options."""

    stats: ActivationStats
    model: Callable[[], ModelAdapter] = field(repr=False)
    measure: Measure = "pearson"
    memory_budget: int | None = None


def _oca(request: ValuationRequest) -> Valuation:
    from hedonic.valuation import oca

    w_out = request.model().w_out(request.stats.layer).float().cpu().numpy()
    return oca(request.stats, w_out, measure=request.measure, memory_budget=request.memory_budget)


def _pas_grad(request: ValuationRequest) -> Valuation:
    from hedonic.valuation import pas_grad

    return pas_grad(request.stats, memory_budget=request.memory_budget)


BUILDERS: dict[str, Callable[[ValuationRequest], Valuation]] = {"oca": _oca, "pas-grad": _pas_grad}
"""Valuation kinds of ``hedonic valuation --kind``."""


@app.command()
def valuation(
    kind: Annotated[str, typer.Option("--kind", help="Valuation: oca or pas-grad.")],
    stats: Annotated[Path | None, typer.Option("--stats", help="Activation statistics of the layer (hedonic collect).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write φ (.safetensors).")] = None,
    run_dir: Annotated[
        Path | None, typer.Option("--run-dir", help="Run directory: read stats/layer<L>.safetensors, write valuation/layer<L>.safetensors.")
    ] = None,
    layer: Annotated[int | None, typer.Option("--layer", help="The layer (required with --run-dir).")] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model folder, hub id or 'demo' for W_out (default: the one in the statistics).")
    ] = None,
    adapter: Annotated[
        Path | None, typer.Option("--adapter", help="peft LoRA adapter folder (default: the one in the statistics).")
    ] = None,
    measure: Annotated[str, typer.Option("--measure", help="OCA co-activation: pearson or covariance.")] = "pearson",
    neurons: Annotated[
        str, typer.Option("--neurons", help="Players: all, ids/ranges like 0-63,100, variance:K or lora:K (among the collected).")
    ] = "all",
    memory_budget: Annotated[
        float | None, typer.Option("--memory-budget", help="GiB allowed for φ (default half the free memory).")
    ] = None,
    allow_new_head: Annotated[
        bool, typer.Option("--allow-new-head", help="Build a one-logit head when the checkpoint has none.")
    ] = False,
) -> None:
    """Build φ (symmetric, zero diagonal) of one layer and write it as a valuation artifact.

    Files: hedonic valuation --stats S --kind oca --out PHI [--model M --adapter A].
    Run directory: hedonic valuation --run-dir DIR --layer L --kind pas-grad.
    """
    from rich.console import Console

    from hedonic.errors import ConfigError, MemoryBudgetError
    from hedonic.models import lora_profile
    from hedonic.stats import load_stats, resolve_budget
    from hedonic.valuation import parse_subset, resolve_subset, save_valuation, stats_file_bytes, top_k

    if kind not in BUILDERS:
        raise ConfigError(f"unknown valuation kind {kind!r}", hint=f"use one of {', '.join(BUILDERS)}")
    if measure not in ("pearson", "covariance"):
        raise ConfigError(f"unknown --measure {measure!r}", hint="use pearson or covariance")
    stats_path, out_path = _paths(stats, out, run_dir, layer)
    budget = None if memory_budget is None else int(memory_budget * (1 << 30))
    if stats_path.is_file() and stats_file_bytes(stats_path) > resolve_budget(budget):
        raise MemoryBudgetError(
            f"loading {stats_path} needs about {stats_file_bytes(stats_path) / (1 << 30):.2f} GiB, above the memory budget",
            hint="collect the statistics for fewer neurons (hedonic collect --neurons variance:K) or raise --memory-budget",
        )
    moments = load_stats(stats_path)
    if layer is not None and moments.layer != layer:
        raise ConfigError(f"{stats_path} holds statistics of layer {moments.layer}, not {layer}", hint="pass the layer's statistics")

    @cache
    def load() -> ModelAdapter:
        return _load_model(model or moments.model, adapter or (Path(moments.adapter) if moments.adapter else None), allow_new_head)

    spec = parse_subset(neurons)
    if spec.ranking == "lora" and spec.k is not None:
        norms = lora_profile(load()).neuron_norms(moments.layer)
        subset = top_k(norms[moments.neurons], spec.k, moments.neurons)
    else:
        subset = resolve_subset(spec, int(moments.neurons[-1]) + 1, layer=moments.layer, stats=moments)
    if subset is not None:
        moments = moments.select(subset)
    built = BUILDERS[kind](ValuationRequest(moments, load, measure, budget))  # type: ignore[arg-type]
    save_valuation(built, out_path)
    Console().print(f"{built.name} φ of layer {moments.layer}: {built.n} neurons → {out_path}")


def _paths(stats: Path | None, out: Path | None, run_dir: Path | None, layer: int | None) -> tuple[Path, Path]:
    from hedonic.errors import ConfigError

    if run_dir is not None:
        if layer is None:
            raise ConfigError("--run-dir needs --layer", hint="pass --layer L")
        return stats or run_dir / "stats" / f"layer{layer}.safetensors", out or run_dir / "valuation" / f"layer{layer}.safetensors"
    if stats is None or out is None:
        raise ConfigError("pass --stats and --out, or --run-dir and --layer", hint="e.g. --stats stats/layer3.safetensors --out phi.safetensors")
    return stats, out


def _load_model(model: str, adapter: Path | None, allow_new_head: bool) -> ModelAdapter:
    from hedonic.errors import ConfigError
    from hedonic.models import DEMO_NAME, demo_model_paths, load_model

    if not model:
        raise ConfigError(
            "this valuation needs the model, and the statistics do not name one", hint="pass --model (and --adapter)"
        )
    if model == DEMO_NAME:
        base, demo_adapter = demo_model_paths()
        return load_model(base, adapter or demo_adapter, allow_new_head=True)
    return load_model(model, adapter, allow_new_head=allow_new_head)
