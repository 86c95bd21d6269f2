"""Shared fixtures: a tiny saved checkpoint (LLaMA + LoRA), small datasets, and a fast run config over them."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HEDONIC_NO_PROGRESS", "1")

import pytest

from hedonic.data import QueryDocPair
from hedonic.data.writers import write_jsonl
from hedonic.pipeline.config import (
    BaselinesSection,
    DataSection,
    EvaluationSection,
    GameSection,
    MeaningSection,
    ModelSection,
    RunConfig,
    TrackingSection,
)
from hedonic.testing import TINY_VOCAB, TinyCheckpoint, save_tiny_checkpoint

WORDS = [word for word in TINY_VOCAB if not word.startswith("[")]


def tiny_pairs(prefix: str, queries: int, docs: int, seed: int) -> list[QueryDocPair]:
    """``queries`` × ``docs`` random word pairs; the first document of each query is labelled relevant."""
    rng = random.Random(seed)
    pairs = []
    for q in range(queries):
        query = " ".join(rng.choices(WORDS, k=rng.randint(2, 4)))
        for d in range(docs):
            text = " ".join(rng.choices(WORDS, k=rng.randint(4, 12)))
            pairs.append(QueryDocPair(f"{prefix}{q}", f"d{q}-{d}", query, text, float(d == 0), "a" if q % 2 else "b"))
    return pairs


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> TinyCheckpoint:
    return save_tiny_checkpoint("llama", tmp_path_factory.mktemp("tiny"), layers=3, hidden=16, intermediate=32)


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("data")
    inputs = write_jsonl(tiny_pairs("train", 12, 4, seed=0), folder / "inputs.jsonl")
    heldout = write_jsonl(tiny_pairs("test", 6, 4, seed=1), folder / "heldout.jsonl")
    return inputs, heldout


@pytest.fixture()
def tiny_config(checkpoint: TinyCheckpoint, datasets: tuple[Path, Path], tmp_path: Path) -> RunConfig:
    """A fast run on the tiny checkpoint: 3 layers of 32 neurons, 48 inputs, 24 held-out pairs."""
    inputs, heldout = datasets
    return replace(
        RunConfig(),
        out_dir=str(tmp_path / "run"),
        model=ModelSection(name=str(checkpoint.model_dir), adapter=str(checkpoint.adapter_dir)),
        data=DataSection(inputs=str(inputs), heldout=str(heldout), inputs_limit=0, heldout_queries=0, batch_size=8, max_length=32),
        game=GameSection(m=2000, stability_samples=500),
        baselines=BaselinesSection(methods=["spectral", "agglomerative", "random"]),
        evaluation=EvaluationSection(min_size=2, max_size=16, max_coalitions=8, n_resamples=200, n_permutations=200),
        meaning=MeaningSection(min_size=2, max_size=16, max_coalitions=4, probe_draws=3, n_resamples=200, n_permutations=200),
        tracking=TrackingSection(min_size=2, bootstrap=50),
    )


@pytest.fixture(scope="session")
def smollm2_folder() -> Path:
    """The converted SmolLM2 folder (de-quantised from the wheel's GGUF once, then reused from the user cache)."""
    from hedonic.models.smollm2 import smollm2_base

    return smollm2_base()
