"""npm cataloger over package.json files kept from a real `npm install` (npm 9) of
`@babel/code-frame@7.22.13 debug@2.6.9 ms@2.1.3`, which nests `debug/node_modules/ms@2.0.0`."""

from __future__ import annotations

from openhss.scan.catalog.npm import CATALOGER
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file, fixture_file


def test_claims_only_package_roots_under_node_modules() -> None:
    assert CATALOGER.claims("srv/app/node_modules/debug/package.json", 0o644, 1)
    assert CATALOGER.claims("node_modules/@babel/core/package.json", 0o644, 1)
    assert CATALOGER.claims("a/node_modules/debug/node_modules/ms/package.json", 0o644, 1)
    assert not CATALOGER.claims("srv/app/package.json", 0o644, 1)
    assert not CATALOGER.claims("srv/app/node_modules/debug/lib/package.json", 0o644, 1)
    assert not CATALOGER.claims("srv/app/node_modules/@babel/package.json", 0o644, 1)
    assert not CATALOGER.claims("srv/app/node_modules/.package-lock.json", 0o644, 1)
    assert not CATALOGER.claims("srv/app/xnode_modules/debug/package.json", 0o644, 1)


def test_reads_installed_tree() -> None:
    found = []
    for source in sorted((TESTDATA / "npm").rglob("package.json")):
        relative = str(source.relative_to(TESTDATA))
        if CATALOGER.claims(relative.split("/", 1)[1], 0o644, 1):
            found.extend(CATALOGER.analyze(fixture_file(relative)))
    assert sorted((c.name, c.version) for c in found) == [
        ("@babel/code-frame", "7.22.13"),
        ("@babel/highlight", "7.25.9"),
        ("chalk", "2.4.2"),
        ("color-name", "1.1.3"),
        ("debug", "2.6.9"),
        ("ms", "2.0.0"),
        ("ms", "2.1.3"),
    ]
    by_purl = {c.purl: c for c in found}
    frame = by_purl["pkg:npm/%40babel/code-frame@7.22.13"]
    assert frame.licenses == ("MIT",)
    assert frame.path == "srv/app/node_modules/@babel/code-frame/package.json"
    assert by_purl["pkg:npm/ms@2.0.0"].path == "srv/app/node_modules/debug/node_modules/ms/package.json"


def test_skips_manifests_without_name_and_version() -> None:
    path = "node_modules/ws/package.json"
    assert CATALOGER.analyze(as_layer_file(path, b'{"private": true, "workspaces": ["a"]}')) == []
    assert CATALOGER.analyze(as_layer_file(path, b'{"name": "x", "version": 3}')) == []
    assert CATALOGER.analyze(as_layer_file(path, b"[1, 2]")) == []
    assert CATALOGER.analyze(as_layer_file(path, b'{"name": "x", "vers')) == []
    legacy = b'{"name": "old", "version": "0.1.0", "licenses": [{"type": "MIT"}, {"type": "GPL-2.0"}]}'
    assert CATALOGER.analyze(as_layer_file(path, legacy))[0].licenses == ("MIT", "GPL-2.0")
