"""The activation-statistics artifact: one layer's streaming sums as a safetensors file.

Kind ``"activation_stats"``, format version 1. Tensors (float64 unless noted): ``neurons`` (k,)
int64, ``sum``, ``sum_abs``, ``sum_sq`` (k,), and where collected ``sum_outer`` (k, k),
``sum_v`` (k,), ``sum_vv`` (k, k). String metadata: ``layer``, ``tokens`` (``readout``/``all``),
``readout`` (``model``/``local``, ``""`` without gradient sums), ``count`` (rows N),
``num_inputs`` (inputs M), ``model`` and ``adapter`` (names or paths, ``""`` if unknown).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hedonic.artifacts import load_tensors, save_tensors
from hedonic.errors import ArtifactError, ConfigError
from hedonic.stats.moments import ActivationStats

STATS_KIND = "activation_stats"
STATS_FORMAT_VERSION = 1
_OPTIONAL = ("sum_outer", "sum_v", "sum_vv")
_TOKEN_SCOPES = ("readout", "all")
_READOUTS = ("", "model", "local")


def save_stats(stats: ActivationStats, path: str | Path) -> Path:
    """Write ``stats`` to ``path`` (safetensors, kind ``activation_stats``, version 1), atomically."""
    tensors = {
        "neurons": stats.neurons.astype(np.int64),
        "sum": stats.sum,
        "sum_abs": stats.sum_abs,
        "sum_sq": stats.sum_sq,
    }
    tensors |= {name: getattr(stats, name) for name in _OPTIONAL if getattr(stats, name) is not None}
    metadata = {
        "layer": str(stats.layer),
        "tokens": stats.tokens,
        "readout": stats.readout or "",
        "count": str(stats.count),
        "num_inputs": str(stats.num_inputs),
        "model": stats.model,
        "adapter": stats.adapter,
    }
    return save_tensors(path, STATS_KIND, STATS_FORMAT_VERSION, {k: _float64(k, v) for k, v in tensors.items()}, metadata)


def load_stats(path: str | Path) -> ActivationStats:
    """Read statistics written by :func:`save_stats`.

    Raises :class:`ArtifactError` naming the file when it is missing, corrupt, of another kind or
    version, or inconsistent (missing tensors, wrong shapes or dtypes, non-finite sums).
    """
    path = Path(path)
    arrays, metadata = load_tensors(path, STATS_KIND, STATS_FORMAT_VERSION)
    try:
        tokens, readout = metadata["tokens"], metadata["readout"]
        if tokens not in _TOKEN_SCOPES or readout not in _READOUTS:
            raise ValueError(f"tokens={tokens!r}, readout={readout!r}")
        floats = {name: value for name, value in arrays.items() if name != "neurons"}
        if arrays["neurons"].dtype != np.int64 or any(value.dtype != np.float64 for value in floats.values()):
            raise ValueError("neurons must be int64 and sums float64")
        if not all(np.isfinite(value).all() for value in floats.values()):
            raise ValueError("non-finite sums")
        stats = ActivationStats(
            layer=int(metadata["layer"]),
            neurons=arrays["neurons"],
            tokens=tokens,  # type: ignore[arg-type]
            count=int(metadata["count"]),
            num_inputs=int(metadata["num_inputs"]),
            sum=arrays["sum"],
            sum_abs=arrays["sum_abs"],
            sum_sq=arrays["sum_sq"],
            readout=readout or None,  # type: ignore[arg-type]
            model=metadata.get("model", ""),
            adapter=metadata.get("adapter", ""),
            **{name: arrays.get(name) for name in _OPTIONAL},
        )
    except (KeyError, ValueError, ConfigError) as exc:
        raise ArtifactError(
            f"{path}: invalid activation statistics ({exc})",
            hint="delete the file and rerun `hedonic collect`",
        ) from exc
    return stats


def _float64(name: str, value: np.ndarray) -> np.ndarray:
    return value if name == "neurons" else np.asarray(value, dtype=np.float64)
