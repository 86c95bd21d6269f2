"""One declaration of the evaluation's parameters: compare_partitions, ``[evaluation]`` / ``[decomposition]`` and ``hedonic evaluate`` agree."""

from __future__ import annotations

import inspect

from hedonic.evaluation.inference import N_RESAMPLES
from hedonic.evaluation.layer_evaluation import compare_partitions
from hedonic.evaluation.settings import (
    DECOMPOSITION_MAX_COALITIONS,
    DECOMPOSITION_MAX_PAIRS,
    RUN_RESAMPLES,
    DecompositionParameters,
    SynergyParameters,
)
from hedonic.evaluation.synergy import DEFAULT_MAX_PAIRS
from hedonic.pipeline.config import DataSection, DecompositionSection, EvaluationSection, RunConfig
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    section = RunConfig().evaluation
    assert EvaluationSection is SynergyParameters and DecompositionSection is DecompositionParameters and section == SynergyParameters()
    library = inspect.signature(compare_partitions).parameters
    for name in ("readout", "freeze_norms", "max_pairs", "rank_test", "verdict_metric"):
        assert library[name].default == getattr(section, name), f"compare_partitions {name}"
    assert list(library["metrics"].default) == section.metrics and library["size_range"].default == section.size_range()
    # every coalition (library None, configuration 0); the run's smaller budgets, each one named constant
    assert library["max_coalitions"].default is None and section.max_coalitions == 0
    assert (library["n_resamples"].default, library["n_permutations"].default) == (N_RESAMPLES, N_RESAMPLES)
    assert (section.n_resamples, section.n_permutations) == (RUN_RESAMPLES, RUN_RESAMPLES)
    decomposition = RunConfig().decomposition
    assert (decomposition.max_pairs, decomposition.max_coalitions) == (DECOMPOSITION_MAX_PAIRS, DECOMPOSITION_MAX_COALITIONS)
    assert DECOMPOSITION_MAX_PAIRS < DEFAULT_MAX_PAIRS and DECOMPOSITION_MAX_COALITIONS > 0
    cli = command_defaults("evaluate")
    for name in ("readout", "freeze_norms", "mode", "min_size", "max_pairs", "n_resamples", "n_permutations", "rank_test", "alpha"):
        assert cli[name] == getattr(section, name), f"hedonic evaluate --{name}"
    assert (
        cli["max_size"] == section.max_size
        and (cli["max_coalitions"] or 0) == section.max_coalitions
        and cli["draws"] == section.significance_draws
    )
    assert cli["metrics"].split(",") == section.metrics and cli["significance_metrics"].split(",") == section.significance_metrics  # type: ignore[union-attr]
    assert (cli["batch_size"], cli["max_length"]) == (DataSection().batch_size, DataSection().max_length)
    assert section.null_settings(0, section.alpha).draws == section.significance_draws and decomposition.null_settings(0, 0.05) is None  # type: ignore[union-attr]
