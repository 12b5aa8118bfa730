"""Whole OSV records (shaped after real advisories, in data/osv/) matched against installed versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openhss.vulndb.ranges import Verdict, compile_affected

_DATA = Path(__file__).parent / "data" / "osv"


def _verdict(record: str, package: str, ecosystem: str, installed: str) -> Verdict:
    osv = json.loads((_DATA / f"{record}.json").read_text())
    for affected in osv["affected"]:
        pkg = affected["package"]
        if pkg["name"] == package and pkg["ecosystem"] == ecosystem:
            return compile_affected(affected).evaluate(installed)
    raise AssertionError(f"{record} has no entry for {ecosystem}/{package}")


@pytest.mark.parametrize(
    ("record", "package", "ecosystem", "installed", "want"),
    [
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.14.1", (True, "2.15.0")),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.0-beta9", (True, "2.3.1")),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.0-beta8", (False, None)),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.0-rc1", (True, "2.3.1")),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.3.1", (False, None)),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.12.1", (True, "2.12.2")),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.12.2", (False, None)),
        ("GHSA-jfh8-c2jp-5v3q", "org.apache.logging.log4j:log4j-core", "Maven", "2.15.0", (False, None)),
        (
            "GHSA-jfh8-c2jp-5v3q",
            "org.apache.logging.log4j:log4j-core",
            "Maven",
            "2.15.0-rc1",
            (True, "2.15.0"),
        ),
        ("GHSA-j8r2-6x86-q33q", "requests", "PyPI", "2.28.2", (True, "2.31.0")),
        ("GHSA-j8r2-6x86-q33q", "requests", "PyPI", "2.31.0", (False, None)),
        ("GHSA-j8r2-6x86-q33q", "requests", "PyPI", "2.31.0rc1", (True, "2.31.0")),
        ("GHSA-j8r2-6x86-q33q", "requests", "PyPI", "2.2.1", (False, None)),
        ("DSA-5496-1", "libwebp", "Debian:12", "1.2.4-0.2", (True, "1.2.4-0.2+deb12u1")),
        ("DSA-5496-1", "libwebp", "Debian:12", "1.2.4-0.2+deb12u1", (False, None)),
        ("DSA-5496-1", "libwebp", "Debian:12", "1.2.4-0.2+deb12u1~bpo1", (True, "1.2.4-0.2+deb12u1")),
        ("DSA-5496-1", "libwebp", "Debian:11", "0.6.1-2.1+deb11u1", (True, "0.6.1-2.1+deb11u2")),
        ("GO-2023-2102", "stdlib", "Go", "go1.20.9", (True, "1.20.10")),
        ("GO-2023-2102", "stdlib", "Go", "go1.20.10", (False, None)),
        ("GO-2023-2102", "stdlib", "Go", "go1.21rc3", (True, "1.21.3")),
        ("GO-2023-2102", "stdlib", "Go", "1.21.3", (False, None)),
        ("GO-2023-2102", "golang.org/x/net", "Go", "v0.0.0-20220722155237-a158d28d115b", (True, "0.17.0")),
        ("GO-2023-2102", "golang.org/x/net", "Go", "v0.17.0", (False, None)),
        ("ALPINE-CVE-2023-5363", "openssl", "Alpine:v3.18", "3.1.3-r0", (True, "3.1.4-r0")),
        ("ALPINE-CVE-2023-5363", "openssl", "Alpine:v3.18", "3.1.4-r0", (False, None)),
        ("ALPINE-CVE-2023-5363", "openssl", "Alpine:v3.18", "3.1.4_rc1-r0", (True, "3.1.4-r0")),
    ],
)
def test_record(
    record: str, package: str, ecosystem: str, installed: str, want: tuple[bool, str | None]
) -> None:
    assert _verdict(record, package, ecosystem, installed) == want
