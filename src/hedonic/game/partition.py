"""Partitions of a layer's neurons into coalitions, and their versioned JSON artifact.

Every method (hedonic covers and clustering baselines alike) returns a :class:`Partition`; the
artifact ``kind = "partition"`` (format version 1) stores, as plain JSON:

- ``neurons``: the players, as sorted neuron ids of the layer (all ``n`` neurons, or a subset);
- ``coalitions``: lists of neuron ids, each sorted, ordered by their smallest member; together
  they hold every player exactly once (singletons included);
- ``method``, ``parameters`` (what produced it), ``seed``, ``layer`` (or null);
- ``size_distribution`` (size → count), ``largest``, ``singleton_share``, ``degenerate`` and the
  thresholds that decided it;
- ``size_bands`` (coalitions, neurons and share of the players per log₂ size band), ``power_law``
  (the discrete power-law fit of the sizes with its goodness of fit, or null;
  :mod:`hedonic.game.size_distribution`), and ``large_coalitions``: the sizes of the coalitions
  above ``large_share`` (20%) of the players, which the CLI, the report and
  :func:`~hedonic.game.discovery.partition_warnings` name with their likely cause;
- ``stability``: every stability check of exactly these coalitions
  (:class:`~hedonic.game.stability_result.Stability`, its fields), or null.

Format version 2 added the exact move checks and welfare in ``stability``; version 3 (this one)
the size bands, the power-law fit and the large coalitions.

Loading validates the structure and fails with :class:`~hedonic.errors.ArtifactError` naming the
file and the problem. Nothing is pickled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.artifacts import read_json, write_json
from hedonic.display import graph_objects, html_grid, html_table
from hedonic.errors import ArtifactError, ConfigError
from hedonic.game.size_distribution import PowerLawFit, power_law_fit, size_bands
from hedonic.game.stability_result import Stability

PARTITION_KIND = "partition"
PARTITION_FORMAT_VERSION = 3
DEFAULT_MAX_SHARE = 0.25
"""A partition is degenerate when its largest coalition holds more than this share of players..."""
DEFAULT_SINGLETON_SHARE = 0.8
"""...or when more than this share of players are singletons."""
LARGE_SHARE = 0.2
"""A coalition above this share of the players is named, with its likely cause, wherever the partition is shown."""


@dataclass(frozen=True)
class Partition:
    """A partition of ``neurons`` into ``coalitions`` (neuron ids), with how it was made.

    Build it with :meth:`from_labels` or :meth:`from_coalitions`, which validate and put the
    coalitions in canonical order (each sorted, ordered by smallest member), so that equal
    partitions compare and serialise identically.
    """

    neurons: tuple[int, ...]
    coalitions: tuple[tuple[int, ...], ...]
    method: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    layer: int | None = None
    stability: Stability | None = None
    max_share: float = DEFAULT_MAX_SHARE
    singleton_share_limit: float = DEFAULT_SINGLETON_SHARE

    @classmethod
    def from_coalitions(
        cls,
        coalitions: Iterable[Iterable[int]],
        method: str,
        *,
        neurons: Sequence[int] | None = None,
        **fields: Any,
    ) -> Partition:
        """Validate and canonicalise ``coalitions`` (neuron ids) of the players ``neurons``.

        ``neurons`` defaults to the union of the coalitions. Raises :class:`ConfigError` when a
        player is missing, repeated, or not among ``neurons``. ``fields`` are the remaining
        dataclass fields (parameters, seed, layer, stability, thresholds).
        """
        groups = [tuple(sorted(int(i) for i in group)) for group in coalitions]
        members = [i for group in groups for i in group]
        players = tuple(sorted(set(members) if neurons is None else (int(i) for i in neurons)))
        problem = _coverage_problem(groups, members, players)
        if problem:
            raise ConfigError(problem, hint="give every player exactly one coalition")
        canonical = tuple(sorted((g for g in groups if g), key=lambda g: g[0]))
        return cls(neurons=players, coalitions=canonical, method=method, **fields)

    @classmethod
    def from_labels(
        cls, labels: Sequence[int] | np.ndarray, method: str, *, neurons: Sequence[int] | None = None, **fields: Any
    ) -> Partition:
        """Partition from one coalition label per player: ``labels`` (n,), ``neurons`` (n,) ids.

        ``neurons`` defaults to ``range(n)``; players with equal labels share a coalition.
        Raises :class:`ConfigError` when the shapes differ (and as :meth:`from_coalitions`).
        """
        labels = np.asarray(labels)
        ids = np.arange(len(labels)) if neurons is None else np.asarray(neurons)
        if ids.shape != labels.shape:
            raise ConfigError(f"{labels.shape[0]} labels for {ids.shape[0]} neurons", hint="give one label per neuron id")
        order = np.argsort(labels, kind="stable")
        _, starts = np.unique(labels[order], return_index=True)
        groups = np.split(ids[order], starts[1:]) if len(labels) else []
        return cls.from_coalitions(groups, method, neurons=ids.tolist(), **fields)

    @property
    def n_players(self) -> int:
        """Number of players n."""
        return len(self.neurons)

    def labels(self) -> np.ndarray:
        """Coalition index of each player (n,) int64, in the order of :attr:`neurons`."""
        position = {neuron: k for k, neuron in enumerate(self.neurons)}
        labels = np.empty(self.n_players, dtype=np.int64)
        for index, group in enumerate(self.coalitions):
            labels[[position[i] for i in group]] = index
        return labels

    def sizes(self) -> np.ndarray:
        """Size of each coalition (number of coalitions,) int64."""
        return np.array([len(group) for group in self.coalitions], dtype=np.int64)

    def size_distribution(self) -> dict[int, int]:
        """Coalition size → number of coalitions of that size, sizes ascending."""
        return dict(sorted(Counter(len(group) for group in self.coalitions).items()))

    def largest(self) -> int:
        """Size of the largest coalition (0 for an empty game)."""
        return max((len(group) for group in self.coalitions), default=0)

    def singleton_share(self) -> float:
        """Share of players that are alone in their coalition (0 for an empty game)."""
        return sum(len(g) == 1 for g in self.coalitions) / self.n_players if self.n_players else 0.0

    @property
    def degenerate(self) -> bool:
        """True when the largest coalition holds > ``max_share`` of the players or > ``singleton_share_limit`` are singletons."""
        if not self.n_players:
            return False
        return self.largest() > self.max_share * self.n_players or self.singleton_share() > self.singleton_share_limit

    def power_law(self) -> PowerLawFit | None:
        """The discrete power-law fit of the coalition sizes, truncated at n (:func:`~hedonic.game.size_distribution.power_law_fit`, seed 0)."""
        return power_law_fit(self.sizes(), upper=max(self.n_players, 1), seed=0)

    def large_coalitions(self) -> list[int]:
        """Sizes (descending) of the coalitions holding more than :data:`LARGE_SHARE` of the players."""
        return sorted((len(g) for g in self.coalitions if len(g) > LARGE_SHARE * self.n_players), reverse=True)

    def in_size_range(self, low: int, high: int) -> list[tuple[int, ...]]:
        """The coalitions whose size lies in [low, high]."""
        return [group for group in self.coalitions if low <= len(group) <= high]

    def summary(self) -> dict[str, Any]:
        """Size distribution and bands, power-law fit, largest coalition, singleton share, the
        degenerate flag and the large coalitions (JSON-ready; the module docstring lists the fields)."""
        fit = self.power_law()
        return {
            "n_players": self.n_players,
            "n_coalitions": len(self.coalitions),
            "size_distribution": {str(k): v for k, v in self.size_distribution().items()},
            "largest": self.largest(),
            "singleton_share": self.singleton_share(),
            "degenerate": self.degenerate,
            "degenerate_thresholds": {"max_share": self.max_share, "singleton_share": self.singleton_share_limit},
            "size_bands": [band.as_dict() for band in size_bands(self.sizes(), self.n_players)],
            "power_law": None if fit is None else fit.as_dict(),
            "large_coalitions": self.large_coalitions(),
            "large_share": LARGE_SHARE,
        }

    def __repr__(self) -> str:
        layer = "" if self.layer is None else f", layer {self.layer}"
        flag = ", DEGENERATE" if self.degenerate else ""
        stable = "" if self.stability is None else f", {self.stability.headline()}"
        return (
            f"Partition({self.method!r}{layer}: {self.n_players} players in {len(self.coalitions)} coalitions, "
            f"largest {self.largest()}, {self.singleton_share():.0%} singletons{flag}{stable})"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("method", self.method),
            ("layer", "—" if self.layer is None else self.layer),
            ("players / coalitions", f"{self.n_players} / {len(self.coalitions)}"),
            ("largest coalition", self.largest()),
            ("singletons", f"{self.singleton_share():.1%} of the players"),
            ("degenerate", "yes" if self.degenerate else "no"),
        ]
        note = None if self.stability is None else f"Stability: {self.stability.statement}."
        sizes = html_grid(
            ("size", "coalitions", "neurons"), ((size, count, size * count) for size, count in self.size_distribution().items())
        )
        return html_table("Partition", rows, note=note) + sizes

    def plot(self) -> Any:
        """A Plotly bar chart (one trace): neurons in coalitions of each size, sizes on the x axis."""
        go = graph_objects()
        distribution = self.size_distribution()
        figure = go.Figure(
            go.Bar(x=[str(size) for size in distribution], y=[size * count for size, count in distribution.items()], name="neurons")
        )
        title = f"{self.method}" + ("" if self.layer is None else f", layer {self.layer}") + f": {self.n_players} neurons by coalition size"
        figure.update_layout(title=title, xaxis_title="coalition size", yaxis_title="neurons", xaxis_type="category")
        return figure


def _coverage_problem(groups: list[tuple[int, ...]], members: list[int], players: tuple[int, ...]) -> str | None:
    counts = Counter(members)
    repeated = sorted(i for i, c in counts.items() if c > 1)
    if repeated:
        return f"neuron {repeated[0]} appears in more than one coalition ({len(repeated)} repeated neurons)"
    player_set = set(players)
    strangers = sorted(set(counts) - player_set)
    if strangers:
        return f"neuron {strangers[0]} is in a coalition but not among the players"
    missing = sorted(player_set - set(counts))
    if missing:
        return f"neuron {missing[0]} is in no coalition ({len(missing)} players missing)"
    if any(i < 0 for i in players):
        return f"neuron ids must be non-negative, found {min(players)}"
    return None


def save_partition(partition: Partition, path: str | Path) -> Path:
    """Write ``partition`` as a JSON artifact (kind ``partition``, format version 3), atomically."""
    payload = {
        "neurons": list(partition.neurons),
        "coalitions": [list(group) for group in partition.coalitions],
        "method": partition.method,
        "parameters": dict(partition.parameters),
        "seed": partition.seed,
        "layer": partition.layer,
        "stability": None if partition.stability is None else partition.stability.as_dict(),
        **partition.summary(),
    }
    return write_json(path, PARTITION_KIND, PARTITION_FORMAT_VERSION, payload)


def load_partition(path: str | Path) -> Partition:
    """Read and validate a partition artifact written by :func:`save_partition`.

    Raises :class:`ArtifactError` naming the file when it is corrupt, of another kind or version,
    or when its coalitions do not hold every player exactly once.
    """
    document = read_json(path, PARTITION_KIND, PARTITION_FORMAT_VERSION)
    try:
        neurons = [int(i) for i in document["neurons"]]
        coalitions = [[int(i) for i in group] for group in document["coalitions"]]
        thresholds = document.get("degenerate_thresholds") or {}
        return Partition.from_coalitions(
            coalitions,
            str(document["method"]),
            neurons=neurons,
            parameters=dict(document.get("parameters") or {}),
            seed=document.get("seed"),
            layer=document.get("layer"),
            stability=None if document.get("stability") is None else Stability.from_dict(document["stability"]),
            max_share=float(thresholds.get("max_share", DEFAULT_MAX_SHARE)),
            singleton_share_limit=float(thresholds.get("singleton_share", DEFAULT_SINGLETON_SHARE)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(
            f"{path}: invalid partition ({exc})",
            hint="the file was edited or truncated; rerun `hedonic discover` (or the baseline) that wrote it",
        ) from exc
