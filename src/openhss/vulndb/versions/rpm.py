"""RPM versions (Red Hat, SUSE, AlmaLinux, Rocky, openEuler): `[epoch:]version[-release]` by rpmvercmp."""

from __future__ import annotations

import re

from openhss.vulndb.versions.interface import InvalidVersion, VersionScheme

# Segment kinds in the order rpmvercmp gives them when two versions differ at that point:
# '~' sorts before everything (even the end), the end before '^', '^' before any segment,
# and a numeric segment is newer than an alphabetic one.
_TILDE = (0,)
_END = (1,)
_CARET = (2,)
_ALPHA = 3
_NUM = 4
_TOKEN = re.compile(r"~|\^|[0-9]+|[A-Za-z]+")
RpmSegment = tuple[int] | tuple[int, str] | tuple[int, int]
RpmKey = tuple[int, tuple[RpmSegment, ...], tuple[RpmSegment, ...]]
# Every release key has at least its end marker, so no release sorts before all of them.
_NO_RELEASE: tuple[RpmSegment, ...] = ()


def vercmp_key(s: str) -> tuple[RpmSegment, ...]:
    """The key rpmvercmp orders one version or release string by (separators are skipped)."""
    out: list[RpmSegment] = []
    for tok in _TOKEN.findall(s):
        if tok == "~":
            out.append(_TILDE)
        elif tok == "^":
            out.append(_CARET)
        elif tok[0].isdigit():
            out.append((_NUM, int(tok)))
        else:
            out.append((_ALPHA, tok))
    out.append(_END)
    return tuple(out)


class RpmScheme(VersionScheme):
    """rpm's EVR ordering: epoch (missing = 0), version, then release (missing = older than any).

    A missing release compares as rpm's own `rpm.vercmp` (rpm 4.18) does: older than any release of
    the same version, even `1.0-~1` or an empty one.  Separators and non-ASCII characters only split.
    """

    name = "rpm"

    def _parse(self, version: str) -> RpmKey:
        v = version.strip()
        if not v or any(c.isspace() for c in v):
            raise InvalidVersion(self.name, version, "empty or embedded space")
        epoch = 0
        head, colon, rest = v.partition(":")
        if colon:
            if head and not (head.isdigit() and head.isascii()):
                raise InvalidVersion(self.name, version, "epoch is not a number")
            epoch, v = int(head or "0"), rest
        # As rpm's own parser: the release is what follows the last '-'.
        if "-" not in v:
            return (epoch, vercmp_key(v), _NO_RELEASE)
        ver, _, release = v.rpartition("-")
        if not ver:
            raise InvalidVersion(self.name, version, "empty version")
        return (epoch, vercmp_key(ver), vercmp_key(release))
