"""Stage ``report``: the self-contained HTML report of a run."""

from hedonic.report.build import ReportResult, write_report
from hedonic.report.document import HtmlDocument

__all__ = ["HtmlDocument", "ReportResult", "write_report"]
