"""Which operating system an image is, from os-release or the distribution's own release file."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from openhss.scan.interface import Analyzer, Distro, LayerFile, PathFilter

OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
_FALLBACKS = ("etc/alpine-release", "etc/debian_version", "etc/redhat-release", "etc/centos-release")
_MAJOR_ONLY = {"debian", "rhel", "centos", "rocky", "almalinux", "ol", "fedora", "amzn"}
_REDHAT_FAMILY = (
    ("Red Hat Enterprise Linux", "rhel"),
    ("CentOS", "centos"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("Fedora", "fedora"),
    ("Oracle Linux", "ol"),
)
_RELEASE_NUMBER = re.compile(r"release\s+([0-9][0-9.]*)")


@dataclass(frozen=True)
class ReleaseFile:
    """The text of one release file, kept per path so the overlay decides which one survives."""

    path: str
    text: str


class ReleaseFileAnalyzer(Analyzer[ReleaseFile]):
    """Keeps the release files OS detection reads."""

    name: ClassVar[str] = "release-files"
    _paths = frozenset(OS_RELEASE + _FALLBACKS)

    def path_filter(self) -> PathFilter:
        return PathFilter(names=frozenset(p.rpartition("/")[2] for p in self._paths))

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path in self._paths and size <= 64 * 1024

    def analyze(self, file: LayerFile) -> Sequence[ReleaseFile]:
        return (ReleaseFile(file.path, file.content.decode("utf-8", "replace")),)


def parse_os_release(text: str) -> dict[str, str]:
    """os-release(5): KEY=value lines, values optionally quoted."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[key.strip()] = value
    return fields


def detect(read: Callable[[str], str | None]) -> Distro | None:
    """The distro from the merged image; `read(path)` gives a release file's text (symlinks followed)."""
    for path in OS_RELEASE:
        text = read(path)
        if text is not None:
            fields = parse_os_release(text)
            if fields.get("ID"):
                version = fields.get("VERSION_ID", "")
                if not version and fields["ID"] == "debian":
                    version = (read("etc/debian_version") or "").strip()
                return Distro(fields["ID"].lower(), version, fields.get("PRETTY_NAME", ""))
    text = read("etc/alpine-release")
    if text is not None and text.strip():
        return Distro("alpine", text.strip().splitlines()[0])
    text = read("etc/debian_version")
    if text is not None and text.strip():
        return Distro("debian", text.strip().splitlines()[0])
    for path in ("etc/redhat-release", "etc/centos-release"):
        text = read(path)
        match = _RELEASE_NUMBER.search(text or "")
        if text and match:
            for prefix, distro_id in _REDHAT_FAMILY:
                if text.startswith(prefix):
                    return Distro(distro_id, match.group(1), text.strip())
    return None


def release_tag(distro: Distro) -> str:
    """`debian:12`, `alpine:3.19`, `ubuntu:22.04`, `rhel:9`: the release advisories are keyed by."""
    version = distro.version_id
    if distro.id == "alpine":
        version = ".".join(version.split(".")[:2])
    elif distro.id in _MAJOR_ONLY and version[:1].isdigit():
        version = version.split(".")[0]
    return f"{distro.id}:{version}" if version else distro.id


def purl_distro(distro: Distro) -> str:
    """The purl `distro` qualifier, Syft style: `debian-12`, `alpine-3.19.1`."""
    return f"{distro.id}-{distro.version_id}" if distro.version_id else distro.id
