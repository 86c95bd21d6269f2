"""The shipped demos as run configurations: one per named model and task (``hedonic demo --model --task``).

``demo`` (the default, ``make demo``) is :class:`RunConfig`'s defaults on the MiniLM reranker, except
for four cuts that keep it within 10 minutes on two CPU cores: it analyses the window of
:data:`DEMO_WINDOW` consecutive layers with the largest LoRA update (layers 2–5 of 6; the paper's
7–14 were chosen the same way), evaluates at most 48 coalitions per method and layer, tests each
against 100 size-matched random groups (the default is 200), and interprets 4 per method in the
meaning stage. ``smollm2`` runs the same method on the 30-layer SmolLM2 decoder;
to stay within 15 minutes it analyses a window of :data:`SMOLLM2_WINDOW` layers, and uses fewer
analysis and held-out inputs (:func:`demo_config` lists them). Both evaluate the ``top_k`` = 2
analysed layers with the largest relative update.
"""

from __future__ import annotations

from dataclasses import replace

from hedonic.errors import ConfigError
from hedonic.models import NAMED_MODELS
from hedonic.pipeline.config import DataSection, LayersSection, MeaningSection, ModelSection, RunConfig

DEMO_WINDOW = 4
"""Consecutive layers the MiniLM demo analyses (statistics, φ, partitions, tracking)."""
SMOLLM2_WINDOW = 6
"""Consecutive layers the SmolLM2 demo analyses."""


def demo_names() -> list[str]:
    """The models ``hedonic demo --model`` accepts."""
    return [entry.name for entry in NAMED_MODELS]


def demo_config(model: str = "demo", task: str | None = None) -> RunConfig:
    """The run configuration of the demo of ``model`` on ``task`` (None: the model's default task).

    Raises :class:`ConfigError` for a model that is not shipped or a task it has no adapter for.
    """
    entry = next((e for e in NAMED_MODELS if e.name == model), None)
    if entry is None:
        raise ConfigError(f"no demo for model {model!r}", hint=f"pick one of {', '.join(demo_names())}")
    task = task or entry.default_task
    if task not in entry.adapters:
        raise ConfigError(
            f"the {model} demo has no {task} task", hint=f"pick one of {', '.join(entry.adapters)} (--task)"
        )
    name = model if task == entry.default_task else f"{model}:{task}"
    if model == "demo":
        defaults = RunConfig()
        return replace(
            defaults,
            layers=LayersSection(window=DEMO_WINDOW, top_k=2),
            evaluation=replace(defaults.evaluation, max_coalitions=48, significance_draws=100),
            meaning=replace(defaults.meaning, max_coalitions=4),
        )
    return replace(
        RunConfig(),
        out_dir=f"hedonic-runs/{model}-{task}",
        model=ModelSection(name=name),
        data=DataSection(inputs_limit=240, heldout_queries=10, batch_size=16, max_length=128),
        layers=LayersSection(window=SMOLLM2_WINDOW, top_k=2),
        meaning=MeaningSection(max_coalitions=3),
    )
