"""What every cataloger promises: cheap path-based claims, and no exception on any content."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openhss.scan.catalog import all_catalogers
from openhss.scan.interface import Cataloger, Component
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file

# One path each cataloger is expected to claim; a cataloger none of them fits is fuzzed nowhere.
SAMPLE_PATHS = (
    "lib/apk/db/installed",
    "var/lib/dpkg/status",
    "var/lib/rpm/Packages",
    "usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
    "app/node_modules/x/package.json",
    "usr/local/bin/tool",
    "app/lib/x-1.0.jar",
    "var/lib/gems/3.1.0/specifications/x-1.0.gemspec",
    "app/vendor/composer/installed.json",
    "app/App.deps.json",
)
# Magic numbers and openings that get garbage past each parser's first check.
PREFIXES = (
    b"",
    b"\x7fELF\x02\x01\x01",
    b"\x7fELF\x01\x02\x01",
    b"SQLite format 3\x00",
    b"RpmP",
    b"PK\x03\x04",
    b"{",
    b'{"packages": [',
    b"[",
    b"P:",
    b"Name: x\n",
)


def sample_path(cataloger: Cataloger) -> str | None:
    return next((p for p in SAMPLE_PATHS if cataloger.claims(p, 0o755, 4096)), None)


CATALOGERS = [pytest.param(c, id=c.name) for c in all_catalogers()]


@pytest.mark.parametrize("cataloger", CATALOGERS)
def test_every_cataloger_claims_one_sample_path(cataloger: Cataloger) -> None:
    assert sample_path(cataloger) is not None
    assert cataloger.ecosystem


@pytest.mark.parametrize("cataloger", CATALOGERS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=3000))
def test_garbage_never_raises(cataloger: Cataloger, prefix: bytes, body: bytes) -> None:
    path = sample_path(cataloger)
    if path is None:
        return
    found = cataloger.analyze(as_layer_file(path, prefix + body, 0o755))
    assert isinstance(found, Sequence)
    assert all(isinstance(c, Component) for c in found)


@pytest.mark.parametrize("cataloger", CATALOGERS)
def test_truncated_fixtures_never_raise(cataloger: Cataloger) -> None:
    for source in sorted(TESTDATA.rglob("*")):
        relative = str(source.relative_to(TESTDATA))
        if not source.is_file() or "/" not in relative:
            continue
        path = relative.split("/", 1)[1]
        if not cataloger.claims(path, 0o644, source.stat().st_size):
            continue
        content = source.read_bytes()
        for cut in range(0, len(content), max(1, len(content) // 40)):
            for component in cataloger.analyze(as_layer_file(path, content[:cut])):
                assert component.path.startswith(path)
