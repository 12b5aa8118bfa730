"""python cataloger over real metadata files copied from installed distributions on a Debian 12 machine.

`six` and `typing_extensions` come from a pip-installed virtualenv, `lazr.uri` from Debian's
python3-lazr.uri (an egg-info directory), `wsgiref` from CPython 2.7's distutils (an egg-info file).
"""

from __future__ import annotations

from openhss.scan.catalog.python import CATALOGER
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file, fixture_file


def test_claims_metadata_files() -> None:
    assert CATALOGER.claims("usr/lib/python3/dist-packages/foo-1.0.dist-info/METADATA", 0o644, 1)
    assert CATALOGER.claims("app/lib/foo-1.0.egg-info/PKG-INFO", 0o644, 1)
    assert CATALOGER.claims("usr/lib/python2.7/wsgiref.egg-info", 0o644, 1)
    assert not CATALOGER.claims("usr/lib/python3/dist-packages/foo-1.0.dist-info/RECORD", 0o644, 1)
    assert not CATALOGER.claims("usr/lib/python3/dist-packages/foo/__init__.py", 0o644, 1)


def test_reads_every_fixture() -> None:
    found = {}
    for source in sorted((TESTDATA / "python").rglob("*")):
        relative = str(source.relative_to(TESTDATA))
        if source.is_file() and CATALOGER.claims(relative.split("/", 1)[1], 0o644, 1):
            for component in CATALOGER.analyze(fixture_file(relative)):
                found[component.name] = component
    assert sorted(found) == ["lazr.uri", "six", "typing_extensions", "wsgiref"]
    assert found["six"].purl == "pkg:pypi/six@1.17.0"
    assert found["six"].licenses == ("MIT",)
    assert found["six"].path == "usr/local/lib/python3.11/site-packages/six-1.17.0.dist-info/METADATA"
    assert found["typing_extensions"].purl == "pkg:pypi/typing-extensions@4.16.0"
    assert found["typing_extensions"].licenses == ("PSF-2.0",)
    assert found["lazr.uri"].purl == "pkg:pypi/lazr-uri@1.0.6"
    assert found["wsgiref"].version == "0.1.2"
    assert found["wsgiref"].licenses == ("PSF or ZPL",)


def test_license_from_classifiers_and_malformed_input() -> None:
    metadata = (
        b"Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense: UNKNOWN\n"
        b"Classifier: License :: OSI Approved :: Apache Software License\n\nbody: text\n"
    )
    (component,) = CATALOGER.analyze(as_layer_file("x/Foo_Bar-1.0.dist-info/METADATA", metadata))
    assert component.purl == "pkg:pypi/foo-bar@1.0"
    assert component.licenses == ("Apache Software License",)
    assert CATALOGER.analyze(as_layer_file("x/y.dist-info/METADATA", b"\x00\xff no headers")) == []
    assert CATALOGER.analyze(as_layer_file("x/y.dist-info/METADATA", b"Name: only-a-name\n")) == []
