"""``hedonic evaluate``: synergy of hedonic vs baseline coalitions on held-out inputs, and the comparison table."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hedonic.cli import app

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.evaluation import SynergyResult
    from hedonic.game import Partition

REFERENCE = "hedonic"
"""Name of the hedonic partition in the comparison."""
DEMO_DATA = "demo"
"""``--data demo``: the held-out split of the demo corpus (its training split is excluded)."""


@app.command()
def evaluate(
    layer: Annotated[int, typer.Option("--layer", help="The analysed layer.")],
    model: Annotated[str, typer.Option("--model", help="Model folder or hub id, or 'demo' for the shipped demo reranker.")],
    data: Annotated[
        str, typer.Option("--data", help="Held-out pairs (.jsonl, or MS MARCO .tsv), or 'demo' for the demo corpus' held-out split.")
    ],
    adapter: Annotated[Path | None, typer.Option("--adapter", help="peft LoRA adapter folder (implied for 'demo').")] = None,
    partition: Annotated[Path | None, typer.Option("--partition", help="The hedonic partition (JSON).")] = None,
    baselines: Annotated[list[Path] | None, typer.Option("--baseline", help="A baseline partition file (repeat the option).")] = None,
    baseline_dir: Annotated[Path | None, typer.Option("--baseline-dir", help="Folder of baseline partitions (every *.json).")] = None,
    run_dir: Annotated[
        Path | None,
        typer.Option("--run-dir", help="Run directory: partitions/layer<L>.json, baselines/layer<L>/, writes evaluation/layer<L>/."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Comparison JSON (default RUN_DIR/evaluation/layer<L>/comparison.json).")] = None,
    exclude: Annotated[
        Path | None, typer.Option("--exclude", help="Pairs φ was built from (.jsonl/.tsv): none may be among the held-out inputs.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N held-out pairs.")] = None,
    readout: Annotated[str, typer.Option("--readout", help="Readout f: local (logit lens after the layer) or model.")] = "local",
    mode: Annotated[str, typer.Option("--mode", help="Ablation: zero, or pre-lora (needs an adapter).")] = "zero",
    min_size: Annotated[int, typer.Option("--min-size", min=2, help="Smallest coalition size evaluated.")] = 4,
    max_size: Annotated[int, typer.Option("--max-size", min=2, help="Largest coalition size evaluated.")] = 32,
    metrics: Annotated[str, typer.Option("--metrics", help="Comma-separated metrics (default: all signed and absolute).")] = "",
    max_coalitions: Annotated[
        int | None, typer.Option("--max-coalitions", min=2, help="Evaluate at most this many coalitions per method (seeded sample).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the coalition sample, bootstrap and permutations.")] = 0,
    n_resamples: Annotated[int, typer.Option("--n-resamples", min=1, help="Bootstrap resamples.")] = 9999,
    n_permutations: Annotated[int, typer.Option("--n-permutations", min=1, help="Permutations of each test.")] = 9999,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Held-out pairs per forward batch.")] = 16,
    max_length: Annotated[int, typer.Option("--max-length", min=8, help="Truncate pairs to this many tokens.")] = 256,
    allow_new_head: Annotated[
        bool, typer.Option("--allow-new-head", help="Build a one-logit head when the checkpoint has none.")
    ] = False,
    device: Annotated[str, typer.Option("--device", help="Torch device to load the model on.")] = "cpu",
) -> None:
    """Evaluate the synergy metrics of every method's coalitions (size range) on held-out inputs and compare.

    Writes the comparison (kind "comparison") and, next to it, one auditable synergy file per
    method (synergy_<method>.json: neurons, Δ_i, Δ_ij, Δ_C, Δ_{C∖k}, readout, layer, input ids).
    """
    from rich.console import Console

    from hedonic.ablation import AblationEngine
    from hedonic.data import iter_batches
    from hedonic.errors import ConfigError
    from hedonic.evaluation import METRICS, evaluate_synergy, save_synergy
    from hedonic.evaluation.comparison import compare_methods, comparison_tables, save_comparison

    if min_size > max_size:
        raise ConfigError(f"--min-size {min_size} is larger than --max-size {max_size}", hint="pass min ≤ max, e.g. 4 and 32")
    chosen = [name.strip() for name in metrics.split(",") if name.strip()] or list(METRICS)
    unknown = sorted(set(chosen) - set(METRICS))
    if unknown:
        raise ConfigError(f"unknown metric(s): {', '.join(unknown)}", hint=f"choose among {', '.join(METRICS)}")
    destination = out or (run_dir / "evaluation" / f"layer{layer}" / "comparison.json" if run_dir is not None else None)
    if destination is None:
        raise ConfigError("no output file", hint="pass --out FILE or --run-dir DIR")
    partitions = _partitions(layer, partition, baselines or [], baseline_dir, run_dir)
    pairs, excluded = _held_out(data, exclude, limit)

    console = Console()
    selected = {
        name: _select(found, min_size, max_size, max_coalitions, seed, name) for name, found in partitions.items()
    }
    for name, coalitions in selected.items():
        if len(coalitions) < 2:
            console.print(f"{name}: {len(coalitions)} coalition(s) of size {min_size}–{max_size}; its statistics stay undefined", style="yellow", highlight=False)
    everything = [coalition for coalitions in selected.values() for coalition in coalitions]
    if not everything:
        raise ConfigError(f"no coalition of size {min_size}–{max_size} in any partition", hint="widen --min-size/--max-size")

    loaded = _load_model(model, adapter, allow_new_head, device)
    engine = AblationEngine(loaded, layer, list(iter_batches(loaded, pairs, batch_size, max_length)), mode=mode)
    result = evaluate_synergy(
        engine, everything, input_ids=[p.pair_id for p in pairs], readout=readout, model_name=model, exclude_ids=excluded
    )
    per_method = _split(result, selected)
    for name, part in per_method.items():
        save_synergy(part, destination.parent / f"synergy_{name}.json")

    values = {name: {metric: part.metric(metric) for metric in chosen} for name, part in per_method.items()}
    sizes = {name: part.sizes() for name, part in per_method.items()}
    context = {
        "model": model,
        "adapter": "" if adapter is None else str(adapter),
        "layer": engine.layer,
        "readout": readout,
        "mode": engine.mode,
        "data": data,
        "num_inputs": len(pairs),
        "partitions": {name: found.method for name, found in partitions.items()},
        "synergy_files": {name: f"synergy_{name}.json" for name in per_method},
    }
    comparison = compare_methods(
        values,
        sizes,
        reference=REFERENCE,
        size_range=(min_size, max_size),
        n_resamples=n_resamples,
        n_permutations=n_permutations,
        seed=seed,
        context=context,
    )
    save_comparison(comparison, destination)
    for table in comparison_tables(comparison):
        console.print(table)
    console.print(f"{len(pairs)} held-out inputs, readout {readout}, ablation {engine.mode}; wrote {destination}", highlight=False)


def _partitions(
    layer: int, partition: Path | None, baselines: Sequence[Path], baseline_dir: Path | None, run_dir: Path | None
) -> dict[str, Partition]:
    """Hedonic partition under :data:`REFERENCE`, then baselines by their method name, all of ``layer``."""
    from hedonic.errors import ConfigError
    from hedonic.game import load_partition

    reference_path = partition or (run_dir / "partitions" / f"layer{layer}.json" if run_dir is not None else None)
    folder = baseline_dir or (run_dir / "baselines" / f"layer{layer}" if run_dir is not None else None)
    files = [*baselines, *(sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else [])]
    if reference_path is None:
        raise ConfigError("no hedonic partition given", hint="pass --partition FILE or --run-dir DIR")
    if not files:
        raise ConfigError("no baseline partitions found", hint="run `hedonic baselines` first, or pass --baseline FILE / --baseline-dir DIR")
    found = {REFERENCE: load_partition(reference_path)}
    for path in files:
        baseline = load_partition(path)
        if baseline.method in found:
            raise ConfigError(f"two partitions named {baseline.method!r} (the second is {path})", hint="pass one partition per method")
        found[baseline.method] = baseline
    for name, each in found.items():
        if each.layer is not None and each.layer != layer:
            raise ConfigError(f"the {name} partition is of layer {each.layer}, not {layer}", hint="pass the partitions of --layer")
    return found


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


def _select(partition: Partition, low: int, high: int, cap: int | None, seed: int, name: str) -> list[tuple[int, ...]]:
    """The partition's coalitions of size low..high; at most ``cap`` of them, a seeded sample kept in order."""
    import numpy as np

    coalitions = partition.in_size_range(low, high)
    if cap is None or len(coalitions) <= cap:
        return coalitions
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    keep = np.sort(rng.choice(len(coalitions), size=cap, replace=False))
    return [coalitions[i] for i in keep]


def _split(result: SynergyResult, selected: Mapping[str, Sequence[tuple[int, ...]]]) -> dict[str, SynergyResult]:
    """Cut one synergy result over all methods' coalitions (in order) into one per method."""
    from dataclasses import replace

    parts, start = {}, 0
    for name, coalitions in selected.items():
        parts[name] = replace(result, coalitions=result.coalitions[start : start + len(coalitions)])
        start += len(coalitions)
    return parts


def _load_model(model: str, adapter: Path | None, allow_new_head: bool, device: str) -> Any:
    from hedonic.models import DEMO_NAME, demo_model_paths, load_model

    if model == DEMO_NAME:
        base, demo_adapter = demo_model_paths()
        return load_model(base, adapter or demo_adapter, device=device, allow_new_head=True)
    return load_model(model, adapter, device=device, allow_new_head=allow_new_head)
