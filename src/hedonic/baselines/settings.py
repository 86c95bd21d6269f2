"""The baselines' parameters, declared once: :func:`hedonic.baselines.run_baselines` takes its
defaults from :data:`DEFAULTS`; the run configuration's ``[baselines]``
(:class:`hedonic.pipeline.config.BaselinesSection`) is :class:`BaselineParameters` with the run's
fewer k-means restarts, and ``hedonic baselines`` reads that (a test checks that they agree).
Light: the method table only, no clustering library."""

from __future__ import annotations

from dataclasses import dataclass, field

from hedonic.baselines.methods import BASELINE_METHODS

KMEANS_N_INIT = 4
"""Restarts of spherical k-means (each costs k sequential seeding steps and its Lloyd iterations)."""


@dataclass(frozen=True)
class BaselineParameters:
    """The clustering baselines compared against: ``methods`` by name (:data:`~hedonic.baselines.methods.BASELINE_METHODS`),
    matched to the hedonic size distribution (``match_sizes``), ``kmeans_n_init`` restarts of spherical k-means
    (lower it for layers of ten thousand neurons or more)."""

    methods: list[str] = field(default_factory=lambda: list(BASELINE_METHODS))
    match_sizes: bool = True
    kmeans_n_init: int = KMEANS_N_INIT


DEFAULTS = BaselineParameters()
"""The library's defaults."""
