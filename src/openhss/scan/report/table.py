"""A human-readable summary and component table, drawn with rich."""

from __future__ import annotations

import io
from typing import ClassVar

from rich.console import Console
from rich.table import Table

from openhss.scan.interface import ScanResult
from openhss.scan.report.interface import ReportFormat


def _short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


class TableFormat(ReportFormat):
    """The image in a few lines, then one row per component."""

    name: ClassVar[str] = "table"

    def __init__(self, *, width: int = 140, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, result: ScanResult) -> str:
        out = io.StringIO()
        console = Console(
            file=out, width=self.width, color_system="auto" if self.color else None, force_terminal=self.color
        )
        config = result.config
        name = ", ".join(config.repo_tags) or config.image_id
        distro = (
            result.distro.pretty_name or f"{result.distro.id} {result.distro.version_id}"
            if result.distro
            else "-"
        )
        console.print(
            f"[bold]{name}[/bold]  image {_short(config.image_id)}  {config.os}/{config.architecture}"
        )
        console.print(
            f"OS: {distro}   layers: {len(config.diff_ids)}   "
            f"size: {result.size:,} bytes   files: {result.files:,}"
        )
        table = Table(show_lines=False, header_style="bold")
        for column in ("Name", "Version", "Type", "Source", "Layer", "Path"):
            table.add_column(column, overflow="fold")
        for c in result.components:
            source = (
                f"{c.source_name or c.name} {c.source_version}".strip()
                if c.source_name or c.source_version
                else ""
            )
            table.add_row(c.name, c.version, c.ecosystem, source, _short(c.layer), c.path)
        console.print(table)
        console.print(f"{len(result.components)} components")
        for note in result.notes:
            console.print(f"note: {note}", markup=False)
        return out.getvalue()
