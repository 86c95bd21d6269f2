"""Stage ``models``: load one-logit rerankers, address their MLP neurons, profile LoRA updates."""

from hedonic.models.adapter import HeadStage, ModelAdapter
from hedonic.models.batch import TokenBatch
from hedonic.models.demo import DEMO_NAME, DTYPES, demo_model_paths, load_demo_model, open_model
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
)
from hedonic.models.tiny import TINY_FAMILIES, TinyCheckpoint, save_tiny_checkpoint, tiny_lora, tiny_model

__all__ = [
    "DEMO_NAME",
    "DTYPES",
    "FAMILIES",
    "OUT_PROJ",
    "TINY_FAMILIES",
    "Family",
    "HeadStage",
    "LoraDeltas",
    "LoraFactors",
    "LoraKey",
    "LoraProfile",
    "ModelAdapter",
    "ModuleUpdate",
    "TinyCheckpoint",
    "TokenBatch",
    "demo_model_paths",
    "family_for",
    "load_demo_model",
    "load_lora_profile",
    "load_model",
    "lora_profile",
    "open_model",
    "save_lora_profile",
    "save_tiny_checkpoint",
    "select_layers",
    "supported_model_types",
    "tiny_lora",
    "tiny_model",
]
