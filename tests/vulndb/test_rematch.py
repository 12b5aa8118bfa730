"""Re-matching after an import leaves every stored image exactly as a fresh scan result would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from openhss.store import Database
from openhss.store.tables import image_vulnerabilities
from openhss.vulndb.rematching import rematch
from openhss.vulndb.scans import ImageScan, ScannedComponent, record_scan, stored_vulnerability_count
from tests.support.osv import import_osv, osv_record


def _import(db: Database, tmp_path: Path, name: str, records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return import_osv(db, tmp_path / f"{name}.json", records, name).changed_packages


def _rows(db: Database, digest: str) -> set[tuple[Any, ...]]:
    iv = image_vulnerabilities
    with db.begin() as conn:
        return set(
            conn.execute(
                select(iv.c.advisory_id, iv.c.idx, iv.c.vuln_key, iv.c.severity, iv.c.fixed_version).where(
                    iv.c.config_digest == digest
                )
            ).all()
        )


def _components(*pairs: tuple[str, str]) -> tuple[ScannedComponent, ...]:
    return tuple(ScannedComponent(n, v, "pypi", f"pkg:pypi/{n}@{v}", "x") for n, v in pairs)


def test_rematch_equals_a_fresh_match(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    _import(
        db,
        tmp_path,
        "first",
        [
            osv_record("GHSA-a", "alpha", "2.0", aliases=["CVE-2024-1"]),
            osv_record("GHSA-b", "beta", "2.0", aliases=["CVE-2024-2"]),
            osv_record("GHSA-c", "gamma", "2.0"),
            osv_record("GHSA-d", "delta", "2.0"),
        ],
    )
    images = {
        "sha256:1": _components(("alpha", "1.0"), ("beta", "1.0"), ("gamma", "1.0")),
        "sha256:2": _components(("alpha", "3.0"), ("beta", "1.0"), ("delta", "1.0")),
        "sha256:3": _components(("gamma", "3.0"), ("delta", "1.0")),
        "sha256:4": _components(("alpha", "5.0"), ("beta", "1.0")),  # holds a changed package, unaffected
    }
    for digest, comps in images.items():
        record_scan(db, ImageScan(digest, comps))
    changed = _import(
        db,
        tmp_path,
        "second",
        [
            # a second id of beta's vulnerability, found through alpha: merges two groups
            osv_record("PYSEC-x", "alpha", "4.0", aliases=["CVE-2024-2"], modified="2024-02-01T00:00:00Z"),
            osv_record("GHSA-c", "gamma", "4.0", modified="2024-02-01T00:00:00Z"),
            osv_record(
                "GHSA-d", "delta", "2.0", modified="2024-02-01T00:00:00Z", withdrawn="2024-02-01T00:00:00Z"
            ),
        ],
    )
    assert rematch(db, changed, batch=2) == 4
    for digest, comps in images.items():
        fresh = "sha256:fresh" + digest
        record_scan(db, ImageScan(fresh, comps))
        assert _rows(db, digest) == _rows(db, fresh), digest
        with db.begin() as conn:
            assert stored_vulnerability_count(conn, digest) == stored_vulnerability_count(conn, fresh)
    db.close()


def test_a_withdrawn_bridge_splits_a_merged_vulnerability(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    _import(
        db,
        tmp_path,
        "first",
        [
            osv_record("GHSA-a", "alpha", "2.0", aliases=["CVE-2024-1"]),
            osv_record("GHSA-b", "beta", "2.0", aliases=["CVE-2024-2"]),
            osv_record("GHSA-c", "gamma", "2.0", aliases=["CVE-2024-1", "CVE-2024-2"]),
        ],
    )
    comps = _components(("alpha", "1.0"), ("beta", "1.0"), ("gamma", "1.0"))
    record_scan(db, ImageScan("sha256:1", comps))
    with db.begin() as conn:
        assert stored_vulnerability_count(conn, "sha256:1") == 1
    changed = _import(
        db,
        tmp_path,
        "second",
        [
            osv_record(
                "GHSA-c", "gamma", "2.0", modified="2024-02-01T00:00:00Z", withdrawn="2024-02-01T00:00:00Z"
            )
        ],
    )
    assert rematch(db, changed) == 1
    record_scan(db, ImageScan("sha256:fresh", comps))
    assert _rows(db, "sha256:1") == _rows(db, "sha256:fresh")
    with db.begin() as conn:
        assert stored_vulnerability_count(conn, "sha256:1") == 2
    db.close()
