"""Stage ``ablation``: readouts of ablated neuron sets: the engine, its cache, the closed form of a set, the reference path."""

from hedonic.ablation.cache import Contribution, LayerCache, build_cache
from hedonic.ablation.engine import AblationEffects, AblationEngine
from hedonic.ablation.hooks import zeroed_neurons
from hedonic.ablation.modes import ABLATION_MODES, check_mode
from hedonic.ablation.norm_readout import NormReadout, norm_readout
from hedonic.ablation.readouts import CLOSED_FORM_READOUTS, READOUTS, check_readout, residual_readout
from hedonic.ablation.reference import reference_effects, reference_score
from hedonic.ablation.sets import pad_sets

__all__ = [
    "ABLATION_MODES",
    "CLOSED_FORM_READOUTS",
    "READOUTS",
    "AblationEffects",
    "AblationEngine",
    "Contribution",
    "LayerCache",
    "NormReadout",
    "build_cache",
    "check_mode",
    "check_readout",
    "norm_readout",
    "pad_sets",
    "reference_effects",
    "reference_score",
    "residual_readout",
    "zeroed_neurons",
]
