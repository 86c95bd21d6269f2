"""Options and small helpers shared by several ``hedonic`` sub-commands (this module defines no command).

One vocabulary: a run directory is ``--run-dir``, layers are ``--layer L`` (repeatable where a command
takes several), a file to write is ``--out``, a folder ``--out-dir``. The former spellings (a
positional RUN_DIR, ``--layers 2,3``, ``--out`` for a folder) still work this release, hidden from
the help, with a deprecation warning on stderr (:func:`renamed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from hedonic.data import QueryDocPair
    from hedonic.layout import RunLayout

T = TypeVar("T")

DEMO_DATA = "demo"
"""``--data demo``: the demo corpus (its training split for analysis inputs)."""

MODEL_HELP = "Model folder or hub id, or a shipped reranker: 'demo' (MiniLM), 'smollm2' or 'MODEL:TASK' (e.g. smollm2:relevance)."

ModelArgument = Annotated[str, typer.Argument(help=MODEL_HELP)]
ModelOption = Annotated[str, typer.Option("--model", help=MODEL_HELP)]
AdapterOption = Annotated[Path | None, typer.Option("--adapter", help="peft LoRA adapter folder (implied for a shipped reranker).")]
AllowNewHeadOption = Annotated[bool, typer.Option("--allow-new-head", help="Build a one-logit head when the checkpoint has none.")]
DeviceOption = Annotated[str, typer.Option("--device", help="Torch device to load the model on (and compute on).")]
BatchSizeOption = Annotated[int, typer.Option("--batch-size", min=1, help="Pairs per forward pass.")]
MaxLengthOption = Annotated[int, typer.Option("--max-length", min=2, help="Truncate pairs to this many tokens.")]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N pairs.")]
PartitionOption = Annotated[Path | None, typer.Option("--partition", help="The hedonic partition of the layer (JSON).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed: the same seed, the same result.")]
ModeOption = Annotated[str, typer.Option("--mode", help="Ablation: zero, or pre-lora (needs an adapter).")]
ResamplesOption = Annotated[int, typer.Option("--n-resamples", min=1, help="Bootstrap resamples.")]
PermutationsOption = Annotated[int, typer.Option("--n-permutations", min=1, help="Permutations of each test.")]

RunDirOption = Annotated[
    Path | None,
    typer.Option(
        "--run-dir", help="Run directory (of hedonic run / demo, or of the sub-commands): inputs and outputs at their places in it."
    ),
]
LayerOption = Annotated[int, typer.Option("--layer", help="The analysed layer.")]
RunLayerOption = Annotated[int | None, typer.Option("--layer", help="The analysed layer (required with --run-dir).")]
LayersOption = Annotated[list[int] | None, typer.Option("--layer", help="A layer; repeat the option for several.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="The file to write (with --run-dir: by default its place in the run directory).")
]
OutDirOption = Annotated[
    Path | None, typer.Option("--out-dir", help="The folder to write into (with --run-dir: by default its place in the run directory).")
]

LegacyRunDirArgument = Annotated[Path | None, typer.Argument(hidden=True, show_default=False, help="Deprecated: use --run-dir.")]
LegacyLayersOption = Annotated[str | None, typer.Option("--layers", hidden=True, help="Deprecated: use --layer L (repeat).")]
LegacyOutDirOption = Annotated[Path | None, typer.Option("--out", hidden=True, help="Deprecated: use --out-dir.")]


def warn_deprecated(old: str, new: str) -> None:
    """Say on stderr that the spelling ``old`` is deprecated (it works this release) and that ``new`` replaces it."""
    typer.echo(f"warning: {old} is deprecated and goes in the next release: write {new}", err=True)


def renamed(value: T | None, legacy: T | None, old: str, new: str) -> T | None:
    """``value`` of the spelling ``new``, or ``legacy`` of the deprecated ``old`` (with a warning); :class:`ConfigError` for both."""
    from hedonic.errors import ConfigError

    if legacy is None:
        return value
    if value is not None:
        raise ConfigError(f"{old} and {new} both given", hint=f"write {new} alone ({old} is deprecated)")
    warn_deprecated(old, new)
    return legacy


def chosen_run_dir(run_dir: Path | None, legacy: Path | None) -> Path | None:
    """``--run-dir``, or the deprecated positional RUN_DIR (with a warning)."""
    return renamed(run_dir, legacy, "the positional RUN_DIR", "--run-dir RUN_DIR")


def chosen_layers(layers: list[int] | None, legacy: str | None) -> list[int] | None:
    """``--layer L`` (repeated), or the deprecated ``--layers 2,3`` (with a warning); :class:`ConfigError` when unreadable or empty."""
    return renamed(layers or None, None if legacy is None else parse_layers(legacy), "--layers 2,3", "--layer 2 --layer 3")


def parse_layers(text: str) -> list[int]:
    """Comma-separated layer indices (``"2,3"``, ``"0,-1"``) as integers; :class:`ConfigError` when unreadable or empty."""
    from hedonic.errors import ConfigError

    try:
        layers = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"cannot read --layers {text!r}", hint="write --layer 2 --layer 3") from exc
    if not layers:
        raise ConfigError("--layers is empty", hint="write --layer 2 --layer 3")
    return layers


def chosen_out_dir(out_dir: Path | None, legacy: Path | None) -> Path | None:
    """``--out-dir``, or the deprecated ``--out`` for a folder (with a warning)."""
    return renamed(out_dir, legacy, "--out DIR (a folder)", "--out-dir DIR")


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
