"""Neuron subsets, so that a wide layer (e.g. 14,336 neurons) can be analysed partially.

A subset is a strictly ascending int64 array of a layer's neuron ids. It is given explicitly, or
as the top k neurons by LoRA update norm (:meth:`hedonic.models.LoraProfile.neuron_norms`) or by
activation variance (from :class:`hedonic.stats.ActivationStats`). The text form used by the CLI
and the run configuration (:func:`parse_subset`): ``all``, ids and ranges such as
``0-63,100,200``, ``lora:K`` or ``variance:K``. It decides which neurons statistics are collected
for (:func:`resolve_layer_subsets`), and which collected neurons become players
(:func:`subset_of_stats`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from hedonic.errors import ConfigError
from hedonic.models import LoraProfile, ModelAdapter, lora_profile

if TYPE_CHECKING:
    from hedonic.stats.moments import ActivationStats

Ranking = Literal["lora", "variance"]
"""Scores a top-k subset is ranked by."""


@dataclass(frozen=True)
class SubsetSpec:
    """A parsed subset: explicit ``ids`` (m,) int64 ascending, or the top ``k`` by ``ranking``, or all (both None)."""

    ids: np.ndarray | None = None
    ranking: Ranking | None = None
    k: int | None = None


def explicit_subset(ids: np.ndarray | Sequence[int], n: int) -> np.ndarray:
    """``ids`` (m,) as a strictly ascending int64 array (m′,), checked to lie in 0..n-1 (duplicates dropped)."""
    subset = np.unique(np.asarray(ids, dtype=np.int64))
    if subset.size == 0 or subset[0] < 0 or subset[-1] >= n:
        raise ConfigError(
            f"a neuron subset must be non-empty and lie in 0..{n - 1}",
            hint=f"pass neuron ids between 0 and {n - 1}",
        )
    return subset


def top_k(scores: np.ndarray, k: int, ids: np.ndarray | None = None) -> np.ndarray:
    """The ids (ascending) of the ``k`` largest ``scores`` (n,); ties go to the lower position.

    ``ids`` (n,) names the positions (default 0..n-1). Raises :class:`ConfigError` unless
    1 ≤ k ≤ n.
    """
    n = scores.shape[0]
    if not 1 <= k <= n:
        raise ConfigError(f"cannot pick the top {k} of {n} neurons", hint=f"pass k between 1 and {n}")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:k]
    chosen = order if ids is None else np.asarray(ids, dtype=np.int64)[order]
    return np.sort(chosen).astype(np.int64)


def top_k_by_lora(profile: LoraProfile, layer: int, k: int) -> np.ndarray:
    """The ``k`` neurons of ``layer`` with the largest LoRA update norm (pooled over its MLP modules): ids (k,) int64, ascending."""
    return top_k(profile.neuron_norms(layer), k)


def top_k_by_variance(stats: ActivationStats, k: int) -> np.ndarray:
    """The ``k`` neurons of ``stats`` with the largest activation variance: layer ids (k,) int64, ascending."""
    return top_k(stats.variance(), k, stats.neurons)


def parse_subset(text: str) -> SubsetSpec:
    """Parse ``all``, ``lora:K``, ``variance:K`` or comma-separated ids and ``a-b`` ranges (inclusive)."""
    text = text.strip()
    if text == "all":
        return SubsetSpec()
    ranking, colon, count = text.partition(":")
    if colon:
        if ranking not in ("lora", "variance") or not count.isdigit() or int(count) < 1:
            raise ConfigError(f"cannot read the neuron subset {text!r}", hint="write lora:K or variance:K with a positive K")
        return SubsetSpec(ranking=ranking, k=int(count))  # type: ignore[arg-type]
    ids: list[int] = []
    for part in text.split(","):
        start, dash, stop = part.strip().partition("-")
        if not start.isdigit() or (dash and (not stop.isdigit() or int(stop) < int(start))):
            raise ConfigError(
                f"cannot read the neuron subset {text!r} (at {part!r})",
                hint="write ids and inclusive ranges like 0-63,100,200, or all, lora:K, variance:K",
            )
        ids.extend(range(int(start), int(stop) + 1) if dash else [int(start)])
    if not ids:
        raise ConfigError(f"the neuron subset {text!r} is empty", hint="name at least one neuron")
    return SubsetSpec(ids=np.unique(np.asarray(ids, dtype=np.int64)))


def resolve_subset(
    spec: SubsetSpec,
    n: int,
    *,
    layer: int,
    profile: LoraProfile | None = None,
    stats: ActivationStats | None = None,
) -> np.ndarray | None:
    """The neuron ids (k,) ascending int64 that ``spec`` stands for in a layer of ``n`` neurons; None for all.

    ``lora:K`` needs the model's LoRA ``profile``, ``variance:K`` the layer's ``stats`` (any
    that hold the variances, e.g. collected with ``outer=False``).
    """
    if spec.ids is not None:
        return explicit_subset(spec.ids, n)
    if spec.ranking is None or spec.k is None:
        return None
    if spec.ranking == "lora":
        if profile is None:
            raise ConfigError("a LoRA-ranked neuron subset needs the model's adapter", hint="load the model with its LoRA adapter")
        return top_k_by_lora(profile, layer, spec.k)
    if stats is None:
        raise ConfigError("a variance-ranked neuron subset needs activation statistics", hint="collect statistics of the layer first")
    return top_k_by_variance(stats, spec.k)


def resolve_layer_subsets(
    adapter: ModelAdapter,
    text: str,
    layers: Sequence[int],
    variance_pass: Callable[[], dict[int, ActivationStats]],
) -> dict[int, np.ndarray] | None:
    """Neuron ids (k,) ascending int64 per layer for the subset ``text``; None for all neurons.

    ``layers`` may count from the end (-1 is the last); the keys are the layers' indices.
    ``lora:K`` ranks by the LoRA profile of ``adapter``; ``variance:K`` calls ``variance_pass``
    once, and only then, for statistics of every layer (keyed by index, e.g. a pass of O(n)
    sums with ``outer=False``).
    """
    spec = parse_subset(text)
    if spec.ids is None and spec.ranking is None:
        return None
    indices = [adapter.check_layer(layer) for layer in layers]
    profile = lora_profile(adapter) if spec.ranking == "lora" else None
    variances = variance_pass() if spec.ranking == "variance" else {}
    n = adapter.intermediate_size
    subsets: dict[int, np.ndarray] = {}
    for layer in indices:
        chosen = resolve_subset(spec, n, layer=layer, profile=profile, stats=variances.get(layer))
        assert chosen is not None  # parse_subset gives ids or a ranking with its k: never "all" here
        subsets[layer] = chosen
    return subsets


def subset_of_stats(stats: ActivationStats, text: str, profile: Callable[[], LoraProfile]) -> ActivationStats:
    """``stats`` restricted to the subset ``text`` of its collected neurons (``stats`` itself for all).

    ``lora:K`` and ``variance:K`` pick the top K among the collected neurons (``profile`` is
    called only for ``lora:K``); explicit ids must all have been collected
    (:meth:`ActivationStats.select` raises otherwise).
    """
    spec = parse_subset(text)
    chosen: np.ndarray | None
    if spec.ranking == "lora" and spec.k is not None:
        chosen = top_k(profile().neuron_norms(stats.layer)[stats.neurons], spec.k, stats.neurons)
    else:
        chosen = resolve_subset(spec, int(stats.neurons[-1]) + 1, layer=stats.layer, stats=stats)
    return stats if chosen is None else stats.select(chosen)
