"""Stage ``ablation``: readouts of ablated neuron sets, exact closed forms and the reference path."""

from hedonic.ablation.cache import Contribution, LayerCache, build_cache
from hedonic.ablation.engine import AblationEffects, AblationEngine
from hedonic.ablation.hooks import zeroed_neurons
from hedonic.ablation.modes import ABLATION_MODES, check_mode
from hedonic.ablation.norm_readout import NormReadout, norm_readout
from hedonic.ablation.pairwise_closed_form import PairwiseSynergy
from hedonic.ablation.pairwise_hessian import PairwiseHessian
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
    "PairwiseHessian",
    "PairwiseSynergy",
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
