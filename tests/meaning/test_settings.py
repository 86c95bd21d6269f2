"""One declaration of the meaning stage's parameters: ``[meaning]``, ``hedonic explain`` and the library's MeaningSettings agree."""

from __future__ import annotations

import dataclasses

from hedonic.evaluation.inference import N_RESAMPLES
from hedonic.evaluation.settings import RUN_RESAMPLES
from hedonic.meaning import MeaningSettings
from hedonic.meaning.settings import RUN_MEANING, MeaningParameters
from hedonic.pipeline.config import DataSection, EvaluationSection, MeaningSection, RunConfig
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    section = RunConfig().meaning
    assert MeaningSection is MeaningParameters and section == RUN_MEANING == MeaningParameters()
    library = MeaningSettings()
    settings = section.settings(mode=EvaluationSection().mode, batch_size=1, max_length=8, seed=3)
    shared = [field.name for field in dataclasses.fields(MeaningParameters) if field.name not in ("enabled", "max_coalitions")]
    assert all(getattr(settings, name) == getattr(section, name) for name in shared) and settings.max_coalitions == section.max_coalitions
    assert (settings.mode, settings.batch_size, settings.max_length, settings.seed) == ("zero", 1, 8, 3)
    others = (
        {field.name for field in dataclasses.fields(MeaningSettings)}
        - set(shared)
        - {"max_coalitions", "mode", "batch_size", "max_length", "seed"}
    )
    assert all(getattr(settings, name) == getattr(library, name) for name in others)
    # the run's smaller budget (RUN_MEANING), against the library's
    assert (section.n_resamples, library.n_resamples) == (RUN_RESAMPLES, N_RESAMPLES) and section.max_coalitions < (
        library.max_coalitions or 0
    )
    cli = command_defaults("explain")
    for name in ("readout", "min_size", "max_size", "importance_draws", "probe_draws", "n_resamples", "n_permutations"):
        assert cli[name] == getattr(section, name), f"hedonic explain --{name}"
    assert cli["max_coalitions"] == section.max_coalitions and cli["mode"] == EvaluationSection().mode
    assert (cli["k"], cli["top_k"], cli["min_domain_size"]) == (library.k, library.top_k, library.min_domain_size)
    assert (cli["batch_size"], cli["max_length"]) == (DataSection().batch_size, DataSection().max_length)
