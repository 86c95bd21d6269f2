"""Architecture-independent access to a one-logit reranker's MLPs, norms, head and LoRA update.

Conventions: layer ``l`` in 0..L-1 (negative indices count from the end), ``d`` the hidden size,
``n`` the MLP intermediate size, ``B`` batch, ``T`` sequence length. The neuron activation ``a``
of layer ``l`` is the input of its MLP output projection: after the nonlinearity and after the
gate product in gated MLPs, so that the MLP output is ``a @ w_out(l).T + b_out(l)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from hedonic.errors import ModelError
from hedonic.models.attributes import attribute, model_config, optional_tensor, tensor
from hedonic.models.batch import TokenBatch
from hedonic.models.families import OUT_PROJ, Family, family_for
from hedonic.models.lora_delta import LoraDeltas, LoraFactors, LoraKey


@dataclass(frozen=True)
class HeadStage:
    """One affine stage of the readout head: ``activation(x @ weight.T + bias)``.

    ``weight`` is (out, in); ``activation`` is ``"tanh"`` or None (identity).
    """

    weight: torch.Tensor
    bias: torch.Tensor | None
    activation: Literal["tanh"] | None


class ModelAdapter:
    """A loaded one-logit sequence-classification model, seen through its :class:`Family`.

    ``lora_factors`` (optional) holds the merged LoRA update per (layer, short module name); the
    model's weights are expected to already include it (merged). ``notes``: what loading changed
    that a run must report (e.g. a head built from a seed).
    """

    def __init__(
        self,
        model: nn.Module,
        tokenizer: Any | None = None,
        lora_factors: Mapping[LoraKey, LoraFactors] | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self._model = model
        self.notes = tuple(notes)
        self._tokenizer = tokenizer
        self._family = family_for(model_config(model).model_type)
        layers = model.get_submodule(self._family.layers)
        if not isinstance(layers, nn.ModuleList):
            raise ModelError(
                f"the model's blocks {self._family.layers!r} are a {type(layers).__name__}, not a ModuleList",
                hint="load a standard transformers model of a supported family",
            )
        self._layers = layers
        self._lora = LoraDeltas(lora_factors)
        head = model.get_submodule(self._family.head)
        if head.out_features != 1:
            raise ModelError(
                f"the model's head {self._family.head!r} has {head.out_features} outputs; hedonic needs a one-logit head",
                hint="fine-tune a reranker with num_labels=1 (or load with allow_new_head=True and an adapter that trains the head)",
            )

    # ------------------------------------------------------------------ properties
    @property
    def model(self) -> nn.Module:
        """The wrapped ``*ForSequenceClassification`` model (eval mode)."""
        return self._model

    @property
    def family(self) -> Family:
        """The architecture family the model belongs to."""
        return self._family

    @property
    def config(self) -> Any:
        """The model's transformers config."""
        return self._model.config

    @property
    def tokenizer(self) -> Any | None:
        """The tokenizer loaded with the model, or None."""
        return self._tokenizer

    @property
    def num_layers(self) -> int:
        """Number of transformer blocks L."""
        return len(self._layers)

    @property
    def hidden_size(self) -> int:
        """Hidden size d (width of the residual stream)."""
        return int(self.w_out(0).shape[0])

    @property
    def intermediate_size(self) -> int:
        """MLP intermediate size n (number of neurons per layer)."""
        return int(self.w_out(0).shape[1])

    @property
    def is_decoder(self) -> bool:
        """True for causal decoders (readout at the last token), False for encoders ([CLS])."""
        return self._family.decoder

    @property
    def lora_deltas(self) -> LoraDeltas:
        """(layer, short name) → ΔW (out_features, in_features) float32; empty without adapter."""
        return self._lora

    @property
    def lora_factors(self) -> dict[LoraKey, LoraFactors]:
        """The factored LoRA updates behind :attr:`lora_deltas`."""
        return self._lora.factors

    @property
    def device(self) -> torch.device:
        """Device the inputs go to: that of the model's first parameter (the embeddings).

        A model loaded with a device map spreads its layers over several devices: a layer's
        states and weights live on :meth:`layer_device`, the head on the last device.
        """
        return next(self._model.parameters()).device

    def layer_device(self, layer: int) -> torch.device:
        """Device of ``layer``'s MLP (its weights, activations and residual stream)."""
        return tensor(self.out_proj(layer), "weight").device

    # ------------------------------------------------------------------ modules
    def check_layer(self, layer: int) -> int:
        """Validate a layer index (negative counts from the end) and return it in 0..L-1."""
        count = self.num_layers
        if isinstance(layer, bool) or not isinstance(layer, int) or not -count <= layer < count:
            raise ModelError(
                f"layer {layer} out of range: model has {count} layers (valid 0..{count - 1})",
                hint=f"pass a layer index between 0 and {count - 1} (or -1 for the last)",
            )
        return layer % count

    def block(self, layer: int) -> nn.Module:
        """Transformer block ``layer``."""
        return self._layers[self.check_layer(layer)]

    def out_proj(self, layer: int) -> nn.Module:
        """MLP output projection of ``layer`` (n → d)."""
        return self.block(layer).get_submodule(self._family.out_proj)

    def in_projs(self, layer: int) -> dict[str, nn.Module]:
        """MLP input projections of ``layer`` (d → n) by short name (``gate``/``up`` or ``fc``)."""
        block = self.block(layer)
        return {name: block.get_submodule(path) for name, path in self._family.in_projs}

    def mlp_norm(self, layer: int) -> nn.Module:
        """The norm whose output feeds the MLP input projections of ``layer``."""
        return self.block(layer).get_submodule(self._family.mlp_norm)

    def mlp(self, layer: int) -> nn.Module:
        """The MLP module of ``layer``, whose first positional input (B, T, d) feeds its input projections."""
        return self.block(layer).get_submodule(self._family.mlp_module)

    def activation_site(self, layer: int) -> nn.Module:
        """Module whose forward input is the neuron activation a (B, T, n): the output projection."""
        return self.out_proj(layer)

    def residual_site(self, layer: int) -> tuple[nn.Module, Literal["input", "output"]]:
        """Where the residual stream (B, T, d) right after the MLP of ``layer`` (before any norm) is.

        Returns (module, port): the first positional input of ``module`` for ``"input"`` (read it
        with a forward pre-hook), its output (first element if a tuple) for ``"output"``.
        """
        block = self.block(layer)
        module = block.get_submodule(self._family.residual_module) if self._family.residual_module else block
        return module, self._family.residual_port

    def readout_norm(self, layer: int) -> nn.Module:
        """Norm applied to the residual stream after ``layer`` by the local readout.

        Decoders: the final norm (the same for every layer). BERT: the layer's own post-MLP
        LayerNorm, which plays the final norm's role.
        """
        layer = self.check_layer(layer)
        if self._family.final_norm is not None:
            return self._model.get_submodule(self._family.final_norm)
        assert self._family.layer_norm_after is not None  # every family names one of the two norms
        return self.block(layer).get_submodule(self._family.layer_norm_after)

    # ------------------------------------------------------------------ weights
    def _weight(self, module: nn.Module) -> torch.Tensor:
        weight = tensor(module, "weight").detach()
        return weight.T if self._family.transposed else weight

    def w_out(self, layer: int, *, base: bool = False) -> torch.Tensor:
        """Output projection weight (d, n): column i is neuron i's write direction d_i.

        A detached view of the parameter (do not modify in place). With ``base=True`` the pre-LoRA
        weight W − ΔW (float32, a new tensor; the current weight if the module has no LoRA).
        """
        weight = self._weight(self.out_proj(layer))
        return self._base(weight, (self.check_layer(layer), OUT_PROJ)) if base else weight

    def b_out(self, layer: int) -> torch.Tensor | None:
        """Output projection bias (d,), or None."""
        return _bias(self.out_proj(layer))

    def w_in(self, layer: int, *, base: bool = False) -> dict[str, torch.Tensor]:
        """Input projection weights by short name, each (n, d): row i is neuron i's read weights.

        Detached views; ``base=True`` gives the pre-LoRA weights as in :meth:`w_out`.
        """
        layer = self.check_layer(layer)
        weights = {name: self._weight(module) for name, module in self.in_projs(layer).items()}
        if base:
            return {name: self._base(weight, (layer, name)) for name, weight in weights.items()}
        return weights

    def b_in(self, layer: int) -> dict[str, torch.Tensor | None]:
        """Input projection biases by short name, each (n,) or None."""
        return {name: _bias(module) for name, module in self.in_projs(layer).items()}

    def _base(self, weight: torch.Tensor, key: LoraKey) -> torch.Tensor:
        merged = weight.to(torch.float32)
        if key not in self._lora:
            return merged.clone()
        return merged - self._lora[key].to(merged.device)

    # ------------------------------------------------------------------ readout
    def head_parts(self) -> list[HeadStage]:
        """The head as affine stages applied in order; the last has weight (1, d).

        Decoders: ``[score]``. BERT: ``[pooler dense + tanh, classifier]``. Dropout is omitted
        (eval mode).
        """
        stages = []
        if self._family.pooler is not None:
            pooler = self._model.get_submodule(self._family.pooler)
            if not isinstance(pooler.activation, nn.Tanh):
                raise ModelError(
                    f"unexpected pooler activation {type(pooler.activation).__name__}; expected Tanh",
                    hint="use a standard BERT pooler",
                )
            stages.append(HeadStage(*_affine(attribute(pooler, "dense", nn.Module)), "tanh"))
        stages.append(HeadStage(*_affine(self._model.get_submodule(self._family.head)), None))
        return stages

    def readout_head(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """Map normed hidden states (..., d) at the readout token to the logit (...)."""
        pooler = None if self._family.pooler is None else self._model.get_submodule(self._family.pooler)
        pooled = None if pooler is None else (attribute(pooler, "dense", nn.Module), attribute(pooler, "activation", nn.Module))
        head = self._model.get_submodule(self._family.head)

        def apply(hidden: torch.Tensor) -> torch.Tensor:
            if pooled is not None:
                dense, activation = pooled
                hidden = activation(dense(hidden))
            return head(hidden).squeeze(-1)

        return apply

    def local_readout(self, layer: int) -> Callable[[torch.Tensor], torch.Tensor]:
        """head(readout_norm(h)): residual stream (..., d) after ``layer`` → logit (...)."""
        norm = self.readout_norm(layer)
        head = self.readout_head()
        return lambda hidden: head(norm(hidden))

    def linear_readout(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """The head's affine stages composed without norm and without tanh: (..., d) → (...).

        Exactly affine in the residual stream, so ablation effects through it are additive and
        every pairwise synergy is zero: the readout of the paper's published evaluation, kept as a
        control (spec §6).
        """
        weight = torch.eye(self.hidden_size, dtype=torch.float64)
        bias = torch.zeros(self.hidden_size, dtype=torch.float64)
        for stage in self.head_parts():
            stage_weight = stage.weight.to("cpu", torch.float64)
            bias = stage_weight @ bias + (0 if stage.bias is None else stage.bias.to("cpu", torch.float64))
            weight = stage_weight @ weight
        return lambda hidden: hidden @ weight[0].to(hidden.device, hidden.dtype) + bias[0].to(hidden.device, hidden.dtype)

    def readout_positions(self, attention_mask: torch.Tensor) -> torch.Tensor:
        """Index of the readout token per row (B,) from an attention mask (B, T).

        Decoders: the last position whose mask is 1 (left and right padding alike). Encoders: 0
        ([CLS]).
        """
        if attention_mask.ndim != 2:
            raise ModelError(
                f"attention_mask must be (batch, tokens), got shape {tuple(attention_mask.shape)}",
                hint="pass the tokenizer's 2-D attention mask",
            )
        if not self.is_decoder:
            return torch.zeros(attention_mask.shape[0], dtype=torch.long, device=attention_mask.device)
        positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
        return (positions * (attention_mask != 0)).argmax(dim=1)

    # ------------------------------------------------------------------ forward
    def encode(self, queries: Sequence[str], texts: Sequence[str], max_length: int = 256) -> TokenBatch:
        """Tokenise query-document pairs into one padded :class:`TokenBatch` (on the CPU).

        Pairs longer than ``max_length`` tokens are truncated (longest part first). Raises
        :class:`ModelError` when the model was loaded without a tokenizer.
        """
        if self._tokenizer is None:
            raise ModelError(
                "the model has no tokenizer",
                hint="save the tokenizer next to the model (tokenizer.save_pretrained) or pass one to ModelAdapter",
            )
        if len(queries) != len(texts):
            raise ModelError(f"{len(queries)} queries but {len(texts)} texts", hint="pass one text per query")
        encoded = self._tokenizer(
            list(queries),
            list(texts),
            padding=True,
            truncation="longest_first",
            max_length=max_length,
            return_tensors="pt",
            return_token_type_ids=not self.is_decoder,
        )
        return TokenBatch(encoded["input_ids"], encoded["attention_mask"], encoded.get("token_type_ids"))

    def logits(self, batch: TokenBatch) -> torch.Tensor:
        """The model's own output logit (B,) for a token batch, without gradients."""
        with torch.no_grad():
            output = self._model(**batch.to(self.device).model_kwargs())
        return output.logits.squeeze(-1)

    def neuron_activations(self, batch: TokenBatch, layers: Iterable[int]) -> dict[int, torch.Tensor]:
        """Neuron activations a (B, T, n) of each requested layer from one forward pass.

        Keys are the normalised layer indices; values are detached, in the model's dtype.
        """
        captured: dict[int, torch.Tensor] = {}
        handles = []
        for layer in {self.check_layer(layer) for layer in layers}:

            def capture(_module: nn.Module, args: tuple[Any, ...], layer: int = layer) -> None:
                captured[layer] = args[0].detach()

            handles.append(self.activation_site(layer).register_forward_pre_hook(capture))
        try:
            self.logits(batch)
        finally:
            for handle in handles:
                handle.remove()
        return dict(sorted(captured.items()))


def _affine(module: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
    return tensor(module, "weight").detach(), _bias(module)


def _bias(module: nn.Module) -> torch.Tensor | None:
    bias = optional_tensor(module, "bias")
    return None if bias is None else bias.detach()
