"""Stage ``models``: load one-logit rerankers, address their MLP neurons, profile LoRA updates."""

from hedonic.models.adapter import HeadStage, ModelAdapter
from hedonic.models.batch import TokenBatch
from hedonic.models.demo import DEMO_NAME, demo_model_paths, load_demo_model
from hedonic.models.families import FAMILIES, OUT_PROJ, Family, family_for, supported_model_types
from hedonic.models.loading import load_model
from hedonic.models.lora_delta import LoraDeltas, LoraFactors, LoraKey
from hedonic.models.lora_profile import (
    LoraProfile,
    ModuleUpdate,
    load_lora_profile,
    lora_profile,
    save_lora_profile,
    select_layers,
    select_window,
)
from hedonic.models.registry import (
    DTYPES,
    NAMED_MODELS,
    TASK_FEATURES,
    TASKS,
    NamedModel,
    model_names,
    named_adapter,
    named_base,
    named_model_paths,
    open_model,
    resolve_named,
)

__all__ = [
    "DEMO_NAME",
    "DTYPES",
    "FAMILIES",
    "NAMED_MODELS",
    "OUT_PROJ",
    "TASKS",
    "TASK_FEATURES",
    "Family",
    "HeadStage",
    "LoraDeltas",
    "LoraFactors",
    "LoraKey",
    "LoraProfile",
    "ModelAdapter",
    "ModuleUpdate",
    "NamedModel",
    "TokenBatch",
    "demo_model_paths",
    "family_for",
    "load_demo_model",
    "load_lora_profile",
    "load_model",
    "lora_profile",
    "model_names",
    "named_adapter",
    "named_base",
    "named_model_paths",
    "open_model",
    "resolve_named",
    "save_lora_profile",
    "select_layers",
    "select_window",
    "supported_model_types",
]
