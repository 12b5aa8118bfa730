"""Semantic Versioning 2.0.0 as npm's `semver` parses and orders it (also OSV's SEMVER range type)."""

from __future__ import annotations

import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

_NUM = r"0|[1-9][0-9]*"
_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"v?({_NUM})\.({_NUM})\.({_NUM})(?:-({_ID}(?:\.{_ID})*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_MAX_LENGTH = 256
_MAX_SAFE_INTEGER = 2**53 - 1

PrereleaseId = tuple[int, int] | tuple[int, str]
# (major, minor, patch, prerelease): a release's prerelease part is (1,), which sorts after
# every (0, ids...) prerelease of the same major.minor.patch.
SemverKey = tuple[int, int, int, tuple[int | PrereleaseId, ...]]
RELEASE: tuple[int | PrereleaseId, ...] = (1,)


def prerelease_key(ids: list[str], fold_case: bool = False) -> tuple[int | PrereleaseId, ...]:
    """Numeric identifiers sort numerically and before alphanumeric ones, which sort in ASCII order."""
    out: list[int | PrereleaseId] = [0]
    for i in ids:
        if i.isdigit() and i.isascii():
            out.append((0, int(i)))
        else:
            out.append((1, i.lower() if fold_case else i))
    return tuple(out)


class SemverScheme(VersionScheme):
    """npm semver, strict mode: `[v]MAJOR.MINOR.PATCH[-pre][+build]`, build metadata ignored.

    One deliberate difference: npm compares numeric prerelease identifiers above 2**53 as
    floating-point numbers (so some distinct ones tie); here they compare exactly.
    """

    name = "semver"

    def _parse(self, version: str) -> SemverKey:
        v = version.strip()
        m = _SEMVER.fullmatch(v) if len(v) <= _MAX_LENGTH else None
        if m is None:
            raise InvalidVersion(self.name, version, "not semver 2.0")
        major, minor, patch = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if max(major, minor, patch) > _MAX_SAFE_INTEGER:
            raise InvalidVersion(self.name, version, "number too large")
        pre = m.group(4)
        return (major, minor, patch, prerelease_key(pre.split(".")) if pre else RELEASE)
