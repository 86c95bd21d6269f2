"""Declarative table of supported model families, keyed by ``config.model_type``.

Each :class:`Family` names, as attribute paths, where the parts that hedonic reads live in a
one-logit sequence-classification model (``*ForSequenceClassification``): the list of blocks, the
MLP input and output projections of a block, the norm that feeds the MLP, the norm before the
head, and the head. Paths were checked against the module names of transformers 5.24.

Path conventions: ``layers``, ``final_norm``, ``head`` and ``pooler`` are relative to the task
model; ``in_projs``, ``out_proj``, ``mlp_norm``, ``layer_norm_after`` and ``residual_module`` are
relative to one block (``""`` is the block itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hedonic.errors import ModelError

OUT_PROJ = "out"
"""Short name of the MLP output projection in LoRA keys (``(layer, "out")``)."""


@dataclass(frozen=True)
class Family:
    """Where the MLP, norms and head of one architecture family live (see the module docstring).

    ``in_projs`` holds (short name, block-relative path) pairs, e.g. ``(("gate", "mlp.gate_proj"),
    ("up", "mlp.up_proj"))``; ``transposed`` is True when projection weights are stored
    (in_features, out_features) (GPT-2 ``Conv1D``).
    """

    name: str
    model_types: tuple[str, ...]
    decoder: bool
    layers: str
    in_projs: tuple[tuple[str, str], ...]
    out_proj: str
    mlp_norm: str
    final_norm: str | None
    layer_norm_after: str | None
    head: str
    pooler: str | None
    transposed: bool
    residual_module: str
    residual_port: Literal["input", "output"]

    @property
    def in_proj_paths(self) -> dict[str, str]:
        """Short name → block-relative path of each MLP input projection."""
        return dict(self.in_projs)

    @property
    def mlp_module(self) -> str:
        """Block-relative path of the module whose input is the MLP's input (the parent of the input projections)."""
        return self.in_projs[0][1].rpartition(".")[0]

    def module_key(self, path: str) -> tuple[int, str] | None:
        """Map a task-model module path to ``(layer, short name)``, or None outside the blocks.

        MLP projections get their short names (``"gate"``, ``"up"``, ``"fc"``, and ``"out"`` for
        the output projection); other modules of a block keep their block-relative path
        (e.g. ``"self_attn.q_proj"``).
        """
        prefix = self.layers + "."
        if not path.startswith(prefix):
            return None
        index, _, relative = path[len(prefix) :].partition(".")
        if not index.isdigit() or not relative:
            return None
        short = {p: s for s, p in self.in_projs}.get(relative)
        if short is None:
            short = OUT_PROJ if relative == self.out_proj else relative
        return int(index), short

    def mlp_module_names(self) -> tuple[str, ...]:
        """Short names of the MLP modules: the input projections, then ``"out"``."""
        return (*(s for s, _ in self.in_projs), OUT_PROJ)


_LLAMA_LIKE = dict(
    decoder=True,
    layers="model.layers",
    in_projs=(("gate", "mlp.gate_proj"), ("up", "mlp.up_proj")),
    out_proj="mlp.down_proj",
    mlp_norm="post_attention_layernorm",
    final_norm="model.norm",
    layer_norm_after=None,
    head="score",
    pooler=None,
    transposed=False,
    residual_module="",
    residual_port="output",
)

FAMILIES: tuple[Family, ...] = (
    Family(name="llama", model_types=("llama",), **_LLAMA_LIKE),  # type: ignore[arg-type]
    Family(name="mistral", model_types=("mistral",), **_LLAMA_LIKE),  # type: ignore[arg-type]
    Family(
        name="gpt_neox",
        model_types=("gpt_neox",),
        decoder=True,
        layers="gpt_neox.layers",
        in_projs=(("fc", "mlp.dense_h_to_4h"),),
        out_proj="mlp.dense_4h_to_h",
        mlp_norm="post_attention_layernorm",
        final_norm="gpt_neox.final_layer_norm",
        layer_norm_after=None,
        head="score",
        pooler=None,
        transposed=False,
        residual_module="",
        residual_port="output",
    ),
    Family(
        name="bert",
        model_types=("bert",),
        decoder=False,
        layers="bert.encoder.layer",
        in_projs=(("fc", "intermediate.dense"),),
        out_proj="output.dense",
        mlp_norm="attention.output.LayerNorm",
        final_norm=None,
        layer_norm_after="output.LayerNorm",
        head="classifier",
        pooler="bert.pooler",
        transposed=False,
        residual_module="output.LayerNorm",
        residual_port="input",
    ),
    Family(
        name="gpt2",
        model_types=("gpt2",),
        decoder=True,
        layers="transformer.h",
        in_projs=(("fc", "mlp.c_fc"),),
        out_proj="mlp.c_proj",
        mlp_norm="ln_2",
        final_norm="transformer.ln_f",
        layer_norm_after=None,
        head="score",
        pooler=None,
        transposed=True,
        residual_module="",
        residual_port="output",
    ),
)


def supported_model_types() -> list[str]:
    """All ``config.model_type`` values hedonic supports, sorted."""
    return sorted(t for family in FAMILIES for t in family.model_types)


def family_for(model_type: str) -> Family:
    """The :class:`Family` of a ``config.model_type``; :class:`ModelError` if unsupported."""
    for family in FAMILIES:
        if model_type in family.model_types:
            return family
    raise ModelError(
        f"model type {model_type!r} is not supported; supported families: LLaMA (llama), Mistral "
        "(mistral), GPT-NeoX/Pythia (gpt_neox), BERT-style encoders (bert), GPT-2 (gpt2)",
        hint="convert the model to one of these architectures or pick a supported model; "
        f"accepted config.model_type values: {', '.join(supported_model_types())}",
    )
