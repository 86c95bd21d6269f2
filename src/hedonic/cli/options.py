"""Options and small helpers shared by several ``hedonic`` sub-commands (this module defines no command)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.layout import RunLayout

DEMO_DATA = "demo"
"""``--data demo``: the demo corpus (its training split for analysis inputs)."""

MODEL_HELP = "Model folder or hub id, or 'demo' for the shipped demo reranker."

ModelArgument = Annotated[str, typer.Argument(help=MODEL_HELP)]
ModelOption = Annotated[str, typer.Option("--model", help=MODEL_HELP)]
AdapterOption = Annotated[Path | None, typer.Option("--adapter", help="peft LoRA adapter folder (implied for 'demo').")]
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


def check_output(target: Path, kind: str, inputs: Sequence[Path | None] = ()) -> Path:
    """``target``, once it is safe to write a ``kind`` artifact there; :class:`ConfigError` otherwise.

    Refused: one of the command's ``inputs`` (``--out`` over its own input), a folder, and an
    existing file that is not a hedonic ``kind`` artifact (hedonic replaces only its own files).
    """
    from hedonic.artifacts import artifact_kind
    from hedonic.errors import ConfigError

    for source in inputs:
        if source is not None and source.exists() and target.exists() and target.resolve() == source.resolve():
            raise ConfigError(f"the output {target} is also an input of this command", hint="write the result to another path")
    if target.is_dir():
        raise ConfigError(f"the output {target} is a folder", hint=f"name the {kind} file to write, inside it or elsewhere")
    if target.exists() and artifact_kind(target) != kind:
        raise ConfigError(
            f"the output {target} exists and is not a hedonic {kind} artifact: it is left as it is",
            hint="write to a new path (hedonic replaces only a file of the same kind that it wrote)",
        )
    return target


def gib_to_bytes(gib: float | None) -> int | None:
    """A ``--memory-budget`` in GiB as bytes (None stays None: the default budget)."""
    return None if gib is None else int(gib * (1 << 30))
