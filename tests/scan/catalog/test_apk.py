"""apk cataloger over `testdata/apk/lib/apk/db/installed`.

The fixture is hand-written: its stanzas are copied from a real Alpine 3.19 x86_64 installed
database, following the documented format (https://wiki.alpinelinux.org/wiki/Apk_spec).
"""

from __future__ import annotations

from openhss.scan.catalog.apk import CATALOGER
from tests.scan.catalog.catalog_files import as_layer_file, fixture_file


def test_claims_only_the_installed_database() -> None:
    assert CATALOGER.claims("lib/apk/db/installed", 0o644, 10)
    assert not CATALOGER.claims("lib/apk/db/installed.bak", 0o644, 10)
    assert not CATALOGER.claims("etc/apk/world", 0o644, 10)


def test_reads_every_stanza() -> None:
    found = {c.name: c for c in CATALOGER.analyze(fixture_file("apk/lib/apk/db/installed"))}
    assert sorted(found) == ["busybox", "ca-certificates-bundle", "libcrypto3", "musl", "ssl_client"]
    musl = found["musl"]
    assert musl.version == "1.2.4_git20230717-r4"
    assert musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64"
    assert musl.licenses == ("MIT",)
    assert musl.source_name == ""
    assert musl.path == "lib/apk/db/installed"
    assert musl.layer.startswith("sha256:")
    ssl = found["ssl_client"]
    assert ssl.source_name == "busybox"
    assert ssl.purl == "pkg:apk/alpine/ssl_client@1.36.1-r15?arch=x86_64&upstream=busybox"
    assert found["libcrypto3"].source_name == "openssl"
    assert found["ca-certificates-bundle"].licenses == ("MPL-2.0 AND MIT",)


def test_truncated_database_yields_what_it_can() -> None:
    content = fixture_file("apk/lib/apk/db/installed").content
    cut = as_layer_file("lib/apk/db/installed", content[: content.index(b"P:busybox") + 12])
    assert [c.name for c in CATALOGER.analyze(cut)] == ["musl"]
    assert CATALOGER.analyze(as_layer_file("lib/apk/db/installed", b"\xff\x00garbage")) == []
