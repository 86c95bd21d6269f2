"""Stage ``stats``: hooks on a model's layers, streaming statistics of neuron activations, neuron subsets."""

from hedonic.stats.accumulator import MomentAccumulator
from hedonic.stats.artifact import STATS_FORMAT_VERSION, STATS_KIND, load_stats, save_stats
from hedonic.stats.budget import available_bytes, check_budget, largest_fitting, resolve_budget
from hedonic.stats.capture import LayerStates, at_readout, capture_layer_states, hooked_states
from hedonic.stats.collect import NeuronSelection, StatsCollector, collect_stats, stats_bytes
from hedonic.stats.distributed import (
    DataParallel,
    block,
    collect_stats_distributed,
    launched_by_torchrun,
    process_device,
    process_group,
    shard,
)
from hedonic.stats.moments import ActivationStats, GradReadout, TokenScope
from hedonic.stats.subset import (
    SubsetSpec,
    explicit_subset,
    parse_subset,
    resolve_layer_subsets,
    resolve_subset,
    subset_of_stats,
    top_k,
    top_k_by_lora,
    top_k_by_variance,
)

__all__ = [
    "STATS_FORMAT_VERSION",
    "STATS_KIND",
    "ActivationStats",
    "DataParallel",
    "GradReadout",
    "LayerStates",
    "MomentAccumulator",
    "NeuronSelection",
    "StatsCollector",
    "SubsetSpec",
    "TokenScope",
    "at_readout",
    "available_bytes",
    "block",
    "capture_layer_states",
    "check_budget",
    "collect_stats",
    "collect_stats_distributed",
    "explicit_subset",
    "hooked_states",
    "largest_fitting",
    "launched_by_torchrun",
    "load_stats",
    "parse_subset",
    "process_device",
    "process_group",
    "resolve_budget",
    "resolve_layer_subsets",
    "resolve_subset",
    "save_stats",
    "shard",
    "stats_bytes",
    "subset_of_stats",
    "top_k",
    "top_k_by_lora",
    "top_k_by_variance",
]
