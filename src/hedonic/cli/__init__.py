"""The ``hedonic`` command line.

Each module in this package defines one or more commands and registers them on :data:`app`
(``@app.command()``); they are imported here so that ``hedonic --help`` lists them all.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

from hedonic.errors import HedonicError

app = typer.Typer(
    name="hedonic",
    help="Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")


@app.callback()
def _root() -> None:
    """Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games)."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning :class:`HedonicError` into exit code 2.

    ``argv`` defaults to ``sys.argv[1:]``; the process exits with the command's exit code.
    """
    _register_commands()
    try:
        app(args=argv, prog_name="hedonic")
    except HedonicError as error:
        console = Console(stderr=True)
        console.print(f"error: {error.message}", style="bold red", highlight=False, markup=False, soft_wrap=True)
        if error.hint:
            console.print(f"hint: {error.hint}", style="yellow", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
