"""A self-contained HTML document: headings, text, tables and plotly figures, plotly.js inlined once.

The page opens offline (no external script, font or style). Figures get stable element ids, so
the same content gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hedonic.artifacts import atomic_write_text

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; text-align: right; white-space: nowrap; }
td.long { white-space: normal; min-width: 16rem; } .scroll { overflow-x: auto; }
th { background: #f4f4f4; } td.text, th.text { text-align: left; }
.note { color: #555; font-size: .9rem; } .card { border: 1px solid #ccc; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; }
.warn { color: #a40; font-weight: 600; } code { background: #f4f4f4; padding: 0 .2rem; }
.verdict-ahead { color: #1a7f37; font-weight: 600; } .verdict-behind { color: #b42318; font-weight: 600; }
p.summary { font-size: 1.15em; font-weight: 600; margin: 0.4em 0; }
.verdict-level, .verdict-undetermined, .verdict-mixed { color: #555; font-weight: 600; }
ul.lines { padding-left: 1.2rem; } ul.lines li { margin: .15rem 0; }
.missing { border: 1px solid #e0b070; background: #fff8ec; border-radius: 6px; padding: .4rem 1rem; }
"""


LONG_CELL = 40
"""Cells with more characters than this wrap; the others stay on one line."""


@dataclass
class HtmlDocument:
    """An HTML page assembled block by block; :meth:`write` saves it atomically."""

    title: str
    blocks: list[str] = field(default_factory=list)
    _figures: int = 0

    def heading(self, text: str, level: int = 2, anchor: str | None = None) -> None:
        """Append an ``<h{level}>`` heading (with element id ``anchor`` when given)."""
        ident = f' id="{html.escape(anchor)}"' if anchor else ""
        self.blocks.append(f"<h{level}{ident}>{html.escape(text)}</h{level}>")

    def items(self, lines: Sequence[str], css_class: str = "lines") -> None:
        """Append a bulleted list of plain-text lines (escaped)."""
        body = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        self.blocks.append(f'<ul class="{html.escape(css_class)}">{body}</ul>')

    def paragraph(self, text: str, css_class: str | None = None) -> None:
        """Append a paragraph of plain text (escaped)."""
        attribute = f' class="{css_class}"' if css_class else ""
        self.blocks.append(f"<p{attribute}>{html.escape(text)}</p>")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        text_columns: Sequence[int] = (0,),
        classes: Sequence[dict[int, str]] | None = None,
    ) -> None:
        """Append a table; floats are shown with 4 significant digits, ``text_columns`` left-aligned.

        ``classes``: per row, column → extra CSS class of that cell (e.g. ``verdict-ahead``). Cells
        stay on one line unless longer than :data:`LONG_CELL` characters; a wide table scrolls.
        """

        def cell(tag: str, index: int, value: Any, extra: str = "") -> str:
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            long = "long" if len(shown) > LONG_CELL else ""
            names = " ".join(name for name in ("text" if index in text_columns else "", long, extra) if name)
            css = f' class="{html.escape(names)}"' if names else ""
            return f"<{tag}{css}>{html.escape(shown)}</{tag}>"

        head = "".join(cell("th", i, name) for i, name in enumerate(header))
        marks = classes or [{} for _ in rows]
        body = "".join(
            "<tr>" + "".join(cell("td", i, v, mark.get(i, "")) for i, v in enumerate(row)) + "</tr>"
            for row, mark in zip(rows, marks, strict=True)
        )
        self.blocks.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')

    def figure(self, figure: Any) -> None:
        """Append a plotly figure (its JSON and a call to ``Plotly.newPlot``; no JS included here)."""
        self._figures += 1
        self.blocks.append(
            figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"figure-{self._figures}", config={"responsive": True})
        )

    def raw(self, markup: str) -> None:
        """Append trusted markup built by the caller (already escaped)."""
        self.blocks.append(markup)

    def render(self) -> str:
        """The whole page as a string, with plotly.js inlined when the page holds a figure."""
        script = ""
        if self._figures:
            from plotly.offline import get_plotlyjs

            script = f'<script type="text/javascript">{get_plotlyjs()}</script>'
        body = "\n".join(self.blocks)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style>{script}</head>"
            f"<body><h1>{html.escape(self.title)}</h1>\n{body}\n</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically; returns the path."""
        return atomic_write_text(path, self.render())
