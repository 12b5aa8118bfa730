"""RubyGems versions, ordered as Gem::Version#<=> (canonical segments, prerelease letters)."""

from __future__ import annotations

import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

_PATTERN = re.compile(r"[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
# Gem::Version pads the shorter version with zeros.  Encoded so tuples compare the same way:
# a string segment at any place is older than the zero padding, a number newer, and between
# two versions differing first at different places the earlier difference decides.
_PADDING = (1,)
GemKey = tuple[tuple[int, int, str] | tuple[int, int, int] | tuple[int], ...]


def _canonical(version: str) -> list[int | str]:
    segs: list[int | str] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(version)]
    first_str = next((i for i, s in enumerate(segs) if isinstance(s, str)), len(segs))
    out: list[int | str] = []
    for part in (segs[:first_str], segs[first_str:]):
        while part and part[-1] == 0:
            part.pop()
        out.extend(part)
    return out


class RubyGemsScheme(VersionScheme):
    """Gem::Version: `1.2.3`, `1.0.a`, `1.0-1` (read as `1.0.pre.1`); letters mark a prerelease."""

    name = "rubygems"

    def _parse(self, version: str) -> GemKey:
        v = version.strip()
        if not v:
            v = "0"
        if not _PATTERN.fullmatch(v):
            raise InvalidVersion(self.name, version, "not a Gem::Version")
        v = v.replace("-", ".pre.")
        key: list[tuple[int, int, str] | tuple[int, int, int] | tuple[int]] = []
        zeros = 0
        for seg in _canonical(v):
            if seg == 0:
                zeros += 1
                continue
            key.append((0, zeros, seg) if isinstance(seg, str) else (2, -zeros, seg))
            zeros = 0
        key.append(_PADDING)
        return tuple(key)
