"""Values and errors of the vulnerability knowledge: advisories in, matches out."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("Critical", "High", "Medium", "Low", "Unknown")
"""Vulnerability severities, worst first."""


class VulnDBError(Exception):
    """Base of vulnerability-knowledge errors."""


class InvalidAdvisory(VulnDBError):
    """An OSV record cannot be read (the message names the record and the problem)."""


class SourceError(VulnDBError):
    """An advisory source (file, directory, zip, URL) cannot be read."""


@dataclass(frozen=True)
class AffectedPackage:
    """One `affected[]` entry of an advisory, reduced to what matching needs."""

    ecosystem: str
    """OSV ecosystem as written (`Debian:12`, `PyPI`, `Ubuntu:22.04:LTS`)."""
    match_ecosystem: str
    """The key components are matched under (`debian:12`, `pypi`, `ubuntu:22.04`)."""
    name: str
    """Package name, normalised the ecosystem's way (PEP 503 for PyPI, lower-case where case-insensitive)."""
    ranges: str
    """JSON text of `{"ranges": [...], "versions": [...]}` exactly as the record has them."""
    severity: str
    """The distribution's own severity for this package (Critical..Low) when the record carries one, else empty."""


@dataclass(frozen=True)
class Advisory:
    """One OSV record."""

    id: str
    """OSV id (`GHSA-...`, `PYSEC-...`, `DSA-...`, `CVE-...`)."""
    modified_ms: int
    """`modified`, the import's change marker."""
    published_ms: int
    """`published` (0 when absent)."""
    withdrawn: bool
    """True when the record has `withdrawn`: it must not match any more."""
    aliases: tuple[str, ...]
    """Other ids of the same vulnerability (a CVE and its GHSA are one)."""
    upstream: tuple[str, ...]
    """Ids of upstream vulnerabilities (OSV `upstream`)."""
    summary: str
    """One line."""
    severity: str
    """Critical, High, Medium, Low or Unknown, from the record's CVSS vectors or its database's rating."""
    cvss_vector: str
    """The vector the severity came from (empty when none)."""
    cvss_score: float
    """Its base score (0 when none)."""
    affected: tuple[AffectedPackage, ...]
    """Affected packages."""


@dataclass(frozen=True)
class PackageRef:
    """A component as matching sees it: where advisories would list it, and its installed version."""

    match_ecosystem: str
    """Key matching `AffectedPackage.match_ecosystem`."""
    name: str
    """Normalised name (for OS packages: the source package)."""
    version: str
    """Installed version (for OS packages: the source package's version when it differs)."""


@dataclass(frozen=True)
class Vulnerability:
    """One advisory affecting one component of an image."""

    id: str
    """Advisory id."""
    aliases: tuple[str, ...]
    """Its aliases (CVE ids among them)."""
    key: str
    """The id the image's vulnerability count merges on (a CVE when one is known)."""
    severity: str
    """Critical..Unknown (the distribution's own rating preferred)."""
    package: str
    """Component name."""
    installed_version: str
    """Installed version."""
    fixed_version: str
    """First fixed version when known, else empty."""
    component_index: int
    """Index of the component in the SBOM it was matched from."""
    summary: str = ""
    """Advisory summary."""
