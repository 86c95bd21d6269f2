"""Run manifests: the configuration, seed, package versions, device and stage timings of a run."""

from __future__ import annotations

import platform
from importlib import metadata

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
