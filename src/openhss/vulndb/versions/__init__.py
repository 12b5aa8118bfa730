"""Version schemes: one exact comparator per ecosystem, and the OSV ecosystem -> scheme registry."""

from openhss.vulndb.versions.interface import InvalidVersion, UnknownEcosystem, VersionKey, VersionScheme
from openhss.vulndb.versions.registry import (
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
    known_ecosystems,
    scheme_for,
)

__all__ = [
    "ALL_SCHEMES",
    "APK",
    "COMPOSER",
    "DPKG",
    "GOLANG",
    "MAVEN",
    "NUGET",
    "PEP440",
    "RPM",
    "RUBYGEMS",
    "SEMVER",
    "InvalidVersion",
    "UnknownEcosystem",
    "VersionKey",
    "VersionScheme",
    "known_ecosystems",
    "scheme_for",
]
