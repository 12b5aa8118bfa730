"""Leaving covered `versions` out of a compiled entry never changes a verdict.

`compile_affected` drops listed versions that a range of the ecosystem's own scheme contains; this
holds it against the unpruned form on random entries: ranges of both kinds, versions inside and
outside them, spellings that differ only under the scheme (`1.0` / `1.0.0`, `1:2` / `2`), and
versions the scheme rejects.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from openhss.vulndb.ranges import InstalledVersion, compile_affected

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
