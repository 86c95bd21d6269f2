"""Stage ``stats``: hooks on a model's layers and streaming statistics of neuron activations."""

from hedonic.stats.capture import LayerStates, at_readout, capture_layer_states, hooked_states

__all__ = ["LayerStates", "at_readout", "capture_layer_states", "hooked_states"]
