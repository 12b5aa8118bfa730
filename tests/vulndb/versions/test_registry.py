"""OSV ecosystem names map to the right scheme; unknown ones fail with a clear error."""

from __future__ import annotations

import pytest

from openhss.vulndb.versions import (
    ALL_SCHEMES,
    APK,
    COMPOSER,
    DPKG,
    GOLANG,
    MAVEN,
    NUGET,
    PEP440,
    RPM,
    RUBYGEMS,
    SEMVER,
    UnknownEcosystem,
    VersionScheme,
    known_ecosystems,
    scheme_for,
)


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian", DPKG),
        ("Debian:12", DPKG),
        ("Ubuntu:22.04:LTS", DPKG),
        ("Ubuntu:Pro:18.04:LTS", DPKG),
        ("Alpine:v3.19", APK),
        ("Red Hat:enterprise_linux:9::appstream", RPM),
        ("AlmaLinux:9", RPM),
        ("Rocky Linux:8", RPM),
        ("openEuler:22.03-LTS-SP1", RPM),
        ("SUSE:Linux Enterprise Server 15 SP5", RPM),
        ("openSUSE:Leap 15.5", RPM),
        ("PyPI", PEP440),
        ("npm", SEMVER),
        ("crates.io", SEMVER),
        ("NuGet", NUGET),
        ("Packagist", COMPOSER),
        ("Go", GOLANG),
        ("Maven", MAVEN),
        ("RubyGems", RUBYGEMS),
    ],
)
def test_scheme_for(ecosystem: str, scheme: VersionScheme) -> None:
    assert scheme_for(ecosystem) is scheme


@pytest.mark.parametrize("ecosystem", ["", "pypi", "Hackage", "CRAN", "GIT", "Debian12"])
def test_unknown(ecosystem: str) -> None:
    with pytest.raises(UnknownEcosystem, match="no version scheme for OSV ecosystem"):
        scheme_for(ecosystem)


def test_every_scheme_named_once() -> None:
    names = [s.name for s in ALL_SCHEMES]
    assert len(names) == len(set(names))
    assert {scheme_for(e) for e in known_ecosystems()} <= set(ALL_SCHEMES)
