"""The valuation artifact: a symmetric φ matrix over a layer's neurons, with its name and origin.

Stored as safetensors (kind ``"valuation"``, format version 2) holding ``phi`` (n, n) float32 and
``neurons`` (n,) int64 (the layer's neuron ids of the players, ascending), with string metadata
``name`` (``oca``, ``pas-grad``, ``pas-hess``, ``pas-exact``, ``pas-model``, ...), ``layer`` and
``readout`` (``""`` where not applicable), ``details`` (a JSON object) and ``spectrum`` (a JSON
object: φ's 20 eigenvalues of largest |λ| and ‖φ‖²_F, :class:`~hedonic.valuation.spectrum.Spectrum`;
new in version 2). Version 1 files (no spectrum, computed on first use) are still read. A plain
``.npy`` square matrix is also accepted on input (players ``0..n-1``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from hedonic.artifacts import load_npy, load_tensors, save_tensors
from hedonic.display import graph_objects, html_table
from hedonic.errors import ArtifactError, NumericalError
from hedonic.matrix_scan import scan_square
from hedonic.neuron_ids import neuron_ids
from hedonic.valuation.spectrum import Spectrum, phi_spectrum

VALUATION_KIND = "valuation"
VALUATION_FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Format versions :func:`load_valuation` reads (1: without the spectrum)."""
SYMMETRY_RTOL = 1e-5
_FLOAT32_TINY = np.finfo(np.float32).tiny
"""The smallest normal float32 (a numpy float32): the floor of φ's scale in the symmetry check."""


@dataclass(frozen=True)
class Valuation:
    """φ (n, n) float32, symmetric with zero diagonal, over the players ``neurons`` (n,) int64.

    ``stored_spectrum``: the spectrum read from a file (None: :attr:`spectrum` computes it).
    """

    phi: np.ndarray
    name: str
    neurons: np.ndarray
    layer: int | None = None
    readout: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    stored_spectrum: Spectrum | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_phi(self.phi, where=f"valuation {self.name!r}")
        if self.neurons.shape != (self.phi.shape[0],):
            raise ArtifactError(
                f"valuation {self.name!r}: {self.neurons.shape[0]} neuron ids for a {self.phi.shape[0]}×{self.phi.shape[0]} φ",
                hint="pass one neuron id per row of φ",
            )
        neuron_ids(self.neurons, what=f"valuation {self.name!r}: the players' neuron ids")

    @property
    def n(self) -> int:
        """Number of players."""
        return int(self.phi.shape[0])

    @cached_property
    def spectrum(self) -> Spectrum:
        """φ's leading eigenvalues and ‖φ‖²_F (:func:`~hedonic.valuation.spectrum.phi_spectrum`), computed once."""
        return self.stored_spectrum or phi_spectrum(self.phi)

    def __repr__(self) -> str:
        layer = "" if self.layer is None else f", layer {self.layer}"
        low, high = float(self.phi.min()), float(self.phi.max())
        return f"Valuation({self.name!r}{layer}, {self.n} players, φ in [{low:.3g}, {high:.3g}])"

    def _repr_html_(self) -> str:
        positive = (int((self.phi > 0).sum()) / 2) / max(self.n * (self.n - 1) / 2, 1)
        rows = [
            ("kind", self.name),
            ("layer", "—" if self.layer is None else self.layer),
            ("readout", self.readout or "—"),
            ("players", f"{self.n} (neurons {int(self.neurons[0])}…{int(self.neurons[-1])})"),
            ("φ min / max", f"{float(self.phi.min()):.3g} / {float(self.phi.max()):.3g}"),
            ("pairs with φ > 0", f"{positive:.1%}"),
            ("‖φ‖²_F in the top 1 / 5 / 20 eigencomponents", " / ".join(f"{share:.0%}" for share in self.spectrum.shares().values())),
        ]
        return html_table(f"Valuation φ ({self.n}×{self.n})", rows)

    def histogram(self, bins: int = 100) -> tuple[np.ndarray, np.ndarray]:
        """Counts (bins,) int64 of φ(i, j) over the pairs i < j, and the bin edges (bins + 1,) float64.

        Exact and without an (n², 2) index: the full matrix counts every pair twice and the zero
        diagonal n times, which are taken out.
        """
        counts, edges = np.histogram(self.phi, bins=bins)
        zero_bin = min(int(np.searchsorted(edges, 0.0, side="right")) - 1, bins - 1)
        counts[max(zero_bin, 0)] -= self.n
        return counts // 2, edges

    def plot(self, bins: int = 100) -> Any:
        """A Plotly histogram (one bar trace, log counts) of φ(i, j) over the pairs i < j."""
        go = graph_objects()
        counts, edges = self.histogram(bins)
        figure = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges), name="pairs"))
        title = f"{self.name} φ" + ("" if self.layer is None else f", layer {self.layer}") + f": {self.n * (self.n - 1) // 2} pairs i < j"
        figure.update_layout(title=title, xaxis_title="φ(i, j)", yaxis_title="pairs", yaxis_type="log", bargap=0)
        return figure


def check_phi(phi: np.ndarray, where: str = "φ") -> None:
    """Raise unless ``phi`` is a finite, square, non-empty, symmetric 2-D float matrix with zero diagonal.

    Symmetry is checked to relative tolerance 1e-5 of the largest |φ|. Raises
    :class:`ArtifactError` (shape, symmetry, diagonal) or :class:`NumericalError` (NaN/inf).
    """
    if phi.ndim != 2 or phi.shape[0] != phi.shape[1]:
        raise ArtifactError(f"{where}: φ must be a square matrix, got shape {phi.shape}", hint="pass an n×n matrix")
    if phi.shape[0] == 0:
        raise ArtifactError(f"{where}: a 0×0 φ has no players", hint="pass the n×n valuation of a layer with n ≥ 1 neurons")
    if not np.issubdtype(phi.dtype, np.floating):
        raise ArtifactError(f"{where}: φ must hold floats, got {phi.dtype}", hint="save φ as float32")
    scan = scan_square(phi)
    if scan.non_finite:
        raise NumericalError(
            f"{where}: φ holds {scan.non_finite} NaN or infinite entries",
            hint="recompute the valuation; check the statistics for constant or non-finite activations",
        )
    if scan.max_asymmetry > SYMMETRY_RTOL * (_FLOAT32_TINY if _FLOAT32_TINY > scan.scale else scan.scale):
        raise ArtifactError(
            f"{where}: φ is not symmetric (max |φ − φᵀ| = {scan.max_asymmetry:.3g}, max |φ| = {scan.scale:.3g})",
            hint="symmetrise it, e.g. (φ + φᵀ) / 2, before building the game",
        )
    if scan.diagonal_abs_max != 0.0:
        raise ArtifactError(f"{where}: φ must have a zero diagonal", hint="set np.fill_diagonal(phi, 0)")


def save_valuation(valuation: Valuation, path: str | Path) -> Path:
    """Write ``valuation`` as a safetensors artifact (kind ``valuation``, version 2, with its spectrum), atomically."""
    metadata = {
        "name": valuation.name,
        "layer": "" if valuation.layer is None else str(valuation.layer),
        "readout": valuation.readout or "",
        "details": json.dumps(dict(valuation.details), sort_keys=True),
        "spectrum": json.dumps(valuation.spectrum.to_dict(), sort_keys=True),
    }
    tensors: dict[str, np.ndarray] = {"phi": valuation.phi.astype(np.float32), "neurons": valuation.neurons.astype(np.int64)}
    return save_tensors(path, VALUATION_KIND, VALUATION_FORMAT_VERSION, tensors, metadata)


def load_valuation(path: str | Path) -> Valuation:
    """Read a valuation: a safetensors artifact from :func:`save_valuation`, or a square ``.npy``.

    A φ of float16 is upcast to float32; a ``.npy`` is read by :func:`hedonic.artifacts.load_npy`
    (never unpickled, never larger in memory than the file).

    Raises :class:`ArtifactError` (or :class:`NumericalError`) naming the file when it is
    missing, corrupt, of another kind or version, or when φ is not a finite symmetric square
    matrix with zero diagonal.
    """
    path = Path(path)
    if path.suffix == ".npy":
        return _load_npy(path)
    arrays, metadata = load_tensors(path, VALUATION_KIND, READABLE_VERSIONS)
    try:
        phi, neurons = _upcast(arrays["phi"]), arrays["neurons"]
        layer = int(metadata["layer"]) if metadata.get("layer") else None
        details = json.loads(metadata.get("details") or "{}")
        name = metadata["name"]
        spectrum = Spectrum.from_dict(json.loads(metadata["spectrum"])) if metadata.get("spectrum") else None
    except (KeyError, ValueError, TypeError) as exc:
        raise ArtifactError(f"{path}: invalid valuation artifact ({exc!r})", hint="rerun `hedonic valuation`") from exc
    return _validated(path, lambda: Valuation(phi, name, neurons, layer, metadata.get("readout") or None, details, spectrum))


def _load_npy(path: Path) -> Valuation:
    phi = _upcast(load_npy(path, hint="save φ (n, n) of floats with numpy.save"))
    return _validated(path, lambda: Valuation(phi, path.stem, np.arange(phi.shape[0] if phi.ndim else 0)))


def _upcast(phi: np.ndarray) -> np.ndarray:
    """φ of a float type narrower than float32 (float16) as float32, which every game and baseline takes."""
    if np.issubdtype(phi.dtype, np.floating) and phi.dtype.itemsize < 4:
        return phi.astype(np.float32)
    return phi


def _validated(path: Path, build: Callable[[], Valuation]) -> Valuation:
    try:
        return build()
    except (ArtifactError, NumericalError) as error:
        raise type(error)(f"{path}: {error.message}", hint=error.hint) from error
