"""Load a one-logit reranker (hub id or local folder), optionally with a peft LoRA adapter merged in."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from hedonic.errors import ModelError
from hedonic.models.adapter import ModelAdapter
from hedonic.models.families import Family, family_for
from hedonic.models.lora_delta import LoraFactors, LoraKey, extract_lora_factors


def load_model(
    name_or_path: str | Path,
    adapter: str | Path | None = None,
    *,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    trust_remote_code: bool = False,
    allow_new_head: bool = False,
    device_map: str | dict[str, Any] | None = None,
) -> ModelAdapter:
    """Load ``AutoModelForSequenceClassification`` (+ tokenizer if present) as a :class:`ModelAdapter`.

    ``device``: where the whole model goes; ``"auto"`` stands for ``device_map="auto"``.
    ``device_map``: a model too large for one device is spread over several by accelerate
    (``"auto"``, ``"balanced"`` or a dict module name → device, as transformers takes it); each
    layer's states then stay on that layer's device (:meth:`ModelAdapter.layer_device`). Every
    weight must land on a device: a map that offloads to the CPU RAM or disk is refused.

    ``name_or_path``: a local folder saved with ``save_pretrained`` or a hub id. The config is read
    first so that unsupported families and heads with more than one logit fail before any weight
    is loaded. ``allow_new_head=True`` builds a fresh one-logit head when the checkpoint has none
    (e.g. a bare encoder whose adapter trains the head via ``modules_to_save``).
    ``adapter``: a peft LoRA folder; its factors are kept (:attr:`ModelAdapter.lora_deltas`)
    and it is merged into the weights. Decoders without a pad token get pad = eos.
    Raises :class:`ModelError` for missing paths, unsupported families and wrong heads.
    """
    from transformers import AutoConfig, AutoModelForSequenceClassification

    source = _resolve_source(name_or_path)
    adapter_dir = None if adapter is None else _resolve_adapter(adapter)
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"cannot read a model config from {source!r} ({exc})",
            hint="pass a folder saved with save_pretrained (it holds config.json) or a reachable hub id",
        ) from exc
    family = family_for(config.model_type)
    head_modules = _adapter_modules_to_save(adapter_dir)
    new_head = config.num_labels != 1
    if new_head and not allow_new_head:
        raise ModelError(
            f"{source}: the model has a {config.num_labels}-logit head; hedonic needs a one-logit head",
            hint="fine-tune a reranker with num_labels=1, or load with allow_new_head=True together with "
            "an adapter that trains the head (peft modules_to_save)",
        )
    if new_head and family.head not in head_modules:
        warnings.warn(
            f"{source}: building a new, randomly initialised one-logit head {family.head!r} that no adapter "
            "replaces; logits are meaningless until it is trained",
            stacklevel=2,
        )
    extra: dict[str, Any] = {"num_labels": 1, "ignore_mismatched_sizes": True} if new_head else {}
    placement = _placement(device, device_map)
    try:
        with _quiet_missing_head(new_head and family.head in head_modules):
            model = AutoModelForSequenceClassification.from_pretrained(
                source, dtype=dtype, trust_remote_code=trust_remote_code, **extra, **placement
            )
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"cannot load model weights from {source!r} ({exc})",
            hint="check that the folder holds the weights (model.safetensors) next to config.json",
        ) from exc
    if placement:
        _check_placed(model, source)
    tokenizer = _load_tokenizer(source, trust_remote_code)
    factors: dict[LoraKey, LoraFactors] = {}
    if adapter_dir is not None:
        model, factors = _merge_adapter(model, adapter_dir, family)
    if family.decoder:
        _ensure_pad_token(model.config, tokenizer)
    if not placement:
        model.to(device)
    return ModelAdapter(model.eval(), tokenizer, factors)


def _placement(device: str | torch.device, device_map: str | dict[str, Any] | None) -> dict[str, Any]:
    """``from_pretrained`` keywords for a device map (``device="auto"`` meaning ``device_map="auto"``); {} for one device."""
    if device_map is None and str(device) == "auto":
        device_map = "auto"
    return {} if device_map is None else {"device_map": device_map}


def _check_placed(model: Any, source: str) -> None:
    """Refuse a dispatched model with weights offloaded (left on the meta device, loaded at each forward)."""
    offloaded = [name for name, parameter in model.named_parameters() if parameter.device.type == "meta"]
    if offloaded:
        raise ModelError(
            f"{source} does not fit on the devices of the device map: {len(offloaded)} weights (e.g. {offloaded[0]}) "
            "were offloaded to the CPU RAM or disk, where hedonic cannot read them",
            hint="use more or larger GPUs (torch.cuda.device_count()), a smaller dtype such as bfloat16, or a device map "
            "that places every module on a GPU",
        )


@contextmanager
def _quiet_missing_head(quiet: bool) -> Iterator[None]:
    """Silence transformers' report of the missing head while loading, when the adapter supplies it."""
    from transformers.utils import logging as transformers_logging

    if not quiet:
        yield
        return
    level = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(level)


def _resolve_source(name_or_path: str | Path) -> str:
    text = str(name_or_path)
    path = Path(text).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists():
        raise ModelError(f"{path} is a file, not a model folder", hint="pass the folder holding config.json")
    looks_local = isinstance(name_or_path, Path) or text.startswith((".", "/", "~")) or text.count("/") > 1
    if looks_local:
        raise ModelError(
            f"model folder {path} does not exist",
            hint="check the path, or pass a hub id such as 'org/name'",
        )
    return text


def _resolve_adapter(adapter: str | Path) -> Path:
    path = Path(adapter).expanduser()
    if not path.is_dir():
        raise ModelError(f"adapter folder {path} does not exist", hint="pass the folder saved by peft's save_pretrained")
    if not (path / "adapter_config.json").is_file():
        raise ModelError(
            f"{path} is not a peft adapter folder (no adapter_config.json)",
            hint="pass the folder saved by peft's save_pretrained",
        )
    return path


def _adapter_modules_to_save(adapter_dir: Path | None) -> set[str]:
    if adapter_dir is None:
        return set()
    try:
        config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{adapter_dir}/adapter_config.json is not valid JSON ({exc})", hint="re-save the adapter") from exc
    return set(config.get("modules_to_save") or ())


def _load_tokenizer(source: str, trust_remote_code: bool) -> Any | None:
    from transformers import AutoTokenizer

    local = Path(source)
    if local.is_dir() and not any(
        (local / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json")
    ):
        return None
    try:
        return AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError):
        return None


def _merge_adapter(model: Any, adapter_dir: Path, family: Family) -> tuple[Any, dict[LoraKey, LoraFactors]]:
    from peft import PeftModel

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            peft_model = PeftModel.from_pretrained(model, str(adapter_dir))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelError(
            f"cannot apply the adapter in {adapter_dir} ({exc})",
            hint="check that the adapter was trained on this base model",
        ) from exc
    factors = extract_lora_factors(peft_model.get_base_model(), family)
    if not factors:
        raise ModelError(
            f"the adapter in {adapter_dir} holds no LoRA module of this model",
            hint="pass a LoRA adapter (peft LoraConfig) trained on this base model",
        )
    return peft_model.merge_and_unload(), factors


def _ensure_pad_token(config: Any, tokenizer: Any | None) -> None:
    """Give a decoder a pad token (eos when it has none) and make config and tokenizer agree.

    The model pools its logit at the last token whose id differs from ``config.pad_token_id``.
    """
    if tokenizer is not None:
        if tokenizer.pad_token is None and tokenizer.eos_token is not None:
            tokenizer.pad_token = tokenizer.eos_token
        if tokenizer.pad_token_id is not None:
            config.pad_token_id = tokenizer.pad_token_id
            return
    if config.pad_token_id is None:
        eos = config.eos_token_id
        config.pad_token_id = eos[0] if isinstance(eos, (list, tuple)) else eos
