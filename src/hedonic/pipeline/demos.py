"""The shipped demos as run configurations: one per named model and task (``hedonic demo --model --task``).

``demo`` (the default, ``make demo``) is :class:`RunConfig`'s defaults on the MiniLM reranker, except
for four cuts that keep it within 10 minutes on two CPU cores: it analyses the window of
:data:`DEMO_WINDOW` consecutive layers with the largest LoRA update (layers 2–5 of 6; the paper's
7–14 were chosen the same way), evaluates every coalition of two or more neurons (as the defaults), tests each
against 100 size-matched random groups (the default is 200), and interprets 4 per method in the
meaning stage. ``smollm2`` runs the same method on the 30-layer SmolLM2 decoder with the same
cuts, a window of :data:`SMOLLM2_WINDOW` layers and 2 coalitions per method in the meaning stage
(whose ``model`` readout reruns every later layer per group), and fewer analysis and held-out
inputs (240 and 10 queries), to stay within 15 minutes. Both evaluate the ``top_k`` = 2 analysed
layers with the largest relative update.
"""

from __future__ import annotations

from dataclasses import replace

from hedonic.errors import ConfigError
from hedonic.models import NAMED_MODELS
from hedonic.pipeline.config import DataSection, DecompositionSection, LayersSection, ModelSection, RunConfig

DEMO_WINDOW = 4
"""Consecutive layers the MiniLM demo analyses (statistics, φ, partitions, tracking)."""
SMOLLM2_WINDOW = 4
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
        raise ConfigError(f"the {model} demo has no {task} task", hint=f"pick one of {', '.join(entry.adapters)} (--task)")
    name = model if task == entry.default_task else f"{model}:{task}"
    if model == "demo":
        return _cut(RunConfig(), window=DEMO_WINDOW, meaning_coalitions=4, decomposition=DEMO_DECOMPOSITION)
    config = replace(
        RunConfig(),
        out_dir=f"hedonic-runs/{model}-{task}",
        model=ModelSection(name=name),
        data=DataSection(inputs_limit=240, heldout_queries=10, batch_size=16, max_length=128),
    )
    return _cut(config, window=SMOLLM2_WINDOW, meaning_coalitions=2, decomposition=SMOLLM2_DECOMPOSITION)


DEMO_DECOMPOSITION = DecompositionSection(max_coalitions=8, inputs=16, max_pairs=4)
"""The demos' synergy of the computation: 8 coalitions per method on 16 held-out inputs, 4 sampled pairs per coalition
(every set runs the later layers twice, norms free and frozen: the stage's cost is set by these three numbers)."""
SMOLLM2_DECOMPOSITION = replace(DEMO_DECOMPOSITION, enabled=False)
"""The SmolLM2 demos skip the decomposition: from layer 20 of 30 every set reruns ten decoder layers twice, and the
MiniLM cut (:data:`DEMO_DECOMPOSITION`) alone would take longer than the demo's 15 minutes on two cores. Run it on the
finished run with ``hedonic evaluate --run-dir RUN --layer L --decompose`` (the README gives a measured run)."""


def _cut(config: RunConfig, *, window: int, meaning_coalitions: int, decomposition: DecompositionSection) -> RunConfig:
    """``config`` with the demos' common cuts: a ``window`` of layers, 2 evaluated, 100 test draws,
    and its ``decomposition``."""
    return replace(
        config,
        layers=LayersSection(window=window, top_k=2),
        evaluation=replace(config.evaluation, significance_draws=100),
        decomposition=decomposition,
        meaning=replace(config.meaning, max_coalitions=meaning_coalitions),
    )
