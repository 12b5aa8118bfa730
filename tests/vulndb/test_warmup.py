"""The start-up warm-up compiles what the stored SBOMs hold, within its limits, and changes no answer."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

from openhss.config import Settings
from openhss.store import Database
from openhss.vulndb import matching, ranges
from openhss.vulndb.scans import ImageScan, ScannedComponent, package_ref, record_scan
from openhss.vulndb.warmup import WarmupLimits, WarmupResult, held_packages, start_warm_up, warm_up
from tests.support.osv import import_osv, osv_record


def _pypi(*pairs: tuple[str, str]) -> tuple[ScannedComponent, ...]:
    return tuple(ScannedComponent(n, v, "pypi", f"pkg:pypi/{n}@{v}", "x") for n, v in pairs)


_IMAGES = {
    "sha256:1": _pypi(("alpha", "1.0"), ("beta", "1.0"), ("gamma", "1.0")),
    "sha256:2": _pypi(("alpha", "3.0"), ("beta", "1.0")),
    "sha256:3": _pypi(("alpha", "1.5"), ("delta", "0.1")),
}


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> Database:
    store = Database(database_url)
    records = [
        osv_record("GHSA-a1", "alpha", "2.0"),
        osv_record("GHSA-a2", "alpha", "4.0"),
        osv_record("GHSA-b", "beta", "2.5"),
        osv_record("GHSA-g", "gamma", "0.5"),
        osv_record("GHSA-d", "delta", "1.0"),
        osv_record("GHSA-e", "epsilon", "1.5"),  # held by no stored SBOM
    ]
    import_osv(store, tmp_path / "osv.json", records, "test")
    for digest, comps in _IMAGES.items():
        record_scan(store, ImageScan(digest, comps))
    _forget()
    return store


def _forget() -> None:
    """What a fresh server process starts with."""
    matching._COMPILED.clear()
    matching.forget()
    matching._ids.cache_clear()
    ranges._parse.cache_clear()


def _match(db: Database, comps: tuple[ScannedComponent, ...]) -> list[Any]:
    with db.begin() as conn:
        return matching.match(conn, [package_ref(c) for c in comps], [c.name for c in comps])


def test_held_packages_most_held_first(db: Database) -> None:
    assert held_packages(db, 10) == [
        ("pypi", "alpha"),
        ("pypi", "beta"),
        ("pypi", "delta"),
        ("pypi", "gamma"),
    ]
    # The sample is the lowest config digests.
    assert held_packages(db, 1) == [("pypi", "alpha"), ("pypi", "beta"), ("pypi", "gamma")]


def test_warm_up_compiles_every_held_entry_and_answers_stay_the_same(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = {digest: _match(db, comps) for digest, comps in _IMAGES.items()}
    _forget()
    done = warm_up(db)
    assert (done.packages, done.entries) == (4, 5)
    assert len(matching._COMPILED) == 5
    # After the warm-up no match of a stored image compiles anything again.
    monkeypatch.setattr(matching, "_compile", lambda *_: pytest.fail("compiled after the warm-up"))
    assert {digest: _match(db, comps) for digest, comps in _IMAGES.items()} == cold
    assert any(cold.values())


def test_warm_up_stays_within_its_limits(db: Database) -> None:
    assert warm_up(db, WarmupLimits(entries=0)) == WarmupResult(0, 0, 0.0)
    assert not matching._COMPILED
    # The entry budget is checked between chunks: one chunk of the most held package, then stop.
    done = warm_up(db, WarmupLimits(entries=1, chunk=1))
    assert (done.packages, done.entries) == (1, 2)
    assert len(matching._COMPILED) == 2
    _forget()
    assert warm_up(db, WarmupLimits(seconds=0.0)).packages == 0


def test_a_server_starts_it_in_the_background(db: Database, tmp_path: Path) -> None:
    frozen = gc.get_freeze_count()
    try:
        thread = start_warm_up(db)
        thread.join(timeout=60)
        assert not thread.is_alive() and thread.daemon
        assert len(matching._COMPILED) == 5
        # Settled: the cache is out of the cycle collector's walks.
        assert gc.get_freeze_count() > frozen
        walked = {id(o) for o in gc.get_objects()}
        assert not any(id(e) in walked for e in matching._COMPILED.values())
    finally:
        gc.unfreeze()
    assert Settings.from_env({"OPENHSS_HOME": str(tmp_path)}).match_warmup_entries == 100_000
    assert Settings.from_env({"OPENHSS_MATCH_WARMUP_ENTRIES": "0"}).match_warmup_entries == 0


@pytest.mark.parametrize("raw", ["lots", "-1", "1e5"])
def test_a_warm_up_setting_that_is_not_a_count_is_refused_by_name(raw: str) -> None:
    with pytest.raises(ValueError, match="OPENHSS_MATCH_WARMUP_ENTRIES"):
        Settings.from_env({"OPENHSS_MATCH_WARMUP_ENTRIES": raw})
