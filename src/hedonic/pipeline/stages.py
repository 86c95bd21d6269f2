"""The stages of a run, each a function of the run's :class:`~hedonic.pipeline.context.RunContext`.

Every stage declares its parameters (config sections) and input files to the stage runner, which
skips it when they are unchanged and its outputs exist; the action writes artifacts atomically and
returns their paths. Messages go to the pipeline's console (stderr). In a data-parallel run the
statistics, PAS-exact φ and evaluation stages run on every rank (``distributed=True``) with the
pipeline's :class:`~hedonic.stats.DataParallel`, and only rank 0 writes their files.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.errors import ConfigError, DataError
from hedonic.stage_table import STAGE

if TYPE_CHECKING:
    import numpy as np

    from hedonic.evaluation.layer_evaluation import ComparisonOptions, LayerEvaluation
    from hedonic.pipeline.config import DecompositionSection, EvaluationSection
    from hedonic.pipeline.context import RunContext

DEMO_DATA = "demo"
"""``data.inputs`` / ``data.heldout`` value that selects the demo corpus' training / held-out split."""


def _name(stage: str, layer: int | None = None) -> str:
    """The record name of ``stage`` (on ``layer``), from :data:`~hedonic.stage_table.STAGES`."""
    return STAGE[stage].record_name(layer)


def lora_profile(pipeline: RunContext) -> None:
    """The LoRA update profile (spec §2); skipped with a note when the model carries no adapter."""
    from hedonic.models import lora_profile as profile_of
    from hedonic.models import save_lora_profile

    if not pipeline.model.lora_deltas:
        pipeline.console.print("the model has no LoRA adapter: no update profile; layers are chosen by position", style="yellow")
        pipeline.runner.retire(_name("lora"), pipeline.layout.lora_profile)
        return

    def action() -> list[Path]:
        profile = profile_of(pipeline.model, model_name=pipeline.config.model.name)
        return [save_lora_profile(profile, pipeline.layout.lora_profile)]

    pipeline.runner.run(_name("lora"), action, pipeline.model_parameters(), pipeline.model_files())


def data(pipeline: RunContext) -> None:
    """Write the analysis and held-out pairs into the run directory (after limits and qrels).

    The first stage: every data error (a malformed or repeated line, NaN relevance, qrels that
    judge none of the held-out queries, pairs both analysed and held out) is raised, naming the
    user's file and line, before the model loads. Texts are cut to
    :func:`~hedonic.data.batching.char_limit` characters of ``max_length`` as they are read.
    """
    section = pipeline.config.data
    files = [Path(p) for p in (section.inputs, section.heldout, section.qrels) if p and p != DEMO_DATA]

    def action() -> list[Path]:
        from hedonic.data.writers import write_jsonl

        inputs, heldout = _read_splits(pipeline)
        if section.qrels:
            heldout = _with_qrels(heldout, section.qrels)
        overlap = {p.pair_id for p in inputs} & {p.pair_id for p in heldout}
        if overlap:
            raise DataError(
                f"{len(overlap)} pairs are both analysis inputs and held out (e.g. {sorted(overlap)[0]})",
                hint="held-out pairs must never build φ: give disjoint files (split by query)",
            )
        return [write_jsonl(inputs, pipeline.layout.inputs), write_jsonl(heldout, pipeline.layout.heldout)]

    parameters = {"data": dataclasses.asdict(section), "seed": pipeline.config.seed}
    pipeline.runner.run(_name("data"), action, parameters, files)


def _read_splits(pipeline: RunContext) -> tuple[list[Any], list[Any]]:
    from hedonic.data import DemoCorpusConfig, balanced_queries, build_demo_corpus, query_groups, read_pairs
    from hedonic.data.batching import char_limit

    section = pipeline.config.data
    corpus = None
    if DEMO_DATA in (section.inputs, section.heldout):
        corpus = build_demo_corpus(DemoCorpusConfig(seed=pipeline.config.seed))
    chars = char_limit(section.max_length)
    limit = section.inputs_limit or None
    inputs = (
        list(corpus.train.pairs) if section.inputs == DEMO_DATA and corpus else read_pairs(section.inputs, limit=limit, max_chars=chars)
    )
    heldout = (
        list(corpus.heldout.candidate_pairs()) if section.heldout == DEMO_DATA and corpus else read_pairs(section.heldout, max_chars=chars)
    )
    queries = balanced_queries(query_groups(heldout), section.heldout_queries or None, seed=pipeline.config.seed)
    return inputs[: section.inputs_limit or None], [pair for group in queries for pair in group]


def _with_qrels(heldout: list[Any], qrels_path: str) -> list[Any]:
    """The held-out pairs labelled from the qrels file; :class:`DataError` when it judges none of their queries."""
    from hedonic.data import attach_qrels, read_qrels

    qrels = read_qrels(qrels_path)
    queries = {pair.qid for pair in heldout}
    if not queries & set(qrels):
        raise DataError(
            f"{qrels_path} judges none of the {len(queries)} held-out queries (it judges e.g. query {sorted(qrels)[0]!r}; "
            f"the held-out data has e.g. {sorted(queries)[0]!r})",
            hint="give the qrels of the held-out file's queries ([data] qrels and heldout must match)",
        )
    return list(attach_qrels(heldout, qrels))


def statistics(pipeline: RunContext, layers: list[int]) -> None:
    """Activation statistics of every analysed layer in one pass over the analysis inputs (spec §3)."""
    from hedonic.stats import save_stats

    config = pipeline.config
    outputs = [pipeline.layout.stats(layer) for layer in layers]

    def action() -> list[Path]:
        pairs = pipeline.inputs
        subsets = _neuron_subsets(pipeline, layers)
        total = -(-len(pairs) // config.data.batch_size)
        found = _collector(pipeline)(
            pipeline.model,
            pipeline.batches(pairs),
            layers,
            neurons=subsets,
            tokens=config.stats.tokens,
            grad=None if config.stats.grad == "none" else config.stats.grad,
            total=total,
            model_name=config.model.name,
            adapter_name=config.model.adapter,
        )
        if not pipeline.writer:
            return []
        return [save_stats(found[layer], path) for layer, path in zip(layers, outputs, strict=True)]

    parameters = {
        "model": pipeline.model_parameters(),
        "data": dataclasses.asdict(config.data),
        "stats": dataclasses.asdict(config.stats),
        "subset": config.valuation.subset,
        "layers": layers,
    }
    pipeline.runner.run(_name("stats"), action, parameters, [pipeline.layout.inputs, *pipeline.model_files()], distributed=True)


def _collector(pipeline: RunContext) -> Any:
    """``collect_stats``, or its data-parallel form in a data-parallel run (same arguments)."""
    from hedonic.stats import collect_stats, collect_stats_distributed

    return collect_stats if pipeline.parallel is None else collect_stats_distributed


def _neuron_subsets(pipeline: RunContext, layers: list[int]) -> dict[int, np.ndarray] | None:
    """Players per layer for ``valuation.subset``; ``variance:K`` first runs a pass of O(n) sums."""
    from hedonic.stats.subset import resolve_layer_subsets

    def variance_pass() -> dict[int, Any]:
        batches = pipeline.batches(pipeline.inputs)
        return _collector(pipeline)(pipeline.model, batches, layers, outer=False, tokens=pipeline.config.stats.tokens)

    return resolve_layer_subsets(pipeline.model, pipeline.config.valuation.subset, layers, variance_pass)


def valuation(pipeline: RunContext, layer: int) -> None:
    """φ of ``layer`` (spec §4) from its statistics, or from the model on the analysis inputs."""
    from hedonic.stats import load_stats
    from hedonic.valuation import save_valuation
    from hedonic.valuation.build import build_valuation, check_kind

    section = pipeline.config.valuation
    parallel = pipeline.parallel if check_kind(section.kind).parallel else None

    def action() -> list[Path]:
        stats = load_stats(pipeline.layout.stats(layer))
        exact_inputs = pipeline.inputs[: section.exact_inputs] if section.exact_inputs else pipeline.inputs
        built = build_valuation(
            section.kind,
            stats,
            lambda: pipeline.model,
            lambda: list(pipeline.batches(exact_inputs)),
            measure=section.measure,
            readout=pipeline.config.evaluation.readout,
            parallel=parallel,
        )
        return [save_valuation(built, pipeline.layout.valuation(layer))] if pipeline.writer else []

    parameters = {"valuation": dataclasses.asdict(section), "readout": pipeline.config.evaluation.readout, "layer": layer}
    inputs = [pipeline.layout.stats(layer), pipeline.layout.inputs, *pipeline.model_files()]
    pipeline.runner.run(_name("valuation", layer), action, parameters, inputs, distributed=parallel is not None)


def partition(pipeline: RunContext, layer: int) -> None:
    """The hedonic partition of ``layer`` from its φ (spec §5)."""
    from hedonic.game import discover, partition_warnings, save_partition
    from hedonic.valuation import load_valuation

    section = pipeline.config.game

    def action() -> list[Path]:
        valuation = load_valuation(pipeline.layout.valuation(layer))
        found = discover(
            valuation.phi,
            **section.settings().as_dict(),
            seed=pipeline.config.seed,
            neurons=valuation.neurons,
            layer=layer,
        )
        summary = f"layer {layer}: {len(found.coalitions)} coalitions, largest {found.largest()}, singletons {found.singleton_share():.0%}"
        stable = "" if found.stability is None else "; " + ("Nash stable" if found.stability.nash_stable else "not Nash stable")
        pipeline.console.print(summary + stable, highlight=False)
        for warning in partition_warnings(found):
            pipeline.console.print(f"layer {layer}: WARNING: {warning}", style="bold red", highlight=False, markup=False)
        return [save_partition(found, pipeline.layout.partition(layer))]

    parameters = {"game": dataclasses.asdict(section), "seed": pipeline.config.seed, "layer": layer}
    pipeline.runner.run(_name("partition", layer), action, parameters, [pipeline.layout.valuation(layer)])


def baselines(pipeline: RunContext, layer: int) -> None:
    """Clustering baselines of ``layer`` matched to the hedonic partition (spec §6)."""
    from hedonic.baselines import run_baselines
    from hedonic.baselines.inputs import baseline_inputs
    from hedonic.game import load_partition, save_partition
    from hedonic.stats import load_stats
    from hedonic.valuation import load_valuation

    section = pipeline.config.baselines
    layout = pipeline.layout

    def action() -> list[Path]:
        reference = load_partition(layout.partition(layer))
        stats = load_stats(layout.stats(layer))
        inputs, notes = baseline_inputs(reference.neurons, layer, load_valuation(layout.valuation(layer)), pipeline.model, stats)
        for note in notes:
            pipeline.console.print(f"layer {layer}: {note}", style="yellow", highlight=False)
        found = run_baselines(
            reference,
            inputs,
            section.methods,
            seed=pipeline.config.seed,
            match_sizes=section.match_sizes,
            kmeans_n_init=section.kmeans_n_init,
        )
        for method, reason in found.skipped.items():
            pipeline.console.print(f"layer {layer}: baseline {method} skipped: {reason}", style="yellow", highlight=False)
        return [save_partition(result, layout.baseline(layer, method)) for method, result in found.partitions.items()]

    parameters = {"baselines": dataclasses.asdict(section), "seed": pipeline.config.seed, "layer": layer}
    inputs = [layout.partition(layer), layout.valuation(layer), layout.stats(layer), *pipeline.model_files()]
    pipeline.runner.run(_name("baselines", layer), action, parameters, inputs, owns=[layout.baselines_dir(layer)])


def check_evaluable(pipeline: RunContext, layer: int) -> None:
    """Raise before the baselines and synergy of ``layer`` when its hedonic partition has no coalition to evaluate.

    A degenerate partition (one coalition holding most neurons, or mostly singletons, e.g. with
    ``[game] threshold`` above every φ) is named as such: widening the size range would not help.
    """
    from hedonic.evaluation.layer_evaluation import size_text
    from hedonic.game import load_partition

    size_range = pipeline.config.evaluation.size_range()
    low, high = size_range
    found = load_partition(pipeline.layout.partition(layer))
    if found.in_size_range(low, found.n_players if high is None else high):
        return
    sizes = f"largest coalition {found.largest()} of {found.n_players} neurons, singletons {found.singleton_share():.0%}"
    if found.degenerate:
        raise DataError(
            f"layer {layer}: the hedonic partition is degenerate ({sizes}): no coalition of size {size_text(size_range)} to evaluate",
            hint="make the game find structure: lower [game] threshold (a friend's φ must exceed it) or change k; "
            "the size range is not the problem",
        )
    raise ConfigError(
        f"layer {layer}: no hedonic coalition of size {size_text(size_range)} ({sizes})",
        hint="widen [evaluation] min_size / max_size to the sizes the partition has",
    )


def evaluation(pipeline: RunContext, layer: int) -> None:
    """Synergy of hedonic and baseline coalitions on the held-out inputs, their per-coalition tests, the comparison and the verdict (spec §6)."""
    from hedonic.evaluation import COMPARISON_FORMAT_VERSION, SYNERGY_FORMAT_VERSION, save_comparison, save_synergy
    from hedonic.evaluation.layer_evaluation import compare_partitions

    section = pipeline.config.evaluation
    layout = pipeline.layout

    def action() -> list[Path]:
        started = time.perf_counter()
        partitions, heldout, engine = _held_out_engine(pipeline, layer, section.readout, 0)
        caching = time.perf_counter() - started
        found = compare_partitions(engine, partitions, freeze_norms=section.freeze_norms, **_comparison_options(pipeline, section, heldout))
        _print_evaluation(pipeline, layer, found, caching)
        if not pipeline.writer:
            return []
        written = [save_synergy(result, layout.synergy(layer, name)) for name, result in found.synergy.items()]
        return [*written, save_comparison(found.comparison, layout.comparison(layer))]

    parameters = {
        "evaluation": dataclasses.asdict(section),
        "seed": pipeline.config.seed,
        "layer": layer,
        "formats": [SYNERGY_FORMAT_VERSION, COMPARISON_FORMAT_VERSION],
    }
    inputs = _coalition_stage_inputs(pipeline, layer)
    pipeline.runner.run(_name("evaluation", layer), action, parameters, inputs, distributed=True)


def _held_out_engine(pipeline: RunContext, layer: int, readout: str, count: int) -> tuple[dict[str, Any], list[Any], Any]:
    """(the layer's hedonic and baseline partitions, the first ``count`` held-out pairs (0: all), an ablation engine on them).

    For the ``model`` readout the pairs are in order of length (less padding per stacked forward)
    and the engine keeps token states.
    """
    from hedonic.ablation import AblationEngine
    from hedonic.data import by_length
    from hedonic.layer_partitions import run_partitions

    layout = pipeline.layout
    partitions = run_partitions(layout, layer)
    heldout = pipeline.heldout[: count or None]
    if readout == "model":
        heldout = by_length(pipeline.model, heldout, pipeline.config.data.max_length)
    batches = list(pipeline.batches(heldout))
    mode = pipeline.config.evaluation.mode
    engine = AblationEngine(pipeline.model, layer, batches, mode=mode, token_states=readout == "model", parallel=pipeline.parallel)
    return partitions, heldout, engine


def _comparison_options(pipeline: RunContext, section: EvaluationSection | DecompositionSection, heldout: list[Any]) -> ComparisonOptions:
    """``compare_partitions``' options for ``section``: its readout, coalitions, metrics and tests; ``[evaluation]``'s size range and statistics."""
    evaluation, seed = pipeline.config.evaluation, pipeline.config.seed
    return {
        "input_ids": [pair.pair_id for pair in heldout],
        "exclude_ids": {pair.pair_id for pair in pipeline.inputs},
        "readout": section.readout,
        "size_range": evaluation.size_range(),
        "max_coalitions": section.max_coalitions or None,
        "metrics": section.metrics,
        "max_pairs": section.pair_limit(),
        "seed": seed,
        "n_resamples": evaluation.n_resamples,
        "n_permutations": evaluation.n_permutations,
        "rank_test": evaluation.rank_test,
        "significance": section.null_settings(seed, evaluation.alpha),
        "verdict_metric": section.verdict_metric,
        "model_name": pipeline.config.model.name,
    }


def decomposition(pipeline: RunContext, layer: int) -> None:
    """Synergy of the computation vs the norms' coupling: the evaluated coalitions through ``[decomposition] readout``
    with the norms free and frozen, each compared across methods (spec §6)."""
    from hedonic.evaluation import COMPARISON_FORMAT_VERSION, SYNERGY_FORMAT_VERSION, save_comparison, save_synergy
    from hedonic.evaluation.decomposition import decompose_partitions

    section, evaluation_section = pipeline.config.decomposition, pipeline.config.evaluation
    layout = pipeline.layout
    if not section.enabled:
        return

    def action() -> list[Path]:
        partitions, heldout, engine = _held_out_engine(pipeline, layer, section.readout, section.inputs)
        found = decompose_partitions(engine, partitions, **_comparison_options(pipeline, section, heldout))
        for line in found.lines(layer):
            pipeline.console.print(line, highlight=False, markup=False)
        if not pipeline.writer:
            return []
        written = []
        for frozen, part in ((False, found.total), (True, found.computation)):
            written += [save_synergy(result, layout.decomposed_synergy(layer, name, frozen)) for name, result in part.synergy.items()]
            written.append(save_comparison(part.comparison, layout.decomposed_comparison(layer, frozen)))
        return written

    parameters = {
        "decomposition": dataclasses.asdict(section),
        "evaluation": dataclasses.asdict(evaluation_section),
        "seed": pipeline.config.seed,
        "layer": layer,
        "formats": [SYNERGY_FORMAT_VERSION, COMPARISON_FORMAT_VERSION],
    }
    pipeline.runner.run(_name("decomposition", layer), action, parameters, _coalition_stage_inputs(pipeline, layer), distributed=True)


def _print_evaluation(pipeline: RunContext, layer: int, found: LayerEvaluation, caching: float) -> None:
    """What the evaluation's parts cost (the per-coalition tests among them), the shares of significant coalitions, the verdict lines."""
    from hedonic.evaluation.verdict import verdict_from_dict

    seconds = found.seconds
    console = pipeline.console
    console.print(
        f"layer {layer}: evaluation {caching + sum(seconds.values()):.1f} s = caching the layer {caching:.1f} s + synergy "
        f"{seconds['synergy']:.1f} s + per-coalition tests {seconds['significance']:.1f} s + comparison {seconds['comparison']:.1f} s",
        highlight=False,
    )
    for name, summary in found.comparison.context.get("significance", {}).items():
        console.print(
            f"layer {layer}: {name}: {summary['significant']} of {summary['coalitions']} coalitions more synergistic than random",
            highlight=False,
        )
    for entry in found.comparison.context.get("verdict", []):
        console.print(verdict_from_dict(entry).line(), highlight=False)


def _coalition_stage_inputs(pipeline: RunContext, layer: int) -> list[Path]:
    """Files a stage over ``layer``'s hedonic and baseline coalitions on the held-out pairs depends on."""
    layout = pipeline.layout
    partitions = [layout.partition(layer), *layout.baseline_files(layer)]
    return [*partitions, layout.heldout, layout.inputs, *pipeline.model_files()]


def meaning(pipeline: RunContext, layer: int) -> None:
    """Functional importance, interpretation and cross-domain probes of ``layer``'s coalitions (spec §8)."""
    from hedonic.data import query_groups
    from hedonic.layer_partitions import run_partitions
    from hedonic.layout import REFERENCE
    from hedonic.meaning import NULL_METHOD, explain_layer, save_meaning, summary_lines

    section = pipeline.config.meaning
    layout = pipeline.layout
    if not section.enabled:
        return

    def action() -> list[Path]:
        partitions = run_partitions(layout, layer, reserved=[NULL_METHOD])
        config = pipeline.config
        settings = section.settings(
            mode=config.evaluation.mode, batch_size=config.data.batch_size, max_length=config.data.max_length, seed=config.seed
        )
        result = explain_layer(
            pipeline.model,
            layer,
            partitions,
            query_groups(pipeline.heldout),
            settings=settings,
            model_name=pipeline.config.model.name,
            exclude_ids={pair.pair_id for pair in pipeline.inputs},
            findings=_findings(pipeline, layer),
        )
        for line in summary_lines(result):
            pipeline.console.print(f"layer {layer}: {line}", highlight=False, markup=False)
        return [save_meaning(result, layout.meaning(layer))]

    from hedonic.meaning import MEANING_FORMAT_VERSION

    parameters = {
        "meaning": dataclasses.asdict(section),
        "mode": pipeline.config.evaluation.mode,
        "seed": pipeline.config.seed,
        "layer": layer,
        "format": MEANING_FORMAT_VERSION,
        "findings": pipeline.config.report.top_coalitions,
    }
    synergy = [layout.synergy(layer, REFERENCE)] if layout.synergy(layer, REFERENCE).is_file() else []
    pipeline.runner.run(_name("meaning", layer), action, parameters, [*_coalition_stage_inputs(pipeline, layer), *synergy])


def _findings(pipeline: RunContext, layer: int) -> list[tuple[int, ...]]:
    """The hedonic coalitions of ``layer`` that passed their significance test, strongest first (as many as the report shows)."""
    from hedonic.evaluation import load_synergy
    from hedonic.evaluation.significance import ranked_findings
    from hedonic.layout import REFERENCE

    path = pipeline.layout.synergy(layer, REFERENCE)
    if not path.is_file():
        return []
    result = load_synergy(path)
    return [result.coalitions[k].neurons for k in ranked_findings(result, pipeline.config.report.top_coalitions)]


def tracking(pipeline: RunContext, layers: list[int]) -> None:
    """Link tests, detection floors and events between consecutive analysed layers, and the Sankey diagram (spec §7)."""
    from hedonic.game import load_partition
    from hedonic.tracking import (
        EVENTS_FORMAT_VERSION,
        adjacent_pairs,
        causal_inputs,
        collect_input_activity,
        expand_mean_abs,
        mean_abs_from_stats,
        track_chain,
        tracked_members,
        write_tracking,
    )

    section = pipeline.config.tracking
    layout = pipeline.layout
    if not adjacent_pairs(layers):
        pipeline.console.print("no two consecutive analysed layers: no tracking", style="yellow")
        return

    def action() -> list[Path]:
        partitions = {layer: load_partition(layout.partition(layer)) for layer in layers}
        n = pipeline.model.intermediate_size
        mean_abs = {layer: expand_mean_abs(mean_abs_from_stats(layout.stats(layer)), layer, partitions[layer], n) for layer in layers}
        options = section.options(pipeline.config.seed)
        activity = batches = None
        if options.needs_activity():
            members = tracked_members(partitions, section.min_size)
            total = -(-len(pipeline.inputs) // pipeline.config.data.batch_size)
            activity = collect_input_activity(
                pipeline.model, pipeline.batches(pipeline.inputs), members, tokens=pipeline.config.stats.tokens, total=total
            )
        if options.measure == "causal":
            batches = list(pipeline.batches(causal_inputs(pipeline.inputs, options.causal)))
        chain = track_chain(pipeline.model, partitions, mean_abs, options, activity, batches)
        for line in event_lines(chain):
            pipeline.console.print(line, highlight=False)
        return write_tracking(chain, layout.tracking_dir, section.sankey())

    parameters = {
        "tracking": dataclasses.asdict(section),
        "layers": layers,
        "seed": pipeline.config.seed,
        "tokens": pipeline.config.stats.tokens,
        "data": dataclasses.asdict(pipeline.config.data),
        "format": EVENTS_FORMAT_VERSION,
    }
    inputs = [path for layer in layers for path in (layout.partition(layer), layout.stats(layer))]
    pipeline.runner.run(_name("tracking"), action, parameters, [*inputs, layout.inputs, *pipeline.model_files()])


def event_lines(chain: list[Any]) -> list[str]:
    """One line per layer pair: tracked coalitions, each event share (with its bootstrap interval), the link tests and their floors."""
    return [
        f"layers {pair.source_layer}→{pair.target_layer} ({pair.tracking.n_sources}→{pair.tracking.n_targets} coalitions "
        f"of ≥ {pair.min_size} neurons, rule {pair.rule_text()}): " + pair.summary()
        for pair in chain
    ]


def report(pipeline: RunContext, analysed: list[int], evaluated: list[int]) -> None:
    """The self-contained HTML report of the run (always rebuilt from the run directory's files); missing pieces are warned about."""
    from hedonic.report.build import write_report

    def action() -> list[Path]:
        timings = pipeline.runner.recorded_timings()
        top = pipeline.config.report.top_coalitions
        sankey = pipeline.config.tracking.sankey()
        written = write_report(
            pipeline.layout, analysed, evaluated, timings=timings, top_coalitions=top, sankey=sankey, notes=pipeline.model.notes
        )
        for line in written.warnings():
            pipeline.console.print(f"warning: {line}", style="yellow", highlight=False, markup=False)
        return [written.path]

    inputs = sorted(path for path in pipeline.layout.root.rglob("*") if path.is_file() and _report_input(pipeline, path))
    parameters = {
        "report": dataclasses.asdict(pipeline.config.report),
        "analysed": analysed,
        "evaluated": evaluated,
        "notes": list(pipeline.model.notes),
    }
    pipeline.runner.run(_name("report"), action, parameters, inputs)


def _report_input(pipeline: RunContext, path: Path) -> bool:
    """Every JSON artifact and stage record (timings) but the report's own record, the manifest,
    the marker and the artifacts set aside in ``stale/``."""
    layout = pipeline.layout
    relative = path.relative_to(layout.root)
    return (
        path.suffix == ".json"
        and relative.parts[0] not in ("data", layout.stale_dir.name)
        and relative
        not in (
            STAGE["report"].record_path(layout).relative_to(layout.root),
            Path("manifest.json"),
            Path(layout.marker.name),
        )
    )


ACTIONS: dict[str, Callable[[RunContext, Any], None]] = {
    "data": lambda pipeline, layers: data(pipeline),
    "lora": lambda pipeline, layers: lora_profile(pipeline),
    "stats": lambda pipeline, layers: statistics(pipeline, layers.analysed),
    "valuation": valuation,
    "partition": partition,
    "baselines": baselines,
    "evaluation": evaluation,
    "decomposition": decomposition,
    "meaning": meaning,
    "tracking": lambda pipeline, layers: tracking(pipeline, layers.analysed),
    "report": lambda pipeline, layers: report(pipeline, layers.analysed, layers.evaluated),
}
"""The action of each stage of :data:`~hedonic.stage_table.STAGES`: a run stage's is called with the run's
:class:`~hedonic.pipeline.run.RunLayers`, a per-layer stage's with its layer."""
