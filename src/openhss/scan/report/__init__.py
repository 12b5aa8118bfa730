"""Output formats, one module each: `table`, `json`, `cyclonedx`, `spdx-json`."""

from openhss.scan.report.cyclonedx import CycloneDXFormat
from openhss.scan.report.interface import ReportError, ReportFormat
from openhss.scan.report.json import JsonFormat
from openhss.scan.report.spdx import SpdxJsonFormat
from openhss.scan.report.table import TableFormat

FORMATS: dict[str, type[ReportFormat]] = {
    f.name: f for f in (TableFormat, JsonFormat, CycloneDXFormat, SpdxJsonFormat)
}
"""Format name -> its class (each constructible with no arguments)."""

__all__ = [
    "FORMATS",
    "CycloneDXFormat",
    "JsonFormat",
    "ReportError",
    "ReportFormat",
    "SpdxJsonFormat",
    "TableFormat",
]
