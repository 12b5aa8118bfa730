"""Incremental re-matching against a fresh match, on random advisories whose aliases merge and split.

Re-matching replaces only the matches of changed components and re-keys only the merge groups a
change touches; every image must still end exactly as a fresh `record_scan` of the same SBOM would:
the same rows, merge keys, `vul_num` and `severity_level`.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from openhss.store import Database, now_ms
from openhss.store.tables import domains, image_vulnerabilities, images, projects
from openhss.vulndb.knowledge import ImportStats
from openhss.vulndb.rematching import rematch
from openhss.vulndb.scans import ImageScan, ScannedComponent, record_scan
from tests.support.osv import import_osv

PACKAGES = [f"pkg{i}" for i in range(6)]
VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
)


def _advisory(rng: random.Random, rid: str, pool: list[str], modified: str) -> dict[str, Any]:
    affected = [
        {
            "package": {"ecosystem": "PyPI", "name": name},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": f"{rng.randint(1, 6)}.0"}]}
            ],
        }
        for name in rng.sample(PACKAGES, rng.randint(1, 2))
    ]
    record: dict[str, Any] = {
        "id": rid,
        "modified": modified,
        "aliases": rng.sample(pool, rng.randint(0, 3)),
        "upstream": rng.sample(pool, rng.choice((0, 1, 1, 2))),
        "affected": affected,
    }
    if rng.random() < 0.8:
        record["severity"] = [{"type": "CVSS_V3", "score": rng.choice(VECTORS)}]
    return record


def _import(db: Database, path: Path, records: list[dict[str, Any]]) -> ImportStats:
    return import_osv(db, path, records, path.name)


def _image_row(db: Database, digest: str, n: int) -> None:
    with db.begin(write=True) as conn:
        conn.execute(
            insert(images).values(
                id=f"img-{n}",
                project_id="p" * 32,
                image_name=f"app{n}",
                image_version="1",
                config_digest=digest,
                local_image_type="other_image",
            )
        )


def _state(db: Database, digest: str) -> tuple[set[tuple[Any, ...]], tuple[Any, ...]]:
    iv = image_vulnerabilities
    with db.begin() as conn:
        rows = set(
            conn.execute(
                select(iv.c.advisory_id, iv.c.idx, iv.c.vuln_key, iv.c.severity, iv.c.fixed_version).where(
                    iv.c.config_digest == digest
                )
            )
        )
        verdict = conn.execute(
            select(images.c.vul_num, images.c.severity_level, images.c.scan_status).where(
                images.c.config_digest == digest
            )
        ).one()
    return rows, tuple(verdict)


@pytest.mark.parametrize("seed", range(6))
def test_rematch_equals_fresh_matches_on_random_updates(database_url: str, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    db = Database(database_url)
    with db.begin(write=True) as conn:
        conn.execute(insert(domains).values(id="d" * 32, name="d", created_ms=now_ms()))
        conn.execute(insert(projects).values(id="p" * 32, domain_id="d" * 32, name="p", created_ms=now_ms()))
    ids = [f"GHSA-{i:03d}" for i in range(14)] + [f"PYSEC-{i:03d}" for i in range(6)]
    pool = [f"CVE-2024-{i}" for i in range(5)] + ids
    records = {rid: _advisory(rng, rid, pool, "2024-01-01T00:00:00Z") for rid in ids}
    _import(db, tmp_path / "first.json", list(records.values()))
    fleet: dict[str, tuple[ScannedComponent, ...]] = {}
    for n in range(12):
        comps = tuple(
            ScannedComponent(name, v, "pypi", f"pkg:pypi/{name}@{v}", "x")
            for name in rng.sample(PACKAGES, rng.randint(1, 5))
            for v in [f"{rng.randint(0, 6)}.5"]
        )
        digest = f"sha256:{seed}-{n}"
        fleet[digest] = comps
        _image_row(db, digest, n)
        record_scan(db, ImageScan(digest, comps))
    for round_ in range(1, 5):
        modified = f"2024-0{round_ + 1}-01T00:00:00Z"
        update: list[dict[str, Any]] = []
        for rid in rng.sample(ids, 5):
            record = _advisory(rng, rid, pool, modified)
            if rng.random() < 0.3:
                record["withdrawn"] = modified
            update.append(record)
        update += [_advisory(rng, f"GHSA-new{round_}{i}", pool, modified) for i in range(2)]
        stats = _import(db, tmp_path / f"update{round_}.json", update)
        # Told which advisories changed, or not (then every advisory of a changed package is re-matched).
        told = stats.changed_advisories if seed % 2 else None
        rematch(db, stats.changed_packages, told, batch=3)
        for n, (digest, comps) in enumerate(fleet.items()):
            fresh = f"sha256:fresh{round_}-{seed}-{n}"
            _image_row(db, fresh, 100 * round_ + n)
            record_scan(db, ImageScan(fresh, comps))
            assert _state(db, digest) == _state(db, fresh), (round_, digest)
    db.close()
