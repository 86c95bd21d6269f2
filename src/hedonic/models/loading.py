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
    head_seed: int = 0,
    device_map: str | dict[str, Any] | None = None,
) -> ModelAdapter:
    """Load ``AutoModelForSequenceClassification`` (+ tokenizer if present) as a :class:`ModelAdapter`.

    ``device``: where the whole model goes; ``"auto"`` stands for ``device_map="auto"``.
    ``device_map``: a model too large for one device is spread over several by accelerate
    (``"auto"``, ``"balanced"`` or a dict module name → device, as transformers takes it); each
    layer's states then stay on that layer's device (:meth:`ModelAdapter.layer_device`). Every
    weight must land on a device: a map that offloads to the CPU RAM or disk is refused.

    ``name_or_path``: a local folder saved with ``save_pretrained`` or a hub id. The config is read
    first (:func:`read_model_config`) so that unsupported families and heads with more than one
    logit fail before any weight is loaded. A checkpoint without head weights (no ``score.weight``)
    is refused unless ``allow_new_head=True``, which builds a one-logit head (also for a
    checkpoint whose head has more logits, or a bare encoder whose adapter trains the head via
    ``modules_to_save``), initialised from ``head_seed``: N(0, initializer_range²) weights, zero
    bias, so that equal seeds give equal models; :attr:`ModelAdapter.notes` says so.
    ``adapter``: a peft LoRA folder; its factors are kept (:attr:`ModelAdapter.lora_deltas`)
    and it is merged into the weights. Decoders without a pad token get pad = eos. Only
    safetensors weights are loaded, never pickles (:func:`check_weight_files`).
    Raises :class:`ModelError` for missing paths, pickled weights, unsupported families and wrong heads.
    """
    from transformers import AutoModelForSequenceClassification

    source = _resolve_source(name_or_path)
    adapter_dir = None if adapter is None else resolve_adapter(adapter)
    config = read_model_config(source, trust_remote_code=trust_remote_code)
    family = family_for(config.model_type)
    check_weight_files(source)
    head_modules = _adapter_modules_to_save(adapter_dir)
    new_head = check_head_config(source, config, allow_new_head)
    extra: dict[str, Any] = {"num_labels": 1, "ignore_mismatched_sizes": True} if new_head else {}
    placement = _placement(device, device_map)
    try:
        with _quiet_loading():
            model, info = AutoModelForSequenceClassification.from_pretrained(
                source,
                dtype=dtype,
                trust_remote_code=trust_remote_code,
                output_loading_info=True,
                use_safetensors=True,
                **extra,
                **placement,
            )
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"cannot load model weights from {source!r} ({exc})",
            hint="check that the folder holds the weights as safetensors (model.safetensors) next to config.json; "
            "hedonic never loads pickled weights (pytorch_model.bin)",
        ) from exc
    notes = _check_head(source, model, family, info, allow_new_head, new_head, family.head in head_modules, head_seed)
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
    return ModelAdapter(model.eval(), tokenizer, factors, notes=notes)


def read_model_config(name_or_path: str | Path, *, trust_remote_code: bool = False) -> Any:
    """The transformers config of a model folder or hub id (no weights are read).

    The raw ``model_type`` is checked against hedonic's families first, so an unsupported one gets
    the list of supported families (:func:`~hedonic.models.families.family_for`) rather than
    transformers' advice to upgrade. Raises :class:`ModelError`.
    """
    from transformers import AutoConfig, PretrainedConfig

    source = _resolve_source(name_or_path)
    hint = "pass a folder saved with save_pretrained (it holds config.json) or a reachable hub id"
    try:
        raw, _ = PretrainedConfig.get_config_dict(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read a model config from {source!r} ({exc})", hint=hint) from exc
    if not raw.get("model_type"):
        raise ModelError(f"cannot read a model config from {source!r} (no config.json with a model_type)", hint=hint)
    family_for(str(raw["model_type"]))
    try:
        return AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read a model config from {source!r} ({exc})", hint=hint) from exc


PICKLED_WEIGHTS = ("*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl", "*.pickle")
"""Weight files in Python's pickle format, which hedonic never loads: unpickling runs whatever code the file holds."""


def check_weight_files(source: str | Path, stem: str = "model") -> None:
    """Refuse a local model (``stem = "model"``) or adapter (``"adapter_model"``) folder whose weights are not safetensors.

    Only the file names are read. A folder with ``{stem}*.safetensors`` passes (only those are
    loaded); one whose weights are pickled (:data:`PICKLED_WEIGHTS`, e.g. ``pytorch_model.bin``) is
    refused naming the file, and so is one with no weights at all. A hub id (not a local folder)
    is left to the loader, which is asked for safetensors only. Raises :class:`ModelError`.
    """
    folder = Path(source)
    if not folder.is_dir() or any(folder.glob(f"{stem}*.safetensors")):
        return
    pickled = sorted(path for pattern in PICKLED_WEIGHTS for path in folder.glob(pattern))
    if pickled:
        raise ModelError(
            f"{pickled[0]}: the weights are a pickle, and hedonic never loads pickles (unpickling a file runs any code it holds)",
            hint="convert them to safetensors where you trust the file (save_pretrained writes "
            f"{stem}.safetensors), or use a checkpoint published as safetensors",
        )
    raise ModelError(
        f"{folder} holds no weights ({stem}.safetensors)",
        hint=f"save the weights with save_pretrained next to its {'adapter_' if stem != 'model' else ''}config.json",
    )


def check_head_config(source: str | Path, config: Any, allow_new_head: bool) -> bool:
    """Whether the model's head must be replaced by a new one-logit head (its config has ``num_labels != 1``).

    Only the config is read. Raises :class:`ModelError` for such a head unless ``allow_new_head``.
    """
    new_head = int(config.num_labels) != 1
    if new_head and not allow_new_head:
        raise ModelError(
            f"{source}: the model has a {config.num_labels}-logit head; hedonic needs a one-logit head",
            hint="fine-tune a reranker with num_labels=1, or set allow_new_head = true ([model] section; "
            "--allow-new-head) together with an adapter that trains the head (peft modules_to_save)",
        )
    return new_head


def _check_head(
    source: str, model: Any, family: Family, info: dict[str, Any], allowed: bool, new_head: bool, from_adapter: bool, seed: int
) -> tuple[str, ...]:
    """Refuse missing weights (the head's unless ``allowed``); seed a head that is new. Returns the notes
    (none when the adapter supplies the head: the seeded one is replaced).

    A checkpoint without the weights of its head (or BERT pooler) would score with a random head,
    one without other weights would be a random network: transformers only logs either.
    """
    parameters = {name for name, _ in model.named_parameters()}
    missing = sorted(key for key in info.get("missing_keys", ()) if key in parameters)
    parts = {name: [key for key in missing if key.startswith(f"{name}.")] for name in (family.head, family.pooler) if name}
    head_keys = [key for keys in parts.values() for key in keys]
    others = sorted(set(missing) - set(head_keys))
    if others:
        raise ModelError(
            f"{source}: the checkpoint has no weights for {len(others)} parameter(s) of the model (e.g. {others[0]})",
            hint="the checkpoint is incomplete or of another architecture; re-save the model with save_pretrained",
        )
    if head_keys and not allowed:
        raise ModelError(
            f"{source}: the checkpoint has no weights for {', '.join(head_keys)}: its head would be random",
            hint="load a fine-tuned reranker checkpoint that holds its head, or set allow_new_head = true "
            "([model] section; --allow-new-head) to build a seeded head, e.g. for an adapter that trains it",
        )
    if not (head_keys or new_head):
        return ()
    for name in sorted({family.head, *(name for name, keys in parts.items() if keys)}):
        _seed_module(model.get_submodule(name), seed, float(getattr(model.config, "initializer_range", 0.02)))
    if from_adapter:
        return ()
    note = f"new one-logit head {family.head!r} initialised from seed {seed}: the checkpoint has none and no adapter trains it"
    warnings.warn(f"{source}: {note} (randomly initialised: its logits are meaningless until trained)", stacklevel=3)
    return (note,)


def _seed_module(module: Any, seed: int, std: float) -> None:
    """Initialise ``module``'s parameters from ``seed``: N(0, std²) weights, zero biases, in name order."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in sorted(module.named_parameters()):
            values = torch.zeros(parameter.shape) if name.endswith("bias") else torch.randn(parameter.shape, generator=generator) * std
            parameter.copy_(values.to(parameter.dtype))


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
def _quiet_loading() -> Iterator[None]:
    """Silence transformers' load report (missing weights are checked and reported by :func:`_check_head`)."""
    from transformers.utils import logging as transformers_logging

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


def resolve_adapter(adapter: str | Path) -> Path:
    """The peft adapter folder ``adapter``, checked without loading it: it exists, holds
    ``adapter_config.json``, and its weights are safetensors (:func:`check_weight_files`).

    Raises :class:`ModelError`.
    """
    path = Path(adapter).expanduser()
    if not path.is_dir():
        raise ModelError(f"adapter folder {path} does not exist", hint="pass the folder saved by peft's save_pretrained")
    if not (path / "adapter_config.json").is_file():
        raise ModelError(
            f"{path} is not a peft adapter folder (no adapter_config.json)",
            hint="pass the folder saved by peft's save_pretrained",
        )
    check_weight_files(path, "adapter_model")
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
