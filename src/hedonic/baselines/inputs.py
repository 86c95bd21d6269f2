"""What the baselines see of a layer, gathered from its φ, the model's weights and its statistics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hedonic.baselines.correlation import activation_correlation
from hedonic.baselines.kmeans import weight_features
from hedonic.baselines.suite import BaselineInputs, rows_of
from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.models import ModelAdapter
    from hedonic.stats import ActivationStats
    from hedonic.valuation import Valuation


def baseline_inputs(
    players: Sequence[int],
    layer: int,
    valuation: Valuation,
    model: ModelAdapter | None = None,
    stats: ActivationStats | None = None,
) -> tuple[BaselineInputs, list[str]]:
    """:class:`BaselineInputs` for the neuron ids ``players`` (k,) of ``layer``, and notes on what is missing.

    φ rows come from ``valuation``; weight features (W_in rows and W_out columns) from ``model``
    (None skips spherical k-means); activation correlation from ``stats`` (None, or statistics
    without Σaaᵀ, skips agglomerative clustering). Raises :class:`ConfigError` when the valuation
    or the statistics belong to another layer, or miss a player.
    """
    ids = np.asarray(players, dtype=np.int64)
    notes = []
    if valuation.layer is not None and valuation.layer != layer:
        raise ConfigError(f"the valuation is of layer {valuation.layer}, not {layer}", hint="pass the valuation of the layer")
    rows = rows_of(players, valuation.neurons, "the valuation")
    phi = valuation.phi[np.ix_(rows, rows)]
    features = None
    if model is None:
        notes.append("no model: spherical k-means (weight rows) is skipped")
    else:
        w_in = {name: weight[ids].float().cpu().numpy() for name, weight in model.w_in(layer).items()}
        w_out = model.w_out(layer)[:, ids].float().cpu().numpy()
        features = weight_features(w_in, w_out)
    correlation = None
    if stats is None:
        notes.append("no statistics: agglomerative clustering (activation correlation) is skipped")
    elif stats.layer != layer:
        raise ConfigError(f"the statistics are of layer {stats.layer}, not {layer}", hint="pass the statistics of the layer")
    elif stats.sum_outer is None:
        notes.append("the statistics hold no Σaaᵀ: agglomerative clustering is skipped (collect them with outer products)")
    else:
        correlation = activation_correlation(stats.select(ids))
    return BaselineInputs(ids, phi, features, correlation), notes
