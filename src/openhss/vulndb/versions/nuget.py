"""NuGet package versions: up to four numeric parts, semver-2 prerelease labels, case-insensitive."""

from __future__ import annotations

import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme
from openhss.vulndb.versions.semver import RELEASE, PrereleaseId, prerelease_key

_LABEL = r"[0-9A-Za-z-]+"
_NUGET = re.compile(
    rf"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?"
    rf"(?:-({_LABEL}(?:\.{_LABEL})*))?(?:\+({_LABEL}(?:\.{_LABEL})*))?"
)
NugetKey = tuple[int, int, int, int, tuple[int | PrereleaseId, ...]]


class NugetScheme(VersionScheme):
    """NuGetVersion's order: 1.0 == 1.0.0.0, 1.0-beta < 1.0, labels case-insensitive, build ignored."""

    name = "nuget"

    def _parse(self, version: str) -> NugetKey:
        m = _NUGET.fullmatch(version.strip())
        if m is None:
            raise InvalidVersion(self.name, version, "not a NuGet version")
        a, b, c, d = (int(g) if g else 0 for g in m.group(1, 2, 3, 4))
        pre = m.group(5)
        return (a, b, c, d, prerelease_key(pre.split("."), fold_case=True) if pre else RELEASE)
