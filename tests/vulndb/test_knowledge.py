"""OSV import: zip, directory and file sources; incremental by `modified`; withdrawn removed; status."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from openhss.store import Database
from openhss.vulndb.interface import SourceError
from openhss.vulndb.knowledge import Knowledge
from openhss.vulndb.osv import read_source


def _record(rid: str, modified: str = "2024-01-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    record = {
        "schema_version": "1.6.0",
        "id": rid,
        "modified": modified,
        "published": "2023-12-01T00:00:00Z",
        "aliases": [f"CVE-2024-{rid[-4:]}"],
        "summary": f"summary of {rid}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Django_Thing"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
            },
            {
                "package": {"ecosystem": "Debian:12", "name": "openssl"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]}
                ],
                "ecosystem_specific": {"urgency": "low"},
            },
        ],
    }
    record.update(extra)
    return record


@pytest.fixture
def knowledge(database_url: str) -> Knowledge:
    return Knowledge(Database(database_url))


def test_import_is_incremental_and_removes_withdrawn(knowledge: Knowledge, tmp_path: Path) -> None:
    src = tmp_path / "advisories"
    (src / "nested").mkdir(parents=True)
    for i in range(5):
        (src / "nested" / f"GHSA-000{i}.json").write_text(json.dumps(_record(f"GHSA-000{i}")))
    first = knowledge.import_records(read_source(src), "dir", batch_size=2)
    assert (first.added, first.updated, first.unchanged, first.withdrawn) == (5, 0, 0, 0)
    assert first.changed_packages == {("pypi", "django-thing"), ("debian:12", "openssl")}
    again = knowledge.import_records(read_source(src), "dir")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert again.changed_packages == set()
    (src / "nested" / "GHSA-0001.json").write_text(json.dumps(_record("GHSA-0001", "2024-02-01T00:00:00Z")))
    (src / "nested" / "GHSA-0002.json").write_text(
        json.dumps(_record("GHSA-0002", "2024-02-01T00:00:00Z", withdrawn="2024-02-01T00:00:00Z"))
    )
    third = knowledge.import_records(read_source(src), "dir")
    assert (third.added, third.updated, third.unchanged, third.withdrawn) == (0, 1, 3, 1)
    assert knowledge.advisory_count() == 4
    status = {s.ecosystem: s for s in knowledge.status()}
    assert set(status) == {"Debian", "PyPI"}
    assert (status["PyPI"].advisories, status["PyPI"].packages) == (4, 1)
    assert knowledge.newest_modified_ms() == status["PyPI"].newest_modified_ms


def test_zip_and_list_sources(knowledge: Knowledge, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(3):
            z.writestr(f"GHSA-100{i}.json", json.dumps(_record(f"GHSA-100{i}")))
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps([_record("GHSA-2000"), _record("GHSA-2001")]))
    assert knowledge.import_records(read_source(archive), "zip").added == 3
    assert knowledge.import_records(read_source(listing), "file").added == 2


def test_bad_records_are_skipped_and_named(knowledge: Knowledge, tmp_path: Path) -> None:
    src = tmp_path / "mixed"
    src.mkdir()
    (src / "ok.json").write_text(json.dumps(_record("GHSA-3000")))
    (src / "noid.json").write_text(json.dumps({"modified": "2024-01-01T00:00:00Z"}))
    (src / "badtime.json").write_text(json.dumps(_record("GHSA-3001", modified="yesterday")))
    stats = knowledge.import_records(read_source(src), "dir")
    assert stats.added == 1
    assert len(stats.invalid) == 2
    assert any("GHSA-3001" in p and "modified" in p for p in stats.invalid)
    (src / "broken.json").write_text("{")
    again = knowledge.import_records(read_source(src), "dir")
    assert (again.unchanged, len(again.invalid)) == (1, 3)
    assert any("broken.json: not JSON" in p for p in again.invalid)
    with pytest.raises(SourceError):
        list(read_source(tmp_path / "missing"))
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(SourceError):
        list(read_source(damaged))
