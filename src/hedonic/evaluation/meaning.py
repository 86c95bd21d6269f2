"""What the coalitions of one layer mean: importance, interpretation and cross-domain probes (spec §8).

:func:`explain_layer` runs the three analyses on one set of held-out candidate lists:

1. functional importance (:mod:`~hedonic.evaluation.importance`) of the reference (hedonic)
   coalitions, every baseline's groups and ``importance_draws`` draws of size-matched random
   groups, with the comparison of their distributions and each group against random groups of its size;
2. interpretation (:mod:`~hedonic.evaluation.interpretation`) of the reference coalitions, and the
   alignment with the IR features of every set of groups;
3. ridge probes (:mod:`~hedonic.evaluation.probes`) from each set of groups to each IR feature,
   trained on one domain and scored on the others, with ``probe_draws`` random draws as the null.

Coalitions: of each partition, those of size ``min_size``..``max_size``; at most
``max_coalitions`` of them (a sample seeded by (seed, CRC-32 of the method name), kept in order).
Random draws are cut with exactly the sizes of the selected reference coalitions.

The artifact (kind ``"meaning"``, format version 2, JSON) holds the settings, the inputs (ids,
domains, queries), the IR features of every input, the reference coalitions' activations, every
analysed group, and the three results; :func:`load_meaning` reads it back. Version 2: the
embedded importance comparison carries the rank-based fields of
:mod:`hedonic.evaluation.comparison` version 2 (medians, Cliff's δ interval, rank test), and
``findings`` / ``findings_interpretation`` hold the top-activating inputs and IR-feature
correlations of the reference coalitions that passed their per-coalition significance test
(``index`` = position in ``findings``; empty and null when none was given).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.ablation import AblationEngine
from hedonic.artifacts import read_json, write_json
from hedonic.data import QueryDocPair, ir_features, iter_batches
from hedonic.data.ir_features import CorpusStats
from hedonic.errors import ArtifactError, ConfigError, DataError
from hedonic.evaluation.compare_partitions import select_coalitions
from hedonic.evaluation.comparison import Comparison, comparison_from_payload
from hedonic.evaluation.importance import (
    NULL_METHOD,
    GroupImportance,
    ImportanceResult,
    NeuronGroup,
    NullContrast,
    functional_importance,
    importance_comparison,
    matched_random_groups,
    method_groups,
    null_contrasts,
)
from hedonic.evaluation.interpretation import (
    AlignmentSummary,
    FeatureCorrelation,
    InterpretationResult,
    TopInput,
    group_means,
    interpret,
)
from hedonic.evaluation.probes import DEFAULT_ALPHAS, ProbeScore, ProbeSummary, cross_domain_scores, probe_summary
from hedonic.evaluation.ranking import RankingSetup
from hedonic.game import Partition
from hedonic.models import ModelAdapter

MEANING_KIND = "meaning"
MEANING_FORMAT_VERSION = 2


@dataclass(frozen=True)
class MeaningSettings:
    """Parameters of :func:`explain_layer` (see the module docstring and each analysis' module)."""

    reference: str = "hedonic"
    min_size: int = 2
    max_size: int = 64
    max_coalitions: int | None = 40
    importance_draws: int = 2
    probe_draws: int = 20
    readout: str = "model"
    mode: str = "zero"
    k: int = 10
    mrr_cutoff: int | None = None
    top_k: int = 5
    aligned_count: int = 3
    fdr_alpha: float = 0.05
    confidence: float = 0.95
    n_resamples: int = 9999
    n_permutations: int = 9999
    probe_alphas: tuple[float, ...] = DEFAULT_ALPHAS
    folds: int = 5
    min_domain_size: int = 10
    batch_size: int = 16
    max_length: int = 256
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.min_size <= self.max_size:
            raise ConfigError(f"coalition sizes {self.min_size}..{self.max_size} are not a range", hint="pass 1 ≤ min_size ≤ max_size")
        if self.max_coalitions is not None and self.max_coalitions < 2:
            raise ConfigError(f"max_coalitions must be ≥ 2, got {self.max_coalitions}", hint="e.g. 40, or None for all")
        if self.importance_draws < 1 or self.probe_draws < 1:
            raise ConfigError("importance_draws and probe_draws must be ≥ 1", hint="e.g. 2 and 20")


@dataclass(frozen=True)
class MeaningResult:
    """Everything :func:`explain_layer` measured on one layer (see the module docstring).

    ``input_ids``, ``domains`` and ``query_ids`` (X,) describe the inputs in analysis order
    (increasing token count, :func:`by_length`);
    ``features`` IR feature → (X,) values; ``activations`` (X, C) the reference coalitions' mean
    activations; ``groups`` every analysed group; ``sources`` method → the partition's own method
    name; ``notes`` what was skipped and why.
    """

    model: str
    layer: int
    settings: MeaningSettings
    input_ids: tuple[str, ...]
    domains: tuple[str | None, ...]
    query_ids: tuple[str, ...]
    features: Mapping[str, np.ndarray]
    activations: np.ndarray
    groups: tuple[NeuronGroup, ...]
    sources: Mapping[str, str]
    importance: ImportanceResult
    importance_comparison: Comparison
    null_contrasts: tuple[NullContrast, ...]
    interpretation: InterpretationResult
    probes: tuple[ProbeScore, ...]
    probe_summary: tuple[ProbeSummary, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    findings: tuple[tuple[int, ...], ...] = ()
    findings_interpretation: InterpretationResult | None = None

    def coalitions(self, method: str, draw: int = 0) -> list[tuple[int, ...]]:
        """The groups of ``method`` (and ``draw``) in order."""
        return [group.neurons for group in self.groups if group.method == method and group.draw == draw]


def explain_layer(
    adapter: ModelAdapter,
    layer: int,
    partitions: Mapping[str, Partition],
    candidates: Sequence[Sequence[QueryDocPair]],
    *,
    settings: MeaningSettings | None = None,
    model_name: str | None = None,
    stats: CorpusStats | None = None,
    exclude_ids: Collection[str] = (),
    findings: Sequence[Sequence[int]] = (),
) -> MeaningResult:
    """Run importance, interpretation and probes for ``layer``'s partitions on held-out candidate lists.

    ``partitions`` method → partition of the layer, the reference's among them; ``candidates``
    per-query lists of labelled pairs (every pair needs a label; its ``domain`` drives the
    probes); ``stats`` BM25 collection statistics (default: of the candidates' documents);
    ``exclude_ids``: pair ids φ was built from, none of which may be among the candidates;
    ``findings``: coalitions (e.g. the significant ones) to interpret too, outside the sample.
    Raises :class:`ConfigError` / :class:`DataError` on missing reference, coalitions or labels.
    """
    settings = settings or MeaningSettings()
    reference = settings.reference
    if reference not in partitions:
        raise ConfigError(f"no {reference!r} partition among {sorted(partitions)}", hint="pass the hedonic partition under its name")
    if not candidates or any(len(group) == 0 for group in candidates):
        raise DataError("no candidate list, or an empty one", hint="pass at least one query with candidates")
    pairs = by_length(adapter, [pair for group in candidates for pair in group], settings.max_length)
    setup = RankingSetup.from_pairs(pairs)
    _check_held_out(pairs, exclude_ids)
    selected = {
        name: select_coalitions(p, (settings.min_size, settings.max_size), settings.max_coalitions, settings.seed, name)
        for name, p in partitions.items()
    }
    if len(selected[reference]) < 2:
        raise ConfigError(
            f"the {reference} partition has {len(selected[reference])} coalition(s) of size {settings.min_size}–{settings.max_size}",
            hint="widen the size range (min_size/max_size)",
        )
    notes = [f"{name}: {len(found)} group(s) of size {settings.min_size}–{settings.max_size}, left out" for name, found in selected.items() if len(found) < 2]
    analysed = [method_groups(name, found) for name, found in selected.items() if len(found) >= 2]
    fixed = [group for groups_of in analysed for group in groups_of]
    draws = max(settings.importance_draws, settings.probe_draws)
    random_groups = matched_random_groups(
        partitions[reference].neurons, [len(c) for c in selected[reference]], draws, seed=settings.seed
    )

    batches = list(iter_batches(adapter, pairs, settings.batch_size, settings.max_length))
    engine = AblationEngine(adapter, layer, batches, mode=settings.mode, token_states=settings.readout == "model")
    ablated = fixed + [group for group in random_groups if group.draw < settings.importance_draws]
    importance = functional_importance(engine, ablated, setup, readout=settings.readout, k=settings.k, mrr_cutoff=settings.mrr_cutoff)
    comparison = importance_comparison(
        importance,
        reference=reference,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        n_permutations=settings.n_permutations,
        seed=settings.seed,
    )

    every = fixed + random_groups
    values = group_means(engine.activations(), [group.neurons for group in every])
    keys = [(group.method, group.draw) for group in every]
    activations = {key: values[:, [k for k, other in enumerate(keys) if other == key]] for key in dict.fromkeys(keys)}
    features = ir_features(pairs, stats=stats).as_dict()
    interpretation = interpret(
        activations,
        pairs,
        features,
        reference=reference,
        top_k=settings.top_k,
        aligned_count=settings.aligned_count,
        alpha=settings.fdr_alpha,
    )
    found = tuple(tuple(sorted(int(i) for i in group)) for group in findings)
    found_interpretation = None
    if found:
        found_values = group_means(engine.activations(), list(found))
        found_interpretation = interpret(
            {("findings", 0): found_values}, pairs, features, reference="findings", top_k=settings.top_k, aligned_count=settings.aligned_count, alpha=settings.fdr_alpha
        )
    domains = [pair.domain for pair in pairs]
    query_ids = [pair.qid for pair in pairs]
    probes = [
        score
        for (method, draw), matrix in activations.items()
        for score in cross_domain_scores(
            matrix,
            features,
            domains,
            query_ids,
            method=method,
            draw=draw,
            alphas=settings.probe_alphas,
            folds=settings.folds,
            min_domain_size=settings.min_domain_size,
        )
    ]
    if not probes:
        notes.append(f"no cross-domain probe: fewer than two domains with ≥ {settings.min_domain_size} inputs")
    return MeaningResult(
        model=model_name if model_name is not None else str(adapter.config.name_or_path),
        layer=engine.layer,
        settings=settings,
        input_ids=tuple(pair.pair_id for pair in pairs),
        domains=tuple(domains),
        query_ids=tuple(query_ids),
        features=features,
        activations=activations[reference, 0],
        groups=tuple(every),
        sources={name: p.method for name, p in partitions.items()},
        importance=importance,
        importance_comparison=comparison,
        null_contrasts=tuple(null_contrasts(importance)),
        interpretation=interpretation,
        probes=tuple(probes),
        probe_summary=tuple(probe_summary(probes, null=NULL_METHOD)),
        notes=tuple(notes),
        findings=found,
        findings_interpretation=found_interpretation,
    )


def by_length(adapter: ModelAdapter, pairs: Sequence[QueryDocPair], max_length: int) -> list[QueryDocPair]:
    """``pairs`` in order of increasing token count (truncated at ``max_length``; ties keep their order).

    Batches of similar lengths carry little padding, which the ``model`` readout's stacked
    forwards would otherwise compute on.
    """
    batch = adapter.encode([pair.query for pair in pairs], [pair.text for pair in pairs], max_length=max_length)
    lengths = batch.attention_mask.sum(dim=1).cpu().numpy()
    return [pairs[i] for i in np.argsort(lengths, kind="stable")]


def _check_held_out(pairs: Sequence[QueryDocPair], exclude_ids: Collection[str]) -> None:
    ids = [pair.pair_id for pair in pairs]
    if len(set(ids)) != len(ids):
        repeated = next(i for i in ids if ids.count(i) > 1)
        raise DataError(
            f"the pair {repeated!r} appears twice among the candidates",
            hint="list each (qid, docid) once; corpora analysed together need distinct query ids",
        )
    overlap = sorted(set(ids) & set(exclude_ids))
    if overlap:
        raise DataError(
            f"{len(overlap)} held-out inputs (e.g. {overlap[0]!r}) were used to build φ",
            hint="explain the coalitions on a held-out split that shares no input with the valuation data",
        )


def save_meaning(result: MeaningResult, path: str | Path) -> Path:
    """Write ``result`` as a JSON artifact (kind ``meaning``, format version 2), atomically; returns the path."""
    payload = asdict(result)
    payload["features"] = {name: np.asarray(values) for name, values in result.features.items()}
    return write_json(path, MEANING_KIND, MEANING_FORMAT_VERSION, payload)


def load_meaning(path: str | Path) -> MeaningResult:
    """Read a meaning artifact written by :func:`save_meaning`.

    Raises :class:`ArtifactError` naming the file when it is missing, not valid JSON, of another
    kind or version, or structurally wrong (missing fields, arrays of the wrong length).
    """
    document = read_json(path, MEANING_KIND, MEANING_FORMAT_VERSION)
    try:
        return _result(document)
    except (KeyError, TypeError, ValueError, AttributeError, ConfigError) as exc:
        raise ArtifactError(f"{path}: invalid meaning artifact ({exc})", hint="the file was edited or truncated; rerun `hedonic explain`") from exc


def _result(document: Mapping[str, Any]) -> MeaningResult:
    settings = document["settings"]
    inputs = tuple(str(i) for i in document["input_ids"])
    features = {str(name): np.asarray(values, dtype=np.float64) for name, values in document["features"].items()}
    activations = np.asarray(document["activations"], dtype=np.float64)
    groups = tuple(_group(NeuronGroup, entry) for entry in document["groups"])
    reference = [g for g in groups if g.method == settings["reference"] and g.draw == 0]
    if any(values.shape != (len(inputs),) for values in features.values()) or activations.shape != (len(inputs), len(reference)):
        raise ValueError(f"features or activations do not cover the {len(inputs)} inputs and {len(reference)} reference coalitions")
    if len(document["domains"]) != len(inputs) or len(document["query_ids"]) != len(inputs):
        raise ValueError("domains or query ids do not cover the inputs")
    importance = document["importance"]
    interpretation = document["interpretation"]
    return MeaningResult(
        model=str(document["model"]),
        layer=int(document["layer"]),
        settings=MeaningSettings(**{**settings, "probe_alphas": tuple(float(a) for a in settings["probe_alphas"])}),
        input_ids=inputs,
        domains=tuple(None if d is None else str(d) for d in document["domains"]),
        query_ids=tuple(str(q) for q in document["query_ids"]),
        features=features,
        activations=activations,
        groups=groups,
        sources={str(k): str(v) for k, v in document["sources"].items()},
        importance=ImportanceResult(**{**importance, "groups": tuple(_group(GroupImportance, g) for g in importance["groups"])}),
        importance_comparison=comparison_from_payload(document["importance_comparison"]),
        null_contrasts=tuple(NullContrast(**entry) for entry in document["null_contrasts"]),
        interpretation=_interpretation(interpretation),
        probes=tuple(ProbeScore(**entry) for entry in document["probes"]),
        probe_summary=tuple(ProbeSummary(**entry) for entry in document["probe_summary"]),
        notes=tuple(str(note) for note in document["notes"]),
        findings=tuple(tuple(int(i) for i in group) for group in document["findings"]),
        findings_interpretation=None if document["findings_interpretation"] is None else _interpretation(document["findings_interpretation"]),
    )


def _interpretation(entry: Mapping[str, Any]) -> InterpretationResult:
    return InterpretationResult(
        method=str(entry["method"]),
        features=tuple(entry["features"]),
        alpha=float(entry["alpha"]),
        correlations=tuple(FeatureCorrelation(**item) for item in entry["correlations"]),
        top_inputs=tuple(TopInput(**item) for item in entry["top_inputs"]),
        aligned={str(k): tuple(int(i) for i in v) for k, v in entry["aligned"].items()},
        summaries=tuple(AlignmentSummary(**item) for item in entry["summaries"]),
    )


def _group(kind: Any, entry: Mapping[str, Any]) -> Any:
    neurons = tuple(int(i) for i in entry["neurons"])
    if not neurons or list(neurons) != sorted(set(neurons)):
        raise ValueError(f"group neurons {list(neurons)} are not distinct ids in ascending order")
    return kind(**{**entry, "neurons": neurons})


def meaning_tables(result: MeaningResult, *, rows: int = 10) -> list[Any]:
    """:class:`rich.table.Table` s of ``result``: importance (per metric, most important coalitions),
    interpretation (most aligned coalitions, top inputs, alignment per method) and probes.

    ``rows`` bounds the per-coalition tables.
    """
    from hedonic.evaluation.comparison import comparison_tables

    return [
        *comparison_tables(result.importance_comparison),
        _important_table(result, rows),
        _aligned_table(result),
        _top_inputs_table(result, min(3, rows)),
        _alignment_table(result),
        _probe_table(result),
    ]


def ranked_coalitions(result: MeaningResult) -> list[int]:
    """Indices of the reference coalitions, most important first (by nDCG drop, then score drop)."""
    rows = result.importance.of(result.settings.reference)
    return [row.index for row in sorted(rows, key=lambda r: (-(r.ndcg_drop or 0.0), -r.score_drop, r.index))]


def _important_table(result: MeaningResult, rows: int) -> Any:
    from rich.table import Table

    importance = result.importance
    contrasts = {(c.index, c.metric): c for c in result.null_contrasts if c.method == result.settings.reference}
    table = Table(
        title=f"Most important {result.settings.reference} coalitions, layer {result.layer} "
        f"({importance.readout} readout, {importance.mode} ablation; clean nDCG@{importance.k} = {_number(importance.clean_ndcg, '.3f')}, "
        f"MRR = {_number(importance.clean_mrr, '.3f')} on {importance.num_ranked} queries); pct = share of random groups of the same size it beats"
    )
    for column in ("#", "size", "score drop", "pct", "nDCG drop", "pct", "MRR drop", "pct"):
        table.add_column(column, justify="right")
    by_index = {row.index: row for row in importance.of(result.settings.reference)}
    for index in ranked_coalitions(result)[:rows]:
        row = by_index[index]
        cells = [str(index), str(len(row.neurons))]
        for metric in ("score_drop", "ndcg_drop", "mrr_drop"):
            contrast = contrasts.get((index, metric))
            cells += [_number(row.metric(metric)), _number(None if contrast is None else contrast.percentile, ".2f")]
        table.add_row(*cells)
    return table


def _aligned_table(result: MeaningResult) -> Any:
    from rich.table import Table

    interpretation = result.interpretation
    by_key = {(c.index, c.feature): c for c in interpretation.correlations}
    table = Table(title=f"{interpretation.method} coalitions most aligned with each IR feature (q: Benjamini–Hochberg over all coalition × feature tests)")
    for column in ("feature", "#", "size", "Pearson r", "q", "Spearman ρ", "q"):
        table.add_column(column, justify="left" if column == "feature" else "right")
    sizes = [len(c) for c in result.coalitions(interpretation.method)]
    for feature, indices in interpretation.aligned.items():
        for index in indices:
            entry = by_key[index, feature]
            table.add_row(
                feature,
                str(index),
                str(sizes[index]),
                _number(entry.pearson_r, ".3f"),
                _number(entry.pearson_q, ".2g"),
                _number(entry.spearman_rho, ".3f"),
                _number(entry.spearman_q, ".2g"),
            )
    return table


def _top_inputs_table(result: MeaningResult, coalitions: int) -> Any:
    from rich.table import Table

    table = Table(title=f"Top-activating held-out inputs of the {coalitions} most important coalitions")
    for column in ("#", "rank", "activation", "query", "document"):
        table.add_column(column, justify="right" if column in ("#", "rank", "activation") else "left")
    by_index: dict[int, list[TopInput]] = {}
    for entry in result.interpretation.top_inputs:
        by_index.setdefault(entry.index, []).append(entry)
    for index in ranked_coalitions(result)[:coalitions]:
        for entry in by_index.get(index, []):
            table.add_row(str(index), str(entry.rank + 1), f"{entry.activation:.3g}", entry.query, entry.snippet)
    return table


def _alignment_table(result: MeaningResult) -> Any:
    from rich.table import Table

    table = Table(title="Alignment of each method's groups with the IR features (random: mean over draws)")
    for column in ("method", "draws", "groups", "significant tests", "mean max |r|"):
        table.add_column(column, justify="left" if column == "method" else "right")
    by_method: dict[str, list[AlignmentSummary]] = {}
    for summary in result.interpretation.summaries:
        by_method.setdefault(summary.method, []).append(summary)
    for method, summaries in by_method.items():
        shares = [s.significant_share for s in summaries if s.significant_share is not None]
        strengths = [s.mean_max_abs_r for s in summaries if s.mean_max_abs_r is not None]
        table.add_row(
            method,
            str(len(summaries)),
            str(summaries[0].coalitions),
            _number(float(np.mean(shares)) if shares else None, ".1%"),
            _number(float(np.mean(strengths)) if strengths else None, ".3f"),
        )
    return table


def _probe_table(result: MeaningResult) -> Any:
    from rich.table import Table

    summaries = {(s.method, s.feature): s for s in result.probe_summary}
    methods = list(dict.fromkeys(s.method for s in result.probe_summary))
    pairs = max((s.pairs for s in result.probe_summary), default=0)
    table = Table(title=f"Cross-domain ridge probes: R² on unseen domains, mean over {pairs} (train, test) domain pairs; random: mean ± sd over draws; > random: share of random draws beaten")
    table.add_column("feature")
    for method in methods:
        table.add_column(method, justify="right")
    others = [m for m in methods if m != NULL_METHOD]
    for method in others:
        table.add_column(f"{method} > random", justify="right")
    for feature in result.interpretation.features:
        cells = [feature]
        for method in methods:
            summary = summaries.get((method, feature))
            text = "–" if summary is None else _number(summary.mean_r2, ".3f")
            if summary is not None and summary.std_r2 is not None:
                text += f" ± {summary.std_r2:.3f}"
            cells.append(text)
        for method in others:
            summary = summaries.get((method, feature))
            cells.append(_number(None if summary is None else summary.null_share_below, ".0%"))
        table.add_row(*cells)
    return table


def summary_lines(result: MeaningResult) -> list[str]:
    """A few plain sentences with the headline numbers: importance vs random and baselines, probes."""
    reference = result.settings.reference
    comparison = result.importance_comparison
    lines = []
    for metric in ("score_drop", "ndcg_drop"):
        ours = comparison.summary(reference, metric)
        parts = [f"{metric}: {reference} median {_number(ours.median)}, mean {_number(ours.mean)} over {ours.count} coalitions"]
        for method in comparison.methods[1:]:
            other, contrast = comparison.summary(method, metric), comparison.contrast(method, metric)
            parts.append(
                f"{method} median {_number(other.median)} (Cliff's δ {_number(contrast.cliffs_delta, '+.2f')}, "
                f"{contrast.rank_test} Holm p {_number(contrast.rank_p_holm, '.3g')})"
            )
        lines.append("; ".join(parts))
    beating = [c for c in result.null_contrasts if c.method == reference and c.metric == "score_drop" and c.percentile is not None]
    if beating:
        top = sum(1 for c in beating if c.percentile == 1.0)
        lines.append(f"{top} of {len(beating)} {reference} coalitions lower the score more than every random group of their size")
    summaries = {(s.method, s.feature): s for s in result.probe_summary}
    features = result.interpretation.features
    for method in dict.fromkeys(s.method for s in result.probe_summary):
        if method == reference:
            continue
        wins = [
            f
            for f in features
            if (reference, f) in summaries
            and (method, f) in summaries
            and summaries[reference, f].mean_r2 is not None
            and summaries[method, f].mean_r2 is not None
            and summaries[reference, f].mean_r2 > summaries[method, f].mean_r2  # type: ignore[operator]
        ]
        lines.append(f"probes: {reference} has the higher cross-domain R² than {method} on {len(wins)} of {len(features)} IR features ({', '.join(wins) or 'none'})")
    lines.extend(result.notes)
    return lines


def _number(value: float | None, spec: str = ".4g") -> str:
    return "–" if value is None else format(value, spec)
