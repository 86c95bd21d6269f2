"""How results show themselves: small HTML tables and Plotly figures in a notebook, rich text in a terminal or log.

Used by the ``_repr_html_`` and ``plot()`` methods of the results a user holds
(:class:`hedonic.valuation.Valuation`, :class:`hedonic.game.Partition`,
:class:`hedonic.game.Stability`), and by every command and run that prints (:func:`console`).
Plotly is imported only when a figure is asked for; it comes with the ``report`` extra.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from hedonic.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

PIPED_WIDTH = 1000
"""Columns of a console that writes to a file or pipe (a log, CI): wide enough that no table or line wraps."""


def console(*, stderr: bool = False, quiet: bool = False) -> Console:
    """A rich console on stdout (or ``stderr``): the terminal's width on a terminal, :data:`PIPED_WIDTH`
    columns when the output goes to a file or pipe (unless ``COLUMNS`` says otherwise), so that logs
    keep each table row and verdict line on one line. ``quiet`` prints nothing."""
    from rich.console import Console

    made = Console(stderr=stderr, quiet=quiet)
    if not made.is_terminal and not made.is_jupyter and "COLUMNS" not in os.environ:
        made.width = PIPED_WIDTH
    return made


def html_table(title: str, rows: Iterable[tuple[str, Any]], *, note: str | None = None) -> str:
    """A two-column HTML table (label, value) under a bold ``title``, with an optional ``note`` below.

    Every label, value and the note are HTML-escaped; values are written with ``str``.
    """
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>" for label, value in rows
    )
    footer = f"<p>{html.escape(note)}</p>" if note else ""
    return f"<div><strong>{html.escape(title)}</strong><table>{body}</table>{footer}</div>"


def html_grid(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table with a ``header`` row and one row per entry of ``rows`` (escaped, ``str`` values)."""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def graph_objects() -> Any:
    """``plotly.graph_objects``, or a :class:`ConfigError` saying how to install Plotly."""
    try:
        import plotly.graph_objects as go
    except ImportError as exc:
        raise ConfigError("plotting needs Plotly, which is not installed", hint="pip install 'hedonic[report]' (or plotly)") from exc
    return go
