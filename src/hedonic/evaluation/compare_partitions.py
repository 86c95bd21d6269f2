"""Compare the hedonic partition of a layer with its baselines on held-out synergy (spec §6).

For every method the coalitions in a size range (at most a seeded sample of ``max_coalitions``)
are evaluated in ONE engine call (shared singletons and pairs are ablated once), then each
method's metric distributions are compared with the hedonic one
(:func:`~hedonic.evaluation.comparison.compare_methods`).
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from hedonic.ablation import AblationEngine
from hedonic.errors import ConfigError
from hedonic.evaluation.comparison import Comparison, compare_methods
from hedonic.evaluation.synergy import METRICS, SynergyResult, evaluate_synergy
from hedonic.game import Partition, load_partition

REFERENCE = "hedonic"
"""Name of the hedonic partition in comparisons."""


def partitions_of_layer(
    reference: Path, baselines: Sequence[Path], layer: int, *, reserved: Collection[str] = ()
) -> dict[str, Partition]:
    """The hedonic partition under :data:`REFERENCE`, then each baseline under its method name.

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
            raise ConfigError(f"the {name} partition is of layer {each.layer}, not {layer}", hint="pass the partitions of the evaluated layer")
    return found


def baseline_files(folder: Path) -> list[Path]:
    """The baseline partition files of a layer's baselines folder (none when it does not exist)."""
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def select_coalitions(
    partition: Partition, size_range: tuple[int, int], cap: int | None, seed: int, name: str
) -> list[tuple[int, ...]]:
    """The partition's coalitions with size in ``size_range``; at most ``cap`` of them (seeded by ``name``), in order."""
    low, high = size_range
    coalitions = partition.in_size_range(low, high)
    if cap is None or len(coalitions) <= cap:
        return coalitions
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    keep = np.sort(rng.choice(len(coalitions), size=cap, replace=False))
    return [coalitions[i] for i in keep]


def compare_partitions(
    engine: AblationEngine,
    partitions: Mapping[str, Partition],
    *,
    input_ids: Sequence[str],
    exclude_ids: Collection[str] = (),
    readout: str = "local",
    size_range: tuple[int, int] = (4, 32),
    max_coalitions: int | None = None,
    metrics: Sequence[str] = METRICS,
    seed: int = 0,
    n_resamples: int = 9999,
    n_permutations: int = 9999,
    model_name: str | None = None,
    context: Mapping[str, object] | None = None,
) -> tuple[Comparison, dict[str, SynergyResult]]:
    """Synergy of every method's coalitions on the engine's inputs, and the comparison with hedonic.

    ``partitions`` maps method name → partition and must hold :data:`REFERENCE`; ``input_ids``
    names the engine's inputs (``exclude_ids``: φ's inputs, which must not be among them).
    Returns the comparison and, per method, its auditable synergy result.
    """
    if size_range[0] > size_range[1]:
        raise ConfigError(f"size range {size_range} is empty", hint="pass min ≤ max, e.g. 4 and 32")
    if REFERENCE not in partitions or len(partitions) < 2:
        raise ConfigError("nothing to compare: need the hedonic partition and at least one baseline", hint="run `hedonic baselines` first")
    unknown = sorted(set(metrics) - set(METRICS))
    if unknown:
        raise ConfigError(f"unknown metric(s): {', '.join(unknown)}", hint=f"choose among {', '.join(METRICS)}")
    selected = {name: select_coalitions(found, size_range, max_coalitions, seed, name) for name, found in partitions.items()}
    everything = [coalition for coalitions in selected.values() for coalition in coalitions]
    if not everything:
        raise ConfigError(f"no coalition of size {size_range[0]}–{size_range[1]} in any partition", hint="widen the size range")
    result = evaluate_synergy(
        engine, everything, input_ids=input_ids, readout=readout, model_name=model_name, exclude_ids=exclude_ids
    )
    per_method, start = {}, 0
    for name, coalitions in selected.items():
        per_method[name] = replace(result, coalitions=result.coalitions[start : start + len(coalitions)])
        start += len(coalitions)
    values = {name: {metric: part.metric(metric) for metric in metrics} for name, part in per_method.items()}
    sizes = {name: part.sizes() for name, part in per_method.items()}
    details = {
        "layer": engine.layer,
        "readout": readout,
        "mode": engine.mode,
        "num_inputs": len(input_ids),
        "partitions": {name: found.method for name, found in partitions.items()},
        "synergy_files": {name: f"synergy_{name}.json" for name in per_method},
        **(context or {}),
    }
    comparison = compare_methods(
        values,
        sizes,
        reference=REFERENCE,
        size_range=size_range,
        n_resamples=n_resamples,
        n_permutations=n_permutations,
        seed=seed,
        context=details,
    )
    return comparison, per_method
