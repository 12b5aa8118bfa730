"""The output formats by name, each imported only when asked for (the SBOM libraries are slow to import)."""

from __future__ import annotations

import importlib

from openhss.scan.report.interface import ReportFormat

_WHERE = {
    "table": "openhss.scan.report.table:TableFormat",
    "json": "openhss.scan.report.json:JsonFormat",
    "cyclonedx": "openhss.scan.report.cyclonedx:CycloneDXFormat",
    "spdx-json": "openhss.scan.report.spdx:SpdxJsonFormat",
}

FORMAT_NAMES = tuple(_WHERE)
"""What `--format` accepts."""


def format_class(name: str) -> type[ReportFormat]:
    """The class of format `name` (KeyError when there is none)."""
    module, _, attribute = _WHERE[name].partition(":")
    found: type[ReportFormat] = getattr(importlib.import_module(module), attribute)
    return found
