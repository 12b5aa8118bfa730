"""dotnet cataloger over a hand-written `WebApi.deps.json` following the .NET SDK's deps.json format
(https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md)."""

from __future__ import annotations

from openhss.scan.catalog.dotnet import CATALOGER
from tests.scan.catalog.catalog_files import as_layer_file, fixture_file


def test_claims_deps_json() -> None:
    assert CATALOGER.claims("app/WebApi.deps.json", 0o644, 1)
    assert not CATALOGER.claims("app/WebApi.runtimeconfig.json", 0o644, 1)


def test_reports_packages_not_projects() -> None:
    found = CATALOGER.analyze(fixture_file("dotnet/app/WebApi.deps.json"))
    assert [(c.name, c.version) for c in found] == [
        ("Newtonsoft.Json", "13.0.1"),
        ("Serilog.AspNetCore", "8.0.0"),
        ("Serilog", "3.1.1"),
    ]
    assert found[0].purl == "pkg:nuget/Newtonsoft.Json@13.0.1"
    assert found[0].path == "app/WebApi.deps.json"


def test_malformed() -> None:
    assert CATALOGER.analyze(as_layer_file("a.deps.json", b"{")) == []
    assert CATALOGER.analyze(as_layer_file("a.deps.json", b'{"libraries": []}')) == []
    odd = b'{"libraries": {"NoVersion": {"type": "package"}, "A/1.0": {"type": "package"}, "B/2": 1}}'
    assert [c.name for c in CATALOGER.analyze(as_layer_file("a.deps.json", odd))] == ["A"]
