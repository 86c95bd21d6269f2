"""``hedonic.testing``: tiny randomly initialised one-logit models of every supported family, for tests and examples.

Everything here is built offline and deterministically from a seed: configs, weights, a
word-level tokenizer, LoRA adapters with known non-zero factors, and folders saved with
``save_pretrained`` so that :func:`hedonic.models.load_model` can be exercised from disk.
"""

from __future__ import annotations

import copy
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from hedonic.errors import ModelError
from hedonic.models.adapter import ModelAdapter
from hedonic.models.attributes import attribute, model_config, tensor
from hedonic.models.families import Family, family_for
from hedonic.models.lora_delta import extract_lora_factors

if TYPE_CHECKING:
    from transformers import PreTrainedModel

TINY_FAMILIES = ("llama", "mistral", "gpt_neox", "bert", "gpt2")
"""Family names :func:`tiny_model` can build."""

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[EOS]")
_WORDS = (
    "the a an of to in is on for and or not with by from as at be it this that "
    "query document text passage search result rank model neuron layer python code data file list "
    "set dict string number value error type function class method return import loop test true "
    "false none open read write"
).split()
TINY_VOCAB: tuple[str, ...] = SPECIAL_TOKENS + tuple(_WORDS)
"""The tiny tokenizer's vocabulary: ids 0..4 are special ([PAD] = 0), words follow."""
PAD_ID, UNK_ID, CLS_ID, SEP_ID, EOS_ID = range(5)


def tiny_tokenizer(family: str) -> Any:
    """A word-level ``PreTrainedTokenizerFast`` over :data:`TINY_VOCAB` (lower-cased, whitespace split).

    BERT gets ``[CLS] a [SEP] b [SEP]`` framing with token type ids; decoders get ``a [SEP] b``,
    with [EOS] as eos and [PAD] as pad. Unknown words map to [UNK].
    """
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    is_bert = family_for(_model_type(family)).name == "bert"
    vocab = {token: index for index, token in enumerate(TINY_VOCAB)}
    backend = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    if is_bert:
        backend.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", CLS_ID), ("[SEP]", SEP_ID)],
        )
    else:
        backend.post_processor = processors.TemplateProcessing(single="$A", pair="$A [SEP] $B:1", special_tokens=[("[SEP]", SEP_ID)])
    specials: dict[str, Any] = {"pad_token": "[PAD]", "unk_token": "[UNK]"}
    if is_bert:
        specials |= {"cls_token": "[CLS]", "sep_token": "[SEP]"}
    else:
        specials |= {"eos_token": "[EOS]", "bos_token": "[CLS]", "sep_token": "[SEP]"}
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"] if is_bert else ["input_ids", "attention_mask"],
        **specials,
    )


def _model_type(family: str) -> str:
    if family not in TINY_FAMILIES:
        raise ModelError(
            f"no tiny model for family {family!r}",
            hint=f"pick one of {', '.join(TINY_FAMILIES)}",
        )
    return family


def tiny_config(
    family: str,
    *,
    layers: int = 2,
    hidden: int = 16,
    intermediate: int = 32,
    heads: int = 2,
    vocab_size: int = 64,
    max_positions: int = 64,
    init_std: float = 0.2,
    num_labels: int = 1,
) -> Any:
    """A transformers config for a tiny ``family`` model (one logit, pad id 0, no dropout)."""
    from transformers import BertConfig, GPT2Config, GPTNeoXConfig, LlamaConfig, MistralConfig

    _model_type(family)
    if vocab_size < len(TINY_VOCAB):
        raise ModelError(f"vocab_size must be at least {len(TINY_VOCAB)}", hint="increase vocab_size")
    common: dict[str, Any] = {
        "vocab_size": vocab_size,
        "num_labels": num_labels,
        "pad_token_id": PAD_ID,
        "initializer_range": init_std,
    }
    decoder_ids: dict[str, Any] = {"bos_token_id": CLS_ID, "eos_token_id": EOS_ID}
    if family in ("llama", "mistral"):
        config_class = LlamaConfig if family == "llama" else MistralConfig
        return config_class(
            hidden_size=hidden,
            intermediate_size=intermediate,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            num_key_value_heads=heads,
            max_position_embeddings=max_positions,
            tie_word_embeddings=False,
            **decoder_ids,
            **common,
        )
    if family == "gpt_neox":
        return GPTNeoXConfig(
            hidden_size=hidden,
            intermediate_size=intermediate,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            max_position_embeddings=max_positions,
            hidden_dropout=0.0,
            attention_dropout=0.0,
            tie_word_embeddings=False,
            **decoder_ids,
            **common,
        )
    if family == "bert":
        return BertConfig(
            hidden_size=hidden,
            intermediate_size=intermediate,
            num_hidden_layers=layers,
            num_attention_heads=heads,
            max_position_embeddings=max_positions,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
            **common,
        )
    return GPT2Config(
        n_embd=hidden,
        n_inner=intermediate,
        n_layer=layers,
        n_head=heads,
        n_positions=max_positions,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        **decoder_ids,
        **common,
    )


def tiny_model(
    family: str,
    *,
    seed: int = 0,
    layers: int = 2,
    hidden: int = 16,
    intermediate: int = 32,
    heads: int = 2,
    vocab_size: int = 64,
    init_std: float = 0.2,
    dtype: torch.dtype = torch.float32,
) -> ModelAdapter:
    """A randomly initialised one-logit ``family`` model in eval mode, with a tiny tokenizer.

    ``family``: one of :data:`TINY_FAMILIES`. Weights are N(0, ``init_std``); norm weights are
    1 + N(0, 0.1) and all biases N(0, 0.1), so that norms and biases matter in tests. The global
    torch RNG is left untouched. BERT models include the pooler.
    """
    config = tiny_config(
        family, layers=layers, hidden=hidden, intermediate=intermediate, heads=heads, vocab_size=vocab_size, init_std=init_std
    )
    model: nn.Module = _build(config, seed)  # nn.Module.to: transformers' wrapped `to` confuses type checkers
    return ModelAdapter(model.to(dtype), tiny_tokenizer(family))


def _build(config: Any, seed: int) -> PreTrainedModel:
    from transformers import AutoModelForSequenceClassification

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_config(config)
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if parameter.ndim == 1 and name.endswith("weight"):
                    parameter.normal_(1.0, 0.1)
                elif parameter.ndim == 1:
                    parameter.normal_(0.0, 0.1)
    return model.eval()


def _lora_target_regex(family: Family, layers: list[int] | None) -> str:
    paths = [path for _, path in family.in_projs] + [family.out_proj]
    layer_pattern = r"\d+" if layers is None else "|".join(str(layer) for layer in layers)
    return rf"{re.escape(family.layers)}\.({layer_pattern})\.({'|'.join(re.escape(p) for p in paths)})"


def attach_tiny_lora(
    model: nn.Module,
    *,
    seed: int = 0,
    rank: int = 2,
    alpha: float = 4.0,
    use_rslora: bool = False,
    layers: list[int] | None = None,
    train_head: bool = False,
    scale: float = 0.2,
) -> Any:
    """Wrap ``model`` in a peft LoRA on its MLP modules, with known non-zero factors.

    A and B are drawn N(0, ``scale``²) from ``seed`` (peft starts B at zero, which would make
    ΔW = 0). ``layers`` restricts the adapter to those blocks (default: all). ``train_head``
    puts the head in ``modules_to_save`` and perturbs its copy. Modifies ``model`` in place and
    returns the ``PeftModel``.
    """
    from peft import LoraConfig, get_peft_model
    from peft.tuners.lora import LoraLayer

    family = family_for(model_config(model).model_type)
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,  # type: ignore[arg-type]  # peft annotates int; its scaling alpha / r takes any number
        lora_dropout=0.0,
        use_rslora=use_rslora,
        target_modules=_lora_target_regex(family, layers),
        fan_in_fan_out=family.transposed,
        modules_to_save=[family.head] if train_head else None,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        peft_model = get_peft_model(model, config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, module in sorted(peft_model.named_modules(), key=lambda item: item[0]):
            if isinstance(module, LoraLayer):
                for factor in (tensor(module.lora_A["default"], "weight"), tensor(module.lora_B["default"], "weight")):
                    factor.copy_(scale * torch.randn(factor.shape, generator=generator))
        if train_head:
            wrapper = peft_model.get_base_model().get_submodule(family.head)
            head_weight = tensor(attribute(wrapper, "modules_to_save", nn.ModuleDict)["default"], "weight")
            head_weight.add_(scale * torch.randn(head_weight.shape, generator=generator))
    return peft_model.eval()


def tiny_lora(
    adapter: ModelAdapter,
    *,
    seed: int = 0,
    rank: int = 2,
    alpha: float = 4.0,
    use_rslora: bool = False,
    lora_layers: list[int] | None = None,
) -> ModelAdapter:
    """A copy of ``adapter``'s model with a known LoRA (see :func:`attach_tiny_lora`) merged in.

    ``lora_layers`` restricts the adapter to those blocks (default: all).
    The returned adapter's :attr:`~ModelAdapter.lora_deltas` hold the update; ``adapter`` itself
    is unchanged, so base and fine-tuned models can be compared.
    """
    peft_model = attach_tiny_lora(
        copy.deepcopy(adapter.model), seed=seed, rank=rank, alpha=alpha, use_rslora=use_rslora, layers=lora_layers
    )
    factors = extract_lora_factors(peft_model.get_base_model(), adapter.family)
    return ModelAdapter(peft_model.merge_and_unload().eval(), adapter.tokenizer, factors)


@dataclass(frozen=True)
class TinyCheckpoint:
    """Folders written by :func:`save_tiny_checkpoint`; ``adapter_dir`` is None without adapter."""

    model_dir: Path
    adapter_dir: Path | None


def save_tiny_checkpoint(
    family: str,
    folder: str | Path,
    *,
    seed: int = 0,
    adapter: bool = True,
    rank: int = 2,
    alpha: float = 4.0,
    use_rslora: bool = False,
    lora_layers: list[int] | None = None,
    head_in_adapter: bool = False,
    **model_options: Any,
) -> TinyCheckpoint:
    """Save a tiny model (+ tokenizer) to ``folder/model`` and its LoRA to ``folder/adapter``.

    ``model_options`` go to :func:`tiny_config` (layers, hidden, intermediate, ...);
    ``lora_layers`` restricts the adapter to those blocks.
    ``head_in_adapter=True`` mimics a bare pretrained encoder/decoder: the model folder holds only
    the backbone with no one-logit head (load it with ``allow_new_head=True``), and the adapter
    trains the head through ``modules_to_save``.
    """
    folder = Path(folder)
    model_dir, adapter_dir = folder / "model", folder / "adapter"
    config = tiny_config(family, **model_options)
    model = _build(config, seed)
    tokenizer = tiny_tokenizer(family)
    if head_in_adapter:
        from transformers import PreTrainedModel

        backbone = attribute(model, "base_model", PreTrainedModel)
        backbone.config = copy.deepcopy(config)
        backbone.config.num_labels = 2
        backbone.save_pretrained(model_dir)
    else:
        model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    if not adapter:
        return TinyCheckpoint(model_dir, None)
    peft_model = attach_tiny_lora(
        model, seed=seed + 1, rank=rank, alpha=alpha, use_rslora=use_rslora, layers=lora_layers, train_head=head_in_adapter
    )
    peft_model.save_pretrained(adapter_dir)
    return TinyCheckpoint(model_dir, adapter_dir)
