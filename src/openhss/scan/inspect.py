"""Everything a scan finds in one pass: components, unsafe settings, build risks and malicious files."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer, evaluate
from openhss.scan.catalog import all_catalogers
from openhss.scan.interface import Analyzer, LayerFile, ScanResult
from openhss.scan.limits import Limits
from openhss.scan.malware import MalwareAnalyzer, MalwareConfig
from openhss.scan.scanner import Progress, Source, read_image


def inspect_image(
    source: Source,
    *,
    limits: Limits | None = None,
    baseline: bool = True,
    malware: MalwareConfig | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan `source` once with every cataloger, the baseline analyzers and (unless None) the malware rules.

    The agent uploads this; `openhss scan` shows it (with vulnerabilities matched on top).
    """
    analyzers: list[Analyzer[Any]] = list(all_catalogers())
    accounts, build = AccountFilesAnalyzer(), BuildFilesAnalyzer()
    detector = MalwareAnalyzer(malware) if malware is not None else None
    if baseline:
        analyzers += [accounts, build]
    if detector is not None:
        analyzers.append(detector)
    scan = read_image(source, limits=limits, analyzers=analyzers, progress=progress)
    extra: dict[str, Any] = {}
    notes: list[str] = []
    if baseline:
        files: dict[str, LayerFile] = {
            path: found[0]
            for analyzer in (accounts, build)
            for path, found in scan.findings_by_path(analyzer).items()
            if found
        }
        report = evaluate(files, scan.config)
        extra["unsafe_settings"] = report.unsafe_settings
        extra["build_risks"] = report.build_risks
        notes += report.notes
    if detector is not None:
        extra["malicious_files"] = scan.findings(detector)
        notes += detector.notes
    result = scan.result(**extra)
    return replace(result, notes=result.notes + tuple(notes)) if notes else result
