"""Stage ``report``: the self-contained HTML report of a run."""

from hedonic.report.document import HtmlDocument

__all__ = ["HtmlDocument"]
