"""What matching keeps per process (candidates, matched advisories) follows every change of the advisories.

A warm match reads only the store's knowledge generation; these tests change the advisories in every
way a store sees (an import here, an update, a withdrawal, a write by another process straight into
the tables) and check the next match in the same process answers from the new knowledge, exactly as
a process that kept nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from openhss.store import Database
from openhss.vulndb import matching
from openhss.vulndb.scans import ScannedComponent, package_ref
from tests.support.osv import import_osv, osv_record


def _osv(rid: str, name: str, fixed: str, **extra: Any) -> dict[str, Any]:
    return osv_record(rid, name, fixed, summary=f"{rid} in {name}", **extra)


_IMAGE = tuple(
    ScannedComponent(n, v, "pypi", f"pkg:pypi/{n}@{v}", "x") for n, v in (("alpha", "1.0"), ("beta", "2.0"))
)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    matching.forget()
    yield store
    matching.forget()
    store.close()


def _import(db: Database, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    import_osv(db, tmp_path / f"osv-{len(list(tmp_path.iterdir()))}.json", records, "test")


def _match(db: Database) -> set[tuple[str, str, str, str]]:
    refs = [package_ref(c) for c in _IMAGE]
    with db.begin() as conn:
        found = matching.match(conn, refs, [c.name for c in _IMAGE])
    return {(v.id, v.package, v.fixed_version, v.summary) for v in found}


def _fresh(db: Database) -> set[tuple[str, str, str, str]]:
    """What a process that kept nothing answers."""
    matching.forget()
    return _match(db)


def _generation(db: Database) -> int:
    with db.begin() as conn:
        return int(conn.execute(text("SELECT generation FROM vulndb_generation WHERE id = 1")).scalar_one())


def test_a_warm_match_reads_the_kept_entries_and_answers_the_same(db: Database, tmp_path: Path) -> None:
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5"), _osv("GHSA-b", "beta", "3.0")])
    first = _match(db)
    assert first == {
        ("GHSA-a", "alpha", "1.5", "GHSA-a in alpha"),
        ("GHSA-b", "beta", "3.0", "GHSA-b in beta"),
    }
    kept = matching._KEPT
    assert set(kept.candidates) == {("pypi", "alpha"), ("pypi", "beta")}
    assert set(kept.info) == {"GHSA-a", "GHSA-b"}
    assert _match(db) == first
    assert matching._KEPT is kept  # nothing changed in the store: the same entries served it


def test_an_import_changes_the_next_match(db: Database, tmp_path: Path) -> None:
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5")])
    assert {f[0] for f in _match(db)} == {"GHSA-a"}
    before = _generation(db)
    # Updated (now fixed before the installed 1.0), a new one for beta, and a summary changed.
    _import(
        db,
        tmp_path,
        [
            _osv("GHSA-a", "alpha", "0.9", modified="2025-01-01T00:00:00Z"),
            _osv("GHSA-b", "beta", "3.0"),
        ],
    )
    assert _generation(db) != before
    assert _match(db) == {("GHSA-b", "beta", "3.0", "GHSA-b in beta")} == _fresh(db)


def test_a_withdrawn_advisory_stops_matching(db: Database, tmp_path: Path) -> None:
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5"), _osv("GHSA-b", "beta", "3.0")])
    assert len(_match(db)) == 2
    _import(
        db,
        tmp_path,
        [_osv("GHSA-a", "alpha", "1.5", modified="2025-01-01T00:00:00Z", withdrawn="2025-01-01T00:00:00Z")],
    )
    assert _match(db) == {("GHSA-b", "beta", "3.0", "GHSA-b in beta")} == _fresh(db)


def test_a_write_by_another_process_is_seen(db: Database, tmp_path: Path) -> None:
    """Another process (or a manual fix) writes the tables directly: the triggers change the generation."""
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5"), _osv("GHSA-b", "beta", "3.0")])
    assert len(_match(db)) == 2
    other = Database(db.url)  # its own connections, as another process would have
    try:
        before = _generation(db)
        with other.begin(write=True) as conn:
            conn.execute(text("UPDATE advisories SET summary = 'changed' WHERE id = 'GHSA-b'"))
        assert _generation(db) != before
        assert ("GHSA-b", "beta", "3.0", "changed") in _match(db)
        before = _generation(db)
        with other.begin(write=True) as conn:
            conn.execute(text("DELETE FROM advisory_packages WHERE advisory_id = 'GHSA-a'"))
        assert _generation(db) != before
        assert _match(db) == {("GHSA-b", "beta", "3.0", "changed")} == _fresh(db)
    finally:
        other.close()


def test_a_package_no_advisory_names_is_kept_as_none_and_found_after_an_import(
    db: Database, tmp_path: Path
) -> None:
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5")])
    assert {f[0] for f in _match(db)} == {"GHSA-a"}
    assert matching._KEPT.candidates[("pypi", "beta")] == []
    _import(db, tmp_path, [_osv("GHSA-b", "beta", "3.0")])
    assert {f[0] for f in _match(db)} == {"GHSA-a", "GHSA-b"}


def test_two_stores_in_one_process_never_share_what_is_kept(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    """Test databases are made from one template: the same generation, told apart by their URL."""
    _import(db, tmp_path, [_osv("GHSA-a", "alpha", "1.5")])
    assert {f[0] for f in _match(db)} == {"GHSA-a"}
    second_path = tmp_path / "second"
    second_path.mkdir()
    second = Database(f"sqlite:///{second_path / 'other.db'}")
    try:
        second.migrate()
        assert _match(second) == set()
        assert {f[0] for f in _match(db)} == {"GHSA-a"}
    finally:
        second.close()
