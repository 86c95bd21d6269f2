"""Tracking inputs and outputs on disk: partition files, E|a| files, events and Sankey files.

Paths follow :class:`hedonic.layout.RunLayout`. A run directory is read from its partitions
(``RUN_DIR/partitions/layer{L}.json``) and, where present, its activation statistics
(``RUN_DIR/stats/layer{L}.safetensors``, for E|a|). Outputs are written into a folder
(``RUN_DIR/tracking`` for a run) under the run's names: ``events_{L}_{L+1}.json`` per adjacent
layer pair and ``sankey.html`` for the whole chain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hedonic.errors import ArtifactError, ConfigError
from hedonic.game import Partition, load_partition
from hedonic.layout import RunLayout
from hedonic.tracking.artifact import LayerPairEvents, save_events
from hedonic.tracking.mean_abs import LayerMeanAbs, expand_mean_abs, mean_abs_from_npy, mean_abs_from_stats
from hedonic.tracking.sankey import SankeyOptions, sankey_figure, write_sankey_html

if TYPE_CHECKING:
    import numpy as np

_LAYER_NAME = re.compile(r"layer(\d+)")


@dataclass(frozen=True)
class TrackingInputs:
    """Partitions by layer and E|a| by layer (where known)."""

    partitions: dict[int, Partition]
    mean_abs: dict[int, LayerMeanAbs]

    def weights(self, n_neurons: int) -> dict[int, np.ndarray]:
        """E|a| per layer as (n_neurons,) vectors, checked against the layer's partition."""
        return {layer: expand_mean_abs(values, layer, self.partitions[layer], n_neurons) for layer, values in self.mean_abs.items()}


def layer_of(path: Path, partition: Partition) -> int:
    """The layer a partition file belongs to: its ``layer`` field, else ``layer{L}`` in the file name.

    Raises :class:`ArtifactError` when neither is known or the two disagree.
    """
    match = _LAYER_NAME.search(path.stem)
    named = int(match.group(1)) if match else None
    if partition.layer is not None and named is not None and partition.layer != named:
        raise ArtifactError(
            f"{path}: the file name says layer {named}, the partition says layer {partition.layer}",
            hint="rename the file or rewrite the partition with the right layer",
        )
    layer = partition.layer if partition.layer is not None else named
    if layer is None:
        raise ArtifactError(
            f"{path}: the partition has no layer and its file name has no 'layer<L>'",
            hint="name the file layer<L>.json (e.g. layer3.json) or save the partition with layer set",
        )
    return int(layer)


def explicit_inputs(partition_files: Sequence[Path], mean_abs_files: Sequence[Path] = (), *, stats: bool = True) -> TrackingInputs:
    """Partitions from explicit files, and E|a| from ``mean_abs_files`` in the same order (one per
    partition, or one per partition but the last, whose E|a| is never needed): activation
    statistics artifacts (``stats=True``) or ``.npy`` vectors."""
    if len(partition_files) < 2:
        raise ConfigError(
            f"tracking needs partitions of at least two layers, got {len(partition_files)}",
            hint="pass one partition file per analysed layer, e.g. layer2.json layer3.json",
        )
    if mean_abs_files and len(mean_abs_files) not in (len(partition_files), len(partition_files) - 1):
        raise ConfigError(
            f"{len(mean_abs_files)} E|a| files for {len(partition_files)} partitions",
            hint="pass one E|a| or statistics file per partition, in the same order",
        )
    partitions: dict[int, Partition] = {}
    order = []
    for path in partition_files:
        partition = load_partition(path)
        layer = layer_of(path, partition)
        if layer in partitions:
            raise ConfigError(f"two partition files for layer {layer}", hint="pass one partition per layer")
        partitions[layer] = partition
        order.append(layer)
    read = mean_abs_from_stats if stats else mean_abs_from_npy
    return TrackingInputs(partitions, {layer: read(path) for layer, path in zip(order, mean_abs_files, strict=False)})


def run_dir_inputs(run_dir: Path) -> TrackingInputs:
    """Partitions and E|a| of every layer with a partition in ``run_dir`` (statistics where present)."""
    layout = RunLayout(run_dir)
    files = [layout.partition(layer) for layer in layout.layers_with("partitions") if layout.partition(layer).is_file()]
    if not files:
        raise ArtifactError(
            f"{run_dir}: no partitions found ({layout.partition(0).with_name('layer<L>.json')})",
            hint="run `hedonic discover` on this run directory first, or pass partition files with --partitions",
        )
    loaded = [(path, load_partition(path)) for path in files]
    partitions = {layer_of(path, partition): partition for path, partition in loaded}
    stats_files = {layer: layout.stats(layer) for layer in partitions}
    return TrackingInputs(partitions, {layer: mean_abs_from_stats(path) for layer, path in stats_files.items() if path.is_file()})


def write_tracking(results: Sequence[LayerPairEvents], out_dir: Path, sankey: SankeyOptions | None = None) -> list[Path]:
    """Write the events of each pair and the Sankey diagram into ``out_dir``; returns the paths.

    The file names are those of a run's tracking folder (:meth:`RunLayout.events`,
    :attr:`RunLayout.sankey`): ``events_{L}_{L+1}.json`` and ``sankey.html``.
    """
    names = RunLayout(out_dir)
    paths = [save_events(result, out_dir / names.events(result.source_layer, result.target_layer).name) for result in results]
    if results:
        paths.append(write_sankey_html(sankey_figure(results, sankey), out_dir / names.sankey.name))
    return paths
