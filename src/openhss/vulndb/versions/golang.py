"""Go module versions, ordered as golang.org/x/mod/semver (pseudo-versions are prereleases there)."""

from __future__ import annotations

import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme
from openhss.vulndb.versions.semver import RELEASE, SemverKey, prerelease_key

_NUM = r"0|[1-9][0-9]*"
_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD = r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
_FULL = re.compile(rf"v({_NUM})\.({_NUM})\.({_NUM})(?:-({_ID}(?:\.{_ID})*))?{_BUILD}")
# x/mod/semver accepts "v1" and "v1.2" as shorthands, but only without prerelease or build.
_SHORT = re.compile(rf"v({_NUM})(?:\.({_NUM}))?")
# The Go toolchain and standard library ("stdlib" in OSV) spell releases go1.21, go1.21.3, go1.21rc2.
_TOOLCHAIN = re.compile(r"go([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:(alpha|beta|rc)([0-9]+))?")


class GoScheme(VersionScheme):
    """Go module versions: `vX.Y.Z[-pre][+build]`; OSV writes them without the `v`, which is accepted.

    Build metadata, and so `+incompatible`, does not take part in the order, as in Go.  Beyond
    x/mod/semver this also reads toolchain spellings (`go1.21.3`, `go1.21rc2` = `v1.21.0-rc.2`) and
    ignores surrounding whitespace; on every string x/mod/semver accepts it orders identically.
    """

    name = "golang"

    def _parse(self, version: str) -> SemverKey:
        v = version.strip()
        t = _TOOLCHAIN.fullmatch(v)
        if t:
            major, minor, patch = (int(g) if g else 0 for g in t.group(1, 2, 3))
            pre = prerelease_key([t.group(4), t.group(5)]) if t.group(4) else RELEASE
            return (major, minor, patch, pre)
        if not v.startswith("v"):
            v = "v" + v
        m = _FULL.fullmatch(v)
        if m:
            pre_s = m.group(4)
            pre = prerelease_key(pre_s.split(".")) if pre_s else RELEASE
            return (int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)
        s = _SHORT.fullmatch(v)
        if s:
            return (int(s.group(1)), int(s.group(2) or 0), 0, RELEASE)
        raise InvalidVersion(self.name, version, "not a Go module version")
