"""Real OSV records (tests/vulndb/testdata/osv, sources in its README) matched against components
through the store, with the results worked out by hand from each record (expected.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openhss.store import Database
from openhss.vulndb.knowledge import Knowledge
from openhss.vulndb.matching import match
from openhss.vulndb.osv import read_source
from openhss.vulndb.scans import ScannedComponent, package_ref

DATA = Path(__file__).parent / "testdata"
CASES: list[dict[str, Any]] = json.loads((DATA / "expected.json").read_text())
_LANGUAGE = {
    "PyPI": "pypi",
    "npm": "npm",
    "Go": "golang",
    "Maven": "maven",
    "RubyGems": "gem",
    "crates.io": "cargo",
    "NuGet": "nuget",
    "Packagist": "composer",
}


def component(case: dict[str, Any]) -> ScannedComponent:
    """The installed component the case describes, as a scanner reports it."""
    ecosystem, name, version = case["ecosystem"], case["package"], case["version"]
    base, _, release = ecosystem.partition(":")
    if base in _LANGUAGE:
        if base == "Go" and name == "stdlib":
            version = "go" + version
        return ScannedComponent(name, version, _LANGUAGE[base], f"pkg:x/{name}@{version}", "x")
    kind, distro = {
        "Debian": ("deb", f"debian:{release}"),
        "Ubuntu": ("deb", f"ubuntu:{release.split(':')[0]}"),
        "Alpine": ("apk", f"alpine:{release.removeprefix('v')}"),
    }[base]
    # OS advisories name the source package; the binary here is called differently on purpose.
    return ScannedComponent(
        f"{name}-bin", version, kind, f"pkg:{kind}/{name}@{version}", "x", source_name=name, distro=distro
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('osv')}/osv.db")
    db.migrate()
    stats = Knowledge(db).import_records(read_source(DATA / "osv"), "fixtures")
    assert stats.invalid == []
    return db


def test_every_record_imports(store: Database) -> None:
    files = list((DATA / "osv").rglob("*.json"))
    withdrawn = sum(1 for f in files if "withdrawn" in json.loads(f.read_text()))
    assert Knowledge(store).advisory_count() == len(files) - withdrawn > 30


@pytest.mark.parametrize("case", CASES, ids=[f"{c['record']}:{c['package']}@{c['version']}" for c in CASES])
def test_expected_result(store: Database, case: dict[str, Any]) -> None:
    installed = component(case)
    ref = package_ref(installed)
    assert ref is not None
    with store.begin() as conn:
        found = [v for v in match(conn, [ref], [installed.name]) if v.id == case["record"]]
    assert bool(found) is case["affected"], case["why"]
    if case["affected"]:
        assert (found[0].fixed_version or None) == case["fixed"], case["why"]


def test_aliases_merge_the_real_ghsa_and_pysec(store: Database) -> None:
    requests = ScannedComponent("requests", "2.30.0", "pypi", "pkg:pypi/requests@2.30.0", "x")
    ref = package_ref(requests)
    with store.begin() as conn:
        found = match(conn, [ref], ["requests"])
    ids = {v.id for v in found}
    assert {"GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"} <= ids
    assert {v.key for v in found if v.id in {"GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"}} == {"CVE-2023-32681"}
