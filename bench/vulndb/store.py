"""Fill a store with many scanned images quickly: the rows `scans.record_scan` writes, in bulk.

Matching runs once per distinct package version of the whole fleet (images share them); each image
then gets its own merge keys, counts and severity exactly as `record_scan` computes them. Rows go in through the
driver itself (executemany on SQLite, COPY on PostgreSQL): 10,000 images of 1,000 components are
about 25 million rows, where building a statement parameter dict per row costs more than the write.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select

from openhss.severity import severity_level
from openhss.store import Database, now_ms
from openhss.store.tables import domains, projects
from openhss.vulndb.interface import PackageRef
from openhss.vulndb.matching import advisory_info, match
from openhss.vulndb.merging import merge_keys_by_nodes, merge_nodes
from openhss.vulndb.scans import ScannedComponent, component_row, intern_names, package_ref

Hit = tuple[str, str, str]
"""One match of a package: advisory id, severity, fixed version."""

PROJECT = "bench0000000000000000000000000000"[:32]
COMPONENT_COLUMNS = (
    "config_digest",
    "idx",
    "name",
    "version",
    "ecosystem",
    "purl",
    "path",
    "layer",
    "match_ecosystem",
    "match_name",
    "match_version",
)
VULN_COLUMNS = ("config_digest", "advisory_id", "idx", "vuln_key", "severity", "fixed_version")
SBOM_COLUMNS = (
    "config_digest",
    "scanned_ms",
    "distro",
    "component_num",
    "unsafe_setting_num",
    "unsafe_setting_high",
    "malicious_file_num",
    "findings",
)
IMAGE_COLUMNS = (
    "id",
    "project_id",
    "image_name",
    "image_version",
    "config_digest",
    "repo_digest",
    "image_size",
    "created_ms",
    "local_image_type",
    "scan_status",
    "latest_scan_ms",
    "vul_num",
    "unsafe_setting_num",
    "malicious_file_num",
    "component_num",
    "scan_failed_desc",
    "severity_level",
    "non_scan_reason",
)


def ensure_project(db: Database) -> None:
    """A domain and project the benchmark's image rows belong to."""
    with db.begin(write=True) as conn:
        if conn.execute(select(projects.c.id).where(projects.c.id == PROJECT)).first():
            return
        conn.execute(insert(domains).values(id="benchdomain", name="bench", created_ms=now_ms()))
        conn.execute(
            insert(projects).values(id=PROJECT, domain_id="benchdomain", name="bench", created_ms=now_ms())
        )


def image_row(digest: str, n: int, scanned_ms: int = 0, **verdict: object) -> tuple[object, ...]:
    """One `images` row holding the digest (what the agent's inventory report would have made)."""
    values: dict[str, object] = {
        "id": f"img-{n:032d}"[:36],
        "project_id": PROJECT,
        "image_name": f"app{n}",
        "image_version": "1",
        "config_digest": digest,
        "repo_digest": "",
        "image_size": 0,
        "created_ms": 0,
        "local_image_type": "other_image",
        "scan_status": "unscan",
        "latest_scan_ms": scanned_ms,
        "vul_num": 0,
        "unsafe_setting_num": 0,
        "malicious_file_num": 0,
        "component_num": 0,
        "scan_failed_desc": "",
        "severity_level": "",
        "non_scan_reason": "",
        **verdict,
    }
    return tuple(values[c] for c in IMAGE_COLUMNS)


class MergeGroups:
    """`merge_keys_by_nodes` for many images at once. The advisories of one image merge only through
    nodes they share, so an image's groups split the groups of all advisories known; each image is
    merged within those (cached: images share them) instead of over its ~500 matches anew."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._cache: dict[frozenset[str], dict[str, str]] = {}

    def _root(self, x: str) -> str:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def add(self, advisory_id: str, nodes: Iterable[str]) -> None:
        """Join an advisory to the groups of its nodes."""
        for node in (advisory_id, *nodes):
            self._parent.setdefault(node, node)
        root = self._root(advisory_id)
        for node in nodes:
            other = self._root(node)
            if other != root:
                self._parent[other] = root

    def keys(self, ids: Iterable[str], nodes: dict[str, frozenset[str]]) -> dict[str, str]:
        """What `merge_keys_by_nodes` gives for these advisories (all added before)."""
        by_root: dict[str, list[str]] = {}
        for a in ids:
            by_root.setdefault(self._root(a), []).append(a)
        out: dict[str, str] = {}
        for members in by_root.values():
            group = frozenset(members)
            keys = self._cache.get(group)
            if keys is None:
                keys = self._cache[group] = merge_keys_by_nodes((a, nodes[a]) for a in sorted(group))
            out.update(keys)
        return out


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write rows with the driver's fastest path: COPY on PostgreSQL, executemany on SQLite."""
    raw: Any = conn.connection.driver_connection
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
    finally:
        cur.close()


class FleetStore:
    """Stores batches of scanned images as `record_scan` would, keeping across batches what depends
    only on the knowledge, which does not change while a fleet is stored: each package's matches,
    each advisory's merge nodes, each component's row and each name's interned id."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._hits: dict[PackageRef, tuple[Hit, ...]] = {}
        self._nodes: dict[str, frozenset[str]] = {}
        self._rows: dict[ScannedComponent, tuple[tuple[object, ...], PackageRef | None]] = {}
        self._name_ids: dict[str, int] = {}
        self._merges = MergeGroups()

    def record(self, scans: Sequence[tuple[str, Sequence[ScannedComponent]]], first: int) -> None:
        """Store `scans` (digest, components), with image rows numbered from `first`."""
        # Millions of row tuples are alive at once and none form cycles: the cycle collector would
        # only walk them over and over (it took half of the time).
        gc.disable()
        try:
            with self.db.begin(write=True) as conn:
                if conn.dialect.name == "sqlite":
                    # The component and match indexes grow to gigabytes and each batch inserts all
                    # over them: with SQLite's default 2 MiB page cache most inserts re-read pages.
                    conn.exec_driver_sql("PRAGMA cache_size=-1048576")
                self._record(conn, scans, first)
        finally:
            gc.enable()

    def _component(self, c: ScannedComponent) -> tuple[tuple[object, ...], PackageRef | None]:
        """The component's row without its image columns, and its match key (fleets share them)."""
        known = self._rows.get(c)
        if known is None:
            ref = package_ref(c)
            row = component_row("", 0, c, ref)
            known = self._rows[c] = (tuple(row[k] for k in COMPONENT_COLUMNS[2:]), ref)
        return known

    def _learn(self, conn: Connection, refs: Iterable[PackageRef | None]) -> None:
        """Match the packages not matched in an earlier batch, and learn their advisories' nodes."""
        new = list({r: None for r in refs if r is not None and r not in self._hits})
        if not new:
            return
        found = match(conn, new, [r.name for r in new])
        hits: dict[int, list[Hit]] = {}
        for v in found:
            hits.setdefault(v.component_index, []).append((v.id, v.severity, v.fixed_version))
        for i, r in enumerate(new):
            self._hits[r] = tuple(hits.get(i, ()))
        info = advisory_info(conn, {v.id for v in found} - self._nodes.keys())
        for v in found:
            if v.id not in self._nodes:
                # What record_scan reads back from the advisories table (none: the id alone).
                aliases, upstream = (info[v.id].aliases, info[v.id].upstream) if v.id in info else ((), ())
                self._nodes[v.id] = merge_nodes(v.id, aliases, upstream)
                self._merges.add(v.id, self._nodes[v.id])

    def _record(
        self, conn: Connection, scans: Sequence[tuple[str, Sequence[ScannedComponent]]], first: int
    ) -> None:
        parts = [[self._component(c) for c in comps] for _, comps in scans]
        self._learn(conn, (ref for part in parts for _, ref in part))
        names = {c.name for _, comps in scans for c in comps} - self._name_ids.keys()
        self._name_ids.update(intern_names(conn, names))
        sbom_rows: list[tuple[object, ...]] = []
        image_rows: list[tuple[object, ...]] = []
        comp_rows: list[tuple[object, ...]] = []
        vuln_rows: list[tuple[object, ...]] = []
        name_rows: list[tuple[object, ...]] = []
        for n, ((digest, comps), part) in enumerate(zip(scans, parts, strict=True)):
            scanned = now_ms()
            sbom_rows.append((digest, scanned, "debian:12", len(comps), 0, 0, 0, "{}"))
            hits: list[tuple[int, Hit]] = []
            for i, (tail, ref) in enumerate(part):
                comp_rows.append((digest, i, *tail))
                if ref is not None:
                    hits += [(i, h) for h in self._hits[ref]]
            keys = self._merges.keys({h[0] for _, h in hits}, self._nodes)
            vuln_rows += [(digest, a, i, keys[a], severity, fixed) for i, (a, severity, fixed) in hits]
            image_rows.append(
                image_row(
                    digest,
                    first + n,
                    scanned,
                    scan_status="success",
                    vul_num=len(set(keys.values())),
                    component_num=len(comps),
                    severity_level=severity_level([h[1] for _, h in hits], [], 0),
                )
            )
            name_rows += [(digest, self._name_ids[x]) for x in sorted({c.name for c in comps})]
        copy_rows(conn, "sboms", SBOM_COLUMNS, sbom_rows)
        copy_rows(conn, "images", IMAGE_COLUMNS, image_rows)
        copy_rows(conn, "image_components", ("config_digest", "name_id"), name_rows)
        copy_rows(conn, "sbom_components", COMPONENT_COLUMNS, comp_rows)
        copy_rows(conn, "image_vulnerabilities", VULN_COLUMNS, vuln_rows)
