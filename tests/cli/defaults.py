"""The defaults of a ``hedonic`` command's options, as click holds them (for the tests that library,
configuration and command line agree)."""

from __future__ import annotations

import typer


def command_defaults(name: str) -> dict[str, object]:
    """Parameter name → default of the registered command ``name`` ."""
    from hedonic.cli._app import app, register_commands

    register_commands()
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    return {parameter.name: parameter.default for parameter in command.params if parameter.name is not None}
