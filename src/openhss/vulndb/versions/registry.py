"""Which version scheme orders each OSV ecosystem's versions (OSV's `affected[].package.ecosystem`)."""

from __future__ import annotations

from openhss.vulndb.versions.apk import ApkScheme
from openhss.vulndb.versions.composer import ComposerScheme
from openhss.vulndb.versions.dpkg import DpkgScheme
from openhss.vulndb.versions.golang import GoScheme
from openhss.vulndb.versions.interface import UnknownEcosystem, VersionScheme
from openhss.vulndb.versions.maven import MavenScheme
from openhss.vulndb.versions.nuget import NugetScheme
from openhss.vulndb.versions.pep440 import Pep440Scheme
from openhss.vulndb.versions.rpm import RpmScheme
from openhss.vulndb.versions.rubygems import RubyGemsScheme
from openhss.vulndb.versions.semver import SemverScheme

DPKG = DpkgScheme()
APK = ApkScheme()
RPM = RpmScheme()
PEP440 = Pep440Scheme()
SEMVER = SemverScheme()
GOLANG = GoScheme()
MAVEN = MavenScheme()
RUBYGEMS = RubyGemsScheme()
NUGET = NugetScheme()
COMPOSER = ComposerScheme()

ALL_SCHEMES: tuple[VersionScheme, ...] = (
    DPKG,
    APK,
    RPM,
    PEP440,
    SEMVER,
    GOLANG,
    MAVEN,
    RUBYGEMS,
    NUGET,
    COMPOSER,
)
"""Every scheme, one instance each (schemes hold no state)."""

# OSV ecosystem names, without the release suffix after the first ':' (Debian:12, Alpine:v3.19,
# Red Hat:enterprise_linux:9::appstream, openSUSE:Leap 15.5, Ubuntu:22.04:LTS).
_BY_ECOSYSTEM: dict[str, VersionScheme] = {
    "Debian": DPKG,
    "Ubuntu": DPKG,
    "Alpine": APK,
    "Wolfi": APK,
    "Chainguard": APK,
    "Alpaquita": APK,
    "BellSoft Hardened Containers": APK,
    "Red Hat": RPM,
    "AlmaLinux": RPM,
    "Rocky Linux": RPM,
    "openEuler": RPM,
    "SUSE": RPM,
    "openSUSE": RPM,
    "Mageia": RPM,
    "Photon OS": RPM,
    "Azure Linux": RPM,
    "Mariner": RPM,
    "PyPI": PEP440,
    "npm": SEMVER,
    "crates.io": SEMVER,
    "Hex": SEMVER,
    "NuGet": NUGET,
    "Packagist": COMPOSER,
    "Go": GOLANG,
    "Maven": MAVEN,
    "RubyGems": RUBYGEMS,
}


def scheme_for(osv_ecosystem: str) -> VersionScheme:
    """The scheme ordering versions of `osv_ecosystem` (`Debian:12`, `PyPI`); else `UnknownEcosystem`."""
    base = osv_ecosystem.split(":", 1)[0].strip()
    try:
        return _BY_ECOSYSTEM[base]
    except KeyError:
        raise UnknownEcosystem(osv_ecosystem) from None


def known_ecosystems() -> tuple[str, ...]:
    """OSV ecosystem names (without release suffix) that `scheme_for` knows."""
    return tuple(_BY_ECOSYSTEM)
