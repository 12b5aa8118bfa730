"""rpm cataloger over a real rpm database and the same package headers in the other two backends.

The SQLite database is real: the test builds the packages of `testdata/rpm/*.spec` with Debian's rpmbuild
and installs them with `rpm --dbpath DIR -i --nodeps --justdb` (Debian's rpm 4.18 writes only SQLite).
The BerkeleyDB `Packages` is real too: libdb 5.3 writes it (Perl's DB_File,
`testdata/rpm/berkeley-packages.pl`) from the header blobs of that database. Nothing on Debian
writes NDB, so `rpmdb_formats.py` hand-writes that one following rpm's format definition.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from openhss.scan.catalog.rpm import CATALOGER, parse_header, split_source_rpm
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file
from tests.scan.catalog.rpmdb_formats import ndb_packages_db

pytestmark = pytest.mark.skipif(shutil.which("rpmbuild") is None, reason="needs Debian's rpm (rpmbuild)")

BerkeleyWriter = Callable[..., bytes]

EXPECTED = [
    ("openhss-hello", "2:1.2.3-4.el9", "", ("MIT AND (Apache-2.0 OR BSD-3-Clause)",)),
    ("openhss-hello-libs", "2:1.2.3-4.el9", "openhss-hello", ("MIT",)),
    ("tzdata-lite", "2024a-1", "", ("Public Domain",)),
]


@pytest.fixture(scope="session")
def rpmdb_sqlite(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real rpmdb.sqlite holding the fixture packages."""
    root = tmp_path_factory.mktemp("rpm")
    for spec in sorted((TESTDATA / "rpm").glob("*.spec")):
        subprocess.run(
            [
                "rpmbuild",
                "--define",
                f"_topdir {root / 'top'}",
                "--define",
                "_build_id_links none",
                "-bb",
                spec,
            ],
            check=True,
            capture_output=True,
        )
    dbpath = root / "db"
    dbpath.mkdir()
    packages = sorted(str(p) for p in (root / "top" / "RPMS").rglob("*.rpm"))
    subprocess.run(
        [
            "rpm",
            "--dbpath",
            str(dbpath),
            "-i",
            "--nodeps",
            "--justdb",
            "--ignorearch",
            "--ignoreos",
            *packages,
        ],
        check=True,
        capture_output=True,
    )
    return (dbpath / "rpmdb.sqlite").read_bytes()


@pytest.fixture(scope="session")
def header_blobs(rpmdb_sqlite: bytes) -> list[bytes]:
    connection = sqlite3.connect(":memory:")
    image = bytearray(rpmdb_sqlite)
    image[18:20] = b"\x01\x01"
    connection.deserialize(bytes(image))
    blobs = [row[0] for row in connection.execute("SELECT blob FROM Packages ORDER BY hnum")]
    connection.close()
    return blobs


@pytest.fixture(scope="session")
def berkeley_db(header_blobs: list[bytes], tmp_path_factory: pytest.TempPathFactory) -> BerkeleyWriter:
    """Writes real BerkeleyDB hash databases of the fixture headers with libdb (Perl's DB_File)."""
    root = tmp_path_factory.mktemp("bdb")
    names = []
    for number, blob in enumerate(header_blobs, start=1):
        (root / f"blob{number}").write_bytes(blob)
        names.append(str(root / f"blob{number}"))

    def write(page_size: int, big_endian: bool = False) -> bytes:
        out = root / f"Packages-{page_size}-{int(big_endian)}"
        byte_order = "4321" if big_endian else "1234"
        script = str(TESTDATA / "rpm" / "berkeley-packages.pl")
        subprocess.run(["perl", script, str(out), str(page_size), byte_order, *names], check=True)
        return out.read_bytes()

    return write


def summary(path: str, content: bytes) -> list[tuple[str, str, str, tuple[str, ...]]]:
    found = CATALOGER.analyze(as_layer_file(path, content))
    return sorted((c.name, c.version, c.source_name, c.licenses) for c in found)


def test_claims_database_files_in_rpm_dirs() -> None:
    for path in (
        "var/lib/rpm/Packages",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
    ):
        assert CATALOGER.claims(path, 0o644, 1), path
    assert not CATALOGER.claims("var/lib/rpm/rpmdb.sqlite-wal", 0o644, 1)
    assert not CATALOGER.claims("var/lib/rpm/Name", 0o644, 1)
    assert not CATALOGER.claims("srv/Packages", 0o644, 1)
    assert not CATALOGER.claims("var/lib/xrpm/Packages", 0o644, 1)


def test_real_sqlite_database(rpmdb_sqlite: bytes) -> None:
    assert summary("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite) == EXPECTED
    by_name = {c.name: c for c in CATALOGER.analyze(as_layer_file("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite))}
    assert (
        by_name["openhss-hello-libs"].purl == "pkg:rpm/redhat/openhss-hello-libs@1.2.3-4.el9"
        "?arch=x86_64&epoch=2&upstream=openhss-hello-1.2.3-4.el9.src.rpm"
    )
    assert (
        by_name["tzdata-lite"].purl
        == "pkg:rpm/tzdata-lite@2024a-1?arch=noarch&upstream=tzdata-lite-2024a-1.src.rpm"
    )
    assert by_name["tzdata-lite"].path == "var/lib/rpm/rpmdb.sqlite"


def test_matches_rpm_query(rpmdb_sqlite: bytes, tmp_path: Path) -> None:
    (tmp_path / "rpmdb.sqlite").write_bytes(rpmdb_sqlite)
    query = subprocess.run(
        ["rpm", "--dbpath", str(tmp_path), "-qa", "--qf", "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    expected = sorted(line.replace(" 0:", " ") for line in query if line)
    found = CATALOGER.analyze(as_layer_file("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite))
    assert sorted(f"{c.name} {c.version}" for c in found) == expected


def test_berkeley_db(berkeley_db: BerkeleyWriter) -> None:
    assert summary("var/lib/rpm/Packages", berkeley_db(4096)) == EXPECTED
    # Small pages chain each header over several overflow pages; on big pages libdb keeps it inline.
    assert summary("var/lib/rpm/Packages", berkeley_db(512)) == EXPECTED
    assert summary("var/lib/rpm/Packages", berkeley_db(16384)) == EXPECTED
    # Databases from big-endian hosts keep their byte order.
    assert summary("var/lib/rpm/Packages", berkeley_db(4096, big_endian=True)) == EXPECTED


def test_ndb(header_blobs: list[bytes]) -> None:
    assert summary("usr/lib/sysimage/rpm/Packages.db", ndb_packages_db(header_blobs)) == EXPECTED


def test_damaged_databases_never_raise(
    rpmdb_sqlite: bytes, header_blobs: list[bytes], berkeley_db: BerkeleyWriter
) -> None:
    for content in (
        rpmdb_sqlite[:5000],
        berkeley_db(4096)[:6000],
        berkeley_db(512)[:3000],
        ndb_packages_db(header_blobs)[:4200],
        b"SQLite format 3\x00" + b"\xff" * 200,
        b"RpmP" + b"\xff" * 60,
        b"",
    ):
        assert isinstance(CATALOGER.analyze(as_layer_file("var/lib/rpm/Packages", content)), list)
    blob = header_blobs[0]
    assert parse_header(blob[: len(blob) // 2]) is None
    assert parse_header(b"\xff" * 8 + blob[8:]) is None


def test_split_source_rpm() -> None:
    assert split_source_rpm("openssl-3.0.7-27.el9.src.rpm") == ("openssl", "3.0.7-27.el9")
    assert split_source_rpm("glibc-2.34-100.el9_4.2.nosrc.rpm") == ("glibc", "2.34-100.el9_4.2")
    assert split_source_rpm("(none)") == ("", "")
