"""OpenHSS's own JSON: every field of the ScanResult, as named in `scan.interface`."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, ClassVar

from openhss.scan.interface import ScanResult
from openhss.scan.report.interface import ReportFormat


def as_dict(result: ScanResult) -> dict[str, Any]:
    """The result as plain JSON types; labels become an object."""
    data = dataclasses.asdict(result)
    data["config"]["labels"] = dict(result.config.labels)
    return data


class JsonFormat(ReportFormat):
    """Everything in the ScanResult."""

    name: ClassVar[str] = "json"

    def render(self, result: ScanResult) -> str:
        return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
