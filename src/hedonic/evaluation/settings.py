"""The synergy evaluation's and the decomposition's parameters, declared once.

The run configuration's ``[evaluation]`` is :class:`SynergyParameters` and ``[decomposition]`` is
:class:`DecompositionParameters` (:mod:`hedonic.pipeline.config`); ``hedonic evaluate`` takes its
defaults from :class:`SynergyParameters`, and where they are the library's
(:func:`~hedonic.evaluation.layer_evaluation.compare_partitions`) both read the same constants. The
run's smaller budgets are named: :data:`RUN_RESAMPLES`,
:data:`DECOMPOSITION_MAX_PAIRS` and :data:`DECOMPOSITION_MAX_COALITIONS` (a test checks that
library, configuration and command line agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from hedonic.errors import ConfigError
from hedonic.evaluation.decomposition import DEFAULT_DECOMPOSITION_METRICS
from hedonic.evaluation.inference import BRUNNER_MUNZEL
from hedonic.evaluation.synergy import DEFAULT_MAX_PAIRS, DEFAULT_METRICS, SynergyMetric
from hedonic.evaluation.verdict import DEFAULT_VERDICT_METRIC
from hedonic.spelling import NONE

if TYPE_CHECKING:
    from hedonic.evaluation.significance import NullSettings

RUN_RESAMPLES = 2000
"""A run's bootstrap resamples and permutations per test, fewer than the library's
:data:`~hedonic.evaluation.inference.N_RESAMPLES` (9999): a smaller budget for the run's time, ample for
the intervals and p-values the report prints (``[meaning]`` uses it too)."""
DECOMPOSITION_MAX_PAIRS = 16
"""Sampled pairs per coalition of the decomposition, fewer than the evaluation's
:data:`~hedonic.evaluation.synergy.DEFAULT_MAX_PAIRS`: every set runs the later layers twice (norms free and frozen)."""
DECOMPOSITION_MAX_COALITIONS = 16
"""Coalitions per method of the decomposition (a seeded sample; the evaluation scores all of them): the same reason."""


NullMetric = Literal["pair", "pair_abs", "na", "na_abs", "ratio", "ratio_abs"]


NO_LIMIT = NONE
"""The TOML spelling of "no upper bound" (``[evaluation] max_size``)."""


@dataclass(frozen=True)
class SynergyParameters:
    """Synergy on held-out inputs (spec §6): readout (``freeze_norms``: every norm from the layer
    to the readout at its clean statistics), ablation mode, the ``metrics`` measured (they decide
    the sets ablated; pairs beyond ``max_pairs`` per coalition are a seeded sample, 0: every pair),
    the coalition size range (``max_size = "none"``: every size the partition has), at most
    ``max_coalitions`` per method (0: all), and how the results are judged.

    Headline: ``rank_test`` (Brunner–Munzel or Mann–Whitney) and Cliff's δ of hedonic vs each
    baseline, Holm over baselines; means with ``n_resamples`` bootstrap resamples and a
    permutation test (``n_permutations``) stay as secondary columns. Each coalition is tested
    against ``significance_draws`` size-matched random groups of its layer (0: no tests) on
    ``significance_metrics`` through the same readout, Benjamini–Hochberg per method at ``alpha``.
    The verdict per layer (ahead / level / behind each baseline) is on ``verdict_metric`` at ``alpha``.
    """

    readout: Literal["local", "model"] = "local"
    freeze_norms: bool = False
    mode: Literal["zero", "pre-lora"] = "zero"
    metrics: list[SynergyMetric] = field(default_factory=lambda: list(DEFAULT_METRICS))
    max_pairs: int = DEFAULT_MAX_PAIRS
    min_size: int = 2
    max_size: int | str = NO_LIMIT
    max_coalitions: int = 0
    n_resamples: int = RUN_RESAMPLES
    n_permutations: int = RUN_RESAMPLES
    rank_test: Literal["brunner-munzel", "mann-whitney"] = BRUNNER_MUNZEL
    significance_draws: int = 200
    significance_metrics: list[NullMetric] = field(default_factory=lambda: ["pair", "na"])
    alpha: float = 0.05
    verdict_metric: SynergyMetric = DEFAULT_VERDICT_METRIC

    def __post_init__(self) -> None:
        if self.significance_draws < 0 or self.significance_draws == 1:
            raise ConfigError(
                f"[evaluation] significance_draws must be 0 (no tests) or ≥ 2, got {self.significance_draws}", hint="e.g. 200"
            )
        if not self.significance_metrics:
            raise ConfigError("[evaluation] significance_metrics is empty", hint='e.g. ["pair", "na"]')
        if not 0.0 < self.alpha < 1.0:
            raise ConfigError(f"[evaluation] alpha must lie in (0, 1), got {self.alpha}", hint="e.g. 0.05")
        check_synergy_options("evaluation", self)

    def size_range(self) -> tuple[int, int | None]:
        """(min_size, max_size), None for no upper bound."""
        return size_bounds(self.min_size, self.max_size)

    def pair_limit(self) -> int | None:
        """``max_pairs`` as the library spells it (None: every pair)."""
        return self.max_pairs or None

    def null_settings(self, seed: int, alpha: float) -> NullSettings | None:
        """The per-coalition test settings at level ``alpha`` (None when ``significance_draws = 0``)."""
        return null_settings(self, seed, alpha)


@dataclass(frozen=True)
class DecompositionParameters:
    """Synergy of the computation vs the norms' coupling (spec §6, :mod:`hedonic.evaluation.decomposition`):
    the evaluated layers' coalitions through ``readout`` (default the model's own logit), once with the
    norms free (total) and once frozen (computation), compared across methods on both. At most
    ``max_coalitions`` per method (0: all) in ``[evaluation]``'s size range, on the first ``inputs``
    held-out pairs (0: all), ``metrics`` with at most ``max_pairs`` sampled pairs per coalition
    (0: every pair), ``significance_draws`` random groups per size for the per-coalition tests (0:
    none); the ablation mode, rank test, resamples and alpha are ``[evaluation]``'s.
    ``enabled = false`` skips the stage."""

    enabled: bool = True
    readout: Literal["model", "local"] = "model"
    metrics: list[SynergyMetric] = field(default_factory=lambda: list(DEFAULT_DECOMPOSITION_METRICS))
    max_pairs: int = DECOMPOSITION_MAX_PAIRS
    max_coalitions: int = DECOMPOSITION_MAX_COALITIONS
    inputs: int = 0
    significance_draws: int = 0
    significance_metrics: list[NullMetric] = field(default_factory=lambda: ["na"])
    verdict_metric: SynergyMetric = DEFAULT_VERDICT_METRIC

    def __post_init__(self) -> None:
        if self.significance_draws < 0 or self.significance_draws == 1:
            raise ConfigError(
                f"[decomposition] significance_draws must be 0 (no tests) or ≥ 2, got {self.significance_draws}", hint="e.g. 100"
            )
        check_synergy_options("decomposition", self)

    def pair_limit(self) -> int | None:
        """``max_pairs`` as the library spells it (None: every pair)."""
        return self.max_pairs or None

    def null_settings(self, seed: int, alpha: float) -> NullSettings | None:
        """The per-coalition test settings at level ``alpha`` (None when ``significance_draws = 0``)."""
        return null_settings(self, seed, alpha)


def size_bounds(low: int, high: int | str) -> tuple[int, int | None]:
    """A size range from its TOML spelling: ``high`` an integer or :data:`NO_LIMIT` (None)."""
    return low, None if high == NO_LIMIT else int(high)


def check_synergy_options(section: str, options: Any) -> None:
    """The metric options of an evaluating section: known metrics, the verdict metric among them, max_pairs 0 or ≥ 2, a size bound."""
    if not options.metrics:
        raise ConfigError(f"[{section}] metrics is empty", hint=f"e.g. {list(DEFAULT_METRICS)}")
    if options.verdict_metric not in options.metrics:
        raise ConfigError(
            f"[{section}] verdict_metric {options.verdict_metric!r} is not among the metrics {options.metrics}",
            hint="add it to metrics or pick one of them",
        )
    if options.max_pairs < 0 or options.max_pairs == 1:
        raise ConfigError(f"[{section}] max_pairs must be 0 (every pair) or ≥ 2, got {options.max_pairs}", hint=f"e.g. {DEFAULT_MAX_PAIRS}")
    missing = sorted(set(options.significance_metrics) - set(options.metrics))
    if missing and options.significance_draws:
        raise ConfigError(
            f"[{section}] significance_metrics {missing} are not among the metrics {options.metrics}",
            hint="test only metrics the section measures",
        )
    high = getattr(options, "max_size", NO_LIMIT)
    if isinstance(high, str) and high != NO_LIMIT:
        raise ConfigError(
            f'[{section}] max_size must be an integer or "{NO_LIMIT}", got {high!r}', hint=f'e.g. max_size = "{NO_LIMIT}" or 32'
        )


def null_settings(section: SynergyParameters | DecompositionParameters, seed: int, alpha: float) -> NullSettings | None:
    """The per-coalition test settings of an ``[evaluation]`` or ``[decomposition]`` section at level ``alpha``
    (None when ``significance_draws = 0``)."""
    from hedonic.evaluation.significance import NullSettings

    if not section.significance_draws:
        return None
    return NullSettings(
        draws=section.significance_draws,
        seed=seed,
        metrics=tuple(section.significance_metrics),
        alpha=alpha,
        max_pairs=section.pair_limit(),
    )
