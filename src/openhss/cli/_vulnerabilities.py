"""`openhss scan`'s vulnerabilities: the scan's components matched against the local knowledge, as Trivy does."""

from __future__ import annotations

from dataclasses import replace

from openhss.config import Settings
from openhss.scan.interface import Component, ScanResult, VulnerabilityFinding
from openhss.severity import repair_necessity
from openhss.store import Database, now_ms
from openhss.vulndb.knowledge import Knowledge
from openhss.vulndb.matching import match
from openhss.vulndb.scans import ScannedComponent, package_ref

STALE_AFTER_MS = 7 * 24 * 3600 * 1000


def _scanned(c: Component) -> ScannedComponent:
    return ScannedComponent(
        name=c.name,
        version=c.version,
        ecosystem=c.ecosystem,
        purl=c.purl,
        path=c.path,
        layer=c.layer,
        source_name=c.source_name,
        source_version=c.source_version,
        distro=c.distro,
    )


def with_vulnerabilities(result: ScanResult, settings: Settings) -> tuple[ScanResult, list[str]]:
    """`result` with its vulnerabilities from the database of `settings`, and warnings about that database."""
    db = Database(settings.database_url)
    try:
        db.migrate()
        knowledge = Knowledge(db)
        warnings: list[str] = []
        if knowledge.advisory_count() == 0:
            warnings.append(
                "the vulnerability database is empty: run `openhss db update` (or `openhss db import`); "
                "no vulnerabilities are reported"
            )
        elif now_ms() - knowledge.last_updated_ms() > STALE_AFTER_MS:
            warnings.append("the vulnerability database is older than a week: run `openhss db update`")
        refs = [package_ref(_scanned(c)) for c in result.components]
        with db.begin() as conn:
            found = match(conn, refs, [c.name for c in result.components])
    finally:
        db.close()
    findings = tuple(
        VulnerabilityFinding(
            id=v.id,
            aliases=v.aliases,
            severity=v.severity,
            package=v.package,
            installed_version=result.components[v.component_index].version,
            fixed_version=v.fixed_version,
            ecosystem=result.components[v.component_index].ecosystem,
            path=result.components[v.component_index].path,
            layer=result.components[v.component_index].layer,
            summary=v.summary,
            repair_necessity=repair_necessity(v.severity),
        )
        for v in found
    )
    order = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3, "Unknown": 4}
    ordered = tuple(sorted(findings, key=lambda f: (order.get(f.severity, 5), f.package, f.id)))
    return replace(result, vulnerabilities=ordered), warnings
