from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from openhss.scan.catalog import all_catalogers
from openhss.scan.catalog.dpkg import CATALOGER
from openhss.scan.interface import LayerFile

TESTDATA = Path(__file__).parent / "testdata" / "dpkg"


def _file(root: Path, path: str) -> LayerFile:
    content = (root / path).read_bytes()
    return LayerFile(path=path, layer="sha256:" + "0" * 64, size=len(content), mode=0o644, content=content)


def test_claims_the_status_file_and_status_d_entries_only() -> None:
    assert CATALOGER.claims("var/lib/dpkg/status", 0o644, 10)
    assert CATALOGER.claims("var/lib/dpkg/status.d/base-files", 0o644, 10)
    assert not CATALOGER.claims("var/lib/dpkg/status.d/tzdata.md5sums", 0o644, 10)
    assert not CATALOGER.claims("var/lib/dpkg/status-old", 0o644, 10)
    assert not CATALOGER.claims("var/lib/dpkg/status.d/sub/x", 0o644, 10)
    assert CATALOGER in all_catalogers()


def test_status_file_skips_packages_not_installed_and_reads_source() -> None:
    found = {c.name: c for c in CATALOGER.analyze(_file(TESTDATA, "var/lib/dpkg/status"))}
    assert sorted(found) == ["base-files", "bzip2", "libbz2-1.0", "sed", "zlib1g"]  # hostname: config-files
    bzip2 = found["bzip2"]
    assert (bzip2.version, bzip2.source_name, bzip2.source_version) == ("1.0.8-5+b1", "", "1.0.8-5")
    lib = found["libbz2-1.0"]
    assert (lib.source_name, lib.source_version) == ("bzip2", "1.0.8-5")
    zlib = found["zlib1g"]
    assert (zlib.version, zlib.source_name, zlib.source_version) == ("1:1.2.13.dfsg-1", "zlib", "")
    assert found["sed"].source_name == "" and found["sed"].source_version == ""
    assert zlib.purl == "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"
    assert all(c.ecosystem == "deb" and c.path == "var/lib/dpkg/status" for c in found.values())


def test_distroless_status_d_has_one_package_per_file() -> None:
    root = TESTDATA
    names = []
    for entry in sorted((root / "var/lib/dpkg/status.d").iterdir()):
        path = entry.relative_to(root).as_posix()
        if CATALOGER.claims(path, 0o644, entry.stat().st_size):
            components = CATALOGER.analyze(_file(root, path))
            assert len(components) == 1 and components[0].path == path
            names.append(components[0].name)
    assert names == ["base-files", "tzdata"]


def test_malformed_content_gives_what_can_be_read() -> None:
    file = LayerFile("var/lib/dpkg/status", "sha256:x", 9, 0o644, b"\xff\xfe garbage\n\nPackage: a\n")
    assert CATALOGER.analyze(file) == []


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=2000)
    | st.text(alphabet="PackgeVrsionSut:() \n\t+~-.abc0123", max_size=2000).map(str.encode)
)
def test_garbage_never_raises(body: bytes) -> None:
    for component in CATALOGER.analyze(LayerFile("var/lib/dpkg/status", "sha256:x", len(body), 0o644, body)):
        assert component.name and component.version and component.purl.startswith("pkg:deb/")


def test_truncated_status_never_raises() -> None:
    content = (TESTDATA / "var/lib/dpkg/status").read_bytes()
    for cut in range(0, len(content), 37):
        CATALOGER.analyze(LayerFile("var/lib/dpkg/status", "sha256:x", cut, 0o644, content[:cut]))
