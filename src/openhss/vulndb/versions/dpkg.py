"""Debian/Ubuntu package versions: `[epoch:]upstream[-revision]`, ordered as dpkg's verrevcmp."""

from __future__ import annotations

import re
from functools import lru_cache

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

_PART = re.compile(r"([^0-9]*)([0-9]*)")
_UPSTREAM_CHARS = re.compile(r"[A-Za-z0-9.+~:-]*")
_REVISION_CHARS = re.compile(r"[A-Za-z0-9.+~]*")
_INT_MAX = 2**31 - 1
_EPOCH = re.compile(r"[+-]?[0-9]+")
_SPACE = re.compile(r"\s")

# A run of non-digits compares character by character, padded with weight 0 at its end:
# '~' sorts before the end of the run, letters before every other character.
_PAD: tuple[tuple[int, ...], int] = ((0,), 0)
DpkgPart = tuple[tuple[int, ...], int]
DpkgKey = tuple[int, tuple[DpkgPart, ...], tuple[DpkgPart, ...]]


def _weight(c: str) -> int:
    if c == "~":
        return -1
    if c.isascii() and c.isalpha():
        return ord(c)
    return ord(c) + 256


@lru_cache(maxsize=4096)
def _run_key(letters: str) -> tuple[int, ...]:
    # Non-digit runs are few and repeat ('.', '-', '+deb', 'ubuntu'): weigh each once.
    return (*(_weight(c) for c in letters), 0)


@lru_cache(maxsize=16_384)
def _string_key(s: str) -> tuple[DpkgPart, ...]:
    # Revisions ("1", "2+deb12u1") and upstreams repeat across versions: a cold match parses ~1,750
    # distinct versions with ~220 distinct revisions.
    # Every match but the last consumes at least one character; the last is the empty match at the
    # end, a pad that the loop below drops (or, for an empty string, the one part it must have).
    parts: list[DpkgPart] = [
        (_run_key(letters), int(digits) if digits else 0) for letters, digits in _PART.findall(s)
    ]
    # A missing part compares as an empty run followed by the number 0 (a pad).  Past the first
    # part only trailing parts can be pads: drop them and end every key with exactly one, so that
    # "1.0" == "1.0-0", "" == "0" and "1.0~" < "1.0".
    while len(parts) > 1 and parts[-1] == _PAD:
        parts.pop()
    parts.append(_PAD)
    return tuple(parts)


class DpkgScheme(VersionScheme):
    """dpkg's ordering (deb-version(7)): epoch, then upstream, then revision, each by verrevcmp.

    Refused as dpkg refuses them: empty parts, a non-numeric or too large epoch, characters outside
    deb-version's set.  An upstream not starting with a digit is ordered, as dpkg does with a warning.
    """

    name = "dpkg"

    def _parse(self, version: str) -> DpkgKey:
        v = version.strip()
        if not v:
            raise InvalidVersion(self.name, version, "empty")
        # re's \s is str.isspace (both Py_UNICODE_ISSPACE), at a third of a generator's cost.
        if _SPACE.search(v):
            raise InvalidVersion(self.name, version, "embedded space")
        epoch = 0
        if ":" in v:
            e, v = v.split(":", 1)
            if not e:
                raise InvalidVersion(self.name, version, "empty epoch")
            # dpkg reads the epoch with strtol, so a sign is allowed ("+1", "-0"); negatives are not.
            if not _EPOCH.fullmatch(e):
                raise InvalidVersion(self.name, version, "epoch is not a number")
            epoch = int(e)
            if epoch < 0:
                raise InvalidVersion(self.name, version, "negative epoch")
            if epoch > _INT_MAX:
                raise InvalidVersion(self.name, version, "epoch too big")
        upstream, sep, revision = v.rpartition("-")
        if not sep:
            upstream, revision = v, ""
        elif not revision:
            raise InvalidVersion(self.name, version, "empty revision")
        if not upstream:
            raise InvalidVersion(self.name, version, "empty upstream version")
        if not _UPSTREAM_CHARS.fullmatch(upstream) or not _REVISION_CHARS.fullmatch(revision):
            raise InvalidVersion(self.name, version, "invalid character")
        return (epoch, _string_key(upstream), _string_key(revision))
