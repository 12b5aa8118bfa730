"""Applying one host's full snapshot in one transaction: images, presence, containers, exact counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from openhss.inventory.counts import refresh_counts
from openhss.inventory.interface import (
    AgentDenied,
    AgentIdentity,
    ConcurrentChange,
    IngestResult,
    InventoryReport,
    ReportedContainer,
    UnknownHost,
)
from openhss.inventory.names import UNTAGGED, ImageRef, local_image_type, parse_ref, repo_digest_for
from openhss.store import Database, now_ms
from openhss.store.counters import fold_counts
from openhss.store.interning import intern
from openhss.store.tables import containers, host_addresses, hosts, image_hosts, image_names, images

_CHUNK = 500


@dataclass(frozen=True)
class _ImageKey:
    name: str
    version: str
    digest: str


def apply_report(
    db: Database, report: InventoryReport, agent: AgentIdentity | None = None, swr_hosts: tuple[str, ...] = ()
) -> IngestResult:
    """Make the store hold exactly what `report` says of its host, unless it is older than what it holds.

    `agent` is the authenticated sender (None for `openhss admin ingest`): it may speak only for
    its own project and host.
    """
    if agent is not None and (agent.project_id != report.project_id or agent.host_id != report.host_id):
        raise AgentDenied("an agent may report only for its own project and host")
    result = db.write(lambda conn: _apply(conn, report, swr_hosts))
    # After the commit, in a transaction of its own: folding never holds the ingest's locks.
    fold_counts(db, report.project_id)
    return result


def _apply(conn: Connection, report: InventoryReport, swr_hosts: tuple[str, ...]) -> IngestResult:
    host = conn.execute(select(hosts).where(hosts.c.id == report.host_id).with_for_update()).first()
    if host is None:
        raise UnknownHost(f"host {report.host_id!r} is not enrolled")
    if host.project_id != report.project_id:
        raise AgentDenied(f"host {report.host_id!r} belongs to another project")
    if _is_stale(report, host.run_id, host.run_started_ms, host.seq):
        return IngestResult(applied=False)
    _update_host(conn, report)
    wanted = _image_rows(conn, report, swr_hosts)
    affected = _set_presence(conn, report.host_id, host.enterprise_project_id, set(wanted.values()))
    affected |= _set_containers(conn, report, host.enterprise_project_id, wanted)
    refresh_counts(conn, affected)
    return IngestResult(applied=True, images=len(set(wanted.values())), containers=len(report.containers))


def _is_stale(report: InventoryReport, run_id: str, run_started_ms: int, seq: int) -> bool:
    if report.run_id == run_id:
        return report.seq <= seq
    return report.run_started_ms < run_started_ms


def _update_host(conn: Connection, report: InventoryReport) -> None:
    conn.execute(
        update(hosts)
        .where(hosts.c.id == report.host_id)
        .values(
            name=report.host.name,
            os=report.host.os,
            engine=report.host.engine,
            run_id=report.run_id,
            run_started_ms=report.run_started_ms,
            seq=report.seq,
            last_seen_ms=now_ms(),
        )
    )
    conn.execute(delete(host_addresses).where(host_addresses.c.host_id == report.host_id))
    if report.host.addresses:
        conn.execute(
            insert(host_addresses),
            [
                {"host_id": report.host_id, "address": a.address, "kind": a.kind}
                for a in report.host.addresses
            ],
        )


def _image_rows(
    conn: Connection, report: InventoryReport, swr_hosts: tuple[str, ...]
) -> dict[_ImageKey, str]:
    """Image row id for every (name, tag, image ID) on the host, creating rows that are new."""
    wanted: dict[_ImageKey, dict[str, object]] = {}
    for image in report.images:
        refs: list[ImageRef | None] = [parse_ref(tag) for tag in image.repo_tags]
        for ref in refs or [None]:
            name, version = (ref.name, ref.tag) if ref else (UNTAGGED, UNTAGGED)
            key = _ImageKey(name, version, image.id)
            wanted[key] = {
                "repo_digest": repo_digest_for(ref, list(image.repo_digests)) if ref else "",
                "image_size": image.size,
                "created_ms": image.created_ms,
                "local_image_type": local_image_type(ref, swr_hosts) if ref else "other_image",
            }
    found = _known_rows(conn, report.project_id, wanted)
    new = [
        {
            "id": str(uuid.uuid4()),
            "project_id": report.project_id,
            "image_name": key.name,
            "image_version": key.version,
            "config_digest": key.digest,
            **attrs,  # the scan fields: _inherit_scans below (a known scan, or the table's defaults)
        }
        # In key order, so that two ingests creating some of the same rows meet them in one order.
        for key, attrs in sorted(
            wanted.items(), key=lambda item: (item[0].name, item[0].version, item[0].digest)
        )
        if key not in found
    ]
    if new:
        name_ids = intern(conn, image_names, (str(values["image_name"]) for values in new))
        for values in new:
            values["name_id"] = name_ids[str(values["image_name"])]
        _inherit_scans(conn, new)
        insert_new = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(images)
        insert_new = insert_new.on_conflict_do_nothing(index_elements=list(_IMAGE_KEY))
        # Another host's ingest may create the same row meanwhile (hosts share their images): on
        # PostgreSQL this insert then waits for that transaction and skips the row, and the lookup
        # below (a statement of its own, so it sees what committed) gives the id that won. That
        # row may be deleted before the lookup locks it (its project or image forgotten), and
        # then it is created again: every key leaves with a row, locked until the commit.
        missing = new
        for _ in range(_CREATE_ATTEMPTS):
            conn.execute(insert_new, missing)
            found.update(
                _known_rows(conn, report.project_id, {_key_of(v): wanted[_key_of(v)] for v in missing})
            )
            missing = [values for values in missing if _key_of(values) not in found]
            if not missing:
                break
        else:
            raise ConcurrentChange("image rows kept being deleted while this snapshot was applied")
    return found


_CREATE_ATTEMPTS = 5
"""Rounds of creating an image row that concurrent deletes keep removing before it is locked."""


def _key_of(values: dict[str, object]) -> _ImageKey:
    return _ImageKey(str(values["image_name"]), str(values["image_version"]), str(values["config_digest"]))


_IMAGE_KEY = ("project_id", "image_name", "image_version", "config_digest")
"""The columns of images' unique key: one row per project, name, version and image ID."""


def _known_rows(
    conn: Connection, project_id: str, wanted: dict[_ImageKey, dict[str, object]]
) -> dict[_ImageKey, str]:
    """Ids of the rows among `wanted` that exist, updating a repo digest the engine now knows.

    The rows are locked against deletion (PostgreSQL's FOR KEY SHARE, what a foreign key check
    takes) until the commit: presence and container rows are about to point at them, and a row
    deleted in between (its project or image forgotten by another transaction) would leave them
    pointing at nothing. A row being deleted is waited for and, once gone, not returned.
    """
    found: dict[_ImageKey, str] = {}
    # Looked up by image ID alone (every tag of one is locked, a few rows more than needed): a
    # row-value IN of (name, version, image ID) is read by SQLite without an index (every image
    # row of the store: 72 ms an ingest at 200,000 images), and PostgreSQL's generic plan of it
    # for 500 keys, which psycopg's prepared statement reaches by the sixth run, took 8 s.
    digests = sorted({k.digest for k in wanted})
    for start in range(0, len(digests), _CHUNK):
        rows = conn.execute(
            select(
                images.c.id,
                images.c.image_name,
                images.c.image_version,
                images.c.config_digest,
                images.c.repo_digest,
            )
            .where(
                images.c.project_id == project_id, images.c.config_digest.in_(digests[start : start + _CHUNK])
            )
            .with_for_update(read=True, key_share=True)
        )
        for row in rows:
            key = _ImageKey(row.image_name, row.image_version, row.config_digest)
            if key not in wanted:
                continue
            found[key] = row.id
            known = wanted[key]["repo_digest"]
            if known and known != row.repo_digest:
                conn.execute(update(images).where(images.c.id == row.id).values(repo_digest=known))
    return found


_SCAN_FIELDS = (
    "scan_status",
    "latest_scan_ms",
    "vul_num",
    "unsafe_setting_num",
    "malicious_file_num",
    "component_num",
    "scan_failed_desc",
    "severity_level",
)

# The scan fields of an image ID never scanned: the table's own defaults.
_UNSCANNED: dict[str, object] = {f: images.c[f].default.arg for f in _SCAN_FIELDS}  # type: ignore[union-attr]


def _inherit_scans(conn: Connection, new: list[dict[str, object]]) -> None:
    """A new row of an image ID already scanned (another tag, another project) starts with that scan.

    Every row of an image ID carries the same verdict (the scan is per image ID), so any scanned
    sibling row holds it; the image is not scanned again.
    """
    digests = sorted({str(row["config_digest"]) for row in new})
    known: dict[str, dict[str, object]] = {}
    for start in range(0, len(digests), _CHUNK):
        rows = conn.execute(
            select(images.c.config_digest, *(images.c[f] for f in _SCAN_FIELDS))
            .where(
                images.c.config_digest.in_(digests[start : start + _CHUNK]),
                images.c.scan_status.in_(("success", "failed")),
            )
            .order_by(images.c.latest_scan_ms)
        )
        for scanned in rows:
            known[scanned.config_digest] = {f: getattr(scanned, f) for f in _SCAN_FIELDS}
    for values in new:
        # Every row gets every field (one executemany needs the same keys in each row).
        values.update(known.get(str(values["config_digest"]), _UNSCANNED))


def _set_presence(conn: Connection, host_id: str, ep: str, wanted: set[str]) -> set[str]:
    present = set(
        conn.execute(select(image_hosts.c.image_id).where(image_hosts.c.host_id == host_id)).scalars()
    )
    gone, added = present - wanted, wanted - present
    for start in range(0, len(gone), _CHUNK):
        chunk = sorted(gone)[start : start + _CHUNK]
        conn.execute(
            delete(image_hosts).where(image_hosts.c.host_id == host_id, image_hosts.c.image_id.in_(chunk))
        )
    if added:
        conn.execute(
            insert(image_hosts),
            [{"image_id": i, "host_id": host_id, "enterprise_project_id": ep} for i in added],
        )
    return gone | added


def _container_image(c: ReportedContainer, rows: dict[_ImageKey, str]) -> str | None:
    """The image row a container counts for: the one it was created by name, else the first of its ID."""
    candidates = sorted((k for k in rows if k.digest == c.image_id), key=lambda k: (k.name, k.version))
    ref = parse_ref(c.image)
    for key in candidates:
        if (key.name, key.version) == (ref.name, ref.tag):
            return rows[key]
    return rows[candidates[0]] if candidates else None


def _set_containers(
    conn: Connection, report: InventoryReport, ep: str, rows: dict[_ImageKey, str]
) -> set[str]:
    before = {
        r.container_id: r
        for r in conn.execute(select(containers).where(containers.c.host_id == report.host_id))
    }
    after: dict[str, dict[str, object]] = {}
    for c in report.containers:
        after[c.id] = {
            "host_id": report.host_id,
            "container_id": c.id,
            "project_id": report.project_id,
            "enterprise_project_id": ep,
            "image_id": _container_image(c, rows),
            "name": c.name,
            "state": c.state,
            "image_ref": c.image,
            "config_digest": c.image_id,
            "pod_id": c.pod_id,
            "pod_name": c.pod_name,
            "pod_namespace": c.pod_namespace,
            "created_ms": c.created_ms,
        }
    changed = {
        cid
        for cid in before.keys() | after.keys()
        if cid not in before
        or cid not in after
        or any(getattr(before[cid], k) != v for k, v in after[cid].items())
    }
    if not changed:
        return set()
    affected = {before[c].image_id for c in changed if c in before} | {
        after[c]["image_id"] for c in changed if c in after
    }
    stale = sorted(c for c in changed if c in before)
    for start in range(0, len(stale), _CHUNK):
        conn.execute(
            delete(containers).where(
                containers.c.host_id == report.host_id,
                containers.c.container_id.in_(stale[start : start + _CHUNK]),
            )
        )
    fresh = [after[c] for c in changed if c in after]
    if fresh:
        conn.execute(insert(containers), fresh)
    return {str(i) for i in affected if i is not None}
