"""The typer application of the ``hedonic`` command; every command module registers itself on :data:`app`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import typer
from typer.core import TyperCommand

app = typer.Typer(
    name="hedonic",
    help="Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Command(TyperCommand):
    """A command whose usage line leaves out its hidden parameters (a deprecated positional kept one release)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS]`` and the usage of every parameter that is not hidden."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for parameter in self.get_params(ctx):
            if not getattr(parameter, "hidden", False):
                pieces.extend(parameter.get_usage_pieces(ctx))
        return pieces


@app.callback()
def _root() -> None:
    """Find synergistic coalitions of MLP neurons in fine-tuned transformers (hedonic games)."""


def register_commands() -> None:
    """Import every command module of :mod:`hedonic.cli` (those not starting with ``_``), so ``hedonic --help`` lists them all."""
    import hedonic.cli

    for module in sorted(pkgutil.iter_modules(hedonic.cli.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"hedonic.cli.{module.name}")
