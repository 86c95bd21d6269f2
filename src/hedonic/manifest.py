"""Run manifests: the configuration, seed, package versions, device and stage timings of a run."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from hedonic.artifacts import write_json

_PACKAGES = ("hedonic", "torch", "transformers", "peft", "numpy", "scipy", "scikit-learn", "safetensors")


def package_versions() -> dict[str, str]:
    """Installed versions of hedonic and its main dependencies (``"missing"`` where absent)."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


MANIFEST_KIND = "manifest"
MANIFEST_FORMAT_VERSION = 1


def device_description(device: str) -> dict[str, Any]:
    """What ``device`` is: its name, and for CUDA the GPU model and count; plus the CPU count."""
    import torch

    described: dict[str, Any] = {"device": device, "cpu_count": os.cpu_count(), "platform": platform.platform()}
    if device.startswith("cuda") and torch.cuda.is_available():
        described["gpu"] = torch.cuda.get_device_name(torch.device(device))
        described["gpu_count"] = torch.cuda.device_count()
    return described


def write_manifest(
    path: str | Path,
    *,
    config: Mapping[str, Any],
    seed: int,
    device: str,
    timings: Mapping[str, float],
    reused: Sequence[str],
    started: str,
    finished: str,
    notes: Sequence[str] = (),
    set_aside: Sequence[str] = (),
) -> Path:
    """Write the run manifest (kind ``manifest``, version 1): config, seed, versions, device, stage wall times (s).

    ``timings`` are the recorded wall times of every stage (this run or an earlier one),
    ``reused`` the stages this run skipped because their inputs were unchanged; ``started`` and
    ``finished`` are ISO 8601 UTC timestamps. ``notes`` (key ``model_notes``) say what loading
    the model changed (e.g. a head built from the seed); ``set_aside`` lists the artifacts of
    another configuration this run moved to ``stale/`` (paths relative to the run directory).
    """
    payload = {
        "config": dict(config),
        "seed": seed,
        "versions": package_versions(),
        "device": device_description(device),
        "stage_wall_time_s": dict(timings),
        "reused_stages": list(reused),
        "started": started,
        "finished": finished,
        "model_notes": list(notes),
        "set_aside": list(set_aside),
    }
    return write_json(path, MANIFEST_KIND, MANIFEST_FORMAT_VERSION, payload)
