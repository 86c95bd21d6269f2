"""Sankey diagram of coalitions across a chain of layers, coloured by event type (plotly, offline HTML).

Nodes are the tracked coalitions of every layer in the chain (one node per coalition that passes
the size filter; ``C<k>`` is its index among the tracked coalitions of its layer, as in the events
files); links are the kept links of each layer pair (the specific links under the links rule,
:mod:`hedonic.tracking.link_events`; children or parents links, :mod:`hedonic.tracking.events`)
between two drawn nodes whose relative strength S[p, q] / max_q' S[p, q'] (relative to the
source's strongest kept link) is at least ``link_threshold``; links with S = 0 are not drawn.
That relative strength is also the link's width, so every source's strongest link has width 1
and a few very loud coalitions (heavy-tailed E|a|) do not flatten all other links to slivers.

Colours. A link is ``persist`` when it is a persist event, else ``split`` when it is a child link
of a splitting source, else ``merge`` when it is a parent link of a merging target, else
``link``. A node takes the first of vanish, emerge, split, merge, persist that it is part of (as a
source of the next pair or a target of the previous one; a split colours its source, not its
children, and a merge its target, not its parents), else ``none``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedonic.artifacts import atomic_write_text
from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from hedonic.tracking.artifact import LayerPairEvents

EVENT_COLORS = {
    "vanish": "#d62728",
    "emerge": "#1f77b4",
    "split": "#ff7f0e",
    "merge": "#9467bd",
    "persist": "#2ca02c",
    "link": "#9e9e9e",
    "none": "#9e9e9e",
}
"""Colour of each event type (and of plain links / nodes in no event)."""
NODE_PRECEDENCE = ("vanish", "emerge", "split", "merge", "persist")
"""Order in which a node's events decide its colour."""
_LINK_ALPHA = "80"


@dataclass(frozen=True)
class SankeyOptions:
    """What to draw: ``link_threshold`` ∈ [0, 1] relative to the source coalition's strongest link;
    coalitions of size ``min_size``..``max_size`` (None: no upper bound); ``top_k``: only the k
    largest coalitions of each layer (ties: lower index; None: all).
    """

    link_threshold: float = 0.0
    min_size: int = 1
    max_size: int | None = None
    top_k: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.link_threshold <= 1.0:
            raise ConfigError(f"link_threshold must lie in [0, 1], got {self.link_threshold}", hint="e.g. --link-threshold 0.2")
        if (
            self.min_size < 1
            or (self.max_size is not None and self.max_size < self.min_size)
            or (self.top_k is not None and self.top_k < 1)
        ):
            raise ConfigError(
                f"invalid coalition filter: min_size={self.min_size}, max_size={self.max_size}, top_k={self.top_k}",
                hint="use min_size ≥ 1, max_size ≥ min_size and top_k ≥ 1",
            )


@dataclass(frozen=True)
class SankeyNode:
    """One drawn coalition: its layer, index in that layer's partition, size and colour type."""

    layer: int
    index: int
    size: int
    fate: str


@dataclass(frozen=True)
class SankeyLink:
    """One drawn link between two :class:`SankeyNode` positions, with S, relative width and type."""

    source: int
    target: int
    influence: float
    width: float
    type: str


def _layer_coalitions(chain: Sequence[LayerPairEvents]) -> dict[int, tuple[tuple[int, ...], ...]]:
    layers: dict[int, tuple[tuple[int, ...], ...]] = {}
    for pair in chain:
        for layer, groups in ((pair.source_layer, pair.source_coalitions), (pair.target_layer, pair.target_coalitions)):
            if layers.setdefault(layer, groups) != groups:
                raise ConfigError(
                    f"layer {layer} has different coalitions in two layer pairs of the chain",
                    hint="track every layer pair from the same partition files",
                )
    return dict(sorted(layers.items()))


def _shown(groups: Sequence[Sequence[int]], options: SankeyOptions) -> list[int]:
    sizes = [len(group) for group in groups]
    upper = options.max_size
    keep = [k for k, size in enumerate(sizes) if size >= options.min_size and (upper is None or size <= upper)]
    if options.top_k is not None:
        keep = sorted(sorted(keep, key=lambda k: (-sizes[k], k))[: options.top_k])
    return keep


def _node_events(chain: Sequence[LayerPairEvents]) -> dict[tuple[int, int], set[str]]:
    involved: dict[tuple[int, int], set[str]] = {}
    for pair in chain:
        for event in pair.tracking.events:
            for p in event.sources if event.type != "merge" else ():
                involved.setdefault((pair.source_layer, p), set()).add(event.type)
            for q in event.targets if event.type != "split" else ():
                involved.setdefault((pair.target_layer, q), set()).add(event.type)
    return involved


def _link_types(pair: LayerPairEvents) -> dict[tuple[int, int], str]:
    types: dict[tuple[int, int], str] = {}
    for kind in ("merge", "split", "persist"):  # later kinds take precedence
        for event in pair.tracking.events:
            if event.type == kind:
                types.update({(p, q): kind for p in event.sources for q in event.targets})
    return types


def sankey_layout(chain: Sequence[LayerPairEvents], options: SankeyOptions | None = None) -> tuple[list[SankeyNode], list[SankeyLink]]:
    """Nodes and links to draw for ``chain`` (layer pairs, any order; see the module docstring).

    Nodes are ordered by layer, then coalition index; links by source layer, then (p, q).
    """
    options = options or SankeyOptions()
    involved = _node_events(chain)
    nodes: list[SankeyNode] = []
    position: dict[tuple[int, int], int] = {}
    for layer, groups in _layer_coalitions(chain).items():
        for index in _shown(groups, options):
            events = involved.get((layer, index), set())
            fate = next((kind for kind in NODE_PRECEDENCE if kind in events), "none")
            position[(layer, index)] = len(nodes)
            nodes.append(SankeyNode(layer, index, len(groups[index]), fate))
    links: list[SankeyLink] = []
    for pair in sorted(chain, key=lambda pair: pair.source_layer):
        types = _link_types(pair)
        strongest: dict[int, float] = {}
        for p, _, value in pair.tracking.links:
            strongest[p] = max(strongest.get(p, 0.0), value)
        for p, q, value in pair.tracking.links:
            start, end = position.get((pair.source_layer, p)), position.get((pair.target_layer, q))
            width = value / strongest[p] if value > 0 else 0.0
            if start is None or end is None or value <= 0 or width < options.link_threshold:
                continue
            links.append(SankeyLink(start, end, value, width, types.get((p, q), "link")))
    return nodes, links


def sankey_figure(chain: Sequence[LayerPairEvents], options: SankeyOptions | None = None, *, title: str | None = None) -> Any:
    """A plotly ``go.Figure`` holding one ``go.Sankey`` of :func:`sankey_layout`'s nodes and links.

    Nodes are placed in one column per layer (x) and by coalition index within the layer (y).
    plotly.js does not draw nodes without links and then misplaces the positions of every later
    node, so the nodes with a drawn link come first in the node arrays (layer, then index) and
    the others after them; the subtitle counts the coalitions left undrawn. The height grows with
    the most crowded layer (about 22 px per node) so that every label stays legible.
    """
    import plotly.graph_objects as go

    options = options or SankeyOptions()
    nodes, links = sankey_layout(chain, options)
    if not links:  # plotly.js cannot draw a Sankey without links
        return _empty_figure(
            title or "Coalitions across layers", f"no link to draw between tracked coalitions of ≥ {options.min_size} neurons"
        )
    linked = {link.source for link in links} | {link.target for link in links}
    order = sorted(range(len(nodes)), key=lambda k: k not in linked)  # stable: linked first
    new_position = {old: new for new, old in enumerate(order)}
    layers = sorted({node.layer for node in nodes})
    column = {layer: k for k, layer in enumerate(layers)}
    span = max(1, len(layers) - 1)
    per_layer = Counter(nodes[k].layer for k in order)
    placed: Counter[int] = Counter()
    xs, ys = [], []
    for k in order:
        layer = nodes[k].layer
        xs.append(0.001 + 0.998 * column[layer] / span)
        ys.append(0.001 + 0.998 * (placed[layer] + 0.5) / per_layer[layer])
        placed[layer] += 1
    drawn = [nodes[k] for k in order]
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [f"L{node.layer} C{node.index} ({node.size})" for node in drawn],
                "color": [EVENT_COLORS[node.fate] for node in drawn],
                "x": xs,
                "y": ys,
                "customdata": [[node.size, node.fate] for node in drawn],
                "hovertemplate": "%{label}<br>size %{customdata[0]}, %{customdata[1]}<extra></extra>",
                "pad": 8,
                "thickness": 14,
            },
            link={
                "source": [new_position[link.source] for link in links],
                "target": [new_position[link.target] for link in links],
                "value": [link.width for link in links],
                "color": [EVENT_COLORS[link.type] + _LINK_ALPHA for link in links],
                "customdata": [[link.influence, link.type] for link in links],
                "hovertemplate": "S = %{customdata[0]:.4g} (%{customdata[1]})<extra></extra>",
            },
        )
    )
    legend = ", ".join(f"<span style='color:{EVENT_COLORS[k]}'>{k}</span>" for k in NODE_PRECEDENCE)
    heading = title or f"Coalitions across layers {', '.join(map(str, layers))}"
    notes = f"links ≥ {options.link_threshold:g} × the source's strongest; {len(nodes) - len(linked)} of {len(nodes)} coalitions without a drawn link are not shown"
    crowded = max(per_layer.values(), default=1)
    figure.update_layout(
        title_text=f"{heading}<br><sup>{legend}; {notes}</sup>",
        height=max(450, 140 + 22 * crowded),
        font={"size": 12},
        margin={"l": 20, "r": 20, "t": 80, "b": 20},
    )
    return figure


def _empty_figure(title: str, message: str) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    figure.update_layout(title_text=title, height=240, xaxis_visible=False, yaxis_visible=False, template="plotly_white")
    return figure


def write_sankey_html(figure: Any, path: str | Path) -> Path:
    """Write ``figure`` as a self-contained offline HTML page (plotly JS inlined), atomically."""
    html = figure.to_html(include_plotlyjs=True, full_html=True, div_id="hedonic-sankey")
    return atomic_write_text(path, html)
