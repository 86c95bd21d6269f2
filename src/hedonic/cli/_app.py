"""The typer application of the ``hedonic`` command; every command module registers itself on :data:`app`."""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
    name="hedonic",
    help="Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games)."""


def register_commands() -> None:
    """Import every command module of :mod:`hedonic.cli` (those not starting with ``_``), so ``hedonic --help`` lists them all."""
    import hedonic.cli

    for module in sorted(pkgutil.iter_modules(hedonic.cli.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"hedonic.cli.{module.name}")
