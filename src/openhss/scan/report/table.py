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
        for line in summary_lines(result):
            console.print(line, markup=False)
        self._components(console, result)
        self._findings(console, result)
        for note in result.notes:
            console.print(f"note: {note}", markup=False)
        return out.getvalue()

    @staticmethod
    def _components(console: Console, result: ScanResult) -> None:
        table = Table(title="Components", show_lines=False, header_style="bold")
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

    @staticmethod
    def _findings(console: Console, result: ScanResult) -> None:
        if result.vulnerabilities:
            table = Table(title="Vulnerabilities", header_style="bold")
            for column in ("Id", "Aliases", "Severity", "Package", "Installed", "Fixed", "Path"):
                table.add_column(column, overflow="fold")
            for v in result.vulnerabilities:
                table.add_row(
                    v.id,
                    ", ".join(v.aliases),
                    v.severity,
                    v.package,
                    v.installed_version,
                    v.fixed_version,
                    v.path,
                )
            console.print(table)
        if result.unsafe_settings:
            table = Table(title="Unsafe settings", header_style="bold")
            for column in ("Check", "Risk", "Title", "Evidence", "Fix"):
                table.add_column(column, overflow="fold")
            for u in result.unsafe_settings:
                where = f"{u.path}:{u.line}" if u.line else u.path
                evidence = f"{where} ({u.account})" if u.account else where
                table.add_row(u.check_id, u.risk_level, u.title, evidence, u.fix)
            console.print(table)
        if result.build_risks:
            table = Table(title="Build risks (not counted as unsafe settings)", header_style="bold")
            for column in ("Check", "Risk", "Title", "Evidence"):
                table.add_column(column, overflow="fold")
            for b in result.build_risks:
                table.add_row(b.check_id, b.risk_level, b.title, b.evidence)
            console.print(table)
        if result.malicious_files:
            table = Table(title="Malicious files", header_style="bold")
            for column in ("Path", "Family", "Rule", "Engine", "SHA-256", "Layer"):
                table.add_column(column, overflow="fold")
            for m in result.malicious_files:
                table.add_row(m.path, m.family, m.rule, m.engine, m.sha256, _short(m.layer))
            console.print(table)


def summary_lines(result: ScanResult) -> list[str]:
    """One line per category: components, vulnerabilities by severity, unsafe settings, build risks, malware."""
    by_severity: dict[str, int] = {}
    for v in result.vulnerabilities:
        by_severity[v.severity] = by_severity.get(v.severity, 0) + 1
    levels = ", ".join(
        f"{k} {by_severity[k]}" for k in ("Critical", "High", "Medium", "Low", "Unknown") if k in by_severity
    )
    # One unsafe setting per failed check (as the server counts them), whatever the instances.
    worst: dict[str, str] = {}
    rank = {"High": 0, "Medium": 1, "Low": 2}
    for u in result.unsafe_settings:
        if rank.get(u.risk_level, 3) < rank.get(worst.get(u.check_id, ""), 3):
            worst[u.check_id] = u.risk_level
        worst.setdefault(u.check_id, u.risk_level)
    risks: dict[str, int] = {}
    for level in worst.values():
        risks[level] = risks.get(level, 0) + 1
    risk_text = ", ".join(f"{k} {risks[k]}" for k in ("High", "Medium", "Low") if k in risks)
    findings = (
        f"; {len(result.unsafe_settings)} findings" if len(result.unsafe_settings) != len(worst) else ""
    )
    return [
        f"Components: {len(result.components)}",
        f"Vulnerabilities: {len(result.vulnerabilities)}" + (f" ({levels})" if levels else ""),
        f"Unsafe settings: {len(worst)}" + (f" ({risk_text}{findings})" if risk_text else ""),
        f"Build risks: {len(result.build_risks)}",
        f"Malicious files: {len(result.malicious_files)}",
    ]
