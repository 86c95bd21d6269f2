"""Options and small helpers shared by several ``hedonic`` sub-commands (this module defines no command)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.layout import RunLayout

DEMO_DATA = "demo"
"""``--data demo``: the demo corpus (its training split for analysis inputs)."""

MODEL_HELP = "Model folder or hub id, or a shipped reranker: 'demo' (MiniLM), 'smollm2' or 'smollm2:TASK' (TASK cqtr or tf-l)."

ModelArgument = Annotated[str, typer.Argument(help=MODEL_HELP)]
ModelOption = Annotated[str, typer.Option("--model", help=MODEL_HELP)]
AdapterOption = Annotated[
    Path | None, typer.Option("--adapter", help="peft LoRA adapter folder (implied for a shipped reranker).")
]
AllowNewHeadOption = Annotated[
    bool, typer.Option("--allow-new-head", help="Build a one-logit head when the checkpoint has none.")
]
DeviceOption = Annotated[str, typer.Option("--device", help="Torch device to load the model on.")]
BatchSizeOption = Annotated[int, typer.Option("--batch-size", min=1, help="Pairs per forward pass.")]
MaxLengthOption = Annotated[int, typer.Option("--max-length", min=2, help="Truncate pairs to this many tokens.")]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N pairs.")]


def analysis_pairs(data: str, limit: int | None) -> list[QueryDocPair]:
    """The first ``limit`` (None: all) pairs of the file ``data`` (.jsonl or MS MARCO .tsv), or of
    the demo corpus' training split for ``data == "demo"``."""
    from hedonic.data import build_demo_corpus, read_pairs

    if data == DEMO_DATA:
        pairs = list(build_demo_corpus().train.pairs)
        return pairs[:limit] if limit is not None else pairs
    return read_pairs(data, limit=limit)


def layer_layout(run_dir: Path | None, layer: int | None) -> RunLayout | None:
    """The layout of ``--run-dir`` (None without one); raises :class:`ConfigError` when ``--layer`` is missing."""
    from hedonic.errors import ConfigError
    from hedonic.layout import RunLayout

    if run_dir is None:
        return None
    if layer is None:
        raise ConfigError("--run-dir needs --layer", hint="name the analysed layer, e.g. --layer 3")
    return RunLayout(run_dir)


def gib_to_bytes(gib: float | None) -> int | None:
    """A ``--memory-budget`` in GiB as bytes (None stays None: the default budget)."""
    return None if gib is None else int(gib * (1 << 30))
