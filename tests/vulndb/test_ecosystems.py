"""Advisory ecosystems and component ecosystems meet on one key."""

from __future__ import annotations

import pytest

from openhss.vulndb.ecosystems import (
    advisory_match_ecosystem,
    component_match_ecosystem,
    component_version,
    normalise_name,
)


@pytest.mark.parametrize(
    ("osv", "key"),
    [
        ("Debian:12", "debian:12"),
        ("Debian:11", "debian:11"),
        ("Ubuntu:22.04:LTS", "ubuntu:22.04"),
        ("Ubuntu:Pro:18.04:LTS", "ubuntu:18.04"),
        ("Alpine:v3.19", "alpine:3.19"),
        ("Red Hat:enterprise_linux:9::appstream", "rhel:9"),
        ("AlmaLinux:9", "almalinux:9"),
        ("Rocky Linux:8", "rocky:8"),
        ("openEuler:22.03-LTS-SP1", "openeuler:22.03"),
        ("PyPI", "pypi"),
        ("npm", "npm"),
        ("Go", "go"),
        ("Maven", "maven"),
        ("RubyGems", "rubygems"),
        ("crates.io", "crates.io"),
        ("Packagist", "packagist"),
        ("NuGet", "nuget"),
        ("Hackage", None),
        ("Debian", None),
    ],
)
def test_advisory_keys(osv: str, key: str | None) -> None:
    assert advisory_match_ecosystem(osv) == key


@pytest.mark.parametrize(
    ("purl_type", "distro", "key"),
    [
        ("deb", "debian:12", "debian:12"),
        ("deb", "ubuntu:22.04", "ubuntu:22.04"),
        ("apk", "alpine:3.19", "alpine:3.19"),
        ("apk", "alpine:3.19.1", "alpine:3.19"),
        ("rpm", "rhel:9.3", "rhel:9"),
        ("rpm", "centos:7", "rhel:7"),
        ("rpm", "rocky:9.3", "rocky:9"),
        ("rpm", "almalinux:9.2", "almalinux:9"),
        ("deb", "", None),
        ("deb", "plan9:4", None),
        ("pypi", "", "pypi"),
        ("golang", "debian:12", "go"),
        ("gem", "", "rubygems"),
        ("cargo", "", "crates.io"),
        ("composer", "", "packagist"),
        ("nuget", "", "nuget"),
        ("maven", "", "maven"),
        ("generic", "", None),
    ],
)
def test_component_keys(purl_type: str, distro: str, key: str | None) -> None:
    assert component_match_ecosystem(purl_type, distro) == key


def test_names_and_versions() -> None:
    assert normalise_name("pypi", "Zope.Interface__x") == "zope-interface-x"
    assert normalise_name("nuget", "Newtonsoft.Json") == "newtonsoft.json"
    assert normalise_name("npm", "@Babel/Core") == "@Babel/Core"
    assert component_version("go", "stdlib", "go1.20.1") == "1.20.1"
    assert component_version("go", "golang.org/x/net", "v0.1.0") == "v0.1.0"
