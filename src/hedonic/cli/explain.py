"""``hedonic explain``: what the coalitions of a run mean (importance, interpretation, cross-domain probes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hedonic.cli._app import Command, app
from hedonic.cli.options import (
    DEMO_DATA,
    AdapterOption,
    AllowNewHeadOption,
    BatchSizeOption,
    DeviceOption,
    LayersOption,
    LegacyRunDirArgument,
    MaxLengthOption,
    ModelOption,
    ModeOption,
    PermutationsOption,
    ResamplesOption,
    RunDirOption,
    SeedOption,
    chosen_run_dir,
)
from hedonic.meaning import MeaningSettings
from hedonic.pipeline.config import DataSection, EvaluationSection, MeaningSection, RunConfig

if TYPE_CHECKING:
    from hedonic.data import CorpusStats, QueryDocPair
    from hedonic.layout import RunLayout

MEANING, DATA, LIBRARY = MeaningSection(), DataSection(), MeaningSettings()
EVALUATION, RUN = EvaluationSection(), RunConfig()
"""The defaults: ``[meaning]``, ``[data]`` and ``[evaluation] mode`` of a run configuration, as ``hedonic run`` explains
a layer; the settings the configuration does not hold are the library's."""


@app.command(cls=Command)
def explain(
    run_dir: RunDirOption = None,
    layers: LayersOption = None,
    model: ModelOption = "demo",
    adapter: AdapterOption = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            help="Held-out candidate pairs (.jsonl/.tsv; repeat for several corpora, each a domain when its pairs name none), "
            "or 'demo' (the demo corpus' held-out candidate lists). Default: RUN_DIR/data/heldout.jsonl.",
        ),
    ] = None,
    qrels: Annotated[Path | None, typer.Option("--qrels", help="TREC qrels giving the relevance labels of the --data files.")] = None,
    max_queries: Annotated[
        int | None, typer.Option("--max-queries", min=1, help="Use at most this many queries, spread over the domains.")
    ] = DATA.heldout_queries or None,
    min_size: Annotated[int, typer.Option("--min-size", min=1, help="Smallest coalition size analysed.")] = MEANING.min_size,
    max_size: Annotated[int, typer.Option("--max-size", min=1, help="Largest coalition size analysed.")] = MEANING.max_size,
    max_coalitions: Annotated[
        int | None, typer.Option("--max-coalitions", min=2, help="At most this many coalitions per method (seeded sample).")
    ] = MEANING.max_coalitions or None,
    importance_draws: Annotated[
        int, typer.Option("--importance-draws", min=1, help="Draws of size-matched random groups ablated.")
    ] = MEANING.importance_draws,
    probe_draws: Annotated[
        int, typer.Option("--probe-draws", min=1, help="Draws of size-matched random groups probed.")
    ] = MEANING.probe_draws,
    readout: Annotated[
        str, typer.Option("--readout", help="Score whose ranking is measured: model (the logit) or local (logit lens).")
    ] = MEANING.readout,
    mode: ModeOption = EVALUATION.mode,
    k: Annotated[int, typer.Option("--k", min=1, help="Cutoff of nDCG@k.")] = LIBRARY.k,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Top-activating inputs kept per coalition.")] = LIBRARY.top_k,
    min_domain_size: Annotated[
        int, typer.Option("--min-domain-size", min=2, help="Domains with fewer inputs take no part in the probes.")
    ] = LIBRARY.min_domain_size,
    seed: SeedOption = RUN.seed,
    n_resamples: ResamplesOption = MEANING.n_resamples,
    n_permutations: PermutationsOption = MEANING.n_permutations,
    batch_size: BatchSizeOption = DATA.batch_size,
    max_length: MaxLengthOption = DATA.max_length,
    allow_new_head: AllowNewHeadOption = False,
    device: DeviceOption = "cpu",
    legacy_run_dir: LegacyRunDirArgument = None,
) -> None:
    """Explain the hedonic coalitions of each layer against its baselines and size-matched random groups.

    Functional importance (score, nDCG@k and MRR drops when a group is ablated), interpretation
    (top-activating inputs, Pearson/Spearman correlation with IR features, Benjamini–Hochberg
    q-values) and ridge probes trained on one domain and scored (R²) on another. Reads
    RUN_DIR/partitions/layer<L>.json and baselines/layer<L>/ (every layer with a partition unless
    --layer is given), writes RUN_DIR/meaning/layer<L>.json (kind "meaning") and prints the tables.
    The defaults are a run configuration's: its meaning table, its data table's batching, held-out
    queries and length, and the evaluation's ablation mode.
    """
    from hedonic.data import balanced_queries
    from hedonic.display import console as make_console
    from hedonic.errors import ConfigError
    from hedonic.layer_partitions import run_partitions
    from hedonic.layout import RunLayout
    from hedonic.meaning import NULL_METHOD, explain_layer, meaning_tables, save_meaning, summary_lines
    from hedonic.models import open_model

    folder = chosen_run_dir(run_dir, legacy_run_dir)
    if folder is None:
        raise ConfigError("no run directory given", hint="pass --run-dir DIR (made by hedonic run, or by the sub-commands)")
    layout = RunLayout(folder)
    chosen = list(layers or layout.layers_with("partitions"))
    if not chosen:
        raise ConfigError(f"{folder} holds no partition (partitions/layer<L>.json)", hint="run `hedonic discover` first, or pass --layer")
    section = dataclasses.replace(
        MEANING,
        min_size=min_size,
        max_size=max_size,
        max_coalitions=max_coalitions or 0,
        importance_draws=importance_draws,
        probe_draws=probe_draws,
        n_resamples=n_resamples,
        n_permutations=n_permutations,
    )
    settings = dataclasses.replace(
        section.settings(mode=mode, batch_size=batch_size, max_length=max_length, seed=seed),
        readout=readout,
        k=k,
        top_k=top_k,
        min_domain_size=min_domain_size,
    )
    partitions = {layer: run_partitions(layout, layer, reserved=[NULL_METHOD]) for layer in chosen}
    groups, stats, excluded = _candidates(data, qrels, layout)
    groups = balanced_queries(groups, max_queries, seed=seed)
    loaded = open_model(model, adapter, device=device, allow_new_head=allow_new_head)
    console = make_console()
    for layer in chosen:
        result = explain_layer(
            loaded, layer, partitions[layer], groups, settings=settings, model_name=model, stats=stats, exclude_ids=excluded
        )
        path = save_meaning(result, layout.meaning(layer))
        for table in meaning_tables(result):
            console.print(table)
        for line in summary_lines(result):
            console.print(line, highlight=False, markup=False)
        console.print(
            f"layer {layer}: {len(result.input_ids)} held-out inputs in {result.importance.num_queries} queries; wrote {path}",
            highlight=False,
        )


def _candidates(
    data: Sequence[str] | None, qrels: Path | None, layout: RunLayout
) -> tuple[list[tuple[QueryDocPair, ...]], CorpusStats | None, set[str]]:
    """(candidate lists, BM25 statistics or None for the candidates' own, pair ids φ was built from)."""
    from hedonic.data import attach_qrels, build_demo_corpus, query_groups, read_pairs, read_qrels
    from hedonic.errors import ConfigError

    sources = list(data or ([str(layout.heldout)] if layout.heldout.is_file() else []))
    if not sources:
        raise ConfigError(f"no held-out data: {layout.heldout} does not exist", hint="pass --data FILE (or --data demo)")
    excluded = {pair.pair_id for pair in read_pairs(layout.inputs)} if layout.inputs.is_file() else set()
    judgements = read_qrels(qrels) if qrels is not None else None
    groups: list[tuple[QueryDocPair, ...]] = []
    stats = None
    for source in sources:
        if source == DEMO_DATA:
            corpus = build_demo_corpus()
            groups.extend(corpus.heldout.candidates)
            excluded |= {pair.pair_id for pair in corpus.train.candidate_pairs()}
            stats = corpus.stats if len(sources) == 1 else None
            continue
        pairs = read_pairs(source)
        if judgements is not None:
            pairs = list(attach_qrels(pairs, judgements))
        if len(sources) > 1:
            pairs = [
                pair if pair.domain is not None else dataclasses.replace(pair, domain=Path(source).name.split(".")[0]) for pair in pairs
            ]
        groups.extend(query_groups(pairs))
    return groups, stats, excluded
