"""The ``hedonic`` command line.

Each module in this package defines one or more commands and registers them on :data:`app`
(``@app.command()``, :mod:`hedonic.cli._app`); :func:`main` imports them so that ``hedonic
--help`` lists them all. This module imports nothing heavy, so that :func:`main` is the one place
that ends the command at any moment, imports and start-up included: a
:class:`~hedonic.errors.HedonicError` with exit code 2 and its message, Ctrl-C (SIGINT) and
SIGTERM with ``interrupted (SIGINT)`` and exit code 130 (143), never a traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from hedonic.errors import HedonicError
from hedonic.lazy_exports import lazy_attribute

EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}
"""Exit codes of a command stopped by a signal (128 + the signal number, the shell's convention)."""
_SIGNALS: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
_EXPORTS = {"app": "hedonic.cli._app"}


class Interrupted(BaseException):
    """SIGINT or SIGTERM while a command runs; ``name`` is the signal, ``advice`` what rerunning does.

    Raised by :func:`main`'s signal handler where the command is, so that atomic writes drop their
    temporary file and a run releases its lock on the way out. Not a ``KeyboardInterrupt``: typer
    would end the command with exit code 130 and no word of it.
    """

    def __init__(self, name: str, advice: str = "nothing was half-written") -> None:
        super().__init__(name, advice)
        self.name = name
        self.advice = advice


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning :class:`HedonicError` into exit code 2 and
    SIGINT / SIGTERM into ``interrupted (…)`` with exit code 130 / 143.

    ``argv`` defaults to ``sys.argv[1:]``; the process exits with the command's exit code.
    """
    previous = _catch_signals()
    try:
        from hedonic.cli._app import app, register_commands

        register_commands()
        app(args=argv, prog_name="hedonic")
    except HedonicError as error:
        _print_error(error)
        sys.exit(2)
    except Interrupted as stop:
        _stop(stop)
    except KeyboardInterrupt:
        _stop(Interrupted("SIGINT"))
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _catch_signals() -> dict[int, Any]:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (main thread only); returns the handlers they had.

    A signal the process was started ignoring (a background job of a script, ``nohup``) stays ignored.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def interrupt(number: int, frame: Any) -> None:
        raise Interrupted(_SIGNALS[number])

    caught = [number for number in _SIGNALS if signal.getsignal(number) is not signal.SIG_IGN]
    return {number: signal.signal(number, interrupt) for number in caught}


def _stop(stop: Interrupted) -> None:
    """Say that the command was interrupted, and what rerunning it does; exit 130 (SIGINT) or 143 (SIGTERM)."""
    if threading.current_thread() is threading.main_thread():
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the message
    print(f"interrupted ({stop.name}): {stop.advice}", file=sys.stderr, flush=True)
    sys.exit(EXIT_CODES[stop.name])


def _print_error(error: HedonicError) -> None:
    from hedonic.display import console

    stderr = console(stderr=True)
    stderr.print(f"error: {error.message}", style="bold red", highlight=False, markup=False, soft_wrap=True)
    if error.hint:
        stderr.print(f"hint: {error.hint}", style="yellow", highlight=False, markup=False, soft_wrap=True)
