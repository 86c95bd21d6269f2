"""Why SmolLM2's pairs are framed passage first: what the untuned decoder's readout state knows.

The untuned SmolLM2-135M (``hedonic.models.smollm2``, no adapter) reads ``--train`` and ``--test``
balanced demo pairs (train and held-out split: per query its source passage and one negative),
framed either way: ``query first`` (``<|im_start|> query <|im_end|> <|im_start|> passage <|im_end|>``)
or ``passage first`` (the shipped framing). For each framing and for the residual stream after
``--layers`` (and after the final norm, the state the score head reads) at the readout token, a
logistic regression (features standardised, C = 0.1) is fitted on the train pairs' relevance labels
and a ridge regression (α by leave-one-out) on their CQTR; printed: held-out accuracy (decision
value > 0), pairwise accuracy (relevant above its negative) and CQTR R². In a causal decoder a
token sees only what precedes it, so with the query first the readout token's state can mix the
passage into the query only through the passage's own tokens.

Run: ``.venv/bin/python benchmarks/smollm2_framing.py [--train 240 --test 96 --layers 10,15,20]``
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hedonic.data import build_demo_corpus, ir_features
from hedonic.models import ModelAdapter, load_model
from hedonic.models.smollm2 import SMOLLM2, smollm2_base

QUERY_FIRST = "<|im_start|>:0 $A:0 <|im_end|>:0 <|im_start|>:1 $B:1 <|im_end|>:1"


def readout_states(adapter: ModelAdapter, pairs: list, layers: list[int], batch_size: int = 16) -> np.ndarray:
    """Residual states at the readout token (pairs, len(layers) + 1, d): after each layer, then after the final norm."""
    chunks = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        batch = adapter.encode([p.query for p in chunk], [p.text for p in chunk], 128)
        with torch.no_grad():
            hidden = adapter.model(**batch.model_kwargs(), output_hidden_states=True).hidden_states
        rows = torch.arange(len(chunk))
        positions = adapter.readout_positions(batch.attention_mask)
        chunks.append(torch.stack([hidden[layer + 1][rows, positions] for layer in layers] + [hidden[-1][rows, positions]], 1))
    return torch.cat(chunks).numpy()


def probe_scores(train: np.ndarray, test: np.ndarray, train_pairs: list, test_pairs: list) -> dict[str, float]:
    """Held-out accuracy and pairwise accuracy of a relevance probe, and R² of a CQTR probe."""
    labels = np.array([p.label for p in train_pairs])
    truth = np.array([p.label for p in test_pairs])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(train, labels)
    decision = classifier.decision_function(test)
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 4, 12))).fit(train, ir_features(train_pairs).cqtr)
    return {
        "accuracy": float(np.mean((decision > 0) == (truth == 1.0))),
        "pairwise": float(np.mean(decision[0::2] > decision[1::2])),
        "cqtr_r2": float(ridge.score(test, ir_features(test_pairs).cqtr)),
    }


def main() -> None:
    """Print the probe scores of both framings, layer by layer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=240)
    parser.add_argument("--test", type=int, default=96)
    parser.add_argument("--layers", default="10,15,20")
    args = parser.parse_args()
    layers = [int(x) for x in args.layers.split(",")]
    corpus = build_demo_corpus()
    train, test = list(corpus.train.pairs[: args.train]), list(corpus.heldout.pairs[: args.test])
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*randomly initialised.*")
        adapter = load_model(smollm2_base(), allow_new_head=True)
    from tokenizers.processors import TemplateProcessing

    shipped = adapter.tokenizer.backend_tokenizer.post_processor
    ids = [(token, adapter.tokenizer.convert_tokens_to_ids(token)) for token in SMOLLM2.special_tokens]
    for name, processor in (
        ("query first", TemplateProcessing(single=SMOLLM2.single_template, pair=QUERY_FIRST, special_tokens=ids)),
        ("passage first", shipped),
    ):
        adapter.tokenizer.backend_tokenizer.post_processor = processor
        states = readout_states(adapter, train, layers), readout_states(adapter, test, layers)
        for column, where in enumerate([f"after layer {layer}" for layer in layers] + ["final norm"]):
            scores = probe_scores(states[0][:, column], states[1][:, column], train, test)
            print(f"{name:14s} {where:15s} " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)


if __name__ == "__main__":
    main()
