"""``hedonic valuation``: build φ of one layer from its activation statistics (and, for PAS-hess,
PAS-exact and PAS-model, the analysis inputs) and save it. The kinds are those of
:func:`hedonic.valuation.build.build_valuation`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer

from hedonic.cli._app import app
from hedonic.cli.options import (
    AdapterOption,
    AllowNewHeadOption,
    BatchSizeOption,
    DeviceOption,
    LimitOption,
    MaxLengthOption,
    ModelOption,
    OutOption,
    RunDirOption,
    RunLayerOption,
    analysis_pairs,
    check_output,
    gib_to_bytes,
    layer_layout,
)
from hedonic.pipeline.config import DataSection
from hedonic.valuation.build import VALUATION_KINDS, Measure
from hedonic.valuation.settings import DEFAULTS as VALUATION

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter, TokenBatch

DATA = DataSection()
"""The batching defaults: a run configuration's ``[data]``, as ``hedonic run`` batches."""

KIND_HELP = "Valuation: " + "; ".join(f"'{row.name}' ({row.description})" for row in VALUATION_KINDS.values()) + "."


@app.command()
def valuation(
    kind: Annotated[str, typer.Option("--kind", help=KIND_HELP)],
    stats: Annotated[Path | None, typer.Option("--stats", help="Activation statistics of the layer (hedonic collect).")] = None,
    out: OutOption = None,
    run_dir: RunDirOption = None,
    layer: RunLayerOption = None,
    model: ModelOption = "",
    adapter: AdapterOption = None,
    measure: Annotated[str, typer.Option("--measure", help=f"OCA co-activation: {' or '.join(get_args(Measure))}.")] = VALUATION.measure,
    neurons: Annotated[
        str, typer.Option("--neurons", help="Players: all, ids/ranges like 0-63,100, variance:K or lora:K (among the collected).")
    ] = VALUATION.subset,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            help="Analysis inputs of pas-hess / pas-exact: pairs file (.jsonl, MS MARCO .tsv) or 'demo' (demo corpus, train split); "
            "default RUN_DIR/data/inputs.jsonl.",
        ),
    ] = None,
    limit: LimitOption = None,
    batch_size: BatchSizeOption = DATA.batch_size,
    max_length: MaxLengthOption = DATA.max_length,
    readout: Annotated[
        str, typer.Option("--readout", help="Readout f of pas-hess / pas-exact: local, model or linear (pas-grad: the statistics').")
    ] = "local",
    freeze_norms: Annotated[
        bool,
        typer.Option(
            "--freeze-norms", help="pas-model: hold every norm from the layer to the readout at each input's clean scale (and mean)."
        ),
    ] = False,
    memory_budget: Annotated[
        float | None, typer.Option("--memory-budget", help="GiB allowed for φ (default half the free memory).")
    ] = None,
    allow_new_head: AllowNewHeadOption = False,
    device: DeviceOption = "cpu",
) -> None:
    """Build φ (symmetric, zero diagonal) of one layer and write it as a valuation artifact.

    Files: hedonic valuation --stats S --kind oca --out PHI [--model M --adapter A] (φ as .safetensors).
    Run directory: hedonic valuation --run-dir DIR --layer L --kind pas-grad reads
    DIR/stats/layer<L>.safetensors and writes DIR/valuation/layer<L>.safetensors. The model and
    adapter default to those named in the statistics.
    PAS-hess, PAS-exact and PAS-model also stream the analysis inputs (--data) through the model;
    PAS-model always reads the model's own logit (the later layers run).
    """
    from hedonic.ablation import check_readout
    from hedonic.data import iter_batches
    from hedonic.display import console as make_console
    from hedonic.errors import ConfigError, MemoryBudgetError
    from hedonic.models import lora_profile, open_model
    from hedonic.stats import load_stats, resolve_budget, subset_of_stats
    from hedonic.valuation import save_valuation, stats_file_bytes
    from hedonic.valuation.artifact import VALUATION_KIND
    from hedonic.valuation.build import build_valuation, check_kind

    check_kind(kind)
    if measure not in get_args(Measure):
        raise ConfigError(f"unknown --measure {measure!r}", hint=f"use {' or '.join(get_args(Measure))}")
    check_readout(readout)
    if freeze_norms and kind != "pas-model":
        raise ConfigError(f"--freeze-norms is for --kind pas-model, not {kind}", hint="drop --freeze-norms, or use --kind pas-model")
    layout = layer_layout(run_dir, layer)
    stats_path = stats or (layout.stats(layer) if layout and layer is not None else None)
    out_path = out or (layout.valuation(layer) if layout and layer is not None else None)
    if stats_path is None or out_path is None:
        raise ConfigError(
            "pass --stats and --out, or --run-dir and --layer", hint="e.g. --stats stats/layer3.safetensors --out phi.safetensors"
        )
    check_output(out_path, VALUATION_KIND, [stats_path])
    budget = gib_to_bytes(memory_budget)
    if stats_path.is_file() and stats_file_bytes(stats_path) > resolve_budget(budget):
        raise MemoryBudgetError(
            f"loading {stats_path} needs about {stats_file_bytes(stats_path) / (1 << 30):.2f} GiB, above the memory budget",
            hint="collect the statistics for fewer neurons (hedonic collect --neurons variance:K) or raise --memory-budget",
        )
    moments = load_stats(stats_path)
    if layer is not None and moments.layer != layer:
        raise ConfigError(f"{stats_path} holds statistics of layer {moments.layer}, not {layer}", hint="pass the layer's statistics")
    inputs = data or (str(layout.inputs) if layout else None)

    @cache
    def load() -> ModelAdapter:
        name = model or moments.model
        if not name:
            raise ConfigError("this valuation needs the model, and the statistics do not name one", hint="pass --model (and --adapter)")
        chosen_adapter = adapter or (Path(moments.adapter) if moments.adapter else None)
        return open_model(name, chosen_adapter, device=device, allow_new_head=allow_new_head)

    def batches() -> list[TokenBatch]:
        if inputs is None:
            raise ConfigError(
                f"{kind} streams the analysis inputs through the model, and none were given", hint="pass --data FILE (or demo)"
            )
        return list(iter_batches(load(), analysis_pairs(inputs, limit), batch_size, max_length))

    moments = subset_of_stats(moments, neurons, lambda: lora_profile(load()))
    built = build_valuation(
        kind, moments, load, batches, measure=cast("Measure", measure), readout=readout, memory_budget=budget, freeze_norms=freeze_norms
    )
    save_valuation(built, out_path)
    make_console().print(f"{built.name} φ of layer {moments.layer}: {built.n} neurons → {out_path}")
