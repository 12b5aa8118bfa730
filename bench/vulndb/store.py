"""Fill a store with many scanned images quickly: the rows `scans.record_scan` writes, in bulk.

Matching runs once per distinct component (the fleet shares versions); each image then gets its own
merge keys, counts and severity exactly as `record_scan` computes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from openhss.severity import severity_level
from openhss.store import Database, now_ms
from openhss.store.tables import (
    advisories,
    component_names,
    domains,
    image_components,
    image_vulnerabilities,
    images,
    projects,
    sbom_components,
    sboms,
)
from openhss.vulndb.interface import PackageRef, Vulnerability
from openhss.vulndb.matching import match
from openhss.vulndb.merging import merge_keys
from openhss.vulndb.scans import ScannedComponent, component_row, package_ref

PROJECT = "bench0000000000000000000000000000"[:32]


def ensure_project(db: Database) -> None:
    """A domain and project the benchmark's image rows belong to."""
    with db.begin(write=True) as conn:
        if conn.execute(select(projects.c.id).where(projects.c.id == PROJECT)).first():
            return
        conn.execute(insert(domains).values(id="benchdomain", name="bench", created_ms=now_ms()))
        conn.execute(
            insert(projects).values(id=PROJECT, domain_id="benchdomain", name="bench", created_ms=now_ms())
        )


def add_image_row(conn: Connection, digest: str, n: int) -> None:
    """One `images` row holding the digest (what the agent's inventory report would have made)."""
    conn.execute(
        insert(images).values(
            id=f"img-{n:032d}"[:36],
            project_id=PROJECT,
            image_name=f"app{n}",
            image_version="1",
            config_digest=digest,
            local_image_type="other_image",
        )
    )


def bulk_record(db: Database, scans: Sequence[tuple[str, Sequence[ScannedComponent]]], first: int) -> None:
    """Store `scans` (digest, components) as record_scan would, with image rows numbered from `first`."""
    refs_of = [[package_ref(c) for c in comps] for _, comps in scans]
    unique: dict[PackageRef, int] = {}
    for refs in refs_of:
        for r in refs:
            if r is not None:
                unique.setdefault(r, len(unique))
    ordered: list[PackageRef | None] = list(unique)
    with db.begin(write=True) as conn:
        found = match(conn, ordered, [r.name for r in unique])
        by_ref: dict[int, list[Vulnerability]] = {}
        for v in found:
            by_ref.setdefault(v.component_index, []).append(v)
        links: dict[str, tuple[list[str], list[str]]] = {}
        ids = sorted({v.id for v in found})
        for start in range(0, len(ids), 400):
            rows = conn.execute(
                select(advisories.c.id, advisories.c.aliases, advisories.c.upstream).where(
                    advisories.c.id.in_(ids[start : start + 400])
                )
            )
            links.update({r.id: (json.loads(r.aliases), json.loads(r.upstream)) for r in rows})
        names = sorted({c.name for _, comps in scans for c in comps})
        stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(component_names)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]), [{"name": n} for n in names])
        name_id = dict(conn.execute(select(component_names.c.name, component_names.c.id)).tuples().all())
        comp_rows: list[dict[str, object]] = []
        vuln_rows: list[dict[str, object]] = []
        for n, ((digest, comps), refs) in enumerate(zip(scans, refs_of, strict=True)):
            conn.execute(
                insert(sboms).values(
                    config_digest=digest,
                    scanned_ms=now_ms(),
                    distro="debian:12",
                    component_num=len(comps),
                    unsafe_setting_num=0,
                    unsafe_setting_high=0,
                    malicious_file_num=0,
                    findings="{}",
                )
            )
            hits: list[tuple[int, Vulnerability]] = []
            for i, (c, ref) in enumerate(zip(comps, refs, strict=True)):
                comp_rows.append(component_row(digest, i, c, ref))
                if ref is not None:
                    hits += [(i, v) for v in by_ref.get(unique[ref], ())]
            keys = merge_keys((v.id, *links.get(v.id, ([], []))) for _, v in hits)
            vuln_rows += [
                {
                    "config_digest": digest,
                    "advisory_id": v.id,
                    "idx": i,
                    "vuln_key": keys[v.id],
                    "severity": v.severity,
                    "fixed_version": v.fixed_version,
                }
                for i, v in hits
            ]
            add_image_row(conn, digest, first + n)
            conn.execute(
                update(images)
                .where(images.c.config_digest == digest)
                .values(
                    scan_status="success",
                    latest_scan_ms=now_ms(),
                    vul_num=len(set(keys.values())),
                    component_num=len(comps),
                    severity_level=severity_level([v.severity for _, v in hits], [], 0),
                )
            )
            conn.execute(
                insert(image_components),
                [{"config_digest": digest, "name_id": name_id[x]} for x in sorted({c.name for c in comps})],
            )
        conn.execute(insert(sbom_components), comp_rows)
        if vuln_rows:
            conn.execute(insert(image_vulnerabilities), vuln_rows)
