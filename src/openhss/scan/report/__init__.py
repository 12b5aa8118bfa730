"""Output formats, one module each: `table`, `json`, `cyclonedx`, `spdx-json`."""

from openhss.scan.report.formats import FORMAT_NAMES, format_class
from openhss.scan.report.interface import ReportError, ReportFormat

__all__ = ["FORMAT_NAMES", "ReportError", "ReportFormat", "format_class"]
