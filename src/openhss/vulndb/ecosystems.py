"""Where advisories and components meet: one match key per ecosystem, from both sides.

Advisories say `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, `Red Hat:enterprise_linux:9::appstream`,
`PyPI`; components say purl type + distro (`deb` + `debian:12`). Both become a match ecosystem
(`debian:12`, `ubuntu:22.04`, `alpine:3.19`, `rhel:9`, `pypi`) and a normalised package name.
"""

from __future__ import annotations

import re

# purl type -> OSV ecosystem for language packages.
LANGUAGE_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "composer": "Packagist",
    "nuget": "NuGet",
}
_OS_FAMILIES = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine",
    "red hat": "rhel",
    "almalinux": "almalinux",
    "rocky linux": "rocky",
    "openeuler": "openeuler",
}
# os-release IDs -> the family above
_OS_IDS = {"rhel": "rhel", "centos": "rhel", "rocky": "rocky", "almalinux": "almalinux"}
_RPM_FAMILIES = {"rhel", "almalinux", "rocky"}
_PEP503 = re.compile(r"[-_.]+")
_CASE_INSENSITIVE = {"pypi", "nuget", "packagist"}


def normalise_name(match_ecosystem: str, name: str) -> str:
    """The package name as this ecosystem compares names."""
    if match_ecosystem == "pypi":
        return _PEP503.sub("-", name).lower()
    if match_ecosystem in _CASE_INSENSITIVE:
        return name.lower()
    return name


def _release(family: str, release: str) -> str:
    release = release.strip().lower()
    if family == "alpine":
        release = release.removeprefix("v")
        return ".".join(release.split(".")[:2])
    if family in _RPM_FAMILIES:
        return release.split(".")[0]
    if family == "openeuler":
        # 22.03-LTS-SP1 and os-release's 22.03 meet at the release number.
        return release.split("-")[0]
    return release


def advisory_match_ecosystem(ecosystem: str) -> str | None:
    """The match key of an OSV ecosystem string; None for ecosystems not matched here."""
    base, _, rest = ecosystem.partition(":")
    lowered = base.strip().lower()
    if lowered in (e.lower() for e in LANGUAGE_ECOSYSTEMS.values()):
        return lowered
    family = _OS_FAMILIES.get(lowered)
    if family is None:
        return None
    if family == "rhel":
        # Red Hat:enterprise_linux:9::appstream, Red Hat:rhel_aus:8.4::appstream
        parts = rest.split(":")
        release = parts[1] if len(parts) > 1 else ""
        return f"rhel:{_release(family, release)}" if release else None
    if family == "ubuntu":
        parts = [p for p in rest.split(":") if p and p not in ("Pro", "LTS")]
        return f"ubuntu:{parts[0]}" if parts else None
    return f"{family}:{_release(family, rest)}" if rest else None


def component_match_ecosystem(purl_type: str, distro: str) -> str | None:
    """The match key of a component (purl type + `id:version_id` distro); None when not matchable."""
    if purl_type in LANGUAGE_ECOSYSTEMS:
        return LANGUAGE_ECOSYSTEMS[purl_type].lower()
    if purl_type not in ("deb", "apk", "rpm") or ":" not in distro:
        return None
    os_id, _, version = distro.partition(":")
    family = _OS_IDS.get(os_id, os_id)
    if family not in _OS_FAMILIES.values():
        return None
    return f"{family}:{_release(family, version)}"


def component_version(match_ecosystem: str, name: str, version: str) -> str:
    """The version advisories compare against (Go's stdlib is listed without the `go` prefix)."""
    if match_ecosystem == "go" and name == "stdlib":
        return version.removeprefix("go")
    return version
