"""Reports for people: Excel workbooks and HTML pages rendered from the metrics frames."""

from qa_toolkit.report.view import ReportInput

__all__ = ["ReportInput"]
