"""What the coalitions of one layer mean: importance, interpretation and cross-domain probes (spec §8).

:func:`explain_layer` runs the three analyses on one set of held-out candidate lists:

1. functional importance (:mod:`~hedonic.meaning.importance`) of the reference (hedonic)
   coalitions, every baseline's groups and ``importance_draws`` draws of size-matched random
   groups, with the comparison of their distributions and each group against random groups of its size;
2. interpretation (:mod:`~hedonic.meaning.interpretation`) of the reference coalitions, and the
   alignment with the IR features of every set of groups;
3. ridge probes (:mod:`~hedonic.meaning.probes`) from each set of groups to each IR feature,
   trained on one domain and scored on the others, with ``probe_draws`` random draws as the null.

Coalitions: of each partition, those of size ``min_size``..``max_size``; at most
``max_coalitions`` of them (a sample seeded by (seed, CRC-32 of the method name), kept in order).
Random draws are cut with exactly the sizes of the selected reference coalitions.

The artifact (kind ``"meaning"``, format version 2, JSON) holds the settings, the inputs (ids,
domains, queries), the IR features of every input, the reference coalitions' activations, every
analysed group, and the three results (written and read by :mod:`hedonic.meaning.artifacts`). Version 2: the
embedded importance comparison carries the rank-based fields of
:mod:`hedonic.evaluation.comparison` version 2 (medians, Cliff's δ interval, rank test), and
``findings`` / ``findings_interpretation`` hold the top-activating inputs and IR-feature
correlations of the reference coalitions that passed their per-coalition significance test
(``index`` = position in ``findings``; empty and null when none was given).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from hedonic.ablation import AblationEngine
from hedonic.data import QueryDocPair, by_length, ir_features, iter_batches
from hedonic.errors import ConfigError, DataError
from hedonic.evaluation.inference import N_RESAMPLES
from hedonic.evaluation.layer_evaluation import select_coalitions
from hedonic.meaning.importance import (
    NULL_METHOD,
    ImportanceResult,
    NeuronGroup,
    NullContrast,
    functional_importance,
    importance_comparison,
    matched_random_groups,
    method_groups,
    null_contrasts,
)
from hedonic.meaning.interpretation import InterpretationResult, group_means, interpret
from hedonic.meaning.probes import DEFAULT_ALPHAS, ProbeScore, ProbeSummary, cross_domain_scores, probe_summary
from hedonic.meaning.ranking import RankingSetup

if TYPE_CHECKING:
    import numpy as np

    from hedonic.data.ir_features import CorpusStats
    from hedonic.evaluation.comparison import Comparison
    from hedonic.game import Partition
    from hedonic.models import ModelAdapter


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
    n_resamples: int = N_RESAMPLES
    n_permutations: int = N_RESAMPLES
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
    if settings.reference not in partitions:
        raise ConfigError(
            f"no {settings.reference!r} partition among {sorted(partitions)}", hint="pass the hedonic partition under its name"
        )
    if not candidates or any(len(group) == 0 for group in candidates):
        raise DataError("no candidate list, or an empty one", hint="pass at least one query with candidates")
    pairs = by_length(adapter, [pair for group in candidates for pair in group], settings.max_length)
    setup = RankingSetup.from_pairs(pairs)
    _check_held_out(pairs, exclude_ids)
    fixed, random_groups, notes = _groups(partitions, settings)
    batches = list(iter_batches(adapter, pairs, settings.batch_size, settings.max_length))
    engine = AblationEngine(adapter, layer, batches, mode=settings.mode, token_states=settings.readout == "model")
    importance, comparison = _importance(engine, fixed + [g for g in random_groups if g.draw < settings.importance_draws], setup, settings)
    every = fixed + random_groups
    features = ir_features(pairs, stats=stats).as_dict()
    activations, interpretation, found, found_interpretation = _interpretations(engine, every, pairs, features, settings, findings)
    probes = _probes(activations, features, pairs, settings)
    if not probes:
        notes.append(f"no cross-domain probe: fewer than two domains with ≥ {settings.min_domain_size} inputs")
    return MeaningResult(
        model=model_name if model_name is not None else str(adapter.config.name_or_path),
        layer=engine.layer,
        settings=settings,
        input_ids=tuple(pair.pair_id for pair in pairs),
        domains=tuple(pair.domain for pair in pairs),
        query_ids=tuple(pair.qid for pair in pairs),
        features=features,
        activations=activations[settings.reference, 0],
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


def _groups(partitions: Mapping[str, Partition], settings: MeaningSettings) -> tuple[list[NeuronGroup], list[NeuronGroup], list[str]]:
    """Each method's sampled coalitions (methods with < 2 left out, with a note), and the size-matched random draws."""
    reference = settings.reference
    size_range = (settings.min_size, settings.max_size)
    selected = {name: select_coalitions(p, size_range, settings.max_coalitions, settings.seed, name) for name, p in partitions.items()}
    if len(selected[reference]) < 2:
        raise ConfigError(
            f"the {reference} partition has {len(selected[reference])} coalition(s) of size {settings.min_size}–{settings.max_size}",
            hint="widen the size range (min_size/max_size)",
        )
    notes = [
        f"{name}: {len(found)} group(s) of size {settings.min_size}–{settings.max_size}, left out"
        for name, found in selected.items()
        if len(found) < 2
    ]
    fixed = [group for name, found in selected.items() if len(found) >= 2 for group in method_groups(name, found)]
    draws = max(settings.importance_draws, settings.probe_draws)
    random_groups = matched_random_groups(partitions[reference].neurons, [len(c) for c in selected[reference]], draws, seed=settings.seed)
    return fixed, random_groups, notes


def _importance(
    engine: AblationEngine, groups: Sequence[NeuronGroup], setup: RankingSetup, settings: MeaningSettings
) -> tuple[ImportanceResult, Comparison]:
    """Analysis 1: functional importance of ``groups`` and the comparison of its distributions with the reference's."""
    importance = functional_importance(engine, groups, setup, readout=settings.readout, k=settings.k, mrr_cutoff=settings.mrr_cutoff)
    comparison = importance_comparison(
        importance,
        reference=settings.reference,
        confidence=settings.confidence,
        n_resamples=settings.n_resamples,
        n_permutations=settings.n_permutations,
        seed=settings.seed,
    )
    return importance, comparison


def _interpretations(
    engine: AblationEngine,
    groups: Sequence[NeuronGroup],
    pairs: Sequence[QueryDocPair],
    features: Mapping[str, np.ndarray],
    settings: MeaningSettings,
    findings: Sequence[Sequence[int]],
) -> tuple[dict[tuple[str, int], np.ndarray], InterpretationResult, tuple[tuple[int, ...], ...], InterpretationResult | None]:
    """Analysis 2: mean activations per (method, draw) (inputs × groups), their interpretation, and that of the findings."""
    values = group_means(engine.activations(), [group.neurons for group in groups])
    keys = [(group.method, group.draw) for group in groups]
    activations = {key: values[:, [k for k, other in enumerate(keys) if other == key]] for key in dict.fromkeys(keys)}
    run = partial(
        interpret, pairs=pairs, features=features, top_k=settings.top_k, aligned_count=settings.aligned_count, alpha=settings.fdr_alpha
    )
    interpretation = run(activations, reference=settings.reference)
    found = tuple(tuple(sorted(int(i) for i in group)) for group in findings)
    found_interpretation = None
    if found:
        found_values = group_means(engine.activations(), list(found))
        found_interpretation = run({("findings", 0): found_values}, reference="findings")
    return activations, interpretation, found, found_interpretation


def _probes(
    activations: Mapping[tuple[str, int], np.ndarray],
    features: Mapping[str, np.ndarray],
    pairs: Sequence[QueryDocPair],
    settings: MeaningSettings,
) -> list[ProbeScore]:
    """Analysis 3: cross-domain ridge probes from every (method, draw)'s activations to every IR feature."""
    domains = [pair.domain for pair in pairs]
    query_ids = [pair.qid for pair in pairs]
    return [
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
