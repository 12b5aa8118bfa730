"""Scan results on the server: store an image's SBOM and findings once per image ID, match it, and keep
every image row's counts and severity exact — also when the knowledge changes (re-match, no re-scan)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from openhss.severity import severity_level
from openhss.store import Database, now_ms
from openhss.store.driver_rows import CHUNK
from openhss.store.interning import intern
from openhss.store.tables import (
    advisories,
    component_names,
    image_components,
    image_vulnerabilities,
    images,
    sbom_components,
    sboms,
)
from openhss.vulndb.ecosystems import component_match_ecosystem, component_version, normalise_name
from openhss.vulndb.interface import PackageRef, Vulnerability
from openhss.vulndb.matching import match
from openhss.vulndb.merging import merge_keys


@dataclass(frozen=True)
class ScannedComponent:
    """A component as a scan reports it (the scanner's Component, as the server receives it)."""

    name: str
    version: str
    ecosystem: str
    purl: str
    path: str
    layer: str = ""
    source_name: str = ""
    source_version: str = ""
    distro: str = ""


@dataclass(frozen=True)
class ImageScan:
    """One image's scan result as the server keeps it."""

    config_digest: str
    """Image ID."""
    components: tuple[ScannedComponent, ...]
    """The SBOM."""
    unsafe_setting_risks: tuple[str, ...] = ()
    """Risk level (High/Medium/Low) of each failed baseline check."""
    malicious_file_num: int = 0
    """Malware findings."""
    findings: str = "{}"
    """JSON of the findings (unsafe settings, build risks, malicious files) for the detail routes."""
    distro: str = ""
    """`debian:12`, ..."""


@dataclass(frozen=True)
class ImageVerdict:
    """What the server concluded about an image."""

    vul_num: int
    """Distinct vulnerabilities, aliases merged."""
    severity_level: str
    """Security, Low, Medium or High."""
    vulnerabilities: tuple[Vulnerability, ...] = ()
    """The matches (only when just computed)."""


def package_ref(c: ScannedComponent) -> PackageRef | None:
    """Where advisories would list this component; None when no ecosystem here matches it."""
    key = component_match_ecosystem(c.ecosystem, c.distro)
    if key is None:
        return None
    os_package = c.ecosystem in ("deb", "apk", "rpm")
    name = (c.source_name or c.name) if os_package else c.name
    version = (c.source_version or c.version) if os_package else c.version
    return PackageRef(key, normalise_name(key, name), component_version(key, name, version))


def component_row(digest: str, idx: int, c: ScannedComponent, ref: PackageRef | None) -> dict[str, object]:
    """The `sbom_components` row of component `idx` of an image (its match key included)."""
    return {
        "config_digest": digest,
        "idx": idx,
        "name": c.name,
        "version": c.version,
        "ecosystem": c.ecosystem,
        "purl": c.purl,
        "path": c.path,
        "layer": c.layer,
        "match_ecosystem": ref.match_ecosystem if ref else None,
        "match_name": ref.name if ref else None,
        "match_version": ref.version if ref else None,
    }


def record_scan(db: Database, scan: ImageScan) -> ImageVerdict:
    """Replace the image's stored result with `scan`, match it, update every row of that image ID."""
    refs = [package_ref(c) for c in scan.components]
    return db.write(lambda conn: _record(conn, scan, refs))


def _record(conn: Connection, scan: ImageScan, refs: Sequence[PackageRef | None]) -> ImageVerdict:
    conn.execute(delete(sboms).where(sboms.c.config_digest == scan.config_digest))
    conn.execute(
        insert(sboms).values(
            config_digest=scan.config_digest,
            scanned_ms=now_ms(),
            distro=scan.distro,
            component_num=len(scan.components),
            unsafe_setting_num=len(scan.unsafe_setting_risks),
            unsafe_setting_high=sum(1 for r in scan.unsafe_setting_risks if r.lower() == "high"),
            malicious_file_num=scan.malicious_file_num,
            findings=scan.findings,
        )
    )
    if scan.components:
        conn.execute(
            insert(sbom_components),
            [
                component_row(scan.config_digest, i, c, ref)
                for i, (c, ref) in enumerate(zip(scan.components, refs, strict=True))
            ],
        )
    _index_names(conn, scan.config_digest, {c.name for c in scan.components})
    found = match(conn, refs, [c.name for c in scan.components])
    _store_matches(conn, scan.config_digest, found)
    verdict = _apply_verdict(conn, scan.config_digest)
    return ImageVerdict(verdict.vul_num, verdict.severity_level, tuple(found))


def record_failure(db: Database, config_digest: str, reason: str) -> None:
    """Mark every row of the image as failed with one of the provider's scan_failed_desc values."""
    db.write(
        lambda conn: conn.execute(
            update(images)
            .where(images.c.config_digest == config_digest)
            .values(scan_status="failed", scan_failed_desc=reason, latest_scan_ms=now_ms())
        )
    )


def _store_matches(
    conn: Connection, digest: str, found: Sequence[Vulnerability], index_map: Sequence[int] | None = None
) -> None:
    if not found:
        return
    conn.execute(
        insert(image_vulnerabilities),
        [
            {
                "config_digest": digest,
                "advisory_id": v.id,
                "idx": index_map[v.component_index] if index_map is not None else v.component_index,
                "vuln_key": v.key,
                "severity": v.severity,
                "fixed_version": v.fixed_version,
            }
            for v in found
        ],
    )


def _apply_verdict(conn: Connection, digest: str) -> ImageVerdict:
    """Recompute merged ids, vul_num and severity from the stored matches; write them to every row."""
    rows = conn.execute(
        select(
            image_vulnerabilities.c.advisory_id,
            image_vulnerabilities.c.vuln_key,
            image_vulnerabilities.c.severity,
            advisories.c.aliases,
            advisories.c.upstream,
        )
        .join(advisories, advisories.c.id == image_vulnerabilities.c.advisory_id, isouter=True)
        .where(image_vulnerabilities.c.config_digest == digest)
    ).all()
    keys = merge_keys(
        (r.advisory_id, json.loads(r.aliases or "[]"), json.loads(r.upstream or "[]")) for r in rows
    )
    for advisory_id in sorted({r.advisory_id for r in rows if keys[r.advisory_id] != r.vuln_key}):
        conn.execute(
            update(image_vulnerabilities)
            .where(
                image_vulnerabilities.c.config_digest == digest,
                image_vulnerabilities.c.advisory_id == advisory_id,
            )
            .values(vuln_key=keys[advisory_id])
        )
    sbom = conn.execute(select(sboms).where(sboms.c.config_digest == digest)).one()
    risks = ["High"] * sbom.unsafe_setting_high + ["Low"] * (
        sbom.unsafe_setting_num - sbom.unsafe_setting_high
    )
    vul_num = len(set(keys.values()))
    level = severity_level([r.severity for r in rows], risks, sbom.malicious_file_num)
    conn.execute(
        update(images)
        .where(images.c.config_digest == digest)
        .values(
            scan_status="success",
            scan_failed_desc="",
            latest_scan_ms=sbom.scanned_ms,
            vul_num=vul_num,
            unsafe_setting_num=sbom.unsafe_setting_num,
            malicious_file_num=sbom.malicious_file_num,
            component_num=sbom.component_num,
            severity_level=level,
        )
    )
    return ImageVerdict(vul_num, level)


def _index_names(conn: Connection, digest: str, names: set[str]) -> None:
    """Keep the component names of the image where the list's `app_name` filter looks.

    Only the names that changed are deleted or added: each link is also one row of
    component_presence per enterprise project the image is in (migration 0013's triggers).
    """
    # On PostgreSQL an ingest writing scope rows of this image ID's rows (which writes their
    # component_presence rows from the names it sees) and this scan must not each miss the other's
    # uncommitted rows. The image rows first, in id order as counts.refresh_counts locks them (so
    # that an ingest holding one is waited for before this takes anything it waits on), then the
    # digest's transaction lock that migration 0013's triggers take for a new scope row, also one
    # of an image row created by an ingest still running.
    conn.execute(
        select(images.c.id)
        .where(images.c.config_digest == digest)
        .order_by(images.c.id)
        .with_for_update(key_share=True)
    )
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(digest, 0))))
    ids = intern_names(conn, names) if names else {}
    c = image_components
    held = set(conn.execute(select(c.c.name_id).where(c.c.config_digest == digest)).scalars())
    gone = sorted(held - set(ids.values()))
    for start in range(0, len(gone), CHUNK):
        conn.execute(
            delete(c).where(c.c.config_digest == digest, c.c.name_id.in_(gone[start : start + CHUNK]))
        )
    added = sorted(set(ids.values()) - held)
    if added:
        conn.execute(insert(c), [{"config_digest": digest, "name_id": i} for i in added])


def intern_names(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """The interned id of each of `names`, adding the names not interned yet."""
    return intern(conn, component_names, names)


def stored_vulnerability_count(conn: Connection, digest: str) -> int:
    """Distinct vulnerabilities stored for an image (aliases merged)."""
    return int(
        conn.execute(
            select(func.count(func.distinct(image_vulnerabilities.c.vuln_key))).where(
                image_vulnerabilities.c.config_digest == digest
            )
        ).scalar_one()
    )
