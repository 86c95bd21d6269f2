"""Read a layer's mean absolute activations E|a_i| (the weights of the influence) from a file.

Accepted files:

- ``.npy``: a plain (n,) vector of E|a|;
- ``.safetensors`` holding ``mean_abs`` (n,), or the statistics' running sums ``sum_abs`` (n,)
  (Σ|a| over readout tokens) and ``count`` (number of tokens, a scalar or a one-element array),
  from which E|a| = sum_abs / count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hedonic.errors import ArtifactError

MEAN_ABS_KEY = "mean_abs"
SUM_ABS_KEY = "sum_abs"
COUNT_KEY = "count"


def load_mean_abs(path: str | Path) -> np.ndarray:
    """E|a| (n,) float64 from ``path`` (see the module docstring for the accepted files).

    Raises :class:`ArtifactError` naming the file when it is missing, unreadable, lacks the keys,
    has a non-positive count, or does not hold a 1-D vector.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such file", hint="check the path, or omit it to use uniform weights")
    arrays = _read(path)
    if MEAN_ABS_KEY in arrays:
        values = np.asarray(arrays[MEAN_ABS_KEY], dtype=np.float64)
    elif SUM_ABS_KEY in arrays and COUNT_KEY in arrays:
        count = np.asarray(arrays[COUNT_KEY], dtype=np.float64).reshape(-1)
        if count.shape != (1,) or not count[0] > 0:
            raise ArtifactError(
                f"{path}: '{COUNT_KEY}' must be one positive number, got {count.tolist()}",
                hint="collect statistics over at least one input",
            )
        values = np.asarray(arrays[SUM_ABS_KEY], dtype=np.float64) / count[0]
    else:
        raise ArtifactError(
            f"{path}: holds {sorted(arrays)}, but E|a| needs '{MEAN_ABS_KEY}', or '{SUM_ABS_KEY}' and '{COUNT_KEY}'",
            hint="pass activation statistics that include Σ|a|, or a .npy vector of E|a|",
        )
    if values.ndim != 1:
        raise ArtifactError(f"{path}: E|a| must be a vector, got shape {values.shape}", hint="save one value per neuron")
    return values


def _read(path: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        if path.suffix == ".npy":
            return {MEAN_ABS_KEY: np.load(path, allow_pickle=False)}
        return dict(load_file(str(path)))
    except (SafetensorError, ValueError, OSError, EOFError) as exc:
        raise ArtifactError(
            f"{path}: cannot read E|a| ({type(exc).__name__}: {exc})",
            hint="pass a .npy vector or a .safetensors statistics file",
        ) from exc
