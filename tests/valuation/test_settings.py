"""One declaration of the valuation's parameters: build_valuation, ``hedonic valuation`` and ``[valuation]`` agree."""

from __future__ import annotations

import dataclasses
import inspect

from hedonic.pipeline.config import RunConfig, ValuationSection
from hedonic.valuation.build import DEFAULT_MEASURE, ValuationJob, build_valuation
from hedonic.valuation.coactivation import oca
from hedonic.valuation.settings import DEFAULTS, ValuationParameters
from tests.cli.defaults import command_defaults


def test_library_configuration_and_command_line_defaults_agree() -> None:
    assert ValuationSection is ValuationParameters and RunConfig().valuation == DEFAULTS
    assert [field.name for field in dataclasses.fields(ValuationParameters)] == ["kind", "subset", "measure", "exact_inputs"]
    assert DEFAULTS.measure == DEFAULT_MEASURE == ValuationJob.__dataclass_fields__["measure"].default
    for function in (build_valuation, oca):
        assert inspect.signature(function).parameters["measure"].default == DEFAULTS.measure, function.__name__
    valuation = command_defaults("valuation")
    assert (valuation["measure"], valuation["neurons"]) == (DEFAULTS.measure, DEFAULTS.subset)
    assert command_defaults("collect")["neurons"] == DEFAULTS.subset


def test_the_commands_batch_as_a_run_does() -> None:
    from hedonic.pipeline.config import DataSection

    for name in ("valuation", "collect"):
        defaults = command_defaults(name)
        assert (defaults["batch_size"], defaults["max_length"]) == (DataSection().batch_size, DataSection().max_length), name
