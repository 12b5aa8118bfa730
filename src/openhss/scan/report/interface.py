"""The contract every output format follows: a ScanResult in, the document's text out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from openhss.scan.interface import ScanResult


class ReportError(Exception):
    """A report could not be produced (for example, it would not validate against its schema)."""


class ReportFormat(ABC):
    """One output format (`table`, `json`, `cyclonedx`, `spdx-json`)."""

    name: ClassVar[str]
    """The name users pick it by with `--format`."""

    @abstractmethod
    def render(self, result: ScanResult) -> str:
        """The whole document as text."""
