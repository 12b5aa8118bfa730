"""Leaving covered `versions` out of a compiled entry never changes a verdict.

`compile_affected` drops listed versions that a range of the ecosystem's own scheme contains; this
holds it against the unpruned form on random entries: ranges of both kinds, versions inside and
outside them, spellings that differ only under the scheme (`1.0` / `1.0.0`, `1:2` / `2`), and
versions the scheme rejects.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from openhss.vulndb.osv import parse_record
from openhss.vulndb.ranges import InstalledVersion, compile_affected, versions_to_store

SPELLINGS: dict[str, list[str]] = {
    "PyPI": ["0", "0.9", "1.0", "1.0.0", "1.0.post1", "1.1", "1.1a1", "2", "2.0.0", "3.0", "v1.0", "x!y"],
    "Debian:12": [
        "0",
        "1.0-1",
        "1.0-1+deb12u1",
        "0:1.0-1",
        "1.0~rc1-1",
        "1.1-1",
        "2:0.5-1",
        "1.01-1",
        "bad version",
    ],
    "npm": ["0", "0.9.0", "1.0.0", "1.0.0-beta.1", "1.0.0+build", "1.1.0", "2.0.0", "v1.0.0", "1.0"],
    "Go": ["0", "1.0.0", "v1.0.0", "1.1.0", "1.2.0-pre", "2.0.0+incompatible", "go1.21.3", "x"],
}


def _entry(rng: random.Random, ecosystem: str) -> dict[str, Any]:
    pool = SPELLINGS[ecosystem]
    ranges: list[dict[str, Any]] = []
    for _ in range(rng.randint(0, 2)):
        events: list[dict[str, str]] = []
        for kind in rng.sample(["introduced", "fixed", "last_affected", "limit"], rng.randint(1, 3)):
            events.append({kind: rng.choice(pool)})
        ranges.append({"type": rng.choice(("ECOSYSTEM", "SEMVER")), "events": events})
    return {"ranges": ranges, "versions": rng.sample(pool, rng.randint(0, len(pool)))}


@pytest.mark.parametrize("ecosystem", sorted(SPELLINGS))
def test_pruned_and_full_entries_give_the_same_verdicts(ecosystem: str) -> None:
    rng = random.Random(ecosystem)
    pruned_some = 0
    for _ in range(400):
        entry = _entry(rng, ecosystem)
        pruned = compile_affected(entry, ecosystem)
        full = compile_affected(entry, ecosystem, prune=False)
        pruned_some += len(pruned.versions) < len(full.versions)
        for installed in SPELLINGS[ecosystem]:
            assert pruned.evaluate(InstalledVersion(installed)) == full.evaluate(
                InstalledVersion(installed)
            ), (
                entry,
                installed,
            )
    assert pruned_some > 20  # the property was exercised, not vacuously true


@pytest.mark.parametrize("ecosystem", sorted(SPELLINGS))
def test_the_list_import_stores_gives_the_same_verdicts(ecosystem: str) -> None:
    rng = random.Random("stored-" + ecosystem)
    shortened = 0
    for _ in range(400):
        entry = _entry(rng, ecosystem)
        stored = versions_to_store(ecosystem, entry["ranges"], entry["versions"])
        assert set(stored) <= set(entry["versions"])
        shortened += len(stored) < len(entry["versions"])
        full = compile_affected(entry, ecosystem, prune=False)
        again = compile_affected({"ranges": entry["ranges"], "versions": stored}, ecosystem)
        for installed in SPELLINGS[ecosystem]:
            assert again.evaluate(InstalledVersion(installed)) == full.evaluate(
                InstalledVersion(installed)
            ), (
                entry,
                installed,
            )
    assert shortened > 20


def test_import_stores_only_the_listed_versions_no_range_contains() -> None:
    record = {
        "id": "PYSEC-0000-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]}],
                "versions": ["1.0", "1.1", "0.5", "not a version"],
            },
            {"package": {"ecosystem": "PyPI", "name": "other"}, "versions": ["2.0", "2.1"]},
        ],
    }
    advisory = parse_record(record)
    stored = [json.loads(p.ranges)["versions"] for p in advisory.affected]
    assert stored == [["0.5", "not a version"], ["2.0", "2.1"]]
