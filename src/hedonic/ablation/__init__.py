"""Stage ``ablation``: readouts of ablated neuron sets, exact closed forms and the reference path."""

from hedonic.ablation.hooks import zeroed_neurons

__all__ = ["zeroed_neurons"]
