"""Scan results on the server: store an image's SBOM and findings once per image ID, match it, and keep
every image row's counts and severity exact — also when the knowledge changes (re-match, no re-scan)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from openhss.severity import severity_level
from openhss.store import Database, now_ms
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
from openhss.vulndb.knowledge import PackageKey
from openhss.vulndb.matching import match, merge_keys

_CHUNK = 400


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
    with db.begin(write=True) as conn:
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
    with db.begin(write=True) as conn:
        conn.execute(
            update(images)
            .where(images.c.config_digest == config_digest)
            .values(scan_status="failed", scan_failed_desc=reason, latest_scan_ms=now_ms())
        )


def rematch(db: Database, changed: Iterable[PackageKey], batch: int = 500) -> int:
    """Re-match the stored SBOMs holding any changed package; returns how many images were re-matched.

    Only the components whose package changed are matched again; an image whose matches on them
    change (before or after) has its counts and severity recomputed from the stored matches. Nothing
    is pulled or re-scanned.
    """
    by_ecosystem = _names_by_ecosystem(changed)
    digests: set[str] = set()
    with db.begin() as conn:
        for ecosystem, names in by_ecosystem:
            digests.update(
                conn.execute(
                    select(sbom_components.c.config_digest)
                    .distinct()
                    .where(
                        sbom_components.c.match_ecosystem == ecosystem,
                        sbom_components.c.match_name.in_(names),
                    )
                ).scalars()
            )
    ordered = sorted(digests)
    for start in range(0, len(ordered), batch):
        with db.begin(write=True) as conn:
            _rematch_batch(conn, ordered[start : start + batch], by_ecosystem)
    return len(ordered)


def _names_by_ecosystem(keys: Iterable[PackageKey]) -> list[tuple[str, list[str]]]:
    """Package keys as (match ecosystem, up to _CHUNK names) groups, for index-friendly IN lists."""
    grouped: dict[str, list[str]] = {}
    for ecosystem, name in sorted(set(keys)):
        grouped.setdefault(ecosystem, []).append(name)
    return [
        (ecosystem, names[start : start + _CHUNK])
        for ecosystem, names in grouped.items()
        for start in range(0, len(names), _CHUNK)
    ]


def _rematch_batch(conn: Connection, digests: list[str], by_ecosystem: list[tuple[str, list[str]]]) -> None:
    """Re-match a batch of images in one transaction: one match over the batch's distinct components."""
    sc, iv = sbom_components, image_vulnerabilities
    affected: dict[str, list[tuple[int, str, PackageRef]]] = {}
    stale: set[tuple[str, int]] = set()
    for start in range(0, len(digests), _CHUNK):
        chunk = digests[start : start + _CHUNK]
        for ecosystem, names in by_ecosystem:
            where = (
                sc.c.config_digest.in_(chunk),
                sc.c.match_ecosystem == ecosystem,
                sc.c.match_name.in_(names),
            )
            for digest, idx, name, eco, match_name, version in conn.execute(
                select(
                    sc.c.config_digest,
                    sc.c.idx,
                    sc.c.name,
                    sc.c.match_ecosystem,
                    sc.c.match_name,
                    sc.c.match_version,
                ).where(*where)
            ):
                affected.setdefault(digest, []).append((idx, name, PackageRef(eco, match_name, version)))
            stale.update(
                (r[0], r[1])
                for r in conn.execute(
                    select(iv.c.config_digest, iv.c.idx)
                    .join(sc, (sc.c.config_digest == iv.c.config_digest) & (sc.c.idx == iv.c.idx))
                    .where(*where)
                )
            )
    # The fleet shares versions: match each distinct (package, version) once.
    refs: dict[PackageRef, int] = {}
    for comps in affected.values():
        for _, _, ref in comps:
            refs.setdefault(ref, len(refs))
    unique: list[PackageRef | None] = list(refs)
    hits: dict[int, list[Vulnerability]] = {}
    for v in match(conn, unique, [r.name for r in refs]):
        hits.setdefault(v.component_index, []).append(v)
    fresh: dict[str, list[tuple[int, Vulnerability]]] = {}
    dirty: list[str] = []
    for digest, comps in affected.items():
        found = [(idx, v) for idx, _, ref in comps for v in hits.get(refs[ref], ())]
        old = [idx for idx, _, _ in comps if (digest, idx) in stale]
        # No match on a changed package before or after: the image's verdict cannot have changed
        # (an advisory that changed has all of its packages among the changed ones).
        if not found and not old:
            continue
        dirty.append(digest)
        fresh[digest] = found
        for start in range(0, len(old), _CHUNK):
            conn.execute(
                delete(iv).where(iv.c.config_digest == digest, iv.c.idx.in_(old[start : start + _CHUNK]))
            )
    _apply_verdicts(conn, dirty, fresh)


def _apply_verdicts(
    conn: Connection, digests: list[str], fresh: dict[str, list[tuple[int, Vulnerability]]]
) -> None:
    """Store each image's new matches and recompute merged ids, vul_num and severity, as record_scan does."""
    iv = image_vulnerabilities
    kept: dict[str, list[tuple[str, int, str, str]]] = {d: [] for d in digests}
    sbom_rows: dict[str, Any] = {}
    for start in range(0, len(digests), _CHUNK):
        chunk = digests[start : start + _CHUNK]
        for digest, advisory_id, idx, key, severity in conn.execute(
            select(iv.c.config_digest, iv.c.advisory_id, iv.c.idx, iv.c.vuln_key, iv.c.severity).where(
                iv.c.config_digest.in_(chunk)
            )
        ):
            kept[digest].append((advisory_id, idx, key, severity))
        sbom_rows.update(
            (r.config_digest, r) for r in conn.execute(select(sboms).where(sboms.c.config_digest.in_(chunk)))
        )
    ids = sorted(
        {a for rows in kept.values() for a, *_ in rows} | {v.id for f in fresh.values() for _, v in f}
    )
    links: dict[str, tuple[list[str], list[str]]] = {}
    for start in range(0, len(ids), _CHUNK):
        for advisory_id, aliases, upstream in conn.execute(
            select(advisories.c.id, advisories.c.aliases, advisories.c.upstream).where(
                advisories.c.id.in_(ids[start : start + _CHUNK])
            )
        ):
            links[advisory_id] = (json.loads(aliases), json.loads(upstream))
    inserts: list[dict[str, Any]] = []
    rekeys: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    for digest in digests:
        rows = kept[digest]
        found = fresh[digest]
        keys = merge_keys(
            (a, *links.get(a, ([], []))) for a in [r[0] for r in rows] + [v.id for _, v in found]
        )
        inserts += [
            {
                "config_digest": digest,
                "advisory_id": v.id,
                "idx": idx,
                "vuln_key": keys[v.id],
                "severity": v.severity,
                "fixed_version": v.fixed_version,
            }
            for idx, v in found
        ]
        rekeys += [
            {"d": digest, "a": a, "k": keys[a]}
            for a in sorted({a for a, _, key, _ in rows if keys[a] != key})
        ]
        sbom = sbom_rows[digest]
        risks = ["High"] * sbom.unsafe_setting_high + ["Low"] * (
            sbom.unsafe_setting_num - sbom.unsafe_setting_high
        )
        severities = [r[3] for r in rows] + [v.severity for _, v in found]
        verdicts.append(
            {
                "d": digest,
                "latest_scan_ms": sbom.scanned_ms,
                "vul_num": len(set(keys.values())),
                "unsafe_setting_num": sbom.unsafe_setting_num,
                "malicious_file_num": sbom.malicious_file_num,
                "component_num": sbom.component_num,
                "severity_level": severity_level(severities, risks, sbom.malicious_file_num),
            }
        )
    if inserts:
        conn.execute(insert(iv), inserts)
    if rekeys:
        conn.execute(
            update(iv)
            .where(iv.c.config_digest == bindparam("d"), iv.c.advisory_id == bindparam("a"))
            .values(vuln_key=bindparam("k")),
            rekeys,
        )
    if verdicts:
        conn.execute(
            update(images)
            .where(images.c.config_digest == bindparam("d"))
            .values(scan_status="success", scan_failed_desc=""),
            verdicts,
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
    """Keep the component names of the image where the list's `app_name` filter looks."""
    conn.execute(delete(image_components).where(image_components.c.config_digest == digest))
    if not names:
        return
    ordered = sorted(names)
    stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(component_names)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]), [{"name": n} for n in ordered])
    ids: list[int] = []
    for start in range(0, len(ordered), _CHUNK):
        ids += (
            conn.execute(
                select(component_names.c.id).where(
                    component_names.c.name.in_(ordered[start : start + _CHUNK])
                )
            )
            .scalars()
            .all()
        )
    conn.execute(insert(image_components), [{"config_digest": digest, "name_id": i} for i in ids])


def stored_vulnerability_count(conn: Connection, digest: str) -> int:
    """Distinct vulnerabilities stored for an image (aliases merged)."""
    return int(
        conn.execute(
            select(func.count(func.distinct(image_vulnerabilities.c.vuln_key))).where(
                image_vulnerabilities.c.config_digest == digest
            )
        ).scalar_one()
    )
