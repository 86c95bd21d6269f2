"""The partitions a layer is compared on: the hedonic one under :data:`~hedonic.layout.REFERENCE`, then its baselines.

Read from files (explicit paths, or a run directory's ``partitions/layer{L}.json`` and
``baselines/layer{L}/*.json``) and checked to be of that layer, one per method.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from hedonic.errors import ConfigError
from hedonic.game import Partition, load_partition
from hedonic.layout import REFERENCE, RunLayout


def partitions_of_layer(reference: Path, baselines: Sequence[Path], layer: int, *, reserved: Collection[str] = ()) -> dict[str, Partition]:
    """The hedonic partition under :data:`~hedonic.layout.REFERENCE`, then each baseline under its method name.

    Raises :class:`ConfigError` when two files share a method (or a baseline takes a ``reserved``
    name, e.g. the random null of the meaning stage) or a partition belongs to another layer.
    """
    found = {REFERENCE: load_partition(reference)}
    for path in baselines:
        baseline = load_partition(path)
        if baseline.method in found or baseline.method in reserved:
            raise ConfigError(f"two partitions named {baseline.method!r} (the second is {path})", hint="pass one partition per method")
        found[baseline.method] = baseline
    for name, each in found.items():
        if each.layer is not None and each.layer != layer:
            raise ConfigError(
                f"the {name} partition is of layer {each.layer}, not {layer}", hint="pass the partitions of the evaluated layer"
            )
    return found


def run_partitions(layout: RunLayout, layer: int, *, reserved: Collection[str] = ()) -> dict[str, Partition]:
    """:func:`partitions_of_layer` of a run directory: ``layout``'s hedonic partition of ``layer`` and every baseline of it."""
    return partitions_of_layer(layout.partition(layer), layout.baseline_files(layer), layer, reserved=reserved)
