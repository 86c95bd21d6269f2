"""The meaning stage's parameters, declared once: the run configuration's ``[meaning]`` is
:class:`MeaningParameters` (:class:`hedonic.pipeline.config.MeaningSection`), ``hedonic explain``
takes its defaults from it, and :meth:`MeaningParameters.settings` turns it into the library's
:class:`~hedonic.meaning.explain.MeaningSettings` (whose other settings keep their defaults).

The run's budgets are smaller than the library's (:class:`~hedonic.meaning.explain.MeaningSettings`:
sizes 2..64, 40 coalitions, 2 importance and 20 probe draws, 9999 resamples): sizes 3..32, 6
coalitions per method, 1 importance and 10 probe draws and
:data:`~hedonic.evaluation.settings.RUN_RESAMPLES`, because the ``model`` readout reruns every later
layer per ablated group. :data:`RUN_MEANING` is that budget, the one place it is written (a test
checks that library, configuration and command line agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from hedonic.evaluation.settings import RUN_RESAMPLES

if TYPE_CHECKING:
    from hedonic.meaning.explain import MeaningSettings


@dataclass(frozen=True)
class MeaningParameters:
    """What the coalitions of the evaluated layers mean (spec §8): functional importance (ablation
    through the ``readout``, against ``importance_draws`` size-matched random draws and the
    baselines), IR-feature correlations, and cross-domain ridge probes (``probe_draws`` random
    draws as the null), on coalitions of ``min_size``..``max_size`` neurons, at most
    ``max_coalitions`` per method (0: all). ``enabled = false`` skips the stage."""

    enabled: bool = True
    readout: Literal["model", "local"] = "model"
    min_size: int = 3
    max_size: int = 32
    max_coalitions: int = 6
    importance_draws: int = 1
    probe_draws: int = 10
    n_resamples: int = RUN_RESAMPLES
    n_permutations: int = RUN_RESAMPLES

    def settings(self, *, mode: str, batch_size: int, max_length: int, seed: int) -> MeaningSettings:
        """How to explain a layer: these parameters with the ablation ``mode``, the batching and the ``seed``
        (``max_coalitions = 0``: all); the other settings are :class:`~hedonic.meaning.explain.MeaningSettings`' defaults."""
        from hedonic.meaning.explain import MeaningSettings

        return MeaningSettings(
            min_size=self.min_size,
            max_size=self.max_size,
            max_coalitions=self.max_coalitions or None,
            importance_draws=self.importance_draws,
            probe_draws=self.probe_draws,
            readout=self.readout,
            mode=mode,
            n_resamples=self.n_resamples,
            n_permutations=self.n_permutations,
            batch_size=batch_size,
            max_length=max_length,
            seed=seed,
        )


RUN_MEANING = MeaningParameters()
"""The run's meaning budget (module docstring): ``[meaning]``'s defaults and ``hedonic explain``'s."""
