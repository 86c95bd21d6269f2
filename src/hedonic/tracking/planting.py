"""Planted routing: links of known strength written into virtual weights or a model, to measure power.

A planted link (p, q) from source coalition p (layer ℓ) to target coalition q (ℓ+1) gets its own
``dims``-dimensional subspace U_pq of the residual stream (orthonormal, the subspaces of all
links mutually orthogonal). Every member i of p takes a write direction w_i whose share
``strength`` = s of its energy lies in the span of its coalition's link subspaces (a random unit
direction there), the rest being its own direction with that span projected out, at the norm it
had:

    w_i ← ‖w_i‖ · (√s · v_i + √(1 − s) · w_i^⊥ / ‖w_i^⊥‖),   v_i ∈ span{U_pq : (p, q) planted}.

Every member j of q takes the same treatment on its read rows (each input projection with its
own random direction in the span of q's links). Then W[j, i] = r_j · w_i holds a term
s·‖r_j‖‖w_i‖·(v_j · v_i) on the shared subspace, on top of the (1 − s) share of the weights'
own geometry: s = 0 is no routing, s = 1 routing only. ``strength`` is the scale on which the
detection floor of a link test is stated (:mod:`hedonic.tracking.floor`).

:func:`plant_links` plants into the factors of a :class:`~hedonic.tracking.virtual_weights.VirtualMap`
(the folded write columns, the read rows); :func:`planted_model` plants into a model's own
weights, so that a forward pass (the causal link test) sees the same routing: the write
direction is planted after the folded norms' γ and divided by γ again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from hedonic.errors import ConfigError
from hedonic.models.attributes import tensor
from hedonic.tracking.virtual_weights import VirtualMap, fold_write, folded_norms

if TYPE_CHECKING:
    from hedonic.game import Partition
    from hedonic.models import ModelAdapter
    from hedonic.tracking.events import Tracking

DEFAULT_DIMS = 4
"""Dimension of each planted link's residual subspace."""


@dataclass(frozen=True)
class PlantedLinks:
    """Planted links ``links`` (p, q), coalition indices into the tracked source / target partitions, sorted.

    ``events``: the event each planted source coalition takes by construction (persist, split or
    merge), as the links rule reads it (:mod:`hedonic.tracking.link_events`).
    """

    links: tuple[tuple[int, int], ...]
    events: Mapping[int, str]

    def sources(self) -> dict[int, list[int]]:
        """Planted targets of each planted source coalition."""
        out: dict[int, list[int]] = {}
        for p, q in self.links:
            out.setdefault(p, []).append(q)
        return out

    def targets(self) -> dict[int, list[int]]:
        """Planted sources of each planted target coalition."""
        out: dict[int, list[int]] = {}
        for p, q in self.links:
            out.setdefault(q, []).append(p)
        return out


def planted_design(n_sources: int, n_targets: int, *, persist: int = 6, split: int = 1, merge: int = 1, seed: int = 0) -> PlantedLinks:
    """Random disjoint planted events among P source and Q target coalitions.

    ``persist`` one-to-one links, ``split`` sources with two targets each, ``merge`` targets with
    two sources each: persist + split + 2·merge sources and persist + 2·split + merge targets,
    all distinct; 2·(split + merge) + persist links.
    """
    n_planted_sources, n_planted_targets = persist + split + 2 * merge, persist + 2 * split + merge
    if min(persist, split, merge) < 0 or n_planted_sources > n_sources or n_planted_targets > n_targets:
        raise ConfigError(
            f"cannot plant {persist} persist, {split} split and {merge} merge events into {n_sources} → {n_targets} coalitions",
            hint="plant fewer events or track more coalitions",
        )
    rng = np.random.default_rng(seed)
    sources = [int(p) for p in rng.choice(n_sources, n_planted_sources, replace=False)]
    targets = [int(q) for q in rng.choice(n_targets, n_planted_targets, replace=False)]
    links, events = [], {}
    for k in range(persist):
        links.append((sources[k], targets[k]))
        events[sources[k]] = "persist"
    for k in range(split):
        p = sources[persist + k]
        links += [(p, targets[persist + 2 * k]), (p, targets[persist + 2 * k + 1])]
        events[p] = "split"
    for k in range(merge):
        q = targets[persist + 2 * split + k]
        for p in sources[persist + split + 2 * k : persist + split + 2 * k + 2]:
            links.append((p, q))
            events[p] = "merge"
    return PlantedLinks(tuple(sorted(links)), dict(sorted(events.items())))


def link_subspaces(d: int, n_links: int, dims: int = DEFAULT_DIMS, seed: int = 0) -> torch.Tensor:
    """Orthonormal bases of ``n_links`` mutually orthogonal ``dims``-dimensional subspaces of R^d: (n_links, d, dims) float64."""
    if n_links * dims > d:
        raise ConfigError(
            f"{n_links} planted links of {dims} dimensions each do not fit a residual stream of {d}",
            hint="plant fewer links or use smaller subspaces",
        )
    generator = torch.Generator().manual_seed(seed)
    basis, _ = torch.linalg.qr(torch.randn(d, n_links * dims, generator=generator, dtype=torch.float64))
    return basis.T.reshape(n_links, dims, d).transpose(1, 2)


def plant_rows(vectors: torch.Tensor, basis: torch.Tensor, strength: float, generator: torch.Generator) -> torch.Tensor:
    """Rows (m, d) with share ``strength`` of each row's energy on a random unit direction of span(``basis`` (d, k)).

    Norms are kept; the rest is the row with that span projected out (module docstring). float64.
    """
    rows = vectors.to(torch.float64)
    norms = rows.norm(dim=1, keepdim=True)
    inside = torch.randn(rows.shape[0], basis.shape[1], generator=generator, dtype=torch.float64) @ basis.T
    inside = inside / inside.norm(dim=1, keepdim=True)
    outside = rows - (rows @ basis) @ basis.T
    outside = outside / outside.norm(dim=1, keepdim=True).clamp_min(torch.finfo(torch.float64).tiny)
    return norms * (strength**0.5 * inside + (1.0 - strength) ** 0.5 * outside)


def check_strength(strength: float) -> float:
    """``strength`` if it lies in [0, 1]; :class:`ConfigError` otherwise."""
    if not 0.0 <= strength <= 1.0:
        raise ConfigError(f"planted strength must lie in [0, 1], got {strength}", hint="e.g. 0.2")
    return float(strength)


def planted_vectors(
    write: torch.Tensor,
    read: Mapping[str, torch.Tensor],
    source: Partition,
    target: Partition,
    design: PlantedLinks,
    strength: float,
    *,
    dims: int = DEFAULT_DIMS,
    seed: int = 0,
) -> tuple[dict[int, torch.Tensor], dict[str, dict[int, torch.Tensor]]]:
    """The planted write columns {neuron i: (d,)} of the planted sources and read rows {projection: {neuron j: (d,)}} of the planted targets.

    ``write`` (d, n) and ``read`` {name: (n', d)} are the (folded) factors; float64 results.
    """
    strength = check_strength(strength)
    subspaces = link_subspaces(write.shape[0], len(design.links), dims, seed)
    index = {link: k for k, link in enumerate(design.links)}
    generator = torch.Generator().manual_seed(seed + 1)
    columns: dict[int, torch.Tensor] = {}
    for p, targets in design.sources().items():
        basis = torch.cat([subspaces[index[(p, q)]] for q in targets], dim=1)
        members = list(source.coalitions[p])
        planted = plant_rows(write[:, members].T.cpu(), basis, strength, generator)
        columns.update(zip(members, planted, strict=True))
    rows: dict[str, dict[int, torch.Tensor]] = {name: {} for name in read}
    for q, sources in design.targets().items():
        basis = torch.cat([subspaces[index[(p, q)]] for p in sources], dim=1)
        members = list(target.coalitions[q])
        for name, weight in read.items():
            rows[name].update(zip(members, plant_rows(weight[members].cpu(), basis, strength, generator), strict=True))
    return columns, rows


def plant_links(
    vmap: VirtualMap,
    source: Partition,
    target: Partition,
    design: PlantedLinks,
    strength: float,
    *,
    dims: int = DEFAULT_DIMS,
    seed: int = 0,
) -> VirtualMap:
    """A copy of ``vmap`` with the ``design``'s links planted at ``strength`` (module docstring).

    ``source`` / ``target``: the tracked partitions the design's coalition indices point into.
    """
    columns, rows = planted_vectors(vmap.write, vmap.read, source, target, design, strength, dims=dims, seed=seed)
    write = vmap.write.clone()
    _assign_columns(write, columns)
    read = {name: weight.clone() for name, weight in vmap.read.items()}
    for name, planted in rows.items():
        _assign_columns(read[name].T, planted)
    return VirtualMap(read, write, vmap.folded)


@contextmanager
def planted_model(
    adapter: ModelAdapter,
    layer: int,
    source: Partition,
    target: Partition,
    design: PlantedLinks,
    strength: float,
    *,
    dims: int = DEFAULT_DIMS,
    seed: int = 0,
) -> Iterator[None]:
    """Within the block, the model's weights carry the ``design``'s links from ``layer`` to ``layer + 1``.

    The write columns of layer ℓ's output projection are planted as folded by the norms between
    the MLPs (their γ, no centring) and unfolded again; the read rows of ℓ+1's input projections
    directly. The weights are restored on exit, also on error.
    """
    gammas = [tensor(module, "weight").detach().to(torch.float64) for _, module in folded_norms(adapter, layer)]
    w_out, w_in = adapter.w_out(layer), adapter.w_in(layer + 1)
    folded = fold_write(w_out.to(torch.float64), gammas, [False] * len(gammas))
    columns, rows = planted_vectors(folded, w_in, source, target, design, strength, dims=dims, seed=seed)
    scale = torch.ones(folded.shape[0], dtype=torch.float64)
    for gamma in gammas:
        scale = scale * gamma.cpu()
    saved = [(w_out, w_out.clone()), *((weight, weight.clone()) for weight in w_in.values())]
    try:
        with torch.no_grad():
            _assign_columns(w_out, {i: column / scale for i, column in columns.items()})
            for name, planted in rows.items():
                _assign_columns(w_in[name].T, planted)
        yield
    finally:
        with torch.no_grad():
            for weight, original in saved:
                weight.copy_(original)


def _assign_columns(matrix: torch.Tensor, columns: Mapping[int, torch.Tensor]) -> None:
    """Write ``columns`` {index: (d,)} into ``matrix`` (d, n) in place, in its dtype and device."""
    if columns:
        index = torch.as_tensor(sorted(columns), dtype=torch.long, device=matrix.device)
        values = torch.stack([columns[i] for i in sorted(columns)], dim=1)
        matrix[:, index] = values.to(matrix.device, matrix.dtype)


def planted_found(design: PlantedLinks, links: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """(planted links among ``links``, other links among them): power and false links of one test."""
    planted = set(design.links)
    found = {(int(p), int(q)) for p, q in links}
    return len(found & planted), len(found - planted)


def planted_events_found(design: PlantedLinks, tracking: Tracking) -> int:
    """Planted source coalitions whose event ``tracking`` got right: a persist source persisting into its
    target, a split source splitting into exactly its targets, a merge source among the sources of
    its target's merge (of ``len(design.events)``)."""
    found = 0
    for p, kind in design.events.items():
        planted = sorted(design.sources()[p])
        matches = [
            event
            for event in tracking.events
            if event.type == kind and p in event.sources and (kind == "merge" or sorted(event.targets) == planted)
        ]
        found += any(kind != "merge" or list(event.targets) == planted for event in matches)
    return found
