"""The advisory store: incremental OSV import (one transaction per batch) and per-ecosystem status."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from openhss.store import Database
from openhss.store.tables import advisories, advisory_nodes, advisory_packages, vulndb_sources
from openhss.vulndb.interface import Advisory, InvalidAdvisory
from openhss.vulndb.merging import merge_nodes
from openhss.vulndb.osv import parse_record

PackageKey = tuple[str, str]
"""(match ecosystem, normalised name): what a change to an advisory can change the matches of."""


@dataclass
class ImportStats:
    """What an import did."""

    added: int = 0
    """Advisories new to the store."""
    updated: int = 0
    """Advisories whose `modified` changed."""
    unchanged: int = 0
    """Advisories skipped because their `modified` is the one stored."""
    withdrawn: int = 0
    """Withdrawn advisories removed."""
    invalid: list[str] = field(default_factory=list)
    """Records that could not be read (where and why), skipped."""
    changed_packages: set[PackageKey] = field(default_factory=set)
    """Packages whose advisories changed: the SBOMs holding them must be re-matched."""
    changed_advisories: set[str] = field(default_factory=set)
    """Advisories added, updated or removed: the only ones whose matches can differ."""


@dataclass(frozen=True)
class EcosystemStatus:
    """What the store knows of one ecosystem."""

    ecosystem: str
    """OSV ecosystem without release (`Debian`, `PyPI`)."""
    advisories: int
    """Advisories with at least one package of the ecosystem."""
    packages: int
    """Distinct package names."""
    newest_modified_ms: int
    """Newest `modified` among them."""


def _batches(records: Iterable[tuple[str, Any]], size: int, stats: ImportStats) -> Iterator[list[Advisory]]:
    batch: dict[str, Advisory] = {}
    for where, raw in records:
        if isinstance(raw, InvalidAdvisory):
            stats.invalid.append(f"{where}: {raw}")
            continue
        try:
            advisory = parse_record(raw)
        except InvalidAdvisory as exc:
            stats.invalid.append(f"{where}: {exc}")
            continue
        kept = batch.get(advisory.id)
        if kept is None or advisory.modified_ms >= kept.modified_ms:
            batch[advisory.id] = advisory
        if len(batch) >= size:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


def ranges_digest(ranges: str) -> str:
    """The stored digest of an affected entry's ranges text: what compiled ranges are cached by."""
    return hashlib.blake2b(ranges.encode(), digest_size=16).hexdigest()


class Knowledge:
    """Advisories in the store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def import_records(
        self,
        records: Iterable[tuple[str, Any]],
        source: str,
        batch_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> ImportStats:
        """Import raw OSV records; unchanged ones are skipped, withdrawn ones removed."""
        stats = ImportStats()
        for batch in _batches(records, batch_size, stats):
            with self._db.begin(write=True) as conn:
                self._apply(conn, batch, source, stats)
            if progress is not None:
                progress(len(batch))
        return stats

    def _apply(self, conn: Connection, batch: list[Advisory], source: str, stats: ImportStats) -> None:
        ids = [a.id for a in batch]
        stored = dict(
            conn.execute(
                select(advisories.c.id, advisories.c.modified_ms).where(advisories.c.id.in_(ids))
            ).all()
        )
        replace: list[str] = []
        fresh: list[Advisory] = []
        for advisory in batch:
            known = stored.get(advisory.id)
            if advisory.withdrawn:
                if known is not None:
                    replace.append(advisory.id)
                    stats.withdrawn += 1
                continue
            if known is not None and known == advisory.modified_ms:
                stats.unchanged += 1
                continue
            if known is not None:
                replace.append(advisory.id)
                stats.updated += 1
            else:
                stats.added += 1
            fresh.append(advisory)
        stats.changed_advisories.update(replace)
        stats.changed_advisories.update(a.id for a in fresh)
        if replace:
            old = conn.execute(
                select(advisory_packages.c.match_ecosystem, advisory_packages.c.name).where(
                    advisory_packages.c.advisory_id.in_(replace)
                )
            ).all()
            stats.changed_packages.update((r[0], r[1]) for r in old)
            conn.execute(delete(advisory_packages).where(advisory_packages.c.advisory_id.in_(replace)))
            conn.execute(delete(advisory_nodes).where(advisory_nodes.c.advisory_id.in_(replace)))
            withdrawn = [a.id for a in batch if a.withdrawn and a.id in stored]
            if withdrawn:
                conn.execute(delete(advisories).where(advisories.c.id.in_(withdrawn)))
        # One executemany per statement: building a statement per advisory costs more than the write.
        values = [
            {
                "b_id": advisory.id,
                "modified_ms": advisory.modified_ms,
                "published_ms": advisory.published_ms,
                "aliases": json.dumps(advisory.aliases),
                "upstream": json.dumps(advisory.upstream),
                "summary": advisory.summary,
                "severity": advisory.severity,
                "cvss_vector": advisory.cvss_vector,
                "cvss_score": advisory.cvss_score,
                "source": source[:1024],
            }
            for advisory in fresh
        ]
        changed = [v for v in values if v["b_id"] in stored]
        if changed:
            conn.execute(update(advisories).where(advisories.c.id == bindparam("b_id")), changed)
        added = [
            {"id": v["b_id"], **{k: x for k, x in v.items() if k != "b_id"}}
            for v in values
            if v["b_id"] not in stored
        ]
        if added:
            conn.execute(insert(advisories), added)
        nodes = [
            {"advisory_id": advisory.id, "node": node}
            for advisory in fresh
            for node in sorted(merge_nodes(advisory.id, advisory.aliases, advisory.upstream))
        ]
        if nodes:
            conn.execute(insert(advisory_nodes), nodes)
        rows = [
            {
                "advisory_id": advisory.id,
                "ecosystem": p.ecosystem,
                "ecosystem_base": p.ecosystem.split(":", 1)[0],
                "match_ecosystem": p.match_ecosystem,
                "name": p.name,
                "ranges": p.ranges,
                "ranges_digest": ranges_digest(p.ranges),
                "severity": p.severity,
            }
            for advisory in fresh
            for p in advisory.affected
        ]
        if rows:
            conn.execute(insert(advisory_packages), rows)
        stats.changed_packages.update((r["match_ecosystem"], r["name"]) for r in rows)

    def status(self) -> list[EcosystemStatus]:
        """Per OSV ecosystem (without release): advisories, package names, newest `modified`."""
        p = advisory_packages
        with self._db.begin() as conn:
            rows = conn.execute(
                select(
                    p.c.ecosystem_base,
                    func.count(func.distinct(p.c.advisory_id)),
                    func.count(func.distinct(p.c.name)),
                    func.max(advisories.c.modified_ms),
                )
                .join(advisories, advisories.c.id == p.c.advisory_id)
                .group_by(p.c.ecosystem_base)
                .order_by(p.c.ecosystem_base)
            ).all()
        return [EcosystemStatus(r[0], int(r[1]), int(r[2]), int(r[3] or 0)) for r in rows]

    def advisory_count(self) -> int:
        """Advisories stored."""
        with self._db.begin() as conn:
            return int(conn.execute(select(func.count()).select_from(advisories)).scalar_one())

    def last_updated_ms(self) -> int:
        """When advisories were last imported or updated (0 when never)."""
        with self._db.begin() as conn:
            return int(
                conn.execute(select(func.coalesce(func.max(vulndb_sources.c.fetched_ms), 0))).scalar_one()
            )

    def newest_modified_ms(self) -> int:
        """The newest `modified` stored (0 when empty)."""
        with self._db.begin() as conn:
            return int(
                conn.execute(select(func.coalesce(func.max(advisories.c.modified_ms), 0))).scalar_one()
            )
